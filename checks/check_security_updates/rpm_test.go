package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/proctest"
	"github.com/guardrail-monitoring/guardrail/internal/rpm/rpmtest"
)

// The RPM roots' metadata are dated fetched (the mtime dnf itself goes by),
// the check runs at rpmNow.
var (
	fetched = time.Date(2026, 11, 30, 6, 0, 0, 0, time.UTC)
	rpmNow  = "2026-12-01T08:00:00Z"
)

// el9 is a package of a RHEL 9-like host.
func el9(name, version, release string) rpmtest.Pkg {
	return rpmtest.Pkg{Name: name, Version: version, Release: release}
}

// mixedHost is a RHEL 9-like root with a BaseOS that publishes advisories
// and an AppStream that publishes none: a plain security update (with an
// epoch), an installonly kernel, a fix masked by a newer non-security build,
// a bugfix, an excluded (held) update, an update from a repo without
// updateinfo and a package only an obsoleting one replaces.
func mixedHost(t *testing.T) *rpmtest.Host {
	h := rpmtest.NewHost(t)
	ssl := rpmtest.Pkg{Name: "openssl-libs", Version: "3.0.7", Release: "27.el9", Epoch: 1}
	ssl2 := ssl
	ssl2.Release = "28.el9"
	h.Install(ssl, el9("bash", "5.1.8", "6.el9"), el9("kernel", "5.14.0", "362.el9"), el9("curl", "7.76.1", "26.el9"),
		el9("tar", "1.34", "6.el9"), el9("zlib", "1.2.11", "40.el9"), el9("vim-minimal", "8.2.2637", "20.el9"), el9("oldtool", "1.0", "1.el9"))
	h.Repo("baseos", "excludepkgs=vim-minimal", []rpmtest.Pkg{ssl2, el9("bash", "5.1.8", "9.el9"), el9("kernel", "5.14.0", "427.el9"),
		el9("curl", "7.76.1", "28.el9"), el9("curl", "7.76.1", "29.el9"), el9("zlib", "1.2.11", "40.el9"), el9("vim-minimal", "8.2.2637", "21.el9")},
		[]rpmtest.Advisory{
			{ID: "RLSA-2026:0101", Type: "security", Severity: "Important", Packages: []rpmtest.Pkg{ssl2}},
			{ID: "RLSA-2026:0102", Type: "security", Severity: "Critical", Packages: []rpmtest.Pkg{el9("kernel", "5.14.0", "427.el9")}},
			{ID: "RLSA-2026:0103", Type: "security", Severity: "Moderate", Packages: []rpmtest.Pkg{el9("curl", "7.76.1", "28.el9")}},
			{ID: "RLBA-2026:0104", Type: "bugfix", Packages: []rpmtest.Pkg{el9("bash", "5.1.8", "9.el9"), el9("curl", "7.76.1", "29.el9")}},
			{ID: "RLSA-2026:0105", Type: "security", Severity: "Important", Packages: []rpmtest.Pkg{el9("vim-minimal", "8.2.2637", "21.el9")}},
		})
	h.Repo("appstream", "", []rpmtest.Pkg{el9("tar", "1.34", "7.el9"), {Name: "newtool", Version: "2.0", Release: "1.el9", Obsoletes: []string{"oldtool < 2"}}}, nil)
	h.Makecache()
	dateCache(t, h.Root, fetched)
	return h
}

// dateCache sets the mtime of every file of the root's dnf cache.
func dateCache(t *testing.T, root string, when time.Time) {
	t.Helper()
	err := filepath.Walk(filepath.Join(root, "var/cache/dnf"), func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, when, when)
	})
	if err != nil {
		t.Fatal(err)
	}
}

var cacheHash = regexp.MustCompile(`-[0-9a-f]{16}\b`)

