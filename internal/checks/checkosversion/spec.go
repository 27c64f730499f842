package checkosversion

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/guardrail-monitoring/guardrail/internal/inventory"
	"github.com/guardrail-monitoring/guardrail/internal/osversion"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
	"github.com/guardrail-monitoring/guardrail/internal/snmp"
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
			"End-of-life dates are judged at the current time (GUARDRAIL_NOW=YYYY-MM-DD fixes it for tests).",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "root", Value: "/", Usage: "read `DIR`/etc/os-release (or DIR/usr/lib/os-release), DIR/etc/debian_version and DIR/etc/redhat-release instead of this host's"},
			&cli.StringFlag{Name: "platform", Usage: "judge the version as platform `ID` instead of detecting it"},
			&cli.StringFlag{Name: "inventory", Usage: "judge a fleet: CSV or JSON `FILE` of name,platform,version"},
			&cli.StringFlag{Name: "hostname", Aliases: []string{"H"}, Usage: "SNMP agent `HOST` (name or address) of the device to judge"},
			&cli.IntFlag{Name: "port", Aliases: []string{"p"}, Value: 161, Usage: "SNMP UDP `PORT`"},
			&cli.StringFlag{Name: "community", Aliases: []string{"C"}, EnvVars: []string{"GUARDRAIL_SNMP_COMMUNITY"}, Usage: "SNMP v2c `COMMUNITY` (never printed)"},
			&cli.StringFlag{Name: "user", Aliases: []string{"u"}, Usage: "SNMPv3 security `NAME` (selects SNMPv3)"},
			&cli.StringFlag{Name: "security-level", Usage: "SNMPv3 `LEVEL`: noAuthNoPriv, authNoPriv or authPriv (default from the passphrases given)"},
			&cli.StringFlag{Name: "auth-protocol", Usage: "SNMPv3 auth `PROTO`: MD5, SHA, SHA224, SHA256, SHA384, SHA512 (default SHA)"},
			&cli.StringFlag{Name: "auth-passphrase", EnvVars: []string{"GUARDRAIL_SNMP_AUTH_PASSPHRASE"}, Usage: "SNMPv3 auth `PASSPHRASE` (never printed)"},
			&cli.StringFlag{Name: "priv-protocol", Usage: "SNMPv3 privacy `PROTO`: DES, AES, AES192, AES256, AES192C, AES256C (default AES)"},
			&cli.StringFlag{Name: "priv-passphrase", EnvVars: []string{"GUARDRAIL_SNMP_PRIV_PASSPHRASE"}, Usage: "SNMPv3 privacy `PASSPHRASE` (never printed)"},
			&cli.StringFlag{Name: "warning", Aliases: []string{"w"}, Usage: "Nagios `RANGE` on the number of drifted devices (instead of the worst device)"},
			&cli.StringFlag{Name: "critical", Aliases: []string{"c"}, Usage: "Nagios `RANGE` on the number of drifted devices"},
		},
		Options: func(c *cli.Context) (plugin.Check, error) {
			o, err := parseOptions(c)
			if err != nil {
				return nil, err
			}
			return o.check, nil
		},
	}
}

// Options are check_os_version's flags, read once. One source is judged:
// the inventory, the SNMP agent, or this host (under Root).
type Options struct {
	// Counts are -w/-c on the number of drifted devices.
	Counts    plugin.Thresholds
	Platform  string // a platform id; "" detects it
	Inventory string
	Root      string
	// SNMP is the agent given with -H (its Timeout set at run time), or nil.
	SNMP *snmp.Target
}

