package device

import (
	"net/netip"
	"testing"
)

func TestMaskBits(t *testing.T) {
	for _, tc := range []struct {
		mask string
		bits int
		ok   bool
	}{
		{"255.255.255.0", 24, true},
		{"255.255.255.255", 32, true},
		{"0.0.0.0", 0, true},
		{"255.255.128.0", 17, true},
		{"255.0.255.0", 0, false},
		{"0.0.0.255", 0, false},
	} {
		if bits, ok := MaskBits(netip.MustParseAddr(tc.mask)); bits != tc.bits || ok != tc.ok {
			t.Errorf("%s: %d %v, want %d %v", tc.mask, bits, ok, tc.bits, tc.ok)
		}
	}
}
