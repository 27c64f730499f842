package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// NetBox's REST API serves devices in pages, {"count", "next",
// "previous", "results": [device, ...]}, as saved by
// `curl .../api/dcim/devices/?limit=0`; a file may hold one page, several
// pages one after the other, or a JSON list of pages. Of each device this
// reads name (display when the device is unnamed), platform.slug or
// platform.name, site.name, tenant.name (as the owner) and the version
// from the field the mapping names.

// isNetBoxPage reports whether data starts with an object holding
// "results" (a NetBox page), not a device.
func isNetBoxPage(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return false
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return false
		}
		if k == "results" {
			return true
		}
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return false
		}
	}
	return false
}

// isNetBoxList reports whether data is a list whose first element is a
// NetBox page.
func isNetBoxList(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') || !dec.More() {
		return false
	}
	var first json.RawMessage
	if dec.Decode(&first) != nil {
		return false
	}
	first = bytes.TrimLeft(first, " \t\r\n")
	return len(first) > 0 && first[0] == '{' && isNetBoxPage(first)
}

type netboxRef struct {
	Name *string `json:"name"`
	Slug *string `json:"slug"`
}

type netboxDevice struct {
	Name            *string                    `json:"name"`
	Display         *string                    `json:"display"`
	Platform        *netboxRef                 `json:"platform"`
	Site            *netboxRef                 `json:"site"`
	Tenant          *netboxRef                 `json:"tenant"`
	CustomFields    map[string]json.RawMessage `json:"custom_fields"`
	SoftwareVersion json.RawMessage            `json:"software_version"`
}

// defaultVersionFields are tried in order when the mapping names none.
var defaultVersionFields = []string{"custom_fields.os_version", "custom_fields.software_version", "software_version"}

type netboxReader struct {
	file string
	data []byte
	dec  *json.Decoder
	m    Mapping
	out  []Device
	// lastOff and lastLine count lines incrementally: devices come in
	// file order, and counting from the start each time is quadratic.
	lastOff, lastLine int
}

// lineOf is the line of an offset at or after the previous one asked.
func (r *netboxReader) lineOf(off int) int {
	if off < r.lastOff {
		return lineAt(r.data, off)
	}
	r.lastLine += bytes.Count(r.data[r.lastOff:off], []byte("\n"))
	r.lastOff = off
	return r.lastLine
}

func parseNetBox(file string, data []byte, m Mapping) ([]Device, error) {
	r := &netboxReader{file: file, data: data, dec: json.NewDecoder(bytes.NewReader(data)), m: m, lastLine: 1}
	for page := 0; ; {
		tok, err := r.dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, r.syntax(err)
		}
		switch tok {
		case json.Delim('{'):
			if err := r.page(page); err != nil {
				return nil, err
			}
			page++
		case json.Delim('['):
			for r.dec.More() {
				if tok, err := r.dec.Token(); err != nil || tok != json.Delim('{') {
					return nil, r.at(r.offset(), "a list of NetBox pages holds only pages (objects with results)")
				}
				if err := r.page(page); err != nil {
					return nil, err
				}
				page++
			}
			if _, err := r.dec.Token(); err != nil {
				return nil, r.syntax(err)
			}
		default:
			return nil, r.at(r.offset(), "want NetBox pages ({\"results\": [...]}) one after the other")
		}
	}
	return r.out, nil
}

// page reads one page after its opening brace.
func (r *netboxReader) page(n int) error {
	sawResults := false
	for r.dec.More() {
		k, err := r.dec.Token()
		if err != nil {
			return r.syntax(err)
		}
		if k != "results" {
			var skip json.RawMessage
			if err := r.dec.Decode(&skip); err != nil {
				return r.syntax(err)
			}
			continue
		}
		sawResults = true
		if tok, err := r.dec.Token(); err != nil || tok != json.Delim('[') {
			if err != nil {
				return r.syntax(err)
			}
			return r.at(r.offset(), "page %d: results must be a list of devices", n+1)
		}
		generic := !r.structPath()
		for r.dec.More() {
			line := r.lineOf(r.elementStart())
			var d Device
			var err error
			if generic {
				var raw json.RawMessage
				if err := r.dec.Decode(&raw); err != nil {
					return r.syntax(err)
				}
				var nd netboxDevice
				if err := json.Unmarshal(raw, &nd); err != nil {
					return r.typeError(err, line)
				}
				d, err = r.device(&nd, raw, line)
			} else {
				var nd netboxDevice
				if err := r.dec.Decode(&nd); err != nil {
					var se *json.SyntaxError
					if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
						return r.syntax(err)
					}
					return r.typeError(err, line)
				}
				d, err = r.device(&nd, nil, line)
			}
			if err != nil {
				return err
			}
			r.out = append(r.out, d)
		}
		if _, err := r.dec.Token(); err != nil {
			return r.syntax(err)
		}
	}
	if _, err := r.dec.Token(); err != nil {
		return r.syntax(err)
	}
	if !sawResults {
		return r.at(r.offset(), "page %d has no results (want NetBox's /api/dcim/devices/ pages)", n+1)
	}
	return nil
}

