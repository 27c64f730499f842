// Package inventory reads a fleet's device list for check_os_version: CSV
// with a header row (name,platform,version; extra columns ignored) or a
// JSON list of objects with those keys, told apart by the first non-space
// byte. Each device keeps its line so that a bad row is reported where it is.
package inventory

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Device is one row of the inventory. Platform and Version are as written
// (trimmed); the caller parses them.
type Device struct {
	Name     string
	Platform string
	Version  string
	Line     int
}

// Limit bounds the read, counted as read (a FIFO or /dev/zero stats as
// size 0). A 100,000-device inventory is ~4 MB, so 32 MiB holds some
// 800,000 name,platform,version rows or 150,000 of a wide CMDB export, and
// an endless input costs ~140 MB before it is refused.
var Limit = located.Limit{Kind: "inventory", Bytes: 32 << 20}

// Read reads and parses an inventory file.
func Read(path string) ([]Device, error) {
	data, err := located.ReadFile(path, Limit)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// errAt is an error at a line of the inventory (0: the file as a whole).
func errAt(file string, line int, format string, args ...any) error {
	return &located.Error{Kind: Limit.Kind, File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// Parse parses inventory data; file names it in errors. An inventory with
// no device (a header alone, "[]") is an error: an empty CMDB export is a
// broken pipeline, and "0 of 0 devices drifted" would be an OK on nothing.
func Parse(file string, data []byte) ([]Device, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, errAt(file, badUTF8Line(data), "not UTF-8")
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, errAt(file, 0, "empty (want a CSV header name,platform,version or a JSON list)")
	}
	var devs []Device
	var err error
	switch trimmed[0] {
	case '[':
		devs, err = parseJSON(file, data)
	case '{':
		return nil, errAt(file, lineAt(data, len(data)-len(trimmed)), "JSON must be a list of devices, not an object")
	default:
		devs, err = parseCSV(file, data)
	}
	if err == nil && len(devs) == 0 {
		return nil, errAt(file, 0, "no devices (an empty export is a broken pipeline, not a fleet with nothing drifted)")
	}
	return devs, err
}

func badUTF8Line(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n <= 1 {
			return lineAt(data, i)
		}
		i += n
	}
	return 0
}

func lineAt(data []byte, off int) int { return bytes.Count(data[:off], []byte("\n")) + 1 }

var columns = []string{"name", "platform", "version"}

func parseCSV(file string, data []byte) ([]Device, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, csvError(file, err)
	}
	idx := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := idx[h]; dup && h != "" {
			return nil, errAt(file, 1, "column %q twice in the header", h)
		}
		idx[h] = i
	}
	var col [3]int
	for i, c := range columns {
		j, ok := idx[c]
		if !ok {
			return nil, errAt(file, 1, "header has no %q column (want name,platform,version)", c)
		}
		col[i] = j
	}
	var out []Device
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(file, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line of spaces
		}
		get := func(i int) (string, error) {
			if col[i] >= len(rec) {
				return "", errAt(file, line, "%d fields, no %s column", len(rec), columns[i])
			}
			return strings.TrimSpace(rec[col[i]]), nil
		}
		var d Device
		if d.Name, err = get(0); err != nil {
			return nil, err
		}
		if d.Platform, err = get(1); err != nil {
			return nil, err
		}
		if d.Version, err = get(2); err != nil {
			return nil, err
		}
		d.Line = line
		if d.Name == "" {
			return nil, errAt(file, line, "empty name")
		}
		out = append(out, d)
	}
	return out, nil
}

func csvError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return errAt(file, pe.Line, "%v", pe.Err)
	}
	if err == io.EOF {
		return errAt(file, 0, "no header line")
	}
	return errAt(file, 0, "%v", err)
}

// jsonDevice: pointers tell a missing or null field from an empty string;
// a number or list where a string belongs is a type error naming the key.
type jsonDevice struct {
	Name     *string `json:"name"`
	Platform *string `json:"platform"`
	Version  *string `json:"version"`
}

// parseJSON decodes the whole list in one call (a streaming decode of
// 100,000 objects costs five times more), then finds each object's line
// with a scan of its own.
func parseJSON(file string, data []byte) ([]Device, error) {
	var raw []jsonDevice
	if err := json.Unmarshal(data, &raw); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end"):
			return nil, errAt(file, lineAt(data, len(data)), "JSON ends early")
		case errors.As(err, &se):
			return nil, errAt(file, lineAt(data, clamp(se.Offset, data)), "not valid JSON")
		case errors.As(err, &te) && te.Field == "":
			return nil, errAt(file, lineAt(data, clamp(te.Offset, data)), "each device must be an object with name, platform, version, not a %s", te.Value)
		case errors.As(err, &te):
			return nil, errAt(file, lineAt(data, clamp(te.Offset, data)), "%q must be a string, not a %s", te.Field, te.Value)
		}
		return nil, errAt(file, 0, "%v", err)
	}
	starts := objectStarts(data)
	out := make([]Device, len(raw))
	line, last := 1, 0
	for i, jd := range raw {
		if i < len(starts) { // always, for JSON that decoded
			line += bytes.Count(data[last:starts[i]], []byte("\n"))
			last = starts[i]
		}
		d := Device{Line: line}
		for _, f := range []struct {
			key string
			v   *string
			to  *string
		}{{"name", jd.Name, &d.Name}, {"platform", jd.Platform, &d.Platform}, {"version", jd.Version, &d.Version}} {
			if f.v == nil {
				return nil, errAt(file, line, "device has no string %q", f.key)
			}
			*f.to = strings.TrimSpace(*f.v)
		}
		if d.Name == "" {
			return nil, errAt(file, line, "empty name")
		}
		out[i] = d
	}
	return out, nil
}

func clamp(off int64, data []byte) int {
	return int(min(max(off, 0), int64(len(data))))
}

// objectStarts returns the offsets of the values of the top-level list,
// skipping strings (with escapes) and nested values.
func objectStarts(data []byte) []int {
	var starts []int
	depth, inString := 0, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			if depth == 1 {
				starts = append(starts, i)
			}
			inString = true
		case '{', '[':
			if depth == 1 {
				starts = append(starts, i)
			}
			depth++
		case '}', ']':
			depth--
		default:
			if depth == 1 && c != ',' && c != ' ' && c != '\t' && c != '\r' && c != '\n' {
				// a bare number, true, false or null: one start per token
				if i == 0 || strings.IndexByte(",[ \t\r\n", data[i-1]) >= 0 {
					starts = append(starts, i)
				}
			}
		}
	}
	return starts
}
