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

func assessor(t testing.TB) *Assessor {
	t.Helper()
	p, err := policy.Load(filepath.Join("..", "..", "..", "testdata", "osversion", "policy.yaml"), true)
	if err != nil {
		t.Fatal(err)
	}
	rules := osversion.Compile(p.File, p.OSVersions)
	if errs := osversion.Broken(rules); len(errs) > 0 {
		t.Fatal(errs)
	}
	delete(rules, "rhel") // a platform without a policy entry
	return &Assessor{Rules: rules, Now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
}

func TestAssess(t *testing.T) {
	a := assessor(t)
	cases := []struct {
		platform, version string
		state             plugin.Status
		reason            string
	}{
		{"ios-xe", "17.9.4a", plugin.OK, "meets policy (target 17.9.4a)"},
		{"IOSXE", "17.9.4", plugin.Warning, "below target 17.9.4a"},
		{"rhel", "9.2", plugin.Unknown, "no policy for platform rhel"},
		{"windows", "2019", plugin.Unknown, `inv, line 9: unknown platform "windows"`},
		{"", "1", plugin.Unknown, "inv, line 9: no platform"},
		{"junos", "", plugin.Unknown, "inv, line 9: no version"},
		{"junos", "21.4R3-S", plugin.Unknown, `inv, line 9: "21.4R3-S" is not a junos version (want like 21.4R3-S5.4)`},
		{"ios", "15.2(4)M3", plugin.Unknown, ""},
	}
	for i := 0; i < 2; i++ { // the second pass is served from the memo
		for _, c := range cases {
			as := a.Assess("d", c.platform, c.version, "inv", 9)
			if as.status != c.state || as.State != plugin.StatusText(c.state) || c.reason != "" && as.Reason != c.reason {
				t.Errorf("%s %s: %s %q, want %s %q", c.platform, c.version, as.State, as.Reason, plugin.StatusText(c.state), c.reason)
			}
		}
	}
	if as := a.Assess("d", "junos", "21.4R3-S", "inv", 12); !strings.HasPrefix(as.Reason, "inv, line 12: ") {
		t.Errorf("memoised parse error keeps the old line: %q", as.Reason)
	}
}

func fleet(t testing.TB, rows ...string) []Assessment {
	a := assessor(t)
	var out []Assessment
	for i, r := range rows {
		p, v, _ := strings.Cut(r, " ")
		out = append(out, a.Assess(fmt.Sprintf("dev%02d", i), p, v, "inv", i+2))
	}
	return out
}

func TestReportStatus(t *testing.T) {
	ok, warn, crit, unk := "ios-xe 17.9.4a", "ios-xe 17.9.4", "junos 21.4R2", "windows 1"
	th := func(w, c string) plugin.Thresholds {
		return plugin.Thresholds{Warn: plugin.MustRange(w), Crit: plugin.MustRange(c)}
	}
	cases := []struct {
		name    string
		rows    []string
		counts  plugin.Thresholds
		status  plugin.Status
		summary string
	}{
		{"all ok", []string{ok, ok}, plugin.Thresholds{}, plugin.OK, "0 of 2 devices drifted"},
		{"worst is warning", []string{ok, warn}, plugin.Thresholds{}, plugin.Warning, "1 of 2 devices drifted (1 warning)"},
		{"worst is critical", []string{crit, warn, ok}, plugin.Thresholds{}, plugin.Critical, "2 of 3 devices drifted (1 critical, 1 warning)"},
		{"unknown beats warning", []string{warn, unk}, plugin.Thresholds{}, plugin.Unknown, "1 of 2 devices drifted (1 warning), 1 unknown"},
		{"critical beats unknown", []string{crit, unk}, plugin.Thresholds{}, plugin.Critical, "1 of 2 devices drifted (1 critical), 1 unknown"},
		{"thresholds soften", []string{crit, warn, ok}, th("2", "5"), plugin.OK, "2 of 3 devices drifted (1 critical, 1 warning)"},
		{"thresholds warn", []string{crit, warn, ok}, th("1", "5"), plugin.Warning, ""},
		{"thresholds critical", []string{crit, warn, warn}, th("1", "2"), plugin.Critical, ""},
		{"thresholds raise", []string{warn}, th("", "0"), plugin.Critical, ""},
		{"thresholds keep unknown", []string{ok, unk}, th("1", "2"), plugin.Unknown, ""},
		{"empty fleet", nil, plugin.Thresholds{}, plugin.OK, "0 of 0 devices drifted"},
	}
	for _, c := range cases {
		r := Report{Fleet: true, Counts: c.counts}.Result(fleet(t, c.rows...))
		if r.Status != c.status || c.summary != "" && r.Summary != c.summary {
			t.Errorf("%s: %s %q", c.name, plugin.StatusText(r.Status), r.Summary)
		}
	}
}

func TestReportLongAndPerf(t *testing.T) {
	devs := fleet(t, "ios-xe 17.9.4a", "ios-xe 17.9.4", "junos 21.4R2", "windows 1", "junos 21.4R3-S5", "ios-xe 17.3.4a", "debian 12")
	r := Report{Fleet: true, LongLimit: 3, Notes: []string{"note"}}.Result(devs)
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
	var perf []string
	for _, p := range r.Perf {
		perf = append(perf, p.String())
	}
	wantPerf := "devices=7;;;0 ok=3;;;0 warning=1;;;0 critical=2;;;0 unknown=1;;;0 drifted=3;;;0 debian_drifted=0;;;0 ios-xe_drifted=2;;;0 junos_drifted=1;;;0"
	if got := strings.Join(perf, " "); got != wantPerf {
		t.Errorf("perf\n got %s\nwant %s", got, wantPerf)
	}
	items := r.Items.([]Assessment)
	if len(items) != 7 || items[0].Device != "dev02" || items[6].State != "OK" {
		t.Errorf("items %+v", items)
	}
	single := Report{}.Result(fleet(t, "ios-xe 17.6.5"))
	if single.Summary != "ios-xe 17.6.5 below target 17.9.4a" || single.Status != plugin.Warning {
		t.Errorf("single: %s %q", plugin.StatusText(single.Status), single.Summary)
	}
}

func BenchmarkAssessFleet(b *testing.B) {
	a := assessor(b)
	versions := []string{"17.9.4a", "17.6.5", "17.3.4a", "17.12.1", "16.12.4"}
	b.ReportAllocs()
	for b.Loop() {
		devs := make([]Assessment, 100000)
		for i := range devs {
			devs[i] = a.Assess("dev", "ios-xe", versions[i%len(versions)], "inv", i+2)
		}
		Report{Fleet: true, LongLimit: 50}.Result(devs)
	}
}

func BenchmarkWriteJSONFleet(b *testing.B) {
	a := assessor(b)
	versions := []string{"17.9.4a", "17.6.5", "17.3.4a", "17.12.1", "16.12.4"}
	devs := make([]Assessment, 100000)
	for i := range devs {
		devs[i] = a.Assess(fmt.Sprintf("dev-%06d", i), "ios-xe", versions[i%len(versions)], "inv", i+2)
	}
	r := Report{Fleet: true, LongLimit: 50}.Result(devs)
	b.ReportAllocs()
	for b.Loop() {
		var sb strings.Builder
		if err := plugin.Write(&sb, "check_os_version", "OS VERSION", r, plugin.JSON); err != nil {
			b.Fatal(err)
		}
	}
}
