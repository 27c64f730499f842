package rpm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/rpm/rpmtest"
)

// TestCacheLayouts: the metadata dnf makecache fetched gives the same
// updates and advisories when it lies where dnf5 or yum keep it, and a host
// holding two caches of a repo is read from the newer one. dnf5 and yum
// are not Debian packages: their caches are built here from dnf's, in the
// layouts their sources define (dnf5: the same folder name under
// /var/cache/libdnf5; yum: the files flat, by base name, in
// /var/cache/yum/$basearch/$releasever/<repoid>/).
func TestCacheLayouts(t *testing.T) {
	h := rpmtest.NewHost(t)
	h.Install(P{Name: "foo", Version: "1.0"}, P{Name: "bar", Version: "2.0"})
	h.Repo("base", "", []P{{Name: "foo", Version: "1.1"}, {Name: "bar", Version: "2.1"}},
		[]rpmtest.Advisory{sec("RHSA-7", "Important", P{Name: "foo", Version: "1.1"})})
	h.Makecache()
	ref := h.CheckUpdate()
	load := func() (*System, error) {
		s, ok, err := Load(context.Background(), h.Root, Options{})
		if err == nil && !ok {
			t.Fatal("not an RPM host")
		}
		return s, err
	}
	s, err := load()
	if err != nil {
		t.Fatal(err)
	}
	want := s.Updates()
	if len(want) != 2 || len(ref.Updates) != 2 || !want[0].Security && !want[1].Security {
		t.Fatalf("dnf layout: updates %+v, dnf check-update %+v", want, ref)
	}
	name := cacheDirName(s.Repos[0].Repo)
	pristine := filepath.Join(t.TempDir(), "dnf")
	cp(t, filepath.Join(h.Root, "var/cache/dnf"), pristine)
	dnf4 := filepath.Join(h.Root, "var/cache/dnf", name)
	dnf5 := filepath.Join(h.Root, "var/cache/libdnf5", name)
	yum := filepath.Join(h.Root, "var/cache/yum", s.Vars["basearch"], s.Vars["releasever"], "base")
	old := time.Now().Add(-48 * time.Hour)
	toYum := func(t *testing.T, from string) {
		os.MkdirAll(yum, 0o755)
		files, _ := filepath.Glob(filepath.Join(from, "repodata", "*"))
		for _, f := range files {
			cp(t, f, filepath.Join(yum, filepath.Base(f)))
		}
	}
	cases := []struct {
		name    string
		arrange func(t *testing.T)
		layout  string
		dir     string
	}{
		{"dnf", func(t *testing.T) {}, LayoutDNF, dnf4},
		{"dnf5 only", func(t *testing.T) { rename(t, dnf4, dnf5) }, LayoutDNF5, dnf5},
		{"yum only", func(t *testing.T) { toYum(t, dnf4); os.RemoveAll(dnf4) }, LayoutYum, yum},
		{"dnf newer than dnf5", func(t *testing.T) { cp(t, dnf4, dnf5); age(t, filepath.Join(dnf5, "repodata"), old) }, LayoutDNF, dnf4},
		{"dnf5 newer than dnf", func(t *testing.T) { cp(t, dnf4, dnf5); age(t, filepath.Join(dnf4, "repodata"), old) }, LayoutDNF5, dnf5},
		{"yum newer than dnf", func(t *testing.T) { toYum(t, dnf4); age(t, filepath.Join(dnf4, "repodata"), old) }, LayoutYum, yum},
		{"dnf newer than yum", func(t *testing.T) { toYum(t, dnf4); age(t, yum, old) }, LayoutDNF, dnf4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, d := range []string{"var/cache/dnf", "var/cache/libdnf5", "var/cache/yum"} {
				os.RemoveAll(filepath.Join(h.Root, d))
			}
			cp(t, pristine, filepath.Join(h.Root, "var/cache/dnf"))
			c.arrange(t)
			s, err := load()
			if err != nil {
				t.Fatal(err)
			}
			rs := s.Repos[0]
			if rs.Layout != c.layout || rs.CacheDir != c.dir || !rs.Cached || !rs.Updateinfo {
				t.Errorf("read %s at %s (cached %v, updateinfo %v), want %s at %s", rs.Layout, rs.CacheDir, rs.Cached, rs.Updateinfo, c.layout, c.dir)
			}
			if got := s.Updates(); !reflect.DeepEqual(got, want) {
				t.Errorf("updates %+v, want %+v", got, want)
			}
			if len(s.Unfetched()) != 0 || len(s.WithoutUpdateinfo()) != 0 {
				t.Errorf("unfetched %d, without updateinfo %d", len(s.Unfetched()), len(s.WithoutUpdateinfo()))
			}
		})
	}
}

// TestYumSQLite: a yum cache holding primary only as SQLite (yum's
// default mddownloadpolicy) is an error naming the file, never a repo
// read as fetched with no updates nor one reported unfetched.
func TestYumSQLite(t *testing.T) {
	r := Repo{ID: "base", Enabled: true, Priority: 99, Cost: 1000, BaseURL: []string{"http://example.com/c7/"}}
	cases := []struct {
		name   string
		repomd string
		files  []string
		want   string // file the error names; "" for no error
	}{
		{"primary_db only, decompressed",
			`<repomd><data type="primary_db"><location href="repodata/a-primary.sqlite.bz2"/></data></repomd>`,
			[]string{"a-primary.sqlite.bz2", "a-primary.sqlite"}, "a-primary.sqlite"},
		{"primary_db only, still compressed",
			`<repomd><data type="primary_db"><location href="repodata/a-primary.sqlite.bz2"/></data></repomd>`,
			[]string{"a-primary.sqlite.bz2"}, "a-primary.sqlite.bz2"},
		{"primary listed, only its db fetched",
			`<repomd><data type="primary"><location href="repodata/b-primary.xml.gz"/></data><data type="primary_db"><location href="repodata/a-primary.sqlite.bz2"/></data></repomd>`,
			[]string{"a-primary.sqlite"}, "a-primary.sqlite"},
		{"nothing fetched", `<repomd><data type="primary"><location href="repodata/b-primary.xml.gz"/></data><data type="primary_db"><location href="repodata/a-primary.sqlite.bz2"/></data></repomd>`,
			nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "var/cache/yum/x86_64/7/base")
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "repomd.xml"), []byte(c.repomd), 0o644)
			for _, f := range c.files {
				os.WriteFile(filepath.Join(dir, f), []byte("SQLite format 3\x00"), 0o644)
			}
			s := &System{instNames: map[string]bool{}}
			rs := &RepoState{Repo: r, CacheDir: dir, Layout: LayoutYum}
			err := s.readCache(context.Background(), rs)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("error %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), filepath.Join(dir, c.want)+":") || !strings.Contains(err.Error(), "yum sqlite metadata not read")):
				t.Errorf("error %v, want one naming %s", err, c.want)
			}
			if rs.Cached {
				t.Error("read as cached")
			}
		})
	}
}

func cp(t *testing.T, from, to string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(to), 0o755)
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
}

func rename(t *testing.T, from, to string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(to), 0o755)
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}

func age(t *testing.T, dir string, when time.Time) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		if err := os.Chtimes(f, when, when); err != nil {
			t.Fatal(err)
		}
	}
}
