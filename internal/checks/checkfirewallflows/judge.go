package checkfirewallflows

import (
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/flows"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

// FlowResult is one flow's verdict, as the long output and JSON show it.
type FlowResult struct {
	Flow      flows.Flow
	Judgement firewall.Judgement
	Verdict   firewall.Outcome // allowed, blocked, partial, unknown
	// Failing: a required flow with a connection that does not get through,
	// or a forbidden flow with one that does (known, not guessed).
	Failing bool
	// Witness is the connection that shows the verdict: for a failing flow
	// the one that fails; otherwise one that behaves as expected.
	Witness *firewall.Witness
}

// Judge evaluates every flow at the engine's hook, on all cores.
func Judge(en *firewall.Engine, fl []flows.Flow) []FlowResult {
	out := make([]FlowResult, len(fl))
	workers := runtime.GOMAXPROCS(0)
	if workers > len(fl) {
		workers = len(fl)
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				out[i] = judgeFlow(en, fl[i])
			}
		}()
	}
	for i := range fl {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

func judgeFlow(en *firewall.Engine, f flows.Flow) FlowResult {
	var j firewall.Judgement
	for _, fam := range []firewall.Family{firewall.FamilyIPv4, firewall.FamilyIPv6} {
		src, dst := f.Src.Only(fam), f.Dst.Only(fam)
		if src.IsEmpty() || dst.IsEmpty() {
			continue
		}
		for _, s := range f.Services {
			j.Merge(en.Judge(firewall.Space{Family: fam, Proto: s.Proto, Src: src, Dst: dst, SrcPorts: f.SrcPorts, DstPorts: s.Ports}))
		}
	}
	r := FlowResult{Flow: f, Judgement: j, Verdict: j.Verdict()}
	if f.Expect == flows.ExpectDeny {
		r.Failing = j.Open != nil
		r.Witness = pick(r.Failing, j.Open, j.Closed, j.Unknown)
	} else {
		r.Failing = j.Closed != nil
		r.Witness = pick(r.Failing, j.Closed, j.Open, j.Unknown)
	}
	if !r.Failing && j.Unknown != nil {
		r.Witness = j.Unknown
	}
	return r
}

func pick(failing bool, bad, good, unknown *firewall.Witness) *firewall.Witness {
	if failing {
		return bad
	}
	if good != nil {
		return good
	}
	return unknown
}

// Counts are the perfdata.
type Counts struct {
	Flows, Required, Allowed, Blocked, Partial, Unknown, ForbiddenOpen int
	RequiredBlocked, RequiredPartial, RequiredUnknownFailing           int
	Failing                                                            int
	UnknownOnly                                                        int // unknown and not known to fail
}

// Count tallies results.
func Count(rs []FlowResult) Counts {
	var c Counts
	c.Flows = len(rs)
	for _, r := range rs {
		switch r.Verdict {
		case firewall.Allowed:
			c.Allowed++
		case firewall.Blocked:
			c.Blocked++
		case firewall.Partial:
			c.Partial++
		default:
			c.Unknown++
		}
		if r.Failing {
			c.Failing++
		} else if r.Verdict == firewall.Unknown {
			c.UnknownOnly++
		}
		if r.Flow.Expect == flows.ExpectDeny {
			if r.Failing {
				c.ForbiddenOpen++
			}
			continue
		}
		c.Required++
		if r.Failing {
			switch r.Verdict {
			case firewall.Blocked:
				c.RequiredBlocked++
			case firewall.Partial:
				c.RequiredPartial++
			default:
				c.RequiredUnknownFailing++
			}
		}
	}
	return c
}

// Report turns the results into the plugin result: any failing flow is
// CRITICAL (or as -w/-c on the number of failing flows say), unknown
// verdicts are UNKNOWN unless something is worse.
func Report(rs []FlowResult, th plugin.Thresholds, verbose int, notes []string) plugin.Result {
	c := Count(rs)
	var res plugin.Result
	switch {
	case th.IsSet():
		res.Status = th.Judge(float64(c.Failing))
	case c.Failing > 0:
		res.Status = plugin.Critical
	default:
		res.Status = plugin.OK
	}
	if c.UnknownOnly > 0 && res.Status == plugin.OK {
		res.Status = plugin.Unknown
	}

	var parts []string
	var failing []string
	for _, f := range []struct {
		n    int
		what string
	}{{c.RequiredBlocked, "blocked"}, {c.RequiredPartial, "partial"}, {c.RequiredUnknownFailing, "failing in part (rest unknown)"}} {
		if f.n == 0 {
			continue
		}
		if len(failing) == 0 {
			failing = append(failing, fmt.Sprintf("%d of %d required %s %s", f.n, c.Required, plural(c.Required, "flow", "flows"), f.what))
		} else {
			failing = append(failing, fmt.Sprintf("%d %s", f.n, f.what))
		}
	}
	if len(failing) > 0 {
		parts = append(parts, strings.Join(failing, ", "))
	}
	if c.ForbiddenOpen > 0 {
		parts = append(parts, fmt.Sprintf("%d forbidden %s open", c.ForbiddenOpen, plural(c.ForbiddenOpen, "flow", "flows")))
	}
	if c.UnknownOnly > 0 {
		parts = append(parts, fmt.Sprintf("%d %s unknown", c.UnknownOnly, plural(c.UnknownOnly, "flow", "flows")))
	}
	if len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("all %d flows as expected (%d required open, %d forbidden closed)", c.Flows, c.Required, c.Flows-c.Required))
	}
	res.Summary = strings.Join(parts, "; ")
	res.Perf = []plugin.Perf{
		plugin.Count("flows", c.Flows, plugin.Thresholds{}),
		plugin.Count("allowed", c.Allowed, plugin.Thresholds{}),
		plugin.Count("blocked", c.Blocked, plugin.Thresholds{}),
		plugin.Count("partial", c.Partial, plugin.Thresholds{}),
		plugin.Count("forbidden_open", c.ForbiddenOpen, plugin.Thresholds{}),
		plugin.Count("unknown", c.Unknown, plugin.Thresholds{}),
	}
	if th.IsSet() {
		res.Perf = append(res.Perf, plugin.Count("failing", c.Failing, th))
	}

	// Long output: problems first, then the rest, each in file order.
	var bad, good []string
	items := make([]Item, 0, len(rs))
	for _, r := range rs {
		line := longLine(r, verbose)
		switch {
		case r.Failing || r.Verdict == firewall.Unknown:
			bad = append(bad, line)
		default:
			good = append(good, line)
		}
		items = append(items, item(r))
	}
	res.Long = append(bad, good...)
	res.Long = append(res.Long, notes...)
	if verbose > 0 {
		seen := map[string]bool{}
		for _, r := range rs {
			for _, a := range r.Judgement.Assumptions {
				if !seen[a] {
					seen[a] = true
					res.Long = append(res.Long, "assumption: "+a)
				}
			}
		}
	}
	res.Items = items
	return res
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func longLine(r FlowResult, verbose int) string {
	mark := "OK"
	switch {
	case r.Failing:
		mark = "CRITICAL"
	case r.Verdict == firewall.Unknown:
		mark = "UNKNOWN"
	}
	s := fmt.Sprintf("%s %s: %s (expect %s)", mark, r.Flow.ID(), r.Verdict, r.Flow.Expect)
	if n := len(r.Judgement.Assumptions); n > 0 {
		// A verdict that rests on assumed interface conditions says so.
		s += fmt.Sprintf(", assuming %d interface %s (-v lists them)", n, plural(n, "condition", "conditions"))
	}
	w := r.Witness
	if w == nil {
		return s
	}
	if r.Failing || r.Verdict == firewall.Unknown || verbose > 0 {
		s += ": " + witnessText(w)
	}
	if verbose > 1 {
		var svcs []string
		for _, sv := range r.Flow.Services {
			svcs = append(svcs, sv.String())
		}
		s += fmt.Sprintf(" [flow %s:%d: %s → %s, %s]", r.Flow.File, r.Flow.Line, r.Flow.Src, r.Flow.Dst, strings.Join(svcs, " "))
	}
	return s
}

