package plugin

import (
	"context"
	"encoding/xml"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// testItem is an item that labels itself and reads as a test case.
type testItem struct {
	name, class string
	fail, skip  bool
}

func (i testItem) MetricLabels() map[string]string {
	return map[string]string{"name": i.name, "class": i.class, "Bad Key!": "x", "check": "spoofed", "__reserved": "x"}
}

func (i testItem) TestCase() TestCase {
	return TestCase{Name: i.name, Class: i.class, Failure: i.fail, Skipped: i.skip, Message: "why " + i.name}
}

// plainItem implements neither interface: it stays out of both formats.
type plainItem struct{ N int }

func sampleResult() Result {
	return Result{Status: Critical, Summary: "2 bad | one\nunknown",
		Long: []string{"line \x1b[31mone", "line two ]]> <b>"},
		Perf: []Perf{
			Count("flows", 4, Thresholds{}),
			{Label: "oldest_update_days", Value: 20},
			{Label: "took", Value: 1500, UOM: "ms"},
			{Label: "disk used", Value: 50, UOM: "%"},
			{Label: "size", Value: 2, UOM: "KB"},
			{Label: "requests", Value: 7, UOM: "c"},
			{Label: "ios-xe_drifted", Value: 1},
			{Label: "IOS-XE drifted", Value: 2}, // same name once made valid: left out
			{Label: "sample_count", Value: 3},
			{Label: "nan", Value: math.NaN()},
		},
		Items: []any{testItem{"a", "App", true, false}, testItem{"b", "App", false, true}, testItem{"c", `Q"u\o`, false, false}, plainItem{1}},
	}
}

func TestOpenMetricsNamesUnitsAndLabels(t *testing.T) {
	var b strings.Builder
	if err := write(&b, "check_demo_thing", "DEMO", sampleResult(), OpenMetrics, 1); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"# HELP guardrail_check_status state of the guardrail check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN\n# TYPE guardrail_check_status gauge\nguardrail_check_status{check=\"check_demo_thing\"} 2\n",
		"guardrail_demo_thing_flows{check=\"check_demo_thing\"} 4\n",
		"guardrail_demo_thing_oldest_update_seconds{check=\"check_demo_thing\"} 1728000\n",
		"# UNIT guardrail_demo_thing_took_seconds seconds\nguardrail_demo_thing_took_seconds{check=\"check_demo_thing\"} 1.5\n",
		"guardrail_demo_thing_disk_used_ratio{check=\"check_demo_thing\"} 0.5\n",
		"guardrail_demo_thing_size_bytes{check=\"check_demo_thing\"} 2048\n",
		"# TYPE guardrail_demo_thing_requests_total counter\nguardrail_demo_thing_requests_total{check=\"check_demo_thing\"} 7\n",
		"guardrail_demo_thing_ios_xe_drifted{check=\"check_demo_thing\"} 1\n",
		"guardrail_demo_thing_sample_count_value{check=\"check_demo_thing\"} 3\n",
		"guardrail_demo_thing_nan{check=\"check_demo_thing\"} NaN\n",
		`guardrail_demo_thing_item_failing{check="check_demo_thing",bad_key_="x",class="App",name="a"} 1` + "\n",
		`guardrail_demo_thing_item_failing{check="check_demo_thing",bad_key_="x",class="App",name="b"} NaN` + "\n",
		`guardrail_demo_thing_item_failing{check="check_demo_thing",bad_key_="x",class="Q\"u\\o",name="c"} 0` + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Count(out, "guardrail_demo_thing_ios_xe_drifted{") != 1 || strings.Contains(out, "spoofed") || strings.Contains(out, "reserved") {
		t.Errorf("duplicate or reserved series in\n%s", out)
	}
	if !strings.HasSuffix(out, "# EOF\n") {
		t.Errorf("no # EOF at the end")
	}
	// Without -v, no per-item series.
	b.Reset()
	write(&b, "check_demo_thing", "DEMO", sampleResult(), OpenMetrics, 0)
	if strings.Contains(b.String(), "item_failing") {
		t.Errorf("item series without -v:\n%s", b.String())
	}
	promtool(t, out)
}

// Past maxItemSeries items, the rest are left out and the help says so;
// items with the same labels share one series, the failing one winning.
func TestOpenMetricsItemSeriesBounded(t *testing.T) {
	items := []testItem{{"same", "A", false, false}, {"same", "A", true, false}}
	for i := range maxItemSeries + 5 {
		items = append(items, testItem{name: strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("y", i/26), class: "B"})
	}
	var b strings.Builder
	write(&b, "check_x", "X", Result{Status: OK, Items: items}, OpenMetrics, 1)
	out := b.String()
	if n := strings.Count(out, "guardrail_x_item_failing{"); n != maxItemSeries {
		t.Errorf("%d item series, want %d", n, maxItemSeries)
	}
	if !strings.Contains(out, `name="same"} 1`) || !strings.Contains(out, "(6 more items left out: at most 1000 series)") {
		t.Errorf("shared or dropped series not as expected:\n%.600s", out)
	}
}

// promtool checks text as the Prometheus server and node_exporter read it.
func promtool(t *testing.T, text string) {
	t.Helper()
	bin := testenv.NeedCommand(t, "promtool")
	cmd := exec.Command(bin, "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s\non\n%s", err, out, text)
	}
}