// structPath reports whether the version fields are ones netboxDevice
// decodes (custom_fields.X, software_version), so each device is decoded
// once into the struct; another path needs the device's raw JSON.
func (r *netboxReader) structPath() bool {
	for _, f := range r.versionFields() {
		if f != "software_version" && (!strings.HasPrefix(f, "custom_fields.") || strings.Count(f, ".") != 1) {
			return false
		}
	}
	return true
}

func (r *netboxReader) versionFields() []string {
	if r.m.NetBoxVersionField != "" {
		return []string{r.m.NetBoxVersionField}
	}
	return defaultVersionFields
}

func (r *netboxReader) typeError(err error, line int) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return errAt(r.file, line, "device field %q: want %s, not %s", te.Field, te.Type, te.Value)
	}
	return errAt(r.file, line, "each result must be a NetBox device object")
}

// device turns one decoded device into a Device; raw is its JSON when
// the version path is not one the struct holds.
func (r *netboxReader) device(nd *netboxDevice, raw json.RawMessage, line int) (Device, error) {
	d := Device{Line: line}
	switch {
	case nd.Name != nil && strings.TrimSpace(*nd.Name) != "":
		d.Name = strings.TrimSpace(*nd.Name)
	case nd.Display != nil && strings.TrimSpace(*nd.Display) != "":
		d.Name = strings.TrimSpace(*nd.Display) // an unnamed device, as NetBox shows it
	default:
		return Device{}, errAt(r.file, line, "device without name or display")
	}
	if p := nd.Platform; p != nil {
		d.Platform = r.platform(p)
	}
	if s := nd.Site; s != nil {
		d.Site = refName(s)
	}
	if t := nd.Tenant; t != nil {
		d.Owner = refName(t)
	}
	for _, f := range r.versionFields() {
		var v string
		var found bool
		var err error
		switch {
		case raw != nil:
			v, found, err = fieldText(raw, f)
		case f == "software_version":
			v, found, err = valueText(nd.SoftwareVersion)
		default:
			v, found, err = valueText(nd.CustomFields[strings.TrimPrefix(f, "custom_fields.")])
		}
		if err != nil {
			return Device{}, errAt(r.file, line, "device %q: %s %v", d.Name, f, err)
		}
		if found {
			d.Version = v
			break
		}
	}
	return d, nil
}

// platform prefers a spelling the mapping knows (slug, then name), then
// the slug as NetBox writes it.
func (r *netboxReader) platform(p *netboxRef) string {
	for _, s := range []*string{p.Slug, p.Name} {
		if s == nil {
			continue
		}
		if id := r.m.platformOf(strings.TrimSpace(*s)); id != strings.TrimSpace(*s) {
			return id
		}
	}
	if p.Slug != nil && strings.TrimSpace(*p.Slug) != "" {
		return strings.TrimSpace(*p.Slug)
	}
	return refName(p)
}

func refName(ref *netboxRef) string {
	if ref.Name != nil {
		return strings.TrimSpace(*ref.Name)
	}
	if ref.Slug != nil {
		return strings.TrimSpace(*ref.Slug)
	}
	return ""
}

// fieldText follows a dotted path into a device; a string or number is
// its text, null or absent is not found, anything else an error.
func fieldText(raw json.RawMessage, path string) (string, bool, error) {
	cur := raw
	for _, part := range strings.Split(path, ".") {
		var obj map[string]json.RawMessage
		if json.Unmarshal(cur, &obj) != nil {
			return "", false, nil
		}
		v, ok := obj[part]
		if !ok {
			return "", false, nil
		}
		cur = v
	}
	return valueText(cur)
}

// valueText is a JSON string or number as text; null or absent is not
// found, anything else an error.
func valueText(cur json.RawMessage) (string, bool, error) {
	if len(cur) == 0 || string(bytes.TrimSpace(cur)) == "null" {
		return "", false, nil
	}
	var s string
	if json.Unmarshal(cur, &s) == nil {
		return strings.TrimSpace(s), true, nil
	}
	var n json.Number
	if json.Unmarshal(cur, &n) == nil {
		return n.String(), true, nil
	}
	return "", false, fmt.Errorf("must be a string")
}

func (r *netboxReader) offset() int { return int(min(r.dec.InputOffset(), int64(len(r.data)))) }

// elementStart skips the separator before the next list element.
func (r *netboxReader) elementStart() int {
	at := r.offset()
	for at < len(r.data) && strings.IndexByte(", \t\r\n", r.data[at]) >= 0 {
		at++
	}
	return at
}

func (r *netboxReader) at(off int, format string, args ...any) error {
	return errAt(r.file, lineAt(r.data, min(off, len(r.data))), format, args...)
}

func (r *netboxReader) syntax(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return errAt(r.file, lineAt(r.data, len(r.data)), "JSON ends early")
	case errors.As(err, &se):
		return errAt(r.file, lineAt(r.data, clamp(se.Offset, r.data)), "not valid JSON")
	}
	return r.at(r.offset(), "not valid JSON")
}
