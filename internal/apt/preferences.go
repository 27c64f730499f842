package apt

import (
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Pin is one stanza of apt_preferences(5).
type Pin struct {
	Packages []string // names, globs, /regex/, src:name, name:arch; nil for "*"
	Type     string   // "release", "origin" or "version"
	Data     string   // what follows the type word
	Priority int
	File     string
	Line     int

	release map[string]matcher // release pins: a n o l c v b
	value   matcher            // origin and version pins
	names   []nameMatcher
}

type matcher struct {
	re   *regexp.Regexp
	glob string
}

func (m matcher) match(s string) bool {
	if m.re != nil {
		return m.re.MatchString(s)
	}
	if m.glob == s {
		return true
	}
	if strings.ContainsAny(m.glob, "*?[") {
		ok, err := path.Match(m.glob, s)
		return err == nil && ok
	}
	return false
}

// newMatcher follows apt's ExpressionMatches: /regex/ or a fnmatch glob.
func newMatcher(s string) (matcher, error) {
	if len(s) >= 2 && s[0] == '/' && s[len(s)-1] == '/' {
		re, err := regexp.Compile(s[1 : len(s)-1])
		if err != nil {
			return matcher{}, err
		}
		return matcher{re: re}, nil
	}
	return matcher{glob: s}, nil
}

type nameMatcher struct {
	source bool // src:name
	arch   string
	m      matcher
}

// Generic reports a "Package: *" pin, which sets the priority of whole
// Packages files rather than of versions.
func (p *Pin) Generic() bool { return p.Packages == nil }

// preferencesLimit bounds one preferences file as read.
var preferencesLimit = located.Limit{Kind: "preferences", Bytes: 4 << 20}

// readPreferences reads /etc/apt/preferences then preferences.d/* (files
// with no extension or ".pref", in name order, as apt does;
// Dir::Etc::preferences and Dir::Etc::preferencesparts).
func readPreferences(main, dir string) ([]*Pin, error) {
	var files []string
	if _, err := os.Stat(main); err == nil {
		files = append(files, main)
	}
	names, err := partNames(dir, "", ".pref")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		files = append(files, filepath.Join(dir, n))
	}
	var pins []*Pin
	for _, f := range files {
		fh, err := located.Open(f, preferencesLimit)
		if err != nil {
			return nil, err
		}
		p, err := parsePreferences(fh, f)
		fh.Close()
		if err != nil {
			return nil, err
		}
		pins = append(pins, p...)
	}
	return pins, nil
}

