// Package zchunk reads zchunk files (.zck), the chunked compressed format
// Fedora's dnf keeps its primary, updateinfo and modules metadata in when
// zchunk is on: a header (lead, preface, index, signatures) then a zstd
// dictionary and chunks, each compressed on its own with that dictionary.
//
// It is written here because no Go module reads the format: the Go module
// proxy serves none by that name, and the readers that exist are C
// (libzck), Rust and Java. The zstd frames are decoded by
// github.com/klauspost/compress/zstd.
//
// Everything is checked as zchunk defines it: the header checksum, each
// chunk's checksum before it is decompressed, each chunk's length before
// and after, and the data checksum once the last chunk is read. A mismatch
// is a located.Error naming the file. Memory stays at one compressed chunk
// and the dictionary: sizes the header claims are capped (MaxHeader,
// MaxChunk, MaxDict) and buffers grow only as bytes actually arrive, so a
// hostile header costs what the file holds, not what it says.
package zchunk

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/klauspost/compress/zstd"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Caps on what a header may claim. Fedora's largest primary has a header
// of a few MiB (one entry a package), chunks of kilobytes and a dict of
// about 100 KiB; a file made with manual chunking may hold one big chunk.
const (
	MaxHeader = 64 << 20  // lead excluded
	MaxChunk  = 256 << 20 // one chunk as stored, held in memory to check it
	MaxDict   = 64 << 20  // the dictionary unpacked, held while reading
)

// maxWindow bounds the zstd decoder's window (zstd's own default cap).
const maxWindow = 128 << 20

// zstdDictMagic opens a dictionary in zstd's own format (entropy tables
// and an id); anything else is raw content, as libzstd decides too.
const zstdDictMagic = 0xEC30A437

// Reader streams the content of a zchunk file: the chunks of stream 1 (all
// chunks when the file has no streams), decompressed, in order.
type Reader struct {
	br   *bufio.Reader
	kind string
	file string
	h    *header
	dec  *zstd.Decoder // chunks; nil for compression none

	data  hash.Hash // everything after the header
	next  int       // index of the next chunk in h.chunks
	cur   io.Reader // content of the chunk being read
	left  uint64    // bytes of cur still due
	plain hash.Hash // content checksum of cur, flagUncompressed only
	chunk bytes.Buffer
	err   error
}

// NewReader reads the header and dictionary of the zchunk file r. kind and
// file name the file in errors ("primary", its path).
func NewReader(r io.Reader, kind, file string) (*Reader, error) {
	z := &Reader{br: bufio.NewReaderSize(r, 64<<10), kind: kind, file: file}
	h, err := readHeader(z.br)
	if err != nil {
		return nil, z.fail(err)
	}
	z.h = h
	z.data = h.sum.new()
	if err := z.readDict(); err != nil {
		z.Close()
		return nil, z.fail(err)
	}
	return z, nil
}

// HeaderChecksum is the file's header checksum (already checked against
// the header) and its type as repomd.xml names it: sha1, sha256, sha512 or
// sha512_128. repomd.xml lists it as a zchunk file's header-checksum.
func (z *Reader) HeaderChecksum() (typ string, sum []byte) {
	return z.h.sum.name(), z.h.headerSum
}

// readDict reads the dictionary and makes the chunks' decoder with it.
func (z *Reader) readDict() error {
	if z.h.compression == compressNone {
		if err := z.readChunk(z.h.dict, -1); err != nil {
			return err
		}
		return nil
	}
	var dict []byte
	if z.h.dict.length > 0 {
		if err := z.readChunk(z.h.dict, -1); err != nil {
			return err
		}
		plain, err := zstd.NewReader(bytes.NewReader(z.chunk.Bytes()), zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(maxWindow))
		if err != nil {
			return err
		}
		var b bytes.Buffer
		_, err = io.Copy(&b, io.LimitReader(plain, int64(z.h.dict.unpacks)+1))
		plain.Close()
		if err != nil {
			return malformed("the dict is not zstd data")
		}
		if uint64(b.Len()) != z.h.dict.unpacks {
			return malformed("the dict unpacks to %d bytes, the index says %d", b.Len(), z.h.dict.unpacks)
		}
		dict = b.Bytes()
	}
	opts := []zstd.DOption{zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true), zstd.WithDecoderMaxWindow(maxWindow)}
	switch {
	case len(dict) >= 8 && binary.LittleEndian.Uint32(dict) == zstdDictMagic:
		opts = append(opts, zstd.WithDecoderDicts(dict))
	case len(dict) > 0:
		opts = append(opts, zstd.WithDecoderDictRaw(0, dict))
	}
	dec, err := zstd.NewReader(nil, opts...)
	if err != nil {
		return malformed("the dict is not a usable zstd dictionary")
	}
	z.dec = dec
	return nil
}

// chunkName names chunk i (-1: the dict) in errors.
func (z *Reader) chunkName(i int) string {
	if i < 0 {
		return "the dict"
	}
	return fmt.Sprintf("chunk %d of %d", i+1, len(z.h.chunks))
}

// readChunk reads chunk i (-1: the dict) as stored into z.chunk and checks
// its checksum.
func (z *Reader) readChunk(e entry, i int) error {
	z.chunk.Reset()
	n, err := io.CopyN(&z.chunk, io.TeeReader(z.br, z.data), int64(e.length))
	if err == io.EOF {
		return malformed("file ends inside %s (%d of %d bytes): a partial file", z.chunkName(i), n, e.length)
	}
	if err != nil {
		return err
	}
	if e.length == 0 && allZero(e.sum) || e.stored(z.h.flags) {
		return nil
	}
	s := z.h.chunkSum.new()
	s.Write(z.chunk.Bytes())
	if !bytes.Equal(z.h.chunkSum.sum(s), e.sum) {
		return &checksumError{fmt.Sprintf("%s: %s checksum differs", z.chunkName(i), z.h.chunkSum)}
	}
	return nil
}

