package kerneltest

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"
)

// Ports are the TCP ports generated rulesets and flows talk about; a
// Topology for them must listen on all of them.
var Ports = []int{22, 80, 81, 443, 8080}

// Verdict is what a rule does with a packet it matches.
type Verdict int

// The verdicts a generated rule can have.
const (
	Accept Verdict = iota
	Drop
	Reject
	Return
	Jump // to Rule.Target
	Goto // to Rule.Target
	Log  // log and go on with the next rule
)

// State is a conntrack state match.
type State int

// The conntrack matches a generated rule can have.
const (
	AnyState         State = iota
	StateNew               // --ctstate NEW / ct state new
	StateEstablished       // --ctstate RELATED,ESTABLISHED / ct state established,related
)

// AddrMatch matches a source or destination prefix, or anything when
// Prefix is not valid.
type AddrMatch struct {
	Prefix netip.Prefix
	// Range, when Prefix is not valid but Range[0] is: an address range
	// (-m iprange / nft a-b).
	Range [2]netip.Addr
	// List, when neither Prefix nor Range is set: any of these hosts
	// (iptables -s a,b; nft an anonymous set, or a named one if Named).
	List  []netip.Addr
	Named bool
	Not   bool
}

// IfaceMatch matches the router's interface a packet came in on or goes
// out of (FWSrcIface, FWDstIface, or "to-+" for both); "" matches any.
type IfaceMatch struct {
	Name string
	Not  bool
}

// PortRange is an inclusive TCP/UDP port range.
type PortRange struct{ From, To int }

// PortMatch matches a port in any of Ranges (none: any port).
type PortMatch struct {
	Ranges []PortRange
	Not    bool
}

// Rule is one generated filter rule; it means the same in both renderings.
type Rule struct {
	Src, Dst     AddrMatch
	Proto        string // "", "tcp" or "udp"; set whenever ports are matched
	DPort, SPort PortMatch
	State        State
	Verdict      Verdict
	Target       string // chain of Jump and Goto
	Comment      string // -m comment / nft comment: no effect on the verdict
	In, Out      IfaceMatch
}

// Chain is a user chain, reached only by Jump or Goto.
type Chain struct {
	Name  string
	Rules []Rule
}

// Ruleset is one forward-hook filter ruleset with the same meaning as
// iptables-restore input (IPTables) and as an nft script (NFT).
type Ruleset struct {
	Name      string
	IPv6      bool
	Policy    Verdict // Accept or Drop
	Forward   []Rule
	Chains    []Chain
	NFTFamily string // ip, ip6 or inet
	// Late, nft only: a second base chain on the forward hook (priority
	// 10) that still sees what the first accepted. Rulesets with one have
	// no iptables twin (see WithLateChain).
	Late       []Rule
	LatePolicy Verdict
	// LateVMap, nft only: port → Accept or Drop, one verdict-map rule
	// ("tcp dport vmap { ... }") at the end of the late chain.
	LateVMap map[int]Verdict
}

