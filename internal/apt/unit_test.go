package apt

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/located"
	"github.com/klauspost/compress/zstd"
	debversion "github.com/knqyf263/go-deb-version"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
)

// TestPhaseDrawMatchesLibstdcxx compares our draw with figures computed by
// testdata/apt/phasing/draw.cc (libstdc++ seed_seq, minstd_rand,
// uniform_int_distribution), the generator apt uses.
func TestPhaseDrawMatchesLibstdcxx(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(fixtures, "phasing/draws.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		num, seed, _ := strings.Cut(l, "\t")
		want, err := strconv.Atoi(num)
		if err != nil {
			t.Fatalf("bad line %q", l)
		}
		got := phaseDrawSeed(seed)
		if int(got) != want {
			t.Errorf("draw(%q) = %d, libstdc++ says %d", seed, got, want)
		}
		n++
	}
	if n < 50 {
		t.Fatalf("only %d reference draws", n)
	}
	// and through the real entry point: "<source>-<version>-<machine-id>"
	if got := phaseDraw("bash", "5.2.15-2+b8", "3d1219c7c4c5404aaa1f6d2a48adfda4"); got != phaseDrawSeed("bash-5.2.15-2+b8-3d1219c7c4c5404aaa1f6d2a48adfda4") {
		t.Errorf("phaseDraw does not seed with source-version-machineid")
	}
}

