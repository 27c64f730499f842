package osversion

import (
	"fmt"
	"strings"
)

// OSRelease is what check_os_version needs from os-release(5).
type OSRelease struct {
	ID        string
	IDLike    []string
	VersionID string
	Pretty    string // PRETTY_NAME, for the long output
}

// ParseOSRelease reads an os-release file: KEY=value lines, values
// optionally in single or double quotes (with \" \\ \$ \` escapes in
// double quotes), comments and blank lines ignored. A malformed line is an
// error naming file and line, so a broken file is UNKNOWN, not a guess.
func ParseOSRelease(file string, data []byte) (OSRelease, error) {
	var r OSRelease
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, raw, ok := strings.Cut(line, "=")
		if !ok || key == "" || strings.ContainsAny(key, " \t\"'") {
			return OSRelease{}, fmt.Errorf("%s, line %d: not KEY=value", file, i+1)
		}
		val, err := unquote(raw)
		if err != nil {
			return OSRelease{}, fmt.Errorf("%s, line %d: %s: %v", file, i+1, key, err)
		}
		switch key {
		case "ID":
			r.ID = strings.ToLower(val)
		case "ID_LIKE":
			r.IDLike = strings.Fields(strings.ToLower(val))
		case "VERSION_ID":
			r.VersionID = val
		case "PRETTY_NAME":
			r.Pretty = val
		}
	}
	if r.ID == "" {
		r.ID = "linux" // os-release(5): ID defaults to "linux"
	}
	return r, nil
}

func unquote(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	switch q := s[0]; q {
	case '\'':
		if len(s) < 2 || s[len(s)-1] != '\'' || strings.Contains(s[1:len(s)-1], "'") {
			return "", fmt.Errorf("unbalanced single quotes")
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
					return "", fmt.Errorf("text after the closing quote")
				}
				return b.String(), nil
			default:
				b.WriteByte(c)
			}
		}
		return "", fmt.Errorf("unbalanced double quotes")
	}
	if strings.ContainsAny(s, " \t\"'`$\\") {
		return "", fmt.Errorf("unquoted value with spaces or shell characters")
	}
	return s, nil
}
