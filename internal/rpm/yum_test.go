package rpm

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/rpm/rpmtest"
)

func TestManagerOf(t *testing.T) {
	pkg := func(name, version string) *Installed { return &Installed{Name: name, EVR: EVR{Version: version}} }
	cases := []struct {
		name string
		inst []*Installed
		want string
	}{
		{"empty", nil, ManagerDNF},
		{"centos 7", []*Installed{pkg("bash", "4.2.46"), pkg("yum", "3.4.3")}, ManagerYum},
		{"rhel 8: yum is dnf's alias", []*Installed{pkg("dnf", "4.7.0"), pkg("yum", "4.7.0")}, ManagerDNF},
		{"yum 4 alone", []*Installed{pkg("yum", "4.14.0")}, ManagerDNF},
		{"dnf5", []*Installed{pkg("yum", "3.4.3"), pkg("dnf5", "5.2.0")}, ManagerDNF},
		{"microdnf", []*Installed{pkg("microdnf", "3.8.0")}, ManagerDNF},
	}
	for _, c := range cases {
		if got := managerOf(c.inst); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// TestSplitYumEntry: entries split as rpmUtils.miscutils.splitFilename
// splits them (the values are what it returns for these inputs).
func TestSplitYumEntry(t *testing.T) {
	cases := []struct{ in, name, epoch, version, release string }{
		{"0:bash-4.2.46-34.el7.x86_64", "bash", "0", "4.2.46", "34.el7"},
		{"1:openssl-1.0.2k-26.el7_9.*", "openssl", "1", "1.0.2k", "26.el7_9"},
		{"kernel-3.10.0-1160.el7.x86_64", "kernel", "0", "3.10.0", "1160.el7"},
		{"python-libs-2.7.5-94.el7_9.x86_64.rpm", "python-libs", "0", "2.7.5", "94.el7_9"},
		{"garbage", "", "0", "", ""},
	}
	for _, c := range cases {
		n, e, v, r := splitYumEntry(c.in)
		if n != c.name || e != c.epoch || v != c.version || r != c.release {
			t.Errorf("%s: %q %q %q %q", c.in, n, e, v, r)
		}
	}
}

// TestYumHost: a yum 3 host (yum 3.4.3 in the rpmdb, no dnf) is read with
// yum's configuration: /etc/yum.conf's cachedir, exclude and plugins, repo
// priority only through the priorities plugin, versionlock in yum's entry
// form. yum is no Debian package; each case's reference is the real dnf on
// the same repos with the configuration that means the same to dnf
// (priorities equalised where yum ignores them, the same locks in dnf's
// form), and the metadata dnf fetched is laid out as yum keeps it.
func TestYumHost(t *testing.T) {
	h := rpmtest.NewHost(t)
	h.Install(P{Name: "foo", Version: "1.0"}, P{Name: "bar", Version: "1.0"}, P{Name: "baz", Version: "1.0"},
		P{Name: "yum", Version: "3.4.3", Release: "168.el7.centos", Arch: "noarch"})
	h.Repo("base", "priority=1", []P{{Name: "foo", Version: "1.1"}, {Name: "bar", Version: "1.1"}}, nil)
	h.Repo("epel", "", []P{{Name: "foo", Version: "1.2"}, {Name: "baz", Version: "1.1"}, {Name: "baz", Version: "1.2"}},
		[]rpmtest.Advisory{sec("FEDORA-EPEL-1", "Important", P{Name: "baz", Version: "1.1"})})
	h.Makecache()
	byPriority := h.CheckUpdate()
	byVersion := h.CheckUpdate("--setopt=base.priority=99")
	excluded := h.CheckUpdate("--setopt=base.priority=99", "--setopt=excludepkgs=bar")
	h.EnablePlugin("versionlock")
	h.WriteFile("etc/dnf/plugins/versionlock.conf", "[main]\nenabled=1\nlocklist="+h.Root+"/etc/dnf/plugins/versionlock.list\n")
	h.WriteFile("etc/dnf/plugins/versionlock.list", "foo-0:1.1-1.*\n!baz-0:1.2-1.*\n")
	locked := h.CheckUpdate("--setopt=base.priority=99")

	// The host as yum leaves it: no dnf configuration nor cache, each
	// repo's files flat in yum's cachedir.
	dnfCache := filepath.Join(h.Root, "var/cache/dnf")
	rel := map[string]string{"base": "", "epel": ""}
	dirs, _ := filepath.Glob(filepath.Join(dnfCache, "*-*"))
	for _, d := range dirs {
		if st, err := os.Stat(filepath.Join(d, "repodata")); err != nil || !st.IsDir() {
			continue // dnf's .solv files
		}
		id := filepath.Base(d)
		id = id[:strings.LastIndexByte(id, '-')]
		if _, ok := rel[id]; ok {
			rel[id] = d
		}
	}
	layout := func(t *testing.T, cachedir string) {
		os.RemoveAll(filepath.Join(h.Root, "var/cache/yum"))
		for id, d := range rel {
			to := filepath.Join(h.Root, cachedir, id)
			os.MkdirAll(to, 0o755)
			files, _ := filepath.Glob(filepath.Join(d, "repodata", "*"))
			for _, f := range files {
				cp(t, f, filepath.Join(to, filepath.Base(f)))
			}
		}
	}
	pristine := filepath.Join(t.TempDir(), "dnf")
	rename(t, dnfCache, pristine)
	for id := range rel {
		rel[id] = filepath.Join(pristine, filepath.Base(rel[id]))
	}
	os.Remove(filepath.Join(h.Root, "etc/dnf/dnf.conf"))
	os.RemoveAll(filepath.Join(h.Root, "etc/dnf/plugins"))

	cases := []struct {
		name     string
		yumConf  string
		plugins  map[string]string // pluginconf.d/<name>.conf
		files    map[string]string
		cachedir string
		want     rpmtest.CheckUpdate
	}{
		{"defaults: no priorities", "", nil, nil, "var/cache/yum", byVersion},
		{"rhel 7 yum.conf, plugins off", "[main]\ncachedir=/var/cache/yum/$basearch/$releasever\nkeepcache=0\nexactarch=1\nobsoletes=1\ngpgcheck=1\nplugins=0\ninstallonly_limit=5\n",
			map[string]string{"priorities": "[main]\nenabled=1\n"}, nil, "var/cache/yum/x86_64/7", byVersion},
		{"priorities plugin", "[main]\ncachedir=/var/cache/yum/$basearch/$releasever\nplugins=1\n",
			map[string]string{"priorities": "[main]\nenabled = 1\n"}, nil, "var/cache/yum/x86_64/7", byPriority},
		{"priorities plugin disabled", "[main]\ncachedir=/var/cache/yum/$basearch/$releasever\nplugins=1\n",
			map[string]string{"priorities": "[main]\nenabled = 0\n"}, nil, "var/cache/yum/x86_64/7", byVersion},
		{"versionlock", "[main]\ncachedir=/var/cache/yum/$basearch/$releasever\nplugins=1\n",
			map[string]string{"versionlock": "[main]\nenabled = 1\nlocklist = /etc/yum/pluginconf.d/versionlock.list\n"},
			map[string]string{"etc/yum/pluginconf.d/versionlock.list": "# locked\n0:foo-1.1-1.*\n!0:baz-1.2-1.*\n"}, "var/cache/yum/x86_64/7", locked},
		{"exclude, a yum variable in cachedir", "[main]\ncachedir=/srv/yum/$site/$basearch\nexclude=bar\n", nil,
			map[string]string{"etc/yum/vars/site": "lab\n"}, "srv/yum/lab/x86_64", excluded},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, d := range []string{"etc/yum.conf", "etc/yum/pluginconf.d", "etc/yum/vars", "srv"} {
				os.RemoveAll(filepath.Join(h.Root, d))
			}
			if c.yumConf != "" {
				h.WriteFile("etc/yum.conf", c.yumConf)
			}
			for name, conf := range c.plugins {
				h.WriteFile("etc/yum/pluginconf.d/"+name+".conf", conf)
			}
			for f, content := range c.files {
				h.WriteFile(f, content)
			}
			layout(t, c.cachedir)
			s, ok, err := Load(context.Background(), h.Root, Options{Arch: "x86_64", Releasever: "7"})
			if err != nil || !ok {
				t.Fatalf("load: %v %v", ok, err)
			}
			if s.Main.Manager != ManagerYum {
				t.Fatalf("manager %s", s.Main.Manager)
			}
			for _, r := range s.Repos {
				if r.Layout != LayoutYum || r.CacheDir != filepath.Join(h.Root, c.cachedir, r.ID) || !r.Cached {
					t.Errorf("repo %s read from %s (%s, cached %v)", r.ID, r.CacheDir, r.Layout, r.Cached)
				}
			}
			var got []string
			for _, u := range s.Updates() {
				if !u.Held {
					got = append(got, u.Package+"."+u.CandidateArch+" "+u.Candidate+" "+u.Origin)
				}
			}
			var want []string
			for _, l := range c.want.Updates {
				want = append(want, l.NA+" "+l.EVR+" "+l.Repo)
			}
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("updates\n%s\nwant (dnf with the same meaning)\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
	if len(byPriority.Updates) == 0 || len(byVersion.Updates) == 0 || sameLines(byPriority, byVersion) || sameLines(byVersion, locked) {
		t.Errorf("the references do not tell the cases apart: %+v / %+v / %+v", byPriority, byVersion, locked)
	}
}

func sameLines(a, b rpmtest.CheckUpdate) bool {
	if len(a.Updates) != len(b.Updates) {
		return false
	}
	for i := range a.Updates {
		if a.Updates[i] != b.Updates[i] {
			return false
		}
	}
	return true
}

// TestYumLocklistUnset: yum stops when the versionlock plugin has no
// locklist; so does the check, naming the file and key.
func TestYumLocklistUnset(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, yumPluginDir), 0o755)
	os.WriteFile(filepath.Join(root, yumPluginDir, "versionlock.conf"), []byte("[main]\nenabled=1\n"), 0o644)
	s := &System{Root: root, Main: Main{Manager: ManagerYum, Plugins: true}}
	err := s.readYumVersionlock()
	if err == nil || !strings.Contains(err.Error(), "versionlock.conf") || !strings.Contains(err.Error(), "main.locklist") {
		t.Errorf("error %v", err)
	}
}

// FuzzYumLocklist: any lock list splits without a panic, and an entry's
// parts are always substrings of it.
func FuzzYumLocklist(f *testing.F) {
	for _, s := range []string{"0:bash-4.2.46-34.el7.x86_64", "!1:openssl-1.0.2k-26.el7_9.*", "a:b-c", ":-.", "-", "x.y.z", "1:-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, e, v, r := splitYumEntry(s)
		for _, part := range []string{n, v, r} {
			if !strings.Contains(s, part) {
				t.Fatalf("%q: part %q not in the entry", s, part)
			}
		}
		if e != "0" && !strings.Contains(s, e) {
			t.Fatalf("%q: epoch %q", s, e)
		}
		l := &yumLock{names: map[string]bool{n: true}, keep: map[string]bool{}, drop: map[string]bool{}}
		_ = l.excludes(n, parseEVR(v+"-"+r))
	})
}
