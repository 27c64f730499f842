package rpm

import (
	"compress/bzip2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

const (
	repomdKind  = "repomd.xml"
	maxRepomd   = 16 << 20
	maxMetadata = 1 << 30 // one compressed primary/updateinfo/modules file
	maxUnpacked = 8 << 30 // the same file decompressed
)

// cacheDirName is libdnf's name for a repo's cache folder: the id, a dash
// and the first 16 hex digits of the SHA-256 of the metalink, else the
// mirrorlist, else the first baseurl, else the id itself. A folder left by
// an earlier URL has another name and is not this repo's cache.
func cacheDirName(r Repo) string {
	src := r.Metalink
	if src == "" {
		src = r.Mirrorlist
	}
	if src == "" && len(r.BaseURL) > 0 {
		src = r.BaseURL[0]
	}
	if src == "" {
		src = r.ID
	}
	sum := sha256.Sum256([]byte(src))
	return r.ID + "-" + hex.EncodeToString(sum[:])[:16]
}

// Repomd is what a repo's repomd.xml says about its metadata files.
type Repomd struct {
	Path     string
	Revision string
	Data     map[string]RepomdData // by type: primary, updateinfo, modules, ...
}

// RepomdData is one metadata file of a repo.
type RepomdData struct {
	Href      string
	Timestamp time.Time
	// Checksum of the file as stored (compressed): ChecksumType is sha256,
	// sha512, sha1 ("sha") or another name repomd.xml gives.
	ChecksumType, Checksum string
	// OpenChecksum and OpenSize (0: not given) describe the file decompressed;
	// DatabaseVersion is the schema version of a SQLite form (primary_db).
	OpenChecksumType, OpenChecksum string
	OpenSize                       int64
	DatabaseVersion                string
	// HeaderChecksum is a zchunk file's header checksum (the _zck types):
	// what dnf checks of such a file instead of Checksum.
	HeaderChecksumType, HeaderChecksum string
}

// Newest is the newest timestamp of the repo's metadata files.
func (m *Repomd) Newest() time.Time {
	var t time.Time
	for _, d := range m.Data {
		if d.Timestamp.After(t) {
			t = d.Timestamp
		}
	}
	return t
}

func readRepomd(path string) (*Repomd, error) {
	r, err := located.Open(path, located.Limit{Kind: repomdKind, Bytes: maxRepomd})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return parseRepomd(r, path)
}

func parseRepomd(r io.Reader, path string) (*Repomd, error) {
	dec := xml.NewDecoder(r)
	md := &Repomd{Path: path, Data: map[string]RepomdData{}}
	var cur *RepomdData
	var curType string
	var field string
	seenRoot := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, xmlError(repomdKind, path, dec, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case !seenRoot:
				if t.Name.Local != "repomd" {
					return nil, &located.Error{Kind: repomdKind, File: path, Line: line(dec), Msg: "root element is not repomd"}
				}
				seenRoot = true
			case t.Name.Local == "data" && cur == nil:
				cur = &RepomdData{}
				curType = attr(t, "type")
			case cur != nil && t.Name.Local == "location":
				cur.Href = attr(t, "href")
			case cur != nil && t.Name.Local == "checksum":
				cur.ChecksumType = attr(t, "type")
				field = "checksum"
			case cur != nil && t.Name.Local == "open-checksum":
				cur.OpenChecksumType = attr(t, "type")
				field = "open-checksum"
			case cur != nil && (t.Name.Local == "open-size" || t.Name.Local == "database_version"):
				field = t.Name.Local
			case cur != nil && t.Name.Local == "header-checksum":
				cur.HeaderChecksumType = attr(t, "type")
				field = "header-checksum"
			case t.Name.Local == "timestamp" || t.Name.Local == "revision":
				field = t.Name.Local
			}
		case xml.CharData:
			v := strings.TrimSpace(string(t))
			switch {
			case field == "revision" && cur == nil:
				md.Revision = v
			case field == "checksum" && cur != nil:
				cur.Checksum = strings.ToLower(v)
			case field == "open-checksum" && cur != nil:
				cur.OpenChecksum = strings.ToLower(v)
			case field == "database_version" && cur != nil:
				cur.DatabaseVersion = v
			case field == "open-size" && cur != nil:
				// only a hint (for a buffer's size): not one is not an error
				if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
					cur.OpenSize = n
				}
			case field == "header-checksum" && cur != nil:
				cur.HeaderChecksum = strings.ToLower(v)
			case field == "timestamp" && cur != nil && v != "":
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return nil, &located.Error{Kind: repomdKind, File: path, Line: line(dec), Key: curType + ".timestamp", Msg: "not a whole number of seconds"}
				}
				cur.Timestamp = time.Unix(n, 0).UTC()
			}
		case xml.EndElement:
			field = ""
			if t.Name.Local == "data" && cur != nil {
				if curType != "" {
					md.Data[curType] = *cur
				}
				cur = nil
			}
		}
	}
	if !seenRoot {
		return nil, &located.Error{Kind: repomdKind, File: path, Msg: "no repomd element"}
	}
	return md, nil
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func line(dec *xml.Decoder) int {
	l, _ := dec.InputPos()
	return l
}

