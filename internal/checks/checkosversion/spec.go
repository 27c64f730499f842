// Package checkosversion is check_os_version: its flags, the three sources
// (this host's os-release, one device over SNMP, an inventory of a fleet)
// and the judging of each device's version against the policy, in three
// steps: gather (all I/O), judge (pure) and report (the text).
package checkosversion

import (
	"context"

	"github.com/guardrail-monitoring/guardrail/internal/inventory"
	"github.com/guardrail-monitoring/guardrail/internal/osversion"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

// defaultLongLimit: drifted devices listed without -v.
const defaultLongLimit = 50

// Spec is check_os_version.
func Spec() plugin.Spec {
	return plugin.Spec{
		Name:  "check_os_version",
		Label: "OS VERSION",
		Usage: "OS version drift of this host, a network device (SNMP) or a fleet (inventory) against the policy",
		Description: "Judges an OS version against the policy's os_versions entry for its platform (ios, ios-xe, nx-os, junos,\n" +
			"fortios, pan-os, eos, routeros, gaia, debian, ubuntu, rhel, ...): blocked versions, below minimum and past\n" +
			"end of life are CRITICAL; below target and end of life within eol_warning_days (90) are WARNING; a version\n" +
			"that does not parse, or cannot be ordered against the policy (IOS trains), is UNKNOWN. Sources: this host's\n" +
			"os-release, with debian_version or redhat-release for the point release (no flags, or --root), one device\n" +
			"over SNMP v2c (-H, -C) or v3 (-H, -u, ...), or a fleet (--inventory CSV or JSON with name,platform,version).\n" +
			"For a fleet the worst device decides, unless -w/-c are given: they judge the number of drifted devices.\n" +
			"A platform without a policy entry is UNKNOWN; a policy entry that does not parse makes only its platform UNKNOWN.\n" +
			"A target with since/within_days or a blocked entry with published/within_days is a deadline: a device not\n" +
			"complying is WARNING with the days left, CRITICAL from the deadline on (perfdata devices_overdue,\n" +
			"max_days_overdue, devices_due). End-of-life dates also come from distro-info-data under --root and from\n" +
			"endoflife.date files the policy names (eol_file); the policy's inventory: section maps CMDB columns and\n" +
			"platform spellings (NetBox device exports are read as saved).\n" +
			"Dates are judged at the current time (GUARDRAIL_NOW=YYYY-MM-DD fixes it for tests).",
		Flags:   flags(),
		Options: plugin.Bind(parseOptions, Options.check),
	}
}

// check loads the policy, gathers the devices, judges them and reports.
func (o Options) check(ctx context.Context, env *plugin.Env) (plugin.Result, error) {
	pol, err := policy.Load(env.PolicyPath, env.PolicyExplicit)
	if err != nil {
		return plugin.Result{}, err
	}
	rules := osversion.Compile(pol.File, pol.OSVersions)
	m, err := inventory.MappingFrom(pol.File, pol.Inventory)
	if err != nil {
		return plugin.Result{}, err
	}
	if err := o.readEOL(rules); err != nil {
		return plugin.Result{}, err
	}
	g, err := o.gather(ctx, env.Timeout, m)
	if err != nil {
		return plugin.Result{}, err
	}
	v := Judge(g.Devices, rules, env.Now, o.Counts)
	r := Report{Fleet: g.Fleet, LongLimit: defaultLongLimit, Notes: g.Notes, Source: g.Source, Now: env.Now}
	if env.Verbose > 0 {
		r.LongLimit = 0
	}
	if o.StateFile != "" {
		first, note, err := recordFirstSeen(o.StateFile, v, env.Now)
		if err != nil {
			return plugin.Result{}, err
		}
		r.FirstSeen = first
		if note != "" {
			r.Notes = append(r.Notes, "note: "+note)
		}
	}
	return r.Result(v), nil
}
