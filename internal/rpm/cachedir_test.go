package rpm

import (
	"bytes"
	"compress/bzip2"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/located"
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
// default mddownloadpolicy) gives the updates, obsoletes and advisories dnf
// gives for the XML form of the same repo, read from the decompressed copy
// yum keeps when it matches repomd's open-checksum, else from the download;
// a copy or download that matches nothing is an error naming the file.
// The repo is built with createrepo_c --database; yum is not a Debian
// package, so its cache is laid out here as yum's sources define it (see
// primarydb.go): repomd.xml and the downloads flat, the decompressed copy
// in gen/primary_db.sqlite (older yum: beside the download, suffix removed).
func TestYumSQLite(t *testing.T) {
	h := rpmtest.NewHost(t)
	h.SQLite = true
	h.Install(P{Name: "foo", Version: "1.0"}, P{Name: "bar", Version: "2.0", Epoch: 1}, P{Name: "old", Version: "1.0"})
	h.Repo("base", "", []P{{Name: "foo", Version: "1.1"}, {Name: "bar", Version: "2.1", Epoch: 1}, {Name: "bar", Version: "2.0", Epoch: 2, Arch: "i686"},
		{Name: "new", Version: "2.0", Obsoletes: []string{"old < 2.0"}}, {Name: "other", Version: "1"}},
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
	want, wantObs := s.Updates(), s.Obsoletes()
	compareLines(t, "dnf layout", pendingLines(want, func(Update) bool { return true }), ref.Updates)
	if len(wantObs) != 1 || len(ref.Obsoletes) != 1 || len(ref.Updates) != 2 ||
		ref.Obsoletes[0][0] != (rpmtest.Line{NA: "new.x86_64", EVR: wantObs[0].New.EVR.String(), Repo: wantObs[0].Repo}) || wantObs[0].Old.Name != "old" {
		t.Fatalf("dnf layout: obsoletes %+v, dnf check-update %+v", wantObs, ref)
	}
	dnf4 := filepath.Join(h.Root, "var/cache/dnf", cacheDirName(s.Repos[0].Repo))
	yum := filepath.Join(h.Root, "var/cache/yum", s.Vars["basearch"], s.Vars["releasever"], "base")
	src := filepath.Join(h.RepoDir("base"), "repodata")
	md, err := readRepomd(filepath.Join(src, "repomd.xml"))
	if err != nil {
		t.Fatal(err)
	}
	download := filepath.Join(yum, filepath.Base(md.Data["primary_db"].Href))
	gen := filepath.Join(yum, "gen", "primary_db.sqlite")
	beside := strings.TrimSuffix(download, ".bz2")
	primaryXML := filepath.Join(yum, filepath.Base(md.Data["primary"].Href))
	unpack := func(t *testing.T, to string) {
		f, err := os.Open(download)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		b, err := io.ReadAll(bzip2.NewReader(f))
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Dir(to), 0o755)
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stale := func(t *testing.T, f string) {
		unpack(t, f)
		b, _ := os.ReadFile(f)
		b[len(b)-1] ^= 1
		os.WriteFile(f, b, 0o644)
	}
	corrupt := func(t *testing.T) {
		b, _ := os.ReadFile(download)
		os.WriteFile(download, b[:len(b)/2], 0o644)
	}
	t0 := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	cases := []struct {
		name    string
		arrange func(t *testing.T)
		read    string // the file read (its mtime is the repo's age); "" for no cache
		err     string // the file an error names
	}{
		{"download only", func(t *testing.T) {}, download, ""},
		{"download and gen copy", func(t *testing.T) { unpack(t, gen) }, gen, ""},
		{"gen copy, download corrupt", func(t *testing.T) { unpack(t, gen); corrupt(t) }, gen, ""},
		{"copy beside the download (older yum)", func(t *testing.T) { unpack(t, beside) }, beside, ""},
		{"stale gen copy: the download is read", func(t *testing.T) { stale(t, gen) }, download, ""},
		{"stale gen copy, no download", func(t *testing.T) { stale(t, gen); os.Remove(download) }, "", gen},
		{"corrupt download", corrupt, "", download},
		{"XML primary and SQLite: XML read", func(t *testing.T) { cp(t, filepath.Join(src, filepath.Base(primaryXML)), primaryXML); corrupt(t) }, primaryXML, ""},
		{"database_version not yum's: unfetched", func(t *testing.T) {
			b, _ := os.ReadFile(filepath.Join(yum, "repomd.xml"))
			os.WriteFile(filepath.Join(yum, "repomd.xml"), bytes.Replace(b, []byte("<database_version>10<"), []byte("<database_version>9<"), 1), 0o644)
		}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.RemoveAll(dnf4)
			os.RemoveAll(yum)
			os.MkdirAll(yum, 0o755)
			cp(t, filepath.Join(src, "repomd.xml"), filepath.Join(yum, "repomd.xml"))
			cp(t, filepath.Join(src, filepath.Base(md.Data["updateinfo"].Href)), filepath.Join(yum, filepath.Base(md.Data["updateinfo"].Href)))
			cp(t, filepath.Join(src, filepath.Base(md.Data["primary_db"].Href)), download)
			c.arrange(t)
			for i, f := range []string{download, gen, beside, primaryXML} {
				os.Chtimes(f, t0.Add(time.Duration(i)*time.Minute), t0.Add(time.Duration(i)*time.Minute))
			}
			s, err := load()
			if c.err != "" {
				if e, ok := located.As(err); !ok || e.File != c.err {
					t.Fatalf("error %v, want one naming %s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rs := s.Repos[0]
			if c.read == "" {
				if rs.Cached || len(s.Unfetched()) != 1 {
					t.Fatalf("read as cached: %+v", rs)
				}
				return
			}
			st, err := os.Stat(c.read)
			if err != nil {
				t.Fatal(err)
			}
			if rs.Layout != LayoutYum || rs.CacheDir != yum || !rs.Cached || !rs.Updateinfo || !rs.Fetched.Equal(st.ModTime()) {
				t.Errorf("read %s at %s (cached %v, updateinfo %v, fetched %v), want yum at %s, fetched %v (%s)", rs.Layout, rs.CacheDir, rs.Cached, rs.Updateinfo, rs.Fetched, yum, st.ModTime(), c.read)
			}
			if got := s.Updates(); !reflect.DeepEqual(got, want) {
				t.Errorf("updates %+v, want %+v", got, want)
			}
			if got := s.Obsoletes(); !reflect.DeepEqual(got, wantObs) {
				t.Errorf("obsoletes %+v, want %+v", got, wantObs)
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
