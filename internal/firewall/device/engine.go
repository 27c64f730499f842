package device

import "github.com/guardrail-monitoring/guardrail/internal/firewall"

// NewEngine is the engine that judges flows through a device modelled by
// rs: on path's interfaces, and where a side of path is empty, on the
// interface route gives the flow's addresses (a reader's own routing, for
// example after destination NAT).
func NewEngine(rs *firewall.Ruleset, path Path, route func(firewall.AddrSet) string) (*firewall.Engine, error) {
	en, err := firewall.NewEngine(rs, firewall.HookForward)
	if err != nil {
		return nil, err
	}
	en.SetInterfaces(path.Interfaces())
	if path.From == "" || path.To == "" {
		en.SetRouter(route)
	}
	return en, nil
}

// NewRuleset is the frame of a device's IPv4 model: a ruleset whose
// Source is what the device is followed by its file, with one table
// named table, to which the reader adds its chains.
func NewRuleset(file, table, what string) (*firewall.Ruleset, *firewall.Table) {
	t := &firewall.Table{Family: firewall.FamilyIPv4, Name: table, Pos: firewall.Pos{File: file}}
	rs := &firewall.Ruleset{Source: what + " (" + file + ")", Tables: []*firewall.Table{t}, Families: []firewall.Family{firewall.FamilyIPv4}}
	return rs, t
}

// Established is the first rule of a stateful device's filter chain:
// packets of connections (sessions) already allowed pass. label says so
// in the device's words.
func Established(label string, pos firewall.Pos) *firewall.Rule {
	return &firewall.Rule{Label: label, Pos: pos,
		Conds: []firewall.Cond{firewall.CtStates(firewall.CtEstablished | firewall.CtRelated)}, Verdict: firewall.Accept}
}

var all4 = firewall.AllAddrs(firewall.FamilyIPv4)

// MatchConds are the conditions of an IPv4 five-tuple match, in the order
// protocols, sources, destinations, source ports, destination ports: nil
// protocols or ports match any, and all addresses need no condition.
func MatchConds(protos []uint8, src, dst firewall.AddrSet, srcPorts, dstPorts *firewall.PortSet) []firewall.Cond {
	var cs []firewall.Cond
	if protos != nil {
		cs = append(cs, firewall.Protos(protos...))
	}
	if !src.Equal(all4) {
		cs = append(cs, firewall.SrcAddrs(src))
	}
	if !dst.Equal(all4) {
		cs = append(cs, firewall.DstAddrs(dst))
	}
	if srcPorts != nil {
		cs = append(cs, firewall.SrcPorts(*srcPorts))
	}
	if dstPorts != nil {
		cs = append(cs, firewall.DstPorts(*dstPorts))
	}
	return cs
}

// ThroughInterface appends a rule of label and verdict v for interface
// name to chain in (packets entering by it) and to chain out (packets
// leaving by it): what a shut-down interface (Drop), or one doing what
// the model lacks (an unknown verdict), does to every packet crossing it.
func ThroughInterface(in, out *firewall.Chain, name, label string, pos firewall.Pos, v firewall.Verdict) {
	in.Rules = append(in.Rules, &firewall.Rule{Label: label, Pos: pos, Conds: []firewall.Cond{{Field: firewall.FieldInIface, Iface: name}}, Verdict: v})
	out.Rules = append(out.Rules, &firewall.Rule{Label: label, Pos: pos, Conds: []firewall.Cond{{Field: firewall.FieldOutIface, Iface: name}}, Verdict: v})
}
