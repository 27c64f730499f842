package advisory

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

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
			if err := readOSVRecord(dec, f, h, w, set); err != nil {
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

func sortVulns(set *Set) {
	for _, vs := range set.byPackage {
		sort.SliceStable(vs, func(i, j int) bool { return vs[i].ID < vs[j].ID })
	}
}
