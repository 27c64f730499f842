package osversion

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

var testNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func loadRules(t testing.TB) map[string]*Rules {
	t.Helper()
	p, err := policy.Load(filepath.Join("..", "..", "testdata", "osversion", "policy.yaml"), true)
	if err != nil {
		t.Fatal(err)
	}
	rules := Compile(p.File, p.OSVersions)
	if errs := Broken(rules); len(errs) > 0 {
		t.Fatal(errs)
	}
	return rules
}

// judged is a finding as a state and reason, the way check_os_version
// words it when no deadline applies (its judge is tested on its own):
// blocked, below minimum and past end of life CRITICAL, an incomparable
// version UNKNOWN, end of life near and below target WARNING, worst first.
func judged(f Finding) (plugin.Status, string) {
	if f.Err != nil {
		return plugin.Unknown, f.Err.Error()
	}
	if len(f.Breaches) == 0 {
		if f.Meets == "" {
			return plugin.OK, "meets policy"
		}
		return plugin.OK, "meets policy (" + f.Meets + ")"
	}
	state := func(b Breach) plugin.Status {
		switch b.Rule {
		case InBlocked, BelowMinimum, PastEOL:
			return plugin.Critical
		case Incomparable:
			return plugin.Unknown
		}
		return plugin.Warning
	}
	var texts []string
	worst := plugin.OK
	for _, s := range []plugin.Status{plugin.Critical, plugin.Unknown, plugin.Warning} {
		for _, b := range f.Breaches {
			if state(b) == s {
				texts = append(texts, b.String())
				worst = plugin.Worse(worst, s)
			}
		}
	}
	return worst, strings.Join(texts, "; ")
}

// verdict is a finding judged (see judged).
type verdict struct {
	State  plugin.Status
	Reason string
}

func verdictOf(f Finding) verdict {
	s, r := judged(f)
	return verdict{s, r}
}

