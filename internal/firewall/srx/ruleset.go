package srx

import (
	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
)

// Ifaces are the zones with the networks routed through them.
func (c *Config) Ifaces() []device.Interface { return device.Interfaces(c.Zones) }

// Routed is the zone with the networks routed through it, for path
// selection.
func (z *Zone) Routed() device.Interface {
	return device.Interface{Name: z.Name, Routes: z.Routes, Line: z.Line}
}

// routeOf is the zone of addresses s; destinations of a destination NAT
// rule are in the zone of the translated address.
func (c *Config) routeOf(s firewall.AddrSet) string {
	return device.OfTranslated(c.Ifaces(), s, func(yield func(dst, to firewall.AddrSet) bool) {
		for _, n := range c.NATs {
			if n.Unmodelled == "" && !n.Off && !yield(n.Dst, n.To) {
				return
			}
		}
	})
}

// Path chooses a flow's from-zone and to-zone (after destination NAT):
// from and to when given, else from the zones' networks.
func (c *Config) Path(from, to string, src, dst firewall.AddrSet) (device.Path, error) {
	return device.SelectRouted(c.Ifaces(), "zone", from, to, src, dst, c.routeOf)
}

// Engine judges flows on path (a side left empty: from the zones'
// networks).
func (c *Config) Engine(path device.Path) (*firewall.Engine, error) {
	return device.NewEngine(c.Ruleset(), path, c.routeOf)
}

// Ruleset is the SRX's model: destination NAT (prerouting), then the
// zone-pair policies, the global policies and the default policy;
// stateful.
func (c *Config) Ruleset() *firewall.Ruleset {
	pos := firewall.Pos{File: c.File}
	rs, t := device.NewRuleset(c.File, "junos srx", "Junos SRX")
	in := func(z string) firewall.Cond { return firewall.Cond{Field: firewall.FieldInIface, Iface: z} }
	out := func(z string) firewall.Cond { return firewall.Cond{Field: firewall.FieldOutIface, Iface: z} }
	nat := &firewall.Chain{Name: "destination nat", Hook: firewall.HookPrerouting, Type: firewall.ChainNAT, Priority: firewall.PriorityDstNAT, Policy: firewall.VerdictAccept, Pos: pos}
	for _, n := range c.NATs {
		npos := firewall.Pos{File: c.File, Line: n.Line}
		var conds []firewall.Cond
		if n.FromZone != "" {
			conds = append(conds, in(n.FromZone))
		}
		if !n.Src.Equal(all4) {
			conds = append(conds, firewall.SrcAddrs(n.Src))
		}
		if !n.Dst.IsEmpty() {
			conds = append(conds, firewall.DstAddrs(n.Dst))
		}
		if n.Proto != 0 {
			conds = append(conds, firewall.Protos(n.Proto))
		} else if n.Port != nil {
			conds = append(conds, firewall.Protos(firewall.ProtoTCP, firewall.ProtoUDP))
		}
		if n.Port != nil {
			conds = append(conds, firewall.DstPorts(*n.Port))
		}
		r := &firewall.Rule{Label: "destination NAT rule " + n.Name, Pos: npos, Conds: conds}
		switch {
		case n.Unmodelled != "":
			r.Verdict = firewall.UnknownTarget("destination NAT rule " + n.Name + ": " + n.Unmodelled)
		case n.Off:
			r.Verdict = firewall.Accept // destination-nat off: matched, not translated
		default:
			r.Verdict = firewall.Verdict{Kind: firewall.VerdictDNAT, ToAddrs: n.To}
			if n.ToPort != 0 {
				r.Verdict.ToPorts = firewall.Port(n.ToPort)
			}
		}
		nat.Rules = append(nat.Rules, r)
	}
	sec := &firewall.Chain{Name: "security policies", Hook: firewall.HookForward, Policy: firewall.VerdictDrop, Pos: pos,
		Rules: []*firewall.Rule{device.Established("SRX is stateful: packets of allowed sessions pass", pos)}}
	t.Chains = []*firewall.Chain{nat, sec}
	for _, p := range c.Policies {
		ppos := firewall.Pos{File: c.File, Line: p.Line}
		label := "policy " + p.Name
		if p.Global {
			label = "global " + label
		} else {
			label = "from-zone " + p.From + " to-zone " + p.To + " " + label
		}
		label += ": " + p.Action
		var pairs [][2]string
		froms, tos := []string{p.From}, []string{p.To}
		if p.Global {
			froms, tos = orAny(p.fromZones), orAny(p.toZones)
		}
		for _, f := range froms {
			for _, x := range tos {
				pairs = append(pairs, [2]string{f, x})
			}
		}
		verdict := firewall.Accept
		switch p.Action {
		case "deny":
			verdict = firewall.Drop
		case "reject":
			verdict = firewall.Reject
		}
		src, dst := p.Src, p.Dst
		if p.SrcExcl {
			src = all4.Minus(src)
		}
		if p.DstExcl {
			dst = all4.Minus(dst)
		}
		svcs := p.Services
		if p.AnyApp {
			svcs = []device.Service{{}}
		}
		for _, pr := range pairs {
			var conds []firewall.Cond
			if pr[0] != "" && pr[0] != "any" {
				conds = append(conds, in(pr[0]))
			}
			if pr[1] != "" && pr[1] != "any" {
				conds = append(conds, out(pr[1]))
			}
			if p.Unknown != "" {
				sec.Rules = append(sec.Rules, &firewall.Rule{Label: label, Pos: ppos, Conds: conds, Verdict: firewall.UnknownTarget(p.Unknown)})
				continue
			}
			if !src.Equal(all4) {
				conds = append(conds, firewall.SrcAddrs(src))
			}
			if !dst.Equal(all4) {
				conds = append(conds, firewall.DstAddrs(dst))
			}
			for _, s := range svcs {
				cs := append([]firewall.Cond(nil), conds...)
				if s.Protos != nil {
					cs = append(cs, firewall.Protos(s.Protos...))
				}
				if s.DstPorts != nil {
					cs = append(cs, firewall.DstPorts(*s.DstPorts))
				}
				if s.SrcPorts != nil {
					cs = append(cs, firewall.SrcPorts(*s.SrcPorts))
				}
				unm := append([]string(nil), p.Unmodelled...)
				if s.Unmodelled != "" {
					unm = append(unm, s.Unmodelled)
				}
				sec.Rules = append(sec.Rules, &firewall.Rule{Label: label, Pos: ppos, Conds: cs, Verdict: verdict, Unmodelled: unm})
			}
		}
	}
	def := firewall.Drop
	name := "deny-all"
	if c.DefaultPermit {
		def, name = firewall.Accept, "permit-all"
	}
	sec.Rules = append(sec.Rules, &firewall.Rule{Label: "default-policy " + name, Pos: pos, Verdict: def})
	return rs
}

func orAny(z []string) []string {
	if len(z) == 0 {
		return []string{""}
	}
	return z
}