// parsePreferences parses one preferences file.
func parsePreferences(r io.Reader, file string) ([]*Pin, error) {
	var pins []*Pin
	err := readStanzas(r, file, controlOptions{comments: true}, 0, func(s *stanza) error {
		pkg, ok := s.get("Package")
		if !ok || strings.TrimSpace(pkg) == "" {
			if _, src := s.get("Source"); src {
				return errAt(file, s.Line, "Source: pins are not supported, use Package: src:name")
			}
			return errAt(file, s.Line, "preferences stanza without Package")
		}
		pinText, ok := s.get("Pin")
		if !ok {
			return errAt(file, s.Line, "preferences stanza without Pin")
		}
		prioText, ok := s.get("Pin-Priority")
		if !ok {
			return errAt(file, s.Line, "preferences stanza without Pin-Priority")
		}
		prio, err := strconv.Atoi(strings.TrimSpace(prioText))
		if err != nil || prio == 0 || prio < -32768 || prio > 32767 {
			return errAt(file, s.lineOf("Pin-Priority"), "Pin-Priority %q is not a non-zero integer", prioText)
		}
		typ, data := cutWord(pinText)
		typ = strings.ToLower(typ)
		data = strings.TrimSpace(data)
		p := &Pin{Type: typ, Data: data, Priority: prio, File: file, Line: s.Line}
		if strings.TrimSpace(pkg) != "*" {
			p.Packages = strings.Fields(pkg)
			for _, n := range p.Packages {
				nm := nameMatcher{}
				if strings.HasPrefix(n, "src:") {
					nm.source, n = true, n[4:]
				} else if i := strings.LastIndexByte(n, ':'); i > 0 && !strings.HasPrefix(n, "/") {
					n, nm.arch = n[:i], n[i+1:]
				}
				if nm.m, err = newMatcher(n); err != nil {
					return errAt(file, s.lineOf("Package"), "bad package pattern %q: %v", n, err)
				}
				p.names = append(p.names, nm)
			}
		}
		line := s.lineOf("Pin")
		switch typ {
		case "release":
			p.release = map[string]matcher{}
			if !strings.Contains(data, "=") {
				// "Pin: release stable": a bare word is an archive or a
				// codename, a number a version (apt's pkgVersionMatch).
				key := "r"
				if data != "" && data[0] >= '0' && data[0] <= '9' {
					key = "v"
				}
				if data != "" {
					m, err := newMatcher(data)
					if err != nil {
						return errAt(file, line, "bad pattern %q: %v", data, err)
					}
					p.release[key] = m
				}
				break
			}
			for _, part := range strings.Split(data, ",") {
				k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
				k = strings.TrimSpace(k)
				if !ok || len(k) != 1 || !strings.Contains("anolcvb", k) {
					return errAt(file, line, "bad release pin term %q (want a=, n=, o=, l=, c=, v= or b=)", part)
				}
				m, err := newMatcher(strings.TrimSpace(v))
				if err != nil {
					return errAt(file, line, "bad pattern %q: %v", v, err)
				}
				p.release[k] = m
			}
		case "origin":
			p.value = matcher{glob: strings.Trim(data, "\"")}
		case "version":
			if p.Generic() {
				return errAt(file, line, "a version pin needs a package name, not *")
			}
			if p.value, err = newMatcher(data); err != nil {
				return errAt(file, line, "bad version pattern %q: %v", data, err)
			}
		default:
			return errAt(file, line, "unknown pin type %q (want release, origin or version)", typ)
		}
		pins = append(pins, p)
		return nil
	})
	return pins, err
}

// matchesPackage reports whether a specific pin names this package.
func (p *Pin) matchesPackage(v *Version, native string) bool {
	for _, n := range p.names {
		if n.source {
			if n.m.match(v.Source) {
				return true
			}
			continue
		}
		// a pin without :arch is for the native architecture (and all)
		want := n.arch
		if want == "" {
			want = native
		}
		arch := v.Arch
		if arch == "all" {
			arch = native
		}
		if want != "any" && want != arch {
			continue
		}
		if n.m.match(v.Package) {
			return true
		}
	}
	return false
}

// matchesFile reports whether a release or origin pin matches a list.
func (p *Pin) matchesFile(f *IndexFile) bool {
	switch p.Type {
	case "origin":
		return p.value.match(f.Source.host())
	case "release":
		if f.Release == nil || f.Release.File == "" {
			return false
		}
		r := f.Release
		for k, m := range p.release {
			var s string
			switch k {
			case "r":
				if !(r.Suite != "" && m.match(r.Suite)) && !(r.Codename != "" && m.match(r.Codename)) {
					return false
				}
				continue
			case "a":
				s = r.Suite
			case "n":
				s = r.Codename
			case "o":
				s = r.Origin
			case "l":
				s = r.Label
			case "c":
				s = f.Component
			case "v":
				s = r.Version
			case "b":
				s = f.Arch
			}
			if s == "" || !m.match(s) {
				return false
			}
		}
		return true
	}
	return false
}

// matchesVersion reports whether a specific pin selects this version.
func (p *Pin) matchesVersion(v *Version) bool {
	switch p.Type {
	case "version":
		if p.value.re == nil && strings.HasSuffix(p.value.glob, "*") && !strings.ContainsAny(strings.TrimSuffix(p.value.glob, "*"), "*?[") {
			return strings.HasPrefix(v.Version, strings.TrimSuffix(p.value.glob, "*"))
		}
		return p.value.match(v.Version)
	default:
		for _, f := range v.Files {
			if p.matchesFile(f) {
				return true
			}
		}
		return false
	}
}
