package awsnacl

import (
	"fmt"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/awssg"
)

// The sides of the path as the engine sees them: packets from the client
// enter from srcSide and leave to dstSide; replies the other way.
const (
	srcSide = "(source subnet)"
	dstSide = "(destination subnet)"
)

// Engine judges flows on path: its ruleset, with the sides set.
func (a *ACLs) Engine(p Path, groups *awssg.Groups, members *awssg.Members) (*firewall.Engine, error) {
	rs, err := a.Ruleset(p, groups, members)
	if err != nil {
		return nil, err
	}
	en, err := firewall.NewEngine(rs, firewall.HookForward)
	if err != nil {
		return nil, err
	}
	en.SetInterfaces(firewall.Interfaces{In: srcSide, Out: dstSide})
	return en, nil
}

// Ruleset is the path's model, in the order packets meet them: the source
// interface's security groups (egress; with groups given), its subnet's
// network ACL outbound, the destination subnet's inbound, the destination
// interface's groups (ingress). Replies meet the destination subnet's
// outbound rules and the source subnet's inbound rules; groups pass them.
// Without groups only the network ACLs are judged.
func (a *ACLs) Ruleset(p Path, groups *awssg.Groups, members *awssg.Members) (*firewall.Ruleset, error) {
	pos := firewall.Pos{File: a.File}
	t := &firewall.Table{Family: firewall.FamilyAny, Name: "aws vpc", Pos: pos}
	rs := &firewall.Ruleset{Tables: []*firewall.Table{t}, Stateless: groups == nil}
	rs.Source = "AWS network ACLs (" + a.File + ")"
	if groups != nil {
		rs.Source += " and security groups (" + groups.File + ")"
	}
	base := func(name string, prio int) *firewall.Chain {
		ch := &firewall.Chain{Name: name, Hook: firewall.HookForward, Priority: prio, Policy: firewall.VerdictAccept, Pos: pos}
		t.Chains = append(t.Chains, ch)
		return ch
	}
	side := func(f firewall.Field, name string) firewall.Cond { return firewall.Cond{Field: f, Iface: name} }
	sameSubnet := p.Src.Interface != nil && p.Dst.Interface != nil && p.Src.Interface.Subnet == p.Dst.Interface.Subnet
	// Security groups of the source (egress), then of the destination
	// (ingress), on the client's packets; stateful.
	sgChain := func(prio int, end End, dir, chain string, f firewall.Field, sideName string) error {
		if groups == nil || end.Interface == nil {
			return nil
		}
		if len(end.Interface.Groups) == 0 {
			return fmt.Errorf("network interface %s has no security groups", end.Interface.ID)
		}
		g, err := groups.Ruleset(end.Interface.Groups, members)
		if err != nil {
			return err
		}
		var rules []*firewall.Rule
		for _, ch := range g.Tables[0].Chains {
			if ch.Name == dir {
				rules = ch.Rules
			}
		}
		name := "security groups " + dir + " of " + end.Interface.ID
		user := &firewall.Chain{Name: name, Pos: pos, Rules: append(append([]*firewall.Rule(nil), rules...),
			&firewall.Rule{Label: name + ": no rule allows it", Pos: pos, Verdict: firewall.Drop})}
		t.Chains = append(t.Chains, user)
		b := base(chain, prio)
		b.Rules = append(b.Rules, &firewall.Rule{Label: name, Pos: pos, Conds: []firewall.Cond{side(f, sideName)}, Verdict: firewall.Goto(name)})
		return nil
	}
	if err := sgChain(0, p.Src, "egress", "source security groups", firewall.FieldInIface, srcSide); err != nil {
		return nil, err
	}
	nacl := base("network ACLs", 1)
	bind := func(end End, outbound bool, f firewall.Field, sideName string) error {
		if end.Interface == nil || sameSubnet {
			return nil
		}
		acl := a.OfSubnet(end.Interface.Subnet)
		if acl == nil {
			return fmt.Errorf("%s: no network ACL is associated with subnet %s (of %s)", a.File, end.Interface.Subnet, end.Interface.ID)
		}
		dir := "inbound"
		entries := acl.Inbound
		if outbound {
			dir, entries = "outbound", acl.Outbound
		}
		name := fmt.Sprintf("%s %s (subnet %s)", acl.ID, dir, end.Interface.Subnet)
		if t.Chain(name) == nil {
			t.Chains = append(t.Chains, entryChain(a.File, name, entries, outbound))
		}
		nacl.Rules = append(nacl.Rules, &firewall.Rule{Label: name, Pos: pos, Conds: []firewall.Cond{side(f, sideName)}, Verdict: firewall.Jump(name)})
		return nil
	}
	// A packet leaves its subnet by the outbound rules and enters the
	// other by the inbound ones: the client's packets enter the path
	// from the source side, the replies from the destination side.
	for _, b := range []struct {
		end      End
		outbound bool
		f        firewall.Field
		side     string
	}{
		{p.Src, true, firewall.FieldInIface, srcSide},
		{p.Dst, false, firewall.FieldOutIface, dstSide},
		{p.Dst, true, firewall.FieldInIface, dstSide},
		{p.Src, false, firewall.FieldOutIface, srcSide},
	} {
		if err := bind(b.end, b.outbound, b.f, b.side); err != nil {
			return nil, err
		}
	}
	if err := sgChain(2, p.Dst, "ingress", "destination security groups", firewall.FieldOutIface, dstSide); err != nil {
		return nil, err
	}
	return rs, nil
}

// entryChain is one direction of a network ACL: its rules by number, a
// deny where none matches. An allow returns to the caller (the packet
// goes on to the next check); a deny drops.
func entryChain(file, name string, entries []Entry, outbound bool) *firewall.Chain {
	pos := firewall.Pos{File: file}
	ch := &firewall.Chain{Name: name, Pos: pos}
	field := firewall.FieldSrcAddr
	if outbound {
		field = firewall.FieldDstAddr
	}
	for _, e := range entries {
		action := "deny"
		v := firewall.Drop
		if e.Allow {
			action, v = "allow", firewall.Return
		}
		proto := "all"
		var conds []firewall.Cond
		if !e.All {
			proto = firewall.ProtoName(e.Proto)
			conds = append(conds, firewall.Protos(e.Proto))
		}
		if e.Ports != nil {
			proto += " " + e.Ports.String()
			conds = append(conds, firewall.DstPorts(*e.Ports))
		}
		conds = append(conds, firewall.Cond{Field: field, Addrs: e.Addrs, Family: e.Family})
		num := fmt.Sprint(e.Number)
		if e.Number == 32767 {
			num = "*"
		}
		r := &firewall.Rule{Label: fmt.Sprintf("%s rule %s: %s %s %s", name, num, action, proto, e.Addrs), Pos: pos, Conds: conds, Verdict: v}
		if e.ICMP != "" {
			r.Unmodelled = []string{e.ICMP}
		}
		ch.Rules = append(ch.Rules, r)
	}
	ch.Rules = append(ch.Rules, &firewall.Rule{Label: name + ": no rule matches (denied)", Pos: pos, Verdict: firewall.Drop})
	return ch
}
