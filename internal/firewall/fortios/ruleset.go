package fortios

import (
	"slices"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
)

// Ifaces are the interfaces with their subnets and routes.
func (c *Config) Ifaces() []device.Interface { return device.Interfaces(c.Interfaces) }

// Routed is the interface with its subnets and the static routes through
// it, for path selection.
func (i *Interface) Routed() device.Interface {
	return device.Interface{Name: i.Name, Routes: slices.Concat(i.Subnets, i.Routes), Line: i.Line}
}

// routeOf is the interface of addresses s; a VIP's external addresses are
// on its mapped addresses' interface.
func (c *Config) routeOf(s firewall.AddrSet) string {
	return device.OfTranslated(c.Ifaces(), s, func(yield func(ext, mapped firewall.AddrSet) bool) {
		for _, v := range c.VIPs {
			if v.Unmodelled == "" && !yield(v.Ext, v.Mapped) {
				return
			}
		}
	})
}

// Path chooses a flow's ingress and egress interfaces: from and to when
// given, else by the routes to its sources and destinations.
func (c *Config) Path(from, to string, src, dst firewall.AddrSet) (device.Path, error) {
	return device.SelectRouted(c.Ifaces(), "interface", from, to, src, dst, c.routeOf)
}

// Engine judges flows on path (a side left empty: from the routes).
func (c *Config) Engine(path device.Path) (*firewall.Engine, error) {
	return device.NewEngine(c.Ruleset(), path, c.routeOf)
}

// members are the interfaces a policy's srcintf/dstintf name: zones
// stand for their interfaces; nil for "any".
func (c *Config) members(names []string) []string {
	var out []string
	for _, n := range names {
		if n == "any" {
			return nil
		}
		if z, ok := c.Zones[n]; ok {
			out = append(out, z...)
			continue
		}
		out = append(out, n)
	}
	return out
}

