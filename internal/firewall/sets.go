package firewall

import (
	"fmt"
	"math/bits"
	"net/netip"
	"strings"
)

// u128 is an address as a number, so that sets are sorted interval lists
// with exact arithmetic at the ends (IPv4 uses the low 32 bits).
type u128 struct{ hi, lo uint64 }

func (a u128) less(b u128) bool { return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo) }
func (a u128) inc() u128 {
	lo, c := bits.Add64(a.lo, 1, 0)
	return u128{a.hi + c, lo}
}
func (a u128) dec() u128 {
	lo, b := bits.Sub64(a.lo, 1, 0)
	return u128{a.hi - b, lo}
}

func fromAddr(a netip.Addr) u128 {
	if a.Is4() {
		b := a.As4()
		return u128{0, uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])}
	}
	b := a.As16()
	var x u128
	for i := 0; i < 8; i++ {
		x.hi = x.hi<<8 | uint64(b[i])
		x.lo = x.lo<<8 | uint64(b[8+i])
	}
	return x
}

func toAddr(f Family, x u128) netip.Addr {
	if f == FamilyIPv4 {
		v := uint32(x.lo)
		return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	}
	var b [16]byte
	for i := 0; i < 8; i++ {
		b[7-i] = byte(x.hi >> (8 * i))
		b[15-i] = byte(x.lo >> (8 * i))
	}
	return netip.AddrFrom16(b)
}

var (
	max4 = u128{0, 0xffffffff}
	max6 = u128{^uint64(0), ^uint64(0)}
)

// span is a closed interval [lo, hi].
type span struct{ lo, hi u128 }

// AddrSet is a set of IPv4 and IPv6 addresses as sorted, disjoint,
// non-adjacent intervals per family. The zero value is empty. Values are
// immutable: operations return new sets.
type AddrSet struct {
	v4, v6 []span
}

// PrefixSet is the set of addresses in p.
func PrefixSet(p netip.Prefix) AddrSet {
	p = p.Masked()
	a := p.Addr().Unmap()
	lo := fromAddr(a)
	hostBits := a.BitLen() - p.Bits()
	hi := lo
	if hostBits >= 64 {
		hi.lo = ^uint64(0)
		if hostBits > 64 {
			hi.hi |= (uint64(1) << (hostBits - 64)) - 1
			if hostBits == 128 {
				hi.hi = ^uint64(0)
			}
		}
	} else if hostBits > 0 {
		hi.lo |= (uint64(1) << hostBits) - 1
	}
	if a.Is4() {
		return AddrSet{v4: []span{{lo, hi}}}
	}
	return AddrSet{v6: []span{{lo, hi}}}
}

// AddrOf is the set of the single address a.
func AddrOf(a netip.Addr) AddrSet {
	a = a.Unmap()
	return PrefixSet(netip.PrefixFrom(a, a.BitLen()))
}

// RangeSet is the set of addresses from a to b inclusive (iptables -m
// iprange, AlgoSec "a-b"); both must be of one family and a <= b.
func RangeSet(a, b netip.Addr) (AddrSet, error) {
	a, b = a.Unmap(), b.Unmap()
	if a.Is4() != b.Is4() || !a.IsValid() || !b.IsValid() {
		return AddrSet{}, fmt.Errorf("range %s-%s mixes address families", a, b)
	}
	lo, hi := fromAddr(a), fromAddr(b)
	if hi.less(lo) {
		return AddrSet{}, fmt.Errorf("range %s-%s is backwards", a, b)
	}
	if a.Is4() {
		return AddrSet{v4: []span{{lo, hi}}}, nil
	}
	return AddrSet{v6: []span{{lo, hi}}}, nil
}

// AllAddrs is every address of family f (both for FamilyAny).
func AllAddrs(f Family) AddrSet {
	var s AddrSet
	if f.Sees(FamilyIPv4) {
		s.v4 = []span{{u128{}, max4}}
	}
	if f.Sees(FamilyIPv6) {
		s.v6 = []span{{u128{}, max6}}
	}
	return s
}

// IsEmpty reports whether s has no address.
func (s AddrSet) IsEmpty() bool { return len(s.v4) == 0 && len(s.v6) == 0 }

// Only is the part of s in family f.
func (s AddrSet) Only(f Family) AddrSet {
	switch f {
	case FamilyIPv4:
		return AddrSet{v4: s.v4}
	case FamilyIPv6:
		return AddrSet{v6: s.v6}
	}
	return s
}

