package apt

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Source is one (type deb) entry of the sources: a URI, a suite and its
// components, for some architectures.
type Source struct {
	URI        string // ends with "/"
	Suite      string // "bookworm-security", or "./" / "sub/" for flat repositories
	Components []string
	Arches     []string // from arch=/Architectures:, nil = all configured
	File       string
	Line       int
}

// Flat reports a flat repository ("deb uri ./"), which has no dists/.
func (s Source) Flat() bool { return strings.HasSuffix(s.Suite, "/") }

// sourcesLimit bounds one sources file as read.
var sourcesLimit = located.Limit{Kind: "sources", Bytes: 4 << 20}

// readSources reads sources.list, sources.list.d/*.list and *.sources
// (Dir::Etc::sourcelist and Dir::Etc::sourceparts).
func readSources(main, dir string) ([]Source, error) {
	var out []Source
	if f, err := located.Open(main, sourcesLimit); err == nil {
		s, err := parseOneLineSources(f, main)
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	names, err := partNames(dir, ".list", ".sources") // apt ignores other extensions (*.disabled, *.save)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		path := filepath.Join(dir, n)
		parse := parseOneLineSources
		if strings.HasSuffix(n, ".sources") {
			parse = parseDeb822Sources
		}
		f, err := located.Open(path, sourcesLimit)
		if err != nil {
			return nil, err
		}
		s, err := parse(f, path)
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	return out, nil
}

// partNames lists a parts directory (*.d) as apt does: the files with a
// valid part name whose extension is one of exts ("" for none), in name
// order. A missing directory has none.
func partNames(dir string, exts ...string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return nil, errAt(dir, 0, "%v", err)
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if !e.IsDir() && validPartName(n) && slices.Contains(exts, filepath.Ext(n)) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}

// validPartName is apt's rule for files in *.d directories: only
// letters, digits, "_", "-" and ".".
func validPartName(n string) bool {
	if n == "" || n[0] == '.' {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// parseOneLineSources parses the "deb [opts] uri suite comp..." format.
func parseOneLineSources(r io.Reader, file string) ([]Source, error) {
	var out []Source
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxControlLine)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		text = strings.TrimSpace(text)
		if text == "" {
			continue
		}
		typ, rest := cutWord(text)
		var opts map[string]string
		rest = strings.TrimSpace(rest)
		if strings.HasPrefix(rest, "[") {
			j := strings.IndexByte(rest, ']')
			if j < 0 {
				return nil, errAt(file, line, "unterminated [options]")
			}
			var err error
			if opts, err = parseSourceOptions(rest[1:j]); err != nil {
				return nil, errAt(file, line, "%v", err)
			}
			rest = rest[j+1:]
		}
		words := strings.Fields(rest)
		switch typ {
		case "deb", "deb-src", "rpm", "rpm-src":
		default:
			return nil, errAt(file, line, "unknown type %q (want deb or deb-src)", typ)
		}
		if len(words) < 2 {
			return nil, errAt(file, line, "%s line needs a URI and a suite", typ)
		}
		if typ != "deb" {
			continue
		}
		s := Source{URI: words[0], Suite: words[1], Components: words[2:], File: file, Line: line}
		if err := finishSource(&s, opts["arch"]); err != nil {
			return nil, errAt(file, line, "%v", err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return nil, errAt(file, line+1, "line longer than %s", located.Size(maxControlLine))
		}
		return nil, readErrAt(err, file, line+1)
	}
	return out, nil
}

func cutWord(s string) (string, string) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// parseSourceOptions parses "arch=amd64,i386 signed-by=/x trusted=yes".
func parseSourceOptions(s string) (map[string]string, error) {
	opts := map[string]string{}
	for _, w := range strings.Fields(s) {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("bad option %q (want key=value)", w)
		}
		k = strings.TrimRight(k, "+-") // arch+= / arch-= : treated as arch=
		opts[k] = v
	}
	return opts, nil
}

func finishSource(s *Source, arches string) error {
	u := s.URI
	if !strings.Contains(u, ":") {
		return fmt.Errorf("URI %q has no scheme", u)
	}
	if !strings.HasSuffix(u, "/") {
		u += "/"
	}
	s.URI = u
	if s.Flat() && len(s.Components) > 0 {
		return fmt.Errorf("flat repository suite %q takes no components", s.Suite)
	}
	if !s.Flat() && len(s.Components) == 0 {
		return fmt.Errorf("suite %q needs at least one component", s.Suite)
	}
	if arches != "" {
		s.Arches = append(s.Arches, strings.FieldsFunc(arches, func(r rune) bool { return r == ',' || r == ' ' })...)
	}
	return nil
}

// parseDeb822Sources parses the *.sources format.
func parseDeb822Sources(r io.Reader, file string) ([]Source, error) {
	var out []Source
	err := readStanzas(r, file, controlOptions{comments: true}, 0, func(st *stanza) error {
		if en, ok := st.get("Enabled"); ok {
			switch strings.ToLower(strings.TrimSpace(en)) {
			case "no", "false", "0":
				return nil
			case "yes", "true", "1":
			default:
				return errAt(file, st.lineOf("Enabled"), "Enabled: %q is not yes or no", en)
			}
		}
		types := strings.Fields(st.value("Types"))
		uris := strings.Fields(st.value("URIs"))
		suites := strings.Fields(st.value("Suites"))
		comps := strings.Fields(st.value("Components"))
		if len(types) == 0 || len(uris) == 0 || len(suites) == 0 {
			return errAt(file, st.Line, "stanza needs Types, URIs and Suites")
		}
		deb := false
		for _, t := range types {
			switch t {
			case "deb":
				deb = true
			case "deb-src":
			default:
				return errAt(file, st.lineOf("Types"), "unknown type %q", t)
			}
		}
		if !deb {
			return nil
		}
		arches := strings.Join(strings.Fields(st.value("Architectures")), ",")
		for _, u := range uris {
			for _, su := range suites {
				s := Source{URI: u, Suite: su, Components: comps, File: file, Line: st.Line}
				if err := finishSource(&s, arches); err != nil {
					return errAt(file, st.Line, "%v", err)
				}
				out = append(out, s)
			}
		}
		return nil
	})
	return out, err
}

// uriToFileName is apt's URItoFileName (apt-pkg/contrib/strutl.cc): drop
// scheme and credentials, %-quote unsafe characters (lower-case hex, as
// apt's "%%%02x"), then turn "/" into "_".
func uriToFileName(uri string) string {
	rest := uri
	if i := strings.Index(rest, ":"); i >= 0 {
		rest = rest[i+1:]
	}
	var host, path string
	if strings.HasPrefix(rest, "//") {
		rest = rest[2:]
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			host, path = rest, ""
		} else {
			host, path = rest[:j], rest[j:]
		}
		if at := strings.LastIndexByte(host, '@'); at >= 0 {
			host = host[at+1:] // an IPv6 literal keeps its brackets, as apt prints it
		}
	} else {
		path = rest
	}
	s := host
	if path != "" {
		if path[0] != '/' {
			s += "/" + path
		} else {
			s += path
		}
	}
	var b strings.Builder
	const bad = "\\|{}[]<>\"^~_=!@#$%^&*"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7f || strings.IndexByte(bad, c) >= 0 {
			fmt.Fprintf(&b, "%%%02x", c)
			continue
		}
		b.WriteByte(c)
	}
	return strings.ReplaceAll(b.String(), "/", "_")
}

// distURI is the base of a suite's index files.
func (s Source) distURI() string {
	switch {
	case s.Suite == "/":
		return s.URI
	case s.Flat():
		return s.URI + s.Suite
	default:
		return s.URI + "dists/" + s.Suite + "/"
	}
}

// releasePrefix is the list-file prefix of the suite's (In)Release.
func (s Source) releasePrefix() string { return uriToFileName(s.distURI()) }

// packagesName is the list-file name (without compression suffix) of the
// Packages index of a component and architecture.
func (s Source) packagesName(comp, arch string) string {
	if s.Flat() {
		return uriToFileName(s.distURI() + "Packages")
	}
	return uriToFileName(s.distURI() + comp + "/binary-" + arch + "/Packages")
}

// host is the site apt's "Pin: origin" matches.
func (s Source) host() string {
	u, err := url.Parse(s.URI)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
