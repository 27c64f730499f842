package firewall

import (
	"fmt"
	"math/bits"
	"net/netip"
)

// MaxMaskIntervals bounds the intervals one non-contiguous mask may make.
const MaxMaskIntervals = 1 << 16

// MaskSet is the set of addresses x with x & mask == a & mask, as iptables
// matches "-s 10.0.0.0/255.0.255.0" (iptables-save prints such masks as
// given). A contiguous mask is a prefix; a non-contiguous one is one
// interval per combination of the zero bits above its lowest one bit, so a
// mask with more than 16 such bits is refused.
func MaskSet(a, mask netip.Addr) (AddrSet, error) {
	a, mask = a.Unmap(), mask.Unmap()
	if !a.IsValid() || !mask.IsValid() || a.Is4() != mask.Is4() {
		return AddrSet{}, fmt.Errorf("mask %s does not fit address %s", mask, a)
	}
	width := a.BitLen()
	m, x := fromAddr(mask), fromAddr(a)
	bit := func(v u128, i int) bool { // i counts from the lowest bit
		if i >= 64 {
			return v.hi>>(i-64)&1 != 0
		}
		return v.lo>>i&1 != 0
	}
	setBit := func(v *u128, i int) {
		if i >= 64 {
			v.hi |= 1 << (i - 64)
		} else {
			v.lo |= 1 << i
		}
	}
	tz := 0 // the trailing zero bits: the width of each interval
	for tz < width && !bit(m, tz) {
		tz++
	}
	var free []int
	for i := tz; i < width; i++ {
		if !bit(m, i) {
			free = append(free, i)
		}
	}
	if len(free) > bits.Len(MaxMaskIntervals)-1 {
		return AddrSet{}, fmt.Errorf("non-contiguous mask %s: 2^%d intervals (at most %d)", mask, len(free), MaxMaskIntervals)
	}
	base := u128{x.hi & m.hi, x.lo & m.lo}
	var low u128 // the trailing bits, all ones
	for i := 0; i < tz; i++ {
		setBit(&low, i)
	}
	spans := make([]span, 0, 1<<len(free))
	for c := 0; c < 1<<len(free); c++ {
		lo := base
		for j, pos := range free {
			if c>>j&1 != 0 {
				setBit(&lo, pos)
			}
		}
		spans = append(spans, span{lo, u128{lo.hi | low.hi, lo.lo | low.lo}})
	}
	// c counts up with the free bits as its digits, lowest first, so the
	// intervals come in address order; the mask's one bit at tz lies
	// between any two, so they are disjoint and not adjacent.
	if a.Is4() {
		return AddrSet{v4: spans}, nil
	}
	return AddrSet{v6: spans}, nil
}
