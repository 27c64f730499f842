package rpm

import (
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/located"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// genPrimaryRepo writes a repo of n packages as createrepo_c would (the
// three XML documents, gzipped, listed in repomd.xml) and lets the real
// sqliterepo_c (createrepo-c) add the SQLite databases to it. Names come
// in several arches, some with epochs, some obsoleting others in every
// form an rpm:entry takes, some with descriptions long enough to spill
// into overflow pages. It returns the repo's repodata folder.
func genPrimaryRepo(t testing.TB, n int) string {
	testenv.NeedCommand(t, "sqliterepo_c")
	dir := filepath.Join(t.TempDir(), "repo")
	repodata := filepath.Join(dir, "repodata")
	if err := os.MkdirAll(repodata, 0o755); err != nil {
		t.Fatal(err)
	}
	arches := []string{"x86_64", "i686", "noarch", "aarch64"}
	obsoletes := []string{
		`<rpm:entry name="%s-old"/>`,
		`<rpm:entry name="%s-legacy" flags="LT" epoch="0" ver="2.0" rel="3.el7"/>`,
		`<rpm:entry name="%s-compat" flags="LE" epoch="3" ver="1.5"/>`,
		`<rpm:entry name="%s" flags="GE" epoch="1" ver="0.9" rel="1"/><rpm:entry name="%[1]s-x" flags="EQ" epoch="0" ver="1"/>`,
		`<rpm:entry name="%s-gt" flags="GT" epoch="0" ver="1.0~rc1" rel="0.1"/>`,
	}
	var pri, fil, oth strings.Builder
	fmt.Fprintf(&pri, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata xmlns=\"http://linux.duke.edu/metadata/common\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" packages=\"%d\">\n", n)
	fmt.Fprintf(&fil, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<filelists xmlns=\"http://linux.duke.edu/metadata/filelists\" packages=\"%d\">\n", n)
	fmt.Fprintf(&oth, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<otherdata xmlns=\"http://linux.duke.edu/metadata/other\" packages=\"%d\">\n", n)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("pkg%04d", i/3)
		if i%11 == 0 {
			name = fmt.Sprintf("lib%04d++", i)
		}
		arch := arches[i%len(arches)]
		epoch := 0
		if i%5 == 0 {
			epoch = i%3 + 1
		}
		ver, rel := fmt.Sprintf("%d.%d", 1+i%4, i%13), fmt.Sprintf("%d.el7_%d", 1+i%3, i%9)
		if i%17 == 0 {
			ver = fmt.Sprintf("2.0^git%d", i)
		}
		id := fmt.Sprintf("%x", sha256.Sum256([]byte(fmt.Sprint(i))))
		desc := "a package &amp; its text"
		if i%40 == 0 {
			desc = strings.Repeat("long description, ", 400+i%300)
		}
		var obs string
		if i%7 == 0 {
			obs = "<rpm:obsoletes>" + fmt.Sprintf(obsoletes[(i/7)%len(obsoletes)], name) + "</rpm:obsoletes>"
		}
		v := fmt.Sprintf(`<version epoch="%d" ver="%s" rel="%s"/>`, epoch, ver, rel)
		fmt.Fprintf(&pri, `<package type="rpm">
  <name>%s</name>
  <arch>%s</arch>
  %s
  <checksum type="sha256" pkgid="YES">%s</checksum>
  <summary>s</summary>
  <description>%s</description>
  <packager/>
  <url/>
  <time file="1700000000" build="1700000000"/>
  <size package="1000" installed="2000" archive="3000"/>
  <location href="Packages/%s-%s-%s.%s.rpm"/>
  <format>
    <rpm:license>MIT</rpm:license>
    <rpm:vendor/>
    <rpm:group>Unspecified</rpm:group>
    <rpm:buildhost>b</rpm:buildhost>
    <rpm:sourcerpm>%s-%s-%s.src.rpm</rpm:sourcerpm>
    <rpm:header-range start="4504" end="5000"/>
    <rpm:provides><rpm:entry name="%s" flags="EQ" epoch="%d" ver="%s" rel="%s"/></rpm:provides>
    %s
  </format>
</package>
`, name, arch, v, id, desc, name, ver, rel, arch, name, ver, rel, name, epoch, ver, rel, obs)
		fmt.Fprintf(&fil, "<package pkgid=\"%s\" name=\"%s\" arch=\"%s\">%s</package>\n", id, name, arch, v)
		fmt.Fprintf(&oth, "<package pkgid=\"%s\" name=\"%s\" arch=\"%s\">%s</package>\n", id, name, arch, v)
	}
	pri.WriteString("</metadata>\n")
	fil.WriteString("</filelists>\n")
	oth.WriteString("</otherdata>\n")
	var md strings.Builder
	md.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<repomd xmlns=\"http://linux.duke.edu/metadata/repo\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\">\n  <revision>1700000000</revision>\n")
	for _, d := range []struct{ typ, doc string }{{"primary", pri.String()}, {"filelists", fil.String()}, {"other", oth.String()}} {
		var gz bytes.Buffer
		w := gzip.NewWriter(&gz)
		w.Write([]byte(d.doc))
		w.Close()
		sum := fmt.Sprintf("%x", sha256.Sum256(gz.Bytes()))
		href := "repodata/" + sum + "-" + d.typ + ".xml.gz"
		if err := os.WriteFile(filepath.Join(dir, href), gz.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&md, "  <data type=\"%s\">\n    <checksum type=\"sha256\">%s</checksum>\n    <open-checksum type=\"sha256\">%x</open-checksum>\n    <location href=\"%s\"/>\n    <timestamp>1700000000</timestamp>\n    <size>%d</size>\n    <open-size>%d</open-size>\n  </data>\n",
			d.typ, sum, sha256.Sum256([]byte(d.doc)), href, gz.Len(), len(d.doc))
	}
	md.WriteString("</repomd>\n")
	if err := os.WriteFile(filepath.Join(repodata, "repomd.xml"), []byte(md.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("sqliterepo_c", "--quiet", dir).CombinedOutput(); err != nil {
		t.Fatalf("sqliterepo_c: %v\n%s", err, out)
	}
	return repodata
}

// repoForms reads a repodata folder's repomd.xml, its primary.xml (plain)
// and its primary database (decompressed).
func repoForms(t testing.TB, repodata string) (md *Repomd, xmlDoc, db []byte) {
	md, err := readRepomd(filepath.Join(repodata, "repomd.xml"))
	if err != nil {
		t.Fatal(err)
	}
	read := func(typ string, unpack func(io.Reader) (io.Reader, error)) []byte {
		f, err := os.Open(filepath.Join(repodata, filepath.Base(md.Data[typ].Href)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r, err := unpack(f)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	xmlDoc = read("primary", func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) })
	db = read("primary_db", func(r io.Reader) (io.Reader, error) { return bzip2.NewReader(r), nil })
	return md, xmlDoc, db
}

// TestPrimaryDBMatchesXML: the SQLite form of a primary gives exactly the
// packages its XML form gives, kept alike, on a repo large enough for
// interior b-tree pages and overflow pages in the packages table.
func TestPrimaryDBMatchesXML(t *testing.T) {
	repodata := genPrimaryRepo(t, 3000)
	md, xmlDoc, db := repoForms(t, repodata)
	if md.Data["primary_db"].DatabaseVersion != "10" {
		t.Fatalf("repomd primary_db: %+v", md.Data["primary_db"])
	}
	sf, err := openSQLiteFile(bytes.NewReader(db), int64(len(db)))
	if err != nil {
		t.Fatal(err)
	}
	pk, err := sf.table("packages")
	if err != nil {
		t.Fatal(err)
	}
	if interior, overflow := btreeShape(t, sf, pk.Root); interior == 0 || overflow == 0 {
		t.Fatalf("packages table has %d interior pages and %d rows with overflow: not the shape this test is for", interior, overflow)
	}
	installed := map[string]bool{}
	for i := 0; i < 1000; i += 2 {
		installed[fmt.Sprintf("pkg%04d", i)] = true
		installed[fmt.Sprintf("pkg%04d-old", i)] = true
		installed[fmt.Sprintf("pkg%04d-compat", i)] = true
	}
	keeps := map[string]func(*Available) bool{
		"all": func(*Available) bool { return true },
		"installed names and obsoleters": func(p *Available) bool {
			if installed[p.Name] {
				return true
			}
			for _, o := range p.Obsoletes {
				if installed[o.Name] {
					return true
				}
			}
			return false
		},
	}
	for what, keep := range keeps {
		t.Run(what, func(t *testing.T) {
			var fromXML, fromDB []*Available
			if err := scanPrimary(bytes.NewReader(xmlDoc), "primary.xml", keep, func(p *Available) error { fromXML = append(fromXML, p); return nil }); err != nil {
				t.Fatal(err)
			}
			if err := scanPrimaryDB(context.Background(), db, "primary.sqlite", md.Data["primary"].Checksum, keep, func(p *Available) error { fromDB = append(fromDB, p); return nil }); err != nil {
				t.Fatal(err)
			}
			epochs, obs := 0, 0
			for _, p := range fromXML {
				if p.EVR.Epoch != 0 {
					epochs++
				}
				obs += len(p.Obsoletes)
			}
			if len(fromXML) < 100 || epochs == 0 || obs == 0 {
				t.Fatalf("XML form gives %d packages, %d with epochs, %d obsoletes: not the repo this test is for", len(fromXML), epochs, obs)
			}
			if !reflect.DeepEqual(fromDB, fromXML) {
				for i := range min(len(fromDB), len(fromXML)) {
					if !reflect.DeepEqual(fromDB[i], fromXML[i]) {
						t.Fatalf("package %d: SQLite %+v, XML %+v", i, fromDB[i], fromXML[i])
					}
				}
				t.Fatalf("SQLite gives %d packages, XML %d", len(fromDB), len(fromXML))
			}
		})
	}
}

// btreeShape counts the interior pages of a table b-tree and its rows
// whose payload does not fit their leaf page.
func btreeShape(t testing.TB, sf *sqliteFile, root uint32) (interior, overflow int) {
	var walk func(n uint32)
	walk = func(n uint32) {
		page := make([]byte, sf.pageSize)
		if _, err := sf.r.ReadAt(page, int64(n-1)*int64(sf.pageSize)); err != nil {
			t.Fatal(err)
		}
		if page[0] != 0x05 {
			return
		}
		interior++
		cells := int(page[3])<<8 | int(page[4])
		for i := 0; i < cells; i++ {
			off := int(page[12+2*i])<<8 | int(page[13+2*i])
			walk(uint32(page[off])<<24 | uint32(page[off+1])<<16 | uint32(page[off+2])<<8 | uint32(page[off+3]))
		}
		walk(uint32(page[8])<<24 | uint32(page[9])<<16 | uint32(page[10])<<8 | uint32(page[11]))
	}
	walk(root)
	if err := sf.rows(root, func(_ int64, rec []byte) error {
		if len(rec) > sf.usable-35 {
			overflow++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return interior, overflow
}

// TestPrimaryDBRefused: a database of another schema version, made from
// another primary.xml, or missing a table or column, is an error naming
// the file and the key, never packages read from it.
func TestPrimaryDBRefused(t *testing.T) {
	repodata := genPrimaryRepo(t, 20)
	md, _, db := repoForms(t, repodata)
	sum := md.Data["primary"].Checksum
	cases := []struct {
		name, sql, checksum, key string
	}{
		{"as made", "", sum, ""},
		{"checksum not checked", "", "", ""},
		{"other primary", "", strings.Repeat("0", 64), "db_info.checksum"},
		{"version 9", "UPDATE db_info SET dbversion = 9", sum, "db_info.dbversion"},
		{"no db_info row", "DELETE FROM db_info", sum, "db_info"},
		{"no db_info", "DROP TABLE db_info", sum, "db_info"},
		{"no obsoletes table", "DROP TABLE obsoletes", sum, "obsoletes"},
		{"no arch column", "ALTER TABLE packages DROP COLUMN arch", sum, "packages.arch"},
		{"epoch not a number", "UPDATE packages SET epoch = 'x' WHERE name = 'pkg0000'", sum, "packages.epoch"},
		{"obsoletes epoch not a number", "UPDATE obsoletes SET epoch = '-1'", sum, "obsoletes.epoch"},
		{"name missing", "UPDATE packages SET name = NULL WHERE pkgKey = 3", sum, "packages.name"},
		{"version a blob", "UPDATE packages SET version = x'00' WHERE name = 'pkg0000'", sum, "packages"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := db
			if c.sql != "" {
				b = editDB(t, db, c.sql)
			}
			n := 0
			err := scanPrimaryDB(context.Background(), b, "p.sqlite", c.checksum, func(*Available) bool { return true }, func(*Available) error { n++; return nil })
			if c.key == "" {
				if err != nil || n != 20 {
					t.Fatalf("%d packages, %v", n, err)
				}
				return
			}
			e, ok := located.As(err)
			if !ok || e.File != "p.sqlite" || e.Kind != primaryDBKind || e.Key != c.key {
				t.Fatalf("error %v, want one naming p.sqlite, key %s", err, c.key)
			}
		})
	}
}

// editDB applies a statement to a copy of a database through the SQLite
// driver and returns the copy's bytes.
func editDB(t testing.TB, db []byte, stmt string) []byte {
	path := filepath.Join(t.TempDir(), "p.sqlite")
	if err := os.WriteFile(path, db, 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	for _, q := range []string{"DROP TRIGGER IF EXISTS removals", stmt, "VACUUM"} {
		if _, err := h.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	h.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPrimaryDBBounded: a database larger than the bound, decompressed or
// downloaded, is an error naming the file, never read whole.
func TestPrimaryDBBounded(t *testing.T) {
	repodata := genPrimaryRepo(t, 20)
	md, _, db := repoForms(t, repodata)
	dir := t.TempDir()
	for _, f := range []string{"repomd.xml", filepath.Base(md.Data["primary_db"].Href)} {
		b, err := os.ReadFile(filepath.Join(repodata, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	rs := &RepoState{CacheDir: dir, Layout: LayoutYum}
	defer func(m int64) { maxPrimaryDB = m }(maxPrimaryDB)
	maxPrimaryDB = int64(len(db))
	d := md.Data["primary_db"]
	for _, openSize := range []int64{d.OpenSize, 0, 100, d.OpenSize * 2} {
		// repomd's open-size only sizes the buffer: right, absent or wrong
		d.OpenSize = openSize
		got, err := unpackDB(context.Background(), filepath.Join(dir, filepath.Base(d.Href)), d)
		if err != nil || !bytes.Equal(got, db) {
			t.Fatalf("at the bound, open-size %d: %d bytes, %v", openSize, len(got), err)
		}
	}
	if got, file, err := rs.loadYumPrimaryDB(context.Background(), md); err != nil || !bytes.Equal(got, db) || filepath.Dir(file) != dir {
		t.Fatalf("at the bound: %d bytes from %s, %v", len(got), file, err)
	}
	maxPrimaryDB = int64(len(db)) - 1
	download := filepath.Join(dir, filepath.Base(md.Data["primary_db"].Href))
	gen := filepath.Join(dir, "gen", "primary_db.sqlite")
	for _, c := range []struct{ name, file string }{{"download", download}, {"gen copy", gen}} {
		t.Run(c.name, func(t *testing.T) {
			if c.file == gen {
				os.MkdirAll(filepath.Dir(gen), 0o755)
				os.WriteFile(gen, db, 0o644)
			}
			_, _, err := rs.loadYumPrimaryDB(context.Background(), md)
			if e, ok := located.As(err); !ok || e.File != c.file || !errors.Is(err, located.ErrTooLarge) {
				t.Fatalf("error %v, want too large naming %s", err, c.file)
			}
		})
	}
}

// TestPrimaryDBAgainstDriver: the reader's tables, columns, rowids
// (pkgKey, the INTEGER PRIMARY KEY: NULL in each record) and values are
// what the SQLite driver gives for createrepo_c's database.
func TestPrimaryDBAgainstDriver(t *testing.T) {
	repodata := genPrimaryRepo(t, 1500)
	_, _, db := repoForms(t, repodata)
	path := filepath.Join(t.TempDir(), "primary.sqlite")
	if err := os.WriteFile(path, db, 0o644); err != nil {
		t.Fatal(err)
	}
	h, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	sf, err := openSQLiteFile(bytes.NewReader(db), int64(len(db)))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		table, query string
		cols         []string
		rowid        bool
	}{
		{"packages", "SELECT pkgKey, name, arch, epoch, version, release, description FROM packages ORDER BY rowid", []string{"name", "arch", "epoch", "version", "release", "description"}, true},
		{"obsoletes", "SELECT rowid, name, flags, epoch, version, release, pkgKey FROM obsoletes ORDER BY rowid", []string{"name", "flags", "epoch", "version", "release", "pkgKey"}, false},
		{"provides", "SELECT rowid, name, flags, epoch, version, release, pkgKey FROM provides ORDER BY rowid", []string{"name", "flags", "epoch", "version", "release", "pkgKey"}, false},
		{"db_info", "SELECT rowid, dbversion, checksum FROM db_info ORDER BY rowid", []string{"dbversion", "checksum"}, false},
	} {
		t.Run(c.table, func(t *testing.T) {
			var want []string
			rows, err := h.Query(c.query)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				vals := make([]sql.NullString, len(c.cols)+1)
				ptrs := make([]any, len(vals))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				var line []string
				for _, v := range vals {
					line = append(line, v.String)
				}
				want = append(want, strings.Join(line, "|"))
			}
			rows.Close()
			var info []string
			ti, err := h.Query("SELECT name, pk FROM pragma_table_info('" + c.table + "')")
			if err != nil {
				t.Fatal(err)
			}
			rowid := -1
			for ti.Next() {
				var name string
				var pk int
				ti.Scan(&name, &pk)
				if pk == 1 {
					rowid = len(info)
				}
				info = append(info, name)
			}
			ti.Close()
			tb, cols, err := dbTable(sf, "p", c.table, c.cols...)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(tb.Columns) != fmt.Sprint(info) || (c.rowid && tb.RowID != rowid) || (!c.rowid && tb.RowID != -1) {
				t.Fatalf("columns %v (rowid %d), the driver %v (pk %d)", tb.Columns, tb.RowID, info, rowid)
			}
			var got []string
			err = sf.rows(tb.Root, func(id int64, rec []byte) error {
				v, err := dbRow(rec, len(tb.Columns), cols)
				if err != nil {
					return err
				}
				got = append(got, fmt.Sprint(id)+"|"+strings.Join(v, "|"))
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 || len(got) != len(want) {
				t.Fatalf("%d rows, the driver %d", len(got), len(want))
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("row %d differs from the driver's", i)
				}
			}
		})
	}
}

// TestSQLiteColumns: column names and the rowid alias from CREATE TABLE
// statements as the file format defines the alias.
func TestSQLiteColumns(t *testing.T) {
	for _, c := range []struct {
		stmt  string
		cols  string
		rowid int
		ok    bool
	}{
		{"CREATE TABLE packages (  pkgKey INTEGER PRIMARY KEY,  pkgId TEXT,  name TEXT)", "[pkgKey pkgId name]", 0, true},
		{"CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)", "[hnum blob]", 0, true},
		{"CREATE TABLE requires (  name TEXT,  flags TEXT,  pkgKey INTEGER , pre BOOLEAN DEFAULT FALSE)", "[name flags pkgKey pre]", -1, true},
		{"CREATE TABLE t (a INTEGER PRIMARY KEY DESC, b)", "[a b]", -1, true},
		{"CREATE TABLE t (a INT PRIMARY KEY, b)", "[a b]", -1, true},
		{`CREATE TABLE t ("primary" TEXT, [b c] INTEGER primary key, x DECIMAL(10,2), PRIMARY KEY (x))`, "[primary b c x]", 1, true},
		{"CREATE TABLE t (k TEXT, v TEXT, UNIQUE (k, v))", "[k v]", -1, true},
		{"CREATE TABLE t", "[]", -1, false},
		{"CREATE TABLE t ()", "[]", -1, false},
		{`CREATE TABLE t ("unclosed TEXT)`, "[]", -1, false},
	} {
		cols, rowid, ok := sqliteColumns(c.stmt)
		if fmt.Sprint(cols) != c.cols || rowid != c.rowid || ok != c.ok {
			t.Errorf("%s: %v %d %v, want %s %d %v", c.stmt, cols, rowid, ok, c.cols, c.rowid, c.ok)
		}
	}
}
