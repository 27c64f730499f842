package firewall

import "testing"

// TestInterfaceReasoning: with no --in-iface/--out-iface, an interface
// condition that cannot hold never matches and one that must hold matches
// without an assumption (issue 10: "! -i +" was assumed to hold).
func TestInterfaceReasoning(t *testing.T) {
	in := func(name string, not bool) Cond { return Cond{Field: FieldInIface, Iface: name, Not: not} }
	out := func(name string) Cond { return Cond{Field: FieldOutIface, Iface: name} }
	rs := func(rules ...*Rule) *Ruleset {
		return &Ruleset{Tables: []*Table{{Family: FamilyAny, Name: "t", Chains: []*Chain{
			{Name: "fwd", Hook: HookForward, Policy: VerdictDrop, Rules: append([]*Rule{{Label: "est", Conds: []Cond{CtStates(CtEstablished)}, Verdict: Accept}}, rules...)},
		}}}}
	}
	s := Space{Family: FamilyIPv4, Proto: ProtoTCP, Src: MustPrefixSet("10.1.0.2"), Dst: MustPrefixSet("10.2.0.2"), SrcPorts: Port(40000), DstPorts: Port(80)}
	cases := []struct {
		name    string
		rs      *Ruleset
		verdict Outcome
		assumed int
	}{
		{"! -i + never", rs(&Rule{Label: "r", Conds: []Cond{in("+", true)}, Verdict: Accept}), Blocked, 0},
		{"-i + always", rs(&Rule{Label: "r", Conds: []Cond{in("+", false)}, Verdict: Accept}), Allowed, 0},
		{"-i eth+ assumed", rs(&Rule{Label: "r", Conds: []Cond{in("eth+", false)}, Verdict: Accept}), Allowed, 1},
		{"-i eth+ -i eth0 both assumed once", rs(&Rule{Label: "r", Conds: []Cond{in("eth+", false), in("eth0", false)}, Verdict: Accept}), Allowed, 2},
		{"-i eth0 then ! -i eth+ cannot", rs(&Rule{Label: "r", Conds: []Cond{in("eth0", false), in("eth+", true)}, Verdict: Accept}), Blocked, 0},
		{"-i eth0 and -i wlan0 cannot", rs(&Rule{Label: "r", Conds: []Cond{in("eth0", false), in("wlan0", false)}, Verdict: Accept}), Blocked, 0},
		{"! -i eth+ then -i eth1", rs(&Rule{Label: "r", Conds: []Cond{in("eth+", true), in("eth1", false)}, Verdict: Accept}), Blocked, 0},
		{"-o + always", rs(&Rule{Label: "r", Conds: []Cond{out("+")}, Verdict: Accept}), Allowed, 0},
	}
	for _, c := range cases {
		en, _ := NewEngine(c.rs, HookForward)
		j := en.Judge(s)
		if j.Verdict() != c.verdict || (c.verdict == Allowed && len(j.Assumptions) == 0 && c.assumed > 0) || (c.assumed == 0 && len(j.Assumptions) > 0) {
			t.Errorf("%s: %s, assumptions %q; want %s with %d", c.name, j.Verdict(), j.Assumptions, c.verdict, c.assumed)
		}
	}
}

// TestRouterDecidesInterfaces: with the host's routes (live mode) an
// interface condition is decided from the route to the flow's sources and
// destinations, with no assumption.
func TestRouterDecidesInterfaces(t *testing.T) {
	rs := &Ruleset{Tables: []*Table{{Family: FamilyAny, Name: "t", Chains: []*Chain{
		{Name: "fwd", Hook: HookForward, Policy: VerdictDrop, Rules: []*Rule{
			{Label: "est", Conds: []Cond{CtStates(CtEstablished)}, Verdict: Accept},
			{Label: "eth+ to dummy+", Conds: []Cond{{Field: FieldInIface, Iface: "eth+"}, {Field: FieldOutIface, Iface: "dummy+"}}, Verdict: Accept},
		}},
	}}}}
	route := func(s AddrSet) string {
		switch {
		case MustPrefixSet("10.1.0.0/16").Intersect(s).Equal(s):
			return "eth0"
		case MustPrefixSet("10.2.0.0/16").Intersect(s).Equal(s):
			return "dummy1"
		}
		return "wlan0"
	}
	en, _ := NewEngine(rs, HookForward)
	en.SetRouter(route)
	for dst, want := range map[string]Outcome{"10.2.0.5": Allowed, "10.3.0.5": Blocked} {
		j := en.Judge(Space{Family: FamilyIPv4, Proto: ProtoTCP, Src: MustPrefixSet("10.1.0.2"), Dst: MustPrefixSet(dst), SrcPorts: Port(40000), DstPorts: Port(80)})
		if j.Verdict() != want || len(j.Assumptions) != 0 {
			t.Errorf("to %s: %s %q, want %s without assumptions", dst, j.Verdict(), j.Assumptions, want)
		}
	}
}