func (z *Reader) Read(p []byte) (int, error) {
	if z.err != nil {
		return 0, z.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	for empty := 0; ; {
		if z.cur != nil {
			n, err := z.readCurrent(p)
			if n > 0 || err != nil {
				if err != nil {
					z.err = z.fail(err)
					return n, z.err
				}
				return n, nil
			}
			if empty++; empty > 100 && z.cur != nil {
				z.err = z.fail(malformed("%s: the decoder makes no progress", z.chunkName(z.next-1)))
				return 0, z.err
			}
			continue
		}
		if z.next == len(z.h.chunks) {
			z.err = z.end()
			return 0, z.err
		}
		if err := z.openChunk(); err != nil {
			z.err = z.fail(err)
			return 0, z.err
		}
	}
}

// openChunk reads and checks the next chunk and starts decoding it.
func (z *Reader) openChunk() error {
	i := z.next
	e := z.h.chunks[i]
	z.next++
	if err := z.readChunk(e, i); err != nil {
		return err
	}
	if z.h.flags&flagStreams != 0 && e.stream != 1 {
		return nil // another stream: checked, not part of the content
	}
	z.left = e.unpacks
	z.plain = nil
	if e.plainSum != nil {
		z.plain = z.h.chunkSum.new()
	}
	if z.h.compression == compressNone || e.stored(z.h.flags) {
		if e.length != e.unpacks {
			return malformed("%s is stored uncompressed in %d bytes, the index says %d", z.chunkName(i), e.length, e.unpacks)
		}
		z.cur = bytes.NewReader(z.chunk.Bytes())
		return nil
	}
	if e.length == 0 {
		if e.unpacks != 0 {
			return malformed("%s is empty, the index says it unpacks to %d bytes", z.chunkName(i), e.unpacks)
		}
		return z.closeChunk()
	}
	if err := z.dec.Reset(bytes.NewReader(z.chunk.Bytes())); err != nil {
		return malformed("%s is not zstd data", z.chunkName(i))
	}
	z.cur = z.dec
	return nil
}

// readCurrent reads the chunk being decoded, never more than the index
// says it holds.
func (z *Reader) readCurrent(p []byte) (int, error) {
	if z.left == 0 {
		var one [1]byte
		if n, _ := io.ReadFull(z.cur, one[:]); n > 0 {
			return 0, malformed("%s unpacks to more bytes than the index says", z.chunkName(z.next-1))
		}
		return 0, z.closeChunk()
	}
	if uint64(len(p)) > z.left {
		p = p[:z.left]
	}
	n, err := z.cur.Read(p)
	z.left -= uint64(n)
	if z.plain != nil {
		z.plain.Write(p[:n])
	}
	switch {
	case err == io.EOF && z.left > 0:
		return n, malformed("%s unpacks to fewer bytes than the index says", z.chunkName(z.next-1))
	case err != nil && err != io.EOF:
		return n, malformed("%s is not zstd data", z.chunkName(z.next-1))
	}
	return n, nil
}

// closeChunk ends a chunk, checking its content checksum when it has one.
func (z *Reader) closeChunk() error {
	z.cur = nil
	if z.plain != nil {
		e := z.h.chunks[z.next-1]
		if !bytes.Equal(z.h.chunkSum.sum(z.plain), e.plainSum) {
			return &checksumError{fmt.Sprintf("%s: %s checksum of its content differs", z.chunkName(z.next-1), z.h.chunkSum)}
		}
	}
	return nil
}

// end checks the data checksum. Bytes after the last chunk are left
// unread, as libzck leaves them (zck_read_header --verify passes such a
// file); a caller that checks the whole file's checksum still sees them.
func (z *Reader) end() error {
	// A file made to be applied against uncompressed data has no data
	// checksum to check: zchunk says it must not be checked.
	if z.h.flags&flagUncompressed == 0 && !bytes.Equal(z.h.sum.sum(z.data), z.h.dataSum) {
		return z.fail(&checksumError{"data checksum differs"})
	}
	return io.EOF
}

// Close releases the decoder; it does not close the file.
func (z *Reader) Close() error {
	if z.dec != nil {
		z.dec.Close()
		z.dec = nil
	}
	if z.err == nil {
		z.err = errors.New("zchunk reader closed")
	}
	return nil
}

// checksumError is a checksum that differs: a corrupt or partial file.
type checksumError struct{ msg string }

func (e *checksumError) Error() string { return e.msg }

// ErrChecksum is wrapped by the error of a checksum that differs.
var ErrChecksum = errors.New("zchunk checksum differs")

func (e *checksumError) Unwrap() error { return ErrChecksum }

// fail names the file: errors of the file's own reader pass unchanged.
func (z *Reader) fail(err error) error {
	if err == io.EOF {
		return err
	}
	if _, ok := located.As(err); ok {
		return err
	}
	var ce *checksumError
	var fe *formatError
	switch {
	case errors.As(err, &ce):
		return &located.Error{Kind: z.kind, File: z.file, Msg: "zchunk " + ce.msg + " (a corrupt or partial file)", Err: err}
	case errors.As(err, &fe):
		return &located.Error{Kind: z.kind, File: z.file, Msg: "zchunk: " + fe.msg, Err: err}
	}
	return &located.Error{Kind: z.kind, File: z.file, Msg: "zchunk: " + err.Error(), Err: err}
}
