package advisory

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// scanner walks the Debian tracker's JSON at the byte level: the values of
// sources not installed (nearly all of some 50 MB) are passed over by
// tracking strings and brackets only, some 30 times faster than
// encoding/json's full scan; the installed sources' values are handed to
// encoding/json whole. It counts lines and offsets as it goes, so errors
// name both exactly.
type scanner struct {
	r    *bufio.Reader
	off  int64 // bytes consumed
	line int   // line of the next byte
}

// maxSourceValue bounds one source's captured entries (linux, the
// largest, is a few MB).
const maxSourceValue = 64 << 20

func (s *scanner) fail(msg string) error {
	return &feedError{offset: s.off, line: s.line, msg: msg}
}

// readErr keeps the bounded reader's own error (past the limit, an I/O
// error naming the file) and words the end of the input.
func (s *scanner) readErr(err error) error {
	if _, ok := located.As(err); ok {
		return err
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return s.fail(endsEarly)
	}
	return s.fail("unreadable")
}

const endsEarly = "the JSON ends early (truncated download?)"

// next returns the next byte that is not JSON whitespace, consumed.
func (s *scanner) next() (byte, error) {
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return 0, s.readErr(err)
		}
		s.off++
		switch c {
		case '\n':
			s.line++
		case ' ', '\t', '\r':
		default:
			return c, nil
		}
	}
}

// atEOF reports whether only whitespace is left.
func (s *scanner) atEOF() (bool, error) {
	_, err := s.next()
	if err == nil {
		return false, nil
	}
	var fe *feedError
	if errors.As(err, &fe) && fe.msg == endsEarly {
		return true, nil
	}
	return false, err
}

// str reads a string whose opening quote was consumed.
func (s *scanner) str() (string, error) {
	var raw []byte
	escaped := false
	for {
		c, err := s.r.ReadByte()
		if err != nil {
			return "", s.readErr(err)
		}
		s.off++
		switch {
		case c == '\\':
			escaped = true
			raw = append(raw, c)
			if c, err = s.r.ReadByte(); err != nil {
				return "", s.readErr(err)
			}
			s.off++
			raw = append(raw, c)
			continue
		case c == '"':
			if !escaped {
				return string(raw), nil
			}
			v, err := strconv.Unquote(`"` + string(raw) + `"`)
			if err != nil {
				return "", s.fail("not valid JSON (a bad escape in a string)")
			}
			return v, nil
		case c < 0x20:
			return "", s.fail("not valid JSON (a control character in a string)")
		}
		raw = append(raw, c)
		if len(raw) > 4096 {
			return "", s.fail("a key longer than 4096 bytes")
		}
	}
}

// value passes over (or, with keep, returns) an object or array whose
// opening bracket was consumed, checking that strings end and brackets
// pair. A value passed over is not validated further: it concerns no
// installed package; a value kept is decoded by encoding/json, strictly.
func (s *scanner) value(open byte, keep bool) ([]byte, error) {
	stack := []byte{closer(open)}
	var out []byte
	if keep {
		out = append(out, open)
	}
	inString, escape := false, false
	for {
		if s.r.Buffered() == 0 {
			if _, err := s.r.Peek(1); err != nil {
				return nil, s.readErr(err)
			}
		}
		window, _ := s.r.Peek(s.r.Buffered())
		for i := 0; i < len(window); i++ {
			c := window[i]
			switch {
			case escape:
				escape = false
			case inString:
				// Jump to the next quote or backslash: strings are most of
				// the bytes (descriptions), and IndexByte is vectorised.
				q := bytes.IndexByte(window[i:], '"')
				seg := window[i:]
				if q >= 0 {
					seg = seg[:q]
				}
				b := bytes.IndexByte(seg, '\\')
				switch {
				case b >= 0 && (q < 0 || b < q):
					i += b
					escape = true
				case q >= 0:
					i += q
					inString = false
				default:
					i = len(window) - 1
				}
			case c == '"':
				inString = true
			case c == '{' || c == '[':
				if len(stack) >= 1000 {
					s.consume(window[:i], keep, &out)
					return nil, s.fail("JSON nested deeper than 1000 levels")
				}
				stack = append(stack, closer(c))
			case c == '}' || c == ']':
				if stack[len(stack)-1] != c {
					s.consume(window[:i], keep, &out)
					return nil, s.fail("not valid JSON (a bracket that does not pair)")
				}
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					s.consume(window[:i+1], keep, &out)
					return out, nil
				}
			}
		}
		s.consume(window, keep, &out)
		if keep && len(out) > maxSourceValue {
			return nil, s.fail("one source's entries are larger than 64 MiB")
		}
	}
}

