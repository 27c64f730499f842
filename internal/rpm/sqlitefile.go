package rpm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// A reader of the rowid tables of an SQLite 3 database file, after the
// published file format (sqlite.org/fileformat2.html), for the rpmdb's
// "Packages" table and yum's primary database (primarydb.go). It reads the main database file only, never writes,
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
// fn with each row's rowid and record (payload); the record is valid only
// during the call, and fn must not walk another table meanwhile (the walk
// reuses its page buffers). A column declared INTEGER PRIMARY KEY is the
// rowid: its record holds NULL in its place.
func (f *sqliteFile) rows(root uint32, fn func(rowid int64, rec []byte) error) error {
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
			var rowid int64
			if payload, rowid, err = f.leafPayload(cell, payload[:0]); err != nil {
				return fmt.Errorf("page %d cell %d: %w", n, i, err)
			}
			if err := fn(rowid, payload); err != nil {
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
// overflow pages, and returns it with the cell's rowid.
func (f *sqliteFile) leafPayload(cell, buf []byte) ([]byte, int64, error) {
	size, n := sqliteVarint(cell)
	if n == 0 || size > sqliteMaxPayload {
		return nil, 0, fmt.Errorf("%w: payload size", errSQLite)
	}
	cell = cell[n:]
	rowid, n := sqliteVarint(cell)
	if n == 0 {
		return nil, 0, fmt.Errorf("%w: rowid", errSQLite)
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
		return nil, 0, fmt.Errorf("%w: cell truncated", errSQLite)
	}
	buf = append(buf, cell[:local]...)
	if local == p {
		return buf, int64(rowid), nil
	}
	next := binary.BigEndian.Uint32(cell[local:])
	for n := uint32(0); len(buf) < p; n++ {
		if n >= f.pages {
			return nil, 0, fmt.Errorf("%w: overflow chain loops", errSQLite)
		}
		page, err := f.readPage(next, sqliteMaxDepth+1)
		if err != nil {
			return nil, 0, err
		}
		chunk := page[4:u]
		if rest := p - len(buf); len(chunk) > rest {
			chunk = chunk[:rest]
		}
		buf = append(buf, chunk...)
		next = binary.BigEndian.Uint32(page[:4])
	}
	return buf, int64(rowid), nil
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

// sqliteTable is one table of the schema: its root page, its column names
// in declared order and the index of the column that is the rowid's alias
// (INTEGER PRIMARY KEY), -1 for none.
type sqliteTable struct {
	Root    uint32
	Columns []string
	RowID   int
}

// Column is the index of the named column, -1 when the table has none.
func (t sqliteTable) Column(name string) int {
	for i, c := range t.Columns {
		if strings.EqualFold(c, name) {
			return i
		}
	}
	return -1
}

// table finds a table in the schema (page 1) and reads its columns from
// the CREATE TABLE statement kept there.
func (f *sqliteFile) table(name string) (sqliteTable, error) {
	root, stmt, err := f.schemaEntry(name)
	if err != nil {
		return sqliteTable{}, err
	}
	t := sqliteTable{Root: root}
	var ok bool
	if t.Columns, t.RowID, ok = sqliteColumns(stmt); !ok {
		return t, fmt.Errorf("%w: table %s: its CREATE TABLE statement is not understood", errSQLite, name)
	}
	return t, nil
}

// tableRoot finds the root page of a table in the schema (page 1).
func (f *sqliteFile) tableRoot(name string) (uint32, error) {
	root, _, err := f.schemaEntry(name)
	return root, err
}

// schemaEntry is a table's root page and CREATE TABLE statement.
func (f *sqliteFile) schemaEntry(name string) (root uint32, stmt string, err error) {
	err = f.rows(1, func(_ int64, rec []byte) error {
		cols, err := recordColumns(rec, 5)
		if err != nil {
			return err
		}
		if len(cols) >= 4 && string(cols[0].Bytes) == "table" && string(cols[1].Bytes) == name && cols[3].Int > 0 && cols[3].Int <= int64(f.pages) {
			root, stmt = uint32(cols[3].Int), ""
			if len(cols) == 5 {
				stmt = string(cols[4].Bytes)
			}
		}
		return nil
	})
	if err == nil && root == 0 {
		err = fmt.Errorf("%w: no table %s", errSQLite, name)
	}
	return root, stmt, err
}

// sqliteColumns reads the column names of a CREATE TABLE statement, in
// order, and which column is an alias of the rowid: one declared with the
// type INTEGER and PRIMARY KEY (not DESC), as the file format defines it.
// Table constraints (after the columns) are skipped; a PRIMARY KEY given
// as a table constraint is not taken for an alias.
func sqliteColumns(stmt string) (cols []string, rowid int, ok bool) {
	rowid = -1
	i, j := strings.IndexByte(stmt, '('), strings.LastIndexByte(stmt, ')')
	if i < 0 || j < i {
		return nil, -1, false
	}
	for _, def := range sqliteSplitDefs(stmt[i+1 : j]) {
		name, rest, ok := sqliteIdent(strings.TrimSpace(def))
		if !ok {
			return nil, -1, false
		}
		switch strings.ToUpper(name) {
		case "CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN":
			if !strings.HasPrefix(strings.TrimSpace(def), name) {
				break // a quoted column name, not a keyword
			}
			return cols, rowid, len(cols) > 0
		}
		words := strings.Fields(strings.ToUpper(rest))
		if len(words) >= 3 && words[0] == "INTEGER" && words[1] == "PRIMARY" && words[2] == "KEY" &&
			(len(words) == 3 || words[3] != "DESC") && rowid < 0 {
			rowid = len(cols)
		}
		cols = append(cols, name)
	}
	return cols, rowid, len(cols) > 0
}

// sqliteSplitDefs splits a column list at the commas outside parentheses
// and quotes.
func sqliteSplitDefs(s string) []string {
	var defs []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '[':
			quote = ']'
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			defs = append(defs, s[start:i])
			start = i + 1
		}
	}
	return append(defs, s[start:])
}

// sqliteIdent reads the identifier at the start of s (bare, or quoted in
// "", “ or []) and returns it with what follows.
func sqliteIdent(s string) (name, rest string, ok bool) {
	if s == "" {
		return "", "", false
	}
	if end := map[byte]byte{'"': '"', '`': '`', '[': ']', '\'': '\''}[s[0]]; end != 0 {
		k := strings.IndexByte(s[1:], end)
		if k < 0 {
			return "", "", false
		}
		return s[1 : 1+k], s[2+k:], true
	}
	k := strings.IndexAny(s, " \t\r\n(")
	if k < 0 {
		return s, "", true
	}
	return s[:k], s[k:], k > 0
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
	return f.rows(root, func(_ int64, rec []byte) error {
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