func TestEvaluate(t *testing.T) {
	rules := loadRules(t)
	cases := []struct {
		platform, version string
		state             plugin.Status
		reason            string // exact
	}{
		{"ios-xe", "17.9.4a", plugin.OK, "meets policy (target 17.9.4a)"},
		{"ios-xe", "17.12.1", plugin.OK, "meets policy (target 17.9.4a)"},
		{"ios-xe", "17.09.04a", plugin.OK, "meets policy (target 17.9.4a)"},
		{"ios-xe", "17.9.4", plugin.Warning, "below target 17.9.4a"},
		{"ios-xe", "17.6.5", plugin.Warning, "below target 17.9.4a"},
		{"ios-xe", "17.6.3", plugin.Critical, "blocked (16.1.1 to 17.6.3): CVE-2023-20198; below target 17.9.4a"},
		{"ios-xe", "17.9.1", plugin.Critical, "blocked: CSCwe12345; below target 17.9.4a"},
		{"ios-xe", "17.3.4a", plugin.Critical, "blocked (16.1.1 to 17.6.3): CVE-2023-20198; below minimum 17.6.1; release 17.3 past end of life (2025-06-30); below target 17.9.4a"},
		{"ios-xe", "3.16.8S", plugin.Critical, "below minimum 17.6.1; below target 17.9.4a"},
		{"ios", "15.2(7)E10", plugin.OK, "meets policy (target 15.2(7)E10)"},
		{"ios", "15.2(7)E4", plugin.Warning, "below target 15.2(7)E10"},
		{"ios", "15.2(7)E3", plugin.Critical, "below minimum 15.2(7)E4; below target 15.2(7)E10"},
		{"ios", "15.2(4)M3", plugin.Unknown, ""},
		{"nx-os", "9.3(10)", plugin.OK, "meets policy (target 9.3(10))"},
		{"nx-os", "9.3(9)", plugin.Warning, "below target 9.3(10)"},
		{"nx-os", "7.0(3)I7(9)", plugin.Critical, "below minimum 9.3(9); below target 9.3(10)"},
		{"junos", "21.4R3-S10", plugin.OK, "meets policy (target 21.4R3-S5)"},
		{"junos", "21.4R3-S1", plugin.Critical, "blocked: JSA70195; below target 21.4R3-S5"},
		{"junos", "21.4R3-S5.4", plugin.OK, "meets policy (target 21.4R3-S5)"},
		{"junos", "21.4R2", plugin.Critical, "below minimum 21.4R3; below target 21.4R3-S5"},
		{"fortios", "v7.2.10,build1706,240918 (GA.M)", plugin.OK, "meets policy (target 7.2.10)"},
		{"fortios", "7.2.8", plugin.Warning, "below target 7.2.10"},
		{"pan-os", "10.2.7", plugin.Critical, "blocked (up to 10.2.7): CVE-2024-3400; below minimum 10.2.9; below target 10.2.9-h1"},
		{"pan-os", "10.2.9", plugin.Warning, "below target 10.2.9-h1"},
		{"pan-os", "10.2.9-h1", plugin.OK, "meets policy (target 10.2.9-h1)"},
		{"eos", "4.30.2M", plugin.OK, "meets policy (minimum 4.30.2F)"},
		{"eos", "4.29.9M", plugin.Critical, "below minimum 4.30.2F"},
		{"routeros", "7.10rc2", plugin.Critical, "blocked (7.10beta1 to 7.10rc9): pre-release; below target 7.14.3"},
		{"routeros", "7.10", plugin.Warning, "below target 7.14.3"},
		{"gaia", "R81.10 Take 150", plugin.Warning, "release R81.10 end of life in 60 days (2026-07-31); below target R81.20 Take 92"},
		{"gaia", "R81.20 JHF T92", plugin.OK, "meets policy (target R81.20 Take 92)"},
		{"gaia", "R80.40", plugin.Critical, "below minimum R81.10; below target R81.20 Take 92"},
		{"debian", "12", plugin.OK, "meets policy (target 12)"},
		{"debian", "11", plugin.Warning, "below target 12"},
		{"debian", "10", plugin.Critical, "below minimum 11; release 10 past end of life (2024-06-30); below target 12"},
		{"ubuntu", "20.04", plugin.Critical, "below minimum 22.04"},
	}
	for _, c := range cases {
		v, err := Parse(c.platform, c.version)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		f := verdictOf(rules[c.platform].Evaluate(v, testNow))
		if f.State != c.state || c.reason != "" && f.Reason != c.reason {
			t.Errorf("%s %s: %s %q, want %s %q", c.platform, c.version, plugin.StatusText(f.State), f.Reason, plugin.StatusText(c.state), c.reason)
		}
		if c.state == plugin.Unknown && !strings.Contains(f.Reason, "policy.yaml, line 20") {
			t.Errorf("%s %s: unknown reason %q does not name the policy line", c.platform, c.version, f.Reason)
		}
	}
}

