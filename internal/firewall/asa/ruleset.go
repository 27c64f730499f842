package asa

import (
	"fmt"
	"slices"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
)

// Ifaces are the named interfaces with their subnets, for path selection.
func (c *Config) Ifaces() []device.Interface { return device.Interfaces(c.Interfaces) }

// Routed is the interface with its subnets and the static routes through
// it, for path selection.
func (i *Interface) Routed() device.Interface {
	return device.Interface{Name: i.Name, Routes: slices.Concat(i.Subnets, i.Routes), Line: i.Line}
}

// route is the interface of the addresses s: a static NAT's real
// interface when s are its mapped addresses (the ASA routes the real
// address), else the interface whose subnets hold s.
func (c *Config) routeOf(s firewall.AddrSet) string {
	return device.OfTranslated(c.Ifaces(), s, func(yield func(mapped, realAddrs firewall.AddrSet) bool) {
		for _, n := range c.NATs {
			if n.Unmodelled == "" && !n.Mapped.Equal(n.Real) && !yield(n.Mapped, n.Real) {
				return
			}
		}
	})
}

// Path chooses a flow's ingress and egress (nameif names): from and to
// when given, else the interfaces of the flow's sources and destinations
// (a destination that is a static NAT's mapped address is on its real
// address's interface).
func (c *Config) Path(from, to string, src, dst firewall.AddrSet) (device.Path, error) {
	return device.SelectRouted(c.Ifaces(), "interface", from, to, src, dst, c.routeOf)
}

// Engine judges flows through the ASA: on path's interfaces, or where a
// side is empty, on the interface its addresses select.
func (c *Config) Engine(path device.Path) (*firewall.Engine, error) {
	return device.NewEngine(c.Ruleset(), path, c.routeOf)
}

func single(s firewall.AddrSet) bool {
	a, ok := s.First()
	return ok && s.Equal(firewall.AddrOf(a))
}

