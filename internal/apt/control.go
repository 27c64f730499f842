// Package apt reads apt and dpkg state read-only (dpkg status, sources,
// Release files, Packages lists, preferences) and computes what apt would
// upgrade: the candidate of every installed package under apt's pinning
// policy, whether the update is a security update, held, kept back or
// deferred by phasing. It never runs apt and never takes apt's locks.
//
// Choices, where apt leaves room:
//   - Native architecture: the Architecture of the installed dpkg package
//     (dpkg is always native), else the first line of /var/lib/dpkg/arch,
//     else the most common installed architecture. APT::Architecture in
//     apt.conf is not used (it is almost never set).
//   - apt.conf (apt.conf.d/* then apt.conf, aptconf.go) is read for what
//     changes the answer: APT::Default-Release, APT::Install-Recommends,
//     APT::Get::Always/Never-Include-Phased-Updates, APT::Machine-ID and
//     the Dir:: paths of status, lists, sources and preferences. The
//     APT_CONFIG variable is not: the check is not apt's caller.
//   - The dpkg journal (var/lib/dpkg/updates) is applied over status, as
//     dpkg will on its next run; apt-get itself would refuse to run.
//   - A suite with no (In)Release file still counts, with empty release
//     fields (only trusted=yes repositories look like that).
//   - Kept back is apt-get upgrade's decision (keptback.go): every
//     upgrade is tried, then what needs a package not installed (Depends,
//     Pre-Depends, a new Recommends while APT::Install-Recommends is on),
//     breaks or conflicts with an installed package, leaves an installed
//     package's dependency unmet, moves a Multi-Arch: same package without
//     its siblings, or needs a held or kept-back package is kept back, to a
//     fixed point. Blocked marks what dist-upgrade would not move either.
//
// Every rule is checked against apt-get 2.6 itself on the fake roots under
// testdata/apt and on the host (agreement_test.go).
package apt

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// field is one "Name: value" of a control stanza; Line is where it starts.
type field struct {
	Name  string
	Value string
	Line  int
	more  []string // continuation lines, joined at the end of the stanza
}

// stanza is one paragraph of a deb822 control file.
type stanza struct {
	Fields []field
	Line   int // first line
}

// get returns the value of a field by case-insensitive name.
func (s *stanza) get(name string) (string, bool) {
	for i := range s.Fields {
		if strings.EqualFold(s.Fields[i].Name, name) {
			return s.Fields[i].Value, true
		}
	}
	return "", false
}

func (s *stanza) value(name string) string { v, _ := s.get(name); return v }

// lineOf returns the line of a field, or of the stanza when it is absent.
func (s *stanza) lineOf(name string) int {
	for i := range s.Fields {
		if strings.EqualFold(s.Fields[i].Name, name) {
			return s.Fields[i].Line
		}
	}
	return s.Line
}

// errAt is a located error: the file, the line (0: the whole file), what.
func errAt(file string, line int, format string, a ...any) error {
	return &located.Error{File: file, Line: line, Msg: fmt.Sprintf(format, a...)}
}

// readErrAt places a read error at a line; a located error (a read past
// its limit) keeps its kind and message and gains the line.
func readErrAt(err error, file string, line int) error {
	if e, ok := located.As(err); ok {
		at := *e
		if at.Line == 0 {
			at.Line = line
		}
		return &at
	}
	return errAt(file, line, "read: %v", err)
}

// Bounds of one control file line and one stanza: no real one comes near,
// and corrupt or hostile input (one endless line) must not eat memory.
const (
	maxControlLine = 1 << 20
	maxStanza      = 16 << 20
)

// controlOptions says which liberties a control file may take: apt allows
// comments in preferences and deb822 sources, not in status or lists.
type controlOptions struct {
	comments bool
}

// readStanzas parses a deb822 control file and calls fn for each stanza.
// Line numbers are 1-based; lineOffset is added (for clear-signed bodies).
func readStanzas(r io.Reader, file string, opt controlOptions, lineOffset int, fn func(*stanza) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var cur *stanza
	line := lineOffset
	size := 0 // bytes of the current stanza
	flush := func() error {
		size = 0
		if cur == nil {
			return nil
		}
		s := cur
		cur = nil
		for i := range s.Fields {
			if f := &s.Fields[i]; len(f.more) > 0 {
				f.Value += "\n" + strings.Join(f.more, "\n")
				f.more = nil
			}
		}
		return fn(s)
	}
	for {
		raw, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			// a long line: accumulate it, up to the bound
			buf := append([]byte(nil), raw...)
			for err == bufio.ErrBufferFull {
				if len(buf) > maxControlLine {
					return errAt(file, line+1, "line longer than %s", located.Size(maxControlLine))
				}
				raw, err = br.ReadSlice('\n')
				buf = append(buf, raw...)
			}
			raw = buf
		}
		if len(raw) > maxControlLine {
			return errAt(file, line+1, "line longer than %s", located.Size(maxControlLine))
		}
		if len(raw) == 0 && err != nil {
			if err == io.EOF {
				return flush()
			}
			return readErrAt(err, file, line+1)
		}
		line++
		if size += len(raw); size > maxStanza {
			return errAt(file, line, "stanza longer than %s", located.Size(maxStanza))
		}
		text := bytes.TrimRight(raw, "\r\n")
		switch {
		case len(bytes.TrimSpace(text)) == 0:
			if e := flush(); e != nil {
				return e
			}
		case text[0] == '#' && opt.comments:
			// comment line, part of no field
		case text[0] == ' ' || text[0] == '\t':
			if cur == nil || len(cur.Fields) == 0 {
				return errAt(file, line, "continuation line outside a field: %q", clip(text))
			}
			f := &cur.Fields[len(cur.Fields)-1]
			if len(f.Value)+len(text) > maxStanza {
				return errAt(file, line, "field %s longer than %d bytes", f.Name, maxStanza)
			}
			f.more = append(f.more, string(bytes.TrimSpace(text)))
		default:
			i := bytes.IndexByte(text, ':')
			if i <= 0 {
				return errAt(file, line, "not a \"Field: value\" line: %q", clip(text))
			}
			name := string(bytes.TrimSpace(text[:i]))
			if name == "" || strings.ContainsAny(name, " \t") {
				return errAt(file, line, "bad field name %q", clip(text[:i]))
			}
			if cur == nil {
				cur = &stanza{Line: line}
			}
			cur.Fields = append(cur.Fields, field{Name: name, Value: string(bytes.TrimSpace(text[i+1:])), Line: line})
		}
		if err != nil {
			if err == io.EOF {
				return flush()
			}
			return readErrAt(err, file, line+1)
		}
	}
}

// clip shortens bad input quoted in an error message.
func clip(b []byte) string {
	if len(b) > 60 {
		return string(b[:60]) + "..."
	}
	return string(b)
}
