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
	"os"
	"strings"
	"unicode/utf8"
)

// Device is one row of the inventory. Platform and Version are as written
// (trimmed); the caller parses them.
type Device struct {
	Name     string
	Platform string
	Version  string
	Line     int
}

// MaxSize bounds the file read (a 100,000-device inventory is ~4 MB).
const MaxSize = 256 << 20

// Read reads and parses an inventory file.
func Read(path string) ([]Device, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("inventory %s: %w", path, unwrapPath(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("inventory %s: %w", path, unwrapPath(err))
	}
	if st.IsDir() {
		return nil, fmt.Errorf("inventory %s: is a directory", path)
	}
	if st.Size() > MaxSize {
		return nil, fmt.Errorf("inventory %s: file of %d bytes is larger than %d", path, st.Size(), MaxSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("inventory %s: %w", path, unwrapPath(err))
	}
	return Parse(path, data)
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Parse parses inventory data; file names it in errors.
func Parse(file string, data []byte) ([]Device, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("inventory %s, line %d: not UTF-8", file, badUTF8Line(data))
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, fmt.Errorf("inventory %s: empty (want a CSV header name,platform,version or a JSON list)", file)
	}
	if trimmed[0] == '[' {
		return parseJSON(file, data)
	}
	if trimmed[0] == '{' {
		return nil, fmt.Errorf("inventory %s, line %d: JSON must be a list of devices, not an object", file, lineAt(data, len(data)-len(trimmed)))
	}
	return parseCSV(file, data)
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
			return nil, fmt.Errorf("inventory %s, line 1: column %q twice in the header", file, h)
		}
		idx[h] = i
	}
	var col [3]int
	for i, c := range columns {
		j, ok := idx[c]
		if !ok {
			return nil, fmt.Errorf("inventory %s, line 1: header has no %q column (want name,platform,version)", file, c)
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
				return "", fmt.Errorf("inventory %s, line %d: %d fields, no %s column", file, line, len(rec), columns[i])
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
			return nil, fmt.Errorf("inventory %s, line %d: empty name", file, line)
		}
		out = append(out, d)
	}
	return out, nil
}

func csvError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("inventory %s, line %d: %v", file, pe.Line, pe.Err)
	}
	if err == io.EOF {
		return fmt.Errorf("inventory %s: no header line", file)
	}
	return fmt.Errorf("inventory %s: %v", file, err)
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
			return nil, fmt.Errorf("inventory %s, line %d: JSON ends early", file, lineAt(data, len(data)))
		case errors.As(err, &se):
			return nil, fmt.Errorf("inventory %s, line %d: %v", file, lineAt(data, clamp(se.Offset, data)), se)
		case errors.As(err, &te) && te.Field == "":
			return nil, fmt.Errorf("inventory %s, line %d: each device must be an object with name, platform, version, not a %s", file, lineAt(data, clamp(te.Offset, data)), te.Value)
		case errors.As(err, &te):
			return nil, fmt.Errorf("inventory %s, line %d: %q must be a string, not a %s", file, lineAt(data, clamp(te.Offset, data)), te.Field, te.Value)
		}
		return nil, fmt.Errorf("inventory %s: %v", file, err)
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
				return nil, fmt.Errorf("inventory %s, line %d: device has no string %q", file, line, f.key)
			}
			*f.to = strings.TrimSpace(*f.v)
		}
		if d.Name == "" {
			return nil, fmt.Errorf("inventory %s, line %d: empty name", file, line)
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

func clip(s string) string {
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
