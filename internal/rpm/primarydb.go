package rpm

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// yum's SQLite primary. yum 3.4.3 (RHEL/CentOS 7) with its default
// mddownloadpolicy=sqlite fetches a repo's primary as the database
// repomd.xml lists as primary_db, not as primary.xml. The facts relied on,
// from yum's sources (rpm-software-management/yum: yum/yumRepo.py, yum/misc.py,
// yum/constants.py, yum/config.py) and the schema's writers
// (yum-metadata-parser db.c, createrepo_c src/sqlite.c and createrepo_c.c):
//   - yum uses primary_db only when repomd.xml's database_version equals its
//     DBVERSION, "10" (YumRepository._check_db_version); otherwise it
//     fetches primary.xml, which the XML path reads.
//   - The download is kept as fetched, flat in the repo's cache folder by
//     the base name of its href (<checksum>-primary.sqlite.bz2), verified
//     against repomd's checksum.
//   - It is decompressed into gen/primary_db.sqlite beside it
//     (misc.repo_gen_decompress); older yum decompressed it beside the .bz2,
//     the suffix removed, and yum still uses that copy first
//     (_check_uncompressed_db). A decompressed copy is used only when it
//     matches repomd's open-checksum and open-size (checkMD with
//     openchecksum=True), and a gen/ copy only when its mtime equals the
//     download's (misc.decompress with check_timestamps, which then sets
//     that mtime); otherwise yum decompresses the download again (after
//     checking the download against repomd's checksum), or fetches it.
//   - The packages table (pkgKey INTEGER PRIMARY KEY, pkgId, name, arch,
//     version, epoch, release, ...) and the obsoletes table (name, flags,
//     epoch, version, release, pkgKey) carry what primary.xml does, epoch
//     "0" when none, NULL for a dependency's missing flags, epoch, version
//     or release. db_info (dbversion INTEGER, checksum TEXT) holds 10 and,
//     as createrepo_c writes it (cr_db_dbinfo_update with the primary
//     record's checksum), the checksum of the compressed primary.xml that
//     repomd lists as primary. yum itself reads db_info only of databases
//     it builds from XML (db.c dbinfo_status); a downloaded one it opens
//     as it is (sqlitecachec.open_database).
//
// So: a decompressed copy that matches open-checksum is read (its content
// checked, not its mtime), else the download is decompressed (a stale copy
// is what yum itself would replace); db_info must say version 10 and, when
// repomd lists primary, that primary's checksum, else the database is
// refused naming the file: stricter than yum, as it is then not the
// metadata repomd describes.

const (
	primaryDBKind = "primary sqlite"
	yumDBVersion  = 10
)

// maxPrimaryDB bounds the database, which is held in memory while it is
// read (SQLite is read by page, in no stream order). RHEL 7's largest
// primary databases are a few hundred MiB. (A variable for the tests.)
var maxPrimaryDB int64 = 1 << 30

// readYumSQLite reads a repo whose yum cache holds primary only as
// SQLite: modules, primary from the database, then updateinfo. found is
// false when there is no such database (another layout, repomd lists none
// or not in a version yum reads, nothing fetched).
func (s *System) readYumSQLite(ctx context.Context, rs *RepoState, md *Repomd) (found bool, err error) {
	db, file, err := rs.loadYumPrimaryDB(ctx, md)
	if err != nil || db == nil {
		return err != nil, err
	}
	st, err := os.Stat(file)
	if err != nil {
		return true, &located.Error{Kind: primaryDBKind, File: file, Err: err, Msg: errMessage(err)}
	}
	rs.Cached, rs.Fetched = true, st.ModTime()
	if err := s.readModules(rs, md); err != nil {
		return true, err
	}
	err = scanPrimaryDB(ctx, db, file, md.Data["primary"].Checksum, s.keepAvailable, func(p *Available) error {
		p.Repo = rs.ID
		s.available = append(s.available, p)
		return nil
	})
	if err != nil {
		return true, err
	}
	return true, s.readUpdateinfo(ctx, rs, md)
}

