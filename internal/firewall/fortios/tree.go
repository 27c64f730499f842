package fortios

import (
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// section is one "config PATH ... end" block: its entries ("edit NAME ...
// next") and, for sections without entries, its own settings.
type section struct {
	path    string
	line    int
	entries []*entry
	own     *entry
}

// entry is one "edit NAME" with its settings and nested sections.
type entry struct {
	name string
	line int
	sets map[string]setting
	subs map[string]*section
}

type setting struct {
	values []string
	line   int
}

func (e *entry) get(key string) []string { return e.sets[key].values }

func (e *entry) one(key string) string {
	if v := e.sets[key].values; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (e *entry) lineOf(key string) int {
	if s, ok := e.sets[key]; ok {
		return s.line
	}
	return e.line
}

func newEntry(name string, line int) *entry {
	return &entry{name: name, line: line, sets: map[string]setting{}, subs: map[string]*section{}}
}

// words splits a FortiOS command line: double-quoted values may hold
// spaces and \" escapes. ok is false for an unterminated quote.
func words(s string) ([]string, bool) {
	var out []string
	var cur strings.Builder
	in, have := false, false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case in && ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case ch == '"':
			in, have = !in, true
		case !in && (ch == ' ' || ch == '\t'):
			if have || cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteByte(ch)
		}
	}
	if in {
		return nil, false
	}
	if have || cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out, true
}

// parseTree reads the config into its top-level sections (by path). VDOM
// wrappers ("config vdom / edit root") are opened: their sections count
// as top-level; vdoms names the VDOMs met.
func parseTree(file string, data []byte, c *Config) (map[string]*section, []string, error) {
	lines, err := device.Lines(Kind, file, data, "#")
	if err != nil {
		return nil, nil, err
	}
	top := map[string]*section{}
	var vdoms []string
	type frame struct {
		sec   *section
		entry *entry // the edit open in sec, or nil
		vdom  bool
	}
	var stack []frame
	for _, l := range lines {
		w, ok := words(strings.TrimSpace(strings.Join(l.Words, " ")))
		if !ok || len(w) == 0 {
			return nil, nil, &located.Error{Kind: Kind, File: file, Line: l.N, Msg: "unterminated quote"}
		}
		switch w[0] {
		case "config":
			if len(w) < 2 {
				return nil, nil, &located.Error{Kind: Kind, File: file, Line: l.N, Msg: "config without a section"}
			}
			path := strings.Join(w[1:], " ")
			s := &section{path: path, line: l.N}
			switch {
			case path == "vdom" || path == "global":
				stack = append(stack, frame{sec: s, vdom: true})
				continue
			case len(stack) == 0 || stack[len(stack)-1].vdom:
				if old := top[path]; old != nil {
					s = old // a section met again (another VDOM): merged, and refused later
				} else {
					top[path] = s
				}
			default:
				f := &stack[len(stack)-1]
				holder := f.entry
				if holder == nil {
					if f.sec.own == nil {
						f.sec.own = newEntry("", f.sec.line)
					}
					holder = f.sec.own
				}
				holder.subs[path] = s
			}
			stack = append(stack, frame{sec: s})
		case "edit":
			if len(stack) == 0 || len(w) != 2 {
				return nil, nil, &located.Error{Kind: Kind, File: file, Line: l.N, Msg: "edit outside a config section"}
			}
			f := &stack[len(stack)-1]
			if f.vdom {
				if f.sec.path == "vdom" {
					vdoms = append(vdoms, w[1])
				}
				f.entry = newEntry(w[1], l.N)
				// A VDOM's own sections follow directly.
				stack[len(stack)-1].vdom = true
				continue
			}
			f.entry = newEntry(w[1], l.N)
			f.sec.entries = append(f.sec.entries, f.entry)
		case "next":
			if len(stack) == 0 {
				return nil, nil, &located.Error{Kind: Kind, File: file, Line: l.N, Msg: "next outside a config section"}
			}
			stack[len(stack)-1].entry = nil
		case "end":
			if len(stack) == 0 {
				return nil, nil, &located.Error{Kind: Kind, File: file, Line: l.N, Msg: "end without config"}
			}
			stack = stack[:len(stack)-1]
		case "set", "unset", "append":
			if len(stack) == 0 || len(w) < 2 {
				return nil, nil, &located.Error{Kind: Kind, File: file, Line: l.N, Msg: w[0] + " outside a config section"}
			}
			f := &stack[len(stack)-1]
			if f.vdom {
				continue
			}
			e := f.entry
			if e == nil {
				if f.sec.own == nil {
					f.sec.own = newEntry("", f.sec.line)
				}
				e = f.sec.own
			}
			switch w[0] {
			case "set":
				e.sets[w[1]] = setting{values: w[2:], line: l.N}
			case "append":
				s := e.sets[w[1]]
				e.sets[w[1]] = setting{values: append(s.values, w[2:]...), line: l.N}
			case "unset":
				delete(e.sets, w[1])
			}
		default:
			c.Notes.Add(l.N, false, "command not read")
		}
	}
	if len(stack) > 0 {
		return nil, nil, &located.Error{Kind: Kind, File: file, Line: stack[len(stack)-1].sec.line, Msg: "config section without end"}
	}
	return top, vdoms, nil
}
