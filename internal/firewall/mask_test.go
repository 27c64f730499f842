package firewall

import (
	"net/netip"
	"testing"
)

func TestMaskSet(t *testing.T) {
	a := netip.MustParseAddr
	cases := []struct {
		addr, mask string
		in, out    []string
		want       string
	}{
		{"10.0.0.0", "255.0.0.0", []string{"10.255.1.2"}, []string{"11.0.0.0"}, "10.0.0.0/8"},
		{"10.9.0.9", "255.0.255.0", []string{"10.0.0.0", "10.7.0.255", "10.255.0.1"}, []string{"10.0.1.0", "11.0.0.0", "10.0.255.0"}, ""},
		{"10.1.2.3", "255.255.255.255", []string{"10.1.2.3"}, []string{"10.1.2.4"}, "10.1.2.3"},
		{"2001:db8::", "ffff:ffff:ff::", []string{"2001:db8:ab00::", "2001:db8:ff00:1::"}, []string{"2001:db8:1::", "2001:db9::"}, ""},
	}
	for _, c := range cases {
		s, err := MaskSet(a(c.addr), a(c.mask))
		if err != nil {
			t.Errorf("%s/%s: %v", c.addr, c.mask, err)
			continue
		}
		for _, x := range c.in {
			if !s.Contains(a(x)) {
				t.Errorf("%s/%s: %s not in %s", c.addr, c.mask, x, s)
			}
		}
		for _, x := range c.out {
			if s.Contains(a(x)) {
				t.Errorf("%s/%s: %s in %s", c.addr, c.mask, x, s)
			}
		}
		if c.want != "" && s.String() != c.want {
			t.Errorf("%s/%s = %s, want %s", c.addr, c.mask, s, c.want)
		}
	}
	if _, err := MaskSet(a("10.0.0.1"), a("0.0.0.255")); err == nil {
		t.Error("0.0.0.255: 2^24 intervals accepted")
	}
}

// FuzzMaskSet: an address is in MaskSet(a, m) exactly when x & m == a & m.
func FuzzMaskSet(f *testing.F) {
	f.Add(uint32(0x0a000000), uint32(0xff00ff00), uint32(0x0a070009))
	f.Add(uint32(0xc0a80101), uint32(0xffffff00), uint32(0xc0a801ff))
	f.Fuzz(func(t *testing.T, a, m, x uint32) {
		v4 := func(v uint32) netip.Addr {
			return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		}
		s, err := MaskSet(v4(a), v4(m))
		if err != nil {
			return // too many intervals
		}
		if got, want := s.Contains(v4(x)), x&m == a&m; got != want {
			t.Fatalf("%s/%s contains %s: %v, want %v", v4(a), v4(m), v4(x), got, want)
		}
	})
}