func witnessText(w *firewall.Witness) string {
	s := w.String()
	switch {
	case w.Reason != "" && w.Rule == "":
		s += " unknown: " + w.Reason
	case w.Reason != "":
		s += " unknown at " + w.Phase + ": " + w.Rule + " (" + w.Reason + ")"
	case w.Phase != "":
		s += " dropped at " + w.Phase + " by " + w.Rule
	case w.Rule != "":
		s += " accepted by " + w.Rule
	default:
		s += " accepted (no rule: chain policies)"
	}
	if w.Pos.File != "" && w.Pos.Line > 0 {
		s += " [" + w.Pos.String() + "]"
	}
	return s
}

// Item is one flow in --format json.
type Item struct {
	Application string `json:"application"`
	Flow        string `json:"flow"`
	Expect      string `json:"expect"`
	Verdict     string `json:"verdict"`
	Failing     bool   `json:"failing"`
	Rule        string `json:"rule"`
	Witness     string `json:"witness"`
	Phase       string `json:"phase,omitempty"`
	Reason      string `json:"reason,omitempty"`
	Where       string `json:"where,omitempty"`
	// Assumptions the verdict rests on (interface conditions).
	Assumptions []string `json:"assumptions,omitempty"`
}

func item(r FlowResult) Item {
	it := Item{Application: r.Flow.App, Flow: r.Flow.Name, Expect: r.Flow.Expect.String(), Verdict: string(r.Verdict), Failing: r.Failing, Assumptions: r.Judgement.Assumptions}
	if w := r.Witness; w != nil {
		it.Rule, it.Witness, it.Phase, it.Reason = w.Rule, w.String(), w.Phase, w.Reason
		if w.Pos.File != "" {
			it.Where = w.Pos.String()
		}
	}
	return it
}
