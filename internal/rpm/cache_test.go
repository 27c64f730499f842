package rpm

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/rpm/rpmtest"
)

// TestCacheAge: a repo's age is the mtime of its primary file, which is
// what libdnf touches when a check finds the metadata unchanged
// (repomd.xml is left as it was): an old cache reads old, and after the
// real `dnf makecache --refresh` it reads new.
func TestCacheAge(t *testing.T) {
	h := rpmtest.NewHost(t)
	h.Install(P{Name: "foo", Version: "1.0"})
	h.Repo("base", "", []P{{Name: "foo", Version: "1.1"}}, nil)
	h.Makecache()
	load := func() *System {
		s, ok, err := Load(context.Background(), h.Root, Options{})
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		return s
	}
	s := load()
	month := time.Now().Add(-30 * 24 * time.Hour)
	files, _ := filepath.Glob(filepath.Join(s.Repos[0].CacheDir, "repodata", "*"))
	for _, f := range files {
		if err := os.Chtimes(f, month, month); err != nil {
			t.Fatal(err)
		}
	}
	if _, n := load().Fetched(); n.Sub(month).Abs() > time.Minute {
		t.Errorf("an old cache reads fetched at %v", n)
	}
	h.DNF("makecache", "--refresh")
	if _, n := load().Fetched(); time.Since(n) > 10*time.Minute {
		t.Errorf("after dnf makecache --refresh the cache reads fetched at %v", n)
	}
}

// TestCacheOfOldURL: a cache folder left by the repo's earlier URL is not
// its cache (libdnf names the folder by the URL's hash): the repo is
// unfetched and its old packages are not offered.
func TestCacheOfOldURL(t *testing.T) {
	h := rpmtest.NewHost(t)
	h.Install(P{Name: "foo", Version: "1.0"})
	url := h.Repo("base", "", []P{{Name: "foo", Version: "1.1"}}, nil)
	h.Makecache()
	repo := filepath.Join(h.Root, "etc/yum.repos.d/base.repo")
	b, err := os.ReadFile(repo)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(repo, []byte(strings.Replace(string(b), url, url+"-moved", 1)), 0o644)
	s, ok, err := Load(context.Background(), h.Root, Options{})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if len(s.Unfetched()) != 1 || len(s.Updates()) != 0 {
		t.Errorf("unfetched %d, updates %+v", len(s.Unfetched()), s.Updates())
	}
	if st := h.DNF("-C", "check-update"); st.ExitCode() != 1 {
		t.Errorf("dnf -C check-update with no cache for the new URL: exit %d, want 1", st.ExitCode())
	}
}

// TestCorruptCache: a primary changed after dnf fetched it, even in a
// package the scanner skips, fails its repomd.xml checksum.
func TestCorruptCache(t *testing.T) {
	h := rpmtest.NewHost(t)
	h.Install(P{Name: "foo", Version: "1.0"})
	h.Repo("base", "", []P{{Name: "foo", Version: "1.1"}, {Name: "zzz", Version: "1"}}, nil)
	h.Makecache()
	s, ok, err := Load(context.Background(), h.Root, Options{})
	if err != nil || !ok || len(s.Updates()) != 1 {
		t.Fatal(ok, err)
	}
	prim := filepath.Join(s.Repos[0].CacheDir, filepath.FromSlash(s.Repos[0].Repomd.Data["primary"].Href))
	zr, err := os.Open(prim)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gzip.NewReader(zr)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(g)
	zr.Close()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(plain, []byte(`href="zzz-`)) {
		t.Fatal("no zzz package in primary")
	}
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(bytes.Replace(plain, []byte(`href="zzz-`), []byte(`href="zzy-`), 1))
	w.Close()
	os.WriteFile(prim, out.Bytes(), 0o644)
	_, _, err = Load(context.Background(), h.Root, Options{})
	if err == nil || !strings.Contains(err.Error(), prim) || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("corrupt primary: %v", err)
	}
}

// TestZchunkOnly: a cache holding primary only as a zchunk file that is
// cut short is an error that names the file, not an unfetched repo nor a
// host without updates (TestZchunkCache reads whole ones).
func TestZchunkOnly(t *testing.T) {
	root := t.TempDir()
	r := Repo{ID: "fedora", Enabled: true, Priority: 99, Cost: 1000, BaseURL: []string{"http://example.com/f/"}}
	dir := filepath.Join(root, "var/cache/dnf", cacheDirName(r), "repodata")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "repomd.xml"), []byte(`<repomd><data type="primary"><location href="repodata/a-primary.xml.gz"/></data><data type="primary_zck"><location href="repodata/a-primary.xml.zck"/></data></repomd>`), 0o644)
	os.WriteFile(filepath.Join(dir, "a-primary.xml.zck"), []byte("\x00ZCK1"), 0o644)
	s := &System{Root: root, instNames: map[string]bool{}}
	rs := &RepoState{Repo: r, CacheDir: filepath.Dir(dir)}
	err := s.readCache(context.Background(), rs)
	if err == nil || !strings.Contains(err.Error(), "a-primary.xml.zck: zchunk") {
		t.Errorf("zchunk only: %v", err)
	}
}
