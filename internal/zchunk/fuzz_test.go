package zchunk

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// FuzzZchunk: any input ends in content or in a located error naming the
// file; never a panic, a hang or memory the input does not hold. Seeds are
// files zck made (testdata/seed-*.zck: split, no compression, a raw
// dict, the uncompressed-source extension, empty) and testdata/fuzz.
func FuzzZchunk(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/seed-*.zck")
	if len(seeds) == 0 {
		f.Fatal("no seed files")
	}
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("\x00ZCK1"))
	f.Add([]byte("\x00ZCK1\x81\xff\xff\xff\xff\xff\xff\xff\xff\x81"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRead(t, data)
		// Most mutations stop at the header checksum: read each input
		// again with its header checksum made right, to reach the rest.
		if fixed, ok := withHeaderSum(data); ok {
			fuzzRead(t, fixed)
		}
	})
}

func fuzzRead(t *testing.T, data []byte) {
	z, err := NewReader(bytes.NewReader(data), "primary", "fuzz.zck")
	if err == nil {
		_, err = io.Copy(io.Discard, io.LimitReader(z, 1<<20))
		z.Close()
	}
	if err == nil {
		return
	}
	if e, ok := located.As(err); !ok || e.File != "fuzz.zck" {
		t.Fatalf("error %v does not name the file", err)
	}
}

// withHeaderSum is data with the header checksum its lead calls for.
func withHeaderSum(data []byte) ([]byte, bool) {
	if !bytes.HasPrefix(data, magic) {
		return nil, false
	}
	at := len(magic)
	typ, n, err := uvarint(data[at:])
	if err != nil || !checksum(typ).valid() {
		return nil, false
	}
	at += n
	size, n, err := uvarint(data[at:])
	if err != nil {
		return nil, false
	}
	at += n
	c := checksum(typ)
	end := at + c.size()
	if end > len(data) || size > uint64(len(data)-end) {
		return nil, false
	}
	h := c.new()
	h.Write(data[:at])
	h.Write(data[end : end+int(size)])
	out := bytes.Clone(data)
	copy(out[at:end], c.sum(h))
	return out, true
}
