package device

import (
	"bytes"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Line is one line of a line-oriented configuration (Cisco IOS, ASA,
// Junos set commands): its number, its indentation and its words.
type Line struct {
	N      int
	Indent int
	Words  []string
}

// Text is the line's words joined by single spaces.
func (l Line) Text() string { return strings.Join(l.Words, " ") }

// Lines splits a configuration into lines of words, skipping empty ones
// and those whose first word starts with one of the comment markers. A
// line longer than MaxLine is an error naming the file and line.
func Lines(kind, file string, data []byte, comments string) ([]Line, error) {
	var out []Line
	err := located.Lines(bytes.NewReader(data), kind, file, MaxLine, func(n int, text []byte) error {
		s := strings.TrimRight(string(text), "\r")
		trimmed := strings.TrimLeft(s, " \t")
		if trimmed == "" || strings.ContainsRune(comments, rune(trimmed[0])) {
			return nil
		}
		if w := strings.Fields(trimmed); len(w) > 0 { // not only other white space (\v, \f...)
			out = append(out, Line{N: n, Indent: len(s) - len(trimmed), Words: w})
		}
		return nil
	})
	return out, err
}
