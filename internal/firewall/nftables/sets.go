// Named sets and maps of a table: their type, flags and elements.

package nftables

import (
	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

// namedSet is a named set (or map) of a table.
type namedSet struct {
	name       string
	kind       valueKind
	isMap      bool
	addrs      firewall.AddrSet
	ports      firewall.PortSet
	protos     []uint8
	unmodelled string
	key        string // name in Ruleset.Sets (address sets only)
}

// set reads a named set or map.
func (p *parser) set(i int, o setObject, isMap bool) error {
	name := o.name
	t, where, skip, err := p.place(i, "set", name, o.named, o.tableRef)
	if err != nil || skip {
		return err
	}
	if t.sets[name] != nil {
		return p.errorf(where, "listed twice")
	}
	ns := &namedSet{name: name, isMap: isMap}
	t.sets[name] = ns
	rb := &ruleBuilder{p: p, t: t, where: where}
	typ, _ := o.typ.(string)
	var fam firewall.Family
	switch typ {
	case "ipv4_addr":
		ns.kind, fam = kindAddr, firewall.FamilyIPv4
	case "ipv6_addr":
		ns.kind, fam = kindAddr, firewall.FamilyIPv6
	case "inet_service":
		ns.kind = kindPort
	case "inet_proto":
		ns.kind = kindProto
	default:
		ns.unmodelled = "type " + render(o.typ)
	}
	if isMap {
		ns.unmodelled = "a map"
	}
	if o.flags != nil {
		for _, f := range o.flags {
			if f == "dynamic" || f == "timeout" {
				ns.unmodelled = "its elements change at run time (flags " + render(f) + ")"
			}
		}
	}
	if o.timeout && ns.unmodelled == "" {
		ns.unmodelled = "its elements time out"
	}
	if ns.unmodelled == "" {
		for _, e := range o.elem {
			unm, err := ns.add(rb, e, fam)
			if err != nil {
				return err
			}
			if unm != "" {
				ns.unmodelled = unm
				break
			}
		}
	}
	if ns.kind == kindAddr && !isMap {
		ns.key = "nft " + t.t.Name + " @" + name
		if p.rs.Sets == nil {
			p.rs.Sets = map[string]*firewall.Set{}
		}
		p.rs.Sets[ns.key] = &firewall.Set{Name: ns.key, Addrs: ns.addrs, Unmodelled: ns.unmodelled, Pos: firewall.Pos{File: p.file}}
	}
	return nil
}

// add puts one element into a set of addresses, ports or protocols; unm is
// not empty (and the set unchanged) when the element is not modelled.
func (ns *namedSet) add(rb *ruleBuilder, e any, fam firewall.Family) (unm string, err error) {
	switch ns.kind {
	case kindAddr:
		s, unm, err := rb.addrValue(e, fam)
		if err == nil && unm == "" {
			ns.addrs = ns.addrs.Union(s)
		}
		return unm, err
	case kindPort:
		s, unm, err := rb.portValue(e)
		if err == nil && unm == "" {
			ns.ports = ns.ports.Union(s)
		}
		return unm, err
	case kindProto:
		s, unm, err := rb.protoValue(e)
		if err == nil && unm == "" {
			ns.protos = append(ns.protos, s...)
		}
		return unm, err
	}
	return "", nil
}
