// Values on the right side of a match: addresses, prefixes, ranges, ports,
// protocols, TCP flags, conntrack states and interface names.

package nftables

import (
	"encoding/json"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/protocol"
)

// elemValue unwraps {"elem": {"val": V, ...}} as nft prints elements with
// timeouts or comments.
func elemValue(v any) any {
	if o, ok := v.(object); ok && len(o) == 1 {
		if e, ok := o["elem"].(object); ok {
			return e["val"]
		}
	}
	return v
}

// addrValue reads an address, prefix, range or anonymous set of them; fam
// is the family the header has (FamilyAny: either).
func (rb *ruleBuilder) addrValue(v any, fam firewall.Family) (firewall.AddrSet, string, error) {
	v = elemValue(v)
	switch x := v.(type) {
	case string:
		if strings.HasPrefix(x, "@") {
			return firewall.AddrSet{}, "set reference " + x, nil
		}
		a, err := netip.ParseAddr(x)
		if err != nil || a.Zone() != "" {
			return firewall.AddrSet{}, "", rb.errorf("bad address %q", x)
		}
		if err := rb.checkFamily(a, fam); err != nil {
			return firewall.AddrSet{}, "", err
		}
		return firewall.AddrOf(a), "", nil
	case object:
		if pr, ok := x["prefix"].(object); ok {
			as, _ := str(pr, "addr")
			n, ok := num(pr["len"])
			a, err := netip.ParseAddr(as)
			if err != nil || !ok || a.Zone() != "" || n < 0 || n > int64(a.BitLen()) {
				return firewall.AddrSet{}, "", rb.errorf("bad prefix %s", render(x))
			}
			if err := rb.checkFamily(a, fam); err != nil {
				return firewall.AddrSet{}, "", err
			}
			return firewall.PrefixSet(netip.PrefixFrom(a, int(n)).Masked()), "", nil
		}
		if r, ok := x["range"].([]any); ok && len(r) == 2 {
			s1, _ := elemValue(r[0]).(string)
			s2, _ := elemValue(r[1]).(string)
			a, err1 := netip.ParseAddr(s1)
			b, err2 := netip.ParseAddr(s2)
			if err1 != nil || err2 != nil || a.Zone() != "" || b.Zone() != "" {
				return firewall.AddrSet{}, "", rb.errorf("bad address range %s", render(x))
			}
			if err := rb.checkFamily(a, fam); err != nil {
				return firewall.AddrSet{}, "", err
			}
			s, err := firewall.RangeSet(a, b)
			if err != nil {
				return firewall.AddrSet{}, "", rb.errorf("bad address range %s: %v", render(x), err)
			}
			return s, "", nil
		}
		if elems, ok := x["set"].([]any); ok {
			var out firewall.AddrSet
			for _, e := range elems {
				s, unm, err := rb.addrValue(e, fam)
				if err != nil || unm != "" {
					return s, unm, err
				}
				out = out.Union(s)
			}
			return out, "", nil
		}
	}
	return firewall.AddrSet{}, "address " + render(v), nil
}

func (rb *ruleBuilder) checkFamily(a netip.Addr, fam firewall.Family) error {
	if fam != firewall.FamilyAny && familyOf(a.Unmap()) != fam && !(fam == firewall.FamilyIPv6 && a.Is4In6()) {
		return rb.errorf("address %s in a %s match", a, fam)
	}
	return nil
}

func (rb *ruleBuilder) portValue(v any) (firewall.PortSet, string, error) {
	v = elemValue(v)
	switch x := v.(type) {
	case json.Number:
		n, ok := num(x)
		if !ok || n < 0 || n > 65535 {
			return firewall.PortSet{}, "", rb.errorf("bad port %s", x)
		}
		return firewall.Port(uint16(n)), "", nil
	case string:
		if strings.HasPrefix(x, "@") {
			ns := rb.t.sets[x[1:]]
			switch {
			case ns == nil:
				return firewall.PortSet{}, "", rb.errorf("set %s is not listed in table %s", x, rb.t.t.Name)
			case ns.unmodelled != "":
				return firewall.PortSet{}, "set " + x + ": " + ns.unmodelled, nil
			case ns.kind != kindPort || ns.isMap:
				return firewall.PortSet{}, "set " + x + " is not a port set", nil
			}
			return ns.ports, "", nil
		}
		if n, err := strconv.ParseUint(x, 10, 16); err == nil {
			return firewall.Port(uint16(n)), "", nil
		}
		return firewall.PortSet{}, "service name " + strconv.Quote(x), nil
	case object:
		if r, ok := x["range"].([]any); ok && len(r) == 2 {
			a, _, err1 := rb.portValue(r[0])
			b, _, err2 := rb.portValue(r[1])
			lo, ok1 := a.First()
			hi, ok2 := b.First()
			if err1 != nil || err2 != nil || !ok1 || !ok2 || lo > hi {
				return firewall.PortSet{}, "", rb.errorf("bad port range %s", render(x))
			}
			return firewall.Ports(lo, hi), "", nil
		}
		if elems, ok := x["set"].([]any); ok {
			var out firewall.PortSet
			for _, e := range elems {
				s, unm, err := rb.portValue(e)
				if err != nil || unm != "" {
					return s, unm, err
				}
				out = out.Union(s)
			}
			return out, "", nil
		}
	}
	return firewall.PortSet{}, "port " + render(v), nil
}

