package rpm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/rpm/rpmtest"
)

// snapshot lists every file under dir with its size, mode, mtime and hash.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		h := ""
		if st.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			h = fmt.Sprintf("%x", sha256.Sum256(b))
		}
		out[p] = fmt.Sprintf("%v %d %v %s", st.Mode(), st.Size(), st.ModTime().UnixNano(), h)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReadLeavesRootUnchanged: reading a real rpm 4.18 SQLite rpmdb and
// dnf's cache changes no file under the root (no -wal, -shm or lock
// created, no mtime touched), and a read-only copy of the database alone
// reads the same.
func TestReadLeavesRootUnchanged(t *testing.T) {
	h := rpmtest.NewHost(t)
	h.Install(P{Name: "foo", Version: "1.0"}, P{Name: "bar", Version: "2.0", Epoch: 3})
	h.Repo("base", "", []P{{Name: "foo", Version: "1.1"}}, nil)
	h.Makecache()
	before := snapshot(t, h.Root)
	s, ok, err := Load(context.Background(), h.Root, Options{})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if len(s.Installed) != 2 || len(s.Updates()) != 1 {
		t.Fatalf("installed %d, updates %+v", len(s.Installed), s.Updates())
	}
	after := snapshot(t, h.Root)
	for p, v := range after {
		if before[p] != v {
			t.Errorf("%s changed or appeared: %s (was %q)", p, v, before[p])
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("%s disappeared", p)
		}
	}

	// the database file alone, on a read-only mount
	ro := t.TempDir()
	src := filepath.Join(t.TempDir(), "var/lib/rpm")
	os.MkdirAll(src, 0o755)
	b, err := os.ReadFile(filepath.Join(h.Root, "var/lib/rpm/rpmdb.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "rpmdb.sqlite"), b, 0o444)
	if err := syscall.Mount(filepath.Dir(filepath.Dir(filepath.Dir(src))), ro, "", syscall.MS_BIND, ""); err != nil {
		t.Fatal(err)
	}
	defer syscall.Unmount(ro, syscall.MNT_DETACH)
	if err := syscall.Mount("", ro, "", syscall.MS_BIND|syscall.MS_REMOUNT|syscall.MS_RDONLY, ""); err != nil {
		t.Fatal(err)
	}
	db, ok := Detect(ro)
	if !ok {
		t.Fatal("no rpmdb on the read-only mount")
	}
	pkgs, err := ReadInstalled(context.Background(), db)
	if err != nil || len(pkgs) != 2 || pkgs[0].NEVRA() != "bar-3:2.0-1.x86_64" {
		t.Fatalf("read-only copy: %v %v", pkgs, err)
	}
	if _, err := os.Stat(db.Path + "-shm"); err == nil {
		t.Error("an -shm file appeared")
	}
}

// TestSQLiteFileAgainstDriver: our reader of the rpmdb file gives the rows
// the SQLite driver gives, in the same order, on databases rpm 4.18 wrote
// (rows of several pages: overflow chains; interior b-tree pages).
func TestSQLiteFileAgainstDriver(t *testing.T) {
	h := rpmtest.NewHost(t)
	var pkgs []P
	for i := 0; i < 300; i++ {
		p := P{Name: fmt.Sprintf("pkg%03d", i), Version: "1.0"}
		for k := 0; k < 1+(i%20)*15; k++ { // up to 286 provides: headers of several pages
			p.Provides = append(p.Provides, fmt.Sprintf("cap%03d-%03d-with-a-rather-long-name-to-grow-the-header = 1.%d", i, k, k))
		}
		pkgs = append(pkgs, p)
	}
	h.InstallFiles(h.BuildAll(pkgs[:200]))
	h.Install(pkgs[200:260]...)
	path := filepath.Join(h.Root, "var/lib/rpm/rpmdb.sqlite")
	var ours, driver [][]byte
	if err := sqliteFileBlobs(path, "Packages", 1, func(b []byte) error { ours = append(ours, append([]byte(nil), b...)); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := sqliteBlobs(context.Background(), path, func(b []byte) error { driver = append(driver, append([]byte(nil), b...)); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(ours) != 260 || len(ours) != len(driver) {
		t.Fatalf("%d rows, the driver %d", len(ours), len(driver))
	}
	big := 0
	for i := range ours {
		if !bytes.Equal(ours[i], driver[i]) {
			t.Fatalf("row %d differs", i)
		}
		if len(ours[i]) > 4096 {
			big++
		}
	}
	if big < 20 {
		t.Errorf("only %d rows larger than a page: overflow pages not tried", big)
	}
}

// TestSQLiteWithLiveWAL: while rpm holds rows in the write-ahead log only
// (transactions committed, not yet checkpointed), our reader sees what the
// SQLite driver sees, from the log alone (no -shm read or created); a torn
// last frame drops its transaction, as SQLite's recovery drops it.
func TestSQLiteWithLiveWAL(t *testing.T) {
	h := rpmtest.NewHost(t)
	h.Install(P{Name: "foo", Version: "1.0"}, P{Name: "bar", Version: "1.0"})
	path := filepath.Join(h.Root, "var/lib/rpm/rpmdb.sqlite")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{"PRAGMA journal_mode=WAL", "PRAGMA wal_autocheckpoint=0",
		"INSERT INTO Packages (blob) SELECT blob FROM Packages LIMIT 1",
		"INSERT INTO Packages (blob) SELECT blob FROM Packages LIMIT 1",
		"DELETE FROM Packages WHERE hnum = 1"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	if !walHasContent(path) {
		t.Fatal("the statements left no write-ahead log")
	}
	rows := func(read func(func([]byte) error) error) (n int) {
		t.Helper()
		if err := read(func([]byte) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	ours := rows(func(fn func([]byte) error) error { return sqliteFileBlobs(path, "Packages", 1, fn) })
	driver := rows(func(fn func([]byte) error) error { return sqliteBlobs(context.Background(), path, fn) })
	if ours != 3 || driver != 3 {
		t.Errorf("our reader %d rows, the driver %d; want 3 (2 + 2 inserted - 1 deleted)", ours, driver)
	}
	pkgs, err := ReadInstalled(context.Background(), Database{Path: path, Format: SQLite})
	if err != nil || len(pkgs) != 3 {
		t.Errorf("read %d packages (%v), want 3", len(pkgs), err)
	}

	// a copy of the database whose log lost the last frame's last byte
	torn := filepath.Join(t.TempDir(), "rpmdb.sqlite")
	for _, f := range []string{"", "-wal"} {
		b, err := os.ReadFile(path + f)
		if err != nil {
			t.Fatal(err)
		}
		if f == "-wal" {
			b[len(b)-1] ^= 0xff
		}
		os.WriteFile(torn+f, b, 0o644)
	}
	if n := rows(func(fn func([]byte) error) error { return sqliteFileBlobs(torn, "Packages", 1, fn) }); n != 4 {
		t.Errorf("torn log: %d rows, want 4 (the delete's transaction dropped)", n)
	}
	if _, err := os.Stat(torn + "-shm"); err == nil {
		t.Error("an -shm file appeared")
	}
}

// FuzzSQLiteWAL: any log over a real database reads without a panic.
func FuzzSQLiteWAL(f *testing.F) {
	f.Add([]byte{}, uint32(0))
	hdr := make([]byte, walHeader)
	binary.BigEndian.PutUint32(hdr[0:], walMagicBE)
	binary.BigEndian.PutUint32(hdr[4:], walVersion)
	binary.BigEndian.PutUint32(hdr[8:], 4096)
	s0, s1 := walChecksum(binary.BigEndian, 0, 0, hdr[:24])
	binary.BigEndian.PutUint32(hdr[24:], s0)
	binary.BigEndian.PutUint32(hdr[28:], s1)
	f.Add(hdr, uint32(1))
	f.Fuzz(func(t *testing.T, wal []byte, pages uint32) {
		db := make([]byte, 4096*int(pages%4))
		r, size, err := openWAL(bytes.NewReader(db), int64(len(db)), bytes.NewReader(wal), int64(len(wal)))
		if err != nil {
			return
		}
		if size < 0 {
			t.Fatalf("size %d", size)
		}
		buf := make([]byte, 5000)
		for off := int64(0); off < size && off < 1<<20; off += 4096 {
			_, _ = r.ReadAt(buf, off)
		}
	})
}