// Families says which families s has addresses of.
func (s AddrSet) Families() []Family {
	var fs []Family
	if len(s.v4) > 0 {
		fs = append(fs, FamilyIPv4)
	}
	if len(s.v6) > 0 {
		fs = append(fs, FamilyIPv6)
	}
	return fs
}

func (s AddrSet) Union(t AddrSet) AddrSet {
	return AddrSet{v4: spanUnion(s.v4, t.v4), v6: spanUnion(s.v6, t.v6)}
}
func (s AddrSet) Intersect(t AddrSet) AddrSet {
	return AddrSet{v4: spanIntersect(s.v4, t.v4), v6: spanIntersect(s.v6, t.v6)}
}
func (s AddrSet) Minus(t AddrSet) AddrSet {
	return AddrSet{v4: spanMinus(s.v4, t.v4), v6: spanMinus(s.v6, t.v6)}
}

// Complement is every address of family f (both for FamilyAny) not in s.
func (s AddrSet) Complement(f Family) AddrSet { return AllAddrs(f).Minus(s) }

// Overlaps reports whether s and t share an address, without allocating.
func (s AddrSet) Overlaps(t AddrSet) bool {
	return spanOverlaps(s.v4, t.v4) || spanOverlaps(s.v6, t.v6)
}

// Contains reports whether a is in s.
func (s AddrSet) Contains(a netip.Addr) bool {
	a = a.Unmap()
	x := fromAddr(a)
	sp := s.v6
	if a.Is4() {
		sp = s.v4
	}
	for _, r := range sp {
		if !x.less(r.lo) && !r.hi.less(x) {
			return true
		}
	}
	return false
}

// First is the lowest address of s, IPv4 before IPv6 (witnesses).
func (s AddrSet) First() (netip.Addr, bool) {
	if len(s.v4) > 0 {
		return toAddr(FamilyIPv4, s.v4[0].lo), true
	}
	if len(s.v6) > 0 {
		return toAddr(FamilyIPv6, s.v6[0].lo), true
	}
	return netip.Addr{}, false
}

// Equal reports whether s and t hold the same addresses.
func (s AddrSet) Equal(t AddrSet) bool {
	return spansEqual(s.v4, t.v4) && spansEqual(s.v6, t.v6)
}

// String writes the set as CIDRs and ranges: "10.0.0.0/8,10.1.2.3-10.1.2.9".
func (s AddrSet) String() string {
	if s.IsEmpty() {
		return "none"
	}
	var parts []string
	for _, f := range []struct {
		fam Family
		sp  []span
		max u128
	}{{FamilyIPv4, s.v4, max4}, {FamilyIPv6, s.v6, max6}} {
		for _, r := range f.sp {
			if r.lo == (u128{}) && r.hi == f.max {
				parts = append(parts, map[Family]string{FamilyIPv4: "0.0.0.0/0", FamilyIPv6: "::/0"}[f.fam])
				continue
			}
			parts = append(parts, spanString(f.fam, r))
		}
	}
	return strings.Join(parts, ",")
}

func spanString(f Family, r span) string {
	lo, hi := toAddr(f, r.lo), toAddr(f, r.hi)
	if lo == hi {
		return lo.String()
	}
	// a single prefix?
	for bitsN := 0; bitsN <= lo.BitLen(); bitsN++ {
		p := netip.PrefixFrom(lo, bitsN).Masked()
		if p.Addr() == lo {
			ps := PrefixSet(p)
			sp := ps.v4
			if f == FamilyIPv6 {
				sp = ps.v6
			}
			if sp[0].hi == r.hi {
				return p.String()
			}
		}
	}
	return lo.String() + "-" + hi.String()
}

func spansEqual(a, b []span) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func spanOverlaps(a, b []span) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i].hi.less(b[j].lo) {
			i++
		} else if b[j].hi.less(a[i].lo) {
			j++
		} else {
			return true
		}
	}
	return false
}

func spanUnion(a, b []span) []span {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		return b
	}
	out := make([]span, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		var r span
		if j >= len(b) || (i < len(a) && a[i].lo.less(b[j].lo)) {
			r = a[i]
			i++
		} else {
			r = b[j]
			j++
		}
		if n := len(out); n > 0 && (!out[n-1].hi.less(r.lo) || (out[n-1].hi != max6 && out[n-1].hi.inc() == r.lo)) {
			if out[n-1].hi.less(r.hi) {
				out[n-1].hi = r.hi
			}
			continue
		}
		out = append(out, r)
	}
	return out
}

