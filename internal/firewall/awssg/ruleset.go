// The firewall model of the applied security groups: one chain per
// direction, a rule per permission and source.

package awssg

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Ruleset builds the model of a network interface carrying the applied
// groups (ids in g); members resolves rules naming other groups (nil: none
// resolve).
func (g *Groups) Ruleset(applied []string, members *Members) (*firewall.Ruleset, error) {
	if len(applied) == 0 {
		return nil, &located.Error{Kind: "aws-sg", File: g.File, Msg: "no security group applies (give the group ids)"}
	}
	var groups []*Group
	seen := map[string]bool{}
	for _, id := range applied {
		grp := g.byID[id]
		if grp == nil {
			return nil, &located.Error{Kind: "aws-sg", File: g.File, Msg: fmt.Sprintf("security group %s is not in this file", id)}
		}
		if !seen[id] {
			seen[id] = true
			groups = append(groups, grp)
		}
	}
	source := "AWS security groups " + strings.Join(applied, ", ") + " (" + g.File
	if members != nil {
		source += ", members from " + members.File
	}
	rs := &firewall.Ruleset{Source: source + ")"}
	t := &firewall.Table{Family: firewall.FamilyAny, Name: "aws security groups", Pos: firewall.Pos{File: g.File}}
	var ingress, egress []*firewall.Rule
	var ingressUnknown, egressUnknown []*firewall.Rule
	for _, grp := range groups {
		for _, p := range grp.Ingress {
			known, unknown := g.rules(grp, p, true, members)
			ingress, ingressUnknown = append(ingress, known...), append(ingressUnknown, unknown...)
		}
		for _, p := range grp.Egress {
			known, unknown := g.rules(grp, p, false, members)
			egress, egressUnknown = append(egress, known...), append(egressUnknown, unknown...)
		}
	}
	ingress = append(ingress, ingressUnknown...)
	egress = append(egress, egressUnknown...)
	chain := func(name string, h firewall.Hook, prio int, rules []*firewall.Rule) *firewall.Chain {
		est := &firewall.Rule{
			Label:   "security groups are stateful: packets of allowed connections pass",
			Pos:     firewall.Pos{File: g.File},
			Conds:   []firewall.Cond{firewall.CtStates(firewall.CtEstablished | firewall.CtRelated)},
			Verdict: firewall.Accept,
		}
		return &firewall.Chain{Name: name, Hook: h, Priority: prio, Policy: firewall.VerdictDrop,
			Rules: append([]*firewall.Rule{est}, rules...), Pos: firewall.Pos{File: g.File}}
	}
	t.Chains = []*firewall.Chain{
		chain("ingress", firewall.HookInput, 0, ingress),
		chain("egress", firewall.HookOutput, 0, egress),
		chain("forward ingress", firewall.HookForward, 0, ingress),
		chain("forward egress", firewall.HookForward, 1, egress),
	}
	rs.Tables = []*firewall.Table{t}
	return rs, nil
}

// rules turns one permission into accept rules: known for what resolves,
// unknown (unmodelled) for what does not.
func (g *Groups) rules(grp *Group, p Permission, ingress bool, members *Members) (known, unknown []*firewall.Rule) {
	proto, all, _ := ipProtocol(p.Protocol)
	ports, icmpTypes, _ := p.ports()
	var base []firewall.Cond
	svc := "all traffic"
	if !all {
		base = append(base, firewall.Protos(proto))
		svc = strings.ToLower(p.Protocol)
		if n, err := strconv.Atoi(p.Protocol); err == nil {
			svc = firewall.ProtoName(uint8(n))
		}
		if firewall.HasPorts(proto) {
			svc += " " + ports.String()
			if !ports.Equal(firewall.AllPorts()) {
				base = append(base, firewall.DstPorts(ports))
			}
		}
	}
	if icmpTypes != "" {
		svc = icmpTypes
	}
	field, dir, way := firewall.FieldSrcAddr, "ingress", "from"
	if !ingress {
		field, dir, way = firewall.FieldDstAddr, "egress", "to"
	}
	pos := firewall.Pos{File: g.File, Line: p.Line}
	label := func(peer string) string {
		name := grp.ID
		if grp.Name != "" {
			name += " (" + grp.Name + ")"
		}
		return fmt.Sprintf("%s %s %s %s %s", name, dir, svc, way, peer)
	}
	add := func(peer string, addrs firewall.AddrSet, fam firewall.Family, unm []string) {
		conds := append([]firewall.Cond(nil), base...)
		if unm == nil && icmpTypes != "" {
			unm = []string{icmpTypes}
		}
		if proto == firewall.ProtoICMP && !all && fam == firewall.FamilyIPv6 {
			// An "icmp" rule with an IPv6 range allows ICMPv4 only: nothing.
			return
		}
		if proto == firewall.ProtoICMPv6 && !all && fam == firewall.FamilyIPv4 {
			return
		}
		if fam != firewall.FamilyAny || !addrs.IsEmpty() {
			conds = append(conds, firewall.Cond{Field: field, Addrs: addrs, Family: fam})
		}
		r := &firewall.Rule{Label: label(peer), Pos: pos, Conds: conds, Verdict: firewall.Accept, Unmodelled: unm}
		if len(unm) > 0 {
			unknown = append(unknown, r)
		} else {
			known = append(known, r)
		}
	}
	for _, pr := range p.IPv4 {
		add(pr.String(), firewall.PrefixSet(pr), firewall.FamilyIPv4, nil)
	}
	for _, pr := range p.IPv6 {
		add(pr.String(), firewall.PrefixSet(pr), firewall.FamilyIPv6, nil)
	}
	for _, pl := range p.PrefixLists {
		add("prefix list "+pl, firewall.AddrSet{}, firewall.FamilyAny, []string{"managed prefix list " + pl + " is not resolved"})
	}
	for _, ref := range p.GroupRefs {
		peer := "security group " + ref.GroupID
		if ref.UserID != "" && grp.OwnerID != "" && ref.UserID != grp.OwnerID {
			peer += " of account " + ref.UserID
		}
		addrs, why := members.resolve(ref)
		if !addrs.IsEmpty() {
			for _, fam := range addrs.Families() {
				add(peer, addrs.Only(fam), fam, nil)
			}
		}
		if why != "" {
			add(peer, firewall.AddrSet{}, firewall.FamilyAny, []string{why})
		}
	}
	return known, unknown
}
