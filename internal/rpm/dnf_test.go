package rpm

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/rpm/rpmtest"
)

type P = rpmtest.Pkg

type repoSpec struct {
	id, options string
	pkgs        []P
	advisories  []rpmtest.Advisory
}

// dnfCase is one fake host; the expectation is what the real dnf says.
type dnfCase struct {
	name       string
	installed  []P
	repos      []repoSpec
	dnfConf    string // [main] lines
	noCache    bool
	severities []string              // also compare --sec-severity for these
	setup      func(h *rpmtest.Host) // after the repos, before makecache
	// check runs extra assertions on our own answer.
	check func(t *testing.T, s *System, ups []Update)
}

func sec(id, sev string, pkgs ...P) rpmtest.Advisory {
	return rpmtest.Advisory{ID: id, Type: "security", Severity: sev, Packages: pkgs}
}

var dnfCases = []dnfCase{
	{name: "plain", installed: []P{{Name: "foo", Version: "1.0"}, {Name: "same", Version: "2.0"}},
		repos: []repoSpec{{id: "base", pkgs: []P{{Name: "foo", Version: "1.1"}, {Name: "same", Version: "2.0"}, {Name: "notinst", Version: "9"}}}},
		check: func(t *testing.T, s *System, ups []Update) {
			want := []Update{{Package: "foo", Arch: "x86_64", Installed: "1.0-1", Candidate: "1.1-1", CandidateArch: "x86_64", Origin: "base"}}
			if !reflect.DeepEqual(ups, want) {
				t.Errorf("updates %+v, want %+v", ups, want)
			}
			if len(s.WithoutUpdateinfo()) != 1 || len(s.Unfetched()) != 0 {
				t.Errorf("a repo without updateinfo not told: %+v", s.Repos)
			}
			if o, n := s.Fetched(); o.IsZero() || time.Since(n) > time.Hour {
				t.Errorf("fetched %v %v", o, n)
			}
		}},
	{name: "security", installed: []P{{Name: "foo", Version: "1.0"}, {Name: "bar", Version: "1.0"}},
		repos: []repoSpec{{id: "base", pkgs: []P{{Name: "foo", Version: "1.1"}, {Name: "bar", Version: "1.1"}},
			advisories: []rpmtest.Advisory{sec("RHSA-1", "Important", P{Name: "foo", Version: "1.1"}),
				{ID: "RHBA-2", Type: "bugfix", Packages: []P{{Name: "bar", Version: "1.1"}}}}}},
		severities: []string{"Important", "Critical"},
		check: func(t *testing.T, s *System, ups []Update) {
			u := find(t, ups, "foo")
			if !u.Security || u.Severity != "Important" || !reflect.DeepEqual(u.Advisories, []string{"RHSA-1"}) || u.SecurityVersion != "1.1-1" {
				t.Errorf("foo: %+v", u)
			}
			if find(t, ups, "bar").Security {
				t.Error("a bugfix advisory made bar a security update")
			}
		}},
	{name: "masked", installed: []P{{Name: "foo", Version: "1.0"}, {Name: "late", Version: "1.0"}},
		repos: []repoSpec{{id: "base", pkgs: []P{{Name: "foo", Version: "1.1"}, {Name: "foo", Version: "1.2"}, {Name: "late", Version: "1.1"}},
			advisories: []rpmtest.Advisory{sec("SA-1", "Moderate", P{Name: "foo", Version: "1.1"}), sec("SA-2", "Critical", P{Name: "foo", Version: "1.0"}),
				sec("SA-3", "Critical", P{Name: "late", Version: "1.2"})}}},
		severities: []string{"Moderate", "Critical"},
		check: func(t *testing.T, s *System, ups []Update) {
			if u := find(t, ups, "foo"); !u.Security || u.Candidate != "1.2-1" || u.SecurityVersion != "1.1-1" || u.Severity != "Moderate" {
				t.Errorf("masked fix: %+v", u)
			}
			if find(t, ups, "late").Security {
				t.Error("an advisory beyond the candidate counted")
			}
		}},
	{name: "severity", installed: []P{{Name: "foo", Version: "1.0"}},
		repos: []repoSpec{{id: "base", pkgs: []P{{Name: "foo", Version: "1.2"}},
			advisories: []rpmtest.Advisory{sec("SA-1", "Low", P{Name: "foo", Version: "1.1"}), sec("SA-2", "Critical", P{Name: "foo", Version: "1.2"})}}},
		severities: []string{"Low", "Critical", "Important"},
		check: func(t *testing.T, s *System, ups []Update) {
			if u := find(t, ups, "foo"); u.Severity != "Critical" || !reflect.DeepEqual(u.Advisories, []string{"SA-1", "SA-2"}) {
				t.Errorf("severity: %+v", u)
			}
		}},
	{name: "epoch", installed: []P{{Name: "foo", Version: "1.0", Epoch: 1}, {Name: "bar", Version: "1.0"}},
		repos: []repoSpec{{id: "base", pkgs: []P{{Name: "foo", Version: "2.0"}, {Name: "bar", Version: "0.9", Epoch: 1}}}}},
	{name: "tilde", installed: []P{{Name: "foo", Version: "1.0~rc1"}, {Name: "bar", Version: "1.0"}},
		repos: []repoSpec{{id: "base", pkgs: []P{{Name: "foo", Version: "1.0"}, {Name: "bar", Version: "1.0~rc2"}}}}},
	{name: "caret", installed: []P{{Name: "foo", Version: "1.0"}, {Name: "bar", Version: "1.0.1"}},
		repos: []repoSpec{{id: "base", pkgs: []P{{Name: "foo", Version: "1.0^git1"}, {Name: "bar", Version: "1.0^git2"}}}}},
	{name: "1.10 vs 1.9", installed: []P{{Name: "foo", Version: "1.9"}, {Name: "bar", Version: "1.10"}, {Name: "rel", Version: "1", Release: "9"}},
		repos: []repoSpec{{id: "base", pkgs: []P{{Name: "foo", Version: "1.10"}, {Name: "bar", Version: "1.9"}, {Name: "rel", Version: "1", Release: "10"}}}}},
	{name: "priority", installed: []P{{Name: "foo", Version: "1.0"}, {Name: "bar", Version: "1.0"}, {Name: "baz", Version: "1.0"}},
		repos: []repoSpec{
			{id: "best", options: "priority=10\ncost=5000", pkgs: []P{{Name: "foo", Version: "1.1"}, {Name: "bar", Version: "1.0"}, {Name: "baz", Version: "1.0", Arch: "noarch"}}},
			{id: "other", options: "cost=10", pkgs: []P{{Name: "foo", Version: "1.5"}, {Name: "bar", Version: "2.0"}, {Name: "baz", Version: "2.0"}}}},
		check: func(t *testing.T, s *System, ups []Update) {
			if u := find(t, ups, "foo"); u.Candidate != "1.1-1" || u.Origin != "best" {
				t.Errorf("priority: %+v", u)
			}
		}},
	{name: "enabled=0", installed: []P{{Name: "foo", Version: "1.0"}},
		repos: []repoSpec{{id: "off", options: "enabled=0", pkgs: []P{{Name: "foo", Version: "1.1"}}}, {id: "on", pkgs: []P{{Name: "other", Version: "1"}}}}},
	{name: "excludes", installed: []P{{Name: "foo", Version: "1.0"}, {Name: "bar-lib", Version: "1.0"}, {Name: "inc", Version: "1.0"}, {Name: "ok", Version: "1.0"}},
		dnfConf: "excludepkgs=foo",
		repos: []repoSpec{{id: "base", options: "excludepkgs=bar*", pkgs: []P{{Name: "foo", Version: "1.1"}, {Name: "bar-lib", Version: "1.1"}, {Name: "ok", Version: "1.1"}}},
			{id: "narrow", options: "includepkgs=ok", pkgs: []P{{Name: "inc", Version: "1.1"}}}},
		check: func(t *testing.T, s *System, ups []Update) {
			for _, n := range []string{"foo", "bar-lib", "inc"} {
				if u := find(t, ups, n); !u.Held || u.HeldBy != "excludepkgs" {
					t.Errorf("%s not held: %+v", n, u)
				}
			}
			if find(t, ups, "ok").Held {
				t.Error("ok held")
			}
		}},
	{name: "installonly kernel", installed: []P{{Name: "kernel", Version: "5.14.0", Release: "1"}, {Name: "kernel", Version: "5.14.0", Release: "3"},
		{Name: "kernel-core", Version: "5.14.0", Release: "3"}},
		repos: []repoSpec{{id: "base", pkgs: []P{{Name: "kernel", Version: "5.14.0", Release: "2"}, {Name: "kernel-core", Version: "5.14.0", Release: "4"},
			{Name: "kernel-core", Version: "5.14.0", Release: "2"}},
			advisories: []rpmtest.Advisory{sec("K-1", "Important", P{Name: "kernel", Version: "5.14.0", Release: "2"}, P{Name: "kernel-core", Version: "5.14.0", Release: "4"})}}},
		check: func(t *testing.T, s *System, ups []Update) {
			if len(ups) != 1 || ups[0].Package != "kernel-core" || ups[0].Installed != "5.14.0-3" || !ups[0].Security {
				t.Errorf("kernels: %+v", ups)
			}
		}},
	{name: "obsoletes", installed: []P{{Name: "old", Version: "1.0"}, {Name: "self", Version: "1.0"}, {Name: "keep", Version: "3.0"}},
		repos: []repoSpec{{id: "base", pkgs: []P{{Name: "new", Version: "2.0", Obsoletes: []string{"old < 2.0"}},
			{Name: "self", Version: "2.0", Obsoletes: []string{"self < 2.0"}}, {Name: "other", Version: "1", Obsoletes: []string{"keep < 3.0"}}}}},
		check: func(t *testing.T, s *System, ups []Update) {
			if u := find(t, ups, "old"); u.ReplacedBy != "new" || u.Candidate != "2.0-1" {
				t.Errorf("old: %+v", u)
			}
			if u := find(t, ups, "self"); u.ReplacedBy != "" {
				t.Errorf("self: %+v", u)
			}
		}},
	{name: "noarch and arch", installed: []P{{Name: "foo", Version: "1.0", Arch: "noarch"}, {Name: "bar", Version: "1.0"}, {Name: "baz", Version: "1.0"}},
		repos: []repoSpec{{id: "base", pkgs: []P{{Name: "foo", Version: "1.1"}, {Name: "bar", Version: "1.1", Arch: "noarch"}, {Name: "baz", Version: "1.1", Arch: "aarch64"}},
			advisories: []rpmtest.Advisory{sec("NA-1", "Low", P{Name: "bar", Version: "1.1", Arch: "noarch"})}}}},
	{name: "multilib", installed: []P{{Name: "lib", Version: "1.0"}, {Name: "lib", Version: "1.0", Arch: "i686"}, {Name: "only64", Version: "1.0"}},
		repos: []repoSpec{{id: "base", pkgs: []P{{Name: "lib", Version: "1.1"}, {Name: "lib", Version: "1.1", Arch: "i686"}, {Name: "only64", Version: "1.1", Arch: "i686"}},
			advisories: []rpmtest.Advisory{sec("ML-1", "Important", P{Name: "lib", Version: "1.1", Arch: "i686"})}}}},
	{name: "module streams",
		installed: []P{{Name: "nginx", Version: "1.20.0"}, {Name: "php", Version: "8.0"}, {Name: "redis", Version: "6.0"}, {Name: "plain", Version: "1"}},
		repos: []repoSpec{
			{id: "appstream", pkgs: []P{{Name: "nginx", Version: "1.20.1"}, {Name: "nginx", Version: "1.22.0"},
				{Name: "php", Version: "8.1"}, {Name: "php", Version: "8.2"}, {Name: "redis", Version: "6.2"}, {Name: "plain", Version: "2"}},
				advisories: []rpmtest.Advisory{sec("MOD-1", "Important", P{Name: "nginx", Version: "1.22.0"}), sec("MOD-2", "Low", P{Name: "php", Version: "8.2"})}},
			{id: "other", pkgs: []P{{Name: "nginx", Version: "1.30"}, {Name: "redis", Version: "6.1"}}},
			{id: "hot", options: "module_hotfixes=1", pkgs: []P{{Name: "php", Version: "8.2", Release: "5"}}},
		},
		setup: func(h *rpmtest.Host) {
			h.AddModules("appstream",
				rpmtest.ModuleStream("nginx", "1.20", "nginx-0:1.20.1-1.x86_64")+rpmtest.ModuleStream("nginx", "1.22", "nginx-0:1.22.0-1.x86_64")+
					rpmtest.ModuleStream("php", "8.1", "php-0:8.1-1.x86_64")+rpmtest.ModuleStream("php", "8.2", "php-0:8.2-1.x86_64")+
					rpmtest.ModuleStream("redis", "6", "redis-0:6.2-1.x86_64")+
					rpmtest.ModuleDefaults("nginx", "1.20")+rpmtest.ModuleDefaults("php", "8.1")+rpmtest.ModuleDefaults("redis", "6"))
			h.WriteFile("etc/dnf/modules.d/php.module", "[php]\nname=php\nstream=8.2\nprofiles=\nstate=enabled\n")
			h.WriteFile("etc/dnf/modules.d/redis.module", "[redis]\nname=redis\nstream=\nprofiles=\nstate=disabled\n")
		},
		check: func(t *testing.T, s *System, ups []Update) {
			for name, want := range map[string]string{"nginx": "1.20.1-1", "php": "8.2-5", "redis": "6.1-1", "plain": "2-1"} {
				if u := find(t, ups, name); u.Candidate != want {
					t.Errorf("%s: candidate %s, want %s", name, u.Candidate, want)
				}
			}
		}},
	{name: "versionlock",
		installed: []P{{Name: "foo", Version: "1.0"}, {Name: "bar", Version: "1.0"}, {Name: "baz", Version: "1.0"}},
		repos:     []repoSpec{{id: "base", pkgs: []P{{Name: "foo", Version: "1.1"}, {Name: "foo", Version: "1.2"}, {Name: "bar", Version: "1.1"}, {Name: "baz", Version: "1.1"}}}},
		setup: func(h *rpmtest.Host) {
			h.EnablePlugin("versionlock")
			h.WriteFile("etc/dnf/plugins/versionlock.conf", "[main]\nenabled=1\nlocklist="+h.Root+"/etc/dnf/plugins/versionlock.list\n")
			h.WriteFile("etc/dnf/plugins/versionlock.list", "# locked\nfoo-0:1.1-1.*\n!bar-0:1.1-1.*\n")
		},
		check: func(t *testing.T, s *System, ups []Update) {
			if u := find(t, ups, "foo"); u.Candidate != "1.1-1" || u.Held {
				t.Errorf("foo: %+v", u)
			}
			if u := find(t, ups, "bar"); !u.Held || u.HeldBy != "versionlock" {
				t.Errorf("bar: %+v", u)
			}
		}},
	{name: "empty", repos: []repoSpec{{id: "base", pkgs: []P{{Name: "foo", Version: "1.0"}}}},
		check: func(t *testing.T, s *System, ups []Update) {
			if len(s.Installed) != 0 || len(ups) != 0 {
				t.Errorf("empty host: %d installed, updates %+v", len(s.Installed), ups)
			}
		}},
	{name: "no cache", noCache: true, installed: []P{{Name: "foo", Version: "1.0"}},
		repos: []repoSpec{{id: "base", pkgs: []P{{Name: "foo", Version: "1.1"}}}},
		check: func(t *testing.T, s *System, ups []Update) {
			if len(ups) != 0 || len(s.Repos) != 1 || s.Repos[0].Cached || len(s.Unfetched()) != 1 {
				t.Errorf("no cache: repos %+v, updates %+v", s.Repos, ups)
			}
			if o, n := s.Fetched(); !o.IsZero() || !n.IsZero() {
				t.Errorf("fetched %v %v without a cache", o, n)
			}
		}},
}

