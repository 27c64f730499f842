// Package live reads the host it runs on: its rulesets (nft, iptables-save,
// through sudo -n when not root; see rulesets.go), its own addresses, and
// what a ruleset does not say: which interface a packet to or from an
// address uses, from the kernel's main routing table (/proc/net/route,
// /proc/net/ipv6_route). With it, interface conditions ("-i eth+",
// "iifname \"dummy*\"") are decided rather than assumed in live mode.
package live

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Route is one route of the main table: the addresses of Prefix leave by
// Iface.
type Route struct {
	Prefix netip.Prefix
	Metric uint32
	Iface  string
}

// Routes is a routing table, longest prefix first (lowest metric first
// among equal prefixes).
type Routes []Route

// Route flags of /proc/net/route (linux/route.h).
const (
	rtfUp     = 0x0001
	rtfReject = 0x0200
	rtfLocal  = 0x80000000 // IPv6: a local address (the local table)
)

// limit bounds each routing file as read.
var limit = located.Limit{Kind: "routing table", Bytes: 16 << 20}

// Read reads the host's IPv4 and IPv6 main routing tables. A missing IPv6
// table (IPv6 disabled) is no error.
func Read() (Routes, error) {
	return ReadFiles("/proc/net/route", "/proc/net/ipv6_route")
}

// ReadFiles reads the routing tables in the format of /proc/net/route and
// /proc/net/ipv6_route (v6 may be "").
func ReadFiles(v4, v6 string) (Routes, error) {
	var rs Routes
	data, err := located.ReadFile(v4, limit)
	if err != nil {
		return nil, err
	}
	r4, err := parseRoute(v4, string(data))
	if err != nil {
		return nil, err
	}
	rs = append(rs, r4...)
	if v6 != "" {
		data, err := located.ReadFile(v6, limit)
		if err == nil {
			r6, err := parseIPv6Route(v6, string(data))
			if err != nil {
				return nil, err
			}
			rs = append(rs, r6...)
		}
	}
	sort.SliceStable(rs, func(i, j int) bool {
		if a, b := rs[i].Prefix.Bits(), rs[j].Prefix.Bits(); a != b {
			return a > b
		}
		return rs[i].Metric < rs[j].Metric
	})
	return rs, nil
}

func bad(file string, line int, key, msg string) error {
	return &located.Error{Kind: "routing table", File: file, Line: line, Key: key, Msg: msg}
}

// parseRoute reads /proc/net/route: Iface Destination Gateway Flags RefCnt
// Use Metric Mask ..., addresses as 8 hex digits in host (little-endian)
// byte order.
func parseRoute(file, text string) (Routes, error) {
	var rs Routes
	for i, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if i == 0 || len(f) == 0 {
			continue // the header
		}
		if len(f) < 8 {
			return nil, bad(file, i+1, "", "want at least 8 fields")
		}
		dst, ok1 := le32(f[1])
		mask, ok2 := le32(f[7])
		flags, err1 := strconv.ParseUint(f[3], 16, 32)
		metric, err2 := strconv.ParseUint(f[6], 10, 32)
		if !ok1 || !ok2 || err1 != nil || err2 != nil {
			return nil, bad(file, i+1, "", "malformed route")
		}
		bits, ok := maskLen(mask)
		if !ok {
			return nil, bad(file, i+1, "Mask", "not a prefix mask")
		}
		if flags&rtfUp == 0 || flags&rtfReject != 0 || f[0] == "lo" {
			continue
		}
		a := netip.AddrFrom4([4]byte{byte(dst >> 24), byte(dst >> 16), byte(dst >> 8), byte(dst)})
		p, err := a.Prefix(bits)
		if err != nil {
			return nil, bad(file, i+1, "Destination", err.Error())
		}
		rs = append(rs, Route{Prefix: p, Metric: uint32(metric), Iface: f[0]})
	}
	return rs, nil
}

// le32 reads 8 hex digits, an IPv4 address in the host's (little-endian)
// byte order, as the address's number.
func le32(s string) (uint32, bool) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 4 {
		return 0, false
	}
	return uint32(b[3])<<24 | uint32(b[2])<<16 | uint32(b[1])<<8 | uint32(b[0]), true
}

func maskLen(m uint32) (int, bool) {
	n := 0
	for m&0x80000000 != 0 {
		n++
		m <<= 1
	}
	return n, m == 0
}

// parseIPv6Route reads /proc/net/ipv6_route: dst dstlen src srclen nexthop
// metric refcnt use flags dev, numbers in hex.
func parseIPv6Route(file, text string) (Routes, error) {
	var rs Routes
	for i, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 10 {
			return nil, bad(file, i+1, "", "want 10 fields")
		}
		b, err := hex.DecodeString(f[0])
		bits, err1 := strconv.ParseUint(f[1], 16, 8)
		metric, err2 := strconv.ParseUint(f[5], 16, 32)
		flags, err3 := strconv.ParseUint(f[8], 16, 32)
		if err != nil || len(b) != 16 || err1 != nil || err2 != nil || err3 != nil || bits > 128 {
			return nil, bad(file, i+1, "", "malformed route")
		}
		if flags&rtfUp == 0 || flags&(rtfReject|rtfLocal) != 0 || f[9] == "lo" {
			continue
		}
		p, err := netip.AddrFrom16([16]byte(b)).Prefix(int(bits))
		if err != nil {
			return nil, bad(file, i+1, "", err.Error())
		}
		rs = append(rs, Route{Prefix: p, Metric: uint32(metric), Iface: f[9]})
	}
	return rs, nil
}

// Iface is the one interface every address of s is routed by, or "" when
// they leave by several, or some have no route.
func (rs Routes) Iface(s firewall.AddrSet) string {
	rem := s
	name := ""
	for _, r := range rs {
		if rem.IsEmpty() {
			break
		}
		part := rem.Intersect(firewall.PrefixSet(r.Prefix))
		if part.IsEmpty() {
			continue
		}
		if name != "" && name != r.Iface {
			return ""
		}
		name = r.Iface
		rem = rem.Minus(part)
	}
	if !rem.IsEmpty() {
		return ""
	}
	return name
}

// String lists the routes, for messages and tests.
func (rs Routes) String() string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%s dev %s metric %d\n", r.Prefix, r.Iface, r.Metric)
	}
	return b.String()
}
