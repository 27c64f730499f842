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

	cases := []struct {
		name string
		root string
		args []string
	}{
		{"rpm-default", mixed.Root, nil},
		{"rpm-list", mixed.Root, []string{"-l"}},
		{"rpm-json", mixed.Root, []string{"--format", "json"}},
		{"rpm-only-critical", mixed.Root, []string{"-o"}},
		{"rpm-stale", stale.Root, []string{"-i", "^zlib$"}},
		{"rpm-no-cache", noCache.Root, nil},
		{"rpm-partly-fetched", partly.Root, []string{"-o"}},
		{"rpm-no-updateinfo", centos7.Root, []string{"-o", "-l"}},
		{"rpm-and-dpkg", both.Root, []string{"-o"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out := runRPM(t, bin, c.root, c.args...)
			proctest.Golden(t, "../../testdata/securityupdates/golden/"+c.name+".txt", fmt.Sprintf("exit %d\n%s", code, out), *update)
		})
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

// TestRPMAgreesWithDNF: the check's items, not held, are exactly what
// `dnf -C check-update` lists (name.arch, version, repo), its security ones
// exactly what `dnf -C check-update --security` lists, and the packages
// only an obsoleting one replaces are check-update's "Obsoleting Packages".
func TestRPMAgreesWithDNF(t *testing.T) {
	bin := proctest.Build(t, "check_security_updates")
	h := mixedHost(t)
	_, out := runRPM(t, bin, h.Root, "--format", "json")
	var all, security, replaced []string
	for _, it := range jsonItems(t, out) {
		if it["held"] == true {
			continue
		}
		if by, ok := it["replaced_by"].(string); ok {
			replaced = append(replaced, fmt.Sprintf("%s.%s %s %s replaces %s.%s", by, it["arch"], it["candidate"], it["origin"], it["package"], it["arch"]))
			continue
		}
		line := fmt.Sprintf("%s.%s %s %s", it["package"], it["arch"], it["candidate"], it["origin"])
		all = append(all, line)
		if it["security"] == true {
			security = append(security, line)
		}
	}
	lines := func(cu rpmtest.CheckUpdate) []string {
		var out []string
		for _, l := range cu.Updates {
			out = append(out, l.NA+" "+l.EVR+" "+l.Repo)
		}
		sort.Strings(out)
		return out
	}
	sort.Strings(all)
	sort.Strings(security)
	cu := h.CheckUpdate()
	if want := lines(cu); strings.Join(all, "\n") != strings.Join(want, "\n") {
		t.Errorf("updates:\n%s\ndnf -C check-update:\n%s", strings.Join(all, "\n"), strings.Join(want, "\n"))
	}
	if want := lines(h.CheckUpdate("--security")); strings.Join(security, "\n") != strings.Join(want, "\n") {
		t.Errorf("security updates:\n%s\ndnf -C check-update --security:\n%s", strings.Join(security, "\n"), strings.Join(want, "\n"))
	}
	var old []string
	for _, o := range cu.Obsoletes {
		old = append(old, fmt.Sprintf("%s %s %s replaces %s", o[0].NA, o[0].EVR, o[0].Repo, o[1].NA))
	}
	if len(old) == 0 || strings.Join(replaced, "\n") != strings.Join(old, "\n") {
		t.Errorf("replaced: %v, dnf's Obsoleting Packages replace %v", replaced, old)
	}
	if len(security) == 0 || len(all) == len(security) {
		t.Fatalf("a root that cannot tell: %d updates, %d security", len(all), len(security))
	}
}
