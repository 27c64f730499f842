package rpm

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/rpm/rpmtest"
)

// zyppGeneratedHost is the generated host made a SUSE one: the same rpmdb
// and repos, configured for zypper and refreshed by it.
func zyppGeneratedHost(tb testing.TB, dir string) *rpmtest.Host {
	rpmtest.NeedZypper(tb)
	h := generatedHostIn(tb, dir)
	// zypper lists only updates its solver can install: the generated
	// packages require glibc's libc, as real ones do
	h.Install(rpmtest.Pkg{Name: "glibc", Version: "2.34", Release: "100.el9", Vendor: "Rocky Enterprise Software Foundation",
		Provides: []string{"libc.so.6()(64bit)", "libc.so.6(GLIBC_2.34)(64bit)", "rtld(GNU_HASH)"}})
	h.ToZypp("baseos", "appstream")
	return h
}

// TestGeneratedAgainstZypper: on the generated host turned SUSE (1500
// installed, 7000 names, 400 advisories), our updates are zypper
// list-updates' and our advisories its needed security patches.
func TestGeneratedAgainstZypper(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a host of thousands of packages")
	}
	h := zyppGeneratedHost(t, t.TempDir())
	s, ok, err := Load(context.Background(), h.Root, Options{Arch: "x86_64"})
	if err != nil || !ok || s.Zypp == nil {
		t.Fatal(ok, err)
	}
	var got, want, advisories, patches []string
	seen := map[string]bool{}
	replaced := 0
	for _, u := range s.Updates() {
		if u.ReplacedBy != "" {
			replaced++ // zypper update replaces it; list-updates lists nothing
			continue
		}
		if !u.PatchOnly { // zypper patch's alone: in no list-updates
			got = append(got, fmt.Sprintf("%s.%s %s %s", u.Package, u.CandidateArch, u.Candidate, u.Origin))
		}
		for _, a := range u.Advisories {
			if !seen[a] {
				seen[a] = true
				advisories = append(advisories, a)
			}
		}
	}
	for _, u := range h.Zypper("list-updates") {
		want = append(want, fmt.Sprintf("%s.%s %s %s", u.Name, u.Arch, u.Edition, u.Source.Alias))
	}
	for _, p := range h.Zypper("list-patches", "--category", "security") {
		if p.Status == "needed" && p.Category == "security" {
			patches = append(patches, p.Name)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	sort.Strings(advisories)
	sort.Strings(patches)
	if len(got) < 300 || len(patches) < 50 {
		t.Fatalf("only %d updates, %d needed security patches generated", len(got), len(patches))
	}
	t.Logf("zypper: %d updates, %d needed security patches; %d replaced by obsoleting packages", len(want), len(patches), replaced)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("list-updates: we %d, zypper %d; only ours %v, only zypper's %v", len(got), len(want), first(minus(got, want)), first(minus(want, got)))
	}
	if strings.Join(advisories, " ") != strings.Join(patches, " ") {
		t.Errorf("needed security patches: we %d, zypper %d; %v / %v", len(advisories), len(patches), first(advisories), first(patches))
	}
}

// BenchmarkVersusZypper: the whole process (checkupdate) against `zypper
// --no-refresh list-updates` plus `list-patches --category security` on
// the generated SUSE host, wall time and peak RSS.
func BenchmarkVersusZypper(b *testing.B) {
	h := zyppGeneratedHost(b, b.TempDir())
	self := filepath.Join(b.TempDir(), "checkupdate")
	build := exec.Command("go", "build", "-o", self, "./rpmtest/checkupdate")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	ours := func() int64 {
		rss, code := runPeak(b, exec.Command(self, h.Root))
		if code != 0 {
			b.Fatalf("load exit %d", code)
		}
		return rss
	}
	zypper := func() int64 {
		var peak int64
		for _, args := range [][]string{{"--no-refresh", "list-updates"}, {"--no-refresh", "list-patches", "--category", "security"}} {
			rss, code := runPeak(b, h.ZypperCommand(args...))
			if code != 0 && code != 100 && code != 101 {
				b.Fatalf("zypper %v: exit %d", args, code)
			}
			peak = max(peak, rss)
		}
		return peak
	}
	ours()
	zypper()
	b.ResetTimer()
	var oursWall, zWall []time.Duration
	var oursRSS, zRSS int64
	for i := 0; i < 5; i++ {
		t0 := time.Now()
		oursRSS = max(oursRSS, ours())
		oursWall = append(oursWall, time.Since(t0))
		t0 = time.Now()
		zRSS = max(zRSS, zypper())
		zWall = append(zWall, time.Since(t0))
	}
	b.StopTimer()
	ow, zw := median(oursWall), median(zWall)
	b.ReportMetric(float64(ow)/float64(time.Millisecond), "ours-ms")
	b.ReportMetric(float64(zw)/float64(time.Millisecond), "zypper-ms")
	b.ReportMetric(float64(zw)/float64(ow), "wall-ratio")
	b.ReportMetric(float64(oursRSS)/1024, "ours-MiB")
	b.ReportMetric(float64(zRSS)/1024, "zypper-MiB")
	b.ReportMetric(float64(zRSS)/float64(oursRSS), "rss-ratio")
}

// minus is what a has and b has not.
func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	return out
}
