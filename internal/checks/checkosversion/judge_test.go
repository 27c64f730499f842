package checkosversion

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/osversion"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

var testNow = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// testRules are the golden files' policy, less rhel (a platform without a
// policy entry).
func testRules(t testing.TB) map[string]*osversion.Rules {
	t.Helper()
	p, err := policy.Load(filepath.Join("..", "..", "..", "testdata", "osversion", "policy.yaml"), true)
	if err != nil {
		t.Fatal(err)
	}
	rules := osversion.Compile(p.File, p.OSVersions)
	if errs := osversion.Broken(rules); len(errs) > 0 {
		t.Fatal(errs)
	}
	delete(rules, "rhel")
	return rules
}

func rulesFrom(t testing.TB, yaml string) map[string]*osversion.Rules {
	t.Helper()
	p, err := policy.Parse("p.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	return osversion.Compile(p.File, p.OSVersions)
}

// fleet makes devices dev00, dev01, ... from "platform version" rows.
func fleet(rows ...string) []Device {
	var out []Device
	for i, r := range rows {
		p, v, _ := strings.Cut(r, " ")
		out = append(out, Device{Name: fmt.Sprintf("dev%02d", i), Platform: p, Version: v, Line: i + 2})
	}
	return out
}

func rulesOf(j *Judgement) []osversion.Rule {
	if j == nil {
		return nil
	}
	var out []osversion.Rule
	for _, b := range j.Breaches {
		out = append(out, b.Rule)
	}
	return out
}

func TestJudgeDevices(t *testing.T) {
	rules := testRules(t)
	B, M, P, N, T, I := osversion.InBlocked, osversion.BelowMinimum, osversion.PastEOL, osversion.NearEOL, osversion.BelowTarget, osversion.Incomparable
	cases := []struct {
		platform, version string
		state             plugin.Status
		problem           Problem
		id                string
		breaches          []osversion.Rule // worst first
	}{
		{"ios-xe", "17.9.4a", plugin.OK, NoProblem, "ios-xe", nil},
		{"IOSXE", "17.9.4", plugin.Warning, NoProblem, "ios-xe", []osversion.Rule{T}},
		{"ios-xe", "17.6.5", plugin.Warning, NoProblem, "ios-xe", []osversion.Rule{T}}, // end of life 213 days ahead, window 180
		{"ios-xe", "17.3.4a", plugin.Critical, NoProblem, "ios-xe", []osversion.Rule{B, M, P, T}},
		{"gaia", "R81.10 Take 150", plugin.Warning, NoProblem, "gaia", []osversion.Rule{N, T}},
		{"rhel", "9.2", plugin.Unknown, NoPolicy, "rhel", nil},
		{"windows", "2019", plugin.Unknown, UnknownPlatform, "", nil},
		{"", "1", plugin.Unknown, NoPlatform, "", nil},
		{"junos", "", plugin.Unknown, NoVersion, "junos", nil},
		{"junos", "21.4R3-S", plugin.Unknown, BadVersion, "junos", nil},
		{"ios", "15.2(4)M3", plugin.Unknown, NoProblem, "ios", []osversion.Rule{I, I}},
	}
	var devs []Device
	for _, c := range cases {
		devs = append(devs, Device{Name: "d", Platform: c.platform, Version: c.version})
	}
	devs = append(devs, devs...) // the second half is served from the memo
	v := Judge(devs, rules, testNow, plugin.Thresholds{})
	for i, d := range v.Judged {
		c := cases[i%len(cases)]
		if d.State != c.state || d.Problem != c.problem || d.ID != c.id || fmt.Sprint(rulesOf(d.Judgement)) != fmt.Sprint(c.breaches) {
			t.Errorf("%s %s: %s problem %d id %q breaches %v", c.platform, c.version, plugin.StatusText(d.State), d.Problem, d.ID, rulesOf(d.Judgement))
		}
	}
	if v.Judged[0].Judgement != v.Judged[len(cases)].Judgement {
		t.Error("same platform and version judged twice")
	}
	if v.HasDeadlines {
		t.Error("HasDeadlines without deadlines in the policy")
	}
}

func TestJudgeStatus(t *testing.T) {
	ok, warn, crit, unk := "ios-xe 17.9.4a", "ios-xe 17.9.4", "junos 21.4R2", "windows 1"
	th := func(w, c string) plugin.Thresholds {
		t, err := plugin.ParseThresholds(w, c)
		if err != nil {
			panic(err)
		}
		return t
	}
	cases := []struct {
		name    string
		rows    []string
		counts  plugin.Thresholds
		status  plugin.Status
		drifted int
	}{
		{"all ok", []string{ok, ok}, plugin.Thresholds{}, plugin.OK, 0},
		{"worst is warning", []string{ok, warn}, plugin.Thresholds{}, plugin.Warning, 1},
		{"worst is critical", []string{crit, warn, ok}, plugin.Thresholds{}, plugin.Critical, 2},
		{"unknown beats warning", []string{warn, unk}, plugin.Thresholds{}, plugin.Unknown, 1},
		{"critical beats unknown", []string{crit, unk}, plugin.Thresholds{}, plugin.Critical, 1},
		{"thresholds soften", []string{crit, warn, ok}, th("2", "5"), plugin.OK, 2},
		{"thresholds warn", []string{crit, warn, ok}, th("1", "5"), plugin.Warning, 2},
		{"thresholds critical", []string{crit, warn, warn}, th("1", "2"), plugin.Critical, 3},
		{"thresholds raise", []string{warn}, th("", "0"), plugin.Critical, 1},
		{"thresholds keep unknown", []string{ok, unk}, th("1", "2"), plugin.Unknown, 0},
		{"empty fleet", nil, plugin.Thresholds{}, plugin.OK, 0},
	}
	rules := testRules(t)
	for _, c := range cases {
		v := Judge(fleet(c.rows...), rules, testNow, c.counts)
		if v.Status != c.status || v.Drifted != c.drifted {
			t.Errorf("%s: %s, %d drifted", c.name, plugin.StatusText(v.Status), v.Drifted)
		}
	}
}

// The deadlines of issue 14: before the deadline a device that does not
// comply is WARNING, from the deadline on CRITICAL; a block without a
// window and the minimum are CRITICAL at once.
const deadlinePolicy = `version: 1
os_versions:
  ios-xe:
    minimum: "17.3.1"
    target: {version: "17.9.5", since: 2026-11-01, within_days: 30}
    blocked:
      - {from: "16.1.1", to: "17.9.3", reason: "CVE-2023-20198", published: 2023-10-16, within_days: 14}
      - {version: "17.9.1", reason: "CSCwe12345"}
  junos:
    minimum: "21.4R3"
`

func TestJudgeDeadlines(t *testing.T) {
	rules := rulesFrom(t, deadlinePolicy)
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	cases := []struct {
		version, now string
		state        plugin.Status
		overdue      bool
		days         int // left, or overdue
		name         string
	}{
		{"17.9.4", "2026-11-20T12:00:00Z", plugin.Warning, false, 11, "17.9.5"},
		{"17.9.4", "2026-11-30T23:59:59Z", plugin.Warning, false, 1, "17.9.5"},
		{"17.9.4", "2026-12-01T00:00:00Z", plugin.Critical, true, 1, "17.9.5"},
		{"17.9.4", "2026-12-19T08:00:00Z", plugin.Critical, true, 19, "17.9.5"},
		{"17.9.5", "2026-12-19T08:00:00Z", plugin.OK, false, 0, ""},
		{"17.6.3", "2023-10-20T00:00:00Z", plugin.Warning, false, 10, "CVE-2023-20198"},
		{"17.6.3", "2026-11-20T00:00:00Z", plugin.Critical, true, 1118, "CVE-2023-20198"},
		{"17.9.1", "2023-10-20T00:00:00Z", plugin.Critical, false, 10, "CVE-2023-20198"}, // CSCwe12345 has no window: CRITICAL at once
	}
	for _, c := range cases {
		v := Judge([]Device{{Name: "d", Platform: "ios-xe", Version: c.version}}, rules, at(c.now), plugin.Thresholds{})
		d := v.Judged[0]
		if !v.HasDeadlines || d.State != c.state {
			t.Errorf("%s at %s: %s (deadlines %v)", c.version, c.now, plugin.StatusText(d.State), v.HasDeadlines)
			continue
		}
		j := d.Judgement
		if c.name == "" {
			if j.Deadline != nil {
				t.Errorf("%s at %s: deadline %+v", c.version, c.now, j.Deadline)
			}
			continue
		}
		got := 0
		if j.Deadline != nil {
			got = j.Deadline.DaysLeft
			if j.Deadline.Overdue {
				got = j.Deadline.DaysOverdue
			}
		}
		if j.Deadline == nil || j.Deadline.Overdue != c.overdue || got != c.days || j.DeadlineName != c.name {
			t.Errorf("%s at %s: deadline %+v %q, want overdue %v days %d %q", c.version, c.now, j.Deadline, j.DeadlineName, c.overdue, c.days, c.name)
		}
	}
	// Minimum: CRITICAL at once, whatever the deadlines say.
	rules = rulesFrom(t, strings.Replace(deadlinePolicy, `minimum: "17.3.1"`, `minimum: "17.9.2"`, 1))
	v := Judge(fleet("ios-xe 17.9.2a"), rules, at("2023-10-20T00:00:00Z"), plugin.Thresholds{})
	if d := v.Judged[0]; d.State != plugin.Warning {
		t.Errorf("17.9.2a: %s", plugin.StatusText(d.State))
	}
	v = Judge(fleet("ios-xe 17.9.1b"), rules, at("2023-10-20T00:00:00Z"), plugin.Thresholds{})
	if d := v.Judged[0]; d.State != plugin.Critical || !strings.Contains(fmt.Sprint(rulesOf(d.Judgement)), fmt.Sprint(osversion.BelowMinimum)) {
		t.Errorf("17.9.1b below minimum: %s %v", plugin.StatusText(d.State), rulesOf(d.Judgement))
	}
}

// The fleet's tally counts each device once, by its worst deadline.
func TestJudgeDeadlineTally(t *testing.T) {
	rules := rulesFrom(t, deadlinePolicy)
	now := time.Date(2026, 12, 19, 8, 0, 0, 0, time.UTC)
	v := Judge(fleet("ios-xe 17.9.4", "ios-xe 17.9.4a", "ios-xe 17.9.5", "ios-xe 17.12.1", "ios-xe 17.2.1"), rules, now, plugin.Thresholds{})
	want := osversion.DeadlineTally{Overdue: 3, MaxDaysOverdue: 1147}
	if v.Deadlines != want || fmt.Sprint(v.OverdueNames) != "[17.9.5 CVE-2023-20198]" || v.Status != plugin.Critical {
		t.Errorf("tally %+v names %v status %s", v.Deadlines, v.OverdueNames, plugin.StatusText(v.Status))
	}
	v = Judge(fleet("ios-xe 17.9.4", "ios-xe 17.9.5"), rules, now.AddDate(0, -1, 0), plugin.Thresholds{})
	want = osversion.DeadlineTally{Due: 1, MinDaysLeft: 12, MaxDaysLeft: 12}
	if v.Deadlines != want || v.OverdueNames != nil || v.Status != plugin.Warning {
		t.Errorf("due: tally %+v names %v status %s", v.Deadlines, v.OverdueNames, plugin.StatusText(v.Status))
	}
}

func BenchmarkJudgeFleet(b *testing.B) {
	rules := testRules(b)
	versions := []string{"17.9.4a", "17.6.5", "17.3.4a", "17.12.1", "16.12.4"}
	devs := make([]Device, 100000)
	for i := range devs {
		devs[i] = Device{Name: fmt.Sprintf("dev-%06d", i), Platform: "ios-xe", Version: versions[i%len(versions)], Line: i + 2}
	}
	b.ReportAllocs()
	for b.Loop() {
		Report{Fleet: true, LongLimit: 50, Source: "inv"}.Result(Judge(devs, rules, testNow, plugin.Thresholds{}))
	}
}
