package checkosversion

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/guardrail-monitoring/guardrail/internal/ledger"
	"github.com/guardrail-monitoring/guardrail/internal/osversion"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/snmp"
)

// flags are check_os_version's own flags (plugin adds the common ones).
func flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "root", Value: "/", Usage: "read `DIR`/etc/os-release (or DIR/usr/lib/os-release), DIR/etc/debian_version and DIR/etc/redhat-release instead of this host's; end-of-life dates from DIR/usr/share/distro-info/{debian,ubuntu}.csv (with -H or --inventory only when --root is given)"},
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
		&cli.StringFlag{Name: "state-file", Usage: "JSON `FILE` remembering the day each device was first seen out of policy (must end in .json); without it nothing is written"},
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
	// EOLRoot is where distro-info-data's debian.csv and ubuntu.csv are
	// read under: Root for this host; for -H and --inventory only a
	// --root given (the monitoring host's files are not assumed to
	// describe the fleet, and tests stay independent of the host), ""
	// for none.
	EOLRoot string
	// SNMP is the agent given with -H (its Timeout set at run time), or nil.
	SNMP *snmp.Target
	// StateFile keeps the day each device was first seen out of policy
	// ("" for none: nothing is written).
	StateFile string
}

func parseOptions(c *cli.Context) (Options, error) {
	o := Options{Inventory: c.String("inventory"), Root: c.String("root"), StateFile: c.String("state-file")}
	var err error
	if o.StateFile != "" {
		if err := ledger.ValidatePath(o.StateFile); err != nil { // the path's form only; nothing is opened yet
			return o, err
		}
	}
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
	case o.Inventory != "" && o.Platform != "":
		return o, errors.New("--platform does not go with --inventory (the inventory names each platform)")
	case host == "" && o.Inventory == "" && !filepath.IsAbs(o.Root):
		return o, fmt.Errorf("--root %q must be an absolute path", o.Root)
	}
	switch {
	case host == "" && o.Inventory == "":
		o.EOLRoot = o.Root
	case c.IsSet("root"):
		if !filepath.IsAbs(o.Root) {
			return o, fmt.Errorf("--root %q must be an absolute path", o.Root)
		}
		o.EOLRoot = o.Root
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
