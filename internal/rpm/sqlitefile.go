package rpm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// A reader of one rowid table of an SQLite 3 database file, after the
// published file format (sqlite.org/fileformat2.html), for the rpmdb's
// "Packages" table. It reads the main database file only, never writes,
// takes no lock and so cannot create -wal or -shm files. rpm leaves the
// write-ahead log empty when it closes the database; a log with content is
// read too (sqlitewal.go), never the -shm index. Against the
// driver it saves the ~10 MiB of resident code and page cache that made
// the check's peak memory a third of dnf's instead of a fifth.

var errSQLite = errors.New("not a readable SQLite database")

const (
	sqliteMaxPayload = 64 << 20 // one row; rpm headers are far smaller
	sqliteMaxDepth   = 40       // b-tree depth; a 1 GiB file needs far fewer
)

type sqliteFile struct {
	r        io.ReaderAt
	pageSize int
	usable   int
	pages    uint32
	bufs     [][]byte // one page buffer per b-tree depth, and one for overflow
}

func openSQLiteFile(r io.ReaderAt, size int64) (*sqliteFile, error) {
	var h [100]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, fmt.Errorf("%w: no header", errSQLite)
	}
	if !bytes.Equal(h[:16], []byte("SQLite format 3\x00")) {
		return nil, fmt.Errorf("%w: no SQLite magic", errSQLite)
	}
	ps := int(binary.BigEndian.Uint16(h[16:18]))
	if ps == 1 {
		ps = 65536
	}
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return nil, fmt.Errorf("%w: page size %d", errSQLite, ps)
	}
	usable := ps - int(h[20])
	if usable < 480 {
		return nil, fmt.Errorf("%w: usable page size %d", errSQLite, usable)
	}
	if enc := binary.BigEndian.Uint32(h[56:60]); enc > 1 {
		return nil, fmt.Errorf("%w: text encoding %d is not UTF-8", errSQLite, enc)
	}
	return &sqliteFile{r: r, pageSize: ps, usable: usable, pages: uint32(size / int64(ps))}, nil
}

// readPage reads page n (from 1) into the buffer of slot (a b-tree depth,
// or sqliteMaxDepth+1 for overflow pages): a walk keeps one page a level.
func (f *sqliteFile) readPage(n uint32, slot int) ([]byte, error) {
	if n < 1 || n > f.pages {
		return nil, fmt.Errorf("%w: page %d out of range 1..%d", errSQLite, n, f.pages)
	}
	if f.bufs == nil {
		f.bufs = make([][]byte, sqliteMaxDepth+2)
	}
	if f.bufs[slot] == nil {
		f.bufs[slot] = make([]byte, f.pageSize)
	}
	b := f.bufs[slot]
	if _, err := f.r.ReadAt(b, int64(n-1)*int64(f.pageSize)); err != nil {
		return nil, fmt.Errorf("%w: page %d: %v", errSQLite, n, err)
	}
	return b, nil
}

// rows walks the table b-tree rooted at page root in rowid order and calls
// fn with each row's record (payload), which is valid only during the call.
func (f *sqliteFile) rows(root uint32, fn func(rec []byte) error) error {
	visited := map[uint32]bool{}
	var payload []byte
	var walk func(n uint32, depth int) error
	walk = func(n uint32, depth int) error {
		if depth > sqliteMaxDepth || visited[n] {
			return fmt.Errorf("%w: b-tree loops at page %d", errSQLite, n)
		}
		visited[n] = true
		page, err := f.readPage(n, depth)
		if err != nil {
			return err
		}
		hdr := 0
		if n == 1 {
			hdr = 100
		}
		if len(page) < hdr+8 {
			return fmt.Errorf("%w: page %d too short", errSQLite, n)
		}
		kind := page[hdr]
		cells := int(binary.BigEndian.Uint16(page[hdr+3 : hdr+5]))
		ptrs := hdr + 8
		if kind == 0x05 {
			ptrs = hdr + 12
		} else if kind != 0x0d {
			return fmt.Errorf("%w: page %d is not a table b-tree page (type %d)", errSQLite, n, kind)
		}
		if ptrs+2*cells > f.usable {
			return fmt.Errorf("%w: page %d has %d cells", errSQLite, n, cells)
		}
		for i := 0; i < cells; i++ {
			off := int(binary.BigEndian.Uint16(page[ptrs+2*i:]))
			if off < ptrs || off >= f.usable {
				return fmt.Errorf("%w: page %d cell %d at %d", errSQLite, n, i, off)
			}
			cell := page[off:f.usable]
			if kind == 0x05 {
				if len(cell) < 4 {
					return fmt.Errorf("%w: page %d cell %d truncated", errSQLite, n, i)
				}
				if err := walk(binary.BigEndian.Uint32(cell), depth+1); err != nil {
					return err
				}
				continue
			}
			if payload, err = f.leafPayload(cell, payload[:0]); err != nil {
				return fmt.Errorf("page %d cell %d: %w", n, i, err)
			}
			if err := fn(payload); err != nil {
				return err
			}
		}
		if kind == 0x05 {
			return walk(binary.BigEndian.Uint32(page[hdr+8:hdr+12]), depth+1)
		}
		return nil
	}
	return walk(root, 0)
}