// loadYumPrimaryDB returns the content of the repo's primary database and
// the file it was read from (nil when yum's cache holds none): a
// decompressed copy that matches repomd's open-checksum, else the
// download decompressed and checked against both checksums.
func (rs *RepoState) loadYumPrimaryDB(ctx context.Context, md *Repomd) ([]byte, string, error) {
	d, ok := md.Data["primary_db"]
	if rs.Layout != LayoutYum || !ok || d.Href == "" || d.DatabaseVersion != strconv.Itoa(yumDBVersion) {
		return nil, "", nil
	}
	download := rs.metaPath(d.Href)
	var copies []string
	switch ext := filepath.Ext(download); ext {
	case ".bz2", ".gz", ".xz":
		copies = append(copies, strings.TrimSuffix(download, ext))
	}
	copies = append(copies, filepath.Join(rs.CacheDir, "gen", "primary_db.sqlite"))
	var stale string // a copy that does not match, for the error when the download is gone
	for _, c := range copies {
		if _, err := os.Stat(c); err != nil {
			continue
		}
		if db, err := readCopy(c, d); err == nil {
			return db, c, nil
		} else if !errors.Is(err, errStaleCopy) {
			return nil, "", err
		}
		stale = c
	}
	if _, err := os.Stat(download); isNotExist(err) {
		if stale != "" {
			return nil, "", &located.Error{Kind: primaryDBKind, File: stale,
				Msg: "differs from the open-checksum repomd.xml lists and the download it came from is gone: run yum makecache"}
		}
		return nil, "", nil
	}
	db, err := unpackDB(ctx, download, d)
	return db, download, err
}

var errStaleCopy = errors.New("decompressed copy differs from repomd.xml")

// readCopy reads a decompressed database; errStaleCopy when repomd gives
// no open-checksum it can be checked with, or it differs.
func readCopy(path string, d RepomdData) ([]byte, error) {
	h := newHash(d.OpenChecksumType)
	if h == nil || d.OpenChecksum == "" {
		return nil, errStaleCopy
	}
	if st, err := os.Stat(path); err == nil && d.OpenSize > 0 && st.Mode().IsRegular() && st.Size() != d.OpenSize {
		return nil, errStaleCopy
	}
	db, err := located.ReadFile(path, located.Limit{Kind: primaryDBKind, Bytes: maxPrimaryDB})
	if err != nil {
		return nil, err
	}
	h.Write(db)
	if hex.EncodeToString(h.Sum(nil)) != d.OpenChecksum {
		return nil, errStaleCopy
	}
	return db, nil
}

// unpackDB decompresses the downloaded database into memory, streamed and
// bounded, and checks it against repomd's checksum and open-checksum.
func unpackDB(ctx context.Context, path string, d RepomdData) ([]byte, error) {
	u, err := openMetadata(path, primaryDBKind, d)
	if err != nil {
		return nil, err
	}
	defer u.Close()
	// open-size (+1 to see the end) sizes the buffer once; without it, or
	// when it is wrong, the buffer doubles, never past the bound
	size := int64(1 << 20)
	if d.OpenSize > 0 {
		size = min(d.OpenSize+1, maxPrimaryDB+1)
	}
	buf := make([]byte, 0, size)
	r := located.WithContext(ctx, u)
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) > maxPrimaryDB {
				return nil, &located.Error{Kind: primaryDBKind, File: path, Err: located.ErrTooLarge,
					Msg: fmt.Sprintf("unpacks to more than %s", located.Size(maxPrimaryDB))}
			}
			grown := make([]byte, len(buf), min(2*int64(cap(buf)), maxPrimaryDB+1))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(buf)) > maxPrimaryDB {
		return nil, &located.Error{Kind: primaryDBKind, File: path, Err: located.ErrTooLarge,
			Msg: fmt.Sprintf("unpacks to more than %s", located.Size(maxPrimaryDB))}
	}
	if err := u.Verify(); err != nil {
		return nil, err
	}
	if h := newHash(d.OpenChecksumType); h != nil && d.OpenChecksum != "" {
		h.Write(buf)
		if hex.EncodeToString(h.Sum(nil)) != d.OpenChecksum {
			return nil, &located.Error{Kind: primaryDBKind, File: path, Msg: "unpacks to other content than the open-checksum repomd.xml lists (a corrupt download: run yum makecache)"}
		}
	}
	return buf, nil
}