// gitlabReport is what GitLab and Jenkins read from a JUnit file.
type gitlabReport struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name    string `xml:"name,attr"`
			Class   string `xml:"classname,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Text    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnitCasesAndCounts(t *testing.T) {
	for _, c := range []struct {
		name                             string
		r                                Result
		tests, failures, errors, skipped int
	}{
		{"critical with items", sampleResult(), 4, 2, 0, 1},
		{"ok no items", Result{Status: OK, Summary: "fine"}, 1, 0, 0, 0},
		{"warning", Result{Status: Warning, Summary: "hm", Items: []plainItem{{1}}}, 1, 1, 0, 0},
		{"unknown", Result{Status: Unknown, Summary: "bad arguments"}, 1, 0, 1, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			if err := write(&b, "check_x", "X", c.r, JUnit, 0); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(b.String(), junitMarker) {
				t.Errorf("no marker: %.80q", b.String())
			}
			var rep gitlabReport
			if err := xml.Unmarshal([]byte(b.String()), &rep); err != nil {
				t.Fatalf("%v\n%s", err, b.String())
			}
			if len(rep.Suites) != 1 {
				t.Fatalf("%d suites", len(rep.Suites))
			}
			s := rep.Suites[0]
			if rep.Tests != c.tests || rep.Failures != c.failures || rep.Errors != c.errors || rep.Skipped != c.skipped ||
				s.Tests != c.tests || s.Failures != c.failures || s.Errors != c.errors || s.Skipped != c.skipped || len(s.Cases) != c.tests {
				t.Errorf("counts %+v / suite %d %d %d %d, %d cases; want %d %d %d %d\n%s", rep, s.Tests, s.Failures, s.Errors, s.Skipped, len(s.Cases), c.tests, c.failures, c.errors, c.skipped, b.String())
			}
			st := s.Cases[0]
			if st.Name != "status" || st.Class != "check_x" || (st.Failure != nil) != (c.r.Status == Warning || c.r.Status == Critical) || (st.Error != nil) != (c.r.Status == Unknown) {
				t.Errorf("status case %+v for %v", st, c.r.Status)
			}
			if c.name == "critical with items" {
				if s.Cases[1].Name != "a" || s.Cases[1].Class != "check_x.App" || s.Cases[1].Failure == nil || s.Cases[1].Failure.Message != "why a" ||
					s.Cases[2].Skipped == nil || s.Cases[3].Failure != nil || s.Cases[3].Class != `check_x.Q"u\o` {
					t.Errorf("item cases %+v", s.Cases)
				}
				if strings.ContainsRune(st.Failure.Text, 0x1b) || st.Failure.Text != "line ?[31mone\nline two ]]> <b>" || st.Failure.Message != "CRITICAL: 2 bad / one unknown" {
					t.Errorf("status failure %+v", st.Failure)
				}
			}
		})
	}
}

