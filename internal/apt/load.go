package apt

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

var machineIDLimit = located.Limit{Kind: "machine-id", Bytes: 4096}

// System is everything gathered from one root: what dpkg has installed and
// what the live apt lists offer for those packages.
type System struct {
	Root          string
	NativeArch    string   // Architecture of the dpkg package itself (see readDpkg)
	ForeignArches []string // /var/lib/dpkg/arch minus the native one
	Installed     []*Installed
	Sources       []Source
	Lists         []*IndexFile // Packages lists referenced by a live source and present
	// Unfetched are live sources without a single list on disk: apt-get
	// update never succeeded for them, so their updates cannot be seen.
	Unfetched []Source
	Releases  []*Release // their (In)Release files, one per suite
	Pins      []*Pin
	MachineID string  // /etc/machine-id, for phasing
	Config    *Config // apt.conf

	versions map[pkgKey][]*Version // offered versions of installed packages
}

// Load gathers everything under root (treated as "/", like apt's -o Dir=).
// It reads, never writes, and needs no lock and no root privileges.
func Load(ctx context.Context, root string) (*System, error) {
	if root == "" {
		root = "/"
	}
	conf, err := readConfig(root)
	if err != nil {
		return nil, err
	}
	d, err := readDpkg(conf.File(root, "Dir::State::status"))
	if err != nil {
		return nil, err
	}
	s := &System{Root: root, NativeArch: d.native, ForeignArches: d.foreign, Installed: d.installed,
		Config: conf, versions: map[pkgKey][]*Version{}}
	if s.Sources, err = readSources(conf.File(root, "Dir::Etc::sourcelist"), conf.File(root, "Dir::Etc::sourceparts")); err != nil {
		return nil, err
	}
	if s.Pins, err = readPreferences(conf.File(root, "Dir::Etc::preferences"), conf.File(root, "Dir::Etc::preferencesparts")); err != nil {
		return nil, err
	}
	if b, err := located.ReadFile(filepath.Join(root, "etc/machine-id"), machineIDLimit); err == nil {
		s.MachineID = strings.TrimSpace(string(b))
	}
	if rel := conf.String("APT::Default-Release", ""); rel != "" {
		pin, err := defaultReleasePin(rel)
		if err != nil {
			return nil, err
		}
		s.Pins = append([]*Pin{pin}, s.Pins...)
	}
	if err := s.findLists(); err != nil {
		return nil, err
	}
	if err := s.checkDefaultRelease(); err != nil {
		return nil, err
	}
	if err := s.readLists(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// findLists maps every (source, component, architecture) to its list file
// under var/lib/apt/lists; lists apt has not fetched are skipped as apt
// skips them, and lists no source references are never looked at.
func (s *System) findLists() error {
	dir := s.Config.File(s.Root, "Dir::State::lists")
	seen := map[string]bool{}
	releases := map[string]*Release{}
	arches := append([]string{s.NativeArch}, s.ForeignArches...)
	for _, src := range s.Sources {
		prefix := filepath.Join(dir, src.releasePrefix())
		rel, ok := releases[prefix]
		if !ok {
			var err error
			rel, err = readReleaseFile(prefix + "InRelease")
			if errors.Is(err, os.ErrNotExist) {
				rel, err = readReleaseFile(prefix + "Release")
			}
			if errors.Is(err, os.ErrNotExist) {
				rel, err = &Release{}, nil // no Release: lists carry no release fields
			}
			if err != nil {
				return err
			}
			releases[prefix] = rel
		}
		want := arches
		if len(src.Arches) > 0 {
			want = src.Arches
		}
		comps := src.Components
		if src.Flat() {
			comps = []string{""}
		} else if !contains(want, "all") {
			// apt also reads binary-all of every component when it was
			// fetched: Architecture: all packages published only there.
			want = append(append([]string(nil), want...), "all")
		}
		used := false
		for _, comp := range comps {
			for _, arch := range want {
				base := filepath.Join(dir, src.packagesName(comp, arch))
				if seen[base] {
					continue
				}
				if !listExists(base) {
					continue
				}
				seen[base] = true
				used = true
				s.Lists = append(s.Lists, &IndexFile{Path: base, Release: rel, Source: src, Component: comp, Arch: arch})
				if src.Flat() {
					break // one list for all architectures
				}
			}
		}
		if !used && !s.fetchedBefore(src) {
			s.Unfetched = append(s.Unfetched, src)
		}
		if used && rel.File != "" && !containsRelease(s.Releases, rel) {
			s.Releases = append(s.Releases, rel)
		}
	}
	return nil
}

// fetchedBefore: a source repeated (same URI and suite, e.g. deb and
// deb-src-less duplicates) whose lists an earlier line already found.
func (s *System) fetchedBefore(src Source) bool {
	for _, l := range s.Lists {
		if l.Source.URI == src.URI && l.Source.Suite == src.Suite {
			return true
		}
	}
	return false
}

func containsRelease(list []*Release, r *Release) bool {
	for _, x := range list {
		if x == r {
			return true
		}
	}
	return false
}

func listExists(base string) bool {
	for _, ext := range compressions {
		if _, err := os.Stat(base + ext); err == nil {
			return true
		}
	}
	return false
}

// readLists streams the lists in parallel, keeping only stanzas of
// installed packages.
func (s *System) readLists(ctx context.Context) error {
	wanted := make(map[string]struct{}, len(s.Installed))
	for _, p := range s.Installed {
		wanted[p.Package] = struct{}{}
	}
	okArch := map[string]bool{"all": true, s.NativeArch: true}
	for _, a := range s.ForeignArches {
		okArch[a] = true
	}
	type result struct {
		vers []*Version
		err  error
	}
	results := make([]result, len(s.Lists))
	// Biggest first, so two workers finish together.
	order := make([]int, len(s.Lists))
	sizes := make([]int64, len(s.Lists))
	for i, l := range s.Lists {
		order[i] = i
		for _, ext := range compressions {
			if st, err := os.Stat(l.Path + ext); err == nil {
				sizes[i] = st.Size()
				break
			}
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return sizes[order[a]] > sizes[order[b]] })
	work := make(chan int)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	if workers > len(s.Lists) {
		workers = len(s.Lists)
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				l := s.Lists[i]
				var vers []*Version
				err := readList(ctx, l, wanted, func(v *Version) {
					if okArch[v.Arch] && (l.Source.Flat() || l.Arch == "all" || v.Arch == "all" || v.Arch == l.Arch) {
						v.Files = []*IndexFile{l}
						vers = append(vers, v)
					}
				})
				results[i] = result{vers, err}
			}
		}()
	}
	for _, i := range order {
		work <- i
	}
	close(work)
	wg.Wait()
	for i := range results { // list order: deterministic merge
		if results[i].err != nil {
			return results[i].err
		}
		for _, v := range results[i].vers {
			k := keyFor(v.Package, v.Arch, s.NativeArch)
			merged := false
			for _, old := range s.versions[k] {
				if compareVersions(old.Version, v.Version) == 0 { // dpkg's equality: 1.01 is 1.1
					old.Files = append(old.Files, v.Files...)
					if v.Phased < old.Phased {
						old.Phased = v.Phased
					}
					merged = true
					break
				}
			}
			if !merged {
				s.versions[k] = append(s.versions[k], v)
			}
		}
	}
	return ctx.Err()
}

func readList(ctx context.Context, l *IndexFile, wanted map[string]struct{}, keep func(*Version)) error {
	r, path, err := openList(l.Path)
	if err != nil {
		return err
	}
	defer r.Close()
	return scanPackages(located.WithContext(ctx, r), path, wanted, func(v *Version, _ int) error {
		keep(v)
		return nil
	})
}
