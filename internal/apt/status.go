package apt

import (
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Installed is one package dpkg has on the system (any state but
// not-installed and config-files, as apt counts a current version).
type Installed struct {
	Package   string
	Arch      string // as dpkg records it, "all" included
	Version   string
	Held      bool   // dpkg selection "hold" (apt-mark hold)
	Status    string // the full Status field
	MultiArch string
	// Source and SourceVersion are dpkg's Source: field ("openssl",
	// "util-linux (2.38.1-5)" for a binNMU); empty when it names none, so
	// the source is Package at Version.
	Source, SourceVersion string
	Provides              []Relation
	// Relations of the installed version, as dpkg recorded them: an
	// upgrade that would break one is kept back.
	Depends, PreDepends, Recommends, Breaks, Conflicts [][]Relation
	File                                               string
	Line                                               int
}

// pkgKey identifies a package as apt does: Architecture: all packages
// belong to the native architecture.
type pkgKey struct{ name, arch string }

func keyFor(name, arch, native string) pkgKey {
	if arch == "all" || arch == "" {
		arch = native
	}
	return pkgKey{name, arch}
}

// Bounds of dpkg's files as read: a status of 5,000 packages is near 10 MiB.
var (
	statusLimit = located.Limit{Kind: "dpkg status", Bytes: 256 << 20}
	archLimit   = located.Limit{Kind: "dpkg arch", Bytes: 64 << 10}
)

// dpkgState is what the dpkg database says.
type dpkgState struct {
	installed []*Installed
	native    string
	foreign   []string
}

// readDpkg reads status, then applies the updates journal in numeric
// order, then works out the architectures.
// statusPath is Dir::State::status; the journal and the architecture list
// are dpkg's, next to it in its admin directory.
func readDpkg(statusPath string) (*dpkgState, error) {
	admin := filepath.Dir(statusPath)
	type id struct{ name, arch string }
	byID := map[id]*Installed{}
	var order []id
	apply := func(path string, mustExist bool) error {
		f, err := located.Open(path, statusLimit)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) && !mustExist {
				return nil
			}
			return err
		}
		defer f.Close()
		return readStanzas(f, path, controlOptions{}, 0, func(s *stanza) error {
			p, err := parseStatusStanza(s, path)
			if err != nil {
				return err
			}
			k := id{p.Package, p.Arch}
			if _, seen := byID[k]; !seen {
				order = append(order, k)
			}
			byID[k] = installedOrNil(p) // nil: a journal entry may remove
			return nil
		})
	}
	if err := apply(statusPath, true); err != nil {
		return nil, err
	}
	journal, err := journalFiles(filepath.Join(admin, "updates"))
	if err != nil {
		return nil, err
	}
	for _, j := range journal {
		if err := apply(j, false); err != nil {
			return nil, err
		}
	}
	st := &dpkgState{}
	counts := map[string]int{}
	for _, k := range order {
		if p := byID[k]; p != nil {
			st.installed = append(st.installed, p)
			if p.Package == "dpkg" {
				st.native = p.Arch
			}
			if p.Arch != "all" {
				counts[p.Arch]++
			}
		}
	}
	archFile := filepath.Join(admin, "arch")
	var listed []string
	if b, err := located.ReadFile(archFile, archLimit); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				listed = append(listed, l)
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if st.native == "" && len(listed) > 0 {
		st.native = listed[0]
	}
	if st.native == "" {
		best := 0
		for a, n := range counts {
			if n > best || (n == best && a < st.native) {
				st.native, best = a, n
			}
		}
	}
	if st.native == "" {
		if len(st.installed) == 0 {
			st.native = "amd64" // nothing installed: nothing to judge either
		} else {
			return nil, errAt(statusPath, 0, "cannot tell the native architecture (no dpkg package, no %s)", archFile)
		}
	}
	for _, a := range listed {
		if a != st.native && !contains(st.foreign, a) {
			st.foreign = append(st.foreign, a)
		}
	}
	return st, nil
}