// scanPrimaryDB reads the packages of a primary database as scanPrimary
// reads primary.xml: fn gets each package keep accepts (by name and
// obsoletes), with name, arch, EVR and obsoletes, in pkgKey order (the
// order createrepo_c writes both forms in). xmlChecksum, when not empty,
// is the checksum db_info must hold.
func scanPrimaryDB(ctx context.Context, db []byte, file, xmlChecksum string, keep func(*Available) bool, fn func(*Available) error) error {
	sf, err := openSQLiteFile(bytes.NewReader(db), int64(len(db)))
	if err != nil {
		return dbError(file, "", err)
	}
	if err := checkDBInfo(sf, file, xmlChecksum); err != nil {
		return err
	}
	obs, err := readObsoletes(sf, file)
	if err != nil {
		return err
	}
	t, cols, err := dbTable(sf, file, "packages", "pkgKey", "name", "arch", "epoch", "version", "release")
	if err != nil {
		return err
	}
	if t.RowID != cols[0] {
		return &located.Error{Kind: primaryDBKind, File: file, Key: "packages.pkgKey", Msg: "not the table's INTEGER PRIMARY KEY"}
	}
	n := 0
	err = sf.rows(t.Root, func(key int64, rec []byte) error {
		if n++; n%256 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		v, err := dbRow(rec, len(t.Columns), cols)
		if err != nil {
			return dbError(file, "packages", err)
		}
		bad := func(col, msg string) error {
			return &located.Error{Kind: primaryDBKind, File: file, Key: col, Msg: fmt.Sprintf("pkgKey %d: %s", key, msg)}
		}
		p := &Available{Name: v[1], Arch: v[2]}
		if p.Name == "" {
			return bad("packages.name", "package without name")
		}
		raw := obs[key]
		if len(raw) == 0 && !keep(p) {
			return nil
		}
		for _, o := range raw {
			dep := Dep{Name: o[0], Flags: o[1], EVR: EVR{Version: o[3], Release: o[4]}}
			if dep.EVR.Epoch, err = dbEpoch(o[2]); err != nil {
				return bad("obsoletes.epoch", "epoch is not a whole number")
			}
			p.Obsoletes = append(p.Obsoletes, dep)
		}
		if !keep(p) {
			return nil
		}
		if p.Arch == "" || v[4] == "" {
			return bad("packages.version", "package without name, arch or version")
		}
		p.EVR = EVR{Version: v[4], Release: v[5]}
		if p.EVR.Epoch, err = dbEpoch(v[3]); err != nil {
			return bad("packages.epoch", "epoch is not a whole number")
		}
		return fn(p)
	})
	if err != nil && ctx.Err() == nil {
		return dbError(file, "packages", err)
	}
	return err
}