// runRPM runs the check on an RPM root; its output has the root's path,
// the harness folder (the repos' URLs) and the cache folders' URL hashes
// (all new temporary folders each run) replaced.
func runRPM(t *testing.T, bin, root string, args ...string) (int, string) {
	t.Helper()
	policy, _ := filepath.Abs("../../testdata/securityupdates/defaults.yaml")
	state := filepath.Join(t.TempDir(), "guardrail.json")
	r := proctest.Exec(t, bin, []string{"GUARDRAIL_NOW=" + rpmNow},
		append([]string{"--root", root, "--state-file", state, "--policy", policy}, args...)...)
	out := strings.ReplaceAll(r.Stdout+r.Stderr, root, "$ROOT")
	out = strings.ReplaceAll(out, filepath.Dir(root), "$HOST")
	return r.Code, cacheHash.ReplaceAllString(out, "-HASH")
}

// TestGoldenRPM: the whole binary on RPM roots made with the real rpm,
// createrepo_c and dnf makecache.
func TestGoldenRPM(t *testing.T) {
	bin := proctest.Build(t, "check_security_updates")
	mixed := mixedHost(t)
	stale := mixedHost(t)
	dateCache(t, stale.Root, fetched.AddDate(0, 0, -40))

	noCache := rpmtest.NewHost(t)
	noCache.Install(el9("bash", "5.1.8", "6.el9"))
	noCache.Repo("baseos", "", []rpmtest.Pkg{el9("bash", "5.1.8", "9.el9")}, nil)

	partly := mixedHost(t)
	partly.Repo("epel", "", []rpmtest.Pkg{el9("htop", "3.3.0", "1.el9")}, nil) // configured after makecache

	centos7 := rpmtest.NewHost(t)
	centos7.Install(el9("bash", "4.2.46", "34.el7"), el9("tzdata", "2024a", "1.el7"))
	centos7.Repo("base", "", []rpmtest.Pkg{el9("bash", "4.2.46", "35.el7")}, nil)
	centos7.Makecache()
	dateCache(t, centos7.Root, fetched)

	both := mixedHost(t)
	both.WriteFile("var/lib/dpkg/status", "")
	both.WriteFile("etc/os-release", "ID=rocky\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\n")

	badRepo := rpmtest.NewHost(t)
	badRepo.Install(el9("bash", "5.1.8", "6.el9"))
	badRepo.WriteFile("etc/yum.repos.d/broken.repo", "[baseos]\nname=BaseOS\nbaseurl=file:///nowhere\nthis line is no key\n")

	traps := trapsHost(t)
	dateCache(t, traps.Root, fetched)

	runGoldens(t, bin, []rpmGolden{
		{"rpm-default", mixed.Root, nil},
		{"rpm-traps", traps.Root, []string{"-l"}},
		{"rpm-list", mixed.Root, []string{"-l"}},
		{"rpm-json", mixed.Root, []string{"--format", "json"}},
		{"rpm-only-critical", mixed.Root, []string{"-o"}},
		{"rpm-stale", stale.Root, []string{"-i", "^zlib$"}},
		{"rpm-no-cache", noCache.Root, nil},
		{"rpm-partly-fetched", partly.Root, []string{"-o"}},
		{"rpm-no-updateinfo", centos7.Root, []string{"-o", "-l"}},
		{"rpm-and-dpkg", both.Root, []string{"-o"}},
		{"rpm-bad-repo-file", badRepo.Root, nil},
	})
}

// rpmGolden is one whole-binary run on an RPM root, against its golden.
type rpmGolden struct {
	name string
	root string
	args []string
}

func runGoldens(t *testing.T, bin string, cases []rpmGolden) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out := runRPM(t, bin, c.root, c.args...)
			proctest.Golden(t, "../../testdata/securityupdates/golden/"+c.name+".txt", fmt.Sprintf("exit %d\n%s", code, out), *update)
		})
	}
}