func find(t *testing.T, ups []Update, name string) Update {
	t.Helper()
	for _, u := range ups {
		if u.Package == name {
			return u
		}
	}
	t.Fatalf("no update of %s in %+v", name, ups)
	return Update{}
}

// TestAgainstDNF builds each case as a real root and compares our answer
// with dnf's own check-update, --security and --sec-severity listings.
func TestAgainstDNF(t *testing.T) {
	rpmtest.Need(t)
	for _, c := range dnfCases {
		t.Run(c.name, func(t *testing.T) {
			h := rpmtest.NewHost(t)
			h.Install(c.installed...)
			if c.dnfConf != "" {
				h.WriteFile("etc/dnf/dnf.conf", "[main]\ngpgcheck=0\n"+c.dnfConf+"\n")
			}
			for _, r := range c.repos {
				h.Repo(r.id, r.options, r.pkgs, r.advisories)
			}
			if c.setup != nil {
				c.setup(h)
			}
			if !c.noCache {
				h.Makecache()
			}
			s, ok, err := Load(context.Background(), h.Root, Options{})
			if err != nil || !ok {
				t.Fatalf("Load: ok %v, %v", ok, err)
			}
			ups := s.Updates()
			if c.check != nil {
				c.check(t, s, ups)
			}
			if c.noCache {
				return // dnf -C refuses to run without a cache
			}
			compareLines(t, "check-update", pendingLines(ups, func(Update) bool { return true }), h.CheckUpdate().Updates)
			compareLines(t, "check-update --security", pendingLines(ups, func(u Update) bool { return u.Security }), h.CheckUpdate("--security").Updates)
			for _, sev := range c.severities {
				got := pendingLines(ups, func(u Update) bool { return u.Security && hasSeverity(s, u, sev) })
				compareLines(t, "check-update --sec-severity="+sev, got, h.CheckUpdate("--sec-severity="+sev).Updates)
			}
			for _, r := range c.repos {
				for _, a := range r.advisories {
					if a.Type != "security" {
						continue
					}
					got := pendingLines(ups, func(u Update) bool { return contains(u.Advisories, a.ID) })
					compareLines(t, "check-update --advisory="+a.ID, got, h.CheckUpdate("--advisory="+a.ID).Updates)
				}
			}
			var gotObs [][2]rpmtest.Line
			for _, o := range s.Obsoletes() {
				gotObs = append(gotObs, [2]rpmtest.Line{{NA: o.New.Name + "." + o.New.Arch, EVR: o.New.EVR.String(), Repo: o.Repo},
					{NA: o.Old.Name + "." + o.Old.Arch, EVR: o.Old.EVR.String(), Repo: "@System"}})
			}
			wantObs := h.CheckUpdate().Obsoletes
			sortPairs(gotObs)
			sortPairs(wantObs)
			if fmt.Sprint(gotObs) != fmt.Sprint(wantObs) {
				t.Errorf("obsoletes: we say %v, dnf says %v", gotObs, wantObs)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// hasSeverity: one of the update's security advisories has severity sev.
func hasSeverity(s *System, u Update, sev string) bool {
	for _, a := range s.advisories {
		for _, id := range u.Advisories {
			if a.ID == id && a.Severity == sev {
				return true
			}
		}
	}
	return false
}

func pendingLines(ups []Update, keep func(Update) bool) []rpmtest.Line {
	var out []rpmtest.Line
	for _, u := range ups {
		if !u.Held && u.ReplacedBy == "" && keep(u) {
			out = append(out, rpmtest.Line{NA: u.Package + "." + u.CandidateArch, EVR: u.Candidate, Repo: u.Origin})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NA < out[j].NA })
	return out
}

func compareLines(t *testing.T, what string, got, want []rpmtest.Line) {
	t.Helper()
	t.Logf("%s: dnf says %v", what, want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: we say %v, dnf says %v", what, got, want)
	}
}

func sortPairs(p [][2]rpmtest.Line) {
	sort.Slice(p, func(i, j int) bool { return fmt.Sprint(p[i]) < fmt.Sprint(p[j]) })
}