// checkDBInfo refuses a database of another schema version than yum's, or
// one made from another primary.xml than repomd lists.
func checkDBInfo(sf *sqliteFile, file, xmlChecksum string) error {
	t, cols, err := dbTable(sf, file, "db_info", "dbversion", "checksum")
	if err != nil {
		return err
	}
	var version, sum string
	rows := 0
	err = sf.rows(t.Root, func(_ int64, rec []byte) error {
		rows++
		if rows > 1 {
			return nil // yum reads the first row only
		}
		v, err := dbRow(rec, len(t.Columns), cols)
		if err != nil {
			return err
		}
		version, sum = v[0], v[1]
		return nil
	})
	if err != nil {
		return dbError(file, "db_info", err)
	}
	if rows == 0 {
		return &located.Error{Kind: primaryDBKind, File: file, Key: "db_info", Msg: "no row"}
	}
	if version != strconv.Itoa(yumDBVersion) {
		return &located.Error{Kind: primaryDBKind, File: file, Key: "db_info.dbversion", Msg: fmt.Sprintf("not %d, the version yum reads", yumDBVersion)}
	}
	if xmlChecksum != "" && !strings.EqualFold(sum, xmlChecksum) {
		return &located.Error{Kind: primaryDBKind, File: file, Key: "db_info.checksum",
			Msg: "not the checksum of the primary repomd.xml lists (the database belongs to other metadata: run yum makecache)"}
	}
	return nil
}

// readObsoletes reads the obsoletes table: name, flags, epoch, version,
// release by pkgKey, in table order (the order of the package's entries).
func readObsoletes(sf *sqliteFile, file string) (map[int64][][5]string, error) {
	t, cols, err := dbTable(sf, file, "obsoletes", "name", "flags", "epoch", "version", "release", "pkgKey")
	if err != nil {
		return nil, err
	}
	out := map[int64][][5]string{}
	err = sf.rows(t.Root, func(_ int64, rec []byte) error {
		v, err := dbRow(rec, len(t.Columns), cols)
		if err != nil {
			return err
		}
		key, err := strconv.ParseInt(v[5], 10, 64)
		if err != nil {
			return errors.New("a row whose pkgKey is not a number")
		}
		if v[0] == "" {
			return errors.New("a row without name")
		}
		out[key] = append(out[key], [5]string{v[0], v[1], v[2], v[3], v[4]})
		return nil
	})
	if err != nil {
		return nil, dbError(file, "obsoletes", err)
	}
	return out, nil
}

// dbTable finds a table and the indexes of the columns wanted.
func dbTable(sf *sqliteFile, file, name string, want ...string) (sqliteTable, []int, error) {
	t, err := sf.table(name)
	if err != nil {
		return t, nil, dbError(file, name, err)
	}
	cols := make([]int, len(want))
	for i, w := range want {
		if cols[i] = t.Column(w); cols[i] < 0 {
			return t, nil, &located.Error{Kind: primaryDBKind, File: file, Key: name + "." + w, Msg: "no such column"}
		}
	}
	return t, cols, nil
}

// dbRow reads the wanted columns of a record as text: NULL (or a column
// the record lacks, added to the table later) is "", an integer its
// decimal digits. A blob or a real is not what the schema declares.
func dbRow(rec []byte, n int, cols []int) ([]string, error) {
	vals, err := recordColumns(rec, n)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(cols))
	for i, c := range cols {
		if c >= len(vals) {
			continue
		}
		switch v := vals[c]; {
		case v.Type == 0:
		case v.Type <= 6 || v.Type == 8 || v.Type == 9:
			out[i] = strconv.FormatInt(v.Int, 10)
		case v.Type >= 13 && v.Type%2 == 1:
			out[i] = string(v.Bytes)
		default:
			return nil, fmt.Errorf("column %d holds neither text nor a number", c)
		}
	}
	return out, nil
}

// dbEpoch reads an epoch column: empty (NULL) is 0, as an absent epoch
// attribute is in primary.xml.
func dbEpoch(s string) (int, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, errors.New("not a whole number")
	}
	return n, nil
}

// dbError names the file (and table) of a database that cannot be read,
// never quoting its content.
func dbError(file, table string, err error) error {
	if e, ok := located.As(err); ok {
		return e
	}
	return &located.Error{Kind: primaryDBKind, File: file, Key: table, Msg: errMessage(err), Err: err}
}
