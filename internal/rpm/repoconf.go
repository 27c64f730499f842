package rpm

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

const (
	repoKind    = "dnf repo file"
	confKind    = "dnf.conf"
	maxConfFile = 4 << 20
	maxConfLine = 64 << 10
)

// Repo is one repository as dnf configures it (dnf.conf(5)), its values
// after variable substitution.
type Repo struct {
	ID             string
	File           string // where it is defined
	Line           int
	Enabled        bool
	Priority       int // 1 is best, default 99
	Cost           int // default 1000; never chooses versions, kept for the report
	BaseURL        []string
	Mirrorlist     string
	Metalink       string
	Exclude        []string // excludepkgs (exclude)
	Include        []string // includepkgs
	ModuleHotfixes bool
}

// Main is dnf.conf's [main] section, the parts that decide updates.
type Main struct {
	File             string
	Exclude          []string
	Include          []string
	InstallOnly      []string
	InstallOnlyLimit int
	Best             bool
	CacheDir         string // as configured, inside the root
	ReposDir         []string

	// Manager is ManagerDNF or ManagerYum: whose configuration this is.
	Manager string
	// Priorities: repo priorities decide candidates. dnf always; yum 3
	// only with plugins=1 and the priorities plugin enabled.
	Priorities bool
	// Plugins is yum.conf's plugins switch (dnf: always on).
	Plugins bool
	// HideInstalled: [main] excludes hide installed packages too (dnf);
	// yum 3 applies them to the repos only.
	HideInstalled bool
}

func defaultMain() Main {
	return Main{
		InstallOnly: []string{"kernel", "kernel-PAE", "installonlypkg(kernel)", "installonlypkg(kernel-module)",
			"installonlypkg(vm)", "multiversion(kernel)"},
		InstallOnlyLimit: 3,
		CacheDir:         "/var/cache/dnf",
		ReposDir:         []string{"/etc/yum.repos.d", "/etc/yum/repos.d", "/etc/distro.repos.d"},
		Manager:          ManagerDNF,
		Priorities:       true,
		Plugins:          true,
		HideInstalled:    true,
	}
}

// iniSection is one [section] of a dnf ini file: keys in order of appearance,
// the last value of a key winning as in libdnf's parser.
type iniSection struct {
	name   string
	line   int
	values map[string]iniValue
}

type iniValue struct {
	value string
	line  int
}

// parseINI reads dnf's ini dialect: [section], key=value (or key: value),
// '#' and ';' comments, and continuation lines that begin with white space
// (a baseurl listing several mirrors). Anything else is an error naming the
// line, never quoting it.
func parseINI(b []byte, kind, file string) ([]*iniSection, error) {
	var out []*iniSection
	var cur *iniSection
	var lastKey string
	err := located.Lines(bytes.NewReader(b), kind, file, maxConfLine, func(n int, raw []byte) error {
		line := strings.TrimRight(string(raw), " \t\r")
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';' {
			return nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cur == nil || lastKey == "" {
				return &located.Error{Kind: kind, File: file, Line: n, Msg: "continuation line outside a key"}
			}
			v := cur.values[lastKey]
			v.value += "\n" + trimmed
			cur.values[lastKey] = v
			return nil
		}
		if line[0] == '[' {
			end := strings.IndexByte(line, ']')
			if end < 0 || strings.TrimSpace(line[end+1:]) != "" {
				return &located.Error{Kind: kind, File: file, Line: n, Msg: "section header without a closing ]"}
			}
			name := strings.TrimSpace(line[1:end])
			if name == "" {
				return &located.Error{Kind: kind, File: file, Line: n, Msg: "empty section name"}
			}
			cur = &iniSection{name: name, line: n, values: map[string]iniValue{}}
			out = append(out, cur)
			lastKey = ""
			return nil
		}
		i := strings.IndexAny(line, "=:")
		if i <= 0 {
			return &located.Error{Kind: kind, File: file, Line: n, Msg: "neither a [section] nor key=value"}
		}
		if cur == nil {
			return &located.Error{Kind: kind, File: file, Line: n, Msg: "key=value before any [section]"}
		}
		key := strings.ToLower(strings.TrimSpace(line[:i]))
		cur.values[key] = iniValue{value: strings.TrimSpace(line[i+1:]), line: n}
		lastKey = key
		return nil
	})
	return out, err
}

