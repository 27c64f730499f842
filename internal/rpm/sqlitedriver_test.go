package rpm

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"

	// the pure-Go SQLite driver, the tests' reference for our own reader
	_ "github.com/glebarez/go-sqlite"
)

// The SQLite driver reads the same rows as the check's own reader
// (sqlitefile.go, sqlitewal.go); it is the reference the tests hold that
// reader to, and stays out of the binaries.

// sqliteBlobs reads the header blobs of an SQLite rpmdb through the SQLite
// driver go-rpmdb uses, without writing a byte under the root: read-only,
// and immutable (no locks, no -wal or -shm created) unless rpm left a
// write-ahead log with content, which is then read through the existing
// -wal/-shm files. go-rpmdb's own opener uses the default read-write mode,
// which creates those files (its issue #56), so only its driver is used.
func sqliteBlobs(ctx context.Context, path string, fn func([]byte) error) error {
	// a small page cache: every page is read once, in order
	q := "mode=ro&immutable=1&_pragma=cache_size(-64)"
	if walHasContent(path) {
		if _, err := os.Stat(path + "-shm"); err == nil {
			q = "mode=ro&_pragma=cache_size(-64)"
		}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	u := url.URL{Scheme: "file", Path: abs, RawQuery: q}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	rows, err := db.QueryContext(ctx, "SELECT blob FROM Packages")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
	}
	return rows.Err()
}
