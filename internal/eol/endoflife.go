package eol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// EndOfLifeLimit bounds an endoflife.date product file as read; the real
// ones are tens of KB.
var EndOfLifeLimit = located.Limit{Kind: "endoflife.date", Bytes: 8 << 20}

// Milestone is one support milestone of a release cycle as the file says
// it: a date (When), or "true" without a date (Reached: passed, date not
// published), or neither (not announced, or "false").
type Milestone struct {
	When    time.Time
	Reached bool
}

// Known reports whether the file gives the milestone at all.
func (m Milestone) Known() bool { return m.Reached || !m.When.IsZero() }

// Cycle is one release cycle of an endoflife.date product. Name is the
// cycle as the file writes it ("17.9", "7.2", "9"); the caller maps it to
// its platform's versions.
type Cycle struct {
	Name string
	Line int
	// EOL: end of (security) support, v0 "eol", v1 "eolFrom"/"isEol".
	EOL Milestone
	// Support: end of active support, v0 "support", v1 "eoasFrom"/"isEoas".
	Support Milestone
	// Extended: end of extended support, v0 "extendedSupport", v1
	// "eoesFrom"/"isEoes".
	Extended Milestone
}

// ReadEndOfLife reads one endoflife.date product file.
func ReadEndOfLife(path string) ([]Cycle, error) {
	data, err := located.ReadFile(path, EndOfLifeLimit)
	if err != nil {
		return nil, err
	}
	return ParseEndOfLife(path, data)
}

func eolErr(file string, line int, key, format string, args ...any) error {
	return &located.Error{Kind: EndOfLifeLimit.Kind, File: file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// ParseEndOfLife parses an endoflife.date product as its API serves it:
// v0 (/api/PRODUCT.json, a list of cycles with cycle, eol, support,
// extendedSupport) or v1 (/api/v1/products/PRODUCT/, an object whose
// result.releases hold name, isEol/eolFrom, isEoas/eoasFrom,
// isEoes/eoesFrom). Fields it does not use are ignored; a used field of
// the wrong type is an error naming the line and key.
func ParseEndOfLife(file string, data []byte) ([]Cycle, error) {
	if !utf8.Valid(data) {
		return nil, eolErr(file, 0, "", "not UTF-8 text")
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\xef\xbb\xbf")
	if len(trimmed) == 0 {
		return nil, eolErr(file, 0, "", "empty (want endoflife.date's product JSON)")
	}
	start := len(data) - len(trimmed)
	var cycles []Cycle
	var err error
	switch trimmed[0] {
	case '[':
		cycles, err = parseReleases(file, data, start, "", v0Fields)
	case '{':
		cycles, err = parseV1(file, data, start)
	default:
		return nil, eolErr(file, lineAt(data, start), "", "not endoflife.date's product JSON (want a list of cycles or an object with result.releases)")
	}
	if err != nil {
		return nil, err
	}
	if len(cycles) == 0 {
		return nil, eolErr(file, 0, "", "no release cycles")
	}
	return cycles, nil
}

// fields names the keys of one API version.
type fields struct {
	name, eol, isEol, support, isSupport, extended, isExtended string
}

var (
	v0Fields = fields{name: "cycle", eol: "eol", support: "support", extended: "extendedSupport"}
	v1Fields = fields{name: "name", eol: "eolFrom", isEol: "isEol", support: "eoasFrom", isSupport: "isEoas", extended: "eoesFrom", isExtended: "isEoes"}
)

func lineAt(data []byte, off int) int {
	return bytes.Count(data[:min(off, len(data))], []byte("\n")) + 1
}

// parseV1 finds result.releases in a v1 document by walking its tokens,
// so that the cycles' lines are known.
func parseV1(file string, data []byte, start int) ([]Cycle, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	off, err := findPath(dec, "result", "releases")
	if err != nil {
		return nil, jsonErr(file, data, err, "")
	}
	if off < 0 {
		return nil, eolErr(file, lineAt(data, start), "result.releases", "missing (want endoflife.date's v1 product: {\"result\": {\"releases\": [...]}})")
	}
	return parseReleases(file, data, off, "result.releases", v1Fields)
}

// findPath walks nested objects down the keys and returns the offset just
// after the last key, or -1 when a key is absent.
func findPath(dec *json.Decoder, keys ...string) (int, error) {
	for _, want := range keys {
		tok, err := dec.Token()
		if err != nil {
			return 0, err
		}
		if tok != json.Delim('{') {
			return -1, nil
		}
		found := false
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return 0, err
			}
			if k == want {
				found = true
				break
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return 0, err
			}
		}
		if !found {
			return -1, nil
		}
	}
	return int(dec.InputOffset()), nil
}

// parseReleases decodes the list at data[off:] one element at a time, so
// each cycle keeps its line.
func parseReleases(file string, data []byte, off int, key string, f fields) ([]Cycle, error) {
	for off < len(data) && strings.IndexByte(": \t\r\n", data[off]) >= 0 {
		off++ // after a key: its colon
	}
	dec := json.NewDecoder(bytes.NewReader(data[off:]))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return nil, eolErr(file, lineAt(data, off), key, "want a list of release cycles")
	}
	var out []Cycle
	lastOff, lastLine := off, lineAt(data, off) // lines counted incrementally, not from the start each time
	for i := 0; dec.More(); i++ {
		at := off + int(dec.InputOffset())
		// InputOffset is before the separating comma and space.
		for at < len(data) && strings.IndexByte(", \t\r\n", data[at]) >= 0 {
			at++
		}
		at = min(at, len(data))
		lastLine += bytes.Count(data[lastOff:at], []byte("\n"))
		lastOff = at
		line := lastLine
		k := fmt.Sprintf("%s[%d]", key, i)
		if key == "" {
			k = fmt.Sprintf("[%d]", i)
		}
		var raw map[string]json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, jsonErr(file, data, err, k)
		}
		c, err := cycleFrom(raw, f, file, line, k)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if _, err := dec.Token(); err != nil {
		return nil, eolErr(file, lineAt(data, len(data)), key, "JSON ends early")
	}
	return out, nil
}

