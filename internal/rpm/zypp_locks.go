package rpm

import (
	"bytes"
	"path"
	"regexp"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

const locksKind = "zypp locks file"

// ZyppLock is one record of /etc/zypp/locks as `zypper addlock` writes
// it: "key: value" lines, records apart by empty lines, e.g.
//
//	type: package
//	version: < 2.0
//	match_type: glob
//	case_sensitive: on
//	solvable_name: bar
//
// A lock matches solvables, installed and available alike: a locked
// installed package is kept as it is, a locked available one is never a
// candidate. (zypper 1.14 checked: solvable_name is matched against the
// name only, "name.arch" locks nothing; a lock with repo: matches only that
// repo's packages; locked offers are dropped before priorities are
// compared.)
type ZyppLock struct {
	File string
	Line int
	// Kind is the lock's type (package, patch, pattern, product...): only
	// package locks (and those with no type) bear on packages.
	Kind    string
	Repo    string
	Names   []string // solvable_name values, any of which may match
	Match   string   // exact, substring, glob (default) or regex
	Case    bool     // case_sensitive
	Op, EVR string   // version: OP EDITION (==, !=, <, <=, >, >=), or ""
	res     []*regexp.Regexp
}

// parseZyppLocks reads a locks file. A key the check cannot apply (the
// attribute queries zypper can write, words matching) is an error naming
// the line and key: guessing would report a held package as pending or
// the other way round.
func parseZyppLocks(b []byte, file string) ([]*ZyppLock, error) {
	var out []*ZyppLock
	var cur *ZyppLock
	finish := func() error {
		if cur == nil {
			return nil
		}
		l := cur
		cur = nil
		if l.Kind != "" && l.Kind != "package" {
			return nil
		}
		if len(l.Names) == 0 {
			return &located.Error{Kind: locksKind, File: file, Line: l.Line, Key: "solvable_name", Msg: "lock without a solvable_name is not read"}
		}
		for _, n := range l.Names {
			re, err := lockRegexp(l.Match, n, l.Case)
			if err != nil {
				return &located.Error{Kind: locksKind, File: file, Line: l.Line, Key: "solvable_name", Msg: "not a pattern of match_type " + l.Match}
			}
			l.res = append(l.res, re)
		}
		out = append(out, l)
		return nil
	}
	err := located.Lines(bytes.NewReader(b), locksKind, file, maxConfLine, func(n int, raw []byte) error {
		line := strings.TrimSpace(string(raw))
		if line == "" {
			return finish()
		}
		if line[0] == '#' {
			return nil
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			return &located.Error{Kind: locksKind, File: file, Line: n, Msg: "not key: value"}
		}
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if cur == nil {
			cur = &ZyppLock{File: file, Line: n, Match: "glob", Case: true}
		}
		switch key {
		case "type":
			cur.Kind = val
		case "repo":
			cur.Repo = val
		case "solvable_name":
			cur.Names = append(cur.Names, val)
		case "match_type":
			switch val {
			case "exact", "substring", "glob", "regex":
				cur.Match = val
			default:
				return &located.Error{Kind: locksKind, File: file, Line: n, Key: key, Msg: "match type not read (exact, substring, glob and regex are)"}
			}
		case "case_sensitive":
			switch val {
			case "on", "true", "1":
				cur.Case = true
			case "off", "false", "0":
				cur.Case = false
			default:
				return &located.Error{Kind: locksKind, File: file, Line: n, Key: key, Msg: "want on or off"}
			}
		case "version":
			op, evr, ok := strings.Cut(val, " ")
			switch op {
			case "==", "=", "!=", "<", "<=", ">", ">=":
			default:
				ok = false
			}
			if !ok || strings.TrimSpace(evr) == "" {
				return &located.Error{Kind: locksKind, File: file, Line: n, Key: key, Msg: "want an operator (== != < <= > >=) and a version"}
			}
			if op == "=" {
				op = "=="
			}
			cur.Op, cur.EVR = op, strings.TrimSpace(evr)
		case "install_status":
			if val != "all" {
				return &located.Error{Kind: locksKind, File: file, Line: n, Key: key, Msg: "only install_status all is read"}
			}
		default:
			return &located.Error{Kind: locksKind, File: file, Line: n, Key: key, Msg: "lock attribute not read (type, repo, solvable_name, match_type, case_sensitive and version are)"}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return out, nil
}

// lockRegexp turns one solvable_name of a match type into an anchored
// regular expression (libzypp's StrMatcher modes).
func lockRegexp(mode, pat string, caseSensitive bool) (*regexp.Regexp, error) {
	var expr string
	switch mode {
	case "exact":
		expr = "^" + regexp.QuoteMeta(pat) + "$"
	case "substring":
		expr = regexp.QuoteMeta(pat)
	case "glob":
		if _, err := path.Match(pat, ""); err != nil {
			return nil, err
		}
		expr = "^" + globExpr(pat) + "$"
	case "regex":
		expr = pat
	}
	if !caseSensitive {
		expr = "(?i)" + expr
	}
	return regexp.Compile(expr)
}

// globExpr is fnmatch's * ? [...] as a regular expression.
func globExpr(pat string) string {
	var b strings.Builder
	for i := 0; i < len(pat); i++ {
		switch c := pat[i]; c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			j := strings.IndexByte(pat[i+1:], ']')
			if j < 0 {
				b.WriteString(`\[`)
				continue
			}
			class := pat[i+1 : i+1+j]
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			}
			b.WriteString("[" + strings.ReplaceAll(class, `\`, `\\`) + "]")
			i += j + 1
		case '\\':
			if i+1 < len(pat) {
				i++
				b.WriteString(regexp.QuoteMeta(pat[i : i+1]))
			} else {
				b.WriteString(`\\`)
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}

// locks: the lock holds this package. repo is the repo alias of an
// available package, "" for an installed one (which is in zypper's
// @System, never in a named repo).
func (l *ZyppLock) locks(name, repo string, e EVR) bool {
	if l.Repo != "" && l.Repo != repo {
		return false
	}
	hit := false
	for _, re := range l.res {
		if re.MatchString(name) {
			hit = true
			break
		}
	}
	if !hit {
		return false
	}
	if l.Op == "" {
		return true
	}
	want := parseEVR(l.EVR)
	var c int
	if want.Release == "" { // "< 2.0" compares epoch and version only
		c = EVR{Epoch: e.Epoch, Version: e.Version}.Compare(EVR{Epoch: want.Epoch, Version: want.Version})
	} else {
		c = e.Compare(want)
	}
	switch l.Op {
	case "==":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}
