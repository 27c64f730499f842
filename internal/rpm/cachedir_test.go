package rpm

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/rpm/rpmtest"
)

// TestCacheLayouts: the metadata dnf makecache fetched gives the same
// updates and advisories when it lies where dnf5 keeps it, and a host
// holding two caches of a repo is read from the newer one. dnf5 is not a
// Debian package: its cache is built here from dnf's, in the layout its
// sources define (the same folder name under /var/cache/libdnf5).
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
	old := time.Now().Add(-48 * time.Hour)
	cases := []struct {
		name    string
		arrange func(t *testing.T)
		layout  string
		dir     string
	}{
		{"dnf", func(t *testing.T) {}, LayoutDNF, dnf4},
		{"dnf5 only", func(t *testing.T) { rename(t, dnf4, dnf5) }, LayoutDNF5, dnf5},
		{"dnf newer than dnf5", func(t *testing.T) { cp(t, dnf4, dnf5); age(t, filepath.Join(dnf5, "repodata"), old) }, LayoutDNF, dnf4},
		{"dnf5 newer than dnf", func(t *testing.T) { cp(t, dnf4, dnf5); age(t, filepath.Join(dnf4, "repodata"), old) }, LayoutDNF5, dnf5},
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