func TestEOLWindowEdges(t *testing.T) {
	rules := loadRules(t)
	v := mustParse(t, "debian", "11.9")
	eol := time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		now   time.Time
		state plugin.Status
	}{
		{eol.Add(-91 * 24 * time.Hour), plugin.Warning}, // below target 12 anyway
		{eol.Add(-time.Second), plugin.Warning},
		{eol, plugin.Critical},
		{eol.Add(24 * time.Hour), plugin.Critical},
	} {
		if f := verdictOf(rules["debian"].Evaluate(v, c.now)); f.State != c.state {
			t.Errorf("at %s: %s %q", c.now, plugin.StatusText(f.State), f.Reason)
		}
	}
	// No target: the window alone decides.
	r := &Rules{Platform: "debian", EOLWarningDays: 90, EOL: []Cycle{{Release: mustParse(t, "debian", "11"), Date: eol}}}
	for _, c := range []struct {
		now   time.Time
		state plugin.Status
	}{
		{eol.Add(-91 * 24 * time.Hour), plugin.OK},
		{eol.Add(-90 * 24 * time.Hour), plugin.Warning},
		{eol.Add(-time.Second), plugin.Warning},
		{eol, plugin.Critical},
	} {
		if f := verdictOf(r.Evaluate(v, c.now)); f.State != c.state {
			t.Errorf("no target, at %s: %s %q", c.now, plugin.StatusText(f.State), f.Reason)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"bad minimum", "version: 1\nos_versions:\n  ios:\n    minimum: '15.2.7'\n",
			`policy p.yaml, line 4, key os_versions.ios.minimum: "15.2.7" is not a ios version (want like 15.2(7)E4)`},
		{"unknown platform", "version: 1\nos_versions:\n  vms:\n    minimum: '8.4'\n",
			`policy p.yaml, line 4, key os_versions.vms: unknown platform "vms"`},
		{"target below minimum", "version: 1\nos_versions:\n  pan-os:\n    minimum: '10.2.9'\n    target: '10.2.8'\n",
			`policy p.yaml, line 5, key os_versions.pan-os.target: target 10.2.8 is below minimum 10.2.9`},
		{"trains", "version: 1\nos_versions:\n  ios:\n    minimum: '15.2(7)E4'\n    target: '15.2(4)M3'\n",
			`policy p.yaml, line 5, key os_versions.ios.target: ios 15.2(4)M3 and 15.2(7)E4 are of different trains`},
		{"bad blocked", "version: 1\nos_versions:\n  junos:\n    blocked:\n      - version: '21.4R3-S'\n",
			`policy p.yaml, line 5, key os_versions.junos.blocked[0].version: "21.4R3-S" is not a junos version`},
		{"blocked both", "version: 1\nos_versions:\n  junos:\n    blocked:\n      - version: '21.4R3'\n        from: '21.4R1'\n",
			`policy p.yaml, line 5, key os_versions.junos.blocked[0]: give either version or from/to, not both`},
		{"blocked empty", "version: 1\nos_versions:\n  junos:\n    blocked:\n      - reason: 'x'\n",
			`key os_versions.junos.blocked[0]: blocked entry needs version or from/to`},
		{"blocked reversed", "version: 1\nos_versions:\n  eos:\n    blocked:\n      - from: '4.30.2F'\n        to: '4.29.1F'\n",
			`policy p.yaml, line 5, key os_versions.eos.blocked[0]: from 4.30.2F is above to 4.29.1F`},
		{"bad eol release", "version: 1\nos_versions:\n  gaia:\n    eol:\n      - release: '81.20'\n        date: 2026-01-01\n",
			`policy p.yaml, line 5, key os_versions.gaia.eol[0].release: "81.20" is not a gaia version`},
	}
	for _, c := range cases {
		p, err := policy.Parse("p.yaml", []byte(c.yaml))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		errs := Broken(Compile(p.File, p.OSVersions))
		if len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), c.want) && !strings.Contains(errs[0].Error(), c.want) {
			t.Errorf("%s: %v\nwant %s", c.name, errs, c.want)
		}
	}
}

