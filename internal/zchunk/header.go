package zchunk

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

// Flags of the preface.
const (
	flagStreams      = 1 << 0 // chunks carry a stream number
	flagOptional     = 1 << 1 // the preface has optional elements
	flagUncompressed = 1 << 2 // chunks carry the checksum of their content too
	knownFlags       = flagStreams | flagOptional | flagUncompressed
)

// Compression types of the preface.
const (
	compressNone = 0
	compressZstd = 2
)

var magic = []byte("\x00ZCK1")

// header is what the lead, preface, index and signatures say.
type header struct {
	sum         checksum // of the header and of the data
	headerSum   []byte
	dataSum     []byte
	flags       uint64
	compression uint64
	chunkSum    checksum
	dict        entry
	chunks      []entry // the dict not included
	size        int64   // lead and header, as stored
}

// entry is one chunk (or the dict) as the index lists it.
type entry struct {
	stream          uint64
	sum             []byte // of the chunk as stored
	plainSum        []byte // of its content; flagUncompressed only
	length, unpacks uint64
}

// stored says the chunk is kept uncompressed in a file whose chunks carry
// the checksum of their content: its stored checksum is then all zeros.
func (e *entry) stored(flags uint64) bool {
	return flags&flagUncompressed != 0 && allZero(e.sum)
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// formatError is a header that does not follow the format; the reader
// turns it into a located error naming the file.
type formatError struct{ msg string }

func (e *formatError) Error() string { return e.msg }

func malformed(format string, a ...any) error { return &formatError{fmt.Sprintf(format, a...)} }

// readHeader reads the lead and the header that follows it, checks the
// header checksum, and parses the rest from memory. The header is read as
// it arrives, so a size the file does not have costs only what is there.
func readHeader(br *bufio.Reader) (*header, error) {
	var lead bytes.Buffer
	if _, err := io.CopyN(&lead, br, int64(len(magic))); err != nil {
		return nil, shortRead(err, "the lead")
	}
	if !bytes.Equal(lead.Bytes(), magic) {
		return nil, malformed("not a zchunk file (no \\0ZCK1 lead)")
	}
	sumType, err := readInteger(br, &lead)
	if err != nil {
		return nil, err
	}
	h := &header{sum: checksum(sumType)}
	if !h.sum.valid() {
		return nil, malformed("unknown header checksum type %d", sumType)
	}
	size, err := readInteger(br, &lead)
	if err != nil {
		return nil, err
	}
	if size > MaxHeader {
		return nil, malformed("header of %d bytes, more than the %d allowed", size, MaxHeader)
	}
	want := make([]byte, h.sum.size())
	if _, err := io.ReadFull(br, want); err != nil {
		return nil, shortRead(err, "the lead")
	}
	var body bytes.Buffer
	if n, err := io.CopyN(&body, br, int64(size)); err != nil {
		if err == io.EOF {
			return nil, malformed("file ends inside its header (%d of %d bytes): a partial file", n, size)
		}
		return nil, err
	}
	hs := h.sum.new()
	hs.Write(lead.Bytes())
	hs.Write(body.Bytes())
	if !bytes.Equal(h.sum.sum(hs), want) {
		return nil, &checksumError{"header checksum differs"}
	}
	h.headerSum = want
	h.size = int64(lead.Len() + len(want) + body.Len())
	if err := h.parse(&cursor{b: body.Bytes()}); err != nil {
		return nil, err
	}
	return h, nil
}

// readInteger reads one compressed integer from the lead, keeping its bytes.
func readInteger(br *bufio.Reader, keep *bytes.Buffer) (uint64, error) {
	var b [10]byte
	for i := range b {
		c, err := br.ReadByte()
		if err != nil {
			return 0, shortRead(err, "the lead")
		}
		b[i] = c
		if c&0x80 != 0 {
			keep.Write(b[:i+1])
			v, _, err := uvarint(b[:i+1])
			if err != nil {
				return 0, malformed("lead: %v", err)
			}
			return v, nil
		}
	}
	return 0, malformed("lead: %v", errInteger)
}

func shortRead(err error, where string) error {
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return malformed("file ends inside %s: not a whole zchunk file", where)
	}
	return err
}