func parseOptions(c *cli.Context) (Options, error) {
	o := Options{Inventory: c.String("inventory"), Root: c.String("root")}
	var err error
	if o.Counts, err = plugin.ParseThresholds(c.String("warning"), c.String("critical")); err != nil {
		return o, err
	}
	if p := c.String("platform"); p != "" {
		id, ok := osversion.Normalize(p)
		if !ok {
			return o, fmt.Errorf("--platform %q is not one of %s", p, strings.Join(osversion.Platforms(), ", "))
		}
		o.Platform = id
	}
	snmpSet := false
	for _, f := range []string{"port", "community", "user", "security-level", "auth-protocol", "auth-passphrase", "priv-protocol", "priv-passphrase"} {
		if given(c, f) {
			snmpSet = true
		}
	}
	host := c.String("hostname")
	switch {
	case host != "" && o.Inventory != "":
		return o, errors.New("give either -H (one device) or --inventory (a fleet), not both")
	case host == "" && snmpSet:
		return o, errors.New("SNMP options need -H HOST")
	case (host != "" || o.Inventory != "") && c.IsSet("root"):
		return o, errors.New("--root reads this host's os-release; it does not go with -H or --inventory")
	case o.Inventory != "" && o.Platform != "":
		return o, errors.New("--platform does not go with --inventory (the inventory names each platform)")
	case host == "" && o.Inventory == "" && !filepath.IsAbs(o.Root):
		return o, fmt.Errorf("--root %q must be an absolute path", o.Root)
	}
	if host != "" {
		t, err := snmpTarget(c)
		if err != nil {
			return o, err
		}
		o.SNMP = &t
	}
	return o, nil
}

func (o Options) check(ctx context.Context, env *plugin.Env) (plugin.Result, error) {
	counts, platform, inv := o.Counts, o.Platform, o.Inventory
	pol, err := policy.Load(env.PolicyPath, env.PolicyExplicit)
	if err != nil {
		return plugin.Result{}, err
	}
	rules := osversion.Compile(pol.File, pol.OSVersions)
	a := &Assessor{Rules: rules, Now: env.Now}
	report := Report{Counts: counts, LongLimit: defaultLongLimit}
	// An entry that did not compile makes its own devices UNKNOWN (the
	// Assessor says why); the others are judged, and the long output
	// says which entries are broken even when no device runs them.
	for _, err := range osversion.Broken(rules) {
		report.PolicyNotes = append(report.PolicyNotes, "policy entry skipped (its devices are UNKNOWN): "+err.Error())
	}
	if env.Verbose > 0 {
		report.LongLimit = 0
	}

	switch {
	case inv != "":
		devs, err := inventory.Read(inv)
		if err != nil {
			return plugin.Result{}, err
		}
		out := make([]Assessment, len(devs))
		for i, d := range devs {
			out[i] = a.Assess(d.Name, d.Platform, d.Version, "inventory "+inv, d.Line)
		}
		report.Fleet = true
		return report.Result(out), nil
	case o.SNMP != nil:
		t := *o.SNMP
		// Both attempts end before the plugin's own deadline, so a silent
		// agent gives an error naming host:port, not a bare "timed out".
		t.Timeout = snmpBudget(env.Timeout) / 2
		as, notes, err := fromSNMP(ctx, a, t, platform, env.Timeout)
		if err != nil {
			return plugin.Result{}, err
		}
		report.Notes = notes
		return report.Result([]Assessment{as}), nil
	default:
		as, notes, err := fromOSRelease(a, o.Root, platform)
		if err != nil {
			return plugin.Result{}, err
		}
		report.Notes = notes
		return report.Result([]Assessment{as}), nil
	}
}

// fromOSRelease judges this host (or the snapshot under root) by its
// release files; osversion.ReadLocal does the reading.
func fromOSRelease(a *Assessor, root, platform string) (Assessment, []string, error) {
	l, err := osversion.ReadLocal(root)
	if err != nil {
		return Assessment{}, nil, err
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
			return Assessment{}, nil, fmt.Errorf("%s: ID %q%s is not a platform this check knows; --platform judges it as one", osRelease, l.ID, like)
		}
		platform = l.Platform
	}
	return a.Assess("localhost", platform, l.Version, strings.Join(l.Sources, ", "), 0), notes, nil
}