// Generate makes the seed's ruleset: a few rules over a small universe of
// hosts and ports, with accepts, drops, rejects, NEW-only accepts with and
// without an ESTABLISHED rule, user chains with RETURN, negations, port
// ranges and port lists. It returns the universe of source and destination
// hosts and ports it used, for the flows.
func Generate(seed uint64) (rs Ruleset, srcs, dsts []netip.Addr, ports []int) {
	r := rand.New(rand.NewPCG(seed, 0x6b65726e656c))
	rs = Ruleset{Name: fmt.Sprintf("gen%03d", seed), IPv6: seed%5 == 4}
	allSrc, allDst := SrcAddrs4, DstAddrs4
	if rs.IPv6 {
		allSrc, allDst = SrcAddrs6, DstAddrs6
	}
	srcs = allSrc[:2+r.IntN(3)]
	dsts = allDst[:2+r.IntN(3)]
	perm := r.Perm(len(Ports))[:3+r.IntN(3)]
	for _, i := range perm {
		ports = append(ports, Ports[i])
	}
	sort.Ints(ports)
	switch {
	case seed%2 == 0:
		rs.NFTFamily = "inet"
	case rs.IPv6:
		rs.NFTFamily = "ip6"
	default:
		rs.NFTFamily = "ip"
	}
	g := &generator{r: r, srcs: srcs, dsts: dsts, ports: ports, allSrc: allSrc, allDst: allDst}
	rs.Policy = Accept
	if r.IntN(3) > 0 {
		rs.Policy = Drop
	}
	total := 3 + r.IntN(13)
	nchains := 0
	if total >= 5 {
		nchains = r.IntN(3)
	}
	for i := 0; i < nchains; i++ {
		rs.Chains = append(rs.Chains, Chain{Name: fmt.Sprintf("user%d", i+1)})
	}
	// Rules are spread over the forward chain and the user chains; a user
	// chain only jumps to later ones, so there are no loops.
	for i := 0; i < total; i++ {
		c := r.IntN(nchains + 2)
		if c >= nchains+1 || c == 0 || nchains == 0 {
			rs.Forward = append(rs.Forward, g.rule(rs.Chains, -1))
		} else {
			rs.Chains[c-1].Rules = append(rs.Chains[c-1].Rules, g.rule(rs.Chains, c-1))
		}
	}
	// Every user chain is reached from the forward chain at least once.
	for _, ch := range rs.Chains {
		j := g.rule(nil, -1)
		j.Verdict, j.Target = Jump, ch.Name
		if r.IntN(4) == 0 {
			j.Verdict = Goto
		}
		at := r.IntN(len(rs.Forward) + 1)
		rs.Forward = append(rs.Forward[:at], append([]Rule{j}, rs.Forward[at:]...)...)
	}
	// An ESTABLISHED rule, most often first, sometimes later, sometimes
	// missing (then NEW-only accepts let a SYN through and nothing else).
	if r.IntN(10) < 7 {
		est := Rule{State: StateEstablished, Verdict: Accept}
		// Sometimes only one direction: replies alone still leave the
		// client's own packets after the SYN to the other rules.
		switch k := r.IntN(10); {
		case k < 2:
			est.Dst = AddrMatch{Prefix: side(allSrc[0])}
		case k < 3:
			est.Dst = AddrMatch{Prefix: side(allDst[0])}
		}
		at := 0
		if r.IntN(3) == 0 {
			at = r.IntN(len(rs.Forward) + 1)
		}
		rs.Forward = append(rs.Forward[:at], append([]Rule{est}, rs.Forward[at:]...)...)
	}
	return rs, srcs, dsts, ports
}

// WithLateChain returns rs with a second base chain on the forward hook,
// made from the seed: a few rules and a verdict map, after which the
// packet meets the late chain's policy. Only NFT renders it.
func WithLateChain(rs Ruleset, seed uint64, srcs, dsts []netip.Addr, ports []int) Ruleset {
	r := rand.New(rand.NewPCG(seed, 0x6c617465))
	allSrc, allDst := SrcAddrs4, DstAddrs4
	if rs.IPv6 {
		allSrc, allDst = SrcAddrs6, DstAddrs6
	}
	g := &generator{r: r, srcs: srcs, dsts: dsts, ports: ports, allSrc: allSrc, allDst: allDst}
	rs.Name += "-late"
	rs.LatePolicy = Accept
	if r.IntN(3) == 0 {
		rs.LatePolicy = Drop
	}
	if rs.LatePolicy == Drop || r.IntN(2) == 0 {
		// Without it a late drop policy would also drop every reply.
		rs.Late = append(rs.Late, Rule{State: StateEstablished, Verdict: Accept})
	}
	for i := 0; i < 1+r.IntN(4); i++ {
		ru := g.rule(nil, -1)
		if ru.Verdict == Jump || ru.Verdict == Goto || ru.Verdict == Return {
			ru.Verdict = Drop
		}
		rs.Late = append(rs.Late, ru)
	}
	if r.IntN(2) == 0 {
		rs.LateVMap = map[int]Verdict{}
		for _, i := range r.Perm(len(ports))[:2] {
			rs.LateVMap[ports[i]] = []Verdict{Accept, Drop}[r.IntN(2)]
		}
	}
	return rs
}

// side is the whole subnet of a topology host: its /24 or /64.
func side(a netip.Addr) netip.Prefix {
	if a.Is6() {
		return netip.PrefixFrom(a, 64).Masked()
	}
	return netip.PrefixFrom(a, 24).Masked()
}

type generator struct {
	r              *rand.Rand
	srcs, dsts     []netip.Addr
	allSrc, allDst []netip.Addr
	ports          []int
}

