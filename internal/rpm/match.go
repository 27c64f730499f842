package rpm

import (
	"path"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// nevraForms are the spellings a package pattern (excludepkgs, includepkgs,
// versionlock) is matched against, as dnf's Subject tries them: the name,
// name.arch and the name-[epoch:]version[-release][.arch] forms.
func nevraForms(name, arch string, e EVR) []string {
	ep := strconv.Itoa(e.Epoch)
	return []string{
		name,
		name + "." + arch,
		name + "-" + e.Version,
		name + "-" + e.Version + "-" + e.Release,
		name + "-" + e.Version + "-" + e.Release + "." + arch,
		name + "-" + ep + ":" + e.Version,
		name + "-" + ep + ":" + e.Version + "-" + e.Release,
		name + "-" + ep + ":" + e.Version + "-" + e.Release + "." + arch,
	}
}

// matchesAny says whether a glob of patterns matches one of the package's forms.
func matchesAny(patterns []string, name, arch string, e EVR) bool {
	if len(patterns) == 0 {
		return false
	}
	forms := nevraForms(name, arch, e)
	for _, p := range patterns {
		for _, f := range forms {
			if ok, err := path.Match(p, f); ok && err == nil {
				return true
			}
		}
	}
	return false
}

const versionlockKind = "versionlock"

// readVersionlock reads the versionlock plugin's configuration and, when
// the plugin is enabled, its lock list (one pattern a line, # comments).
func (s *System) readVersionlock() error {
	conf := s.Root + "/etc/dnf/plugins/versionlock.conf"
	b, err := located.ReadFile(conf, located.Limit{Kind: versionlockKind, Bytes: maxConfFile})
	if isNotExist(err) {
		return nil // the plugin is not installed
	}
	if err != nil {
		return err
	}
	secs, err := parseINI(b, versionlockKind, conf)
	if err != nil {
		return err
	}
	enabled, list := false, "/etc/dnf/plugins/versionlock.list"
	for _, sec := range secs {
		if sec.name != "main" {
			continue
		}
		if v, ok := sec.values["enabled"]; ok {
			if enabled, err = boolValue(v, versionlockKind, conf, "main.enabled"); err != nil {
				return err
			}
		}
		if v, ok := sec.values["locklist"]; ok {
			list = v.value
		}
	}
	if !enabled {
		return nil
	}
	b, file, err := s.readLocklist(list)
	if err != nil || b == nil {
		return err
	}
	s.VersionlockFile = file
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' {
			continue
		}
		s.Versionlock = append(s.Versionlock, l)
	}
	return nil
}

// readLocklist reads a versionlock plugin's lock list (nil when absent).
// The plugins open locklist as written (yum's as a URL, file:// or a
// path): on the host itself that is inside the root; a path that already
// names the root is taken as is.
func (s *System) readLocklist(list string) ([]byte, string, error) {
	list = strings.TrimPrefix(list, "file://")
	file := s.Root + "/" + strings.TrimPrefix(list, "/")
	if root := strings.TrimSuffix(s.Root, "/") + "/"; root != "/" && strings.HasPrefix(list, root) {
		file = list
	}
	b, err := located.ReadFile(file, located.Limit{Kind: versionlockKind, Bytes: maxConfFile})
	if isNotExist(err) {
		return nil, file, nil
	}
	if err != nil {
		return nil, file, err
	}
	return b, file, nil
}
