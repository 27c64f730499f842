package rpm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/rpm/rpmtest"
)

// zyppCase is one fake SUSE host; the expectation is what the real
// zypper says in it after `zypper refresh`.
type zyppCase struct {
	name      string
	installed []P
	repos     []repoSpec
	zyppConf  string // zypp.conf
	locks     string // /etc/zypp/locks
	noCache   bool
	// heldAreUnlocked: our items with the held ones are what zypper lists
	// once the locks are gone (not so where a lock moves the candidate to
	// another repo).
	heldAreUnlocked bool
	check           func(t *testing.T, s *System, ups []Update)
}

func suse(name, version string) P {
	return P{Name: name, Version: version, Vendor: "SUSE LLC <https://www.suse.com/>"}
}

var zyppCases = []zyppCase{
	{name: "plain and security", installed: []P{suse("foo", "1.0"), suse("bar", "1.0"), suse("same", "2.0")},
		repos: []repoSpec{{id: "repo-oss", pkgs: []P{suse("foo", "1.1"), suse("bar", "1.1"), suse("same", "2.0")},
			advisories: []rpmtest.Advisory{sec("openSUSE-SU-2026:0001-1", "important", suse("foo", "1.1")),
				{ID: "openSUSE-RU-2026:0002-1", Type: "recommended", Severity: "low", Packages: []P{suse("bar", "1.1")}}}}},
		check: func(t *testing.T, s *System, ups []Update) {
			if u := find(t, ups, "foo"); !u.Security || u.Severity != "important" || u.Origin != "repo-oss" {
				t.Errorf("foo: %+v", u)
			}
			if u := find(t, ups, "bar"); u.Security {
				t.Errorf("a recommended patch is no security one: %+v", u)
			}
			if len(ups) != 2 || len(s.Unfetched()) != 0 || len(s.WithoutUpdateinfo()) != 0 {
				t.Errorf("updates %+v, repos %+v", ups, s.Repos)
			}
		}},
	{name: "masked fix", installed: []P{suse("foo", "1.0"), suse("done", "1.1")},
		repos: []repoSpec{{id: "update", pkgs: []P{suse("foo", "1.1"), suse("foo", "1.2"), suse("done", "1.2")},
			advisories: []rpmtest.Advisory{sec("SUSE-SU-1", "moderate", suse("foo", "1.1")), sec("SUSE-SU-2", "critical", suse("done", "1.1"))}}},
		check: func(t *testing.T, s *System, ups []Update) {
			if u := find(t, ups, "foo"); !u.Security || u.Candidate != "1.2-1" || u.SecurityVersion != "1.1-1" {
				t.Errorf("a fix older than the candidate still counts: %+v", u)
			}
			if u := find(t, ups, "done"); u.Security {
				t.Errorf("a patch already applied: %+v", u)
			}
		}},
	{name: "priority", installed: []P{suse("pri", "1.0"), suse("lockedbest", "1.0")},
		repos: []repoSpec{
			{id: "best", options: "priority=10", pkgs: []P{suse("pri", "1.1"), suse("lockedbest", "1.1")}},
			{id: "other", pkgs: []P{suse("pri", "1.5"), suse("lockedbest", "1.5")},
				advisories: []rpmtest.Advisory{sec("SUSE-SU-3", "important", suse("pri", "1.5"))}},
			{id: "off", options: "enabled=0", pkgs: []P{suse("pri", "9.0")}},
		},
		// a lock on a better repo's build leaves the worse repo's
		locks: "repo: best\ntype: package\nmatch_type: glob\ncase_sensitive: on\nsolvable_name: lockedbest\n",
		check: func(t *testing.T, s *System, ups []Update) {
			if u := find(t, ups, "pri"); u.Candidate != "1.1-1" || u.Origin != "best" || !u.Security || u.SecurityVersion != "1.5-1" {
				t.Errorf("priority (the patch of the worse repo is needed all the same): %+v", u)
			}
			if u := find(t, ups, "lockedbest"); u.Candidate != "1.5-1" || u.Origin != "other" || u.Held {
				t.Errorf("lockedbest: %+v", u)
			}
		}},
	{name: "priority after vendor and arch", installed: []P{suse("vend", "1.0"), suse("arch", "1.0"), suse("tie", "1.0"), {Name: "ep", Version: "1.0", Epoch: 1, Vendor: "SUSE"}},
		repos: []repoSpec{
			{id: "a-best", options: "priority=10", pkgs: []P{{Name: "vend", Version: "2.0", Vendor: "Other"}, {Name: "arch", Version: "2.0", Arch: "i586", Vendor: "SUSE"}}},
			{id: "b-other", pkgs: []P{suse("vend", "1.5"), suse("arch", "1.5"), suse("tie", "1.1"), {Name: "ep", Version: "0.9", Epoch: 2, Vendor: "SUSE"}}},
			{id: "c-other", pkgs: []P{suse("tie", "1.1")}},
		},
		check: func(t *testing.T, s *System, ups []Update) {
			if u := find(t, ups, "vend"); u.Candidate != "1.5-1" || u.Origin != "b-other" {
				t.Errorf("a foreign vendor's build of better priority hides nothing: %+v", u)
			}
			if u := find(t, ups, "ep"); u.Candidate != "2:0.9-1" {
				t.Errorf("epoch: %+v", u)
			}
		}},
	{name: "patch without update", installed: []P{suse("pinned", "1.0"), suse("lockme", "1.0")},
		repos: []repoSpec{
			{id: "best", options: "priority=10", pkgs: []P{suse("pinned", "1.0"), suse("lockme", "1.0")}},
			{id: "other", pkgs: []P{suse("pinned", "1.5"), suse("lockme", "1.5")},
				advisories: []rpmtest.Advisory{sec("SUSE-SU-P1", "important", suse("pinned", "1.5")), sec("SUSE-SU-P2", "low", suse("lockme", "1.5"))}},
		},
		locks: "type: package\nmatch_type: glob\ncase_sensitive: on\nsolvable_name: lockme\n",
		check: func(t *testing.T, s *System, ups []Update) {
			// zypper update offers nothing (the best repo has no newer
			// build); list-patches calls both patches needed
			if u := find(t, ups, "pinned"); !u.PatchOnly || !u.Security || u.Candidate != "1.5-1" || u.Origin != "other" || u.Held {
				t.Errorf("a needed patch without an update is an item: %+v", u)
			}
			if u := find(t, ups, "lockme"); !u.PatchOnly || !u.Held || u.HeldBy != HeldByZyppLock {
				t.Errorf("a locked package's needed patch is held: %+v", u)
			}
		}},
	{name: "retracted", installed: []P{suse("foo", "1.0"), suse("bar", "1.0")},
		repos: []repoSpec{{id: "update", pkgs: []P{suse("foo", "1.1"), suse("bar", "1.1")},
			advisories: []rpmtest.Advisory{sec("SUSE-SU-R1", "important", suse("foo", "1.1")),
				{ID: "SUSE-SU-R2", Type: "security", Severity: "critical", Status: "retracted", Packages: []P{suse("bar", "1.1")}}}}},
		check: func(t *testing.T, s *System, ups []Update) {
			if u := find(t, ups, "bar"); u.Security || u.Candidate != "1.1-1" {
				t.Errorf("a retracted patch is not needed, its package still a candidate: %+v", u)
			}
		}},
	{name: "obsoletes", installed: []P{suse("old", "1.0"), suse("keep", "1.0")},
		repos: []repoSpec{{id: "oss", pkgs: []P{suse("old", "1.1"), suse("keep", "1.1"),
			{Name: "new", Version: "2.0", Vendor: "SUSE LLC <https://www.suse.com/>", Obsoletes: []string{"old < 9"}},
			{Name: "other", Version: "2.0", Vendor: "Evil", Obsoletes: []string{"keep < 9"}}}}},
		check: func(t *testing.T, s *System, ups []Update) {
			if u := find(t, ups, "old"); u.ReplacedBy != "new" || u.Candidate != "2.0-1" {
				t.Errorf("zypper update replaces old by new (and lists no update of old): %+v", u)
			}
			if u := find(t, ups, "keep"); u.ReplacedBy != "" || u.Candidate != "1.1-1" {
				t.Errorf("an obsoleter of another vendor replaces nothing: %+v", u)
			}
		}},
	{name: "locks", installed: []P{suse("lck", "1.0"), suse("ver", "1.0"), suse("glob-a", "1.0"), suse("free", "1.0"), suse("lck.x86_64", "1.0")},
		repos: []repoSpec{{id: "update", pkgs: []P{suse("lck", "1.1"), suse("ver", "1.1"), suse("glob-a", "1.1"), suse("free", "1.1"), suse("lck.x86_64", "1.1")},
			advisories: []rpmtest.Advisory{sec("SUSE-SU-4", "low", suse("lck", "1.1"))}}},
		locks: "type: package\nmatch_type: glob\ncase_sensitive: on\nsolvable_name: lck\n\n" +
			"type: package\nversion: < 1.1\nmatch_type: glob\ncase_sensitive: on\nsolvable_name: ver\n\n" +
			"type: package\nmatch_type: glob\ncase_sensitive: on\nsolvable_name: glob-*\n\n" +
			"type: patch\nmatch_type: glob\ncase_sensitive: on\nsolvable_name: SUSE-SU-9\n",
		heldAreUnlocked: true,
		check: func(t *testing.T, s *System, ups []Update) {
			for _, n := range []string{"lck", "ver", "glob-a"} {
				if u := find(t, ups, n); !u.Held || u.HeldBy != HeldByZyppLock {
					t.Errorf("%s not held: %+v", n, u)
				}
			}
			if u := find(t, ups, "lck"); !u.Security {
				t.Errorf("a locked package's patch is needed all the same: %+v", u)
			}
			if u := find(t, ups, "free"); u.Held {
				t.Errorf("free: %+v", u)
			}
		}},
	{name: "vendor and arch", installed: []P{suse("ven", "1.0"), suse("ven2", "1.0"), {Name: "other", Version: "1.0", Vendor: "Acme"}, {Name: "acme", Version: "1.0", Vendor: "acme"},
		{Name: "open", Version: "1.0", Vendor: "openSUSE"}, {Name: "i5", Version: "1.0", Arch: "i586"}, {Name: "na", Version: "1.0", Arch: "noarch"}, {Name: "tona", Version: "1.0"}},
		repos: []repoSpec{
			{id: "oss", advisories: []rpmtest.Advisory{sec("SUSE-SU-V2", "important", suse("ven2", "1.5"))},
				pkgs: []P{suse("ven", "1.1"), suse("ven2", "1.1"), {Name: "other", Version: "1.1", Vendor: "ACME"}, {Name: "acme", Version: "1.1", Vendor: "acme corp"},
					suse("open", "1.1"), {Name: "i5", Version: "1.1"}, {Name: "na", Version: "1.1"}, {Name: "tona", Version: "2.0", Arch: "noarch"}}},
			{id: "obs", pkgs: []P{{Name: "ven", Version: "1.5", Vendor: "obs://build.opensuse.org/home:me"}, {Name: "ven2", Version: "1.5", Vendor: "obs://build.opensuse.org/home:me"}},
				advisories: []rpmtest.Advisory{sec("OBS-1", "critical", P{Name: "ven", Version: "1.5"})}},
		},
		check: func(t *testing.T, s *System, ups []Update) {
			if u := find(t, ups, "ven"); u.Candidate != "1.1-1" || u.Security {
				t.Errorf("vendor stickiness (a patch whose repo has the fix only from another vendor is not needed): %+v", u)
			}
			if u := find(t, ups, "ven2"); u.Candidate != "1.1-1" || !u.Security || u.SecurityVersion != "1.5-1" {
				t.Errorf("a patch of the vendor's repo is needed though its build is elsewhere, of another vendor: %+v", u)
			}
			if u := find(t, ups, "tona"); u.CandidateArch != "noarch" {
				t.Errorf("x86_64 to noarch: %+v", u)
			}
			for _, u := range ups {
				if u.Package == "acme" || u.Package == "open" || u.Package == "i5" {
					t.Errorf("no update by zypper's rules: %+v", u)
				}
			}
		}},
	{name: "vendor change allowed", installed: []P{suse("ven", "1.0")},
		repos:    []repoSpec{{id: "obs", pkgs: []P{{Name: "ven", Version: "1.5", Vendor: "obs://build.opensuse.org/home:me"}}}},
		zyppConf: "[main]\nsolver.allowVendorChange = true\n",
		check: func(t *testing.T, s *System, ups []Update) {
			if u := find(t, ups, "ven"); u.Candidate != "1.5-1" {
				t.Errorf("%+v", u)
			}
		}},
	{name: "multiversion kernel",
		installed: []P{{Name: "kernel-default", Version: "6.4.0", Release: "150600.1", Provides: []string{"multiversion(kernel)"}},
			{Name: "kernel-default", Version: "6.4.0", Release: "150600.3", Provides: []string{"multiversion(kernel)"}}},
		repos: []repoSpec{{id: "update", pkgs: []P{{Name: "kernel-default", Version: "6.4.0", Release: "150600.2", Provides: []string{"multiversion(kernel)"}},
			{Name: "kernel-default", Version: "6.4.0", Release: "150600.5", Provides: []string{"multiversion(kernel)"}}},
			advisories: []rpmtest.Advisory{sec("SUSE-SU-K1", "important", P{Name: "kernel-default", Version: "6.4.0", Release: "150600.2"}),
				sec("SUSE-SU-K2", "critical", P{Name: "kernel-default", Version: "6.4.0", Release: "150600.4"})}}},
		zyppConf: "[main]\nmultiversion = provides:multiversion(kernel)\n",
		check: func(t *testing.T, s *System, ups []Update) {
			u := find(t, ups, "kernel-default")
			if u.Installed != "6.4.0-150600.3" || u.Candidate != "6.4.0-150600.5" || strings.Join(u.Advisories, ",") != "SUSE-SU-K2" {
				t.Errorf("multiversion: newer than the newest installed, patches against it: %+v", u)
			}
		}},
	{name: "not multiversion", // without zypp.conf's multiversion an older kernel still needs the patch
		installed: []P{{Name: "kernel-default", Version: "6.4.0", Release: "150600.1"}, {Name: "kernel-default", Version: "6.4.0", Release: "150600.3"}},
		repos: []repoSpec{{id: "update", pkgs: []P{{Name: "kernel-default", Version: "6.4.0", Release: "150600.5"}},
			advisories: []rpmtest.Advisory{sec("SUSE-SU-K1", "important", P{Name: "kernel-default", Version: "6.4.0", Release: "150600.2"})}}},
		check: func(t *testing.T, s *System, ups []Update) {
			if u := find(t, ups, "kernel-default"); !u.Security {
				t.Errorf("%+v", u)
			}
		}},
	{name: "no updateinfo", installed: []P{suse("foo", "1.0")},
		repos: []repoSpec{{id: "plain", pkgs: []P{suse("foo", "1.1")}}},
		check: func(t *testing.T, s *System, ups []Update) {
			if len(s.WithoutUpdateinfo()) != 1 || len(ups) != 1 || ups[0].Security {
				t.Errorf("updates %+v, without updateinfo %+v", ups, s.WithoutUpdateinfo())
			}
		}},
	{name: "no cache", installed: []P{suse("foo", "1.0")}, noCache: true,
		repos: []repoSpec{{id: "repo-oss", pkgs: []P{suse("foo", "1.1")}}},
		check: func(t *testing.T, s *System, ups []Update) {
			if len(ups) != 0 || len(s.Unfetched()) != 1 || s.Unfetched()[0].ID != "repo-oss" {
				t.Errorf("updates %+v, unfetched %+v", ups, s.Unfetched())
			}
		}},
}

