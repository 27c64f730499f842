package device

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

func TestNotesSortedByLine(t *testing.T) {
	var ns Notes
	ns.Add(9, true, "c")
	ns.Add(2, false, "a")
	ns.Add(5, true, "b")
	ns.Sort()
	want := Notes{{Line: 2, Msg: "a"}, {Line: 5, Affects: true, Msg: "b"}, {Line: 9, Affects: true, Msg: "c"}}
	if !reflect.DeepEqual(ns, want) {
		t.Errorf("notes %v, want %v", ns, want)
	}
}

func TestReadConfigBoundedAndParsed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r1.cfg")
	if err := os.WriteFile(path, []byte("hostname r1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	read := func(file string, data []byte) (*string, error) {
		s := file + ": " + string(data)
		return &s, nil
	}
	got, err := ReadConfig("test config", path, read)
	if err != nil || *got != path+": hostname r1\n" {
		t.Fatalf("ReadConfig: %v, %v", got, err)
	}
	// A device reads as size 0: the bound is on the bytes read.
	got, err = ReadConfig("test config", "/dev/zero", read)
	if got != nil || err == nil || !strings.Contains(err.Error(), "test config /dev/zero") || !strings.Contains(err.Error(), "MiB") {
		t.Errorf("/dev/zero: %v, %v", got, err)
	}
	bad := errors.New("bad")
	if _, err := ReadConfig("test config", path, func(string, []byte) (*string, error) { return nil, bad }); err != bad {
		t.Errorf("the reader's error: %v", err)
	}
}

func TestNewRulesetFrame(t *testing.T) {
	rs, tb := NewRuleset("r1.cfg", "test", "Test device")
	if rs.Source != "Test device (r1.cfg)" || len(rs.Tables) != 1 || rs.Tables[0] != tb || tb.Family != firewall.FamilyIPv4 ||
		!reflect.DeepEqual(rs.Families, []firewall.Family{firewall.FamilyIPv4}) || tb.Pos.File != "r1.cfg" || rs.Stateless {
		t.Fatalf("ruleset %+v, table %+v", rs, tb)
	}
}

func TestSelectRouted(t *testing.T) {
	p := netip.MustParsePrefix
	ifaces := []Interface{
		{Name: "outside", Routes: []netip.Prefix{p("0.0.0.0/0")}},
		{Name: "inside", Routes: []netip.Prefix{p("10.1.0.0/16")}},
	}
	mapped := firewall.MustPrefixSet("198.51.100.10")
	// The NAT of 198.51.100.10 sends it inside.
	route := func(s firewall.AddrSet) string {
		if s.Minus(mapped).IsEmpty() {
			return "inside"
		}
		return Of(ifaces, s)
	}
	for _, tc := range []struct {
		what, from, to, src, dst string
		want                     Path
		err                      string
	}{
		{"interface", "", "", "203.0.113.5", "198.51.100.10", Path{"outside", "inside"}, ""},
		{"interface", "", "", "10.1.2.3", "10.1.9.9", Path{}, "both on interface inside: the flow does not cross the firewall"},
		{"zone", "", "", "10.1.2.3", "10.1.9.9", Path{"inside", "inside"}, ""}, // intrazone
		{"interface", "inside", "", "10.1.2.3", "10.1.9.9", Path{"inside", "inside"}, ""},
		{"interface", "", "dmz", "10.1.2.3", "10.1.9.9", Path{}, `no interface "dmz" in the config`},
	} {
		got, err := SelectRouted(ifaces, tc.what, tc.from, tc.to, firewall.MustPrefixSet(tc.src), firewall.MustPrefixSet(tc.dst), route)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v: %v, want error %q", tc, err, tc.err)
			}
		case err != nil || got != tc.want:
			t.Errorf("%+v: %+v, %v; want %+v", tc, got, err, tc.want)
		}
	}
}

func TestMatchConds(t *testing.T) {
	all := firewall.AllAddrs(firewall.FamilyIPv4)
	if cs := MatchConds(nil, all, all, nil, nil); len(cs) != 0 {
		t.Errorf("any match: %v", cs)
	}
	src, dst := firewall.MustPrefixSet("10.0.0.0/8"), firewall.MustPrefixSet("192.0.2.1")
	sp, dp := firewall.Port(1024), firewall.Port(443)
	want := []firewall.Cond{firewall.Protos(firewall.ProtoTCP), firewall.SrcAddrs(src), firewall.DstAddrs(dst), firewall.SrcPorts(sp), firewall.DstPorts(dp)}
	if cs := MatchConds([]uint8{firewall.ProtoTCP}, src, dst, &sp, &dp); !reflect.DeepEqual(cs, want) {
		t.Errorf("five-tuple: %v, want %v", cs, want)
	}
}

func TestOfTranslated(t *testing.T) {
	p := netip.MustParsePrefix
	ifaces := []Interface{
		{Name: "outside", Routes: []netip.Prefix{p("0.0.0.0/0")}},
		{Name: "inside", Routes: []netip.Prefix{p("10.1.0.0/16")}},
	}
	set := firewall.MustPrefixSet
	nats := func(yield func(ext, internal firewall.AddrSet) bool) {
		_ = yield(firewall.AddrSet{}, set("10.1.0.9")) && // no external addresses: never matches
			yield(set("198.51.100.0/30"), set("10.1.0.10")) &&
			yield(set("198.51.100.8"), set("172.16.0.1")) // the internal address is routed outside
	}
	for _, tc := range []struct{ s, want string }{
		{"198.51.100.1", "inside"},     // within the first NAT's external addresses
		{"198.51.100.0/29", "outside"}, // not within any one NAT: routed as it is
		{"198.51.100.8", "outside"},
		{"10.1.2.3", "inside"},
	} {
		if got := OfTranslated(ifaces, set(tc.s), nats); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.s, got, tc.want)
		}
	}
}