// rule makes one rule; in is the index of the user chain it goes into (-1:
// forward), which bounds its jumps and allows RETURN.
func (g *generator) rule(chains []Chain, in int) Rule {
	r := g.r
	var ru Rule
	switch d := r.IntN(20); {
	case d < 13: // the flows' direction
		ru.Src, ru.Dst = g.addr(g.srcs, g.allSrc), g.addr(g.dsts, g.allDst)
		ru.DPort = g.portMatch()
	case d < 16: // the replies' direction
		ru.Src, ru.Dst = g.addr(g.dsts, g.allDst), g.addr(g.srcs, g.allSrc)
		ru.SPort = g.portMatch()
	default:
		if r.IntN(2) == 0 {
			ru.DPort = g.portMatch()
		}
	}
	if len(ru.Src.List)+len(ru.Dst.List) > 0 {
		// iptables allows no "!" on a rule with an address list.
		ru.Src.Not, ru.Dst.Not = false, false
	}
	for _, m := range []*IfaceMatch{&ru.In, &ru.Out} {
		if r.IntN(6) == 0 {
			m.Name = []string{FWSrcIface, FWDstIface, "to-+"}[r.IntN(3)]
			m.Not = r.IntN(5) == 0
		}
	}
	if len(ru.DPort.Ranges)+len(ru.SPort.Ranges) > 0 || r.IntN(4) == 0 {
		ru.Proto = "tcp"
		if r.IntN(12) == 0 {
			ru.Proto = "udp" // never matches the probes
		}
	}
	switch s := r.IntN(20); {
	case s < 6:
		ru.State = StateNew
	case s < 8:
		ru.State = StateEstablished
	}
	var later []string
	for i := in + 1; i < len(chains); i++ {
		later = append(later, chains[i].Name)
	}
	switch v := r.IntN(20); {
	case v < 8:
		ru.Verdict = Accept
	case v < 9:
		ru.Verdict = Log
	case v < 13:
		ru.Verdict = Drop
	case v < 16:
		ru.Verdict = Reject
	case v < 18 && in >= 0:
		ru.Verdict = Return
	case len(later) > 0:
		ru.Verdict, ru.Target = Jump, later[r.IntN(len(later))]
	default:
		ru.Verdict = Accept
	}
	if r.IntN(10) == 0 {
		ru.Comment = "generated rule"
	}
	return ru
}

// addr matches anything (often), one host of the universe, a small prefix
// around universe hosts, or the whole side; sometimes negated.
func (g *generator) addr(universe, all []netip.Addr) AddrMatch {
	r := g.r
	var m AddrMatch
	switch k := r.IntN(10); {
	case k < 4:
		return m
	case k < 7:
		a := universe[r.IntN(len(universe))]
		m.Prefix = netip.PrefixFrom(a, a.BitLen())
	case k < 9:
		a := universe[r.IntN(len(universe))]
		bits := a.BitLen() - 1 - r.IntN(2)
		m.Prefix = netip.PrefixFrom(a, bits).Masked()
	default:
		switch r.IntN(3) {
		case 0:
			m.Prefix = side(all[0])
		case 1:
			i, j := r.IntN(len(universe)), r.IntN(len(universe))
			if universe[j].Less(universe[i]) {
				i, j = j, i
			}
			m.Range = [2]netip.Addr{universe[i], universe[j]}
		default:
			for _, i := range r.Perm(len(universe))[:2] {
				m.List = append(m.List, universe[i])
			}
			m.Named = r.IntN(2) == 0
			return m // iptables cannot negate a list
		}
	}
	m.Not = r.IntN(5) == 0
	return m
}

// portMatch: any port, one port, a range, or a list of ports and ranges;
// sometimes negated.
func (g *generator) portMatch() PortMatch {
	r := g.r
	var m PortMatch
	one := func() PortRange { p := g.ports[r.IntN(len(g.ports))]; return PortRange{p, p} }
	switch k := r.IntN(10); {
	case k < 2:
		return m
	case k < 6:
		m.Ranges = []PortRange{one()}
	case k < 8:
		a, b := g.ports[r.IntN(len(g.ports))], g.ports[r.IntN(len(g.ports))]
		if a > b {
			a, b = b, a
		}
		if r.IntN(3) == 0 {
			a -= 1 + r.IntN(5)
		}
		m.Ranges = []PortRange{{a, b}}
	default:
		seen := map[int]bool{}
		for i := 0; i < 2+r.IntN(2); i++ {
			p := g.ports[r.IntN(len(g.ports))]
			if !seen[p] {
				seen[p] = true
				m.Ranges = append(m.Ranges, PortRange{p, p})
			}
		}
		sort.Slice(m.Ranges, func(i, j int) bool { return m.Ranges[i].From < m.Ranges[j].From })
		// Merge neighbours (80, 81 → 80:81): nft refuses overlapping
		// intervals, and a range inside a list is worth testing anyway.
		merged := m.Ranges[:1]
		for _, pr := range m.Ranges[1:] {
			if last := &merged[len(merged)-1]; pr.From == last.To+1 {
				last.To = pr.To
			} else {
				merged = append(merged, pr)
			}
		}
		m.Ranges = merged
	}
	m.Not = r.IntN(5) == 0
	return m
}
