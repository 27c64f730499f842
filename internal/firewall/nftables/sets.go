// Named sets and maps of a table: their type, flags and elements.

package nftables

import (
	"fmt"

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
	where := fmt.Sprintf("nftables[%d] set", i)
	if !o.named {
		return p.errorf(where, "no name")
	}
	t, skip, err := p.tableOf(where+" "+name, o.tableRef)
	if err != nil || skip {
		return err
	}
	where = t.t.Name + " set " + name
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
	elems := o.elem
	if ns.unmodelled == "" {
		switch ns.kind {
		case kindAddr:
			for _, e := range elems {
				s, unm, err := rb.addrValue(e, fam)
				if err != nil {
					return err
				}
				if unm != "" {
					ns.unmodelled = unm
					break
				}
				ns.addrs = ns.addrs.Union(s)
			}
		case kindPort:
			for _, e := range elems {
				s, unm, err := rb.portValue(e)
				if err != nil {
					return err
				}
				if unm != "" {
					ns.unmodelled = unm
					break
				}
				ns.ports = ns.ports.Union(s)
			}
		case kindProto:
			for _, e := range elems {
				s, unm, err := rb.protoValue(e)
				if err != nil {
					return err
				}
				if unm != "" {
					ns.unmodelled = unm
					break
				}
				ns.protos = append(ns.protos, s...)
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
