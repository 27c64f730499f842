package firewall

import (
	"net/netip"
	"testing"
)

func TestAddrSetAlgebra(t *testing.T) {
	rng := func(a, b string) AddrSet {
		s, err := RangeSet(netip.MustParseAddr(a), netip.MustParseAddr(b))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name string
		got  AddrSet
		want string
	}{
		{"prefix", MustPrefixSet("10.0.0.0/8"), "10.0.0.0/8"},
		{"host bits cleared", MustPrefixSet("10.1.2.3/16"), "10.1.0.0/16"},
		{"single", MustPrefixSet("192.0.2.1"), "192.0.2.1"},
		{"adjacent merge", MustPrefixSet("10.0.0.0/25", "10.0.0.128/25"), "10.0.0.0/24"},
		{"minus hole", MustPrefixSet("10.0.0.0/24").Minus(MustPrefixSet("10.0.0.5")), "10.0.0.0-10.0.0.4,10.0.0.6-10.0.0.255"},
		{"intersect", MustPrefixSet("10.0.0.0/8").Intersect(MustPrefixSet("10.5.0.0/16", "11.0.0.0/8")), "10.5.0.0/16"},
		{"complement v4", MustPrefixSet("128.0.0.0/1").Complement(FamilyIPv4), "0.0.0.0/1"},
		{"all v4", AllAddrs(FamilyIPv4), "0.0.0.0/0"},
		{"all v6", AllAddrs(FamilyIPv6), "::/0"},
		{"v6 prefix", MustPrefixSet("2001:db8::/32"), "2001:db8::/32"},
		{"v6 /64 minus", MustPrefixSet("2001:db8::/64").Minus(MustPrefixSet("2001:db8::/65")), "2001:db8:0:0:8000::/65"},
		{"v6 /0 minus /1", AllAddrs(FamilyIPv6).Minus(MustPrefixSet("::/1")), "8000::/1"},
		{"mixed families", MustPrefixSet("10.0.0.1", "::1"), "10.0.0.1,::1"},
		{"range", rng("10.0.0.3", "10.0.0.9"), "10.0.0.3-10.0.0.9"},
		{"empty", MustPrefixSet("10.0.0.0/8").Minus(AllAddrs(FamilyAny)), "none"},
		{"only v6", MustPrefixSet("10.0.0.1", "::1").Only(FamilyIPv6), "::1"},
		{"complement any", MustPrefixSet("0.0.0.0/0").Complement(FamilyAny), "::/0"},
	}
	for _, tc := range tests {
		if s := tc.got.String(); s != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, s, tc.want)
		}
	}
	if _, err := RangeSet(netip.MustParseAddr("10.0.0.9"), netip.MustParseAddr("10.0.0.3")); err == nil {
		t.Error("backwards range accepted")
	}
	if _, err := RangeSet(netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("::1")); err == nil {
		t.Error("mixed range accepted")
	}
	s := MustPrefixSet("10.0.0.0/8", "2001:db8::/32")
	for a, want := range map[string]bool{"10.255.255.255": true, "11.0.0.0": false, "2001:db8:ffff::1": true, "2001:db9::": false, "::ffff:10.0.0.1": true} {
		if got := s.Contains(netip.MustParseAddr(a)); got != want {
			t.Errorf("Contains(%s) = %v", a, got)
		}
	}
}

func TestPortSetAlgebra(t *testing.T) {
	tests := []struct {
		got  PortSet
		want string
	}{
		{Ports(80, 90).Union(Port(91)), "80-91"},
		{Ports(80, 90).Minus(Port(85)), "80-84,86-90"},
		{Ports(80, 90).Intersect(Ports(88, 100)), "88-90"},
		{Port(0).Complement(), "1-65535"},
		{Port(65535).Complement(), "0-65534"},
		{AllPorts().Minus(AllPorts()), "none"},
		{Ports(10, 5), "none"},
	}
	for i, tc := range tests {
		if s := tc.got.String(); s != tc.want {
			t.Errorf("%d: got %s, want %s", i, s, tc.want)
		}
	}
}
