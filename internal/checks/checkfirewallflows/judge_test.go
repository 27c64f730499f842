package checkfirewallflows

import (
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/flows"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

// result builds a FlowResult from what the engine found: open, closed,
// unknown connections.
func result(expect flows.Expect, open, closed, unknown bool) FlowResult {
	w := &firewall.Witness{}
	var j firewall.Judgement
	if open {
		j.Open = w
	}
	if closed {
		j.Closed = w
	}
	if unknown {
		j.Unknown = w
	}
	r := FlowResult{Flow: flows.Flow{App: "A", Name: "f", Expect: expect}, Judgement: j, Verdict: j.Verdict()}
	if expect == flows.ExpectDeny {
		r.Failing = open
	} else {
		r.Failing = closed
	}
	return r
}

func TestReportStatus(t *testing.T) {
	allow, deny := flows.ExpectAllow, flows.ExpectDeny
	ok := result(allow, true, false, false)
	blocked := result(allow, false, true, false)
	partial := result(allow, true, true, false)
	unknown := result(allow, true, false, true)
	blockedOrUnknown := result(allow, false, true, true) // some blocked for sure
	denyOK := result(deny, false, true, false)
	denyOpen := result(deny, true, false, false)
	denyUnknown := result(deny, false, true, true)
	th := func(w, c string) plugin.Thresholds {
		x, err := plugin.ParseThresholds(w, c)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	cases := []struct {
		name    string
		rs      []FlowResult
		th      plugin.Thresholds
		status  plugin.Status
		summary string
	}{
		{"all ok", []FlowResult{ok, denyOK}, plugin.Thresholds{}, plugin.OK, "all 2 flows as expected (1 required open, 1 forbidden closed)"},
		{"blocked", []FlowResult{ok, blocked}, plugin.Thresholds{}, plugin.Critical, "1 of 2 required flows blocked"},
		{"partial and open", []FlowResult{partial, blocked, denyOpen}, plugin.Thresholds{}, plugin.Critical, "1 of 2 required flows blocked, 1 partial; 1 forbidden flow open"},
		{"unknown only", []FlowResult{ok, unknown, denyUnknown}, plugin.Thresholds{}, plugin.Unknown, "2 flows unknown"},
		{"critical beats unknown", []FlowResult{blocked, unknown}, plugin.Thresholds{}, plugin.Critical, "1 of 2 required flows blocked; 1 flow unknown"},
		{"known failure inside unknown", []FlowResult{blockedOrUnknown}, plugin.Thresholds{}, plugin.Critical, "1 of 1 required flow failing in part (rest unknown)"},
		{"thresholds soften", []FlowResult{blocked, ok}, th("1", "2"), plugin.OK, "1 of 2 required flows blocked"},
		{"thresholds warn", []FlowResult{blocked, partial}, th("1", "2"), plugin.Warning, "1 of 2 required flows blocked, 1 partial"},
		{"thresholds critical", []FlowResult{blocked, partial, denyOpen}, th("1", "2"), plugin.Critical, "1 of 2 required flows blocked, 1 partial; 1 forbidden flow open"},
		{"thresholds and unknown", []FlowResult{blocked, unknown}, th("1", "2"), plugin.Unknown, "1 of 2 required flows blocked; 1 flow unknown"},
	}
	for _, c := range cases {
		res := Report(c.rs, c.th, 0, nil)
		if res.Status != c.status || res.Summary != c.summary {
			t.Errorf("%s: %v %q, want %v %q", c.name, res.Status, res.Summary, c.status, c.summary)
		}
	}
}

func TestCountPerfdata(t *testing.T) {
	rs := []FlowResult{
		result(flows.ExpectAllow, true, false, false),
		result(flows.ExpectAllow, false, true, false),
		result(flows.ExpectAllow, true, true, false),
		result(flows.ExpectDeny, true, false, false),
		result(flows.ExpectAllow, true, false, true),
	}
	c := Count(rs)
	want := Counts{Flows: 5, Required: 4, Allowed: 2, Blocked: 1, Partial: 1, Unknown: 1, ForbiddenOpen: 1, RequiredBlocked: 1, RequiredPartial: 1, Failing: 3, UnknownOnly: 1}
	if c != want {
		t.Errorf("got %+v\nwant %+v", c, want)
	}
}
