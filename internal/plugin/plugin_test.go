package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"
)

func TestParseRange(t *testing.T) {
	// value → alerts?
	cases := []struct {
		in     string
		alert  map[float64]bool
		bad    bool
		isNull bool
	}{
		{in: "", isNull: true},
		{in: "  ", isNull: true},
		{in: "10", alert: map[float64]bool{-1: true, 0: false, 10: false, 10.5: true}},
		{in: "10:", alert: map[float64]bool{9: true, 10: false, 1e9: false}},
		{in: "~:10", alert: map[float64]bool{-1e9: false, 10: false, 11: true}},
		{in: "10:20", alert: map[float64]bool{9: true, 10: false, 20: false, 21: true}},
		{in: "@10:20", alert: map[float64]bool{9: false, 10: true, 15: true, 20: true, 21: false}},
		{in: "@0", alert: map[float64]bool{0: true, 1: false}},
		{in: "0", alert: map[float64]bool{0: false, 1: true}},
		{in: "20:10", bad: true},
		{in: "abc", bad: true},
		{in: "~", bad: true},
		{in: "@", bad: true},
		{in: "NaN", bad: true},
		{in: "inf", bad: true},
		{in: "-inf:", bad: true},
		{in: "1;2", bad: true},
		{in: "1|2", bad: true},
		{in: ":", bad: true},
	}
	for _, c := range cases {
		r, err := ParseRange(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("ParseRange(%q) accepted", c.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseRange(%q): %v", c.in, err)
			continue
		}
		if c.isNull != (r == nil) {
			t.Errorf("ParseRange(%q) = %v", c.in, r)
		}
		for v, want := range c.alert {
			if got := r.Alert(v); got != want {
				t.Errorf("range %q alert(%v) = %v, want %v", c.in, v, got, want)
			}
		}
		if r != nil && r.String() != strings.TrimSpace(c.in) {
			t.Errorf("range %q prints as %q", c.in, r.String())
		}
	}
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"", "10", "10:", "~:10", "10:20", "@10:20", "@", "~", ":", "1e308:", "-0:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRange(s)
		if err == nil && r != nil {
			r.Alert(0)
			if strings.ContainsAny(r.String(), " ;|") {
				t.Fatalf("range %q prints %q", s, r.String())
			}
		}
	})
}

func TestThresholdsJudge(t *testing.T) {
	th, err := ParseThresholds("5", "10")
	if err != nil {
		t.Fatal(err)
	}
	for v, want := range map[float64]Status{0: OK, 5: OK, 6: Warning, 10: Warning, 11: Critical} {
		if got := th.Judge(v); got != want {
			t.Errorf("judge(%v) = %v, want %v", v, got, want)
		}
	}
	if (Thresholds{}).Judge(1e9) != OK {
		t.Error("no thresholds must be OK")
	}
	if _, err := ParseThresholds("x", ""); err == nil || !strings.Contains(err.Error(), "warning") {
		t.Errorf("bad warning: %v", err)
	}
}

func TestWorse(t *testing.T) {
	for _, c := range []struct{ a, b, want Status }{
		{OK, Warning, Warning}, {Warning, Unknown, Unknown}, {Unknown, Critical, Critical},
		{Critical, Unknown, Critical}, {Critical, OK, Critical}, {OK, OK, OK},
	} {
		if got := Worse(c.a, c.b); got != c.want {
			t.Errorf("Worse(%v,%v) = %v", c.a, c.b, got)
		}
	}
}

