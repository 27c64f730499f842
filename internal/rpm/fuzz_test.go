package rpm

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	rpmversion "github.com/knqyf263/go-rpm-version"

	"github.com/guardrail-monitoring/guardrail/internal/located"
	"github.com/guardrail-monitoring/guardrail/internal/rpm/rpmtest"
)

func FuzzRepoFile(f *testing.F) {
	f.Add(metadataFile(f, "rocky.repo"))
	f.Add([]byte("[a]\nbaseurl=http://x/$releasever/\n\thttp://y/${basearch}\nenabled=0\n"))
	f.Add([]byte("[main]\nexcludepkgs=foo*\ninstallonly_limit=3\n[r]\npriority=1\n"))
	vars := map[string]string{"releasever": "9", "basearch": "x86_64"}
	f.Fuzz(func(t *testing.T, b []byte) {
		repos, err := parseRepoFile(b, "f.repo", vars)
		if err != nil {
			return
		}
		for _, r := range repos {
			if r.ID == "" || r.Line < 1 {
				t.Fatalf("repo without id or line: %+v", r)
			}
			_ = cacheDirName(r)
		}
		secs, err := parseINI(b, confKind, "dnf.conf")
		if err == nil {
			_, _, _ = parseMain(secs, "dnf.conf", vars)
		}
	})
}

func FuzzPrimary(f *testing.F) {
	f.Add(metadataFile(f, "primary.xml"))
	f.Add([]byte("<metadata><package><name>foo</name><arch>noarch</arch><version ver=\"1\"/></package></metadata>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = scanPrimary(bytes.NewReader(b), "primary.xml", func(*Available) bool { return true }, func(p *Available) error {
			if p.Name == "" || p.Arch == "" || p.EVR.Version == "" {
				t.Fatalf("accepted an incomplete package: %+v", p)
			}
			for _, d := range p.Obsoletes {
				_ = d.Matches(p.Name, p.EVR)
			}
			return nil
		})
	})
}

// FuzzPrimaryQuick: whatever the byte-level cut skips, the XML decoder
// would not have kept either: when a document is accepted both ways, the
// packages kept by name are those a full decode keeps. (A package that is
// skipped is not validated: one without arch is accepted when not kept.)
func FuzzPrimaryQuick(f *testing.F) {
	f.Add(metadataFile(f, "primary.xml"))
	f.Add([]byte("<metadata><package><name>foo</name><arch>noarch</arch><version ver=\"1\"/></package>\n<package> <name>bar</name><arch>a</arch><version ver=\"1\"/></package></metadata>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		keep := func(p *Available) bool { return strings.HasPrefix(p.Name, "f") }
		var quick, full []string
		err := scanPrimary(bytes.NewReader(b), "p.xml", keep, func(p *Available) error {
			quick = append(quick, p.NEVRA())
			return nil
		})
		if err != nil {
			return
		}
		if err := scanPrimary(bytes.NewReader(b), "p.xml", func(*Available) bool { return true }, func(p *Available) error {
			if keep(p) {
				full = append(full, p.NEVRA())
			}
			return nil
		}); err != nil {
			return
		}
		if strings.Join(quick, " ") != strings.Join(full, " ") {
			t.Fatalf("quick %v, full %v", quick, full)
		}
	})
}

// FuzzQuickPackage: the byte-level reading of a package block, when it
// answers, says what the XML decoder says.
func FuzzQuickPackage(f *testing.F) {
	f.Add([]byte("<package type=\"rpm\">\n  <name>foo</name>\n  <arch>x86_64</arch>\n  <version epoch=\"1\" ver=\"1.1\" rel=\"1.el9\"/>\n</package>"))
	f.Add([]byte("<package><name>a</name><arch>b</arch><version ver=\"1\"/><x/></package>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		q, ok := quickPackage(b)
		if !ok {
			return
		}
		p, err := parsePackageBlock(b, "p.xml", 1)
		if err != nil {
			return // the cut is only ever applied to blocks ending at </package>
		}
		if q.NEVRA() != p.NEVRA() {
			t.Fatalf("quick %s, decoder %s", q.NEVRA(), p.NEVRA())
		}
	})
}

func FuzzUpdateinfo(f *testing.F) {
	f.Add(metadataFile(f, "updateinfo.xml"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = scanUpdateinfo(bytes.NewReader(b), "updateinfo.xml", func(string) bool { return true }, func(a *Advisory) error {
			if a.ID == "" || len(a.Packages) == 0 {
				t.Fatalf("accepted an advisory without id or packages: %+v", a)
			}
			return nil
		})
	})
}