// TestAgreesWithZypper: on each fake SUSE root, our updates (not held)
// are exactly `zypper list-updates` (name, arch, edition, repo alias); with
// the held ones, what list-updates says once the locks are gone; and the
// advisories of our items exactly the security patches `zypper
// list-patches --category security` calls needed.
func TestAgreesWithZypper(t *testing.T) {
	for _, c := range zyppCases {
		t.Run(c.name, func(t *testing.T) {
			h := rpmtest.NewZyppHost(t)
			if len(c.installed) > 0 {
				h.Install(c.installed...)
			}
			for _, r := range c.repos {
				url := h.ZyppRepo(r.id, r.options, r.pkgs, r.advisories)
				if c.noCache {
					// zypper fetches a repo it has no cache of even with
					// --no-refresh; one it cannot reach it skips, with
					// a warning, as the check reports it unfetched
					f := filepath.Join(h.Root, "etc/zypp/repos.d", r.id+".repo")
					b, err := os.ReadFile(f)
					must(t, err)
					must(t, os.WriteFile(f, []byte(strings.Replace(string(b), url, "http://127.0.0.1:9/", 1)), 0o644))
				}
			}
			if c.zyppConf != "" {
				h.WriteFile("etc/zypp/zypp.conf", c.zyppConf)
			}
			if !c.noCache {
				h.Refresh()
			}
			if c.locks != "" {
				h.WriteFile("etc/zypp/locks", c.locks)
			}
			s, ok, err := Load(context.Background(), h.Root, Options{Arch: "x86_64"})
			if err != nil || !ok || s.Zypp == nil {
				t.Fatalf("Load: %v %v %+v", ok, err, s)
			}
			ups := s.Updates()
			var got, all, advisories []string
			for _, u := range ups {
				advisories = append(advisories, u.Advisories...)
				if u.ReplacedBy != "" || u.PatchOnly {
					continue // replaced in zypper update, or only zypper patch's: in no list-updates
				}
				line := fmt.Sprintf("%s.%s %s %s", u.Package, u.CandidateArch, u.Candidate, u.Origin)
				all = append(all, line)
				if !u.Held {
					got = append(got, line)
				}
			}
			advisories = uniq(advisories)
			lines := func(zu []rpmtest.ZypperUpdate) []string {
				var out []string
				for _, u := range zu {
					if u.Kind == "package" {
						out = append(out, fmt.Sprintf("%s.%s %s %s", u.Name, u.Arch, u.Edition, u.Source.Alias))
					}
				}
				return out
			}
			want := lines(h.Zypper("list-updates"))
			var patches []string
			for _, p := range h.Zypper("list-patches", "--category", "security") {
				// --xmlout lists every category whatever --category says (zypper 1.14)
				if p.Status == "needed" && p.Category == "security" {
					patches = append(patches, p.Name)
				}
			}
			sort.Strings(patches)
			if c.heldAreUnlocked {
				must(t, os.Remove(filepath.Join(h.Root, "etc/zypp/locks")))
				if w := lines(h.Zypper("list-updates")); strings.Join(all, "\n") != strings.Join(w, "\n") {
					t.Errorf("with held ones:\n%s\nzypper list-updates without the locks:\n%s", strings.Join(all, "\n"), strings.Join(w, "\n"))
				}
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("updates:\n%s\nzypper list-updates:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if strings.Join(advisories, " ") != strings.Join(patches, " ") {
				t.Errorf("security advisories %v, zypper's needed security patches %v", advisories, patches)
			}
			if c.check != nil {
				c.check(t, s, ups)
			}
		})
	}
}

func uniq(s []string) []string {
	sort.Strings(s)
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestZyppReadLeavesRootUnchanged: reading a SUSE root zypper refreshed
// (with locks and zypp.conf) changes no file under it: no zypp lock
// (/run/zypp.pid), no cache file touched.
func TestZyppReadLeavesRootUnchanged(t *testing.T) {
	h := rpmtest.NewZyppHost(t)
	h.Install(suse("foo", "1.0"), suse("bar", "1.0"))
	h.ZyppRepo("repo-update", "", []P{suse("foo", "1.1"), suse("bar", "1.1")}, []rpmtest.Advisory{sec("SUSE-SU-1", "low", suse("foo", "1.1"))})
	h.WriteFile("etc/zypp/zypp.conf", "[main]\nmultiversion = provides:multiversion(kernel)\n")
	h.Refresh()
	h.WriteFile("etc/zypp/locks", "type: package\nsolvable_name: bar\n")
	must(t, os.RemoveAll(filepath.Join(h.Root, "run"))) // zypper's own pid file, gone when it ended
	before := snapshot(t, h.Root)
	s, ok, err := Load(context.Background(), h.Root, Options{})
	if err != nil || !ok || s.Zypp == nil || len(s.Updates()) != 2 {
		t.Fatalf("%v %v %+v", ok, err, s)
	}
	after := snapshot(t, h.Root)
	for p, v := range after {
		if before[p] != v {
			t.Errorf("%s changed or appeared: %s (was %q)", p, v, before[p])
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d files, were %d", len(after), len(before))
	}
}