// snmpTarget builds the agent's target from the flags: -u selects SNMPv3
// (and then -C must not be given), otherwise v2c needs -C.
func snmpTarget(c *cli.Context) (snmp.Target, error) {
	t := snmp.Target{Host: c.String("hostname"), Port: c.Int("port"), Retries: 1}
	if t.Port < 1 || t.Port > 65535 {
		return t, fmt.Errorf("-p %d is not a port (1-65535)", t.Port)
	}
	if user := c.String("user"); user != "" {
		if given(c, "community") {
			return t, fmt.Errorf("-C is for SNMP v2c; with -u (SNMPv3) leave it out")
		}
		t.Version, t.User = "3", user
		t.AuthPassphrase, t.PrivPassphrase = c.String("auth-passphrase"), c.String("priv-passphrase")
		t.AuthProtocol, t.PrivProtocol = strings.ToUpper(c.String("auth-protocol")), strings.ToUpper(c.String("priv-protocol"))
		t.SecurityLevel = c.String("security-level")
		if t.SecurityLevel == "" {
			switch {
			case t.PrivPassphrase != "":
				t.SecurityLevel = "authPriv"
			case t.AuthPassphrase != "":
				t.SecurityLevel = "authNoPriv"
			default:
				t.SecurityLevel = "noAuthNoPriv"
			}
		}
		level := strings.ToLower(t.SecurityLevel)
		if t.AuthProtocol == "" && level != "noauthnopriv" {
			t.AuthProtocol = "SHA"
		}
		if t.PrivProtocol == "" && level == "authpriv" {
			t.PrivProtocol = "AES"
		}
	} else {
		for _, f := range []string{"security-level", "auth-protocol", "auth-passphrase", "priv-protocol", "priv-passphrase"} {
			if given(c, f) {
				return t, fmt.Errorf("--%s is for SNMPv3 and needs -u USER", f)
			}
		}
		t.Version, t.Community = "2c", c.String("community")
		if t.Community == "" {
			return t, fmt.Errorf("-H needs -C COMMUNITY (SNMP v2c) or -u USER (SNMPv3)")
		}
	}
	if err := t.Validate(); err != nil {
		return t, err
	}
	return t, nil
}

func snmpBudget(timeout time.Duration) time.Duration {
	return timeout - max(300*time.Millisecond, timeout/10)
}

func fromSNMP(ctx context.Context, a *Assessor, t snmp.Target, platform string, timeout time.Duration) (Assessment, []string, error) {
	ctx, cancel := context.WithTimeout(ctx, snmpBudget(timeout))
	defer cancel()
	sys, err := snmp.ReadSystem(ctx, t, osversion.VersionOIDs()...)
	if err != nil {
		return Assessment{}, nil, err
	}
	addr := t.Address()
	notes := []string{fmt.Sprintf("device: %s, sysObjectID %s", addr, sys.ObjectID),
		"sysDescr: " + strings.Join(strings.Fields(sys.Descr), " ")}
	if platform == "" {
		p, ok := osversion.Detect(sys.Descr, sys.ObjectID)
		if !ok {
			return Assessment{}, nil, fmt.Errorf("SNMP %s: platform not recognised from sysObjectID %s and sysDescr; --platform names it", addr, sys.ObjectID)
		}
		platform = p
	}
	version, err := osversion.VersionFrom(platform, sys.Descr, sys.Values)
	if err != nil {
		return Assessment{}, nil, fmt.Errorf("SNMP %s: %v", addr, err)
	}
	return a.Assess(t.Host, platform, version, "SNMP "+addr, 0), notes, nil
}

// given: a flag set on the command line or by a non-empty environment
// variable (Icinga 2 passes its env vars even when their macro is empty).
func given(c *cli.Context, name string) bool {
	if !c.IsSet(name) {
		return false
	}
	if name == "port" {
		return true
	}
	return c.String(name) != ""
}