// Ruleset is the ASA's model: static NAT of destinations (prerouting),
// the inbound access rules or security levels, then the outbound lists.
func (c *Config) Ruleset() *firewall.Ruleset {
	pos := firewall.Pos{File: c.File}
	rs, t := device.NewRuleset(c.File, "cisco asa", "Cisco ASA")
	nat := &firewall.Chain{Name: "nat", Hook: firewall.HookPrerouting, Type: firewall.ChainNAT, Priority: firewall.PriorityDstNAT, Policy: firewall.VerdictAccept, Pos: pos}
	for _, n := range c.NATs {
		var conds []firewall.Cond
		if n.In != "" {
			conds = append(conds, firewall.Cond{Field: firewall.FieldInIface, Iface: n.In})
		}
		if !n.Src.IsEmpty() && !n.Src.Equal(all4) {
			conds = append(conds, firewall.SrcAddrs(n.Src))
		}
		if !n.Mapped.IsEmpty() {
			conds = append(conds, firewall.DstAddrs(n.Mapped))
		}
		if n.MappedPort != 0 {
			conds = append(conds, firewall.Protos(n.Proto), firewall.DstPorts(firewall.Port(n.MappedPort)))
		}
		r := &firewall.Rule{Label: "NAT: " + n.Text, Pos: firewall.Pos{File: c.File, Line: n.Line}, Conds: conds}
		switch {
		case n.Unmodelled != "":
			r.Verdict = firewall.UnknownTarget(n.Unmodelled)
		case n.Mapped.Equal(n.Real) && n.MappedPort == n.RealPort:
			r.Verdict = firewall.Accept // identity NAT: matched, not translated
		case single(n.Mapped) && single(n.Real):
			r.Verdict = firewall.Verdict{Kind: firewall.VerdictDNAT, ToAddrs: n.Real}
			if n.MappedPort != 0 {
				r.Verdict.ToPorts = firewall.Port(n.RealPort)
			}
		default:
			r.Verdict = firewall.UnknownTarget("static NAT of several addresses (one to one) is not modelled")
		}
		nat.Rules = append(nat.Rules, r)
	}
	established := func() *firewall.Rule {
		return device.Established("the ASA is stateful: packets of allowed connections pass", pos)
	}
	in := &firewall.Chain{Name: "access in", Hook: firewall.HookForward, Priority: 0, Policy: firewall.VerdictDrop, Pos: pos,
		Rules: []*firewall.Rule{established()}}
	out := &firewall.Chain{Name: "access out", Hook: firewall.HookForward, Priority: 1, Policy: firewall.VerdictAccept, Pos: pos,
		Rules: []*firewall.Rule{established()}}
	t.Chains = []*firewall.Chain{nat, in, out}
	made := map[string]bool{}
	chainOf := func(name string) string {
		ch := "acl " + name
		if !made[name] {
			made[name] = true
			t.Chains = append(t.Chains, c.aclChain(name, ch))
		}
		return ch
	}
	var global *Binding
	inACL, outACL := map[string]*Binding{}, map[string]*Binding{}
	for k := range c.Groups {
		b := &c.Groups[k]
		switch {
		case b.Interface == "":
			global = b
		case b.Out:
			outACL[b.Interface] = b
		default:
			inACL[b.Interface] = b
		}
	}
	iface := func(f firewall.Field, name string) firewall.Cond { return firewall.Cond{Field: f, Iface: name} }
	for _, i := range c.Interfaces {
		ipos := firewall.Pos{File: c.File, Line: i.Line}
		if i.Shutdown {
			device.ThroughInterface(in, out, i.Name, "interface "+i.Name+" is shut down", ipos, firewall.Drop)
			continue
		}
		if len(i.unmodelledFor) > 0 {
			in.Rules = append(in.Rules, &firewall.Rule{Label: "interface " + i.Name, Pos: ipos,
				Conds: []firewall.Cond{iface(firewall.FieldInIface, i.Name)}, Verdict: firewall.UnknownTarget(fmt.Sprint(i.unmodelledFor))})
		}
		b := inACL[i.Name]
		if b != nil || global != nil {
			if b != nil {
				in.Rules = append(in.Rules, &firewall.Rule{Label: fmt.Sprintf("access-group %s in interface %s", b.ACL, i.Name),
					Pos: firewall.Pos{File: c.File, Line: b.Line}, Conds: []firewall.Cond{iface(firewall.FieldInIface, i.Name)}, Verdict: firewall.Jump(chainOf(b.ACL))})
			}
			if global != nil {
				in.Rules = append(in.Rules, &firewall.Rule{Label: fmt.Sprintf("access-group %s global", global.ACL),
					Pos: firewall.Pos{File: c.File, Line: global.Line}, Conds: []firewall.Cond{iface(firewall.FieldInIface, i.Name)}, Verdict: firewall.Jump(chainOf(global.ACL))})
			}
			label := "implicit deny at the end of the access rules of interface " + i.Name
			at := global
			if b != nil {
				at = b
			}
			in.Rules = append(in.Rules, &firewall.Rule{Label: label, Pos: firewall.Pos{File: c.File, Line: at.Line},
				Conds: []firewall.Cond{iface(firewall.FieldInIface, i.Name)}, Verdict: firewall.Drop})
			continue
		}
		// No access rule: traffic to lower security levels passes (to
		// equal ones with same-security-traffic permit inter-interface).
		for _, o := range c.Interfaces {
			if o == i || !(i.Level > o.Level || (i.Level == o.Level && c.SameSecurity)) {
				continue
			}
			in.Rules = append(in.Rules, &firewall.Rule{
				Label: fmt.Sprintf("no access rule on %s: security level %d to %s's %d is permitted", i.Name, i.Level, o.Name, o.Level),
				Pos:   ipos, Conds: []firewall.Cond{iface(firewall.FieldInIface, i.Name), iface(firewall.FieldOutIface, o.Name)}, Verdict: firewall.Accept})
		}
		in.Rules = append(in.Rules, &firewall.Rule{
			Label: fmt.Sprintf("no access rule on %s (security level %d): traffic to higher or equal levels is denied", i.Name, i.Level),
			Pos:   ipos, Conds: []firewall.Cond{iface(firewall.FieldInIface, i.Name)}, Verdict: firewall.Drop})
	}
	for _, i := range c.Interfaces {
		b := outACL[i.Name]
		if b == nil || i.Shutdown {
			continue
		}
		bpos := firewall.Pos{File: c.File, Line: b.Line}
		out.Rules = append(out.Rules,
			&firewall.Rule{Label: fmt.Sprintf("access-group %s out interface %s", b.ACL, i.Name), Pos: bpos,
				Conds: []firewall.Cond{iface(firewall.FieldOutIface, i.Name)}, Verdict: firewall.Jump(chainOf(b.ACL))},
			&firewall.Rule{Label: "implicit deny at the end of access list " + b.ACL + " out on " + i.Name, Pos: bpos,
				Conds: []firewall.Cond{iface(firewall.FieldOutIface, i.Name)}, Verdict: firewall.Drop})
	}
	return rs
}

// aclChain is one list as a user chain; the caller adds the implicit deny.
func (c *Config) aclChain(name, chain string) *firewall.Chain {
	a := c.ACLs[name]
	ch := &firewall.Chain{Name: chain, Pos: firewall.Pos{File: c.File}}
	if a == nil {
		ch.Rules = []*firewall.Rule{{Label: "access list " + name + " is bound but not defined", Pos: ch.Pos,
			Verdict: firewall.UnknownTarget("access list " + name + " is not in the config")}}
		return ch
	}
	ch.Pos.Line = a.Line
	for _, e := range a.Entries {
		pos := firewall.Pos{File: c.File, Line: e.Line}
		label := fmt.Sprintf("access-list %s: %s", name, e.Text)
		if e.Unknown != "" {
			ch.Rules = append(ch.Rules, &firewall.Rule{Label: label, Pos: pos, Verdict: firewall.UnknownTarget(e.Unknown)})
			continue
		}
		v := firewall.Drop
		if e.Permit {
			v = firewall.Accept
		}
		for _, m := range e.Matches {
			if m.Src.IsEmpty() || m.Dst.IsEmpty() {
				continue // IPv6 only
			}
			ch.Rules = append(ch.Rules, &firewall.Rule{Label: label, Pos: pos, Conds: m.Conds(), Verdict: v, Unmodelled: e.Unmodelled})
		}
	}
	return ch
}
