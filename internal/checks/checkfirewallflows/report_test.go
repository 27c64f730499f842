package checkfirewallflows

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/flows"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

func TestReportSummary(t *testing.T) {
	cases := []struct {
		name    string
		rs      []FlowResult
		th      plugin.Thresholds
		summary string
	}{
		{"all ok", []FlowResult{ok, denyOK}, plugin.Thresholds{}, "all 2 flows as expected (1 required open, 1 forbidden closed)"},
		{"blocked", []FlowResult{ok, blocked}, plugin.Thresholds{}, "1 of 2 required flows blocked"},
		{"partial and open", []FlowResult{partial, blocked, denyOpen}, plugin.Thresholds{}, "1 of 2 required flows blocked, 1 partial; 1 forbidden flow open"},
		{"unknown only", []FlowResult{ok, unknown, denyUnknown}, plugin.Thresholds{}, "2 flows unknown"},
		{"critical and unknown", []FlowResult{blocked, unknown}, plugin.Thresholds{}, "1 of 2 required flows blocked; 1 flow unknown"},
		{"known failure inside unknown", []FlowResult{blockedOrUnknown}, plugin.Thresholds{}, "1 of 1 required flow failing in part (rest unknown)"},
		{"thresholds", []FlowResult{blocked, partial, denyOpen}, thresholds(t, "1", "2"), "1 of 2 required flows blocked, 1 partial; 1 forbidden flow open"},
	}
	for _, c := range cases {
		v := Judge(c.rs, c.th, nil)
		res := Report(v, Scope{Ruleset: "r", Hook: firewall.HookForward}, 0)
		if res.Status != v.Status || res.Summary != c.summary {
			t.Errorf("%s: %v %q, want %v %q", c.name, res.Status, res.Summary, v.Status, c.summary)
		}
	}
}

// The scope and the probe's findings close the long output, in this order,
// and the probe has its own perfdata and status-line part.
func TestReportScopeAndProbe(t *testing.T) {
	probe := &ProbeOutcome{Tried: 3, Disagreements: []Disagreement{{Flow: "A/f", Conn: "127.0.0.1 → 127.0.0.1:22/tcp", Engine: "open", Kernel: "failed: timeout"}}}
	v := Judge([]FlowResult{ok, blocked}, thresholds(t, "1", "2"), probe)
	res := Report(v, Scope{Ruleset: "/usr/sbin/nft -j list ruleset", Hook: firewall.HookInput, RoutesErr: errors.New("no routes")}, 0)
	if want := "1 of 2 required flows blocked; 1 probe disagrees with the rules"; res.Summary != want {
		t.Errorf("summary %q, want %q", res.Summary, want)
	}
	long := strings.Join(res.Long[2:], "\n")
	want := "interfaces assumed: no routes\n" +
		"ruleset: /usr/sbin/nft -j list ruleset, hook input\n" +
		"probe: 3 connections tried, 1 disagree with the rules\n" +
		"PROBE DISAGREES A/f: 127.0.0.1 → 127.0.0.1:22/tcp: rules say open, connect failed: timeout"
	if long != want {
		t.Errorf("long output:\n%s\nwant\n%s", long, want)
	}
	var labels []string
	for _, p := range res.Perf {
		labels = append(labels, p.Label)
	}
	if got := strings.Join(labels, " "); got != "flows allowed blocked partial forbidden_open unknown failing probe_disagree" {
		t.Errorf("perfdata labels %s", got)
	}
	if items, _ := res.Items.([]Item); len(items) != 2 || items[1].Verdict != string(firewall.Blocked) || !items[1].Failing {
		t.Errorf("items %+v", res.Items)
	}
	// Two disagreements read in the plural; without --probe no probe parts.
	probe.Disagreements = append(probe.Disagreements, probe.Disagreements[0])
	if res := Report(Judge([]FlowResult{ok}, plugin.Thresholds{}, probe), Scope{}, 0); !strings.HasSuffix(res.Summary, "; 2 probe disagree with the rules") {
		t.Errorf("summary %q", res.Summary)
	}
	res = Report(Judge([]FlowResult{ok}, plugin.Thresholds{}, nil), Scope{}, 0)
	if strings.Contains(strings.Join(res.Long, "\n"), "probe") || res.Perf[len(res.Perf)-1].Label == "probe_disagree" {
		t.Errorf("probe parts without --probe: %q %v", res.Long, res.Perf)
	}
}

// Problems come first, each flow's line names its mark, and -v adds the
// witness of a flow that is as expected.
func TestReportLongLines(t *testing.T) {
	good := result(flows.ExpectAllow, true, false, false)
	good.Flow.Name = "good"
	good.Witness = &firewall.Witness{Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.1.0.1"), Proto: firewall.ProtoTCP, SrcPort: 40000, DstPort: 443, Rule: "-A FORWARD -j ACCEPT"}
	bad := result(flows.ExpectAllow, false, true, false)
	bad.Flow.Name = "bad"
	bad.Witness = &firewall.Witness{Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.1.0.1"), Proto: firewall.ProtoTCP, SrcPort: 40000, DstPort: 22, Phase: "first packet", Rule: "-P FORWARD DROP"}
	res := Report(Judge([]FlowResult{good, bad}, plugin.Thresholds{}, nil), Scope{Ruleset: "r", Hook: firewall.HookForward}, 0)
	if res.Long[0] != "CRITICAL A/bad: blocked (expect allow): 10.0.0.1:40000 → 10.1.0.1:22/tcp dropped at first packet by -P FORWARD DROP" || res.Long[1] != "OK A/good: allowed (expect allow)" || res.Long[2] != "ruleset: r, hook forward" {
		t.Errorf("long %q", res.Long)
	}
	res = Report(Judge([]FlowResult{good}, plugin.Thresholds{}, nil), Scope{}, 1)
	if res.Long[0] != "OK A/good: allowed (expect allow): 10.0.0.1:40000 → 10.1.0.1:443/tcp accepted by -A FORWARD -j ACCEPT" {
		t.Errorf("-v long %q", res.Long)
	}
}

// Each flow is one JUnit test case (failing exactly when the flow fails,
// skipped when it is only unknown) and one labelled series.
func TestJUnitTestCasePerFlow(t *testing.T) {
	rs := []FlowResult{ok, blocked, unknown, denyOpen, blockedOrUnknown, denyOK}
	res := Report(Judge(rs, plugin.Thresholds{}, nil), Scope{Ruleset: "r", Hook: firewall.HookForward}, 0)
	items := res.Items.([]Item)
	want := []struct{ failure, skipped bool }{{false, false}, {true, false}, {false, true}, {true, false}, {true, false}, {false, false}}
	for i, it := range items {
		var tc plugin.TestCase = plugin.Tested(it).TestCase()
		if tc.Failure != want[i].failure || tc.Skipped != want[i].skipped || tc.Name != it.Flow || tc.Class != it.Application {
			t.Errorf("flow %d (%s): %+v, want failure %v skipped %v", i, it.Verdict, tc, want[i].failure, want[i].skipped)
		}
		if (tc.Failure || tc.Skipped) != strings.HasPrefix(tc.Message, it.Verdict+" (expect "+it.Expect+")") {
			t.Errorf("flow %d message %q", i, tc.Message)
		}
		l := plugin.Labelled(it).MetricLabels()
		if l["application"] != it.Application || l["flow"] != it.Flow || l["expect"] != it.Expect || len(l) != 3 {
			t.Errorf("flow %d labels %v", i, l)
		}
	}
}
