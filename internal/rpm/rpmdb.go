package rpm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/knqyf263/go-rpmdb/pkg/bdb"
	dbi "github.com/knqyf263/go-rpmdb/pkg/db"
	"github.com/knqyf263/go-rpmdb/pkg/ndb"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// DBFormat is the storage an rpmdb uses.
type DBFormat string

const (
	SQLite     DBFormat = "sqlite"     // rpm ≥ 4.16: RHEL 9, Fedora 33+
	BerkeleyDB DBFormat = "berkeleydb" // RHEL 7/8 "Packages"
	NDB        DBFormat = "ndb"        // SUSE "Packages.db"
	maxRPMDB            = 1 << 30      // a database larger than this is not an rpmdb we read
	rpmdbKind           = "rpmdb"
)

// Database is an rpmdb found under a root.
type Database struct {
	Path   string
	Format DBFormat
}

// dbCandidates are the places rpm keeps its database, in the order they
// are tried: %_dbpath of RHEL ≤ 9 first, then the sysimage path of Fedora
// 36+ (there /var/lib/rpm is a symlink to it anyway).
var dbCandidates = []struct {
	rel    string
	format DBFormat
}{
	{"var/lib/rpm/rpmdb.sqlite", SQLite},
	{"usr/lib/sysimage/rpm/rpmdb.sqlite", SQLite},
	{"var/lib/rpm/Packages.db", NDB},
	{"usr/lib/sysimage/rpm/Packages.db", NDB},
	{"var/lib/rpm/Packages", BerkeleyDB},
	{"usr/lib/sysimage/rpm/Packages", BerkeleyDB},
}

// Detect finds the rpmdb under root. ok is false when there is none: the
// host is not an RPM host (or its database is elsewhere).
func Detect(root string) (db Database, ok bool) {
	for _, c := range dbCandidates {
		p := filepath.Join(root, c.rel)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return Database{Path: p, Format: c.format}, true
		}
	}
	return Database{}, false
}

// Installed is one package in the rpmdb.
type Installed struct {
	Name     string
	Arch     string
	EVR      EVR
	Vendor   string
	Provides []provide
	// InstallTime is when rpm installed it (RPMTAG_INSTALLTIME).
	InstallTime time.Time
}

// NEVRA is name-[epoch:]version-release.arch as dnf prints it.
func (p *Installed) NEVRA() string { return p.Name + "-" + p.EVR.String() + "." + p.Arch }

// ReadInstalled reads every package header of db. Packages without an
// architecture (the gpg-pubkey pseudo-packages) are left out: dnf never
// upgrades them. The result is sorted by name, arch and EVR.
func ReadInstalled(ctx context.Context, db Database) ([]*Installed, error) {
	st, err := os.Stat(db.Path)
	if err != nil {
		return nil, &located.Error{Kind: rpmdbKind, File: db.Path, Err: err, Msg: errMessage(err)}
	}
	// The database is read through its own library, not a located.Reader,
	// so the bound is the size of a regular file (Detect takes no other).
	if !st.Mode().IsRegular() || st.Size() > maxRPMDB {
		return nil, &located.Error{Kind: rpmdbKind, File: db.Path, Err: located.ErrTooLarge,
			Msg: fmt.Sprintf("not a regular file of at most %s", located.Size(maxRPMDB))}
	}
	var blobs func(func([]byte) error) error
	switch db.Format {
	case SQLite:
		blobs = func(fn func([]byte) error) error {
			// rpm's schema: Packages (hnum INTEGER PRIMARY KEY, blob BLOB)
			return sqliteFileBlobs(db.Path, "Packages", 1, fn)
		}
	case BerkeleyDB:
		blobs = func(fn func([]byte) error) error {
			h, err := bdb.Open(db.Path)
			if err != nil {
				return err
			}
			defer h.Close()
			return drain(h.Read(), fn)
		}
	case NDB:
		blobs = func(fn func([]byte) error) error {
			h, err := ndb.Open(db.Path)
			if err != nil {
				return err
			}
			defer h.Close()
			return drain(h.Read(), fn)
		}
	default:
		return nil, &located.Error{Kind: rpmdbKind, File: db.Path, Msg: "unknown database format " + string(db.Format)}
	}
	var out []*Installed
	n := 0
	err = blobs(func(b []byte) error {
		n++
		if n%256 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		h, err := parseHeader(b)
		if err != nil {
			return &located.Error{Kind: rpmdbKind, File: db.Path, Key: fmt.Sprintf("header %d", n), Err: err}
		}
		if h.Arch == "" {
			return nil
		}
		out = append(out, &Installed{Name: h.Name, Arch: h.Arch, EVR: h.EVR, Vendor: h.Vendor, Provides: h.Provides, InstallTime: h.InstallTime})
		return nil
	})
	if err != nil {
		if _, ok := located.As(err); ok || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, &located.Error{Kind: rpmdbKind, File: db.Path, Err: err, Msg: errMessage(err)}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Arch != b.Arch {
			return a.Arch < b.Arch
		}
		return a.EVR.Compare(b.EVR) < 0
	})
	return out, nil
}

// drain hands every entry to fn and reads the channel to its end even after
// an error, so the library's reading goroutine always finishes.
func drain(ch <-chan dbi.Entry, fn func([]byte) error) error {
	var first error
	for e := range ch {
		if first != nil {
			continue
		}
		if e.Err != nil {
			first = e.Err
			continue
		}
		first = fn(e.Value)
	}
	return first
}

// walHasContent: rpm is writing the database, or was stopped while it
// did: committed rows may be in the write-ahead log only.
func walHasContent(path string) bool {
	st, err := os.Stat(path + "-wal")
	return err == nil && st.Size() > 0
}

func errMessage(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
