// Match expressions: the left side (payload, meta, ct, fib...) and the
// comparison, into model conditions.

package nftables

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

// valueKind is what a match's left side is.
type valueKind uint8

const (
	kindOther valueKind = iota
	kindAddr
	kindPort
	kindProto
	kindCtState
	kindCtStatus
	kindIface
	kindNfproto
	kindTCPFlags
	kindLocal
)

// left is a decoded left-hand side of a match.
type left struct {
	kind   valueKind
	field  firewall.Field
	family firewall.Family // of the header the value comes from
	// implied conditions (protocol of the header read).
	implied []firewall.Cond
	// unm: the left side is not modelled (its name).
	unm  string
	mask uint8 // kindTCPFlags: the bits compared ("tcp flags & (syn|ack)")
}

var portProtos = map[string]uint8{
	"tcp": firewall.ProtoTCP, "udp": firewall.ProtoUDP, "sctp": firewall.ProtoSCTP,
	"dccp": 33, "udplite": 136,
}

func (rb *ruleBuilder) left(v any) left {
	o, ok := v.(object)
	if !ok || len(o) != 1 {
		return left{unm: "match on " + render(v)}
	}
	if and, ok := o["&"].([]any); ok && len(and) == 2 {
		// "tcp flags & (syn | ack)": the only masked value modelled.
		l := rb.left(and[0])
		mask, ok := tcpFlagBits(and[1])
		if l.kind != kindTCPFlags || !ok {
			return left{unm: render(v) + " & " + render(and[1]), implied: l.implied, family: l.family}
		}
		l.mask = mask
		return l
	}
	if fib, ok := o["fib"].(object); ok {
		// "fib daddr type local": the address is one of this host's.
		result, _ := str(fib, "result")
		flags, _ := fib["flags"].([]any)
		if result == "type" && len(flags) == 1 {
			switch flags[0] {
			case "daddr":
				return left{kind: kindLocal, field: firewall.FieldDstLocal}
			case "saddr":
				return left{kind: kindLocal, field: firewall.FieldSrcLocal}
			}
		}
		return left{unm: "fib " + render(flags) + " " + result}
	}
	if pl, ok := o["payload"].(object); ok {
		proto, _ := str(pl, "protocol")
		field, _ := str(pl, "field")
		name := proto + " " + field
		if proto == "" {
			return left{unm: "raw payload " + render(v)}
		}
		l := left{unm: name}
		switch proto {
		case "ip":
			l.family = firewall.FamilyIPv4
		case "ip6":
			l.family = firewall.FamilyIPv6
		case "icmp":
			l.family = firewall.FamilyIPv4
			l.implied = []firewall.Cond{firewall.Protos(firewall.ProtoICMP)}
		case "icmpv6":
			l.family = firewall.FamilyIPv6
			l.implied = []firewall.Cond{firewall.Protos(firewall.ProtoICMPv6)}
		default:
			if ipv6Headers[proto] {
				l.family = firewall.FamilyIPv6
			}
		}
		if pn, ok := portProtos[proto]; ok {
			l.implied = []firewall.Cond{firewall.Protos(pn)}
		}
		switch {
		case (proto == "ip" || proto == "ip6") && field == "saddr":
			l.kind, l.field, l.unm = kindAddr, firewall.FieldSrcAddr, ""
		case (proto == "ip" || proto == "ip6") && field == "daddr":
			l.kind, l.field, l.unm = kindAddr, firewall.FieldDstAddr, ""
		case proto == "ip" && field == "protocol", proto == "ip6" && field == "nexthdr":
			l.kind, l.field, l.unm = kindProto, firewall.FieldProto, ""
		case proto == "tcp" && field == "flags":
			l.kind, l.field, l.unm, l.mask = kindTCPFlags, firewall.FieldTCPFlags, "", 0xff
		case (portProtos[proto] != 0 || proto == "th") && field == "sport":
			l.kind, l.field, l.unm = kindPort, firewall.FieldSrcPort, ""
		case (portProtos[proto] != 0 || proto == "th") && field == "dport":
			l.kind, l.field, l.unm = kindPort, firewall.FieldDstPort, ""
		}
		return l
	}
	if m, ok := o["meta"].(object); ok {
		key, _ := str(m, "key")
		switch key {
		case "l4proto":
			return left{kind: kindProto, field: firewall.FieldProto}
		case "nfproto", "protocol":
			return left{kind: kindNfproto, field: firewall.FieldFamily}
		case "iifname", "iif":
			return left{kind: kindIface, field: firewall.FieldInIface}
		case "oifname", "oif":
			return left{kind: kindIface, field: firewall.FieldOutIface}
		}
		return left{unm: "meta " + key}
	}
	if c, ok := o["ct"].(object); ok {
		key, _ := str(c, "key")
		if _, hasDir := c["dir"]; !hasDir {
			switch key {
			case "state":
				return left{kind: kindCtState, field: firewall.FieldCtState}
			case "status":
				// The engine does not track NAT status bits (CtDNAT/CtSNAT
				// never match): unmodelled, as the iptables reader does.
				return left{unm: "ct status"}
			}
		}
		return left{unm: "ct " + render(c["dir"]) + key}
	}
	if x, ok := o["exthdr"].(object); ok {
		// IPv6 extension headers: never found in an IPv4 packet.
		name, _ := str(x, "name")
		field, _ := str(x, "field")
		return left{unm: strings.TrimSpace("exthdr " + name + " " + field), family: firewall.FamilyIPv6}
	}
	for k := range o {
		return left{unm: k + " " + render(v)}
	}
	return left{unm: render(v)}
}

