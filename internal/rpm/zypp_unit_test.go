package rpm

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// The locks zypper addlock writes (zypper 1.14: `al 'foo*'`, `al 'bar <
// 2.0'`, `al -r main baz`, `al -t patch S-1`, `al 'qux = 1:1.0-2'`).
const zypperLocks = `
type: patch
match_type: glob
case_sensitive: on
solvable_name: S-1


type: package
version: < 2.0
match_type: glob
case_sensitive: on
solvable_name: bar


repo: main
type: package
match_type: glob
case_sensitive: on
solvable_name: baz


type: package
match_type: glob
case_sensitive: on
solvable_name: foo*


type: package
version: == 1:1.0-2
match_type: glob
case_sensitive: on
solvable_name: qux

`

func TestZyppLocks(t *testing.T) {
	locks, err := parseZyppLocks([]byte(zypperLocks), "locks")
	if err != nil {
		t.Fatal(err)
	}
	if len(locks) != 4 {
		t.Fatalf("%d package locks, want 4 (the patch lock bears on no package): %+v", len(locks), locks)
	}
	locked := func(name, repo, evr string) bool {
		for _, l := range locks {
			if l.locks(name, repo, parseEVR(evr)) {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		name, repo, evr string
		want            bool
	}{
		{"foo", "", "1-1", true},
		{"foobar", "oss", "9-1", true},
		{"xfoo", "", "1-1", false},
		{"bar", "", "1.9-5", true},
		{"bar", "", "2.0-1", false}, // "< 2.0" compares versions only
		{"baz", "main", "1-1", true},
		{"baz", "other", "1-1", false},
		{"baz", "", "1-1", false}, // installed: in @System, not main
		{"qux", "", "1:1.0-2", true},
		{"qux", "", "1.0-2", false},
		{"S-1", "", "1-1", false},
	} {
		if got := locked(c.name, c.repo, c.evr); got != c.want {
			t.Errorf("%s %s from %q: locked %v, want %v", c.name, c.evr, c.repo, got, c.want)
		}
	}
}

func TestZyppLockMatchTypes(t *testing.T) {
	for _, c := range []struct {
		lock, name string
		want       bool
	}{
		{"match_type: exact\nsolvable_name: vim", "vim", true},
		{"match_type: exact\nsolvable_name: vim", "vim-data", false},
		{"match_type: substring\nsolvable_name: vim", "gvim-data", true},
		{"match_type: regex\nsolvable_name: ^kernel-(default|64kb)$", "kernel-64kb", true},
		{"match_type: regex\nsolvable_name: ^kernel-(default|64kb)$", "kernel-devel", false},
		{"match_type: glob\nsolvable_name: lib[a-c]?.x", "libb1.x", true},
		{"match_type: glob\nsolvable_name: lib[!a-c]", "libb", false},
		{"match_type: glob\ncase_sensitive: off\nsolvable_name: VIM", "vim", true},
		{"match_type: glob\nsolvable_name: VIM", "vim", false},
		{"solvable_name: lck.x86_64", "lck", false}, // zypper: name only
		{"solvable_name: a\nsolvable_name: b", "b", true},
	} {
		locks, err := parseZyppLocks([]byte(c.lock+"\n"), "locks")
		if err != nil || len(locks) != 1 {
			t.Fatalf("%q: %v %v", c.lock, locks, err)
		}
		if got := locks[0].locks(c.name, "", EVR{Version: "1"}); got != c.want {
			t.Errorf("%q on %s: %v, want %v", c.lock, c.name, got, c.want)
		}
	}
}

func TestZyppLocksErrors(t *testing.T) {
	for _, c := range []struct {
		in   string
		line int
		key  string
	}{
		{"type: package\nmatch_type: words\nsolvable_name: vim\n", 2, "match_type"},
		{"type: package\nsolvable_summary: editor\n", 2, "solvable_summary"},
		{"type: package\nmatch_type: glob\n", 1, "solvable_name"},
		{"solvable_name: vim\nversion: ~ 1\n", 2, "version"},
		{"solvable_name: vim\ncase_sensitive: maybe\n", 2, "case_sensitive"},
		{"\n\nsolvable_name vim\n", 3, ""},
		{"match_type: regex\nsolvable_name: (\n", 1, "solvable_name"},
		{"install_status: installed\nsolvable_name: a\n", 1, "install_status"},
	} {
		_, err := parseZyppLocks([]byte(c.in), "/etc/zypp/locks")
		var le *located.Error
		if !errors.As(err, &le) || le.Line != c.line || le.Key != c.key || le.File != "/etc/zypp/locks" {
			t.Errorf("%q: %v, want line %d key %q", c.in, err, c.line, c.key)
		}
		if err != nil && strings.Contains(err.Error(), "vim") {
			t.Errorf("%q: the message quotes the file: %v", c.in, err)
		}
	}
}

func TestZyppVendors(t *testing.T) {
	vc := defaultVendorClasses()
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, "x"), []byte("[main]\nvendors = foo,bar\n"), 0o644))
	must(t, vc.read(dir))
	// each as the real zypper decided (rpm_test's vendor cases, s3 in the facts)
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"SUSE LLC <https://www.suse.com/>", "SUSE LLC <https://www.suse.com/>", true},
		{"SUSE LLC", "SUSE", true},
		{"SUSE", "openSUSE", false},
		{"openSUSE", "SUSE LLC", false},
		{"Evil", "evil", true},
		{"acme", "acme corp", false},
		{"foo", "bar", true},
		{"foox", "bar", true},
		{"obs://build.opensuse.org/home", "obs://build.opensuse.org/other", false},
		{"", "X", false},
		{"", "", true},
	} {
		if got := vc.equivalent(c.a, c.b); got != c.want {
			t.Errorf("%q → %q: %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestQuickVendor(t *testing.T) {
	for block, want := range map[string]string{
		`<package><format><rpm:license>MIT</rpm:license><rpm:vendor>SUSE LLC &lt;https://www.suse.com/&gt;</rpm:vendor></format></package>`: "SUSE LLC <https://www.suse.com/>",
		`<package><format><rpm:vendor/></format></package>`:          "",
		`<package><format><rpm:vendor>obs</format></package>`:        "",
		`<package><format><rpm:vendor>a&amp;b</rpm:vendor></format>`: "a&b",
	} {
		if got := quickVendor([]byte(block)); got != want {
			t.Errorf("%s: %q, want %q", block, got, want)
		}
	}
}

func TestIsZyppRoot(t *testing.T) {
	for _, c := range []struct {
		name  string
		files []string
		want  bool
	}{
		{"leap", []string{"etc/os-release=ID=\"opensuse-leap\"\n"}, true},
		{"sles", []string{"usr/lib/os-release=ID=\"sles\"\nID_LIKE=\"suse\"\n"}, true},
		{"tumbleweed", []string{"etc/os-release=ID=opensuse-tumbleweed\n"}, true},
		{"rocky", []string{"etc/os-release=ID=rocky\nID_LIKE=\"rhel centos fedora\"\n", "etc/yum.repos.d/a.repo="}, false},
		{"zypp only", []string{"etc/zypp/repos.d/a.repo="}, true},
		{"both configured", []string{"etc/zypp/repos.d/a.repo=", "etc/yum.repos.d/a.repo="}, false},
		{"nothing", nil, false},
	} {
		root := t.TempDir()
		for _, f := range c.files {
			p, content, _ := strings.Cut(f, "=")
			must(t, os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755))
			must(t, os.WriteFile(filepath.Join(root, p), []byte(content), 0o644))
		}
		if got := IsZyppRoot(root); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestZyppConf(t *testing.T) {
	z, err := parseZyppConf([]byte("## comment\n[main]\nmultiversion = provides:multiversion(kernel), kernel-source\nsolver.allowVendorChange = true\ncachedir = /srv/zypp\n"), "zypp.conf")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(z.MultiVersion, " ") != "provides:multiversion(kernel) kernel-source" || !z.AllowVendorChange || z.metadata != "/srv/zypp/raw" {
		t.Errorf("%+v", z)
	}
	_, err = parseZyppConf([]byte("[main]\nsolver.allowVendorChange = perhaps\n"), "zypp.conf")
	if le, ok := located.As(err); !ok || le.Line != 2 || le.Key != "main.solver.allowvendorchange" {
		t.Errorf("a bad boolean: %v", err)
	}
}

func TestZyppRepoFile(t *testing.T) {
	secs, err := parseINI([]byte("[repo-oss]\nname=Main\nenabled=1\nautorefresh=1\nbaseurl=http://download.opensuse.org/distribution/leap/$releasever/repo/\npath=/oss\ntype=rpm-md\npriority=0\n"+
		"[susetags]\nbaseurl=http://x/\ntype=yast2\n"), zyppRepoKind, "r.repo")
	if err != nil {
		t.Fatal(err)
	}
	r, err := zyppRepo(secs[0], "r.repo", map[string]string{"releasever": "15.6"})
	if err != nil || r.ID != "repo-oss" || r.Priority != 99 || !r.Enabled || r.BaseURL[0] != "http://download.opensuse.org/distribution/leap/15.6/repo/oss" {
		t.Errorf("%+v %v", r, err)
	}
	if _, err := zyppRepo(secs[1], "r.repo", nil); err == nil || !strings.Contains(err.Error(), "line 11, key susetags.type") {
		t.Errorf("a susetags repo is not read, and says so: %v", err)
	}
}

func FuzzZyppLocks(f *testing.F) {
	f.Add([]byte(zypperLocks))
	f.Add([]byte("match_type: regex\ncase_sensitive: off\nsolvable_name: ^a.*b$\nversion: >= 1:2-3\n\nrepo: x\nsolvable_name: [!a]*\n"))
	f.Add([]byte("# comment\nsolvable_name: \\\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		locks, err := parseZyppLocks(b, "locks")
		if err != nil {
			if _, ok := located.As(err); !ok {
				t.Fatalf("an error naming no place: %v", err)
			}
			return
		}
		for _, l := range locks {
			if len(l.Names) == 0 || len(l.res) != len(l.Names) || l.Line < 1 {
				t.Fatalf("an incomplete lock: %+v", l)
			}
			_ = l.locks("name", "repo", EVR{Epoch: 1, Version: "1.0", Release: "1"})
		}
	})
}

func FuzzZyppConf(f *testing.F) {
	f.Add([]byte("[main]\nmultiversion = provides:multiversion(kernel)\nsolver.allowVendorChange = false\nmetadatadir = {cachedir}/raw\n"))
	f.Add([]byte("[repo-oss]\nenabled=1\nbaseurl=http://x/$releasever\npath=/oss\npriority=0\ntype=rpm-md\n"))
	f.Add([]byte("[main]\nvendors = suse,opensuse\n"))
	vars := map[string]string{"releasever": "15.6", "basearch": "x86_64"}
	f.Fuzz(func(t *testing.T, b []byte) {
		if z, err := parseZyppConf(b, "zypp.conf"); err == nil && (z.vendors == nil || z.metadata == "") {
			t.Fatalf("no defaults: %+v", z)
		}
		secs, err := parseINI(b, zyppRepoKind, "r.repo")
		if err != nil {
			return
		}
		for _, s := range secs {
			if r, err := zyppRepo(s, "r.repo", vars); err == nil && (r.ID == "" || r.Priority < 1) {
				t.Fatalf("a repo without id or priority: %+v", r)
			}
		}
		vc := defaultVendorClasses()
		for _, s := range secs {
			if v, ok := s.values["vendors"]; ok {
				vc.classes = append(vc.classes, listValue(strings.ToLower(v.value)))
			}
		}
		_ = vc.equivalent(string(b), "suse")
	})
}
