package device

import "net/netip"

// MaskBits is the prefix length of a contiguous IPv4 subnet mask m
// (255.255.255.0: 24); a mask whose ones are not contiguous is not one.
func MaskBits(m netip.Addr) (int, bool) {
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for n < 32 && v&(1<<(31-n)) != 0 {
		n++
	}
	if n < 32 && v<<n != 0 {
		return 0, false
	}
	return n, true
}