// substitute replaces $name and ${name} by vars as libdnf does; unknown
// variables stay as written.
func substitute(s string, vars map[string]string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		j, name, braced := i+1, "", false
		if s[j] == '{' {
			braced = true
			j++
		}
		k := j
		for k < len(s) && (s[k] == '_' || s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z' || s[k] >= '0' && s[k] <= '9') {
			k++
		}
		name = s[j:k]
		if braced && (k >= len(s) || s[k] != '}') {
			b.WriteByte(s[i])
			continue
		}
		v, ok := vars[name]
		if name == "" || !ok {
			b.WriteByte(s[i])
			continue
		}
		b.WriteString(v)
		if braced {
			k++
		}
		i = k - 1
	}
	return b.String()
}

// listValue splits a list option on commas and white space.
func listValue(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
}

func boolValue(v iniValue, kind, file, key string) (bool, error) {
	switch strings.ToLower(v.value) {
	case "1", "yes", "true", "on":
		return true, nil
	case "0", "no", "false", "off":
		return false, nil
	}
	return false, &located.Error{Kind: kind, File: file, Line: v.line, Key: key, Msg: "want 1/0, yes/no, true/false or on/off"}
}

func intValue(v iniValue, kind, file, key string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v.value)
	if err != nil || n < lo || n > hi {
		return 0, &located.Error{Kind: kind, File: file, Line: v.line, Key: key, Msg: fmt.Sprintf("want a whole number from %d to %d", lo, hi)}
	}
	return n, nil
}

// parseMain reads [main] of dnf.conf (or yum.conf, over yum's defaults in
// m); the other sections are repos.
func parseMain(secs []*iniSection, file string, vars map[string]string) (Main, []Repo, error) {
	return parseMainOver(defaultMain(), confKind, secs, file, vars)
}

func parseMainOver(m Main, kind string, secs []*iniSection, file string, vars map[string]string) (Main, []Repo, error) {
	m.File = file
	var repos []Repo
	for _, s := range secs {
		if s.name != "main" {
			r, err := repoFromSection(s, kind, file, vars)
			if err != nil {
				return m, nil, err
			}
			repos = append(repos, r)
			continue
		}
		for _, key := range sortedKeys(s.values) {
			v := s.values[key]
			val := substitute(v.value, vars)
			var err error
			switch key {
			case "excludepkgs", "exclude":
				m.Exclude = listValue(val)
			case "includepkgs":
				m.Include = listValue(val)
			case "installonlypkgs":
				m.InstallOnly = listValue(val)
			case "installonly_limit":
				m.InstallOnlyLimit, err = intValue(v, kind, file, "main."+key, 0, 1<<20)
			case "best":
				m.Best, err = boolValue(v, kind, file, "main."+key)
			case "plugins":
				if m.Manager == ManagerYum {
					m.Plugins, err = boolValue(v, kind, file, "main."+key)
				}
			case "cachedir":
				m.CacheDir = val
			case "reposdir":
				m.ReposDir = listValue(val)
			}
			if err != nil {
				return m, nil, err
			}
		}
	}
	return m, repos, nil
}

func sortedKeys(m map[string]iniValue) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func repoFromSection(s *iniSection, kind, file string, vars map[string]string) (Repo, error) {
	r := Repo{ID: s.name, File: file, Line: s.line, Enabled: true, Priority: 99, Cost: 1000}
	for _, key := range sortedKeys(s.values) {
		v := s.values[key]
		val := substitute(v.value, vars)
		k := s.name + "." + key
		var err error
		switch key {
		case "enabled":
			r.Enabled, err = boolValue(v, kind, file, k)
		case "priority":
			r.Priority, err = intValue(v, kind, file, k, -1<<31, 1<<31-1)
		case "cost":
			r.Cost, err = intValue(v, kind, file, k, -1<<31, 1<<31-1)
		case "baseurl":
			r.BaseURL = listValue(val)
		case "mirrorlist":
			r.Mirrorlist = strings.TrimSpace(val)
		case "metalink":
			r.Metalink = strings.TrimSpace(val)
		case "excludepkgs", "exclude":
			r.Exclude = listValue(val)
		case "includepkgs":
			r.Include = listValue(val)
		case "module_hotfixes":
			r.ModuleHotfixes, err = boolValue(v, kind, file, k)
		}
		if err != nil {
			return r, err
		}
	}
	return r, nil
}

