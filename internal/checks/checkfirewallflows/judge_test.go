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

var (
	ok               = result(flows.ExpectAllow, true, false, false)
	blocked          = result(flows.ExpectAllow, false, true, false)
	partial          = result(flows.ExpectAllow, true, true, false)
	unknown          = result(flows.ExpectAllow, true, false, true)
	blockedOrUnknown = result(flows.ExpectAllow, false, true, true) // some blocked for sure
	denyOK           = result(flows.ExpectDeny, false, true, false)
	denyOpen         = result(flows.ExpectDeny, true, false, false)
	denyUnknown      = result(flows.ExpectDeny, false, true, true)
)

func thresholds(t *testing.T, w, c string) plugin.Thresholds {
	t.Helper()
	x, err := plugin.ParseThresholds(w, c)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestJudgeStatus(t *testing.T) {
	one := &ProbeOutcome{Tried: 2, Disagreements: []Disagreement{{Flow: "A/f"}}}
	agrees := &ProbeOutcome{Tried: 2}
	cases := []struct {
		name    string
		rs      []FlowResult
		th      plugin.Thresholds
		probe   *ProbeOutcome
		status  plugin.Status
		failing int
	}{
		{"all ok", []FlowResult{ok, denyOK}, plugin.Thresholds{}, nil, plugin.OK, 0},
		{"blocked", []FlowResult{ok, blocked}, plugin.Thresholds{}, nil, plugin.Critical, 1},
		{"partial and open", []FlowResult{partial, blocked, denyOpen}, plugin.Thresholds{}, nil, plugin.Critical, 3},
		{"unknown only", []FlowResult{ok, unknown, denyUnknown}, plugin.Thresholds{}, nil, plugin.Unknown, 0},
		{"critical beats unknown", []FlowResult{blocked, unknown}, plugin.Thresholds{}, nil, plugin.Critical, 1},
		{"known failure inside unknown", []FlowResult{blockedOrUnknown}, plugin.Thresholds{}, nil, plugin.Critical, 1},
		{"thresholds soften", []FlowResult{blocked, ok}, thresholds(t, "1", "2"), nil, plugin.OK, 1},
		{"thresholds warn", []FlowResult{blocked, partial}, thresholds(t, "1", "2"), nil, plugin.Warning, 2},
		{"thresholds critical", []FlowResult{blocked, partial, denyOpen}, thresholds(t, "1", "2"), nil, plugin.Critical, 3},
		{"thresholds and unknown", []FlowResult{blocked, unknown}, thresholds(t, "1", "2"), nil, plugin.Unknown, 1},
		// The probe is part of the verdict: a disagreement is at least WARNING.
		{"probe agrees", []FlowResult{ok}, plugin.Thresholds{}, agrees, plugin.OK, 0},
		{"probe disagrees", []FlowResult{ok}, plugin.Thresholds{}, one, plugin.Warning, 0},
		{"probe disagrees, softened failure", []FlowResult{blocked, ok}, thresholds(t, "1", "2"), one, plugin.Warning, 1},
		{"probe under critical", []FlowResult{blocked}, plugin.Thresholds{}, one, plugin.Critical, 1},
		{"probe under unknown", []FlowResult{unknown}, plugin.Thresholds{}, one, plugin.Unknown, 0},
	}
	for _, c := range cases {
		v := Judge(c.rs, c.th, c.probe)
		if v.Status != c.status || v.Counts.Failing != c.failing || v.Probe != c.probe || len(v.Flows) != len(c.rs) {
			t.Errorf("%s: %v, %d failing, probe %v; want %v, %d failing", c.name, v.Status, v.Counts.Failing, v.Probe, c.status, c.failing)
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
