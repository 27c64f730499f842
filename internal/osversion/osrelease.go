package osversion

import (
	"errors"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// OSRelease is what check_os_version needs from os-release(5).
type OSRelease struct {
	ID        string
	IDLike    []string
	VersionID string
	Version   string // VERSION: Ubuntu's point release ("24.04.1 LTS")
	Pretty    string // PRETTY_NAME, for the long output
	Codename  string // VERSION_CODENAME: "bookworm", the Debian tracker's key
}

// ParseOSRelease reads an os-release file: KEY=value lines, values
// optionally in single or double quotes (with \" \\ \$ \` escapes in
// double quotes), comments and blank lines ignored. A malformed line is a
// *located.Error naming file, line and key, so a broken file is UNKNOWN, not
// a guess; it never quotes the line. Control characters in a value are
// refused too: they would reach the output.
func ParseOSRelease(file string, data []byte) (OSRelease, error) {
	var r OSRelease
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, raw, ok := strings.Cut(line, "=")
		if !ok || !validKey(key) {
			return OSRelease{}, &located.Error{Kind: "os-release", File: file, Line: i + 1, Msg: "not KEY=value"}
		}
		val, err := unquote(raw)
		if err == nil && strings.ContainsFunc(val, isControl) {
			err = errors.New("control characters in the value")
		}
		if err != nil {
			return OSRelease{}, &located.Error{Kind: "os-release", File: file, Line: i + 1, Key: key, Msg: err.Error()}
		}
		switch key {
		case "ID":
			r.ID = strings.ToLower(val)
		case "ID_LIKE":
			r.IDLike = strings.Fields(strings.ToLower(val))
		case "VERSION_ID":
			r.VersionID = val
		case "VERSION":
			r.Version = val
		case "PRETTY_NAME":
			r.Pretty = val
		case "VERSION_CODENAME":
			r.Codename = val
		}
	}
	if r.ID == "" {
		r.ID = "linux" // os-release(5): ID defaults to "linux"
	}
	return r, nil
}

// validKey: os-release(5) keys are shell variable names.
func validKey(k string) bool {
	if k == "" || k[0] >= '0' && k[0] <= '9' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func unquote(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	switch q := s[0]; q {
	case '\'':
		if len(s) < 2 || s[len(s)-1] != '\'' || strings.Contains(s[1:len(s)-1], "'") {
			return "", errors.New("unbalanced single quotes")
		}
		return s[1 : len(s)-1], nil
	case '"':
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '\\' && i+1 < len(s):
				i++
				b.WriteByte(s[i])
			case c == '"':
				if i != len(s)-1 {
					return "", errors.New("text after the closing quote")
				}
				return b.String(), nil
			default:
				b.WriteByte(c)
			}
		}
		return "", errors.New("unbalanced double quotes")
	}
	if strings.ContainsAny(s, " \t\"'`$\\") {
		return "", errors.New("unquoted value with spaces or shell characters")
	}
	return s, nil
}
