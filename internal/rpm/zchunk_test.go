package rpm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/rpm/rpmtest"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
	"github.com/guardrail-monitoring/guardrail/internal/zchunk"
)

// TestZchunkCache: a cache holding primary, updateinfo and modules only as
// zchunk copies, as Fedora's dnf (zchunk=True, dnf 4 and dnf5) leaves it,
// gives the updates the real dnf reports on the XML copies. Debian's
// librepo is built without zchunk, so dnf here fetches the XML; the repo
// is made with createrepo_c/modifyrepo_c --zck, and the cache is then
// turned into what a zchunk dnf keeps: the same repomd.xml (dnf keeps it
// as served), the .zck files instead of the others.
func TestZchunkCache(t *testing.T) {
	rpmtest.Need(t)
	testenv.NeedCommand(t, "zck")
	h := rpmtest.NewHost(t)
	h.Install(P{Name: "foo", Version: "1.0"}, P{Name: "bar", Version: "1.0"}, P{Name: "nginx", Version: "1.20.0"}, P{Name: "php", Version: "8.0"})
	url := h.Repo("fedora", "", []P{{Name: "foo", Version: "1.1"}, {Name: "foo", Version: "1.2"}, {Name: "bar", Version: "1.1"},
		{Name: "nginx", Version: "1.20.1"}, {Name: "nginx", Version: "1.22.0"}, {Name: "php", Version: "8.1"}, {Name: "php", Version: "8.2"}}, nil)
	repo := strings.TrimPrefix(url, "file://")
	work := t.TempDir()
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	run("createrepo_c", "--quiet", "--no-database", "--zck", repo)
	ui := filepath.Join(work, "updateinfo.xml")
	os.WriteFile(ui, []byte(rpmtest.UpdateinfoXML([]rpmtest.Advisory{
		sec("FEDORA-2026-1", "Important", P{Name: "foo", Version: "1.1"}),
		sec("FEDORA-2026-2", "Moderate", P{Name: "php", Version: "8.2"}),
		{ID: "FEDORA-2026-3", Type: "bugfix", Packages: []P{{Name: "bar", Version: "1.1"}}},
	})), 0o644)
	run("modifyrepo_c", "--zck", "--mdtype=updateinfo", ui, filepath.Join(repo, "repodata"))
	mods := filepath.Join(work, "modules.yaml")
	os.WriteFile(mods, []byte(rpmtest.ModuleStream("nginx", "1.20", "nginx-0:1.20.1-1.x86_64")+rpmtest.ModuleStream("nginx", "1.22", "nginx-0:1.22.0-1.x86_64")+
		rpmtest.ModuleStream("php", "8.1", "php-0:8.1-1.x86_64")+rpmtest.ModuleStream("php", "8.2", "php-0:8.2-1.x86_64")+
		rpmtest.ModuleDefaults("nginx", "1.20")+rpmtest.ModuleDefaults("php", "8.1")), 0o644)
	run("modifyrepo_c", "--zck", "--mdtype=modules", mods, filepath.Join(repo, "repodata"))
	h.WriteFile("etc/dnf/modules.d/php.module", "[php]\nname=php\nstream=8.2\nprofiles=\nstate=enabled\n")
	h.Makecache()
	refAll, refSec := h.CheckUpdate().Updates, h.CheckUpdate("--security").Updates

	load := func(t *testing.T) (*System, error) {
		s, ok, err := Load(context.Background(), h.Root, Options{})
		if err == nil && !ok {
			t.Fatal("not an RPM host")
		}
		return s, err
	}
	s, err := load(t)
	if err != nil {
		t.Fatal(err)
	}
	want := s.Updates()
	compareLines(t, "xml cache: check-update", pendingLines(want, func(Update) bool { return true }), refAll)
	compareLines(t, "xml cache: check-update --security", pendingLines(want, func(u Update) bool { return u.Security }), refSec)
	if len(refSec) != 2 || len(refAll) != 4 {
		t.Fatalf("the case lost its point: dnf lists %v, security %v", refAll, refSec)
	}

	// The cache as a zchunk dnf keeps it.
	rs := s.Repos[0]
	md := rs.Repomd
	for _, typ := range []string{"primary", "updateinfo", "modules"} {
		z, ok := md.Data[typ+"_zck"]
		if !ok || !strings.HasSuffix(z.Href, ".zck") {
			t.Fatalf("repomd.xml lists no %s_zck: %+v", typ, md.Data)
		}
		b, err := os.ReadFile(filepath.Join(repo, filepath.FromSlash(z.Href)))
		if err != nil {
			t.Fatal(err)
		}
		// repomd's checksum of a zck entry is that of the .zck file as
		// stored: what openMetadata verifies.
		if sum := sha256.Sum256(b); z.ChecksumType != "sha256" || z.Checksum != hex.EncodeToString(sum[:]) {
			t.Fatalf("%s_zck: repomd checksum %s %s is not the .zck file's", typ, z.ChecksumType, z.Checksum)
		}
		// dnf (librepo) checks a zchunk file by this instead, then by
		// zchunk's own chunk and data checksums.
		if z.HeaderChecksumType != "sha256" || len(z.HeaderChecksum) != 64 {
			t.Fatalf("%s_zck: header-checksum %q %q", typ, z.HeaderChecksumType, z.HeaderChecksum)
		}
		os.WriteFile(rs.metaPath(z.Href), b, 0o644)
		if err := os.Remove(rs.metaPath(md.Data[typ].Href)); err != nil {
			t.Fatal(err)
		}
	}
	zckOnly := filepath.Join(t.TempDir(), "cache")
	cp(t, rs.CacheDir, zckOnly)
	name := filepath.Base(rs.CacheDir)
	dnf4 := rs.CacheDir
	dnf5 := filepath.Join(h.Root, "var/cache/libdnf5", name)
	primZck := rs.metaPath(md.Data["primary_zck"].Href)

	cases := []struct {
		name    string
		arrange func(t *testing.T)
		err     string // the file an error must name; "" for none
		errIs   error
		msg     string // and what it must say
	}{
		{"dnf, zchunk only", func(t *testing.T) {}, "", nil, ""},
		{"dnf5, zchunk only", func(t *testing.T) { rename(t, dnf4, dnf5) }, "", nil, ""},
		{"corrupt chunk", func(t *testing.T) {
			b, _ := os.ReadFile(primZck)
			b[len(b)-len(b)/3] ^= 0x20
			os.WriteFile(primZck, b, 0o644)
		}, primZck, zchunk.ErrChecksum, "zchunk chunk"},
		{"cut short", func(t *testing.T) {
			b, _ := os.ReadFile(primZck)
			os.WriteFile(primZck, b[:len(b)/2], 0o644)
		}, primZck, nil, "a partial file"},
		// Bytes after the last chunk change the file's checksum but
		// neither its header nor its chunks: libzck and so dnf accept it.
		{"a byte after the last chunk", func(t *testing.T) {
			b, _ := os.ReadFile(primZck)
			os.WriteFile(primZck, append(b, '\n'), 0o644)
		}, "", nil, ""},
		// The same content made again (another chunk checksum type): a
		// whole, valid zchunk file, but not the one repomd.xml lists.
		{"another zchunk file of the same content", func(t *testing.T) {
			plain := filepath.Join(t.TempDir(), "primary.xml")
			out, err := exec.Command("unzck", "-c", primZck).Output()
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(plain, out, 0o644)
			run("zck", "-h", "sha512", "-o", primZck, plain)
		}, primZck, nil, "header-checksum repomd.xml lists"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.RemoveAll(dnf4)
			os.RemoveAll(dnf5)
			cp(t, zckOnly, dnf4)
			c.arrange(t)
			s, err := load(t)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err+":") || c.errIs != nil && !errors.Is(err, c.errIs) || !strings.Contains(err.Error(), c.msg) {
					t.Fatalf("error %v, want one naming %s: %s", err, c.err, c.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rs := s.Repos[0]
			if !rs.Cached || !rs.Updateinfo || !rs.Modules || len(s.Modules) != 4 {
				t.Errorf("cached %v, updateinfo %v, modules %v (%d streams)", rs.Cached, rs.Updateinfo, rs.Modules, len(s.Modules))
			}
			got := s.Updates()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("updates %+v, want %+v", got, want)
			}
			compareLines(t, "check-update", pendingLines(got, func(Update) bool { return true }), refAll)
			compareLines(t, "check-update --security", pendingLines(got, func(u Update) bool { return u.Security }), refSec)
		})
	}
}
