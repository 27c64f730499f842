// Package policy reads the shared guardrail policy file: one YAML document,
// version 1, with one section per check. Reading is strict: an unknown key, a
// wrong type or a bad value is an error that names the file, line and key.
package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Policy is the whole file.
type Policy struct {
	Version         int             `yaml:"version"`
	SecurityUpdates SecurityUpdates `yaml:"security_updates"`
	OSVersions      OSVersions      `yaml:"os_versions"`
	Flows           Flows           `yaml:"flows"`
	Inventory       Inventory       `yaml:"inventory"`

	// File is where the policy was read from ("" for built-in defaults).
	File string `yaml:"-"`
}

// Limit bounds the policy file as read: a policy is hand-written (flows
// exported from AlgoSec included) and far smaller; /dev/zero or a FIFO
// given as --policy ends here, not in memory.
var Limit = located.Limit{Kind: "policy", Bytes: 4 << 20}

// Load reads the policy at path. When the file does not exist and required is
// false (the default path, not given on the command line), the built-in
// defaults are returned.
func Load(path string, required bool) (*Policy, error) {
	data, err := located.ReadFile(path, Limit)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !required {
			return Default(), nil
		}
		return nil, err
	}
	return Parse(path, data)
}

// Default is the policy in force when there is no file.
func Default() *Policy {
	return &Policy{Version: 1}
}

var lineRE = regexp.MustCompile(`line (\d+): `)

// quotedRE is what yaml.v3 quotes of a value in its type errors; a file that
// is not what it should be (--flows /etc/shadow) must never be echoed.
var quotedRE = regexp.MustCompile("`[^`]*`")

var fieldRE = regexp.MustCompile(`field (.*) not found`)

// Parse reads a policy from data; file names it in errors.
func Parse(file string, data []byte) (*Policy, error) {
	root, err := parseDocument("policy", file, data, "not a policy file: want a YAML mapping (version: 1, security_updates, os_versions, flows)",
		"version", "security_updates", "os_versions", "flows")
	if err != nil {
		return nil, err
	}
	if root == nil { // empty file
		return nil, &located.Error{Kind: "policy", File: file, Msg: "empty policy (expected at least \"version: 1\")"}
	}
	p := Default()
	p.Version = 0
	if err := decodeKnown(data, p); err != nil {
		return nil, yamlError("policy", file, root, err)
	}
	p.File = file
	if v := topValue(root, "version"); p.Version != 1 || v == nil || v.Tag != "!!int" || v.Value != "1" {
		msg := fmt.Sprintf("unsupported or missing version %d (this guardrail reads version 1)", p.Version)
		if v != nil && p.Version == 1 {
			msg = "version must be the integer 1 (this guardrail reads version 1)"
		}
		return nil, &located.Error{Kind: "policy", File: file, Line: keyLine(root, "version"), Key: "version", Msg: msg}
	}
	return p, nil
}

// parseDocument reads the one YAML document of data into a node tree and
// refuses what a policy or flows file has no use for: a second document,
// aliases (which would let a few KB expand to gigabytes: yaml.v3's alias
// budget restarts in every custom unmarshaler), and a top level that is not
// a mapping or has none of the known top-level keys (then the file is not
// ours, and nothing of it is quoted). An empty file gives a nil node.
func parseDocument(kind, file string, data []byte, notOurs string, known ...string) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, yamlError(kind, file, nil, err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		line := next.Line
		if err != nil {
			line = 0
		}
		return nil, &located.Error{Kind: kind, File: file, Line: line, Msg: "a second YAML document (---): the file must hold one"}
	}
	if len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode || !hasKnownKey(root.Content[0], known) {
		return nil, &located.Error{Kind: kind, File: file, Msg: notOurs}
	}
	if a, key := findAlias(&root, ""); a != nil {
		return nil, &located.Error{Kind: kind, File: file, Line: a.Line, Key: key,
			Msg: "YAML aliases (*name) and merge keys are not accepted: write the values out"}
	}
	return &root, nil
}

func hasKnownKey(m *yaml.Node, known []string) bool {
	for i := 0; i+1 < len(m.Content); i += 2 {
		for _, k := range known {
			if m.Content[i].Value == k {
				return true
			}
		}
	}
	return false
}

// nameRE is what a key may look like to be named in a message: anything
// else (a line of /etc/shadow read as a key) is content, never quoted.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_ ./()+-]{0,79}$`)

func nameOf(key string) string {
	if nameRE.MatchString(key) {
		return key
	}
	return "?"
}

// keyPath is the dotted key path of key under path (nameOf: a key that is
// not a name is "?").
func keyPath(path, key string) string {
	if path == "" {
		return nameOf(key)
	}
	return path + "." + nameOf(key)
}

// findAlias returns the first alias node and its key path, never following
// an alias.
func findAlias(n *yaml.Node, path string) (*yaml.Node, string) {
	switch n.Kind {
	case yaml.AliasNode:
		return n, path
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := keyPath(path, k.Value)
			if k.Kind == yaml.AliasNode {
				return k, p
			}
			if a, ap := findAlias(v, p); a != nil {
				return a, ap
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if a, ap := findAlias(c, fmt.Sprintf("%s[%d]", path, i)); a != nil {
				return a, ap
			}
		}
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if a, ap := findAlias(c, path); a != nil {
				return a, ap
			}
		}
	}
	return nil, ""
}

// topValue is the value node of a top-level key, or nil.
func topValue(root *yaml.Node, key string) *yaml.Node {
	if root == nil || len(root.Content) == 0 || root.Content[0].Kind != yaml.MappingNode {
		return nil
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// yamlError turns yaml.v3's errors ("yaml: line 4: ...", or a TypeError with
// one "line N: ..." per problem) into a located.Error naming the first line
// and the key found there. Values yaml.v3 quotes are dropped.
func yamlError(kind, file string, root *yaml.Node, err error) error {
	e, ours := locateYAML(kind, file, root, err)
	if ours {
		return e
	}
	msg := quotedRE.ReplaceAllString(e.Msg, "")
	if m := fieldRE.FindStringSubmatch(msg); m != nil && nameOf(m[1]) == "?" {
		msg = strings.Replace(msg, "field "+m[1]+" not found", "an unknown field", 1)
	}
	msg = strings.Join(strings.Fields(msg), " ")
	e.Msg = strings.Replace(msg, "in type policy.", "in section ", 1)
	return e
}

// locateYAML is the first line of a decoding error and the key found
// there, with yaml.v3's message as it stands; ours says the error is one
// of this package's unmarshalers (a locatedError), whose message is final.
func locateYAML(kind, file string, root *yaml.Node, err error) (e *located.Error, ours bool) {
	var le *locatedError
	if errors.As(err, &le) {
		return &located.Error{Kind: kind, File: file, Line: le.line, Key: keyAt(root, le.line), Msg: le.msg}, true
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
	return &located.Error{Kind: kind, File: file, Line: line, Key: keyAt(root, line), Msg: msg}, false
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
				p := keyPath(path, k.Value)
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
