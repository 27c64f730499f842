package advisory

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	kflate "github.com/klauspost/compress/flate"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Limits. The Debian tracker's JSON is some 50–70 MB and grows; an OSV
// record is a few KB (a kernel USN some 100 KB); Ubuntu's and Debian's OSV
// archives hold a few hundred thousand records.
var (
	FeedLimit   = located.Limit{Kind: "advisory feed", Bytes: 512 << 20}
	RecordLimit = located.Limit{Kind: "advisory feed", Bytes: 16 << 20}
	// ZipLimit bounds a zip archive's own size; each entry is bounded by
	// RecordLimit as it is inflated.
	ZipLimit   = located.Limit{Kind: "advisory feed", Bytes: 2 << 30}
	MaxEntries = 1_000_000 // files in a directory or zip
)

const kind = "advisory feed"

// Glob expands a policy pattern; a pattern that matches nothing is an
// error, so a feed that went missing is not read as "no advisories".
func Glob(pattern string) ([]string, error) {
	m, err := filepath.Glob(pattern)
	if err != nil {
		return nil, &located.Error{Kind: kind, File: pattern, Msg: "not a valid glob", Err: err}
	}
	if len(m) == 0 {
		return nil, &located.Error{Kind: kind, File: pattern, Msg: "no such file (the pattern matches nothing)", Err: fs.ErrNotExist}
	}
	return m, nil
}

// Read reads feed files and directories for the host: each entry keeps
// only the host's release and installed packages.
func Read(paths []string, h Host) (*Set, error) {
	set := &Set{}
	w := wantedOf(h)
	for _, p := range paths {
		if err := readPath(set, p, h, w); err != nil {
			return nil, err
		}
	}
	return set, nil
}

func readPath(set *Set, path string, h Host, w wanted) error {
	st, err := os.Stat(path)
	if err == nil && st.IsDir() {
		return readDir(set, path, h, w)
	}
	r, err := located.Open(path, FeedLimit)
	if err != nil {
		return err
	}
	defer r.Close()
	br := bufio.NewReaderSize(r, 256<<10)
	head, _ := br.Peek(4)
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return readZip(set, r.File(), path, h, w)
	}
	f := File{Path: path}
	if st, err := r.File().Stat(); err == nil {
		f.Modified = st.ModTime()
	}
	err = readJSON(br, &f, h, w, set)
	if err != nil {
		return locate(path, path, err)
	}
	set.Files = append(set.Files, f)
	return nil
}

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

// stream is a json.Decoder that remembers where its last read began:
// encoding/json's own SyntaxError offsets count only the bytes Decode
// scanned, not those Token consumed, so they are not file offsets.
type stream struct {
	*json.Decoder
	start int64
}

func (s *stream) Token() (json.Token, error) {
	s.start = s.InputOffset()
	return s.Decoder.Token()
}

func (s *stream) Decode(v any) error {
	s.start = s.InputOffset()
	return s.Decoder.Decode(v)
}

// feedError is a problem at a byte offset of the feed being decoded.
// rescan: the offset is where the failed read began; the exact place is
// found again in the file (on the error path only).
type feedError struct {
	offset int64
	key    string
	msg    string
	rescan bool
	line   int // known already (the tracker scanner counts lines)
}

func (e *feedError) Error() string { return fmt.Sprintf("offset %d: %s", e.offset, e.msg) }

// locate turns a decoding problem into a located.Error naming the file,
// the line (counted again in the file, on the error path only) and the
// byte offset. JSON's own messages quote the offending byte: not repeated.
func locate(name, countIn string, err error) error {
	var open func() (io.ReadCloser, error)
	if countIn != "" {
		open = func() (io.ReadCloser, error) { return located.Open(countIn, FeedLimit) }
	}
	return locateIn(name, open, err)
}

// locateIn is locate with the input given by an opener (nil: none).
func locateIn(name string, open func() (io.ReadCloser, error), err error) error {
	if _, ok := located.As(err); ok {
		return err
	}
	var fe *feedError
	if !errors.As(err, &fe) {
		return &located.Error{Kind: kind, File: name, Msg: "unreadable", Err: err}
	}
	line := fe.line
	if line == 0 && open != nil {
		if fe.rescan {
			fe.offset = errorOffset(open, fe.offset)
		}
		line = lineAt(open, fe.offset)
	}
	return &located.Error{Kind: kind, File: name, Line: line, Key: fe.key, Msg: fmt.Sprintf("%s (byte offset %d)", fe.msg, fe.offset), Err: err}
}

// errorOffset finds the offset of a syntax error in the value that begins
// at start (after separators): a fresh decoder reads that one value, so its
// count starts there.
func errorOffset(open func() (io.ReadCloser, error), start int64) int64 {
	r, err := open()
	if err != nil {
		return start
	}
	defer r.Close()
	if _, err := io.CopyN(io.Discard, r, start); err != nil {
		return start
	}
	br := bufio.NewReader(r)
	skipped := int64(0)
	for {
		c, err := br.ReadByte()
		if err != nil {
			return start + skipped
		}
		if !strings.ContainsRune(" \t\r\n:,", rune(c)) {
			br.UnreadByte()
			break
		}
		skipped++
	}
	var v any
	var se *json.SyntaxError
	if err := json.NewDecoder(br).Decode(&v); errors.As(err, &se) && se.Offset > 0 {
		return start + skipped + se.Offset - 1
	}
	return start + skipped
}

