package zchunk

import (
	"bytes"
	"crypto/sha256"
	"io"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

func TestUvarint(t *testing.T) {
	cases := []struct {
		in   []byte
		want uint64
		n    int
		bad  bool
	}{
		{[]byte{0x80}, 0, 1, false},
		{[]byte{0x81}, 1, 1, false},
		{[]byte{0xff}, 127, 1, false},
		{[]byte{0x00, 0x81}, 128, 2, false},
		{[]byte{0x4a, 0x80}, 74, 2, false}, // a redundant zero byte
		{[]byte{0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x81}, 1<<64 - 1, 10, false},
		{[]byte{0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x82}, 0, 0, true}, // 65 bits
		{[]byte{0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x81}, 0, 0, true},
		{[]byte{0x01}, 0, 0, true}, // cut short
		{nil, 0, 0, true},
	}
	for _, c := range cases {
		v, n, err := uvarint(c.in)
		if (err != nil) != c.bad || !c.bad && (v != c.want || n != c.n) {
			t.Errorf("uvarint(% x) = %d, %d, %v; want %d, %d, bad %v", c.in, v, n, err, c.want, c.n, c.bad)
		}
	}
}

// putInt appends a compressed integer.
func putInt(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v&0x7f))
		v >>= 7
	}
	return append(b, byte(v)|0x80)
}

// testChunk is one chunk of a hand-made file, stored uncompressed.
type testChunk struct {
	stream uint64
	data   string
}

// build writes a zchunk file by the format's definition, for what zck
// cannot make: streams, optional elements, unknown flags. Checksums are
// SHA-256 throughout; compression is none unless compression says.
func build(flags, compression uint64, optional [][]byte, chunks []testChunk, edit func(index []byte) []byte) []byte {
	var body []byte
	var index []byte
	index = putInt(index, uint64(sumSHA256))
	index = putInt(index, uint64(len(chunks)+1))
	if flags&flagStreams != 0 {
		index = putInt(index, 0)
	}
	index = append(index, make([]byte, 32)...) // no dict
	index = putInt(index, 0)
	index = putInt(index, 0)
	for _, c := range chunks {
		if flags&flagStreams != 0 {
			index = putInt(index, c.stream)
		}
		s := sha256.Sum256([]byte(c.data))
		index = append(index, s[:]...)
		index = putInt(index, uint64(len(c.data)))
		index = putInt(index, uint64(len(c.data)))
		body = append(body, c.data...)
	}
	if edit != nil {
		index = edit(index)
	}
	data := sha256.Sum256(body)
	var h []byte
	h = append(h, data[:]...)
	h = putInt(h, flags)
	h = putInt(h, compression)
	if flags&flagOptional != 0 {
		h = putInt(h, uint64(len(optional)))
		for i, o := range optional {
			h = putInt(h, uint64(i+7))
			h = putInt(h, uint64(len(o)))
			h = append(h, o...)
		}
	}
	h = putInt(h, uint64(len(index)))
	h = append(h, index...)
	h = putInt(h, 1) // one signature, of a type nobody knows
	h = putInt(h, 9)
	h = putInt(h, 3)
	h = append(h, "sig"...)
	lead := append([]byte(nil), magic...)
	lead = putInt(lead, uint64(sumSHA256))
	lead = putInt(lead, uint64(len(h)))
	hs := sha256.New()
	hs.Write(lead)
	hs.Write(h)
	out := append(lead, hs.Sum(nil)...)
	out = append(out, h...)
	return append(out, body...)
}

func readAll(b []byte) (string, error) {
	z, err := NewReader(bytes.NewReader(b), "primary", "made.zck")
	if err != nil {
		return "", err
	}
	defer z.Close()
	out, err := io.ReadAll(z)
	return string(out), err
}