func spanIntersect(a, b []span) []span {
	var out []span
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		lo, hi := a[i].lo, a[i].hi
		if lo.less(b[j].lo) {
			lo = b[j].lo
		}
		if b[j].hi.less(hi) {
			hi = b[j].hi
		}
		if !hi.less(lo) {
			out = append(out, span{lo, hi})
		}
		if a[i].hi.less(b[j].hi) {
			i++
		} else {
			j++
		}
	}
	return out
}

func spanMinus(a, b []span) []span {
	if len(b) == 0 || len(a) == 0 {
		return a
	}
	var out []span
	j := 0
	for _, r := range a {
		lo := r.lo
		done := false
		for j < len(b) && b[j].hi.less(lo) {
			j++
		}
		k := j
		for k < len(b) && !r.hi.less(b[k].lo) {
			if lo.less(b[k].lo) {
				out = append(out, span{lo, b[k].lo.dec()})
			}
			if !b[k].hi.less(r.hi) {
				done = true
				break
			}
			lo = b[k].hi.inc()
			k++
		}
		if !done {
			out = append(out, span{lo, r.hi})
		}
	}
	return out
}

// PortRange is a closed interval of ports.
type PortRange struct{ Lo, Hi uint16 }

// PortSet is a set of ports as sorted, disjoint, non-adjacent ranges. The
// zero value is empty; values are immutable.
type PortSet struct{ r []PortRange }

// Ports is the set of ports from lo to hi inclusive (empty when lo > hi).
func Ports(lo, hi uint16) PortSet {
	if lo > hi {
		return PortSet{}
	}
	return PortSet{r: []PortRange{{lo, hi}}}
}

// Port is the set of the single port p.
func Port(p uint16) PortSet { return Ports(p, p) }

// AllPorts is 0-65535.
func AllPorts() PortSet { return Ports(0, 65535) }

// Ranges are the set's intervals, in order.
func (s PortSet) Ranges() []PortRange { return s.r }

func (s PortSet) IsEmpty() bool { return len(s.r) == 0 }

func (s PortSet) toSpans() []span {
	out := make([]span, len(s.r))
	for i, r := range s.r {
		out[i] = span{u128{0, uint64(r.Lo)}, u128{0, uint64(r.Hi)}}
	}
	return out
}

func portsFromSpans(sp []span) PortSet {
	if len(sp) == 0 {
		return PortSet{}
	}
	out := make([]PortRange, len(sp))
	for i, r := range sp {
		out[i] = PortRange{uint16(r.lo.lo), uint16(r.hi.lo)}
	}
	return PortSet{r: out}
}

func (s PortSet) Union(t PortSet) PortSet {
	return portsFromSpans(spanUnion(s.toSpans(), t.toSpans()))
}
func (s PortSet) Intersect(t PortSet) PortSet {
	return portsFromSpans(spanIntersect(s.toSpans(), t.toSpans()))
}
func (s PortSet) Minus(t PortSet) PortSet {
	return portsFromSpans(spanMinus(s.toSpans(), t.toSpans()))
}
func (s PortSet) Complement() PortSet { return AllPorts().Minus(s) }

// Overlaps reports whether s and t share a port.
func (s PortSet) Overlaps(t PortSet) bool {
	i, j := 0, 0
	for i < len(s.r) && j < len(t.r) {
		if s.r[i].Hi < t.r[j].Lo {
			i++
		} else if t.r[j].Hi < s.r[i].Lo {
			j++
		} else {
			return true
		}
	}
	return false
}

func (s PortSet) Contains(p uint16) bool {
	for _, r := range s.r {
		if r.Lo <= p && p <= r.Hi {
			return true
		}
	}
	return false
}

// First is the lowest port of s.
func (s PortSet) First() (uint16, bool) {
	if len(s.r) == 0 {
		return 0, false
	}
	return s.r[0].Lo, true
}

func (s PortSet) Equal(t PortSet) bool {
	if len(s.r) != len(t.r) {
		return false
	}
	for i := range s.r {
		if s.r[i] != t.r[i] {
			return false
		}
	}
	return true
}

// String writes "22,80,8000-8080"; "none" when empty.
func (s PortSet) String() string {
	if len(s.r) == 0 {
		return "none"
	}
	var b strings.Builder
	for i, r := range s.r {
		if i > 0 {
			b.WriteByte(',')
		}
		if r.Lo == r.Hi {
			fmt.Fprintf(&b, "%d", r.Lo)
		} else {
			fmt.Fprintf(&b, "%d-%d", r.Lo, r.Hi)
		}
	}
	return b.String()
}
