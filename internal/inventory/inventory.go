// Package inventory reads a fleet's device list for check_os_version: CSV
// with a header row (name,platform,version; site and owner optional, extra
// columns ignored), a JSON list of objects with those keys, or NetBox's
// REST device export (/api/dcim/devices/ pages, one or several), told
// apart by the first non-space byte and, for JSON, the keys. The column
// names and platform spellings of a CMDB export are mapped by a Mapping
// (the policy's inventory section). Each device keeps its line so that a
// bad row is reported where it is.
package inventory

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/guardrail-monitoring/guardrail/internal/located"
	"github.com/guardrail-monitoring/guardrail/internal/osversion"
)

// Device is one row of the inventory. Platform and Version are as written
// (trimmed), except that a platform spelling the Mapping knows is replaced
// by its platform id; the caller parses them (Resolve names the row of an
// unknown platform). Site and Owner are carried into the output as
// written ("" when the inventory has none).
type Device struct {
	Name     string
	Platform string
	Version  string
	Line     int
	Site     string
	Owner    string
}

// Limit bounds the read, counted as read (a FIFO or /dev/zero stats as
// size 0). A 100,000-device inventory is ~4 MB, so 32 MiB holds some
// 800,000 name,platform,version rows or 150,000 of a wide CMDB export, and
// an endless input costs ~140 MB before it is refused.
var Limit = located.Limit{Kind: "inventory", Bytes: 32 << 20}

// Read reads and parses an inventory file with the default column names.
func Read(path string) ([]Device, error) { return ReadWith(path, DefaultMapping) }

// ReadWith reads and parses an inventory file with a mapping.
func ReadWith(path string, m Mapping) ([]Device, error) {
	data, err := located.ReadFile(path, Limit)
	if err != nil {
		return nil, err
	}
	return ParseWith(path, data, m)
}

// errAt is an error at a line of the inventory (0: the file as a whole).
func errAt(file string, line int, format string, args ...any) error {
	return &located.Error{Kind: Limit.Kind, File: file, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// Parse parses inventory data with the default column names.
func Parse(file string, data []byte) ([]Device, error) { return ParseWith(file, data, DefaultMapping) }

// ParseWith parses inventory data; file names it in errors. An inventory
// with no device (a header alone, "[]") is an error: an empty CMDB export
// is a broken pipeline, and "0 of 0 devices drifted" would be an OK on
// nothing.
func ParseWith(file string, data []byte, m Mapping) ([]Device, error) {
	m = m.withDefaults()
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		return nil, errAt(file, badUTF8Line(data), "not UTF-8")
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, errAt(file, 0, "empty (want a CSV header %s,%s,%s or a JSON list)", m.Name, m.Platform, m.Version)
	}
	var devs []Device
	var err error
	switch {
	case trimmed[0] == '{' && isNetBoxPage(trimmed), trimmed[0] == '[' && isNetBoxList(trimmed):
		devs, err = parseNetBox(file, data, m)
	case trimmed[0] == '[':
		devs, err = parseJSON(file, data, m)
	case trimmed[0] == '{':
		return nil, errAt(file, lineAt(data, len(data)-len(trimmed)), "JSON must be a list of devices, not an object")
	default:
		devs, err = parseCSV(file, data, m)
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

// Resolve returns the platform id of a device, or an error naming the
// inventory row when its platform is neither a platform id (or alias) nor
// a spelling the mapping knew: that device is UNKNOWN, the others are
// still judged.
func Resolve(file string, d Device) (string, error) {
	if id, ok := osversion.Normalize(d.Platform); ok {
		return id, nil
	}
	msg := fmt.Sprintf("device %q: unknown platform %q (not a platform id; map the spelling in the policy's inventory.platforms)", d.Name, d.Platform)
	if d.Platform == "" {
		msg = fmt.Sprintf("device %q has no platform", d.Name)
	}
	return "", &located.Error{Kind: Limit.Kind, File: file, Line: d.Line, Key: "platform", Msg: msg}
}

// platformOf maps a spelling through the mapping, case-insensitively.
func (m Mapping) platformOf(s string) string {
	if id, ok := m.Platforms[strings.ToLower(s)]; ok {
		return id
	}
	return s
}
