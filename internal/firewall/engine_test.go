package firewall

import (
	"testing"
)

// nft semantics built directly in the model: two base chains on one hook.
func twoChains(firstPolicy VerdictKind, firstRules ...*Rule) *Ruleset {
	est := &Rule{Label: "est", Conds: []Cond{CtStates(CtEstablished | CtRelated)}, Verdict: Accept}
	return &Ruleset{Tables: []*Table{{
		Family: FamilyAny, Name: "t",
		Chains: []*Chain{
			{Name: "late", Hook: HookForward, Priority: 10, Policy: VerdictDrop, Rules: []*Rule{
				est,
				{Label: "late web", Conds: []Cond{Protos(ProtoTCP), DstPorts(Port(443))}, Verdict: Accept},
			}},
			{Name: "early", Hook: HookForward, Priority: -10, Policy: firstPolicy, Rules: firstRules},
			{Name: "user", Rules: []*Rule{
				{Label: "user drop 10.0.0.66", Conds: []Cond{SrcAddrs(MustPrefixSet("10.0.0.66"))}, Verdict: Drop},
				{Label: "user return", Verdict: Return},
				{Label: "user unreachable", Verdict: Accept},
			}},
		},
	}}}
}

func TestEngineBaseChainsAndJumps(t *testing.T) {
	v4 := func(src string, port uint16) Space {
		return Space{Family: FamilyIPv4, Proto: ProtoTCP, Src: MustPrefixSet(src), Dst: MustPrefixSet("10.9.0.1"), SrcPorts: Ports(32768, 60999), DstPorts: Port(port)}
	}
	v6 := Space{Family: FamilyIPv6, Proto: ProtoTCP, Src: MustPrefixSet("2001:db8::/64"), Dst: MustPrefixSet("2001:db8:9::1"), SrcPorts: Ports(32768, 60999), DstPorts: Port(443)}
	cases := []struct {
		name    string
		rs      *Ruleset
		s       Space
		verdict Outcome
		rule    string
	}{
		// an accept in the early chain does not end evaluation: late drops 22
		{"accept not final", twoChains(VerdictAccept, &Rule{Label: "early accept", Verdict: Accept}), v4("10.0.0.1", 22), Blocked, "t late policy DROP"},
		{"accept then accept", twoChains(VerdictAccept, &Rule{Label: "early accept", Verdict: Accept}), v4("10.0.0.1", 443), Allowed, "late web"},
		// a drop in the early chain is final
		{"drop final", twoChains(VerdictAccept, &Rule{Label: "early drop", Conds: []Cond{Negate(SrcAddrs(MustPrefixSet("10.0.0.0/8")))}, Verdict: Drop}), v4("192.168.0.0/16", 443), Blocked, "early drop"},
		{"negated miss", twoChains(VerdictAccept, &Rule{Label: "early drop", Conds: []Cond{Negate(SrcAddrs(MustPrefixSet("10.0.0.0/8")))}, Verdict: Drop}), v4("10.0.0.0/8", 443), Allowed, "late web"},
		// jump, drop inside, return
		{"jump partial", twoChains(VerdictAccept, &Rule{Label: "to user", Verdict: Jump("user")}), v4("10.0.0.64/30", 443), Partial, "user drop 10.0.0.66"},
		// goto: the user chain's return ends the calling base chain (policy)
		{"goto return to policy", twoChains(VerdictDrop, &Rule{Label: "goto user", Verdict: Goto("user")}, &Rule{Label: "after goto", Verdict: Accept}), v4("10.0.0.1", 443), Blocked, "t early policy DROP"},
		{"jump return continues", twoChains(VerdictDrop, &Rule{Label: "jump user", Verdict: Jump("user")}, &Rule{Label: "after jump", Verdict: Accept}), v4("10.0.0.1", 443), Allowed, "late web"},
		// family-scoped condition: "ip saddr" never matches IPv6
		{"family cond", twoChains(VerdictAccept, &Rule{Label: "v4 only drop", Conds: []Cond{InFamily(Negate(SrcAddrs(MustPrefixSet("10.0.0.0/8"))), FamilyIPv4)}, Verdict: Drop}), v6, Allowed, "late web"},
		// unknown target
		{"unknown target", twoChains(VerdictAccept, &Rule{Label: "queue", Verdict: UnknownTarget("queue")}), v4("10.0.0.1", 443), Unknown, "queue"},
		// an unmodelled match on a continue rule is harmless
		{"unmodelled log", twoChains(VerdictAccept, &Rule{Label: "log", Unmodelled: []string{"limit"}}), v4("10.0.0.1", 443), Allowed, "late web"},
		// a missing jump target is unknown, not a guess
		{"missing chain", twoChains(VerdictAccept, &Rule{Label: "to nowhere", Verdict: Jump("nowhere")}), v4("10.0.0.1", 443), Unknown, "to nowhere"},
	}
	for _, c := range cases {
		en, err := NewEngine(c.rs, HookForward)
		if err != nil {
			t.Fatal(err)
		}
		j := en.Judge(c.s)
		w := j.Closed
		switch {
		case j.Verdict() == Unknown:
			w = j.Unknown
		case w == nil:
			w = j.Open
		}
		if j.Verdict() != c.verdict || w == nil || w.Rule != c.rule {
			t.Errorf("%s: %s by %+v, want %s by %q", c.name, j.Verdict(), w, c.verdict, c.rule)
		}
	}
}