func TestVersionOrder(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"1:9.2p1-2+deb12u7", "1:9.2p1-2+deb12u6", 1},
		{"1:1.0", "9.9", 1},                  // epoch wins
		{"3.0.15-1~deb12u1", "3.0.15-1", -1}, // tilde sorts before anything
		{"1.0~rc1", "1.0", -1},
		{"2.36-9+deb12u10", "2.36-9+deb12u9", 1},
		{"1.0", "1.0", 0},
	} {
		if got := compareVersions(c.a, c.b); sign(got) != c.want {
			t.Errorf("compare(%s, %s) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestURIToFileName(t *testing.T) {
	for _, c := range []struct{ uri, want string }{
		{"http://deb.debian.org/debian/dists/bookworm/InRelease", "deb.debian.org_debian_dists_bookworm_InRelease"},
		{"https://user:secret@repo.example.com:8443/apt/dists/stable/main/binary-amd64/Packages", "repo.example.com:8443_apt_dists_stable_main_binary-amd64_Packages"},
		{"http://example.com/x86_64/~user/Packages", "example.com_x86%5f64_%7euser_Packages"},
		{"file:/srv/repo/./Packages", "_srv_repo_._Packages"},
		{"http://example.com/a b/Packages", "example.com_a%20b_Packages"},
	} {
		if got := uriToFileName(c.uri); got != c.want {
			t.Errorf("uriToFileName(%s) = %s, want %s", c.uri, got, c.want)
		}
	}
}

func TestSourceListNames(t *testing.T) {
	flat := Source{URI: "http://example.com/repo/", Suite: "./"}
	if got := flat.packagesName("", "amd64"); got != "example.com_repo_._Packages" {
		t.Errorf("flat ./: %s", got)
	}
	slash := Source{URI: "http://example.com/repo/", Suite: "/"}
	if got := slash.packagesName("", "amd64"); got != "example.com_repo_Packages" {
		t.Errorf("flat /: %s", got)
	}
	if got := slash.releasePrefix(); got != "example.com_repo_" {
		t.Errorf("flat / release prefix: %s", got)
	}
}

// compressors write every format apt may leave in /var/lib/apt/lists.
var compressors = map[string]func([]byte) []byte{
	".gz": func(b []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	},
	".lz4": func(b []byte) []byte {
		var buf bytes.Buffer
		w := lz4.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	},
	".xz": func(b []byte) []byte {
		var buf bytes.Buffer
		w, _ := xz.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	},
	".zst": func(b []byte) []byte {
		var buf bytes.Buffer
		w, _ := zstd.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	},
}

// compressLists replaces every plain Packages list of a root by ext.
func compressLists(t testing.TB, root, ext string) {
	t.Helper()
	lists, _ := filepath.Glob(filepath.Join(root, "var/lib/apt/*/*_Packages"))
	if len(lists) == 0 {
		t.Fatal("no lists")
	}
	for _, l := range lists {
		b, err := os.ReadFile(l)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(l+ext, compressors[ext](b), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(l)
	}
}

// TestEveryCompressionGivesTheSameAnswer reads each fixture with its lists
// in each compression: same updates, same golden.
func TestEveryCompressionGivesTheSameAnswer(t *testing.T) {
	for _, dir := range fixtureCases(t) {
		want, err := os.ReadFile(filepath.Join(dir, "want.txt"))
		if err != nil {
			t.Fatal(err)
		}
		for ext := range compressors {
			t.Run(filepath.Base(dir)+ext, func(t *testing.T) {
				root := copyTree(t, dir)
				compressLists(t, root, ext)
				s, err := Load(context.Background(), root)
				if err != nil {
					t.Fatal(err)
				}
				if got := describe(s); got != string(want) {
					t.Errorf("with %s lists:\n%s\nwant\n%s", ext, got, want)
				}
			})
		}
	}
}

// TestBadInputNamesFileAndLine: every kind of corruption is an error that
// says where, never a panic and never a quiet "no updates".
func TestBadInputNamesFileAndLine(t *testing.T) {
	const base = "../../testdata/apt/debian"
	lists := "var/lib/apt/lists/"
	main := lists + "deb.example.org_debian_dists_bookworm_main_binary-amd64_Packages"
	rel := lists + "deb.example.org_debian_dists_bookworm_InRelease"
	for _, c := range []struct {
		name string
		file string
		edit func([]byte) []byte
		want string // substring of the error: file:line and what
	}{
		{"status without Version", "var/lib/dpkg/status", replace("Version: 2.36-9+deb12u9\n", ""), "status, line 18: installed package libc6 has no Version"},
		{"status bad Status", "var/lib/dpkg/status", replace("Status: install ok installed\nArchitecture: all", "Status: install ok\nArchitecture: all"), "status, line 31: package tzdata: Status"},
		{"status truncated mid-field", "var/lib/dpkg/status", func(b []byte) []byte {
			return append(b[:bytes.Index(b, []byte("Package: tzdata"))], []byte("Packa")...)
		}, "status, line 30: not a \"Field: value\" line"},
		{"status bad version", "var/lib/dpkg/status", replace("Version: 0.9", "Version: 0.9 beta"), "status, line 48: package local-only: bad version"},
		{"journal bad", "var/lib/dpkg/updates/0001", replace("Version: 7.88.1-10+deb12u12", "Version 7.88"), "0001, line 4: not a \"Field: value\" line"},
		{"list line without colon", main, replace("Architecture: amd64\n\nPackage: libssl3", "Architecture: amd64\ngarbage\n\nPackage: libssl3"), "Packages, line 19: not a \"Field: value\" line"},
		{"list stanza without Version", main, replace("Version: 2.36-9+deb12u10\n", ""), "Packages, line 15: package libc6 has no Version"},
		{"list bad phasing", main, replace("Architecture: all\n", "Architecture: all\nPhased-Update-Percentage: 150\n"), "Packages, line 28: Phased-Update-Percentage"},
		{"list bad depends", main, replace("libssl3 (>= 3.0.0)", "libssl3 (>= )"), "Packages, line 6: package openssh-client: Depends"},
		{"release bad date", rel, replace("Date: Sat, 10 May 2025 09:00:00 UTC", "Date: yesterday"), "InRelease, line 9: Date"},
		{"release truncated", rel, func(b []byte) []byte { return b[:bytes.Index(b, []byte("-----BEGIN PGP SIGNATURE"))] }, "InRelease, line 13: clear-signed message is truncated"},
		{"sources bad line", "etc/apt/sources.list", replace("deb http://deb.example.org/debian bookworm main", "deb http://deb.example.org/debian"), "sources.list, line 2: deb line needs a URI and a suite"},
		{"sources bad option", "etc/apt/sources.list", replace("[signed-by=", "[signed-by"), "sources.list, line 4: bad option"},
		{"deb822 bad Enabled", "etc/apt/sources.list.d/backports.sources", replace("Enabled: no", "Enabled: maybe"), "backports.sources, line 6: Enabled"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := copyTree(t, base)
			path := filepath.Join(root, c.file)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			nb := c.edit(b)
			if bytes.Equal(nb, b) {
				t.Fatal("edit changed nothing")
			}
			os.WriteFile(path, nb, 0o644)
			_, err = Load(context.Background(), root)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got error %v\nwant one containing %q", err, c.want)
			}
			if pe, ok := located.As(err); !ok || !strings.HasPrefix(pe.File, root) {
				t.Errorf("error %v does not name the file under the root", err)
			}
		})
	}
}

func replace(old, new string) func([]byte) []byte {
	return func(b []byte) []byte { return bytes.Replace(b, []byte(old), []byte(new), 1) }
}

// TestCorruptCompressedList: a list that fails to decompress is an error
// naming it, in every format.
func TestCorruptCompressedList(t *testing.T) {
	for ext := range compressors {
		t.Run(ext, func(t *testing.T) {
			root := copyTree(t, "../../testdata/apt/debian")
			compressLists(t, root, ext)
			p := filepath.Join(root, "var/lib/apt/lists/deb.example.org_debian_dists_bookworm_main_binary-amd64_Packages"+ext)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)*2/3], 0o644) // truncated download
			_, err := Load(context.Background(), root)
			if err == nil || !strings.Contains(err.Error(), filepath.Base(p)) {
				t.Fatalf("truncated %s list: got %v", ext, err)
			}
		})
	}
}