func TestPerfString(t *testing.T) {
	w, c := MustRange("~:10"), MustRange("@10:20")
	cases := []struct {
		p    Perf
		want string
	}{
		{Count("available_upgrades", 136, Thresholds{}), "available_upgrades=136;;;0"},
		{Perf{Label: "time", Value: 0.25, UOM: "s", Thresholds: Thresholds{w, c}, Min: Bound(0), Max: Bound(10)}, "time=0.25s;~:10;@10:20;0;10"},
		{Perf{Label: "disk usage", Value: 1}, "'disk usage'=1"},
		{Perf{Label: "it's", Value: 1}, "'it''s'=1"},
		{Perf{Label: "a=b", Value: 1}, "ab=1"},
		{Perf{Label: "ios-xe_drifted", Value: 3, Min: Bound(0)}, "ios-xe_drifted=3;;;0"},
		{Perf{Label: "x", Value: 1, UOM: "bogus"}, "x=1"},
		{Perf{Label: "big", Value: 1e21}, "big=1000000000000000000000"},
	}
	for _, c := range cases {
		if got := c.p.String(); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

func TestWriteTextKeepsStatusLineClean(t *testing.T) {
	var b bytes.Buffer
	r := Result{Status: Critical, Summary: "2 bad | one\nsecond line",
		Long: []string{"detail a", "detail | b"}, Perf: []Perf{Count("n", 2, Thresholds{})}}
	if err := Write(&b, "check_x", "X", r, Text); err != nil {
		t.Fatal(err)
	}
	want := "X CRITICAL: 2 bad / one second line | n=2;;;0\ndetail a\ndetail / b\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	r := Result{Status: Warning, Summary: "s", Perf: []Perf{{Label: "a", Value: 1, Thresholds: Thresholds{Warn: MustRange("0")}, Min: Bound(0)}},
		Items: []map[string]string{{"k": "v"}}}
	if err := Write(&b, "check_x", "X", r, JSON); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := `{"check":"check_x","exit_code":1,"items":[{"k":"v"}],"perfdata":[{"crit":null,"label":"a","max":null,"min":0,"uom":"","value":1,"warn":"0"}],"status":"WARNING","summary":"s"}`
	if enc, _ := json.Marshal(got); string(enc) != want {
		t.Errorf("got  %s\nwant %s", enc, want)
	}
}

// testOptions is a check's typed options, read once from its flags.
type testOptions struct{ thing string }

func testSpec(check func(context.Context, *Env) (Result, error)) Spec {
	return testSpecOf(func(testOptions) Check { return check })
}

func testSpecOf(bind func(testOptions) Check) Spec {
	return Spec{Name: "check_test", Label: "TEST", Usage: "a test check",
		Flags: []cli.Flag{&cli.StringFlag{Name: "thing"}},
		Options: func(c *cli.Context) (Check, error) {
			o := testOptions{thing: c.String("thing")}
			if o.thing == "bad" {
				return nil, errors.New("--thing must not be bad")
			}
			if o.thing == "worse" {
				return nil, Usagef("--thing %q is worse", o.thing)
			}
			return bind(o), nil
		}}
}

func run(t *testing.T, s Spec, args ...string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(s, append([]string{"check_test"}, args...), &out, &errb)
	return code, out.String()
}

func TestMain(t *testing.T) {
	ok := testSpecOf(func(o testOptions) Check {
		return func(_ context.Context, env *Env) (Result, error) {
			return Result{Status: OK, Summary: "fine v=" + strings.Repeat("v", env.Verbose) + " thing=" + o.thing}, nil
		}
	})
	cases := []struct {
		name string
		spec Spec
		args []string
		code int
		out  string // prefix of stdout
	}{
		{"ok", ok, nil, 0, "TEST OK: fine v= thing=\n"},
		{"flags", ok, []string{"-vvv", "--thing", "x"}, 0, "TEST OK: fine v=vvv thing=x"},
		{"verbose repeated", ok, []string{"-v", "-v"}, 0, "TEST OK: fine v=vv "},
		{"help", ok, []string{"-h"}, 3, "NAME:\n   check_test - a test check"},
		{"version", ok, []string{"-V"}, 3, "check_test version dev"},
		{"options error", ok, []string{"--thing", "bad"}, 3, "TEST UNKNOWN: bad arguments: --thing must not be bad (see --help)\n"},
		{"options usage error", ok, []string{"--thing", "worse"}, 3, "TEST UNKNOWN: bad arguments: --thing \"worse\" is worse (see --help)\n"},
		{"late usage error", testSpec(func(context.Context, *Env) (Result, error) {
			return Result{}, Usagef("found late")
		}), nil, 3, "TEST UNKNOWN: bad arguments: found late (see --help)\n"},
		{"unknown flag", ok, []string{"--bogus"}, 3, "TEST UNKNOWN: bad arguments: flag provided but not defined: -bogus"},
		{"positional", ok, []string{"; rm -rf /"}, 3, `TEST UNKNOWN: bad arguments: unexpected argument "; rm -rf /"`},
		{"bad timeout", ok, []string{"-t", "0"}, 3, "TEST UNKNOWN: bad arguments: --timeout must be 1 to 3600"},
		{"bad format", ok, []string{"--format", "xml"}, 3, "TEST UNKNOWN: bad arguments: --format must be text, json, openmetrics or junit"},
		{"huge arg", ok, []string{"--thing", strings.Repeat("a", 10<<20)}, 3, "TEST UNKNOWN: argument of 10485760 bytes refused"},
		{"nul arg", ok, []string{"--thing", "a\x00b"}, 3, "TEST UNKNOWN: argument with a NUL byte refused"},
		{"error", testSpec(func(context.Context, *Env) (Result, error) {
			return Result{}, errors.New("cannot read /x, line 3")
		}), nil, 3, "TEST UNKNOWN: cannot read /x, line 3\n"},
		{"panic", testSpec(func(context.Context, *Env) (Result, error) {
			var s []int
			_ = s[len(s)] // index out of range, as a parser's bug would
			return Result{}, nil
		}), nil, 3, "TEST UNKNOWN: internal error: runtime error: index out of range [0] with length 0"},
		{"json error", testSpec(func(context.Context, *Env) (Result, error) {
			return Result{}, errors.New("boom")
		}), []string{"--format", "json"}, 3, `{"check":"check_test","status":"UNKNOWN","exit_code":3,"summary":"boom","perfdata":[],"items":[]}`},
		{"json bad args", ok, []string{"--format=json", "--nope"}, 3, `{"check":"check_test","status":"UNKNOWN","exit_code":3,"summary":"bad arguments`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out := run(t, c.spec, c.args...)
			if code != c.code || !strings.HasPrefix(out, c.out) {
				t.Errorf("exit %d, stdout %q; want %d, prefix %q", code, out, c.code, c.out)
			}
		})
	}
}

