package checkosversion

import (
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// parse runs the check's flags through urfave/cli and parseOptions.
func parse(t *testing.T, args ...string) (Options, error) {
	t.Helper()
	var o Options
	var perr error
	app := &cli.App{Name: "check_os_version", Flags: flags(), UseShortOptionHandling: true,
		Action: func(c *cli.Context) error { o, perr = parseOptions(c); return nil }}
	if err := app.Run(append([]string{"check_os_version"}, args...)); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return o, perr
}

func TestParseOptionsErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-H", "127.0.0.1", "-C", "public", "--inventory", "f.csv"}, "give either -H (one device) or --inventory (a fleet), not both"},
		{[]string{"-u", "admin"}, "SNMP options need -H HOST"},
		{[]string{"--inventory", "f.csv", "--platform", "ios"}, "--platform does not go with --inventory"},
		{[]string{"--root", "relative"}, `--root "relative" must be an absolute path`},
		{[]string{"--inventory", "f.csv", "--root", "relative"}, `--root "relative" must be an absolute path`},
		{[]string{"--platform", "vms"}, `--platform "vms" is not one of`},
		{[]string{"-H", "127.0.0.1"}, "-H needs -C COMMUNITY (SNMP v2c) or -u USER (SNMPv3)"},
		{[]string{"-w", "x"}, `invalid range "x"`},
	} {
		if _, err := parse(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}

// distro-info-data is read under --root: for this host always, for a
// fleet or a device only when --root is given.
func TestParseOptionsEOLRoot(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "/"},
		{[]string{"--root", "/srv/snap"}, "/srv/snap"},
		{[]string{"--inventory", "f.csv"}, ""},
		{[]string{"--inventory", "f.csv", "--root", "/"}, "/"},
		{[]string{"-H", "127.0.0.1", "-C", "public"}, ""},
		{[]string{"-H", "127.0.0.1", "-C", "public", "--root", "/srv/eol"}, "/srv/eol"},
	} {
		o, err := parse(t, c.args...)
		if err != nil || o.EOLRoot != c.want {
			t.Errorf("%v: EOLRoot %q %v, want %q", c.args, o.EOLRoot, err, c.want)
		}
	}
}