func TestFormatPreparse(t *testing.T) {
	for _, c := range []struct {
		args   []string
		format Format
		output string
	}{
		{[]string{"x"}, Text, ""},
		{[]string{"x", "--format", "junit"}, JUnit, ""},
		{[]string{"x", "--format=openmetrics", "--output", "/a/b.prom"}, OpenMetrics, "/a/b.prom"},
		{[]string{"x", "--output=/a/b.prom", "--format", "openmetrics"}, OpenMetrics, "/a/b.prom"},
		{[]string{"x", "--output", "/a/b.prom"}, Text, ""},                                // .prom is not text
		{[]string{"x", "--format", "openmetrics", "--output", "b.prom"}, OpenMetrics, ""}, // relative
		{[]string{"x", "--format", "bogus"}, Text, ""},
		{[]string{"x", "--format"}, Text, ""},
	} {
		f, o := preparse(c.args)
		if f != c.format || o != c.output {
			t.Errorf("preparse(%q) = %q, %q; want %q, %q", c.args, f, o, c.format, c.output)
		}
	}
}

func FuzzFormatPreparse(f *testing.F) {
	f.Add("--format\x00openmetrics\x00--output\x00/a/b.prom")
	f.Add("--output=/x/../y.xml\x00--format=junit")
	f.Fuzz(func(t *testing.T, s string) {
		format, output := preparse(append([]string{"x"}, strings.Split(s, "\x00")...))
		if _, ok := parseFormat(string(format)); !ok {
			t.Errorf("format %q", format)
		}
		if output != "" && validateOutput(output, format) != nil {
			t.Errorf("output %q for %q", output, format)
		}
	})
}

// Every label value an item names comes out as one valid sample line.
func FuzzOpenMetricsLabels(f *testing.F) {
	f.Add("flow", "a\"b\\c\nd")
	f.Add("Bad Key", "\x1b[31m\u202e")
	sample := regexp.MustCompile(`^[a-z_][a-z0-9_]*\{check="check_x"(,[a-z_][a-z0-9_]*="([^"\\\n]|\\.)*")*\} (NaN|[0-9.]+)$`)
	f.Fuzz(func(t *testing.T, k, v string) {
		var b strings.Builder
		write(&b, "check_x", "X", Result{Status: OK, Items: []labelled{{k: v}}}, OpenMetrics, 1)
		for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
			if !strings.HasPrefix(l, "# ") && !sample.MatchString(l) {
				t.Errorf("bad line %q", l)
			}
		}
	})
}

type labelled map[string]string

func (l labelled) MetricLabels() map[string]string { return l }

