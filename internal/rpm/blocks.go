package rpm

import (
	"bytes"
	"fmt"
	"io"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// maxBlock bounds one element cut out of a metadata stream (one package,
// one advisory): a corrupt file cannot make the buffer grow without end.
const maxBlock = 64 << 20

// blockScanner cuts a metadata stream into the byte ranges of its
// top-level elements, counting lines as it goes, without decoding them.
type blockScanner struct {
	r          io.Reader
	buf        []byte
	start      int // first byte not yet consumed
	eof        bool
	line       int // line of buf[start]
	kind, file string
}

// fill reads more input, moving the unconsumed bytes to the front.
func (s *blockScanner) fill() error {
	if s.eof {
		return io.EOF
	}
	if s.start > 0 {
		n := copy(s.buf, s.buf[s.start:])
		s.buf = s.buf[:n]
		s.start = 0
	}
	if len(s.buf) == cap(s.buf) {
		if cap(s.buf) >= maxBlock {
			return &located.Error{Kind: s.kind, File: s.file, Line: s.line, Err: located.ErrTooLarge,
				Msg: fmt.Sprintf("an element longer than %s", located.Size(maxBlock))}
		}
		nb := make([]byte, len(s.buf), 2*cap(s.buf))
		copy(nb, s.buf)
		s.buf = nb
	}
	n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
	s.buf = s.buf[:len(s.buf)+n]
	if err == io.EOF {
		s.eof = true
		if n > 0 {
			return nil
		}
		return io.EOF
	}
	return err
}

// until consumes and returns the bytes up to the end of the next sep
// (or, with before, up to sep's start, leaving sep unconsumed; at the end
// of the input, then, everything left).
func (s *blockScanner) until(sep []byte, before bool) ([]byte, error) {
	from := 0
	for {
		data := s.buf[s.start:]
		if i := bytes.Index(data[from:], sep); i >= 0 {
			end := from + i
			if !before {
				end += len(sep)
			}
			return s.consume(end), nil
		}
		from = max(0, len(data)-len(sep)+1)
		if err := s.fill(); err == io.EOF {
			if before {
				return s.consume(len(s.buf) - s.start), nil
			}
			return nil, &located.Error{Kind: s.kind, File: s.file, Line: s.line, Msg: fmt.Sprintf("%s never closed", sep[2:len(sep)-1])}
		} else if err != nil {
			return nil, err
		}
	}
}

// untilTag consumes and returns the bytes before the next start tag named
// exactly tag ("<update", not "<updates"), or everything at the end.
func (s *blockScanner) untilTag(tag []byte) ([]byte, error) {
	from := 0
	for {
		data := s.buf[s.start:]
		for {
			i := bytes.Index(data[from:], tag)
			if i < 0 {
				break
			}
			end := from + i + len(tag)
			if end < len(data) {
				switch data[end] {
				case ' ', '>', '\t', '\n', '\r', '/':
					return s.consume(from + i), nil
				}
				from = end
				continue
			}
			break // the next byte is not read yet
		}
		from = max(0, len(data)-len(tag))
		if err := s.fill(); err == io.EOF {
			return s.consume(len(s.buf) - s.start), nil
		} else if err != nil {
			return nil, err
		}
	}
}

// consume takes n bytes and counts their lines. The slice stays valid
// until the next read.
func (s *blockScanner) consume(n int) []byte {
	b := s.buf[s.start : s.start+n]
	s.start += n
	s.line += bytes.Count(b, []byte{'\n'})
	return b
}

// skipSpace consumes white space.
func (s *blockScanner) skipSpace() error {
	for {
		for s.start < len(s.buf) {
			switch s.buf[s.start] {
			case '\n':
				s.line++
				fallthrough
			case ' ', '\t', '\r':
				s.start++
				continue
			}
			return nil
		}
		if err := s.fill(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// hasPrefix reports whether the unconsumed input starts with p, reading
// more when needed.
func (s *blockScanner) hasPrefix(p []byte) bool {
	for len(s.buf)-s.start < len(p) {
		if s.fill() != nil {
			break
		}
	}
	return bytes.HasPrefix(s.buf[s.start:], p)
}
