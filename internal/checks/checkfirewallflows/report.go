package checkfirewallflows

import (
	"fmt"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

// Scope is what the verdict was reached on, for the long output: the
// ruleset's source, the hook, and why the live host's routes could not be
// read (nil when they were, or were not needed).
type Scope struct {
	Ruleset   string
	Hook      firewall.Hook
	RoutesErr error
	// Device: Ruleset is a device's configuration, judged on each flow's
	// path (no hook); Notes are its reader's notes.
	Device bool
	Notes  []FileNote
}

// Report writes a verdict as the plugin result: the status line counts the
// failing and unknown flows, the long output lists problems first, then
// the rest, each in file order, then the scope and the probe.
func Report(v Verdict, scope Scope, verbose int) plugin.Result {
	c, rs, th := v.Counts, v.Flows, v.Failing
	res := plugin.Result{Status: v.Status}

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
			failing = append(failing, fmt.Sprintf("%d of %d required %s %s", f.n, c.Required, plugin.Plural(c.Required, "flow", "flows"), f.what))
		} else {
			failing = append(failing, fmt.Sprintf("%d %s", f.n, f.what))
		}
	}
	if len(failing) > 0 {
		parts = append(parts, strings.Join(failing, ", "))
	}
	if c.ForbiddenOpen > 0 {
		parts = append(parts, fmt.Sprintf("%d forbidden %s open", c.ForbiddenOpen, plugin.Plural(c.ForbiddenOpen, "flow", "flows")))
	}
	if c.UnknownOnly > 0 {
		parts = append(parts, fmt.Sprintf("%d %s unknown", c.UnknownOnly, plugin.Plural(c.UnknownOnly, "flow", "flows")))
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
	if scope.RoutesErr != nil {
		res.Long = append(res.Long, "interfaces assumed: "+scope.RoutesErr.Error())
	}
	if scope.Device {
		res.Long = append(res.Long, "device: "+scope.Ruleset)
		// Lines that can change a verdict always show; the others with -v.
		for _, n := range scope.Notes {
			if n.Affects || verbose > 0 {
				res.Long = append(res.Long, "config line not modelled: "+n.String())
			}
		}
	} else {
		res.Long = append(res.Long, "ruleset: "+scope.Ruleset+", hook "+scope.Hook.String())
	}
	if p := v.Probe; p != nil {
		res.Long = append(res.Long, fmt.Sprintf("probe: %d connections tried, %d disagree with the rules", p.Tried, len(p.Disagreements)))
		for _, d := range p.Disagreements {
			res.Long = append(res.Long, fmt.Sprintf("PROBE DISAGREES %s: %s: rules say %s, connect %s", d.Flow, d.Conn, d.Engine, d.Kernel))
		}
	}
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
	if p := v.Probe; p != nil {
		res.Perf = append(res.Perf, plugin.Count("probe_disagree", len(p.Disagreements), plugin.Thresholds{}))
		if n := len(p.Disagreements); n > 0 {
			res.Summary += fmt.Sprintf("; %d probe %s", n, plugin.Plural(n, "disagrees with the rules", "disagree with the rules"))
		}
	}
	return res
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
	if r.NoPath != "" {
		return s + ": no path through the device: " + r.NoPath
	}
	if r.Route != "" && (r.Failing || r.Verdict == firewall.Unknown || verbose > 0) {
		s += " via " + r.Route
	}
	if n := len(r.Judgement.Assumptions); n > 0 {
		// A verdict that rests on assumed interface conditions says so.
		s += fmt.Sprintf(", assuming %d interface %s (-v lists them)", n, plugin.Plural(n, "condition", "conditions"))
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
	// Path is the flow's way through a device; NoPath why it has none.
	Path   string `json:"path,omitempty"`
	NoPath string `json:"no_path,omitempty"`
	// decided is the witness and the deciding rule as the long output
	// says them, for the JUnit failure message.
	decided string
}

func item(r FlowResult) Item {
	it := Item{Application: r.Flow.App, Flow: r.Flow.Name, Expect: r.Flow.Expect.String(), Verdict: string(r.Verdict), Failing: r.Failing, Assumptions: r.Judgement.Assumptions,
		Path: r.Route, NoPath: r.NoPath}
	if r.NoPath != "" {
		it.decided = "no path through the device: " + r.NoPath
	}
	if w := r.Witness; w != nil {
		it.Rule, it.Witness, it.Phase, it.Reason = w.Rule, w.String(), w.Phase, w.Reason
		it.decided = witnessText(w)
		if w.Pos.File != "" {
			it.Where = w.Pos.String()
		}
	}
	return it
}

// MetricLabels names the flow in --format openmetrics -v: its application
// and flow, a set the flows file fixes.
func (it Item) MetricLabels() map[string]string {
	return map[string]string{"application": it.Application, "flow": it.Flow, "expect": it.Expect}
}

// TestCase is the flow as a JUnit test case: failing when the verdict is
// not what the flow expects, skipped when the engine could not decide it;
// the message gives the verdict, the witness and the deciding rule.
func (it Item) TestCase() plugin.TestCase {
	tc := plugin.TestCase{Name: it.Flow, Class: it.Application, Failure: it.Failing,
		Skipped: !it.Failing && it.Verdict == string(firewall.Unknown)}
	if !tc.Failure && !tc.Skipped {
		return tc
	}
	tc.Message = it.Verdict + " (expect " + it.Expect + ")"
	if it.decided != "" {
		tc.Message += ": " + it.decided
	}
	return tc
}
