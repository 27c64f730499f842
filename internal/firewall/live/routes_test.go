package live

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

func TestIface(t *testing.T) {
	rs, err := ReadFiles("testdata/route", "testdata/ipv6_route")
	if err != nil {
		t.Fatal(err)
	}
	for set, want := range map[string]string{
		"192.0.2.7":    "eth0",
		"10.0.3.0/24":  "eth1",
		"10.0.1.5":     "eth2", // the longer prefix
		"10.0.0.0/16":  "",     // eth1 and eth2
		"10.0.2.1":     "eth1", // the reject route is no route: 10.0/16
		"8.8.8.8":      "eth0", // the default route
		"fd01::5":      "eth1",
		"fd01::2":      "eth1", // a local address's route is not used
		"2001:db8::1":  "eth0",
		"127.0.0.1":    "eth0", // lo routes are skipped: the default
		"fd01::/64":    "eth1",
		"fd01::/63":    "",
		"192.0.2.0/23": "eth0",
	} {
		s := firewall.MustPrefixSet(set)
		if got := rs.Iface(s); got != want {
			t.Errorf("Iface(%s) = %q, want %q\n%s", set, got, want, rs)
		}
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"short":    "Iface\tDestination\neth0\t00000000\n",
		"bad-hex":  "h\neth0\tZZ000000\t0\t0001\t0\t0\t0\t00000000\n",
		"bad-mask": "h\neth0\t00000000\t0\t0001\t0\t0\t0\t00FF00FF\n",
	} {
		f := filepath.Join(dir, name)
		os.WriteFile(f, []byte(text), 0o600)
		if _, err := ReadFiles(f, ""); err == nil || !strings.Contains(err.Error(), f+", line 2") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := ReadFiles(filepath.Join(dir, "missing"), ""); err == nil {
		t.Error("missing file: no error")
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/route", "testdata/ipv6_route"} {
		b, _ := os.ReadFile(name)
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, text string) {
		r4, _ := parseRoute("f", text)
		r6, _ := parseIPv6Route("f", text)
		_ = append(r4, r6...).Iface(firewall.MustPrefixSet("10.0.0.0/8"))
	})
}
