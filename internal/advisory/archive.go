package advisory

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	kflate "github.com/klauspost/compress/flate"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// readDir reads every *.json below dir (Ubuntu's osv/cve/YYYY/ layout),
// in name order.
func readDir(set *Set, dir string, h Host, w wanted) error {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return &located.Error{Kind: kind, File: p, Err: err, Msg: "unreadable"}
		}
		if !d.IsDir() && strings.HasSuffix(p, ".json") && d.Type().IsRegular() {
			if files = append(files, p); len(files) > MaxEntries {
				return &located.Error{Kind: kind, File: dir, Msg: fmt.Sprintf("more than %d .json files", MaxEntries)}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return &located.Error{Kind: kind, File: dir, Msg: "no .json files in the directory"}
	}
	f := File{Path: dir, Format: "osv"}
	if st, err := os.Stat(dir); err == nil {
		f.Modified = st.ModTime()
	}
	rr := records{set: set, h: h, w: w, f: &f, what: "a directory"}
	for _, p := range files {
		r, err := located.Open(p, RecordLimit)
		if err != nil {
			return err
		}
		if st, err := r.File().Stat(); err == nil && st.ModTime().After(f.Modified) {
			f.Modified = st.ModTime()
		}
		err = rr.read(p, r)
		r.Close()
		if err != nil {
			return err
		}
	}
	set.Files = append(set.Files, f)
	return nil
}

func readZip(set *Set, file *os.File, path string, h Host, w wanted) error {
	st, err := file.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return &located.Error{Kind: kind, File: path, Msg: "a zip feed must be a regular file"}
	}
	if st.Size() > ZipLimit.Bytes {
		return &located.Error{Kind: kind, File: path, Msg: fmt.Sprintf("larger than the %d MiB limit for zip feeds", ZipLimit.Bytes>>20), Err: located.ErrTooLarge}
	}
	zr, err := zip.NewReader(file, st.Size())
	if err != nil {
		return &located.Error{Kind: kind, File: path, Msg: "not a readable zip archive", Err: err}
	}
	// klauspost's inflate is about twice the standard library's, and
	// inflating is most of reading an archive of small records.
	zr.RegisterDecompressor(zip.Deflate, inflater)
	if len(zr.File) > MaxEntries {
		return &located.Error{Kind: kind, File: path, Msg: fmt.Sprintf("more than %d entries", MaxEntries)}
	}
	f := File{Path: path, Format: "osv", Modified: st.ModTime()}
	rr := records{set: set, h: h, w: w, f: &f, what: "a zip"}
	for _, e := range zr.File {
		if !strings.HasSuffix(e.Name, ".json") || e.FileInfo().IsDir() {
			continue
		}
		name := path + "!" + safeName(e.Name)
		rc, err := e.Open()
		if err != nil {
			return &located.Error{Kind: kind, File: name, Msg: "unreadable zip entry", Err: err}
		}
		err = rr.read(name, &limited{r: rc, left: RecordLimit.Bytes, name: name})
		rc.Close()
		if err != nil {
			return err
		}
	}
	set.Files = append(set.Files, f)
	return nil
}

// safeName keeps a zip entry name printable for messages.
func safeName(s string) string {
	if len(s) > 200 || strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '|' }) {
		return "?"
	}
	return s
}

// limited fails past the limit as it reads (an entry's header may lie).
type limited struct {
	r    io.Reader
	left int64
	name string
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, l.err()
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	if l.left -= int64(n); l.left < 0 {
		return n, l.err()
	}
	return n, err
}

func (l *limited) err() error {
	return &located.Error{Kind: kind, File: l.name, Msg: fmt.Sprintf("larger than the %d MiB limit for feed records", RecordLimit.Bytes>>20), Err: located.ErrTooLarge}
}

// records reads the small record files of a directory or zip into one
// reused buffer; a record that names no installed package is checked to
// be JSON and an OSV record, and not decoded (most of an archive).
type records struct {
	buf  bytes.Buffer
	set  *Set
	h    Host
	w    wanted
	f    *File
	what string
}

func (rr *records) read(name string, r io.Reader) error {
	rr.buf.Reset()
	if _, err := rr.buf.ReadFrom(r); err != nil {
		if _, ok := located.As(err); ok {
			return err
		}
		return &located.Error{Kind: kind, File: name, Msg: "unreadable", Err: err}
	}
	data := rr.buf.Bytes()
	notOSV := &located.Error{Kind: kind, File: name, Msg: "not an OSV record (" + rr.what + " holds OSV records only)"}
	if !mayConcern(data, rr.w) && json.Valid(data) {
		first, key, err := peekHead(data[:min(len(data), 4096)])
		if err != nil || first == '{' && !osvKeys[key] {
			return notOSV
		}
		return nil
	}
	one := File{Path: name}
	open := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	if err := readJSON(bytes.NewReader(data), &one, rr.h, rr.w, rr.set); err != nil {
		return locateIn(name, open, err)
	}
	if one.Format != "osv" {
		return notOSV
	}
	rr.f.Records += one.Records
	return nil
}

// mayConcern reports whether a record may name an installed package: a
// "name" key whose string value is installed, or escaped (then only
// decoding tells).
func mayConcern(data []byte, w wanted) bool {
	key := []byte(`"name"`)
	for i := 0; ; {
		j := bytes.Index(data[i:], key)
		if j < 0 {
			return false
		}
		k := skipSpace(data, i+j+len(key))
		i = i + j + len(key)
		if k >= len(data) || data[k] != ':' {
			continue
		}
		k = skipSpace(data, k+1)
		if k >= len(data) || data[k] != '"' {
			continue
		}
		end := bytes.IndexByte(data[k+1:], '"')
		if end < 0 {
			return true
		}
		v := data[k+1 : k+1+end]
		if bytes.IndexByte(v, '\\') >= 0 || w[string(v)] {
			return true
		}
	}
}

// inflaters keeps klauspost inflaters (32 KB of window each) for the next
// zip entry, as archive/zip does with its own.
var inflaters sync.Pool

// inflaterState is one pooled inflater with the buffered reader it reads
// through (klauspost would allocate one per entry otherwise).
type inflaterState struct {
	br *bufio.Reader
	fr io.ReadCloser
}

func inflater(r io.Reader) io.ReadCloser {
	if st, ok := inflaters.Get().(*inflaterState); ok {
		st.br.Reset(r)
		if err := st.fr.(kflate.Resetter).Reset(st.br, nil); err == nil {
			return &pooledInflater{ReadCloser: st.fr, state: st}
		}
	}
	st := &inflaterState{br: bufio.NewReaderSize(r, 16<<10)}
	st.fr = kflate.NewReader(st.br)
	return &pooledInflater{ReadCloser: st.fr, state: st}
}

type pooledInflater struct {
	io.ReadCloser
	state *inflaterState
}

func (p *pooledInflater) Close() error {
	if p.ReadCloser == nil {
		return nil
	}
	err := p.ReadCloser.Close()
	p.state.br.Reset(nil)
	inflaters.Put(p.state)
	p.ReadCloser = nil
	return err
}

func (p *pooledInflater) Read(b []byte) (int, error) {
	if p.ReadCloser == nil {
		return 0, io.ErrClosedPipe
	}
	return p.ReadCloser.Read(b)
}
