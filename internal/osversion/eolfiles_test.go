package osversion

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/eol"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

func eolFixture(name string) string { return filepath.Join("..", "..", "testdata", "eol", name) }

func compileOne(t *testing.T, yaml, platform string) *Rules {
	t.Helper()
	p, err := policy.Parse("P", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	r := Compile("P", p.OSVersions)[platform]
	if r.Err != nil {
		t.Fatal(r.Err)
	}
	return r
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d.Add(12 * time.Hour)
}

// distro-info-data's real files, per tier, judged at fixed days; the
// policy's own eol entries override the file.
func TestEOLFromDistroInfo(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, eol.DistroInfoDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"debian.csv", "ubuntu.csv"} {
		data, err := os.ReadFile(eolFixture(f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name, yaml, platform, version, now string
		state                              plugin.Status
		reason                             string
	}{
		{"debian 11 standard past", "version: 1\nos_versions:\n  debian: {}\n", "debian", "11", "2025-01-01", plugin.Critical, "release 11 past end of life (2024-08-14, "},
		{"debian 11 lts within warning", "version: 1\nos_versions:\n  debian: {eol_tier: lts}\n", "debian", "11", "2026-07-01", plugin.Warning, "release 11 end of life in 61 days (2026-08-31"},
		{"debian 11 elts ok", "version: 1\nos_versions:\n  debian: {eol_tier: elts}\n", "debian", "11", "2026-07-01", plugin.OK, "meets policy"},
		{"debian 12 standard", "version: 1\nos_versions:\n  debian: {}\n", "debian", "12.5", "2026-07-11", plugin.Critical, "release 12 past end of life (2026-07-11"},
		{"policy overrides file", "version: 1\nos_versions:\n  debian:\n    eol_tier: lts\n    eol:\n      - {release: '12', date: 2026-01-01}\n", "debian", "12", "2026-02-01", plugin.Critical, "release 12 past end of life (2026-01-01)"},
		{"ubuntu 22.04 esm", "version: 1\nos_versions:\n  ubuntu: {eol_tier: esm}\n", "ubuntu", "22.04", "2028-01-01", plugin.OK, "meets policy"},
		{"ubuntu 22.04 standard", "version: 1\nos_versions:\n  ubuntu: {}\n", "ubuntu", "22.04", "2028-01-01", plugin.Critical, "release 22.04 past end of life (2027-06-01"},
		{"ubuntu 16.04 legacy", "version: 1\nos_versions:\n  ubuntu: {eol_tier: legacy, eol_warning_days: 30}\n", "ubuntu", "16.04", "2028-04-01", plugin.Warning, "release 16.04 end of life in 24 days (2028-04-25"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := compileOne(t, c.yaml, c.platform)
			cycles, err := ReadEOLFiles(root, r)
			if err != nil {
				t.Fatal(err)
			}
			r.AddFileEOL(cycles)
			f := verdictOf(r.Evaluate(mustParse(t, c.platform, c.version), day(c.now)))
			if f.State != c.state || !strings.Contains(f.Reason, c.reason) {
				t.Errorf("%s %s at %s: %s %q, want %s %q", c.platform, c.version, c.now, f.State, f.Reason, c.state, c.reason)
			}
		})
	}
	// Without distro-info-data installed: no dates, no error.
	r := compileOne(t, "version: 1\nos_versions:\n  debian: {}\n", "debian")
	if cycles, err := ReadEOLFiles(t.TempDir(), r); err != nil || len(cycles) != 0 {
		t.Errorf("no distro-info: %v %v", cycles, err)
	}
}

// endoflife.date files in both API versions map to the platform's cycles.
func TestEOLFromEndOfLife(t *testing.T) {
	v1NoDate := filepath.Join(t.TempDir(), "fortios-6.json")
	if err := os.WriteFile(v1NoDate, []byte(`{"result": {"releases": [{"name": "6.0", "isEol": true, "eolFrom": null}]}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		file, tier, platform, version, now string
		state                              plugin.Status
		reason                             string
	}{
		{"fortios-v0.json", "", "fortios", "7.0.15", "2025-10-01", plugin.Critical, "release 7.0 past end of life (2025-09-30"},
		{"fortios-v1.json", "", "fortios", "7.2.8", "2026-08-01", plugin.Warning, "release 7.2 end of life in 60 days (2026-09-30"},
		{"fortios-v0.json", "", "fortios", "v7.4.3,build2573", "2026-08-01", plugin.OK, "meets policy"},
		{"rhel-v0.json", "", "rhel", "7.9", "2025-01-01", plugin.Critical, "release 7 past end of life (2024-06-30"},
		{"rhel-v0.json", "extended", "rhel", "7.9", "2025-01-01", plugin.OK, "meets policy"},
		{"rhel-v0.json", "extended", "rhel", "7.9", "2028-07-01", plugin.Critical, "release 7 past end of life (2028-06-30"},
		{v1NoDate, "", "fortios", "6.0.18", "2026-01-01", plugin.Critical, "release 6.0 past end of life (no date published, " + v1NoDate + " line 1)"},
	}
	for _, c := range cases {
		path := c.file
		if !filepath.IsAbs(path) {
			path = eolFixture(path)
		}
		yaml := "version: 1\nos_versions:\n  " + c.platform + ":\n    eol_file: " + path + "\n"
		if c.tier != "" {
			yaml += "    eol_tier: " + c.tier + "\n"
		}
		r := compileOne(t, yaml, c.platform)
		cycles, err := ReadEOLFiles("", r)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		r.AddFileEOL(cycles)
		f := verdictOf(r.Evaluate(mustParse(t, c.platform, c.version), day(c.now)))
		if f.State != c.state || !strings.Contains(f.Reason, c.reason) {
			t.Errorf("%s %s %s at %s: %s %q, want %s %q", c.file, c.platform, c.version, c.now, f.State, f.Reason, c.state, c.reason)
		}
	}
}

func TestEOLFileErrors(t *testing.T) {
	dir := t.TempDir()
	odd := filepath.Join(dir, "odd.json")
	os.WriteFile(odd, []byte("[{\"cycle\": \"7.2\", \"eol\": \"2026-09-30\"},\n {\"cycle\": \"7.x\", \"eol\": \"2027-09-30\"}]"), 0o644)
	r := compileOne(t, "version: 1\nos_versions:\n  fortios:\n    eol_file: "+odd+"\n", "fortios")
	if _, err := ReadEOLFiles("", r); err == nil || !strings.Contains(err.Error(), "endoflife.date "+odd+", line 2, key cycle[1]: \"7.x\" is not a fortios version") {
		t.Errorf("unparsable cycle: %v", err)
	}
	missing := filepath.Join(dir, "none.json")
	r = compileOne(t, "version: 1\nos_versions:\n  fortios:\n    eol_file: "+missing+"\n", "fortios")
	if _, err := ReadEOLFiles("", r); err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "policy P, line 4, key os_versions.fortios.eol_file") {
		t.Errorf("missing file: %v", err)
	}
}

// Policy values osversion checks: tiers per platform, windows.
func TestCompileDeadlinesAndTiers(t *testing.T) {
	r := compileOne(t, `version: 1
os_versions:
  ios-xe:
    target: {version: "17.9.5", since: 2026-11-01, within_days: 30}
    blocked:
      - {from: "16.1.1", to: "17.9.3", reason: "CVE-2023-20198", published: 2023-10-16, within_days: 14}
      - {version: "17.9.1"}
`, "ios-xe")
	if r.TargetDeadline == nil || !r.TargetDeadline.Due().Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) || r.TargetDeadline.Line != 4 {
		t.Errorf("target deadline %+v", r.TargetDeadline)
	}
	if w := r.Blocked[0].Window; w == nil || !w.Due().Equal(time.Date(2023, 10, 30, 0, 0, 0, 0, time.UTC)) || r.Blocked[1].Window != nil {
		t.Errorf("blocked windows %+v %+v", r.Blocked[0].Window, r.Blocked[1].Window)
	}
	if r.EOLTier != "standard" {
		t.Errorf("default tier %q", r.EOLTier)
	}
	bad := []struct{ yaml, platform, want string }{
		{"version: 1\nos_versions:\n  debian:\n    eol_tier: esm\n", "debian", "policy P, line 4, key os_versions.debian.eol_tier: debian has no support tier \"esm\" (tiers: standard, lts, elts)"},
		{"version: 1\nos_versions:\n  ubuntu:\n    eol_tier: lts\n", "ubuntu", "policy P, line 4, key os_versions.ubuntu.eol_tier: ubuntu has no support tier \"lts\" (tiers: standard, esm, legacy)"},
		{"version: 1\nos_versions:\n  fortios:\n    eol_tier: elts\n", "fortios", "key os_versions.fortios.eol_tier: fortios has no support tier \"elts\" (tiers: standard, extended)"},
		{"version: 1\nos_versions:\n  fortios:\n    eol_file: ' '\n", "fortios", "line 4, key os_versions.fortios.eol_file: empty file name"},
		{"version: 1\nos_versions:\n  ios-xe:\n    blocked:\n      - version: '17.9.1'\n        published: 2023-10-16\n", "ios-xe", "policy P, line 6, key os_versions.ios-xe.blocked[0].published: published needs within_days"},
		{"version: 1\nos_versions:\n  ios-xe:\n    blocked:\n      - version: '17.9.1'\n        within_days: 14\n", "ios-xe", "policy P, line 5, key os_versions.ios-xe.blocked[0].within_days: within_days needs published"},
	}
	for _, c := range bad {
		p, err := policy.Parse("P", []byte(c.yaml))
		if err != nil {
			t.Fatal(err)
		}
		if r := Compile("P", p.OSVersions)[c.platform]; r.Err == nil || !strings.Contains(r.Err.Error(), c.want) {
			t.Errorf("got %v\nwant %q", r.Err, c.want)
		}
	}
}

// ReadEOLFile reads the policy's endoflife.date file and never
// distro-info-data (fleets without --root).
func TestReadEOLFileOnly(t *testing.T) {
	r := compileOne(t, "version: 1\nos_versions:\n  debian: {}\n", "debian")
	if cycles, err := ReadEOLFile(r); err != nil || cycles != nil {
		t.Errorf("debian without eol_file: %v %v", cycles, err)
	}
	r = compileOne(t, "version: 1\nos_versions:\n  fortios:\n    eol_file: "+eolFixture("fortios-v1.json")+"\n", "fortios")
	if cycles, err := ReadEOLFile(r); err != nil || len(cycles) == 0 || cycles[0].Source != eolFixture("fortios-v1.json") {
		t.Errorf("fortios: %v %v", cycles, err)
	}
}
