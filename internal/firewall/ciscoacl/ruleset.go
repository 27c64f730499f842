package ciscoacl

import (
	"fmt"
	"slices"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
)

// Sides of the flow when one list is judged alone (--acl): the list sees
// the packets that enter from the client side.
const (
	aclClient = "(flow sources)"
	aclServer = "(flow destinations)"
)

// Ifaces are the interfaces with their subnets, for path selection.
func (c *Config) Ifaces() []device.Interface { return device.Interfaces(c.Interfaces) }

// Routed is the interface with its subnets and the static routes through
// it, for path selection.
func (i *Interface) Routed() device.Interface {
	return device.Interface{Name: i.Name, Routes: slices.Concat(i.Subnets, i.Routes), Line: i.Line}
}

// Path chooses a flow's ingress and egress interfaces: from and to when
// given (interface names as in the config), else from the interfaces'
// subnets holding the flow's sources and destinations.
func (c *Config) Path(from, to string, src, dst firewall.AddrSet) (device.Path, error) {
	return device.Select(c.Ifaces(), "interface", from, to, src, dst)
}

// Engine is the engine that judges flows through this router: with acl
// set, that access list alone on the packets from the flow's sources (its
// replies are not that list's to judge); else every bound list on the
// interfaces of path, or, with an empty path, on the interfaces each
// flow's addresses select (Engine.SetRouter).
func (c *Config) Engine(acl string, path device.Path) (*firewall.Engine, error) {
	rs, err := c.Ruleset(acl)
	if err != nil {
		return nil, err
	}
	if acl != "" {
		// Both sides named: no router.
		return device.NewEngine(rs, device.Path{From: aclClient, To: aclServer}, nil)
	}
	return device.NewEngine(rs, path, device.Router(c.Ifaces()))
}

// Ruleset is the router's model: every bound list (acl empty), or list acl
// alone.
func (c *Config) Ruleset(acl string) (*firewall.Ruleset, error) {
	pos := firewall.Pos{File: c.File}
	rs, t := device.NewRuleset(c.File, "cisco ios", "Cisco IOS access lists")
	rs.Stateless = true
	in := &firewall.Chain{Name: "access lists in", Hook: firewall.HookForward, Priority: 0, Policy: firewall.VerdictAccept, Pos: pos}
	out := &firewall.Chain{Name: "access lists out", Hook: firewall.HookForward, Priority: 1, Policy: firewall.VerdictAccept, Pos: pos}
	t.Chains = []*firewall.Chain{in, out}
	made := map[string]bool{}
	bind := func(ch *firewall.Chain, field firewall.Field, iface, name string, line int, dir string) {
		chain := "acl " + name
		if !made[name] {
			made[name] = true
			t.Chains = append(t.Chains, c.chain(name, chain))
		}
		ch.Rules = append(ch.Rules, &firewall.Rule{
			Label:   fmt.Sprintf("interface %s: ip access-group %s %s", iface, name, dir),
			Pos:     firewall.Pos{File: c.File, Line: line},
			Conds:   []firewall.Cond{{Field: field, Iface: iface}},
			Verdict: firewall.Goto(chain),
		})
	}
	if acl != "" {
		if c.ACLs[acl] == nil {
			return nil, fmt.Errorf("%s: no access list %s (have %s)", c.File, acl, c.aclNames())
		}
		rs.Source = "Cisco IOS access list " + acl + " alone, on the packets from the flow's sources (" + c.File + ")"
		bind(in, firewall.FieldInIface, aclClient, acl, c.ACLs[acl].Line, "(--acl)")
		return rs, nil
	}
	for _, i := range c.Interfaces {
		ipos := firewall.Pos{File: c.File, Line: i.Line}
		if i.Shutdown {
			device.ThroughInterface(in, out, i.Name, "interface "+i.Name+" is shut down", ipos, firewall.Drop)
			continue
		}
		if len(i.Unmodelled) > 0 {
			device.ThroughInterface(in, out, i.Name, "interface "+i.Name, ipos, firewall.UnknownTarget(joinUnmodelled(i.Unmodelled)))
		}
		if i.In != "" {
			bind(in, firewall.FieldInIface, i.Name, i.In, i.InLine, "in")
		}
		if i.Out != "" {
			bind(out, firewall.FieldOutIface, i.Name, i.Out, i.OutLine, "out")
		}
	}
	return rs, nil
}

func joinUnmodelled(u []string) string {
	s := ""
	for k, x := range u {
		if k > 0 {
			s += "; "
		}
		s += x
	}
	return s
}

func (c *Config) aclNames() string {
	var n []string
	for k := range c.ACLs {
		n = append(n, k)
	}
	slices.Sort(n)
	if len(n) == 0 {
		return "none"
	}
	return fmt.Sprint(n)
}

// chain is one list as a user chain: its entries in sequence order, then
// the implicit deny. A list that is bound but not defined, or has no
// entries, permits everything (IOS filters nothing with it).
func (c *Config) chain(name, chain string) *firewall.Chain {
	a := c.ACLs[name]
	ch := &firewall.Chain{Name: chain, Pos: firewall.Pos{File: c.File}}
	if a == nil || len(a.Entries) == 0 {
		why := "is not defined"
		if a != nil {
			why = "has no entries"
			ch.Pos.Line = a.Line
		}
		ch.Rules = []*firewall.Rule{{Label: "access list " + name + " " + why + ": IOS permits all", Pos: ch.Pos, Verdict: firewall.Accept}}
		return ch
	}
	ch.Pos.Line = a.Line
	for _, e := range a.Entries {
		pos := firewall.Pos{File: c.File, Line: e.Line}
		label := fmt.Sprintf("access list %s seq %d: %s", name, e.Seq, e.Text)
		v := firewall.Drop
		if e.Permit {
			v = firewall.Accept
		}
		if e.Unknown != "" {
			ch.Rules = append(ch.Rules, &firewall.Rule{Label: label, Pos: pos, Verdict: firewall.UnknownTarget(e.Unknown)})
			continue
		}
		if e.Never {
			continue
		}
		for _, m := range e.Matches {
			ch.Rules = append(ch.Rules, &firewall.Rule{Label: label, Pos: pos, Conds: conds(e, m), Verdict: v, Unmodelled: e.Unmodelled})
		}
	}
	ch.Rules = append(ch.Rules, &firewall.Rule{Label: "access list " + name + ": implicit deny at the end", Pos: ch.Pos, Verdict: firewall.Drop})
	return ch
}

// conds are the conditions of entry e's match m; "established" is the
// ACK (or RST) bit, which every packet of a connection but its first
// carries.
func conds(e *Entry, m device.Match) []firewall.Cond {
	cs := m.Conds()
	if e.Established {
		cs = append(cs, firewall.Cond{Field: firewall.FieldTCPFlags, TCPMask: firewall.TCPAck, TCPComp: firewall.TCPAck})
	}
	return cs
}
