// Printing a generated ruleset as iptables-restore and nft input.

package kerneltest

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// IPTables renders rs as iptables-restore input (ip6tables-restore for
// IPv6).
func (rs Ruleset) IPTables() string {
	var b strings.Builder
	b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n")
	fmt.Fprintf(&b, ":FORWARD %s [0:0]\n:OUTPUT ACCEPT [0:0]\n", rs.policy("ACCEPT", "DROP"))
	for _, c := range rs.Chains {
		fmt.Fprintf(&b, ":%s - [0:0]\n", c.Name)
	}
	for _, ru := range rs.Forward {
		fmt.Fprintf(&b, "-A FORWARD%s\n", ru.iptables())
	}
	for _, c := range rs.Chains {
		for _, ru := range c.Rules {
			fmt.Fprintf(&b, "-A %s%s\n", c.Name, ru.iptables())
		}
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

func (ru Rule) iptables() string {
	var b strings.Builder
	addr := func(flag, rangeFlag string, m AddrMatch) {
		switch {
		case m.Prefix.IsValid():
			fmt.Fprintf(&b, " %s%s %s", not(m.Not, "! "), flag, m.Prefix)
		case m.Range[0].IsValid():
			fmt.Fprintf(&b, " -m iprange %s%s %s-%s", not(m.Not, "! "), rangeFlag, m.Range[0], m.Range[1])
		case len(m.List) > 0:
			var hs []string
			for _, a := range m.List {
				hs = append(hs, netip.PrefixFrom(a, a.BitLen()).String())
			}
			fmt.Fprintf(&b, " %s %s", flag, strings.Join(hs, ","))
		}
	}
	addr("-s", "--src-range", ru.Src)
	addr("-d", "--dst-range", ru.Dst)
	if ru.In.Name != "" {
		fmt.Fprintf(&b, " %s-i %s", not(ru.In.Not, "! "), ru.In.Name)
	}
	if ru.Out.Name != "" {
		fmt.Fprintf(&b, " %s-o %s", not(ru.Out.Not, "! "), ru.Out.Name)
	}
	if ru.Proto != "" {
		b.WriteString(" -p " + ru.Proto)
	}
	ports := func(one, many string, m PortMatch) {
		switch len(m.Ranges) {
		case 0:
		case 1:
			fmt.Fprintf(&b, " %s%s %s", not(m.Not, "! "), one, m.Ranges[0].iptables())
		default:
			var ps []string
			for _, pr := range m.Ranges {
				ps = append(ps, pr.iptables())
			}
			fmt.Fprintf(&b, " -m multiport %s%s %s", not(m.Not, "! "), many, strings.Join(ps, ","))
		}
	}
	ports("--sport", "--sports", ru.SPort)
	ports("--dport", "--dports", ru.DPort)
	switch ru.State {
	case StateNew:
		b.WriteString(" -m conntrack --ctstate NEW")
	case StateEstablished:
		b.WriteString(" -m conntrack --ctstate RELATED,ESTABLISHED")
	}
	switch ru.Verdict {
	case Accept:
		b.WriteString(" -j ACCEPT")
	case Drop:
		b.WriteString(" -j DROP")
	case Reject:
		if ru.Proto == "tcp" && ru.State != StateEstablished {
			b.WriteString(" -j REJECT --reject-with tcp-reset")
		} else {
			b.WriteString(" -j REJECT")
		}
	case Return:
		b.WriteString(" -j RETURN")
	case Jump:
		b.WriteString(" -j " + ru.Target)
	case Goto:
		b.WriteString(" -g " + ru.Target)
	case Log:
		b.WriteString(` -j LOG --log-prefix "guardrail "`)
	}
	if ru.Comment != "" {
		fmt.Fprintf(&b, " -m comment --comment %q", ru.Comment)
	}
	return b.String()
}

func (pr PortRange) iptables() string {
	if pr.From == pr.To {
		return strconv.Itoa(pr.From)
	}
	return fmt.Sprintf("%d:%d", pr.From, pr.To)
}

func (pr PortRange) nft() string {
	if pr.From == pr.To {
		return strconv.Itoa(pr.From)
	}
	return fmt.Sprintf("%d-%d", pr.From, pr.To)
}

func not(b bool, s string) string {
	if b {
		return s
	}
	return ""
}

// NFT renders rs as an nft script for nft -f.
func (rs Ruleset) NFT() string {
	var b strings.Builder
	fmt.Fprintf(&b, "table %s guardrail {\n", rs.NFTFamily)
	// Named sets first, hosts1, hosts2... in the order the rules below use
	// them (user chains, forward, late).
	typ := "ipv4_addr"
	if rs.IPv6 {
		typ = "ipv6_addr"
	}
	n := 0
	var rules []Rule
	for _, c := range rs.Chains {
		rules = append(rules, c.Rules...)
	}
	rules = append(rules, rs.Forward...)
	for _, ru := range append(rules, rs.Late...) {
		for _, m := range []AddrMatch{ru.Src, ru.Dst} {
			if m.named() {
				n++
				var hs []string
				for _, a := range m.List {
					hs = append(hs, a.String())
				}
				fmt.Fprintf(&b, "\tset hosts%d {\n\t\ttype %s\n\t\telements = { %s }\n\t}\n", n, typ, strings.Join(hs, ", "))
			}
		}
	}
	n = 0
	for _, c := range rs.Chains {
		fmt.Fprintf(&b, "\tchain %s {\n", c.Name)
		for _, ru := range c.Rules {
			fmt.Fprintf(&b, "\t\t%s\n", ru.nft(rs.IPv6, &n))
		}
		b.WriteString("\t}\n")
	}
	fmt.Fprintf(&b, "\tchain forward {\n\t\ttype filter hook forward priority 0; policy %s;\n", rs.policy("accept", "drop"))
	for _, ru := range rs.Forward {
		fmt.Fprintf(&b, "\t\t%s\n", ru.nft(rs.IPv6, &n))
	}
	b.WriteString("\t}\n")
	if rs.Late != nil || rs.LateVMap != nil {
		pol := "accept"
		if rs.LatePolicy == Drop {
			pol = "drop"
		}
		fmt.Fprintf(&b, "\tchain late {\n\t\ttype filter hook forward priority 10; policy %s;\n", pol)
		for _, ru := range rs.Late {
			fmt.Fprintf(&b, "\t\t%s\n", ru.nft(rs.IPv6, &n))
		}
		if rs.LateVMap != nil {
			var ps []int
			for p := range rs.LateVMap {
				ps = append(ps, p)
			}
			sort.Ints(ps)
			var es []string
			for _, p := range ps {
				es = append(es, fmt.Sprintf("%d : %s", p, map[Verdict]string{Accept: "accept", Drop: "drop"}[rs.LateVMap[p]]))
			}
			fmt.Fprintf(&b, "\t\ttcp dport vmap { %s }\n", strings.Join(es, ", "))
		}
		b.WriteString("\t}\n")
	}
	b.WriteString("}\n")
	return b.String()
}

func (m AddrMatch) named() bool { return len(m.List) > 0 && m.Named }

// nft renders one rule; sets counts the named sets used so far.
func (ru Rule) nft(v6 bool, sets *int) string {
	var parts []string
	l3 := "ip"
	if v6 {
		l3 = "ip6"
	}
	addr := func(field string, m AddrMatch) {
		switch {
		case m.Prefix.IsValid():
			parts = append(parts, fmt.Sprintf("%s %s %s%s", l3, field, not(m.Not, "!= "), m.Prefix))
		case m.Range[0].IsValid():
			parts = append(parts, fmt.Sprintf("%s %s %s%s-%s", l3, field, not(m.Not, "!= "), m.Range[0], m.Range[1]))
		case m.named():
			*sets++
			parts = append(parts, fmt.Sprintf("%s %s @hosts%d", l3, field, *sets))
		case len(m.List) > 0:
			var hs []string
			for _, a := range m.List {
				hs = append(hs, a.String())
			}
			parts = append(parts, fmt.Sprintf("%s %s { %s }", l3, field, strings.Join(hs, ", ")))
		}
	}
	addr("saddr", ru.Src)
	addr("daddr", ru.Dst)
	for _, m := range []struct {
		key string
		IfaceMatch
	}{{"iifname", ru.In}, {"oifname", ru.Out}} {
		if m.Name != "" {
			parts = append(parts, fmt.Sprintf("%s %s%q", m.key, not(m.Not, "!= "), strings.Replace(m.Name, "+", "*", 1)))
		}
	}
	ports := func(field string, m PortMatch) {
		switch len(m.Ranges) {
		case 0:
		case 1:
			parts = append(parts, fmt.Sprintf("%s %s %s%s", ru.Proto, field, not(m.Not, "!= "), m.Ranges[0].nft()))
		default:
			var ps []string
			for _, pr := range m.Ranges {
				ps = append(ps, pr.nft())
			}
			parts = append(parts, fmt.Sprintf("%s %s %s{ %s }", ru.Proto, field, not(m.Not, "!= "), strings.Join(ps, ", ")))
		}
	}
	if ru.Proto != "" && len(ru.SPort.Ranges)+len(ru.DPort.Ranges) == 0 {
		parts = append(parts, "meta l4proto "+ru.Proto)
	}
	ports("sport", ru.SPort)
	ports("dport", ru.DPort)
	switch ru.State {
	case StateNew:
		parts = append(parts, "ct state new")
	case StateEstablished:
		parts = append(parts, "ct state established,related")
	}
	switch ru.Verdict {
	case Accept:
		parts = append(parts, "accept")
	case Drop:
		parts = append(parts, "drop")
	case Reject:
		if ru.Proto == "tcp" && ru.State != StateEstablished {
			parts = append(parts, "reject with tcp reset")
		} else {
			parts = append(parts, "reject")
		}
	case Return:
		parts = append(parts, "return")
	case Jump:
		parts = append(parts, "jump "+ru.Target)
	case Goto:
		parts = append(parts, "goto "+ru.Target)
	case Log:
		parts = append(parts, `log prefix "guardrail "`)
	}
	if ru.Comment != "" {
		parts = append(parts, fmt.Sprintf("comment %q", ru.Comment))
	}
	return strings.Join(parts, " ")
}

// policy is the forward chain's policy, spelled accept or drop.
func (rs Ruleset) policy(accept, drop string) string {
	if rs.Policy == Drop {
		return drop
	}
	return accept
}