// journalFiles lists /var/lib/dpkg/updates/NNNN (digits only) in numeric order.
func journalFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if os.IsNotExist(err) {
			return nil, nil
		}
		return nil, errAt(dir, 0, "%v", err)
	}
	type num struct {
		n    uint64
		path string
	}
	var nums []num
	for _, e := range ents {
		n, err := strconv.ParseUint(e.Name(), 10, 64)
		if err != nil || e.IsDir() {
			continue // tmp.i and friends
		}
		nums = append(nums, num{n, filepath.Join(dir, e.Name())})
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i].n < nums[j].n })
	out := make([]string, len(nums))
	for i, n := range nums {
		out[i] = n.path
	}
	return out, nil
}

// parseStatusStanza returns the package, or an Installed with only
// Package/Arch set and nil-able meaning when not installed (returned as nil
// through the caller's map: see readDpkg).
func parseStatusStanza(s *stanza, file string) (*Installed, error) {
	name, ok := s.get("Package")
	if !ok || name == "" {
		return nil, errAt(file, s.Line, "stanza without Package")
	}
	status, ok := s.get("Status")
	if !ok {
		return nil, errAt(file, s.Line, "package %s has no Status", name)
	}
	words := strings.Fields(status)
	if len(words) != 3 {
		return nil, errAt(file, s.lineOf("Status"), "package %s: Status %q is not \"want flag state\"", name, status)
	}
	switch words[0] {
	case "unknown", "install", "hold", "deinstall", "purge":
	default:
		return nil, errAt(file, s.lineOf("Status"), "package %s: unknown selection %q", name, words[0])
	}
	switch words[2] {
	case "not-installed", "config-files":
		return &Installed{Package: name, Arch: s.value("Architecture"), Status: status, Version: ""}, nil
	case "installed", "half-installed", "unpacked", "half-configured", "triggers-awaited", "triggers-pending":
	default:
		return nil, errAt(file, s.lineOf("Status"), "package %s: unknown state %q", name, words[2])
	}
	p := &Installed{Package: name, Arch: s.value("Architecture"), Version: s.value("Version"),
		Held: words[0] == "hold", Status: status, MultiArch: s.value("Multi-Arch"), File: file, Line: s.Line}
	if p.Version == "" {
		return nil, errAt(file, s.Line, "installed package %s has no Version", name)
	}
	if _, err := parseVersion(p.Version); err != nil {
		return nil, errAt(file, s.lineOf("Version"), "package %s: %v", name, err)
	}
	if p.Arch == "" {
		return nil, errAt(file, s.Line, "installed package %s has no Architecture", name)
	}
	if src, ok := s.get("Source"); ok {
		p.Source, p.SourceVersion = splitSource(src)
	}
	for _, r := range []struct {
		name string
		dst  *[][]Relation
	}{
		{"Depends", &p.Depends}, {"Pre-Depends", &p.PreDepends}, {"Recommends", &p.Recommends},
		{"Breaks", &p.Breaks}, {"Conflicts", &p.Conflicts},
	} {
		if v, ok := s.get(r.name); ok {
			rel, err := parseRelations(v)
			if err != nil {
				return nil, errAt(file, s.lineOf(r.name), "package %s: %s: %v", name, r.name, err)
			}
			*r.dst = rel
		}
	}
	if v, ok := s.get("Provides"); ok {
		rel, err := parseRelations(v)
		if err != nil {
			return nil, errAt(file, s.lineOf("Provides"), "package %s: Provides: %v", name, err)
		}
		for _, alt := range rel {
			p.Provides = append(p.Provides, alt...)
		}
	}
	return p, nil
}

// installedOrNil turns the "not installed" marker into nil.
func installedOrNil(p *Installed) *Installed {
	if p == nil || p.Version == "" {
		return nil
	}
	return p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
