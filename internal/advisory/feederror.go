package advisory

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

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