// lineAt counts the lines before offset.
func lineAt(open func() (io.ReadCloser, error), offset int64) int {
	r, err := open()
	if err != nil {
		return 0
	}
	defer r.Close()
	buf := make([]byte, 64<<10)
	line, read := 1, int64(0)
	for read < offset {
		n, err := r.Read(buf[:min(int64(len(buf)), offset-read)])
		line += bytes.Count(buf[:n], []byte{'\n'})
		read += int64(n)
		if err != nil {
			break
		}
	}
	return line
}

// osvKeys are OSV's top-level fields: a first key among them says the
// object is an OSV record, anything else a tracker source package.
var osvKeys = map[string]bool{"schema_version": true, "id": true, "modified": true, "published": true, "withdrawn": true,
	"aliases": true, "upstream": true, "related": true, "summary": true, "details": true, "severity": true,
	"affected": true, "references": true, "credits": true, "database_specific": true}

// readJSON detects the format from the first bytes and streams the rest:
// an array is OSV records, an object whose first key is an OSV field one
// OSV record, any other object the Debian tracker.
func readJSON(r io.Reader, f *File, h Host, w wanted, set *Set) error {
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < 4096 {
		br = bufio.NewReaderSize(r, 4096)
	}
	first, key, err := peekStart(br)
	if err != nil {
		return err
	}
	if first == '{' && !osvKeys[key] {
		f.Format = "debian-tracker"
		return readTrackerScan(br, f, h, w, set)
	}
	f.Format = "osv"
	dec := &stream{Decoder: json.NewDecoder(br)}
	if _, err := dec.Token(); err != nil {
		return syntaxError(dec, err, "")
	}
	if first == '[' {
		for dec.More() {
			if err := readOSVRecord(dec, f, h, w, set, ""); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil {
			return syntaxError(dec, err, "")
		}
	} else {
		key, err := objectKey(dec)
		if err != nil {
			return err
		}
		if err := readOSVFields(dec, key, f, h, w, set); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &feedError{offset: dec.InputOffset(), msg: "data after the JSON value"}
	}
	return nil
}

// peekStart looks at the first byte that is not whitespace and, for an
// object, its first key, without consuming anything.
func peekStart(br *bufio.Reader) (byte, string, error) {
	head, err := br.Peek(4096)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		if _, ok := located.As(err); ok {
			return 0, "", err
		}
	}
	return peekHead(head)
}

// peekHead is peekStart on the first bytes of the input.
func peekHead(head []byte) (byte, string, error) {
	i := skipSpace(head, 0)
	if i == len(head) {
		return 0, "", &feedError{offset: int64(i), msg: "empty: not a feed"}
	}
	switch head[i] {
	case '[':
		return '[', "", nil
	case '{':
	default:
		return 0, "", &feedError{offset: int64(i), msg: "not a feed: want a JSON object (Debian tracker, OSV record) or array (OSV records)"}
	}
	j := skipSpace(head, i+1)
	if j < len(head) && head[j] == '}' {
		return 0, "", &feedError{offset: int64(j), msg: "an empty JSON object: neither a tracker feed nor an OSV record"}
	}
	if j == len(head) || head[j] != '"' {
		return '{', "", nil // the tracker scanner or the decoder says what is wrong
	}
	end := bytes.IndexByte(head[j+1:], '"')
	if end < 0 {
		return '{', "", nil
	}
	return '{', string(head[j+1 : j+1+end]), nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

func objectKey(dec *stream) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", syntaxError(dec, err, "")
	}
	k, ok := tok.(string)
	if !ok {
		return "", &feedError{offset: dec.InputOffset(), msg: "want an object key"}
	}
	return k, nil
}

// syntaxError words a decoding error without quoting the input.
func syntaxError(dec *stream, err error, key string) error {
	if _, ok := located.As(err); ok {
		return err
	}
	off := dec.InputOffset()
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &feedError{offset: dec.start, key: key, msg: "not valid JSON", rescan: true}
	case errors.As(err, &te):
		return &feedError{offset: dec.start, key: joinKey(key, te.Field), msg: "want a JSON " + jsonKind(te.Type.Kind().String()) + ", not a " + te.Value, rescan: true}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &feedError{offset: off, key: key, msg: "the JSON ends early (truncated download?)"}
	}
	return &feedError{offset: off, key: key, msg: "unreadable JSON"}
}

func jsonKind(k string) string {
	switch k {
	case "map", "struct":
		return "object"
	case "slice":
		return "array"
	}
	return k
}

func joinKey(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "." + b
}

// keyName is a feed key fit to be named in a message.
func keyName(s string) string {
	if len(s) > 80 || strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+-._:~", r))
	}) {
		return "?"
	}
	return s
}

func sortVulns(set *Set) {
	for _, vs := range set.byPackage {
		sort.SliceStable(vs, func(i, j int) bool { return vs[i].ID < vs[j].ID })
	}
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