func TestPreferencesErrors(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"Package: foo\nPin: release a=x\n", "p, line 1: preferences stanza without Pin-Priority"},
		{"Package: foo\nPin: release a=x\nPin-Priority: high\n", "p, line 3: Pin-Priority"},
		{"Package: foo\nPin: release a=x\nPin-Priority: 0\n", "p, line 3: Pin-Priority"},
		{"\n# c\nPackage: foo\nPin: bogus x\nPin-Priority: 1\n", "p, line 4: unknown pin type"},
		{"Package: foo\nPin: release q=x\nPin-Priority: 1\n", "p, line 2: bad release pin term"},
		{"Package: *\nPin: version 1.0\nPin-Priority: 1\n", "p, line 2: a version pin needs a package"},
		{"Package: /([/\nPin: version 1.0\nPin-Priority: 1\n", "p, line 1: bad package pattern"},
		{"Pin: version 1.0\nPin-Priority: 1\n", "p, line 1: preferences stanza without Package"},
	} {
		_, err := parsePreferences(strings.NewReader(c.text), "p")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.text, err, c.want)
		}
	}
}

func TestOneLineSources(t *testing.T) {
	src, err := parseOneLineSources(strings.NewReader(`
deb [ arch=amd64,i386 signed-by=/k.gpg ] http://a.example/debian bookworm main contrib # comment
deb-src http://a.example/debian bookworm main
deb file:/srv/repo ./
`), "s")
	if err != nil {
		t.Fatal(err)
	}
	if len(src) != 2 {
		t.Fatalf("got %d sources", len(src))
	}
	if s := src[0]; s.URI != "http://a.example/debian/" || s.Suite != "bookworm" || strings.Join(s.Components, ",") != "main,contrib" || strings.Join(s.Arches, ",") != "amd64,i386" || s.Line != 2 {
		t.Errorf("got %+v", s)
	}
	if s := src[1]; !s.Flat() || s.packagesName("", "amd64") != "_srv_repo_._Packages" {
		t.Errorf("flat: %+v %s", s, s.packagesName("", "amd64"))
	}
}

// TestVersionOrderMatchesDpkg: our comparison against dpkg itself on
// tricky pairs, and against the library's on every pair of neighbouring
// versions of the fixtures and this host's lists.
func TestVersionOrderMatchesDpkg(t *testing.T) {
	pairs := [][2]string{
		{"1.0~rc1", "1.0"}, {"1.0", "1.0~"}, {"1.0~~", "1.0~"}, {"1.0a", "1.0"}, {"1.0+", "1.0a"},
		{"1.0.", "1.0a"}, {"1.01", "1.1"}, {"1.001", "1.1"}, {"1:1.0", "2.0"}, {"1.0-1", "1.0-1.1"},
		{"1.0-1~bpo1", "1.0-1"}, {"2.36-9+deb12u10", "2.36-9+deb12u9"}, {"0:1.0", "1.0"}, {"1.0-0", "1.0"},
		{"10", "9"}, {"1a", "1+"}, {"00000000000000000000001", "1"}, {"99999999999999999999999", "1"},
		{"1.2.3-1+b1", "1.2.3-1"}, {"3.0.15-1~deb12u1", "3.0.15-1"}, {"1.0~rc1-1", "1.0-0"}, {"a", "B"}, {"1.0-1A", "1.0-1a"},
	}
	if runtime.GOARCH == "amd64" || runtime.GOARCH == "386" { // dpkg's char is signed there (FuzzVersionOrder's find)
		pairs = append(pairs, [2]string{"1Ƙ", "1+"}, [2]string{"1é", "1a"}, [2]string{"1ü", "1~"})
	}
	var dpkg string
	if p, err := exec.LookPath("dpkg"); err == nil {
		dpkg = p
	}
	for _, p := range pairs {
		got := sign(compareVersions(p[0], p[1]))
		if dpkg == "" {
			continue
		}
		want := 0
		if exec.Command(dpkg, "--compare-versions", p[0], "lt", p[1]).Run() == nil {
			want = -1
		} else if exec.Command(dpkg, "--compare-versions", p[0], "gt", p[1]).Run() == nil {
			want = 1
		}
		if got != want {
			t.Errorf("compare(%s, %s) = %d, dpkg says %d", p[0], p[1], got, want)
		}
	}
	// every neighbouring pair of versions in the real lists: our order is the library's
	var vers []string
	files, _ := filepath.Glob("/var/lib/apt/lists/*_Packages*")
	for _, f := range files {
		r, _, err := openList(strings.TrimSuffix(f, filepath.Ext(f)))
		if err != nil {
			continue
		}
		readStanzas(r, f, controlOptions{}, 0, func(s *stanza) error {
			vers = append(vers, s.value("Version"))
			return nil
		})
		r.Close()
	}
	n := 0
	for i := 1; i < len(vers); i++ {
		a, b := vers[i-1], vers[i]
		va, err1 := debversion.NewVersion(a)
		vb, err2 := debversion.NewVersion(b)
		if err1 != nil || err2 != nil {
			continue
		}
		if got, want := sign(compareVersions(a, b)), sign(va.Compare(vb)); got != want {
			t.Fatalf("compare(%s, %s) = %d, go-deb-version says %d", a, b, got, want)
		}
		n++
	}
	t.Logf("%d pairs from real lists agree", n)
}
