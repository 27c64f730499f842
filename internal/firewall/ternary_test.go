package firewall

import (
	"strings"
	"testing"
)

// TestBothWays: a rule whose match is not modelled (limit, quota ...) is
// followed matched and not matched; the verdict is definite where both
// agree, unknown (naming the rule) only where they differ (issue 10).
func TestBothWays(t *testing.T) {
	est := &Rule{Label: "est", Conds: []Cond{CtStates(CtEstablished)}, Verdict: Accept}
	limit := func(label string, v Verdict, conds ...Cond) *Rule {
		return &Rule{Label: label, Conds: conds, Verdict: v, Unmodelled: []string{"-m limit --limit 5/s"}}
	}
	rs := func(policy VerdictKind, rules ...*Rule) *Ruleset {
		return &Ruleset{Tables: []*Table{{Family: FamilyAny, Name: "t", Chains: []*Chain{
			{Name: "fwd", Hook: HookForward, Policy: policy, Rules: rules},
			{Name: "user", Rules: []*Rule{{Label: "user drop 10.2.0.3", Conds: []Cond{DstAddrs(MustPrefixSet("10.2.0.3"))}, Verdict: Drop}}},
		}}}}
	}
	space := func(dst string, port uint16) Space {
		return Space{Family: FamilyIPv4, Proto: ProtoTCP, Src: MustPrefixSet("10.1.0.0/24"), Dst: MustPrefixSet(dst), SrcPorts: Ports(32768, 60999), DstPorts: Port(port)}
	}
	cases := []struct {
		name    string
		rs      *Ruleset
		s       Space
		verdict Outcome
		rule    string // of the deciding witness
	}{
		{"accept either way", rs(VerdictDrop, est, limit("lim", Accept), &Rule{Label: "all", Verdict: Accept}), space("10.2.0.2", 80), Allowed, ""},
		{"drop either way", rs(VerdictDrop, est, limit("lim", Accept, DstPorts(Port(22)), Protos(ProtoTCP))), space("10.2.0.2", 80), Blocked, "t fwd policy DROP"},
		{"differs", rs(VerdictAccept, limit("lim", Drop)), space("10.2.0.2", 80), Unknown, "lim"},
		{"differs in part", rs(VerdictDrop, est, limit("lim", Accept), &Rule{Label: "to .2", Conds: []Cond{DstAddrs(MustPrefixSet("10.2.0.2"))}, Verdict: Accept}), space("10.2.0.2/31", 80), Unknown, "lim"},
		{"definite part open", rs(VerdictDrop, est, limit("lim", Accept), &Rule{Label: "to .2", Conds: []Cond{DstAddrs(MustPrefixSet("10.2.0.2"))}, Verdict: Accept}), space("10.2.0.2", 80), Allowed, ""},
		{"jump either way", rs(VerdictAccept, limit("lim", Jump("user"))), space("10.2.0.2", 80), Allowed, ""},
		{"jump differs", rs(VerdictAccept, limit("lim", Jump("user"))), space("10.2.0.3", 80), Unknown, "lim"},
		{"the reply either way", rs(VerdictDrop, limit("lim est", Accept, CtStates(CtEstablished)), &Rule{Label: "all", Verdict: Accept}), space("10.2.0.2", 80), Allowed, ""},
		{"unknown target stays unknown", rs(VerdictAccept, &Rule{Label: "queue", Verdict: UnknownTarget("queue")}), space("10.2.0.2", 80), Unknown, "queue"},
	}
	for _, c := range cases {
		en, _ := NewEngine(c.rs, HookForward)
		j := en.Judge(c.s)
		got := j.Verdict()
		if got != c.verdict {
			t.Errorf("%s: %s, want %s (open %v closed %v unknown %v)", c.name, got, c.verdict, j.Open, j.Closed, j.Unknown)
			continue
		}
		if w := j.Witness(got); c.rule != "" && (w == nil || !strings.Contains(w.Rule, c.rule)) {
			t.Errorf("%s: witness %+v, want rule %q", c.name, w, c.rule)
		}
		if got == Unknown && !strings.Contains(j.Unknown.Reason, "limit") && c.rule == "lim" {
			t.Errorf("%s: reason %q does not name the match", c.name, j.Unknown.Reason)
		}
	}
}

// TestBothWaysBounded: many unevaluable jumps in a row stay bounded.
func TestBothWaysBounded(t *testing.T) {
	var rules []*Rule
	for i := 0; i < 40; i++ {
		rules = append(rules, &Rule{Label: "lim", Verdict: Jump("user"), Unmodelled: []string{"-m limit"}})
	}
	rs := &Ruleset{Tables: []*Table{{Family: FamilyAny, Name: "t", Chains: []*Chain{
		{Name: "fwd", Hook: HookForward, Policy: VerdictAccept, Rules: rules},
		{Name: "user", Rules: []*Rule{{Label: "count", Verdict: Continue}}},
	}}}}
	en, _ := NewEngine(rs, HookForward)
	j := en.Judge(Space{Family: FamilyIPv4, Proto: ProtoTCP, Src: MustPrefixSet("10.1.0.1"), Dst: MustPrefixSet("10.2.0.1"), SrcPorts: Port(40000), DstPorts: Port(80)})
	if v := j.Verdict(); v != Allowed && v != Unknown {
		t.Errorf("verdict %s", v)
	}
}