// TestCompileKeepsGoodPlatforms: one entry that does not compile makes its
// own platform UNKNOWN, naming the policy line, and no other.
func TestCompileKeepsGoodPlatforms(t *testing.T) {
	yaml := "version: 1\nos_versions:\n  junos:\n    minimum: '21.4R3-S'\n  gaia:\n    minimum: 'R80.20M1'\n    target: 'R81.10'\n  debian:\n    target: '12.5'\n"
	p, err := policy.Parse("p.yaml", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	rules := Compile(p.File, p.OSVersions)
	if errs := Broken(rules); len(errs) != 1 || !strings.HasPrefix(errs[0].Error(), "policy p.yaml, line 4, key os_versions.junos.minimum: ") {
		t.Fatalf("broken: %v", errs)
	}
	for _, c := range []struct {
		platform, version string
		state             plugin.Status
		reason            string
	}{
		{"junos", "21.4R3-S5", plugin.Unknown, `policy p.yaml, line 4, key os_versions.junos.minimum: "21.4R3-S" is not a junos version (want like 21.4R3-S5.4)`},
		{"gaia", "R81.10 Take 150", plugin.OK, "meets policy (target R81.10)"},
		{"gaia", "R80.20SP", plugin.Unknown, "cannot compare with minimum R80.20M1 (policy p.yaml, line 6): gaia R80.20SP and R80.20M1 are of different trains (SP, mainline) and are not ordered; below target R81.10"},
		{"gaia", "R80.30SP", plugin.Warning, "below target R81.10"},
		{"gaia", "R80.20M2", plugin.Warning, "below target R81.10"},
		{"gaia", "R80.10", plugin.Critical, "below minimum R80.20M1; below target R81.10"},
		{"debian", "12.11", plugin.OK, "meets policy (target 12.5)"},
		{"debian", "12.4", plugin.Warning, "below target 12.5"},
	} {
		f := verdictOf(rules[c.platform].Evaluate(mustParse(t, c.platform, c.version), testNow))
		if f.State != c.state || f.Reason != c.reason {
			t.Errorf("%s %s: %s %q, want %s %q", c.platform, c.version, plugin.StatusText(f.State), f.Reason, plugin.StatusText(c.state), c.reason)
		}
	}
}

func TestDetect(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "osversion", "sysdescr.txt"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 4 {
			t.Fatalf("sysdescr.txt line %d: %d fields", i+1, len(f))
		}
		n++
		want, oid, descr, version := f[0], f[1], f[2], f[3]
		got, ok := Detect(descr, oid)
		if want == "-" {
			if ok {
				t.Errorf("line %d: detected %s, want none", i+1, got)
			}
			continue
		}
		if !ok || got != want {
			t.Errorf("line %d: detected %q %v, want %s", i+1, got, ok, want)
			continue
		}
		v, err := VersionFrom(got, descr, nil)
		if version == "-" {
			if err == nil {
				t.Errorf("line %d: version %q from sysDescr, want an error (it is in an OID)", i+1, v)
			}
			continue
		}
		if err != nil || v != version {
			t.Errorf("line %d: version %q %v, want %s", i+1, v, err, version)
		}
		if _, err := Parse(got, v); err != nil {
			t.Errorf("line %d: %v", i+1, err)
		}
	}
	if n < 15 {
		t.Errorf("only %d sysDescr cases", n)
	}
	for platform, oid := range versionOIDs {
		v, err := VersionFrom(platform, "whatever", map[string]string{oid: " v7.2.8 "})
		if err != nil || v != "v7.2.8" {
			t.Errorf("%s: %q %v", platform, v, err)
		}
		if _, err := VersionFrom(platform, "whatever", nil); err == nil || !strings.Contains(err.Error(), oid) {
			t.Errorf("%s: missing OID: %v", platform, err)
		}
	}
}

// FuzzDetect: any sysDescr/sysObjectID/OID value gives a platform and a
// version or an error, never a panic.
func FuzzDetect(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "osversion", "sysdescr.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if fs := strings.Split(line, "\t"); len(fs) == 4 {
			f.Add(fs[2], fs[1], fs[3])
		}
	}
	f.Fuzz(func(t *testing.T, descr, oid, value string) {
		p, ok := Detect(descr, oid)
		if !ok {
			return
		}
		values := map[string]string{}
		for _, o := range VersionOIDs() {
			values[o] = value
		}
		if v, err := VersionFrom(p, descr, values); err == nil {
			_, _ = Parse(p, v)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	inputs := [][2]string{{"ios", "15.2(7)E10"}, {"ios-xe", "17.09.04a"}, {"junos", "21.4R3-S5.4"},
		{"fortios", "v7.2.8,build1639,240313 (GA.M)"}, {"gaia", "R81.20 Take 92"}, {"debian", "12.5"}}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		in := inputs[i%len(inputs)]
		if _, err := Parse(in[0], in[1]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	rules := loadRules(b)
	v := mustParse(b, "ios-xe", "17.6.3")
	b.ReportAllocs()
	for b.Loop() {
		if f := verdictOf(rules["ios-xe"].Evaluate(v, testNow)); f.State != plugin.Critical {
			b.Fatal(f)
		}
	}
}

// The example policy shipped in packaging/ must compile.
func TestExamplePolicyCompiles(t *testing.T) {
	p, err := policy.Load(filepath.Join("..", "..", "packaging", "policy.example.yaml"), true)
	if err != nil {
		t.Fatal(err)
	}
	rules := Compile(p.File, p.OSVersions)
	if errs := Broken(rules); len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(rules) == 0 {
		t.Error("no os_versions in the example policy")
	}
}