// parseRepoFile reads one *.repo file.
func parseRepoFile(b []byte, file string, vars map[string]string) ([]Repo, error) {
	secs, err := parseINI(b, repoKind, file)
	if err != nil {
		return nil, err
	}
	out := make([]Repo, 0, len(secs))
	for _, s := range secs {
		r, err := repoFromSection(s, repoKind, file, vars)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// readRepos reads the package manager's main configuration and every
// *.repo of its reposdir under root: dnf.conf for dnf, yum.conf for yum 3.
// A missing file means the manager's defaults. A repo id defined again is
// ignored after its first definition, as dnf and yum ignore it.
func readRepos(root string, vars map[string]string, manager string) (Main, []Repo, []Duplicate, error) {
	m, kind, files := defaultMain(), confKind, []string{"etc/dnf/dnf.conf"}
	if manager == ManagerYum {
		m, kind, files = defaultYumMain(), yumConfKind, yumConfFiles
	}
	var repos []Repo
	for _, rel := range files {
		file := filepath.Join(root, rel)
		b, err := located.ReadFile(file, located.Limit{Kind: kind, Bytes: maxConfFile})
		if isNotExist(err) {
			continue
		}
		if err != nil {
			return m, nil, nil, err
		}
		secs, err := parseINI(b, kind, file)
		if err != nil {
			return m, nil, nil, err
		}
		if m, repos, err = parseMainOver(m, kind, secs, file, vars); err != nil {
			return m, nil, nil, err
		}
		break
	}
	if manager == ManagerYum {
		if err := m.readYumPlugins(root); err != nil {
			return m, nil, nil, err
		}
	}
	var dups []Duplicate
	seen := map[string]Repo{}
	repos = validRepos(repos)
	for _, r := range repos {
		seen[r.ID] = r
	}
	for _, dir := range m.ReposDir {
		files, _ := filepath.Glob(filepath.Join(root, dir, "*.repo"))
		sort.Strings(files)
		for _, f := range files {
			b, err := located.ReadFile(f, located.Limit{Kind: repoKind, Bytes: maxConfFile})
			if err != nil {
				return m, nil, nil, err
			}
			rs, err := parseRepoFile(b, f, vars)
			if err != nil {
				return m, nil, nil, err
			}
			for _, r := range validRepos(rs) {
				if prev, dup := seen[r.ID]; dup {
					dups = append(dups, Duplicate{ID: r.ID, File: r.File, Line: r.Line, First: prev.File, FirstLine: prev.Line})
					continue
				}
				repos = append(repos, r)
				seen[r.ID] = r
			}
		}
	}
	return m, repos, dups, nil
}

// validRepos drops the repos whose id dnf and yum refuse ("Bad id for
// repo"): only ASCII letters, digits and -_.: may name one, and such a name
// is never a path outside the cache.
func validRepos(rs []Repo) []Repo {
	out := rs[:0]
	for _, r := range rs {
		ok := r.ID != "" && r.ID != "." && r.ID != ".."
		for i := 0; ok && i < len(r.ID); i++ {
			c := r.ID[i]
			ok = isAlnum(c) || c == '-' || c == '_' || c == '.' || c == ':'
		}
		if ok {
			out = append(out, r)
		}
	}
	return out
}

// Duplicate is a repo id defined a second time; dnf uses the first.
type Duplicate struct {
	ID        string
	File      string
	Line      int
	First     string
	FirstLine int
}