// TestHandMade covers what the reference tools cannot make.
func TestHandMade(t *testing.T) {
	streams := []testChunk{{1, "<metadata>"}, {2, "SECOND STREAM"}, {1, "<package/>"}, {1, "</metadata>\n"}}
	plain := []testChunk{{0, "<metadata>"}, {0, "<package/></metadata>\n"}}
	huge := func(index []byte) []byte {
		// chunk count far beyond what the index holds
		return append(putInt(putInt(nil, uint64(sumSHA256)), 1<<40), index[2:]...)
	}
	cases := []struct {
		name string
		file []byte
		want string
		err  string
	}{
		{"streams: stream 1 only", build(flagStreams, compressNone, nil, streams, nil), "<metadata><package/></metadata>\n", ""},
		{"optional elements skipped", build(flagOptional, compressNone, [][]byte{[]byte("opt"), nil}, plain, nil), "<metadata><package/></metadata>\n", ""},
		{"streams and optional elements", build(flagStreams|flagOptional, compressNone, [][]byte{[]byte("x")}, streams, nil), "<metadata><package/></metadata>\n", ""},
		{"unknown flag", build(1<<3, compressNone, nil, plain, nil), "", "unknown flags 0x8"},
		{"unknown compression", build(0, 1, nil, plain, nil), "", "compression type 1"},
		{"chunk count beyond the index", build(0, compressNone, nil, plain, huge), "", "chunk count"},
		{"index longer than its entries", build(0, compressNone, nil, plain, func(i []byte) []byte { return append(i, 0x80) }), "", "after the last chunk entry"},
		{"dict in a stream", build(flagStreams, compressNone, nil, streams, func(i []byte) []byte { i[2] = 0x81; return i }), "", "dict in stream 1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := readAll(c.file)
			if c.err == "" {
				if err != nil || got != c.want {
					t.Fatalf("read %q, %v; want %q", got, err, c.want)
				}
				return
			}
			e, ok := located.As(err)
			if !ok || e.File != "made.zck" || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("error %v, want one naming made.zck: %s", err, c.err)
			}
		})
	}
}

// TestHostileSizes: sizes a header claims are capped before anything is
// allocated, and a claim past the file's end costs only what is there.
func TestHostileSizes(t *testing.T) {
	lead := func(size uint64) []byte {
		b := append([]byte(nil), magic...)
		b = putInt(b, uint64(sumSHA256))
		b = putInt(b, size)
		return append(b, make([]byte, 32)...)
	}
	cases := []struct {
		name string
		file []byte
		err  string
	}{
		{"header over the cap", lead(MaxHeader + 1), "more than the"},
		{"header past the end of the file", append(lead(MaxHeader), 1, 2, 3), "ends inside its header"},
		{"integer of 65 bits", append(append([]byte(nil), magic...), 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x7f, 0x81), "compressed integer"},
		{"unknown checksum type", append(append([]byte(nil), magic...), 0x85), "checksum type 5"},
		{"not zchunk", []byte("<?xml version=\"1.0\"?>"), "not a zchunk file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := readAll(c.file)
			if e, ok := located.As(err); !ok || e.File != "made.zck" || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("error %v, want %q", err, c.err)
			}
			if strings.Contains(err.Error(), "xml version") {
				t.Fatalf("error quotes the file: %v", err)
			}
		})
	}
	// A chunk of a hand-made file says it is longer than the file: the
	// read ends at the file's end with an error, having held only that.
	f := build(0, compressNone, nil, []testChunk{{0, "abc"}}, func(i []byte) []byte {
		// length and unpacked length of the one chunk, rewritten to MaxChunk
		end := i[:len(i)-2]
		return putInt(putInt(end, MaxChunk), MaxChunk)
	})
	if _, err := readAll(f); err == nil || !strings.Contains(err.Error(), "file ends inside chunk 1 of 1") {
		t.Fatalf("error %v", err)
	}
	if _, err := readAll(build(0, compressNone, nil, []testChunk{{0, "abc"}}, func(i []byte) []byte {
		return putInt(putInt(i[:len(i)-2], MaxChunk+1), 3)
	})); err == nil || !strings.Contains(err.Error(), "more than the") {
		t.Fatalf("error %v", err)
	}
}