// leafPayload assembles a table leaf cell's payload, following its
// overflow pages.
func (f *sqliteFile) leafPayload(cell, buf []byte) ([]byte, error) {
	size, n := sqliteVarint(cell)
	if n == 0 || size > sqliteMaxPayload {
		return nil, fmt.Errorf("%w: payload size", errSQLite)
	}
	cell = cell[n:]
	if _, n = sqliteVarint(cell); n == 0 { // the rowid
		return nil, fmt.Errorf("%w: rowid", errSQLite)
	}
	cell = cell[n:]
	p := int(size)
	u := f.usable
	x := u - 35
	local := p
	if p > x {
		m := ((u-12)*32/255 - 23)
		k := m + (p-m)%(u-4)
		local = m
		if k <= x {
			local = k
		}
	}
	if len(cell) < local || (local < p && len(cell) < local+4) {
		return nil, fmt.Errorf("%w: cell truncated", errSQLite)
	}
	buf = append(buf, cell[:local]...)
	if local == p {
		return buf, nil
	}
	next := binary.BigEndian.Uint32(cell[local:])
	for len(buf) < p {
		page, err := f.readPage(next, sqliteMaxDepth+1)
		if err != nil {
			return nil, err
		}
		chunk := page[4:u]
		if rest := p - len(buf); len(chunk) > rest {
			chunk = chunk[:rest]
		}
		buf = append(buf, chunk...)
		next = binary.BigEndian.Uint32(page[:4])
	}
	return buf, nil
}

// sqliteVarint reads SQLite's big-endian varint (1 to 9 bytes); n is 0
// when b ends too soon.
func sqliteVarint(b []byte) (v uint64, n int) {
	for i := 0; i < 9; i++ {
		if i >= len(b) {
			return 0, 0
		}
		if i == 8 {
			return v<<8 | uint64(b[i]), 9
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i]&0x80 == 0 {
			return v, i + 1
		}
	}
	return v, 9
}

// sqliteColumn is one value of a record: an integer, or text/blob bytes.
type sqliteColumn struct {
	Int   int64
	Bytes []byte
	Type  uint64 // serial type
}

// recordColumns decodes the columns of a record (header of serial types,
// then the values).
func recordColumns(rec []byte, want int) ([]sqliteColumn, error) {
	hsize, n := sqliteVarint(rec)
	if n == 0 || hsize > uint64(len(rec)) || hsize < uint64(n) {
		return nil, fmt.Errorf("%w: record header", errSQLite)
	}
	types := rec[n:hsize]
	body := rec[hsize:]
	var cols []sqliteColumn
	for len(types) > 0 && len(cols) < want {
		t, n := sqliteVarint(types)
		if n == 0 {
			return nil, fmt.Errorf("%w: serial type", errSQLite)
		}
		types = types[n:]
		var size uint64
		switch {
		case t <= 4:
			size = t
		case t == 5:
			size = 6
		case t == 6 || t == 7:
			size = 8
		case t == 8 || t == 9:
			size = 0
		case t >= 12:
			size = (t - 12) / 2
		default:
			return nil, fmt.Errorf("%w: serial type %d", errSQLite, t)
		}
		if size > uint64(len(body)) {
			return nil, fmt.Errorf("%w: record body", errSQLite)
		}
		c := sqliteColumn{Type: t}
		v := body[:size]
		switch {
		case t >= 1 && t <= 6:
			x := int64(int8(v[0]))
			for _, b := range v[1:] {
				x = x<<8 | int64(b)
			}
			c.Int = x
		case t == 9:
			c.Int = 1
		case t >= 12:
			c.Bytes = v
		}
		cols = append(cols, c)
		body = body[size:]
	}
	return cols, nil
}

// sqliteTableRoot finds the root page of a table in the schema (page 1).
func (f *sqliteFile) tableRoot(name string) (uint32, error) {
	var root uint32
	err := f.rows(1, func(rec []byte) error {
		cols, err := recordColumns(rec, 4)
		if err != nil {
			return err
		}
		if len(cols) == 4 && string(cols[0].Bytes) == "table" && string(cols[1].Bytes) == name && cols[3].Int > 0 {
			root = uint32(cols[3].Int)
		}
		return nil
	})
	if err == nil && root == 0 {
		err = fmt.Errorf("%w: no table %s", errSQLite, name)
	}
	return root, err
}

// sqliteFileBlobs reads column col of every row of table in the database
// file at path.
func sqliteFileBlobs(path, table string, col int, fn func([]byte) error) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return err
	}
	var db io.ReaderAt = fh
	size := st.Size()
	if walHasContent(path) {
		wh, err := os.Open(path + "-wal")
		if err != nil {
			return err
		}
		defer wh.Close()
		wst, err := wh.Stat()
		if err != nil {
			return err
		}
		if !wst.Mode().IsRegular() || wst.Size() > maxRPMDB {
			return fmt.Errorf("%w: its write-ahead log is not a regular file of at most %d bytes", errSQLite, int64(maxRPMDB))
		}
		if db, size, err = openWAL(fh, size, wh, wst.Size()); err != nil {
			return err
		}
	}
	f, err := openSQLiteFile(db, size)
	if err != nil {
		return err
	}
	if w, ok := db.(*walPages); ok && int64(f.pageSize) != w.pageSize {
		return fmt.Errorf("%w: the write-ahead log's page size differs from the database's", errSQLite)
	}
	root, err := f.tableRoot(table)
	if err != nil {
		return err
	}
	return f.rows(root, func(rec []byte) error {
		cols, err := recordColumns(rec, col+1)
		if err != nil {
			return err
		}
		if len(cols) <= col || cols[col].Type < 12 {
			return fmt.Errorf("%w: a row of %s without column %d", errSQLite, table, col)
		}
		return fn(cols[col].Bytes)
	})
}