// xmlError names the file and line of a syntax error without quoting input.
func xmlError(kind, path string, dec *xml.Decoder, err error) error {
	if e, ok := located.As(err); ok {
		return e
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return &located.Error{Kind: kind, File: path, Line: se.Line, Msg: "not well-formed XML", Err: err}
	}
	return &located.Error{Kind: kind, File: path, Line: line(dec), Err: err, Msg: errMessage(err)}
}

// openMetadata opens one metadata file of a repo and returns its plain
// content, decompressed by its name (.gz, .zst, .xz, .bz2, .zck or none); the
// file is bounded as read and so is what it unpacks to. With a checksum
// from repomd.xml, Verify checks the whole file against it: the scanners
// skip what they do not need unchecked, a corrupt file must not pass.
func openMetadata(path, kind string, sum ...RepomdData) (*unpacked, error) {
	f, err := located.Open(path, located.Limit{Kind: kind, Bytes: maxMetadata})
	if err != nil {
		return nil, err
	}
	u := &unpacked{f: f, path: path, kind: kind, closeZ: func() {}}
	u.in = f
	if len(sum) > 0 && sum[0].Checksum != "" && sum[0].HeaderChecksum == "" {
		if h := newHash(sum[0].ChecksumType); h != nil {
			u.hash, u.want = h, sum[0].Checksum
			u.in = io.TeeReader(f, h)
		}
	}
	in := u.in
	var z io.Reader
	closeZ := func() {}
	switch filepath.Ext(path) {
	case ".gz":
		g, err := gzip.NewReader(in)
		if err != nil {
			f.Close()
			return nil, &located.Error{Kind: kind, File: path, Msg: "not gzip data", Err: err}
		}
		z, closeZ = g, func() { g.Close() }
	case ".zst":
		d, err := zstd.NewReader(in, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			f.Close()
			return nil, &located.Error{Kind: kind, File: path, Msg: "not zstd data", Err: err}
		}
		z, closeZ = d, d.Close
	case ".xz":
		x, err := xz.NewReader(in)
		if err != nil {
			f.Close()
			return nil, &located.Error{Kind: kind, File: path, Msg: "not xz data", Err: err}
		}
		z = x
	case ".bz2":
		z = bzip2.NewReader(in)
	case ".zck":
		if z, closeZ, err = u.openZchunk(in, sum); err != nil {
			f.Close()
			return nil, err
		}
	case ".xml", ".yaml":
		z = in
	default:
		f.Close()
		return nil, &located.Error{Kind: kind, File: path, Msg: "unknown compression (want .gz, .zst, .xz, .bz2, .zck or none)", Err: fs.ErrInvalid}
	}
	u.r, u.closeZ = z, closeZ
	return u, nil
}

// unpacked bounds the decompressed stream and names the file on errors.
type unpacked struct {
	r      io.Reader // decompressed
	in     io.Reader // the file, through the hash when there is one
	f      *located.Reader
	closeZ func()
	path   string
	kind   string
	n      int64
	hash   hash.Hash
	want   string
	verify func() error // instead of hash: a zchunk file's own checks
}

func newHash(typ string) hash.Hash {
	switch strings.ToLower(typ) {
	case "sha256":
		return sha256.New()
	case "sha512":
		return sha512.New()
	case "sha1", "sha":
		return sha1.New()
	}
	return nil // md5 or unknown: not verified
}

// Verify reads the rest of the file and compares its checksum with the
// one repomd.xml lists (nothing to do without one).
func (u *unpacked) Verify() error {
	if u.verify != nil {
		return u.verify()
	}
	if u.hash == nil {
		return nil
	}
	if _, err := io.Copy(io.Discard, u.in); err != nil {
		return err
	}
	if hex.EncodeToString(u.hash.Sum(nil)) != u.want {
		return &located.Error{Kind: u.kind, File: u.path, Msg: "checksum differs from the one repomd.xml lists (a corrupt or partial download: run dnf makecache)"}
	}
	return nil
}

func (u *unpacked) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	u.n += int64(n)
	if u.n > maxUnpacked {
		return n, &located.Error{Kind: u.kind, File: u.path, Err: located.ErrTooLarge,
			Msg: fmt.Sprintf("unpacks to more than %s", located.Size(maxUnpacked))}
	}
	if err != nil && err != io.EOF {
		if _, ok := located.As(err); !ok {
			err = &located.Error{Kind: u.kind, File: u.path, Msg: "cannot decompress: " + errMessage(err), Err: err}
		}
	}
	return n, err
}

func (u *unpacked) Close() error {
	u.closeZ()
	return u.f.Close()
}
