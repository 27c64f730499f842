package apt

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/located"
	debversion "github.com/knqyf263/go-deb-version"
)

// seeds adds every fixture file whose path matches one of the patterns.
func seeds(f *testing.F, patterns ...string) {
	for _, p := range patterns {
		m, _ := filepath.Glob(filepath.Join(fixtures, "*", p))
		for _, file := range m {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
}

func FuzzControlStanzas(f *testing.F) {
	seeds(f, "var/lib/dpkg/status", "var/lib/dpkg/updates/*")
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = readStanzas(bytes.NewReader(b), "status", controlOptions{}, 0, func(s *stanza) error {
			_, err := parseStatusStanza(s, "status")
			return err
		})
	})
}

func FuzzPackages(f *testing.F) {
	seeds(f, "var/lib/apt/lists/*Packages")
	wanted := map[string]struct{}{"openssh-client": {}, "libc6": {}, "tzdata": {}, "libssl3": {}, "ph1": {}}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = scanPackages(bytes.NewReader(b), "Packages", wanted, func(v *Version, line int) error {
			if v.Package == "" || v.Version == "" || line < 1 {
				t.Fatalf("accepted an incomplete stanza: %+v at %d", v, line)
			}
			return nil
		})
	})
}

func FuzzOneLineSources(f *testing.F) {
	seeds(f, "etc/apt/sources.list", "etc/apt/sources.list.d/*.list*")
	f.Fuzz(func(t *testing.T, b []byte) {
		src, err := parseOneLineSources(bytes.NewReader(b), "sources.list")
		if err != nil {
			return
		}
		for _, s := range src {
			if !strings.HasSuffix(s.URI, "/") {
				t.Fatalf("URI %q does not end in /", s.URI)
			}
			_ = s.packagesName("main", "amd64")
			_ = s.releasePrefix()
		}
	})
}

func FuzzDeb822Sources(f *testing.F) {
	seeds(f, "etc/apt/sources.list.d/*.sources")
	f.Fuzz(func(t *testing.T, b []byte) {
		src, err := parseDeb822Sources(bytes.NewReader(b), "x.sources")
		if err != nil {
			return
		}
		for _, s := range src {
			_ = s.packagesName("main", "amd64")
		}
	})
}

func FuzzRelease(f *testing.F) {
	seeds(f, "var/lib/apt/lists/*Release")
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseRelease(b, "InRelease")
		if err == nil && r == nil {
			t.Fatal("nil release without error")
		}
	})
}

func FuzzPreferences(f *testing.F) {
	seeds(f, "etc/apt/preferences", "etc/apt/preferences.d/*")
	f.Fuzz(func(t *testing.T, b []byte) {
		pins, err := parsePreferences(bytes.NewReader(b), "preferences")
		if err != nil {
			return
		}
		v := &Version{Package: "glob-a", Arch: "amd64", Version: "2.0", Source: "glob-a"}
		for _, p := range pins {
			if p.Priority == 0 {
				t.Fatal("zero priority accepted")
			}
			_ = p.matchesPackage(v, "amd64")
			_ = p.matchesVersion(v)
		}
	})
}

func FuzzRelations(f *testing.F) {
	for _, s := range []string{"libc6 (>= 2.36), libssl3 (>= 3.0.0)", "a | b:any (<< 1) [amd64] <!nocheck>", "x (= 1:2.0~rc1-1)"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rel, err := parseRelations(string(b))
		if err != nil {
			return
		}
		for _, g := range rel {
			for _, r := range g {
				if r.Name == "" {
					t.Fatal("empty name accepted")
				}
			}
		}
	})
}

func FuzzAptConf(f *testing.F) {
	seeds(f, "etc/apt/apt.conf", "etc/apt/apt.conf.d/*")
	f.Add([]byte("APT { Get { X \"1\"; }; L { \"a\"; b; }; };\n#clear APT::L;\n// c\n/* d */ # e\n"))
	f.Add([]byte("#include \"/nonexistent\";"))
	f.Fuzz(func(t *testing.T, text []byte) {
		c := &Config{}
		// at the include depth limit: an #include is an error, never a read
		if err := c.parse(string(text), "f", "/", maxIncludeDepth); err != nil {
			if e, ok := located.As(err); !ok || e.File != "f" || e.Line < 1 {
				t.Fatalf("not a located error naming file and line: %T %v", err, err)
			}
		}
	})
}

// FuzzVersionOrder: for any two versions the library accepts, our order is
// its order (and antisymmetric).
func FuzzVersionOrder(f *testing.F) {
	f.Add("1.0~rc1-1", "1.0-1")
	f.Add("1:2.36-9+deb12u10", "2.36-9+deb12u9")
	f.Add("1.01", "1.1")
	f.Fuzz(func(t *testing.T, a, b string) {
		va, err1 := debversion.NewVersion(a)
		vb, err2 := debversion.NewVersion(b)
		if err1 != nil || err2 != nil {
			return
		}
		got, want := sign(compareVersions(a, b)), sign(va.Compare(vb))
		if got != want || sign(compareVersions(b, a)) != -got {
			t.Fatalf("compare(%q, %q) = %d, library %d", a, b, got, want)
		}
	})
}