// ipv6Headers are the payload protocols of IPv6 extension headers.
var ipv6Headers = map[string]bool{"hbh": true, "rt": true, "rt0": true, "rt2": true, "srh": true, "frag": true, "dst": true, "mh": true}

// match turns a match expression into conditions; unm is not empty when the
// match (or part of it) is not modelled.
func (rb *ruleBuilder) match(m object) ([]firewall.Cond, string, error) {
	op, _ := str(m, "op")
	if op == "" {
		op = "=="
	}
	l := rb.left(m["left"])
	right := m["right"]
	var conds []firewall.Cond
	for _, c := range l.implied {
		conds = append(conds, firewall.InFamily(c, l.family))
	}
	if l.family != firewall.FamilyAny && len(l.implied) == 0 {
		conds = append(conds, firewall.Cond{Field: firewall.FieldFamily, Family: l.family})
	}
	text := render(m["left"]) + " " + op + " " + render(right)
	if l.unm != "" {
		return conds, l.unm, nil
	}
	not := false
	switch op {
	case "==":
	case "!=":
		not = true
	case "in":
		if l.kind != kindCtState && l.kind != kindCtStatus && l.kind != kindTCPFlags {
			return conds, text, nil
		}
	case "<", ">", "<=", ">=":
		if l.kind != kindPort && l.kind != kindAddr && l.kind != kindProto {
			return conds, text, nil
		}
	default:
		return conds, text, nil
	}
	c := firewall.Cond{Field: l.field, Not: not, Family: l.family}
	var unm string
	var err error
	switch l.kind {
	case kindAddr:
		if s, ok := right.(string); ok && strings.HasPrefix(s, "@") {
			ns := rb.t.sets[s[1:]]
			switch {
			case ns == nil:
				return nil, "", rb.errorf("set %s is not listed in table %s", s, rb.t.t.Name)
			case ns.kind != kindAddr || ns.isMap:
				unm = "set " + s + " is not an address set"
			default:
				c.SetName = ns.key
			}
			break
		}
		var set firewall.AddrSet
		set, unm, err = rb.addrValue(right, l.family)
		if err == nil && unm == "" && op != "==" && op != "!=" {
			set, err = rb.addrCompare(op, set, l.family)
		}
		c.Addrs = set
	case kindPort:
		var ports firewall.PortSet
		ports, unm, err = rb.portValue(right)
		if err == nil && unm == "" && op != "==" && op != "!=" {
			ports, err = rb.portCompare(op, ports)
		}
		c.Ports = ports
	case kindProto:
		var protos []uint8
		protos, unm, err = rb.protoValue(right)
		if err == nil && unm == "" && op != "==" && op != "!=" {
			protos, err = protoCompare(op, protos)
			if err != nil {
				err = rb.errorf("%s: %v", text, err)
			}
		}
		c.Protos = protos // empty: no protocol (a comparison nothing meets)
	case kindCtState, kindCtStatus:
		c.CtStates, unm, err = rb.ctValue(right, l.kind)
	case kindIface:
		var names []string
		names, unm = rb.ifaceValue(right)
		if unm == "" && not {
			// not any of them: each one is a condition
			for _, n := range names {
				conds = append(conds, firewall.Cond{Field: l.field, Not: true, Iface: n})
			}
			return conds, "", nil
		}
		c.Iface = strings.Join(names, alternatives)
	case kindTCPFlags:
		bits, ok := tcpFlagBits(right)
		switch {
		case !ok:
			unm = text
		case op == "in":
			// "tcp flags syn": any of the bits set; one bit is a mask.
			if l.mask != 0xff || bits&(bits-1) != 0 || bits == 0 {
				unm = text
			}
			c.TCPMask, c.TCPComp = bits, bits
		default:
			c.TCPMask, c.TCPComp = l.mask, bits
			if bits&^l.mask != 0 {
				// can never be equal: matches nothing (or, negated,
				// every tcp packet)
				c = firewall.Cond{Field: firewall.FieldProto, Not: not}
			}
		}
	case kindLocal:
		typ, ok := right.(string)
		if !ok || typ != "local" {
			return conds, text, nil
		}
	case kindNfproto:
		fam, ok := right.(string)
		f, known := familyName(fam)
		if !ok || !known {
			return conds, text, nil
		}
		if not {
			f = otherFamily(f)
		}
		conds = append(conds, firewall.Cond{Field: firewall.FieldFamily, Family: f})
		return conds, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	if unm != "" {
		return conds, unm, nil
	}
	if c.Family != firewall.FamilyAny && len(l.implied) == 0 {
		conds = nil // c itself only matches its family
	}
	return append(conds, c), "", nil
}

func (rb *ruleBuilder) addrCompare(op string, s firewall.AddrSet, fam firewall.Family) (firewall.AddrSet, error) {
	a, ok := s.First()
	if !ok || !s.Equal(firewall.AddrOf(a)) {
		return s, rb.errorf("%s: want one address", op)
	}
	var lo, hi netip.Addr
	all := firewall.AllAddrs(familyOf(a))
	min, _ := all.First()
	max := lastAddr(familyOf(a))
	switch op {
	case "<":
		if a == min {
			return firewall.AddrSet{}, nil
		}
		lo, hi = min, a.Prev()
	case "<=":
		lo, hi = min, a
	case ">":
		if a == max {
			return firewall.AddrSet{}, nil
		}
		lo, hi = a.Next(), max
	case ">=":
		lo, hi = a, max
	}
	return firewall.RangeSet(lo, hi)
}

func otherFamily(f firewall.Family) firewall.Family {
	if f == firewall.FamilyIPv4 {
		return firewall.FamilyIPv6
	}
	return firewall.FamilyIPv4
}

func familyOf(a netip.Addr) firewall.Family {
	if a.Is4() {
		return firewall.FamilyIPv4
	}
	return firewall.FamilyIPv6
}

func lastAddr(f firewall.Family) netip.Addr {
	if f == firewall.FamilyIPv4 {
		return netip.AddrFrom4([4]byte{255, 255, 255, 255})
	}
	var b [16]byte
	for i := range b {
		b[i] = 0xff
	}
	return netip.AddrFrom16(b)
}

func (rb *ruleBuilder) portCompare(op string, s firewall.PortSet) (firewall.PortSet, error) {
	p, ok := s.First()
	if !ok || !s.Equal(firewall.Port(p)) {
		return s, rb.errorf("%s: want one port", op)
	}
	switch op {
	case "<":
		if p == 0 {
			return firewall.PortSet{}, nil
		}
		return firewall.Ports(0, p-1), nil
	case "<=":
		return firewall.Ports(0, p), nil
	case ">":
		if p == 65535 {
			return firewall.PortSet{}, nil
		}
		return firewall.Ports(p+1, 65535), nil
	}
	return firewall.Ports(p, 65535), nil
}

func protoCompare(op string, ps []uint8) ([]uint8, error) {
	if len(ps) != 1 {
		return nil, fmt.Errorf("want one protocol")
	}
	var out []uint8
	for i := 0; i < 256; i++ {
		p := int(ps[0])
		if (op == "<" && i < p) || (op == "<=" && i <= p) || (op == ">" && i > p) || (op == ">=" && i >= p) {
			out = append(out, uint8(i))
		}
	}
	return out, nil
}