func TestOutputFile(t *testing.T) {
	dir := t.TempDir()
	spec := testSpec(func(context.Context, *Env) (Result, error) {
		return Result{Status: Warning, Summary: "hm", Perf: []Perf{Count("n", 1, Thresholds{})}}, nil
	})
	p := filepath.Join(dir, "guardrail.prom")
	code, out := run(t, spec, "--format", "openmetrics", "--output", p)
	data, err := os.ReadFile(p)
	if code != 1 || out != "TEST WARNING: hm | n=1;;;0\n" || err != nil || !strings.Contains(string(data), "guardrail_check_status{check=\"check_test\"} 1\n") {
		t.Fatalf("exit %d, stdout %q, file %q, %v", code, out, data, err)
	}
	// A bad command line still reaches the file: the collector sees UNKNOWN.
	code, out = run(t, spec, "--format", "openmetrics", "--output", p, "--bogus")
	data, _ = os.ReadFile(p)
	if code != 3 || !strings.HasPrefix(out, "TEST UNKNOWN: bad arguments") || !strings.Contains(string(data), "guardrail_check_status{check=\"check_test\"} 3\n") {
		t.Errorf("usage error: exit %d, stdout %q, file %q", code, out, data)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("left behind: %v", ents)
	}

	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("precious\n"), 0o644)
	link := filepath.Join(dir, "link.prom")
	os.Symlink(victim, link)
	foreign := filepath.Join(dir, "foreign.xml")
	os.WriteFile(foreign, []byte("<project>secret</project>\n"), 0o644)
	fifo := filepath.Join(dir, "fifo.prom")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "openmetrics", "--output", link}, "TEST UNKNOWN: --output " + link + ": is a symbolic link; refusing to replace it\n"},
		{[]string{"--format", "junit", "--output", foreign}, "TEST UNKNOWN: --output " + foreign + ": not a file a guardrail check wrote; refusing to replace it\n"},
		{[]string{"--format", "openmetrics", "--output", fifo}, "TEST UNKNOWN: --output " + fifo + ": not a regular file; refusing to replace it\n"},
		{[]string{"--format", "openmetrics", "--output", filepath.Join(dir, "none", "x.prom")}, "TEST UNKNOWN: --output " + filepath.Join(dir, "none", "x.prom") + ": no such file or directory\n"},
		{[]string{"--format", "json", "--output", "/etc/passwd"}, "TEST UNKNOWN: bad arguments: --output /etc/passwd: must end in .json for --format json (see --help)\n"},
		{[]string{"--output", "/etc/passwd"}, "TEST UNKNOWN: bad arguments: --output /etc/passwd: must end in .txt for --format text (see --help)\n"},
		{[]string{"--format", "junit", "--output", "rel.xml"}, "TEST UNKNOWN: bad arguments: --output rel.xml: must be an absolute path (see --help)\n"},
		{[]string{"--format", "junit", "--output", dir + "/../x.xml"}, "TEST UNKNOWN: bad arguments: --output " + dir + "/../x.xml: must be a clean path (no .., //, trailing /) (see --help)\n"},
	} {
		code, out := run(t, spec, c.args...)
		// Bad arguments are answered in the format asked for, on stdout.
		if code != 3 || out != c.want && !strings.Contains(out, strings.TrimSuffix(strings.TrimPrefix(c.want, "TEST UNKNOWN: "), "\n")) {
			t.Errorf("%q: exit %d, %q; want %q", c.args, code, out, c.want)
		}
	}
	if got, _ := os.ReadFile(victim); string(got) != "precious\n" {
		t.Errorf("link target changed: %q", got)
	}
	if got, _ := os.ReadFile(foreign); string(got) != "<project>secret</project>\n" {
		t.Errorf("foreign file changed: %q", got)
	}
	// Without --output, the why of an openmetrics answer is on stderr.
	var so, se strings.Builder
	if code := Main(spec, []string{"check_test", "--format", "openmetrics", "--output", "/etc/passwd"}, &so, &se); code != 3 ||
		se.String() != "TEST UNKNOWN: bad arguments: --output /etc/passwd: must end in .prom for --format openmetrics (see --help)\n" {
		t.Errorf("exit %d, stderr %q", code, se.String())
	}
	// Each format replaces a file of its own, and an empty one.
	for _, f := range Formats {
		p := filepath.Join(dir, "again"+outputSuffix[f])
		os.WriteFile(p, nil, 0o644)
		for range 2 {
			if code, out := run(t, spec, "--format", string(f), "--output", p); code != 1 || !strings.HasPrefix(out, "TEST WARNING") {
				t.Errorf("%s: exit %d %q", f, code, out)
			}
		}
	}
}
