package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// jsonDevice: pointers tell a missing or null field from an empty string;
// a number or list where a string belongs is a type error naming the key.
type jsonDevice struct {
	Name     *string `json:"name"`
	Platform *string `json:"platform"`
	Version  *string `json:"version"`
	Site     *string `json:"site"`
	Owner    *string `json:"owner"`
}

// parseJSON decodes the whole list in one call (a streaming decode of
// 100,000 objects costs five times more), then finds each object's line
// with a scan of its own.
func parseJSON(file string, data []byte, m Mapping) ([]Device, error) {
	if !m.isDefault() {
		return parseMappedJSON(file, data, m)
	}
	var raw []jsonDevice
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, jsonError(file, data, err)
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
		if jd.Site != nil {
			d.Site = strings.TrimSpace(*jd.Site)
		}
		if jd.Owner != nil {
			d.Owner = strings.TrimSpace(*jd.Owner)
		}
		d.Platform = m.platformOf(d.Platform)
		if d.Name == "" {
			return nil, errAt(file, line, "empty name")
		}
		out[i] = d
	}
	return out, nil
}

// parseMappedJSON reads a list of objects whose keys the mapping names.
func parseMappedJSON(file string, data []byte, m Mapping) ([]Device, error) {
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, jsonError(file, data, err)
	}
	starts := objectStarts(data)
	out := make([]Device, len(raw))
	line, last := 1, 0
	for i, obj := range raw {
		if i < len(starts) {
			line += bytes.Count(data[last:starts[i]], []byte("\n"))
			last = starts[i]
		}
		d := Device{Line: line}
		for _, f := range []struct {
			key      string
			to       *string
			required bool
		}{{m.Name, &d.Name, true}, {m.Platform, &d.Platform, true}, {m.Version, &d.Version, true}, {m.Site, &d.Site, false}, {m.Owner, &d.Owner, false}} {
			v, ok := lookupKey(obj, f.key)
			if !ok || string(v) == "null" {
				if f.required {
					return nil, errAt(file, line, "device has no string %q", f.key)
				}
				continue
			}
			var s string
			if json.Unmarshal(v, &s) != nil {
				return nil, errAt(file, line, "%q must be a string", f.key)
			}
			*f.to = strings.TrimSpace(s)
		}
		d.Platform = m.platformOf(d.Platform)
		if d.Name == "" {
			return nil, errAt(file, line, "empty name")
		}
		out[i] = d
	}
	return out, nil
}

// lookupKey finds a key as encoding/json matches struct fields: exactly,
// else case-insensitively.
func lookupKey(obj map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	if v, ok := obj[key]; ok {
		return v, true
	}
	for k, v := range obj {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

func jsonError(file string, data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end"):
		return errAt(file, lineAt(data, len(data)), "JSON ends early")
	case errors.As(err, &se):
		return errAt(file, lineAt(data, clamp(se.Offset, data)), "not valid JSON")
	case errors.As(err, &te) && te.Field == "":
		return errAt(file, lineAt(data, clamp(te.Offset, data)), "each device must be an object with name, platform, version, not a %s", te.Value)
	case errors.As(err, &te):
		return errAt(file, lineAt(data, clamp(te.Offset, data)), "%q must be a string, not a %s", te.Field, te.Value)
	}
	return errAt(file, 0, "%v", err)
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
