package apt

import (
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Version is one version of a package offered by the Packages lists
// (several lists may offer the same version: Files).
type Version struct {
	Package       string
	Arch          string // as the stanza says ("all" included)
	Version       string
	Source        string // source package name (Package when absent)
	SourceVersion string // source version (Version when absent)
	Depends       [][]Relation
	PreDepends    [][]Relation
	Recommends    [][]Relation
	Breaks        [][]Relation
	Conflicts     [][]Relation
	Provides      []Relation
	Phased        int // Phased-Update-Percentage, 100 when absent
	Files         []*IndexFile
}

// IndexFile is one Packages list apt would use, with its release.
type IndexFile struct {
	Path      string
	Release   *Release
	Source    Source
	Component string
	Arch      string
}

// compressions are tried in this order when several copies of a list
// exist (apt keeps one; the first found wins).
var compressions = []string{"", ".lz4", ".zst", ".xz", ".gz", ".bz2"}

// openList opens a Packages list in whatever compression is present and
// returns a reader of the plain text.
func openList(base string) (io.ReadCloser, string, error) {
	for _, ext := range compressions {
		f, err := located.Open(base+ext, listLimit)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return nil, base + ext, err
		}
		r, err := decompress(f, ext)
		if err != nil {
			f.Close()
			return nil, base + ext, errAt(base+ext, 0, "cannot decompress: %v", err)
		}
		if ext != "" {
			r = readCloser{&plainBound{r: r, file: base + ext}, r.Close}
		}
		return r, base + ext, nil
	}
	return nil, "", os.ErrNotExist
}

// listLimit bounds a Packages list as read from disk; the largest real
// ones (Ubuntu universe) are near 100 MiB uncompressed.
var listLimit = located.Limit{Kind: "Packages list", Bytes: 1 << 30}

// plainBound bounds what a compressed list decompresses to, so that a
// small file cannot expand without end.
type plainBound struct {
	r    io.Reader
	n    int64
	file string
}

func (p *plainBound) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if p.n += int64(n); p.n > listLimit.Bytes {
		return n, &located.Error{Kind: listLimit.Kind, File: p.file, Err: located.ErrTooLarge,
			Msg: fmt.Sprintf("decompresses to more than the %s limit for a %s file", located.Size(listLimit.Bytes), listLimit.Kind)}
	}
	return n, err
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

func decompress(f *located.Reader, ext string) (io.ReadCloser, error) {
	switch ext {
	case "":
		return f, nil
	case ".lz4":
		return readCloser{newLZ4Frames(f), f.Close}, nil
	case ".gz":
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		return readCloser{z, func() error { z.Close(); return f.Close() }}, nil
	case ".xz":
		z, err := xz.NewReader(f)
		if err != nil {
			return nil, err
		}
		return readCloser{z, f.Close}, nil
	case ".zst":
		z, err := zstd.NewReader(f, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, err
		}
		return readCloser{z, func() error { z.Close(); return f.Close() }}, nil
	case ".bz2":
		return readCloser{bzip2.NewReader(f), f.Close}, nil
	}
	return nil, os.ErrInvalid
}

// scanPackages streams a Packages list and calls fn for the stanzas of
// packages in wanted. Other stanzas are skipped at the Package line, without
// parsing the rest: that is where the time of a full list would go.
func scanPackages(r io.Reader, file string, wanted map[string]struct{}, fn func(*Version, int) error) error {
	buf := make([]byte, 256<<10)
	start, end, line := 0, 0, 1
	eof := false
	for {
		for start < end && buf[start] == '\n' {
			start++
			line++
		}
		idx := bytes.Index(buf[start:end], []byte("\n\n"))
		if idx < 0 && !eof {
			if start > 0 {
				copy(buf, buf[start:end])
				end -= start
				start = 0
			}
			if end == len(buf) {
				if len(buf) >= maxStanza {
					return errAt(file, line, "stanza longer than %s", located.Size(maxStanza))
				}
				nb := make([]byte, 2*len(buf))
				copy(nb, buf[:end])
				buf = nb
			}
			n, err := r.Read(buf[end:])
			end += n
			if err == io.EOF {
				eof = true
			} else if err != nil {
				return readErrAt(err, file, line+bytes.Count(buf[start:end], []byte("\n")))
			}
			continue
		}
		var st []byte
		if idx < 0 { // last stanza, no blank line after it
			if start == end {
				return nil
			}
			st = buf[start:end]
		} else {
			st = buf[start : start+idx+1]
		}
		if err := scanStanza(st, file, line, wanted, fn); err != nil {
			return err
		}
		if idx < 0 {
			return nil
		}
		line += bytes.Count(st, []byte("\n")) + 1
		start += idx + 2
	}
}

