package nftables

import (
	"fmt"
	"sort"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

// dumpRule writes a model rule compactly, for table tests:
// "v4 src 10.0.0.0/8, proto 6, dport 22 -> accept [unmodelled: meta mark]".
func dumpRule(r *firewall.Rule) string {
	var parts []string
	for _, c := range r.Conds {
		parts = append(parts, dumpCond(c))
	}
	s := strings.Join(parts, ", ") + " -> " + r.Verdict.Kind.String()
	switch r.Verdict.Kind {
	case firewall.VerdictJump, firewall.VerdictGoto:
		s += " " + r.Verdict.Chain
	case firewall.VerdictDNAT:
		s += " " + r.Verdict.ToAddrs.String() + ":" + r.Verdict.ToPorts.String()
	case firewall.VerdictUnknown:
		s += " (" + r.Verdict.Reason + ")"
	}
	if len(r.Unmodelled) > 0 {
		s += " [unmodelled: " + strings.Join(r.Unmodelled, "; ") + "]"
	}
	return s
}

func dumpCond(c firewall.Cond) string {
	var b strings.Builder
	if c.Family != firewall.FamilyAny {
		b.WriteString(c.Family.String() + " ")
	}
	names := map[firewall.Field]string{
		firewall.FieldSrcAddr: "src", firewall.FieldDstAddr: "dst", firewall.FieldProto: "proto",
		firewall.FieldSrcPort: "sport", firewall.FieldDstPort: "dport", firewall.FieldCtState: "ct",
		firewall.FieldInIface: "in", firewall.FieldOutIface: "out", firewall.FieldFamily: "family",
		firewall.FieldTCPFlags: "tcpflags", firewall.FieldSrcLocal: "srclocal", firewall.FieldDstLocal: "dstlocal",
	}
	b.WriteString(names[c.Field])
	if c.Not {
		b.WriteString(" !=")
	}
	switch c.Field {
	case firewall.FieldSrcAddr, firewall.FieldDstAddr:
		if c.SetName != "" {
			b.WriteString(" " + c.SetName)
		} else {
			b.WriteString(" " + c.Addrs.String())
		}
	case firewall.FieldProto:
		var ps []string
		for _, p := range c.Protos {
			ps = append(ps, fmt.Sprint(p))
		}
		b.WriteString(" " + strings.Join(ps, ","))
	case firewall.FieldSrcPort, firewall.FieldDstPort:
		b.WriteString(" " + c.Ports.String())
	case firewall.FieldCtState:
		b.WriteString(" " + dumpCt(c.CtStates))
	case firewall.FieldInIface, firewall.FieldOutIface:
		b.WriteString(" " + c.Iface)
	case firewall.FieldTCPFlags:
		fmt.Fprintf(&b, " &%#x ==%#x", c.TCPMask, c.TCPComp)
	}
	return b.String()
}

func dumpCt(s firewall.CtState) string {
	names := []string{"new", "established", "related", "invalid", "untracked", "dnat", "snat"}
	var out []string
	for i, n := range names {
		if s&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, "|")
}

// dumpRuleset writes every table, chain and rule, one per line.
func dumpRuleset(rs *firewall.Ruleset) string {
	var b strings.Builder
	for _, t := range rs.Tables {
		fmt.Fprintf(&b, "table %s (%s)\n", t.Name, t.Family)
		for _, ch := range t.Chains {
			if ch.Hook != firewall.HookNone {
				fmt.Fprintf(&b, "  chain %s hook %s type %d prio %d policy %s\n", ch.Name, ch.Hook, ch.Type, ch.Priority, ch.Policy)
			} else {
				fmt.Fprintf(&b, "  chain %s\n", ch.Name)
			}
			for _, r := range ch.Rules {
				fmt.Fprintf(&b, "    %s\n", dumpRule(r))
			}
		}
	}
	var keys []string
	for k := range rs.Sets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		s := rs.Sets[k]
		fmt.Fprintf(&b, "set %s = %s", k, s.Addrs.String())
		if s.Unmodelled != "" {
			fmt.Fprintf(&b, " [unmodelled: %s]", s.Unmodelled)
		}
		b.WriteString("\n")
	}
	return b.String()
}
