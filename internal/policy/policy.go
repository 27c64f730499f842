// Package policy reads the shared guardrail policy file: one YAML document,
// version 1, with one section per check. Reading is strict: an unknown key, a
// wrong type or a bad value is an error that names the file, line and key.
package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Policy is the whole file.
type Policy struct {
	Version         int             `yaml:"version"`
	SecurityUpdates SecurityUpdates `yaml:"security_updates"`
	OSVersions      OSVersions      `yaml:"os_versions"`
	Flows           Flows           `yaml:"flows"`

	// File is where the policy was read from ("" for built-in defaults).
	File string `yaml:"-"`
}

// Error is a policy problem at a place in the file.
type Error struct {
	File string
	Line int
	Key  string // dotted path, e.g. security_updates.sla.critical_days
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("policy ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ", line %d", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ", key %s", e.Key)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// maxSize bounds the policy file; a policy is hand-written and small.
const maxSize = 16 << 20

// Load reads the policy at path. When the file does not exist and required is
// false (the default path, not given on the command line), the built-in
// defaults are returned.
func Load(path string, required bool) (*Policy, error) {
	data, err := readFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !required {
			return Default(), nil
		}
		return nil, &Error{File: path, Msg: err.Error()}
	}
	return Parse(path, data)
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, errors.New("is a directory")
	}
	if st.Size() > maxSize {
		return nil, fmt.Errorf("file of %d bytes is larger than %d", st.Size(), maxSize)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(f); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// Default is the policy in force when there is no file.
func Default() *Policy {
	return &Policy{Version: 1}
}

var lineRE = regexp.MustCompile(`line (\d+): `)

// Parse reads a policy from data; file names it in errors.
func Parse(file string, data []byte) (*Policy, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(file, nil, err)
	}
	p := Default()
	if len(root.Content) == 0 { // empty file
		return nil, &Error{File: file, Msg: "empty policy (expected at least \"version: 1\")"}
	}
	p.Version = 0
	if err := decodeKnown(data, p); err != nil {
		return nil, yamlError(file, &root, err)
	}
	p.File = file
	if p.Version != 1 {
		return nil, &Error{File: file, Line: keyLine(&root, "version"), Key: "version",
			Msg: fmt.Sprintf("unsupported or missing version %d (this guardrail reads version 1)", p.Version)}
	}
	return p, nil
}

// yamlError turns yaml.v3's errors ("yaml: line 4: ...", or a TypeError with
// one "line N: ..." per problem) into an Error naming the first line and the
// key found there.
func yamlError(file string, root *yaml.Node, err error) error {
	var le *locatedError
	if errors.As(err, &le) {
		return &Error{File: file, Line: le.line, Key: keyAt(root, le.line), Msg: le.msg}
	}
	msg := err.Error()
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if m := lineRE.FindStringSubmatchIndex(msg); m != nil {
		line, _ = strconv.Atoi(msg[m[2]:m[3]])
		msg = msg[:m[0]] + msg[m[1]:]
	}
	msg = strings.Replace(msg, "in type policy.", "in section ", 1)
	return &Error{File: file, Line: line, Key: keyAt(root, line), Msg: msg}
}

// locatedError is returned by custom unmarshalers that know their node.
type locatedError struct {
	line int
	msg  string
}

func (e *locatedError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func errorAt(n *yaml.Node, format string, args ...any) error {
	return &locatedError{line: n.Line, msg: fmt.Sprintf(format, args...)}
}

// keyAt finds the dotted key path of the mapping entry on the given line.
func keyAt(root *yaml.Node, line int) string {
	if root == nil || line == 0 {
		return ""
	}
	var best string
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				if k.Line == line || v.Line == line && best == "" {
					best = p
				}
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				if c.Line == line && best == "" {
					best = p
				}
				walk(c, p)
			}
		}
	}
	walk(root, "")
	return best
}

func keyLine(root *yaml.Node, key string) int {
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return 0
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return 0
}

// Days is a whole number of days, at least 0.
type Days int

// UnmarshalYAML accepts a non-negative integer.
func (d *Days) UnmarshalYAML(n *yaml.Node) error {
	v, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || v < 0 || v > 36500 {
		return errorAt(n, "want a whole number of days from 0 to 36500, not %q", n.Value)
	}
	*d = Days(v)
	return nil
}

// Duration of the days.
func (d Days) Duration() time.Duration { return time.Duration(d) * 24 * time.Hour }

// Text is a string that remembers its line, for errors found later by the
// packages that interpret it (a version that does not parse for its platform).
type Text struct {
	Value string
	Line  int
}

// UnmarshalYAML accepts any scalar.
func (t *Text) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return errorAt(n, "want a single value, not a list or mapping")
	}
	*t = Text{Value: n.Value, Line: n.Line}
	return nil
}

// Date is a calendar day (YYYY-MM-DD).
type Date struct {
	time.Time
	Line int
}

// UnmarshalYAML accepts YYYY-MM-DD.
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	t, err := time.Parse("2006-01-02", n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return errorAt(n, "want a date as YYYY-MM-DD, not %q", n.Value)
	}
	*d = Date{Time: t, Line: n.Line}
	return nil
}

// Regexp is a Go regular expression.
type Regexp struct {
	*regexp.Regexp
	Line int
}

// UnmarshalYAML compiles the pattern.
func (r *Regexp) UnmarshalYAML(n *yaml.Node) error {
	re, err := regexp.Compile(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil {
		return errorAt(n, "want a regular expression: %v", err)
	}
	*r = Regexp{Regexp: re, Line: n.Line}
	return nil
}