var packagePrefix = []byte("Package:")

func scanStanza(st []byte, file string, line int, wanted map[string]struct{}, fn func(*Version, int) error) error {
	if bytes.HasPrefix(st, packagePrefix) {
		nl := bytes.IndexByte(st, '\n')
		if nl < 0 {
			nl = len(st)
		}
		name := bytes.TrimSpace(st[len(packagePrefix):nl])
		if _, ok := wanted[string(name)]; !ok {
			return nil
		}
	}
	v := &Version{Phased: 100}
	type rawField struct {
		value string
		line  int
	}
	var deps, pre, recs, breaks, conflicts, provides rawField
	var last *rawField
	var scratch rawField
	ln := line
	inField := false
	for len(st) > 0 {
		nl := bytes.IndexByte(st, '\n')
		var l []byte
		if nl < 0 {
			l, st = st, nil
		} else {
			l, st = st[:nl], st[nl+1:]
		}
		switch {
		case len(bytes.TrimSpace(l)) == 0:
		case l[0] == ' ' || l[0] == '\t':
			if !inField {
				return errAt(file, ln, "continuation line outside a field: %q", clip(l))
			}
			if last != nil {
				last.value += " " + string(bytes.TrimSpace(l))
			}
		default:
			i := bytes.IndexByte(l, ':')
			if i <= 0 {
				return errAt(file, ln, "not a \"Field: value\" line: %q", clip(l))
			}
			inField = true
			last = nil
			val := bytes.TrimSpace(l[i+1:])
			switch string(l[:i]) {
			case "Package":
				v.Package = string(val)
			case "Architecture":
				v.Arch = string(val)
			case "Version":
				v.Version = string(val)
			case "Source":
				v.Source = string(val)
			case "Depends":
				deps = rawField{string(val), ln}
				last = &deps
			case "Pre-Depends":
				pre = rawField{string(val), ln}
				last = &pre
			case "Recommends":
				recs = rawField{string(val), ln}
				last = &recs
			case "Breaks":
				breaks = rawField{string(val), ln}
				last = &breaks
			case "Conflicts":
				conflicts = rawField{string(val), ln}
				last = &conflicts
			case "Provides":
				provides = rawField{string(val), ln}
				last = &provides
			case "Phased-Update-Percentage":
				n, err := strconv.Atoi(string(val))
				if err != nil || n < 0 || n > 100 {
					return errAt(file, ln, "Phased-Update-Percentage %q is not 0..100", val)
				}
				v.Phased = n
			default:
				last = &scratch
			}
		}
		ln++
	}
	if v.Package == "" {
		return errAt(file, line, "stanza without Package")
	}
	if _, ok := wanted[v.Package]; !ok {
		return nil
	}
	if v.Version == "" {
		return errAt(file, line, "package %s has no Version", v.Package)
	}
	if _, err := parseVersion(v.Version); err != nil {
		return errAt(file, line, "package %s: %v", v.Package, err)
	}
	if v.Arch == "" {
		return errAt(file, line, "package %s has no Architecture", v.Package)
	}
	v.SourceVersion = v.Version
	if v.Source == "" {
		v.Source = v.Package
	} else if name, ver := splitSource(v.Source); ver != "" {
		v.Source, v.SourceVersion = name, ver
	} else {
		v.Source = name
	}
	for _, r := range []struct {
		name string
		raw  rawField
		dst  *[][]Relation
	}{
		{"Depends", deps, &v.Depends}, {"Pre-Depends", pre, &v.PreDepends}, {"Recommends", recs, &v.Recommends},
		{"Breaks", breaks, &v.Breaks}, {"Conflicts", conflicts, &v.Conflicts},
	} {
		if r.raw.value == "" {
			continue
		}
		var err error
		if *r.dst, err = parseRelations(r.raw.value); err != nil {
			return errAt(file, r.raw.line, "package %s: %s: %v", v.Package, r.name, err)
		}
	}
	if provides.value != "" {
		groups, err := parseRelations(provides.value)
		if err != nil {
			return errAt(file, provides.line, "package %s: Provides: %v", v.Package, err)
		}
		for _, g := range groups {
			v.Provides = append(v.Provides, g...)
		}
	}
	return fn(v, line)
}

// splitSource splits a Source: field, "name" or "name (version)".
func splitSource(field string) (name, version string) {
	name, ver, ok := strings.Cut(field, "(")
	if !ok {
		return strings.TrimSpace(field), ""
	}
	return strings.TrimSpace(name), strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(ver), ")"))
}