// Ruleset is the FortiGate's model: VIPs (prerouting DNAT), then the
// policies in order with the implicit deny; stateful.
func (c *Config) Ruleset() *firewall.Ruleset {
	pos := firewall.Pos{File: c.File}
	rs, t := device.NewRuleset(c.File, "fortios", "FortiOS")
	nat := &firewall.Chain{Name: "vip", Hook: firewall.HookPrerouting, Type: firewall.ChainNAT, Priority: firewall.PriorityDstNAT, Policy: firewall.VerdictAccept, Pos: pos}
	// mappedFrom: the VIPs' mapped addresses by the interface their
	// traffic enters ("" any).
	mappedFrom := map[string]firewall.AddrSet{}
	for _, v := range c.VIPs {
		vpos := firewall.Pos{File: c.File, Line: v.Line}
		var conds []firewall.Cond
		if v.ExtIntf != "" {
			conds = append(conds, firewall.Cond{Field: firewall.FieldInIface, Iface: v.ExtIntf})
		}
		if !v.Ext.IsEmpty() {
			conds = append(conds, firewall.DstAddrs(v.Ext))
		}
		if v.ExtPort != nil {
			conds = append(conds, firewall.Protos(v.Proto), firewall.DstPorts(*v.ExtPort))
		}
		r := &firewall.Rule{Label: "VIP " + v.Name, Pos: vpos, Conds: conds}
		if v.Unmodelled != "" {
			r.Verdict = firewall.UnknownTarget("VIP " + v.Name + ": " + v.Unmodelled)
		} else {
			r.Verdict = firewall.Verdict{Kind: firewall.VerdictDNAT, ToAddrs: v.Mapped}
			if v.MappedPort != nil && !v.MappedPort.Equal(*v.ExtPort) {
				r.Verdict.ToPorts = *v.MappedPort
			}
			mappedFrom[v.ExtIntf] = mappedFrom[v.ExtIntf].Union(v.Mapped)
		}
		nat.Rules = append(nat.Rules, r)
	}
	fw := &firewall.Chain{Name: "policies", Hook: firewall.HookForward, Policy: firewall.VerdictDrop, Pos: pos,
		Rules: []*firewall.Rule{device.Established("FortiGate is stateful: packets of allowed connections pass", pos)}}
	t.Chains = []*firewall.Chain{nat, fw}
	for _, p := range c.Policies {
		if p.Disabled {
			continue
		}
		ppos := firewall.Pos{File: c.File, Line: p.Line}
		label := "policy " + p.ID
		if p.Name != "" {
			label += " (" + p.Name + ")"
		}
		label += ": " + strings.Join(p.SrcIntf, ",") + " → " + strings.Join(p.DstIntf, ",") + " " + map[bool]string{true: "accept", false: "deny"}[p.Accept]
		verdict := firewall.Drop
		if p.Accept {
			verdict = firewall.Accept
		}
		unm := append([]string(nil), p.Unmodelled...)
		if p.unknownAddr != "" || p.unknownSv != "" {
			why := p.unknownAddr
			if why == "" {
				why = p.unknownSv
			}
			fw.Rules = append(fw.Rules, &firewall.Rule{Label: label, Pos: ppos, Verdict: firewall.UnknownTarget(why)})
			continue
		}
		srcIf, dstIf := c.members(p.SrcIntf), c.members(p.DstIntf)
		if srcIf == nil {
			srcIf = []string{""}
		}
		if dstIf == nil {
			dstIf = []string{""}
		}
		src, dst := p.Src, p.Dst
		if p.SrcNegate {
			src = all4.Minus(src)
		}
		if p.DstNegate {
			dst = all4.Minus(dst)
		}
		// The destination parts: a policy that names no VIP may not match
		// connections translated by a VIP of its source interface.
		type part struct {
			dst firewall.AddrSet
			unm []string
		}
		parts := func(si string) []part {
			mapped := mappedFrom[""]
			if si == "" {
				for _, m := range mappedFrom {
					mapped = mapped.Union(m)
				}
			} else {
				mapped = mapped.Union(mappedFrom[si])
			}
			if p.namesVIP || !dst.Overlaps(mapped) {
				return []part{{dst, unm}}
			}
			return []part{{dst.Minus(mapped), unm}, {dst.Intersect(mapped), append(append([]string(nil), unm...), "whether a policy naming no VIP matches connections a VIP translated")}}
		}
		var target string
		if p.ServiceNegate {
			// The services are the ones the policy does not match: a
			// chain returns them to the next policy, the rest meet the
			// action.
			target = "policy " + p.ID + " services"
			ch := &firewall.Chain{Name: target, Pos: ppos}
			for _, s := range p.Services {
				ch.Rules = append(ch.Rules, &firewall.Rule{Label: label + " (a negated service)", Pos: ppos, Conds: s.Conds(), Verdict: firewall.Return, Unmodelled: svcUnmodelled(s)})
			}
			ch.Rules = append(ch.Rules, &firewall.Rule{Label: label, Pos: ppos, Verdict: verdict, Unmodelled: unm})
			t.Chains = append(t.Chains, ch)
		}
		for _, si := range srcIf {
			for _, pt := range parts(si) {
				if pt.dst.IsEmpty() {
					continue
				}
				for _, di := range dstIf {
					var conds []firewall.Cond
					if si != "" {
						conds = append(conds, firewall.Cond{Field: firewall.FieldInIface, Iface: si})
					}
					if di != "" {
						conds = append(conds, firewall.Cond{Field: firewall.FieldOutIface, Iface: di})
					}
					if !src.Equal(all4) {
						conds = append(conds, firewall.SrcAddrs(src))
					}
					if !pt.dst.Equal(all4) {
						conds = append(conds, firewall.DstAddrs(pt.dst))
					}
					if target != "" {
						fw.Rules = append(fw.Rules, &firewall.Rule{Label: label, Pos: ppos, Conds: conds, Verdict: firewall.Jump(target), Unmodelled: pt.unm})
						continue
					}
					for _, s := range p.Services {
						fw.Rules = append(fw.Rules, &firewall.Rule{Label: label, Pos: ppos, Conds: append(append([]firewall.Cond(nil), conds...), s.Conds()...),
							Verdict: verdict, Unmodelled: append(append([]string(nil), pt.unm...), svcUnmodelled(s)...)})
					}
				}
			}
		}
	}
	fw.Rules = append(fw.Rules, &firewall.Rule{Label: "implicit deny (policy 0)", Pos: pos, Verdict: firewall.Drop})
	return rs
}

func svcUnmodelled(s device.Service) []string {
	if s.Unmodelled == "" {
		return nil
	}
	return []string{s.Unmodelled}
}