func TestTimeoutEvenWhenBlocked(t *testing.T) {
	// -t counts from the process start; this test is a process start of
	// its own, whatever ran before it (-count, other tests' time).
	started = time.Now()
	block := make(chan struct{})
	defer close(block)
	s := testSpec(func(context.Context, *Env) (Result, error) {
		<-block // ignores its context, as a hung read(2) would
		return Result{}, nil
	})
	start := time.Now()
	code, out := run(t, s, "-t", "1")
	if code != 3 || out != "TEST UNKNOWN: timed out after 1 s\n" {
		t.Errorf("exit %d, %q", code, out)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
}

// Issue 9: NUL and other control bytes from inputs never reach the output,
// in the status line, the long output or JSON.
func TestControlBytesNeverReachTheOutput(t *testing.T) {
	hostile := "a\x00b\x1b[31mc\x07d\x7fe\u0085f\u202eg\xffh\tz"
	s := testSpec(func(context.Context, *Env) (Result, error) {
		return Result{Status: Warning, Summary: "sum " + hostile, Long: []string{"long " + hostile}}, nil
	})
	for _, format := range []string{"text", "json"} {
		_, out := run(t, s, "--format", format)
		want := "a?b?[31mc?d?e?f?g?h z"
		if !strings.Contains(out, "sum "+want) {
			t.Errorf("%s: %q, want it to contain %q", format, out, want)
		}
		for _, r := range strings.TrimSuffix(out, "\n") {
			if r != '\n' && (r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == 0x202e || r == 0xfffd) {
				t.Errorf("%s: control %U in %q", format, r, out)
			}
		}
		if strings.Contains(out, "\\u0000") || strings.Contains(out, "\\u001b") {
			t.Errorf("%s: escaped control bytes in %q", format, out)
		}
	}
}

// Main sets a soft memory limit (an out-of-memory death would exit 2,
// CRITICAL), unless GOMEMLIMIT chose one.
func TestMainSetsASoftMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(old)
	t.Setenv("GOMEMLIMIT", "")
	run(t, testSpec(func(context.Context, *Env) (Result, error) { return Result{}, nil }))
	if got := debug.SetMemoryLimit(-1); got != memoryLimit {
		t.Errorf("memory limit %d, want %d", got, memoryLimit)
	}
}
