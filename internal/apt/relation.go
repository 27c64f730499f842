package apt

import (
	"fmt"
	"strings"
	"sync"

	debversion "github.com/knqyf263/go-deb-version"
)

// Relation is one alternative of a Depends/Pre-Depends/Provides entry.
type Relation struct {
	Name    string
	Arch    string // ":any", ":amd64" qualifier without the colon, or ""
	Op      string // "", "<<", "<=", "=", ">=", ">>"
	Version string
}

// parseRelations parses "a (>= 1) | b:any, c" into groups of alternatives.
func parseRelations(s string) ([][]Relation, error) {
	var out [][]Relation
	for _, group := range strings.Split(s, ",") {
		group = strings.TrimSpace(group)
		if group == "" {
			continue
		}
		var alts []Relation
		for _, alt := range strings.Split(group, "|") {
			r, err := parseRelation(strings.TrimSpace(alt))
			if err != nil {
				return nil, err
			}
			alts = append(alts, r)
		}
		out = append(out, alts)
	}
	return out, nil
}

func parseRelation(s string) (Relation, error) {
	var r Relation
	// drop architecture restrictions [..] and build profiles <..>
	if i := strings.IndexAny(s, "[<"); i >= 0 && !strings.Contains(s[:i], "(") {
		s = strings.TrimSpace(s[:i])
	}
	name := s
	if i := strings.IndexByte(s, '('); i >= 0 {
		name = strings.TrimSpace(s[:i])
		j := strings.IndexByte(s, ')')
		if j < i {
			return r, fmt.Errorf("unclosed version in %q", s)
		}
		c := strings.TrimSpace(s[i+1 : j])
		for _, op := range []string{"<<", "<=", ">=", ">>", "=", "<", ">"} {
			if strings.HasPrefix(c, op) {
				r.Op = op
				r.Version = strings.TrimSpace(c[len(op):])
				break
			}
		}
		switch r.Op {
		case "<":
			r.Op = "<="
		case ">":
			r.Op = ">="
		case "":
			return r, fmt.Errorf("bad version constraint %q", c)
		}
		if r.Version == "" {
			return r, fmt.Errorf("empty version in %q", s)
		}
	}
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name, r.Arch = name[:i], name[i+1:]
	}
	if name == "" || strings.ContainsAny(name, " \t()") {
		return r, fmt.Errorf("bad package name in %q", s)
	}
	r.Name = name
	return r, nil
}

// versions caches parsed versions: the same strings recur across lists.
var versions sync.Map // string -> debversion.Version

func parseVersion(s string) (debversion.Version, error) {
	if v, ok := versions.Load(s); ok {
		return v.(debversion.Version), nil
	}
	v, err := debversion.NewVersion(s)
	if err != nil {
		return v, fmt.Errorf("bad version %q: %v", s, err)
	}
	versions.Store(s, v)
	return v, nil
}

// compareVersions is dpkg's order; unparsable versions were rejected at
// read time, so errors here sort as equal.
func compareVersions(a, b string) int {
	if a == b {
		return 0
	}
	va, err1 := parseVersion(a)
	vb, err2 := parseVersion(b)
	if err1 != nil || err2 != nil {
		return strings.Compare(a, b)
	}
	if c := va.Epoch() - vb.Epoch(); c != 0 {
		return c
	}
	if c := versionPartOrder(va.Version(), vb.Version()); c != 0 {
		return c
	}
	return versionPartOrder(va.Revision(), vb.Revision())
}

// versionPartOrder is Debian Policy's order (5.6.12) of an upstream version
// or a revision: alternately the longest runs of non-digits, compared
// character by character with "~" before everything (the end included)
// and letters before other characters, and runs of digits, compared as
// numbers. It allocates nothing: the library's Compare splits with
// regular expressions on every call, and deciding kept-back packages
// compares often.
func versionPartOrder(a, b string) int {
	for a != "" || b != "" {
		for (a != "" && !isDigit(a[0])) || (b != "" && !isDigit(b[0])) {
			ca, cb := charOrder(a), charOrder(b)
			if ca != cb {
				return ca - cb
			}
			a, b = a[1:], b[1:]
		}
		na, nb := digitRun(a), digitRun(b)
		a, b = a[len(na):], b[len(nb):]
		na, nb = strings.TrimLeft(na, "0"), strings.TrimLeft(nb, "0")
		if len(na) != len(nb) {
			return len(na) - len(nb)
		}
		if c := strings.Compare(na, nb); c != 0 {
			return c
		}
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// charOrder is the weight of the first character of s in a non-digit run
// (s ends or reaches a digit: 0). A byte past ASCII (never valid in a
// version, though dpkg and apt compare such versions with a warning) weighs
// as dpkg's and apt's order() weigh it where char is signed (amd64, i386):
// below every ASCII non-letter (`dpkg --compare-versions 1Ƙ lt 1+`).
func charOrder(s string) int {
	switch {
	case s == "" || isDigit(s[0]):
		return 0
	case s[0] == '~':
		return -1
	case s[0] >= 'a' && s[0] <= 'z' || s[0] >= 'A' && s[0] <= 'Z':
		return int(s[0])
	}
	return int(int8(s[0])) + 256
}

func digitRun(s string) string {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return s[:i]
}

// satisfies reports whether version v meets op/want.
func satisfies(v, op, want string) bool {
	if op == "" {
		return true
	}
	if v == "" {
		return false
	}
	c := compareVersions(v, want)
	switch op {
	case "<<":
		return c < 0
	case "<=":
		return c <= 0
	case "=":
		return c == 0
	case ">=":
		return c >= 0
	case ">>":
		return c > 0
	}
	return false
}