func cycleFrom(raw map[string]json.RawMessage, f fields, file string, line int, key string) (Cycle, error) {
	c := Cycle{Line: line}
	name, ok := raw[f.name]
	if !ok {
		return c, eolErr(file, line, key, "release cycle without %q", f.name)
	}
	var s string
	var n json.Number
	switch {
	case json.Unmarshal(name, &s) == nil:
	case json.Unmarshal(name, &n) == nil:
		s = n.String()
	default:
		return c, eolErr(file, line, key+"."+f.name, "want a string")
	}
	if c.Name = strings.TrimSpace(s); c.Name == "" {
		return c, eolErr(file, line, key+"."+f.name, "empty")
	}
	var err error
	for _, m := range []struct {
		to         *Milestone
		date, flag string
	}{{&c.EOL, f.eol, f.isEol}, {&c.Support, f.support, f.isSupport}, {&c.Extended, f.extended, f.isExtended}} {
		if *m.to, err = milestone(raw, m.date, m.flag, file, line, key); err != nil {
			return c, err
		}
	}
	return c, nil
}

// milestone reads a date-or-bool field (v0), or a date-or-null field with
// its boolean beside it (v1).
func milestone(raw map[string]json.RawMessage, dateKey, flagKey, file string, line int, key string) (Milestone, error) {
	var m Milestone
	if v, ok := raw[dateKey]; ok && string(v) != "null" {
		var b bool
		var s string
		switch {
		case json.Unmarshal(v, &b) == nil:
			m.Reached = b
		case json.Unmarshal(v, &s) == nil:
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return m, eolErr(file, line, key+"."+dateKey, "not a date as YYYY-MM-DD, true or false")
			}
			m.When = t
		default:
			return m, eolErr(file, line, key+"."+dateKey, "want a date as YYYY-MM-DD, true or false")
		}
	}
	if flagKey == "" {
		return m, nil
	}
	if v, ok := raw[flagKey]; ok && string(v) != "null" {
		var b bool
		if json.Unmarshal(v, &b) != nil {
			return m, eolErr(file, line, key+"."+flagKey, "want true or false")
		}
		if b && m.When.IsZero() {
			m.Reached = true
		}
	}
	return m, nil
}

func jsonErr(file string, data []byte, err error, key string) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return eolErr(file, lineAt(data, int(se.Offset)), key, "not valid JSON")
	case errors.As(err, &te):
		k := key
		if te.Field != "" {
			k = strings.TrimPrefix(key+"."+te.Field, ".")
		}
		return eolErr(file, lineAt(data, int(te.Offset)), k, "want %s, not %s", te.Type, te.Value)
	}
	return eolErr(file, 0, key, "not valid JSON (%s)", strings.TrimPrefix(err.Error(), "json: "))
}