// TestRPMLedgerAcrossRuns: on an RPM host the SLA and the state file work
// as on Debian: a second run eight days later finds the same security
// updates eight days old.
func TestRPMLedgerAcrossRuns(t *testing.T) {
	bin := proctest.Build(t, "check_security_updates")
	h := mixedHost(t)
	sla, _ := filepath.Abs("../../testdata/securityupdates/sla.yaml")
	state := filepath.Join(t.TempDir(), "guardrail.json")
	run := func(now string) proctest.Run {
		return proctest.Exec(t, bin, []string{"GUARDRAIL_NOW=" + now}, "--root", h.Root, "--state-file", state, "--policy", sla, "-o", "-e", "^(tar|oldtool)$")
	}
	if r := run("2026-11-30T08:00:00Z"); r.Code != 0 || !strings.Contains(r.Stdout, "3 security updates pending (oldest 0 days, within SLA)") {
		t.Fatalf("first run: %d %s", r.Code, r.Stdout)
	}
	r := run("2026-12-08T08:00:00Z")
	if r.Code != 1 || !strings.Contains(r.Stdout, "(oldest 8 days, past the 7-day warning)") ||
		!strings.Contains(r.Stdout, "security: openssl-libs:x86_64 1:3.0.7-27.el9 -> 1:3.0.7-28.el9 (baseos) [high (red hat impact Important): RLSA-2026:0101] pending 8 days") {
		t.Fatalf("eight days later: %d %s", r.Code, r.Stdout)
	}
	b, err := os.ReadFile(state)
	if err != nil || !strings.Contains(string(b), `"openssl-libs:x86_64": "2026-11-30T08:00:00Z"`) || strings.Contains(string(b), "vim-minimal") {
		t.Errorf("state file (held vim-minimal is no pending security update): %v %s", err, b)
	}
}

// jsonItems are the items of the check's --format json output.
func jsonItems(t *testing.T, out string) []map[string]any {
	t.Helper()
	var doc struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	return doc.Items
}

// trapsHost has the version and repo traps: tilde and caret, 1.10 against
// 1.9, epochs, multilib with an advisory for one arch, a noarch → arch
// change, priority (a newer build and its advisory in a worse-priority repo
// are masked), a disabled repo and installonly kernels.
func trapsHost(t *testing.T) *rpmtest.Host {
	h := rpmtest.NewHost(t)
	p := func(name, version string) rpmtest.Pkg { return rpmtest.Pkg{Name: name, Version: version} }
	i686 := func(q rpmtest.Pkg) rpmtest.Pkg { q.Arch = "i686"; return q }
	noarch := func(q rpmtest.Pkg) rpmtest.Pkg { q.Arch = "noarch"; return q }
	ep := func(q rpmtest.Pkg, e int) rpmtest.Pkg { q.Epoch = e; return q }
	kernel := func(release string) rpmtest.Pkg {
		return rpmtest.Pkg{Name: "kernel", Version: "5.14.0", Release: release}
	}
	h.Install(p("tilde", "1.0~rc1"), p("tilde2", "1.0"), p("caret", "1.0"), p("ver", "1.9"), ep(p("epoch", "1.0"), 2), ep(p("epoch2", "1.0"), 1),
		p("lib", "1.0"), i686(p("lib", "1.0")), noarch(p("tool", "1.0")), p("prio", "1.0"), kernel("1.el9"), kernel("3.el9"))
	ep2 := ep(p("epoch2", "1.0"), 1)
	ep2.Release = "2"
	h.Repo("base", "", []rpmtest.Pkg{p("tilde", "1.0"), p("tilde2", "1.0~rc2"), p("caret", "1.0^git1"), p("ver", "1.10"),
		ep(p("epoch", "2.0"), 1), ep2, p("lib", "1.1"), i686(p("lib", "1.1")), p("tool", "1.1"), kernel("2.el9")},
		[]rpmtest.Advisory{
			{ID: "TR-1", Type: "security", Severity: "Important", Packages: []rpmtest.Pkg{i686(p("lib", "1.1"))}},
			{ID: "TR-2", Type: "security", Severity: "Low", Packages: []rpmtest.Pkg{p("ver", "1.10")}},
			{ID: "TR-3", Type: "security", Severity: "Critical", Packages: []rpmtest.Pkg{p("caret", "1.0^git1"), ep2}},
		})
	h.Repo("best", "priority=10", []rpmtest.Pkg{p("prio", "1.1")}, nil)
	h.Repo("other", "", []rpmtest.Pkg{p("prio", "1.5")},
		[]rpmtest.Advisory{{ID: "TR-4", Type: "security", Severity: "Moderate", Packages: []rpmtest.Pkg{p("prio", "1.5")}}})
	h.Repo("off", "enabled=0", []rpmtest.Pkg{p("ver", "2.0")}, nil)
	h.Makecache()
	return h
}