func (rb *ruleBuilder) protoValue(v any) ([]uint8, string, error) {
	v = elemValue(v)
	switch x := v.(type) {
	case json.Number:
		n, ok := num(x)
		if !ok || n < 0 || n > 255 {
			return nil, "", rb.errorf("bad protocol %s", x)
		}
		return []uint8{uint8(n)}, "", nil
	case string:
		if strings.HasPrefix(x, "@") {
			ns := rb.t.sets[x[1:]]
			switch {
			case ns == nil:
				return nil, "", rb.errorf("set %s is not listed in table %s", x, rb.t.t.Name)
			case ns.unmodelled != "":
				return nil, "set " + x + ": " + ns.unmodelled, nil
			case ns.kind != kindProto || ns.isMap:
				return nil, "set " + x + " is not a protocol set", nil
			}
			return ns.protos, "", nil
		}
		if p, ok := protocol.Number(x); ok {
			return []uint8{p}, "", nil
		}
		return nil, "protocol " + strconv.Quote(x), nil
	case object:
		if elems, ok := x["set"].([]any); ok {
			var out []uint8
			for _, e := range elems {
				s, unm, err := rb.protoValue(e)
				if err != nil || unm != "" {
					return s, unm, err
				}
				out = append(out, s...)
			}
			return out, "", nil
		}
		if r, ok := x["range"].([]any); ok && len(r) == 2 {
			a, u1, err1 := rb.protoValue(r[0])
			b, u2, err2 := rb.protoValue(r[1])
			if err1 != nil || err2 != nil || u1 != "" || u2 != "" || len(a) != 1 || len(b) != 1 || a[0] > b[0] {
				return nil, "", rb.errorf("bad protocol range %s", render(x))
			}
			var out []uint8
			for i := int(a[0]); i <= int(b[0]); i++ {
				out = append(out, uint8(i))
			}
			return out, "", nil
		}
	}
	return nil, "protocol " + render(v), nil
}

var tcpFlagNames = map[string]uint8{
	"fin": firewall.TCPFin, "syn": firewall.TCPSyn, "rst": firewall.TCPRst, "psh": firewall.TCPPsh,
	"ack": firewall.TCPAck, "urg": firewall.TCPUrg, "ecn": 0x40, "cwr": 0x80,
}

// tcpFlagBits reads "syn", ["syn", "ack"] (an OR of flags) or a number.
func tcpFlagBits(v any) (uint8, bool) {
	switch x := v.(type) {
	case string:
		b, ok := tcpFlagNames[x]
		return b, ok
	case json.Number:
		n, ok := num(x)
		return uint8(n), ok && n >= 0 && n <= 255
	case []any:
		var out uint8
		for _, e := range x {
			b, ok := tcpFlagBits(e)
			if !ok {
				return 0, false
			}
			out |= b
		}
		return out, true
	case object:
		if elems, ok := x["|"].([]any); ok {
			return tcpFlagBits(elems)
		}
	}
	return 0, false
}

var ctStates = map[string]firewall.CtState{
	"new": firewall.CtNew, "established": firewall.CtEstablished, "related": firewall.CtRelated,
	"invalid": firewall.CtInvalid, "untracked": firewall.CtUntracked,
}

var ctStatuses = map[string]firewall.CtState{"dnat": firewall.CtDNAT, "snat": firewall.CtSNAT}

func (rb *ruleBuilder) ctValue(v any, kind valueKind) (firewall.CtState, string, error) {
	names := ctStates
	if kind == kindCtStatus {
		names = ctStatuses
	}
	v = elemValue(v)
	switch x := v.(type) {
	case string:
		if s, ok := names[x]; ok {
			return s, "", nil
		}
		if strings.HasPrefix(x, "@") {
			return 0, "ct set " + x, nil
		}
		return 0, "ct value " + strconv.Quote(x), nil
	case []any:
		var out firewall.CtState
		for _, e := range x {
			s, unm, err := rb.ctValue(e, kind)
			if err != nil || unm != "" {
				return 0, unm, err
			}
			out |= s
		}
		return out, "", nil
	case object:
		if elems, ok := x["set"].([]any); ok {
			return rb.ctValue(elems, kind)
		}
	}
	return 0, "ct value " + render(v), nil
}

// ifaceValue reads an interface name or an anonymous set of names; unm is
// not empty for what cannot be compared with names (interface indexes).
func (rb *ruleBuilder) ifaceValue(v any) (names []string, unm string) {
	v = elemValue(v)
	switch x := v.(type) {
	case string:
		// nft's "eth*" wildcard is iptables' "eth+".
		if strings.HasSuffix(x, "*") && !strings.HasSuffix(x, "\\*") {
			x = strings.TrimSuffix(x, "*") + "+"
		}
		if x == "" || strings.ContainsRune(x, 0) {
			return nil, "interface " + strconv.Quote(x)
		}
		return []string{x}, ""
	case object:
		if elems, ok := x["set"].([]any); ok {
			for _, e := range elems {
				n, unm := rb.ifaceValue(e)
				if unm != "" {
					return nil, unm
				}
				names = append(names, n...)
			}
			sort.Strings(names)
			return names, ""
		}
	}
	return nil, "interface " + render(v)
}