// parse reads the preface, index and signatures.
func (h *header) parse(c *cursor) error {
	h.dataSum = c.bytes(h.sum.size(), "data checksum")
	h.flags = c.integer("flags")
	if c.err == nil && h.flags&^knownFlags != 0 {
		return malformed("unknown flags %#x", h.flags&^knownFlags)
	}
	h.compression = c.integer("compression type")
	if c.err == nil && h.compression != compressNone && h.compression != compressZstd {
		return malformed("compression type %d is not one this reader knows (none, zstd)", h.compression)
	}
	if h.flags&flagOptional != 0 {
		n := c.integer("optional element count")
		for i := uint64(0); i < n && c.err == nil; i++ {
			c.integer("optional element id")
			c.bytes(c.size("optional element size"), "optional element")
		}
	}
	indexSize := c.size("index size")
	if c.err != nil {
		return c.err
	}
	if indexSize > len(c.b) {
		return malformed("index of %d bytes, past the end of the header", indexSize)
	}
	index := &cursor{b: c.b[:indexSize]}
	c.b = c.b[indexSize:]
	if err := h.parseIndex(index); err != nil {
		return err
	}
	sigs := c.integer("signature count")
	for i := uint64(0); i < sigs && c.err == nil; i++ {
		c.integer("signature type")
		c.bytes(c.size("signature size"), "signature")
	}
	if c.err != nil {
		return c.err
	}
	if len(c.b) != 0 {
		return malformed("%d bytes after the signatures, inside the header", len(c.b))
	}
	return nil
}

func (h *header) parseIndex(c *cursor) error {
	h.chunkSum = checksum(c.integer("chunk checksum type"))
	if c.err == nil && !h.chunkSum.valid() {
		return malformed("unknown chunk checksum type %d", uint64(h.chunkSum))
	}
	count := c.integer("chunk count")
	if c.err != nil {
		return c.err
	}
	// Each entry takes at least its checksum(s) and two integers: a count
	// the index cannot hold is refused before anything is allocated.
	least := h.chunkSum.size() + 2
	if h.flags&flagUncompressed != 0 {
		least += h.chunkSum.size()
	}
	if count == 0 || count > uint64(len(c.b)/least) {
		return malformed("chunk count %d does not fit an index of %d bytes", count, len(c.b))
	}
	h.chunks = make([]entry, 0, count-1)
	for i := uint64(0); i < count; i++ {
		var e entry
		if h.flags&flagStreams != 0 {
			e.stream = c.integer("chunk stream")
		}
		e.sum = c.bytes(h.chunkSum.size(), "chunk checksum")
		if h.flags&flagUncompressed != 0 {
			e.plainSum = c.bytes(h.chunkSum.size(), "uncompressed chunk checksum")
		}
		e.length = c.integer("chunk length")
		e.unpacks = c.integer("uncompressed chunk length")
		if c.err != nil {
			return c.err
		}
		if e.length > MaxChunk {
			return malformed("chunk %d of %d bytes, more than the %d allowed", i, e.length, MaxChunk)
		}
		if i == 0 {
			if e.stream != 0 {
				return malformed("dict in stream %d, not 0", e.stream)
			}
			if e.unpacks > MaxDict {
				return malformed("dict of %d bytes, more than the %d allowed", e.unpacks, MaxDict)
			}
			h.dict = e
			continue
		}
		h.chunks = append(h.chunks, e)
	}
	if len(c.b) != 0 {
		return malformed("%d bytes after the last chunk entry, inside the index", len(c.b))
	}
	return nil
}

// cursor reads the header from memory; the first error sticks and names
// the field that ran past the end.
type cursor struct {
	b   []byte
	err error
}

func (c *cursor) integer(field string) uint64 {
	if c.err != nil {
		return 0
	}
	v, n, err := uvarint(c.b)
	if err != nil {
		c.err = malformed("%s: %v", field, err)
		return 0
	}
	c.b = c.b[n:]
	return v
}

// size is an integer that counts bytes of the header: it must fit in it.
func (c *cursor) size(field string) int {
	v := c.integer(field)
	if c.err == nil && v > uint64(len(c.b)) {
		c.err = malformed("%s %d runs past the end of the header", field, v)
		return 0
	}
	return int(v)
}

func (c *cursor) bytes(n int, field string) []byte {
	if c.err != nil {
		return nil
	}
	if n > len(c.b) {
		c.err = malformed("%s runs past the end of the header", field)
		return nil
	}
	b := c.b[:n:n]
	c.b = c.b[n:]
	return b
}