// FuzzUpdateinfoQuick: advisories skipped as bytes are those a full decode
// would have dropped for want of a kept package.
func FuzzUpdateinfoQuick(f *testing.F) {
	f.Add(metadataFile(f, "updateinfo.xml"))
	f.Fuzz(func(t *testing.T, b []byte) {
		keep := func(n string) bool { return strings.HasPrefix(n, "f") }
		var quick, full []string
		if scanUpdateinfo(bytes.NewReader(b), "u.xml", keep, func(a *Advisory) error {
			quick = append(quick, fmt.Sprint(a.ID, a.Packages))
			return nil
		}) != nil {
			return
		}
		if scanUpdateinfo(bytes.NewReader(b), "u.xml", func(string) bool { return true }, func(a *Advisory) error {
			var kept []AdvisoryPackage
			for _, p := range a.Packages {
				if keep(p.Name) {
					kept = append(kept, p)
				}
			}
			if len(kept) > 0 {
				full = append(full, fmt.Sprint(a.ID, kept))
			}
			return nil
		}) != nil {
			return
		}
		if strings.Join(quick, " ") != strings.Join(full, " ") {
			t.Fatalf("quick %v, full %v", quick, full)
		}
	})
}

func FuzzRepomd(f *testing.F) {
	f.Add(metadataFile(f, "repomd.xml"))
	f.Add([]byte(`<repomd><data type="primary_zck"><checksum type="sha256">ab</checksum><header-checksum type="sha256">CD</header-checksum><location href="repodata/a-primary.xml.zck"/><header-size>132</header-size></data></repomd>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := parseRepomd(bytes.NewReader(b), "repomd.xml")
		if err == nil {
			for _, d := range md.Data {
				_ = cleanHref(d.Href)
			}
		}
	})
}

func FuzzHeader(f *testing.F) {
	f.Add(headerBlob(map[uint32]string{tagName: "a", tagVersion: "1", tagRelease: "1", tagArch: "x86_64"}, 1))
	f.Add(headerBlob(map[uint32]string{tagName: "gpg-pubkey", tagVersion: "1"}, -1))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseHeader(b)
		if err == nil && (h.Name == "" || h.EVR.Version == "") {
			t.Fatalf("accepted a header without name or version: %+v", h)
		}
	})
}

// FuzzVercmp: our rpmvercmp agrees with go-rpm-version's and is
// antisymmetric.
func FuzzVercmp(f *testing.F) {
	for _, c := range vercmpCases {
		f.Add(c.a, c.b)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if strings.ContainsAny(a+b, "\x00:-") {
			return // no rpm version holds these; the library splits at : and -
		}
		x, y := vercmp(a, b), vercmp(b, a)
		if x != -y {
			t.Fatalf("vercmp(%q, %q) = %d but reversed %d", a, b, x, y)
		}
		if lib := rpmversion.NewVersion("0:" + a).Compare(rpmversion.NewVersion("0:" + b)); lib != x {
			t.Fatalf("vercmp(%q, %q) = %d, go-rpm-version says %d", a, b, x, lib)
		}
	})
}

// smallSQLite writes a tiny database with rpm's Packages schema through
// the SQLite driver (page size 512, one row spilling to overflow pages).
func smallSQLite(f *testing.F) []byte {
	path := filepath.Join(f.TempDir(), "rpmdb.sqlite")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"PRAGMA page_size=512", "CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)",
		"CREATE TABLE 'Name' (key TEXT NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL, FOREIGN KEY (hnum) REFERENCES 'Packages'(hnum))"} {
		if _, err := db.Exec(q); err != nil {
			f.Fatal(err)
		}
	}
	for _, n := range []int{10, 300, 2000} {
		if _, err := db.Exec("INSERT INTO Packages (blob) VALUES (?)", bytes.Repeat([]byte{byte(n)}, n)); err != nil {
			f.Fatal(err)
		}
	}
	db.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func FuzzSQLiteFile(f *testing.F) {
	seed := smallSQLite(f)
	f.Add(seed)
	// the seed itself reads as written
	sf, err := openSQLiteFile(bytes.NewReader(seed), int64(len(seed)))
	if err != nil {
		f.Fatal(err)
	}
	root, err := sf.tableRoot("Packages")
	if err != nil {
		f.Fatal(err)
	}
	var sizes []int
	if err := sf.rows(root, func(_ int64, rec []byte) error {
		cols, err := recordColumns(rec, 2)
		if err != nil {
			return err
		}
		sizes = append(sizes, len(cols[1].Bytes))
		return nil
	}); err != nil || fmt.Sprint(sizes) != "[10 300 2000]" {
		f.Fatalf("seed rows %v, %v", sizes, err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		sf, err := openSQLiteFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		root, err := sf.tableRoot("Packages")
		if err != nil {
			return
		}
		_ = sf.rows(root, func(_ int64, rec []byte) error {
			_, err := recordColumns(rec, 2)
			return err
		})
	})
}

func FuzzModules(f *testing.F) {
	f.Add([]byte(rpmtest.ModuleStream("nginx", "1.20", "nginx-1:1.20.1-1.el9.x86_64") + rpmtest.ModuleDefaults("nginx", "1.20")))
	f.Add([]byte("---\ndocument: modulemd\nversion: 2\ndata:\n  name: a\n  stream: 1.10\n...\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		streams, defaults, err := scanModules(bytes.NewReader(b), "modules.yaml", "r")
		if err != nil {
			return
		}
		for _, m := range streams {
			if m.Name == "" || m.Stream == "" {
				t.Fatalf("accepted a stream without name: %+v", m)
			}
			for _, a := range m.Artifacts {
				if n, _, ok := splitNEVRA(a); ok && n == "" {
					t.Fatalf("empty name from %q", a)
				}
			}
		}
		_ = defaults
	})
}

// FuzzPrimaryDB: any database gives packages with name, arch and version,
// or an error naming the file, never a panic. Seeds (testdata/fuzz/FuzzPrimaryDB):
// createrepo_c's and sqliterepo_c's own databases at page size 512, so
// that a few packages fill interior and overflow pages. (No seed is made
// with the SQLite driver here: in fuzzing workers it stalls them.)
func FuzzPrimaryDB(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		err := scanPrimaryDB(context.Background(), b, "p.sqlite", "", func(*Available) bool { return true }, func(p *Available) error {
			if p.Name == "" || p.Arch == "" || p.EVR.Version == "" {
				t.Fatalf("accepted an incomplete package: %+v", p)
			}
			return nil
		})
		if e, ok := located.As(err); err != nil && (!ok || e.File != "p.sqlite" || e.Kind != primaryDBKind) {
			t.Fatalf("error not naming the file: %v", err)
		}
	})
}

// TestPrimaryDBTiny: a database written through the SQLite driver with
// createrepo_c's schema (the tables read), NULLs where createrepo_c writes
// them, reads as written.
func TestPrimaryDBTiny(f *testing.T) {
	path := filepath.Join(f.TempDir(), "primary.sqlite")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"PRAGMA page_size=512",
		"CREATE TABLE db_info (dbversion INTEGER, checksum TEXT)",
		"CREATE TABLE packages (  pkgKey INTEGER PRIMARY KEY,  pkgId TEXT,  name TEXT,  arch TEXT,  version TEXT,  epoch TEXT,  release TEXT,  summary TEXT,  description TEXT)",
		"CREATE TABLE obsoletes (  name TEXT,  flags TEXT,  epoch TEXT,  version TEXT,  release TEXT,  pkgKey INTEGER )",
		"INSERT INTO db_info VALUES (10, 'abc')",
		"INSERT INTO packages VALUES (NULL, 'id1', 'foo', 'x86_64', '1.0', '0', '1.el7', 's', 'd')",
		"INSERT INTO packages VALUES (NULL, 'id2', 'new', 'noarch', '2.0', '3', '1', 's', '" + strings.Repeat("d", 1500) + "')",
		"INSERT INTO obsoletes VALUES ('old', 'LT', '0', '2.0', NULL, 2)",
		"INSERT INTO obsoletes VALUES ('older', NULL, NULL, NULL, NULL, 2)",
	} {
		if _, err := db.Exec(q); err != nil {
			f.Fatal(err)
		}
	}
	db.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	var got []*Available
	if err := scanPrimaryDB(context.Background(), b, path, "abc", func(*Available) bool { return true }, func(p *Available) error { got = append(got, p); return nil }); err != nil {
		f.Fatal(err)
	}
	want := []*Available{{Name: "foo", Arch: "x86_64", EVR: EVR{0, "1.0", "1.el7"}},
		{Name: "new", Arch: "noarch", EVR: EVR{3, "2.0", "1"}, Obsoletes: []Dep{{Name: "old", Flags: "LT", EVR: EVR{Version: "2.0"}}, {Name: "older"}}}}
	if !reflect.DeepEqual(got, want) {
		f.Fatalf("reads as %+v %+v", got[0], got[1:])
	}
}
