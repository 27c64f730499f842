package checkosversion

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/inventory"
	"github.com/guardrail-monitoring/guardrail/internal/ledger"
	"github.com/guardrail-monitoring/guardrail/internal/osversion"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/snmp"
)

// Device is one device to judge as its source gives it: the platform and
// version as written (the judge normalises and parses them) and its line
// in an inventory (0: none). An inventory's rows are used as read, not
// copied: a fleet of 100,000 is judged within 100 MiB.
type Device = inventory.Device

// Gathered is what the source gave: the devices, where they were read
// (an inventory, os-release files, host:port, for the reasons of UNKNOWN
// devices), whether they are a fleet (an inventory) and notes on where
// the data came from.
type Gathered struct {
	Devices []Device
	Source  string
	Fleet   bool
	Notes   []string
}

// gather reads the one source the options name; all of the check's I/O
// but the policy is here.
func (o Options) gather(ctx context.Context, timeout time.Duration, m inventory.Mapping) (Gathered, error) {
	switch {
	case o.Inventory != "":
		devs, err := inventory.ReadWith(o.Inventory, m)
		if err != nil {
			return Gathered{}, err
		}
		return Gathered{Devices: devs, Source: "inventory " + o.Inventory, Fleet: true}, nil
	case o.SNMP != nil:
		t := *o.SNMP
		// Both attempts end before the plugin's own deadline, so a silent
		// agent gives an error naming host:port, not a bare "timed out".
		t.Timeout = snmpBudget(timeout) / 2
		d, notes, err := fromSNMP(ctx, t, o.Platform, timeout)
		return Gathered{Devices: []Device{d}, Source: "SNMP " + t.Address(), Notes: notes}, err
	default:
		d, sources, notes, err := fromOSRelease(o.Root, o.Platform)
		return Gathered{Devices: []Device{d}, Source: sources, Notes: notes}, err
	}
}

// fromOSRelease reads this host (or the snapshot under root) from its
// release files; osversion.ReadLocal does the reading.
func fromOSRelease(root, platform string) (Device, string, []string, error) {
	l, err := osversion.ReadLocal(root)
	if err != nil {
		return Device{}, "", nil, err
	}
	osRelease := l.Sources[0]
	notes := []string{fmt.Sprintf("source: %s (%s)", strings.Join(l.Sources, ", "), l.Pretty)}
	if platform == "" {
		if l.Platform == "" {
			// ID_LIKE is not used: a derivative numbers its releases its
			// own way (Linux Mint 21.3 is no Ubuntu 21.3).
			like := ""
			if len(l.IDLike) > 0 {
				like = " (like " + strings.Join(l.IDLike, ", ") + ")"
			}
			return Device{}, "", nil, fmt.Errorf("%s: ID %q%s is not a platform this check knows; --platform judges it as one", osRelease, l.ID, like)
		}
		platform = l.Platform
	}
	sources := strings.Join(l.Sources, ", ")
	return Device{Name: "localhost", Platform: platform, Version: l.Version}, sources, notes, nil
}

func snmpBudget(timeout time.Duration) time.Duration {
	return timeout - max(300*time.Millisecond, timeout/10)
}

// fromSNMP reads one device's platform (unless given) and version from
// its agent: sysDescr, sysObjectID and the vendor OIDs.
func fromSNMP(ctx context.Context, t snmp.Target, platform string, timeout time.Duration) (Device, []string, error) {
	ctx, cancel := context.WithTimeout(ctx, snmpBudget(timeout))
	defer cancel()
	sys, err := snmp.ReadSystem(ctx, t, osversion.VersionOIDs()...)
	if err != nil {
		return Device{}, nil, err
	}
	addr := t.Address()
	notes := []string{fmt.Sprintf("device: %s, sysObjectID %s", addr, sys.ObjectID),
		"sysDescr: " + strings.Join(strings.Fields(sys.Descr), " ")}
	if platform == "" {
		p, ok := osversion.Detect(sys.Descr, sys.ObjectID)
		if !ok {
			return Device{}, nil, fmt.Errorf("SNMP %s: platform not recognised from sysObjectID %s and sysDescr; --platform names it", addr, sys.ObjectID)
		}
		platform = p
	}
	version, err := osversion.VersionFrom(platform, sys.Descr, sys.Values)
	if err != nil {
		return Device{}, nil, fmt.Errorf("SNMP %s: %v", addr, err)
	}
	return Device{Name: t.Host, Platform: platform, Version: version}, notes, nil
}

// readEOL adds the end-of-life dates on disk to each platform's rules:
// distro-info-data under EOLRoot (when set) and the endoflife.date files
// the policy names. The policy's own eol entries win. A file that does not
// parse is an error naming it: judging without it would be an OK on
// nothing known.
func (o Options) readEOL(rules map[string]*osversion.Rules) error {
	ids := make([]string, 0, len(rules))
	for id := range rules {
		ids = append(ids, id)
	}
	sort.Strings(ids) // the first error is the same on every run
	for _, id := range ids {
		r := rules[id]
		var cycles []osversion.Cycle
		var err error
		if o.EOLRoot != "" {
			cycles, err = osversion.ReadEOLFiles(o.EOLRoot, r)
		} else {
			cycles, err = osversion.ReadEOLFile(r)
		}
		if err != nil {
			return err
		}
		r.AddFileEOL(cycles)
	}
	return nil
}

// recordFirstSeen keeps, in the state file, the day each device of the
// verdict not OK (WARNING or CRITICAL) was first seen so, forgetting the
// devices back in policy; it returns the times by device key (see
// firstSeenKey) and the ledger's note ("" or why it was rebuilt).
func recordFirstSeen(path string, v Verdict, now time.Time) (map[string]time.Time, string, error) {
	var drifted []string
	for i := range v.Judged {
		if s := v.Judged[i].State; s == plugin.Warning || s == plugin.Critical {
			drifted = append(drifted, firstSeenKey(&v.Devices[i], &v.Judged[i]))
		}
	}
	led, err := ledger.Update(path, drifted, now)
	if err != nil {
		msg := err.Error()
		if !strings.Contains(msg, "--state-file") {
			msg += " (give --state-file FILE in a folder of the user the check runs as)"
		}
		return nil, "", fmt.Errorf("cannot keep first-seen times: %s", msg)
	}
	return led.First, led.Note, nil
}

// firstSeenKey names a device in the state file: its platform and name
// (a device that changes platform is a new device).
func firstSeenKey(d *Device, dv *DeviceVerdict) string { return dv.ID + ":" + d.Name }
