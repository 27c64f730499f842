package checkosversion

import (
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

func TestReasons(t *testing.T) {
	rules := testRules(t)
	cases := []struct{ platform, version, reason string }{
		{"ios-xe", "17.9.4a", "meets policy (target 17.9.4a)"},
		{"IOSXE", "17.9.4", "below target 17.9.4a"},
		{"rhel", "9.2", "no policy for platform rhel"},
		{"windows", "2019", `inv, line 9: unknown platform "windows"`},
		{"", "1", "inv, line 9: no platform"},
		{"junos", "", "inv, line 9: no version"},
		{"junos", "21.4R3-S", `inv, line 9: "21.4R3-S" is not a junos version (want like 21.4R3-S5.4)`},
		{"eos", "4.31.1F", "meets policy (minimum 4.30.2F)"},
	}
	var devs []Device
	for _, c := range cases {
		devs = append(devs, Device{Name: "d", Platform: c.platform, Version: c.version, Line: 9})
	}
	devs = append(devs, Device{Name: "d", Platform: "junos", Version: "21.4R3-S", Line: 12})
	v := Judge(devs, rules, testNow, plugin.Thresholds{})
	rs := reasons{source: "inv", memo: map[*Judgement]string{}}
	for i, c := range cases {
		if got := rs.of(&v.Devices[i], &v.Judged[i]); got != c.reason {
			t.Errorf("%s %s: %q, want %q", c.platform, c.version, got, c.reason)
		}
	}
	if got := rs.of(&v.Devices[len(cases)], &v.Judged[len(cases)]); !strings.HasPrefix(got, "inv, line 12: ") {
		t.Errorf("memoised parse error keeps the old line: %q", got)
	}
}

func TestReportSummary(t *testing.T) {
	ok, warn, crit, unk := "ios-xe 17.9.4a", "ios-xe 17.9.4", "junos 21.4R2", "windows 1"
	cases := []struct {
		rows    []string
		summary string
	}{
		{[]string{ok, ok}, "0 of 2 devices drifted"},
		{[]string{ok, warn}, "1 of 2 devices drifted (1 warning)"},
		{[]string{crit, warn, ok}, "2 of 3 devices drifted (1 critical, 1 warning)"},
		{[]string{warn, unk}, "1 of 2 devices drifted (1 warning), 1 unknown"},
		{[]string{crit, unk}, "1 of 2 devices drifted (1 critical), 1 unknown"},
		{nil, "0 of 0 devices drifted"},
	}
	rules := testRules(t)
	for _, c := range cases {
		r := Report{Fleet: true}.Result(Judge(fleet(c.rows...), rules, testNow, plugin.Thresholds{}))
		if r.Summary != c.summary {
			t.Errorf("%v: %q, want %q", c.rows, r.Summary, c.summary)
		}
	}
}

func TestReportLongAndPerf(t *testing.T) {
	devs := fleet("ios-xe 17.9.4a", "ios-xe 17.9.4", "junos 21.4R2", "windows 1", "junos 21.4R3-S5", "ios-xe 17.3.4a", "debian 12")
	r := Report{Fleet: true, LongLimit: 3, Notes: []string{"note"}, Source: "inv"}.Result(Judge(devs, testRules(t), testNow, plugin.Thresholds{}))
	want := []string{
		"note",
		"CRITICAL: dev02 (junos 21.4R2): below minimum 21.4R3; below target 21.4R3-S5",
		"CRITICAL: dev05 (ios-xe 17.3.4a): blocked (16.1.1 to 17.6.3): CVE-2023-20198; below minimum 17.6.1; release 17.3 past end of life (2025-06-30); below target 17.9.4a",
		`UNKNOWN: dev03 (windows 1): inv, line 5: unknown platform "windows"`,
		"... and 1 more not listed (-v lists all)",
	}
	if strings.Join(r.Long, "\n") != strings.Join(want, "\n") {
		t.Errorf("long output:\n%s\nwant\n%s", strings.Join(r.Long, "\n"), strings.Join(want, "\n"))
	}
	wantPerf := "devices=7;;;0 ok=3;;;0 warning=1;;;0 critical=2;;;0 unknown=1;;;0 drifted=3;;;0 debian_drifted=0;;;0 ios-xe_drifted=2;;;0 junos_drifted=1;;;0"
	if got := perfText(r); got != wantPerf {
		t.Errorf("perf\n got %s\nwant %s", got, wantPerf)
	}
	items := r.Items.([]Assessment)
	if len(items) != 7 || items[0].Device != "dev02" || items[6].State != "OK" {
		t.Errorf("items %+v", items)
	}
	single := Report{}.Result(Judge(fleet("ios-xe 17.6.5"), testRules(t), testNow, plugin.Thresholds{}))
	if single.Summary != "ios-xe 17.6.5 below target 17.9.4a" || single.Status != plugin.Warning {
		t.Errorf("single: %s %q", plugin.StatusText(single.Status), single.Summary)
	}
}

func perfText(r plugin.Result) string {
	var perf []string
	for _, p := range r.Perf {
		perf = append(perf, p.String())
	}
	return strings.Join(perf, " ")
}

// The summary names the worst deadline; the long output says each
// device's days left or overdue; the fleet perfdata counts them.
func TestReportDeadlines(t *testing.T) {
	rules := rulesFrom(t, deadlinePolicy)
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	rows := []string{"ios-xe 17.9.4", "ios-xe 17.9.4a", "ios-xe 17.9.5", "ios-xe 17.2.1", "junos 21.4R2", "ios-xe 16.12.4"}
	cases := []struct {
		now                 time.Time
		status              plugin.Status
		summary, long, perf string
	}{
		{now, plugin.Critical,
			"2 of 6 devices past the CVE-2023-20198 deadline (up to 1118 days), 2 due within 11 days, 1 more drifted (1 critical)",
			"CRITICAL: dev03 (ios-xe 17.2.1): blocked (16.1.1 to 17.9.3): CVE-2023-20198 (due 2023-10-30, 1118 days overdue); below minimum 17.3.1; below target 17.9.5 (due 2026-12-01, 11 days left)",
			"devices_overdue=2;;;0 max_days_overdue=1118;;;0 devices_due=2;;;0"},
		{now.AddDate(0, 0, 29), plugin.Critical,
			"4 of 6 devices past their deadlines (up to 1147 days), 1 more drifted (1 critical)",
			"CRITICAL: dev01 (ios-xe 17.9.4a): below target 17.9.5 (due 2026-12-01, 19 days overdue)",
			"devices_overdue=4;;;0 max_days_overdue=1147;;;0 devices_due=0;;;0"},
	}
	for _, c := range cases {
		r := Report{Fleet: true}.Result(Judge(fleet(rows...), rules, c.now, plugin.Thresholds{}))
		if r.Status != c.status || r.Summary != c.summary || !strings.Contains(strings.Join(r.Long, "\n"), c.long) || !strings.Contains(perfText(r), c.perf) {
			t.Errorf("at %s: %s %q\n%s\n%s", c.now, plugin.StatusText(r.Status), r.Summary, strings.Join(r.Long, "\n"), perfText(r))
		}
	}
	one := Report{}.Result(Judge(fleet("ios-xe 17.9.4"), rules, now, plugin.Thresholds{}))
	if one.Summary != "ios-xe 17.9.4 below target 17.9.5 (due 2026-12-01, 11 days left)" || one.Status != plugin.Warning {
		t.Errorf("one device: %s %q", plugin.StatusText(one.Status), one.Summary)
	}
}

// With a state file each device not OK says since when it is out of
// policy; devices without a record (OK, or new) say nothing.
func TestReportFirstSeen(t *testing.T) {
	v := Judge(fleet("ios-xe 17.9.4a", "ios-xe 17.9.4", "junos 21.4R2"), testRules(t), testNow, plugin.Thresholds{})
	first := map[string]time.Time{"ios-xe:dev01": testNow.AddDate(0, 0, -45).Add(-time.Hour)}
	r := Report{Fleet: true, FirstSeen: first, Now: testNow}.Result(v)
	want := "CRITICAL: dev02 (junos 21.4R2): below minimum 21.4R3; below target 21.4R3-S5\n" +
		"WARNING: dev01 (ios-xe 17.9.4): below target 17.9.4a; out of policy since 2026-04-16 (45 days)"
	if got := strings.Join(r.Long, "\n"); got != want {
		t.Errorf("long:\n%s\nwant\n%s", got, want)
	}
	if items := r.Items.([]Assessment); items[1].Reason != "below target 17.9.4a; out of policy since 2026-04-16 (45 days)" {
		t.Errorf("item %+v", items[1])
	}
}
