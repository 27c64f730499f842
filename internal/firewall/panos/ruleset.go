package panos

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

// routeOf is the zone of addresses s: for destinations of a destination
// NAT rule, the zone of the translated address (PAN-OS judges security
// rules in the post-NAT zone).
func (c *Config) routeOf(s firewall.AddrSet) string {
	return device.OfTranslated(c.Ifaces(), s, func(yield func(original, translated firewall.AddrSet) bool) {
		for _, n := range c.NATs {
			if n.Unmodelled == "" && !yield(n.Original, n.Translated) {
				return
			}
		}
	})
}

// Path chooses a flow's source zone and (post-NAT) destination zone: from
// and to when given, else from the zones' networks. Source and
// destination in one zone is a path too (intrazone rules apply).
func (c *Config) Path(from, to string, src, dst firewall.AddrSet) (device.Path, error) {
	return device.SelectRouted(c.Ifaces(), "zone", from, to, src, dst, c.routeOf)
}

// Engine judges flows on path (a side left empty: from the zones'
// networks).
func (c *Config) Engine(path device.Path) (*firewall.Engine, error) {
	return device.NewEngine(c.Ruleset(), path, c.routeOf)
}

func (c *Config) zoneNames() []string {
	var out []string
	for _, z := range c.Zones {
		out = append(out, z.Name)
	}
	return out
}

// Ruleset is the vsys's model: the security rules in order between the
// zones they name (the engine's interfaces are zones), then the default
// rules; stateful.
func (c *Config) Ruleset() *firewall.Ruleset {
	pos := firewall.Pos{File: c.File}
	rs, t := device.NewRuleset(c.File, "pan-os", "PAN-OS")
	sec := &firewall.Chain{Name: "security", Hook: firewall.HookForward, Policy: firewall.VerdictDrop, Pos: pos,
		Rules: []*firewall.Rule{device.Established("PAN-OS is stateful: packets of allowed sessions pass", pos)}}
	t.Chains = []*firewall.Chain{sec}
	in := func(z string) firewall.Cond { return firewall.Cond{Field: firewall.FieldInIface, Iface: z} }
	out := func(z string) firewall.Cond { return firewall.Cond{Field: firewall.FieldOutIface, Iface: z} }
	for _, n := range c.NATs {
		npos := firewall.Pos{File: c.File, Line: n.Line}
		switch {
		case n.Unmodelled != "":
			sec.Rules = append(sec.Rules, &firewall.Rule{Label: "NAT rule " + n.Name, Pos: npos, Conds: []firewall.Cond{firewall.DstAddrs(n.Original)},
				Verdict: firewall.UnknownTarget("destination NAT rule " + n.Name + ": " + n.Unmodelled)})
		case n.Ports != nil:
			sec.Rules = append(sec.Rules, &firewall.Rule{Label: "NAT rule " + n.Name, Pos: npos,
				Conds:   []firewall.Cond{firewall.DstAddrs(n.Original), firewall.Negate(firewall.DstPorts(*n.Ports))},
				Verdict: firewall.UnknownTarget("destination NAT rule " + n.Name + " translates only some ports: the zone of the others is not modelled")})
		}
	}
	all := c.zoneNames()
	orAll := func(z []string) []string {
		if z == nil {
			return all
		}
		return z
	}
	for _, r := range c.Rules {
		rpos := firewall.Pos{File: c.File, Line: r.Line}
		label := "rule " + r.Name + ": " + r.Action
		var pairs [][2]string
		switch r.Type {
		case "intrazone":
			for _, z := range orAll(r.From) {
				pairs = append(pairs, [2]string{z, z})
			}
		case "interzone":
			for _, f := range orAll(r.From) {
				for _, to := range orAll(r.To) {
					if f != to {
						pairs = append(pairs, [2]string{f, to})
					}
				}
			}
		default:
			from, to := r.From, r.To
			if from == nil {
				from = []string{""}
			}
			if to == nil {
				to = []string{""}
			}
			for _, f := range from {
				for _, x := range to {
					pairs = append(pairs, [2]string{f, x})
				}
			}
		}
		verdict := firewall.Accept
		switch r.Action {
		case "deny", "drop":
			verdict = firewall.Drop
		case "reset-client", "reset-server", "reset-both":
			verdict = firewall.Reject
		}
		src, dst := r.Src, r.Dst
		if r.NegateSrc {
			src = all4.Minus(src)
		}
		if r.NegateDst {
			dst = all4.Minus(dst)
		}
		for _, p := range pairs {
			var conds []firewall.Cond
			if p[0] != "" {
				conds = append(conds, in(p[0]))
			}
			if p[1] != "" {
				conds = append(conds, out(p[1]))
			}
			if r.Unknown != "" {
				sec.Rules = append(sec.Rules, &firewall.Rule{Label: label, Pos: rpos, Conds: conds, Verdict: firewall.UnknownTarget(r.Unknown)})
				continue
			}
			if !src.Equal(all4) {
				conds = append(conds, firewall.SrcAddrs(src))
			}
			if !dst.Equal(all4) {
				conds = append(conds, firewall.DstAddrs(dst))
			}
			svcs := r.Services
			if r.AnyService {
				svcs = []service{{}}
			}
			for _, s := range svcs {
				cs := append([]firewall.Cond(nil), conds...)
				if s.proto != 0 {
					cs = append(cs, firewall.Protos(s.proto))
				}
				if s.dstPorts != nil {
					cs = append(cs, firewall.DstPorts(*s.dstPorts))
				}
				if s.srcPorts != nil {
					cs = append(cs, firewall.SrcPorts(*s.srcPorts))
				}
				sec.Rules = append(sec.Rules, &firewall.Rule{Label: label, Pos: rpos, Conds: cs, Verdict: verdict, Unmodelled: r.Unmodelled})
			}
		}
	}
	intra := firewall.Drop
	if c.IntrazoneAllow {
		intra = firewall.Accept
	}
	for _, z := range all {
		sec.Rules = append(sec.Rules, &firewall.Rule{Label: "intrazone-default: " + intra.Kind.String() + " within zone " + z, Pos: pos,
			Conds: []firewall.Cond{in(z), out(z)}, Verdict: intra})
	}
	inter := firewall.Drop
	if c.InterzoneAllow {
		inter = firewall.Accept
	}
	sec.Rules = append(sec.Rules, &firewall.Rule{Label: "interzone-default: " + inter.Kind.String(), Pos: pos, Verdict: inter})
	return rs
}
