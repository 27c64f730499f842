package device

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

func TestOf(t *testing.T) {
	p := netip.MustParsePrefix
	ifaces := []Interface{
		{Name: "outside", Routes: []netip.Prefix{p("203.0.113.0/24"), p("0.0.0.0/0")}},
		{Name: "inside", Routes: []netip.Prefix{p("10.1.0.0/16")}},
		{Name: "lab", Routes: []netip.Prefix{p("10.1.9.0/24")}},
	}
	for _, tc := range []struct{ set, want string }{
		{"10.1.2.3", "inside"},
		{"10.1.9.9", "lab"},         // the longest prefix
		{"10.1.0.0/16", ""},         // partly inside, partly lab
		{"198.51.100.7", "outside"}, // the default route
		{"10.1.2.3,198.51.100.7", ""},
	} {
		var s firewall.AddrSet
		for _, a := range strings.Split(tc.set, ",") {
			s = s.Union(firewall.MustPrefixSet(a))
		}
		if got := Of(ifaces, s); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.set, got, tc.want)
		}
	}
	if got := Of(ifaces[1:], firewall.MustPrefixSet("198.51.100.7")); got != "" {
		t.Errorf("no route: %q", got)
	}
}

func TestSelect(t *testing.T) {
	p := netip.MustParsePrefix
	ifaces := []Interface{{Name: "a", Routes: []netip.Prefix{p("10.0.0.0/8")}}, {Name: "b", Routes: []netip.Prefix{p("11.0.0.0/8")}}}
	src, dst := firewall.MustPrefixSet("10.0.0.1"), firewall.MustPrefixSet("11.0.0.1")
	if got, err := Select(ifaces, "interface", "", "", src, dst); err != nil || got != (Path{"a", "b"}) {
		t.Errorf("%+v %v", got, err)
	}
	for _, tc := range []struct {
		what, from, to string
		src, dst       firewall.AddrSet
		want           string
	}{
		{"interface", "c", "", src, dst, `no interface "c" in the config (have a, b)`},
		{"interface", "", "", src, src, "both on interface a"},
		{"zone", "", "", firewall.MustPrefixSet("12.0.0.1"), dst, "name it with --from-zone"},
	} {
		if _, err := Select(ifaces, tc.what, tc.from, tc.to, tc.src, tc.dst); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v, want %q", err, tc.want)
		}
	}
	// Within one zone is a path (intrazone rules decide).
	if _, err := Select(ifaces, "zone", "", "", src, src); err != nil {
		t.Errorf("intrazone: %v", err)
	}
}

func TestLines(t *testing.T) {
	ls, err := Lines("k", "f", []byte("a b\r\n ! comment\n\v\f\n  c\td\n"), "!")
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 || ls[0].N != 1 || ls[0].Text() != "a b" || ls[1].N != 4 || ls[1].Indent != 2 || ls[1].Text() != "c d" {
		t.Errorf("%+v", ls)
	}
}
