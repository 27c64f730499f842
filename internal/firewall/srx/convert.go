package srx

import (
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// statement is one set (or deactivate) command with the line it came from.
type statement struct {
	line int
	// deactivate: "deactivate PATH" (set form), every command under PATH
	// is off; inactive: this command is off (an "inactive:" block of the
	// brace form).
	deactivate, inactive bool
	words                []string
}

// tokens splits a Junos line: quoted strings are one word; "[", "]",
// "{", "}", ";" are words of their own; "#" starts a comment.
func tokens(s string) ([]string, bool) {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return nil, false
			}
			cur.WriteString(s[i+1 : i+1+j])
			if cur.Len() == 0 {
				out = append(out, "")
			}
			i += j + 1
		case ch == '#':
			flush()
			return out, true
		case ch == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				flush()
				return out, true
			}
			i += j + 3
		case ch == ' ' || ch == '\t':
			flush()
		case ch == '{' || ch == '}' || ch == ';' || ch == '[' || ch == ']':
			flush()
			out = append(out, string(ch))
		default:
			cur.WriteByte(ch)
		}
	}
	flush()
	return out, true
}

// statements reads set-form lines ("set ...", "deactivate ...") or, when
// the text is in the curly-brace form, converts it once to set commands:
// each leaf ("word ... ;") under its enclosing blocks is one command, a
// list "[ a b ]" one command per element, "inactive:" a deactivation.
func statements(file string, data []byte) ([]statement, error) {
	lines, err := device.Lines(Kind, file, data, "#")
	if err != nil {
		return nil, err
	}
	var out []statement
	type level struct {
		words    []string
		inactive bool
	}
	var stack []level
	braces := false
	inComment := false
	for _, l := range lines {
		text := strings.Join(l.Words, " ")
		if inComment {
			end := strings.Index(text, "*/")
			if end < 0 {
				continue
			}
			text, inComment = text[end+2:], false
		}
		if i := strings.LastIndex(text, "/*"); i >= 0 && !strings.Contains(text[i:], "*/") && !strings.Contains(text[:i], "\"") {
			text, inComment = text[:i], true
		}
		w, ok := tokens(text)
		if !ok {
			return nil, &located.Error{Kind: Kind, File: file, Line: l.N, Msg: "unterminated quote"}
		}
		if len(w) == 0 {
			continue
		}
		if !braces && (w[0] == "set" || w[0] == "deactivate" || w[0] == "delete") {
			switch w[0] {
			case "set":
				out = append(out, statement{line: l.N, words: w[1:]})
			case "deactivate":
				out = append(out, statement{line: l.N, deactivate: true, words: w[1:]})
			default:
				return nil, &located.Error{Kind: Kind, File: file, Line: l.N, Msg: "delete commands are not read: give the configuration (show configuration | display set)"}
			}
			continue
		}
		if len(out) > 0 && !braces {
			return nil, &located.Error{Kind: Kind, File: file, Line: l.N, Msg: "set commands and curly braces mixed"}
		}
		braces = true
		// One line may hold several pieces: "a b { c d; }".
		for len(w) > 0 {
			inactive := false
			for len(w) > 0 && (w[0] == "inactive:" || w[0] == "protect:" || w[0] == "replace:") {
				inactive = inactive || w[0] == "inactive:"
				w = w[1:]
			}
			end := 0
			for end < len(w) && w[end] != "{" && w[end] != "}" && w[end] != ";" {
				end++
			}
			if end == len(w) {
				return nil, &located.Error{Kind: Kind, File: file, Line: l.N, Msg: "statement without ; or {"}
			}
			words, term := w[:end], w[end]
			w = w[end+1:]
			path := func() []string {
				var p []string
				for _, s := range stack {
					p = append(p, s.words...)
				}
				return p
			}
			anyInactive := inactive
			for _, s := range stack {
				anyInactive = anyInactive || s.inactive
			}
			switch term {
			case "{":
				stack = append(stack, level{words: words, inactive: inactive})
			case "}":
				if len(words) > 0 {
					return nil, &located.Error{Kind: Kind, File: file, Line: l.N, Msg: "statement without ;"}
				}
				if len(stack) == 0 {
					return nil, &located.Error{Kind: Kind, File: file, Line: l.N, Msg: "} without {"}
				}
				stack = stack[:len(stack)-1]
			case ";":
				base := append(path(), words...)
				if i := indexOf(base, "["); i >= 0 {
					j := indexOf(base, "]")
					if j < i {
						return nil, &located.Error{Kind: Kind, File: file, Line: l.N, Msg: "[ without ]"}
					}
					for _, v := range base[i+1 : j] {
						out = append(out, statement{line: l.N, inactive: anyInactive, words: append(append(append([]string(nil), base[:i]...), v), base[j+1:]...)})
					}
					continue
				}
				if len(base) > 0 {
					out = append(out, statement{line: l.N, words: base, inactive: anyInactive})
				}
			}
		}
	}
	if braces && len(stack) > 0 {
		return nil, &located.Error{Kind: Kind, File: file, Line: lines[len(lines)-1].N, Msg: "{ without }"}
	}
	return out, nil
}

func indexOf(w []string, s string) int {
	for i, x := range w {
		if x == s {
			return i
		}
	}
	return -1
}
