package rpm

import (
	"encoding/binary"
	"fmt"
	"io"
)

// The write-ahead log of an SQLite database, after the published format
// (sqlite.org/fileformat2.html, "The Write-Ahead Log"): a 32-byte header
// (magic 0x377f0682 or 0x377f0683, version 3007000, page size, checkpoint
// sequence, two salts, a checksum of its first 24 bytes), then frames of a
// 24-byte header (page number; the database size in pages after a commit,
// else 0; the header's salts; a running checksum over the first 8 bytes of
// each frame header and its page) and one page. A frame counts when its
// salts match and its checksum continues the chain; of those, the frames
// up to the last commit are the database as any reader sees it. This is
// what SQLite's own recovery computes from the log alone, so the -shm
// index is never needed (nor created). rpm leaves a log with content while
// it runs or when it was killed; reading it here keeps the SQLite driver,
// and its megabytes of resident code, out of the check.

const (
	walMagicLE  = 0x377f0682 // checksum words little-endian
	walMagicBE  = 0x377f0683 // checksum words big-endian
	walVersion  = 3007000
	walHeader   = 32
	walFrameHdr = 24
)

// walPages is the database file with the log's committed pages over it.
type walPages struct {
	db       io.ReaderAt
	dbSize   int64
	wal      io.ReaderAt
	pageSize int64
	frames   map[uint32]int64 // page number -> offset of its newest committed copy's data in the log
	size     int64            // the database size after the last commit, in bytes
}

// openWAL reads the log's frames once; with no valid commit in it the
// database file is returned as it is.
func openWAL(db io.ReaderAt, dbSize int64, wal io.ReaderAt, walSize int64) (io.ReaderAt, int64, error) {
	var h [walHeader]byte
	if walSize < walHeader {
		return db, dbSize, nil // a log being created: nothing committed
	}
	if _, err := wal.ReadAt(h[:], 0); err != nil {
		return nil, 0, fmt.Errorf("%w: write-ahead log header: %v", errSQLite, err)
	}
	magic := binary.BigEndian.Uint32(h[0:4])
	var order binary.ByteOrder
	switch magic {
	case walMagicLE:
		order = binary.LittleEndian
	case walMagicBE:
		order = binary.BigEndian
	default:
		return nil, 0, fmt.Errorf("%w: no write-ahead log magic", errSQLite)
	}
	if v := binary.BigEndian.Uint32(h[4:8]); v != walVersion {
		return nil, 0, fmt.Errorf("%w: write-ahead log version %d", errSQLite, v)
	}
	ps := int64(binary.BigEndian.Uint32(h[8:12]))
	if ps == 1 {
		ps = 65536
	}
	if ps < 512 || ps > 65536 || ps&(ps-1) != 0 {
		return nil, 0, fmt.Errorf("%w: write-ahead log page size %d", errSQLite, ps)
	}
	s0, s1 := walChecksum(order, 0, 0, h[:24])
	if s0 != binary.BigEndian.Uint32(h[24:28]) || s1 != binary.BigEndian.Uint32(h[28:32]) {
		return db, dbSize, nil // a header not yet valid: SQLite ignores the log
	}
	salt := h[16:24]
	w := &walPages{db: db, dbSize: dbSize, wal: wal, pageSize: ps, frames: map[uint32]int64{}, size: dbSize}
	pending := map[uint32]int64{}
	frame := make([]byte, walFrameHdr+ps)
	for off := int64(walHeader); off+walFrameHdr+ps <= walSize; off += walFrameHdr + ps {
		if _, err := wal.ReadAt(frame, off); err != nil {
			return nil, 0, fmt.Errorf("%w: write-ahead log frame at byte %d: %v", errSQLite, off, err)
		}
		if string(frame[8:16]) != string(salt) {
			break // a frame of an earlier generation of the log
		}
		c0, c1 := walChecksum(order, s0, s1, frame[:8])
		c0, c1 = walChecksum(order, c0, c1, frame[walFrameHdr:])
		if c0 != binary.BigEndian.Uint32(frame[16:20]) || c1 != binary.BigEndian.Uint32(frame[20:24]) {
			break // a torn write: the chain ends here
		}
		s0, s1 = c0, c1
		pg := binary.BigEndian.Uint32(frame[0:4])
		if pg == 0 {
			break
		}
		pending[pg] = off + walFrameHdr
		if commit := binary.BigEndian.Uint32(frame[4:8]); commit != 0 {
			for p, o := range pending {
				w.frames[p] = o
			}
			clear(pending)
			w.size = int64(commit) * ps
		}
	}
	if len(w.frames) == 0 {
		return db, dbSize, nil
	}
	return w, w.size, nil
}

// walChecksum continues the log's checksum over b (a multiple of 8 bytes).
func walChecksum(order binary.ByteOrder, s0, s1 uint32, b []byte) (uint32, uint32) {
	for i := 0; i+8 <= len(b); i += 8 {
		s0 += order.Uint32(b[i:]) + s1
		s1 += order.Uint32(b[i+4:]) + s0
	}
	return s0, s1
}

// ReadAt reads the database as of the last commit: each page from the log
// when it holds one, else from the file; past the committed size, EOF.
func (w *walPages) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		at := off + int64(n)
		if at >= w.size {
			return n, io.EOF
		}
		pg := uint32(at/w.pageSize) + 1
		in := at % w.pageSize
		chunk := min(int64(len(p)-n), w.pageSize-in, w.size-at)
		var err error
		var k int
		if o, ok := w.frames[pg]; ok {
			k, err = w.wal.ReadAt(p[n:n+int(chunk)], o+in)
		} else if at < w.dbSize {
			k, err = w.db.ReadAt(p[n:n+int(min(chunk, w.dbSize-at))], at)
			if err == io.EOF && k > 0 {
				err = nil
			}
		} else {
			// a page the commit grew the database by but never wrote: zeros
			clear(p[n : n+int(chunk)])
			k = int(chunk)
		}
		n += k
		if err != nil {
			return n, err
		}
		if k == 0 {
			return n, io.ErrUnexpectedEOF
		}
	}
	return n, nil
}