func (s *scanner) consume(b []byte, keep bool, out *[]byte) {
	s.line += bytes.Count(b, []byte{'\n'})
	s.off += int64(len(b))
	if keep {
		*out = append(*out, b...)
	}
	s.r.Discard(len(b))
}

func closer(open byte) byte {
	if open == '{' {
		return '}'
	}
	return ']'
}

// readTrackerScan reads a tracker feed from its first byte.
func readTrackerScan(br *bufio.Reader, f *File, h Host, w wanted, set *Set) error {
	s := &scanner{r: br, line: 1}
	if c, err := s.next(); err != nil || c != '{' {
		if err != nil {
			return err
		}
		return s.fail("not a tracker feed: want a JSON object")
	}
	for first := true; ; first = false {
		c, err := s.next()
		if err != nil {
			return err
		}
		if c == '}' && first {
			return s.fail("an empty JSON object: neither a tracker feed nor an OSV record")
		}
		if c != '"' {
			return s.fail("not valid JSON (want a source package name)")
		}
		source, err := s.str()
		if err != nil {
			return err
		}
		if c, err = s.next(); err != nil || c != ':' {
			if err != nil {
				return err
			}
			return s.fail("not valid JSON (want a colon after the key)")
		}
		if c, err = s.next(); err != nil {
			return err
		}
		start, line := s.off-1, s.line
		if c != '{' {
			fe := s.fail("want a JSON object of CVEs").(*feedError)
			fe.key = keyName(source)
			return fe
		}
		value, err := s.value(c, w[source])
		if err != nil {
			if fe, ok := err.(*feedError); ok && fe.key == "" {
				fe.key = keyName(source)
			}
			return err
		}
		if w[source] {
			if err := keepTrackerValue(source, value, start, line, f, h, set); err != nil {
				return err
			}
		}
		if c, err = s.next(); err != nil {
			return err
		}
		if c == '}' {
			break
		}
		if c != ',' {
			return s.fail("not valid JSON (want a comma or a closing brace)")
		}
	}
	if eof, err := s.atEOF(); err != nil || !eof {
		if err != nil {
			return err
		}
		return s.fail("data after the JSON value")
	}
	sortVulns(set)
	return nil
}

// keepTrackerValue decodes one installed source's entries; an error in
// them is placed at its line and offset within the file.
func keepTrackerValue(source string, value []byte, start int64, line int, f *File, h Host, set *Set) error {
	at := func(rel int64, key, msg string) error {
		rel = max(0, min(rel, int64(len(value))))
		return &feedError{offset: start + rel, line: line + bytes.Count(value[:rel], []byte{'\n'}), key: key, msg: msg}
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(value, &raw); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return at(se.Offset-1, keyName(source), "not valid JSON")
		}
		return at(0, keyName(source), "want a JSON object of CVEs")
	}
	entries := make(map[string]trackerEntry, len(raw))
	for id, m := range raw {
		var e trackerEntry
		if err := json.Unmarshal(m, &e); err != nil {
			key := joinKey(keyName(source), keyName(id))
			rel := int64(bytes.Index(value, m))
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return at(rel+te.Offset, joinKey(key, te.Field), "want a JSON "+jsonKind(te.Type.Kind().String())+", not a "+te.Value)
			}
			return at(rel, key, "unreadable entry")
		}
		entries[id] = e
	}
	err := keepTracker(source, entries, start, f, h, set)
	var fe *feedError
	if errors.As(err, &fe) {
		fe.line = line
	}
	return err
}
