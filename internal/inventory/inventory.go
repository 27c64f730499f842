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

// jsonDevice takes any value so that a number or null is reported, not
// silently read as "".
type jsonDevice struct {
	Name     json.RawMessage `json:"name"`
	Platform json.RawMessage `json:"platform"`
	Version  json.RawMessage `json:"version"`
}

func parseJSON(file string, data []byte) ([]Device, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // the '['
		return nil, jsonError(file, data, dec, err)
	}
	var out []Device
	lastOff, lastLine := 0, 1
	for dec.More() {
		off := int(dec.InputOffset())
		for off < len(data) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
			off++
		}
		lastLine += bytes.Count(data[lastOff:off], []byte("\n"))
		lastOff = off
		line := lastLine
		if off < len(data) && data[off] != '{' {
			return nil, fmt.Errorf("inventory %s, line %d: each device must be an object with name, platform, version", file, line)
		}
		var jd jsonDevice
		if err := dec.Decode(&jd); err != nil {
			return nil, jsonError(file, data, dec, err)
		}
		var d Device
		for _, f := range []struct {
			key string
			raw json.RawMessage
			to  *string
		}{{"name", jd.Name, &d.Name}, {"platform", jd.Platform, &d.Platform}, {"version", jd.Version, &d.Version}} {
			if len(f.raw) == 0 {
				return nil, fmt.Errorf("inventory %s, line %d: device without %q", file, line, f.key)
			}
			if err := json.Unmarshal(f.raw, f.to); err != nil || bytes.Equal(f.raw, []byte("null")) {
				return nil, fmt.Errorf("inventory %s, line %d: %q must be a string, not %s", file, line, f.key, clip(string(f.raw)))
			}
			*f.to = strings.TrimSpace(*f.to)
		}
		if d.Name == "" {
			return nil, fmt.Errorf("inventory %s, line %d: empty name", file, line)
		}
		d.Line = line
		out = append(out, d)
	}
	if _, err := dec.Token(); err != nil { // the ']'
		return nil, jsonError(file, data, dec, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("inventory %s, line %d: data after the list", file, lineAt(data, int(dec.InputOffset())))
	}
	return out, nil
}

func jsonError(file string, data []byte, dec *json.Decoder, err error) error {
	off := int(dec.InputOffset())
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset)
	}
	if off > len(data) {
		off = len(data)
	}
	if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("inventory %s, line %d: JSON ends early", file, lineAt(data, len(data)))
	}
	return fmt.Errorf("inventory %s, line %d: %v", file, lineAt(data, off), err)
}

func clip(s string) string {
	if len(s) > 40 {
		s = s[:37] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