func TestEngineLoopIsUnknown(t *testing.T) {
	rs := &Ruleset{Tables: []*Table{{Name: "t", Chains: []*Chain{
		{Name: "in", Hook: HookInput, Policy: VerdictAccept, Rules: []*Rule{{Label: "loop", Verdict: Jump("a")}}},
		{Name: "a", Rules: []*Rule{{Label: "a→a", Verdict: Jump("a")}}},
	}}}}
	en, _ := NewEngine(rs, HookInput)
	j := en.Judge(Space{Family: FamilyIPv4, Proto: ProtoUDP, Src: AllAddrs(FamilyIPv4), Dst: MustPrefixSet("192.0.2.1"), SrcPorts: Ports(32768, 60999), DstPorts: Port(53)})
	if j.Verdict() != Unknown {
		t.Errorf("loop: %s", j.Verdict())
	}
}

func TestNewEngineHook(t *testing.T) {
	if _, err := NewEngine(&Ruleset{}, HookPrerouting); err == nil {
		t.Error("prerouting accepted as a flow hook")
	}
}

// Interface conditions are assumed to hold, but consistently: a packet has
// one input interface, so after assuming "-i y" a "-i x" or "! -i y" rule
// cannot match it.
func TestEngineInterfaceAssumptionsConsistent(t *testing.T) {
	iface := func(name string, not bool) Cond { return Cond{Field: FieldInIface, Iface: name, Not: not} }
	rs := &Ruleset{Tables: []*Table{{Name: "filter", Family: FamilyIPv4, Chains: []*Chain{
		{Name: "FORWARD", Hook: HookForward, Policy: VerdictDrop, Rules: []*Rule{
			{Label: "est", Conds: []Cond{CtStates(CtEstablished)}, Verdict: Accept},
			{Label: "udp from x", Conds: []Cond{iface("x", false), Protos(ProtoUDP)}, Verdict: Accept},
			{Label: "from y", Conds: []Cond{iface("y", false)}, Verdict: Jump("c")},
		}},
		{Name: "c", Rules: []*Rule{
			{Label: "from x", Conds: []Cond{iface("x", false)}, Verdict: Accept},
			{Label: "not from y", Conds: []Cond{iface("y", true)}, Verdict: Accept},
			{Label: "from y+", Conds: []Cond{iface("y+", false), DstPorts(Port(22)), Protos(ProtoTCP)}, Verdict: Accept},
		}},
	}}}}
	s := Space{Family: FamilyIPv4, Proto: ProtoTCP, Src: MustPrefixSet("10.0.0.1"), Dst: MustPrefixSet("10.0.0.2"), SrcPorts: Ports(32768, 60999), DstPorts: Ports(22, 23)}
	en, _ := NewEngine(rs, HookForward)
	j := en.Judge(s)
	if j.Verdict() != Partial || j.Closed.Rule != "filter FORWARD policy DROP" || j.Closed.DstPort != 23 || j.Open.Rule != "from y+" {
		t.Errorf("got %s: %s", j.Verdict(), describeJ(j))
	}
	// "-i y+" follows from the assumed "-i y": nothing new is assumed
	if len(j.Assumptions) != 1 || j.Assumptions[0] != "interface condition assumed to hold: -i y (from y)" {
		t.Errorf("assumptions %q", j.Assumptions)
	}
	// with the interfaces given, no assumption
	en, _ = NewEngine(rs, HookForward)
	en.SetInterfaces(Interfaces{In: "x", Out: "z"})
	if j := en.Judge(s); j.Verdict() != Blocked || len(j.Assumptions) != 0 {
		t.Errorf("in=x: %s %q", j.Verdict(), j.Assumptions)
	}
}

func describeJ(j Judgement) string {
	s := ""
	for n, w := range map[string]*Witness{"open": j.Open, "closed": j.Closed, "unknown": j.Unknown} {
		if w != nil {
			s += n + ": " + w.String() + " by " + w.Rule + "; "
		}
	}
	return s
}

func TestProtoName(t *testing.T) {
	for p, want := range map[uint8]string{ProtoTCP: "tcp", ProtoUDP: "udp", ProtoSCTP: "sctp", ProtoICMP: "icmp", ProtoICMPv6: "icmpv6", 50: "esp", 94: "ipip", 250: "proto-250"} {
		if got := ProtoName(p); got != want {
			t.Errorf("ProtoName(%d) = %q, want %q", p, got, want)
		}
	}
	if got := Allowed.String(); got != "allowed" {
		t.Errorf("Allowed.String() = %q", got)
	}
}