// TestRPMAgreesWithDNF: the check's items, not held, are exactly what
// `dnf -C check-update` lists (name.arch, version, repo), its security ones
// exactly what `dnf -C check-update --security` lists, the held ones what
// --disableexcludes=all adds, and the packages only an obsoleting one
// replaces are check-update's "Obsoleting Packages".
func TestRPMAgreesWithDNF(t *testing.T) {
	bin := proctest.Build(t, "check_security_updates")
	for name, mk := range map[string]func(*testing.T) *rpmtest.Host{"mixed": mixedHost, "traps": trapsHost} {
		t.Run(name, func(t *testing.T) {
			h := mk(t)
			_, out := runRPM(t, bin, h.Root, "--format", "json")
			agreeWithDNF(t, h, jsonItems(t, out))
		})
	}
}

func agreeWithDNF(t *testing.T, h *rpmtest.Host, items []map[string]any) {
	var all, security, held, replaced []string
	for _, it := range items {
		arch := it["arch"]
		if a, ok := it["candidate_arch"]; ok {
			arch = a
		}
		if by, ok := it["replaced_by"].(string); ok {
			replaced = append(replaced, fmt.Sprintf("%s.%s %s %s replaces %s.%s", by, arch, it["candidate"], it["origin"], it["package"], it["arch"]))
			continue
		}
		line := fmt.Sprintf("%s.%s %s %s", it["package"], arch, it["candidate"], it["origin"])
		held = append(held, line)
		if it["held"] == true {
			continue
		}
		all = append(all, line)
		if it["security"] == true {
			security = append(security, line)
		}
	}
	lines := func(cu rpmtest.CheckUpdate) string {
		var out []string
		for _, l := range cu.Updates {
			out = append(out, l.NA+" "+l.EVR+" "+l.Repo)
		}
		sort.Strings(out)
		return strings.Join(out, "\n")
	}
	for _, c := range []struct {
		what string
		got  []string
		args []string
	}{
		{"updates", all, nil},
		{"security updates", security, []string{"--security"}},
		{"with held ones", held, []string{"--disableexcludes=all"}},
	} {
		sort.Strings(c.got)
		if want := lines(h.CheckUpdate(c.args...)); strings.Join(c.got, "\n") != want {
			t.Errorf("%s:\n%s\ndnf -C check-update %v:\n%s", c.what, strings.Join(c.got, "\n"), c.args, want)
		}
	}
	var old []string
	for _, o := range h.CheckUpdate().Obsoletes {
		old = append(old, fmt.Sprintf("%s %s %s replaces %s", o[0].NA, o[0].EVR, o[0].Repo, o[1].NA))
	}
	if strings.Join(replaced, "\n") != strings.Join(old, "\n") {
		t.Errorf("replaced: %v, dnf's Obsoleting Packages replace %v", replaced, old)
	}
	if len(security) == 0 || len(all) == len(security) {
		t.Fatalf("a root that cannot tell: %d updates, %d security", len(all), len(security))
	}
	t.Logf("%d updates, %d security, %d held, %d replaced: as dnf says", len(all), len(security), len(held)-len(all), len(replaced))
}
