// Package rpm reads an RPM host (rpmdb, dnf's repo files and its metadata
// cache) and computes its pending updates the way `dnf check-update` does,
// with the security advisories that cover them. It reads, never runs dnf
// or rpm, takes no lock, needs no root and writes nothing.
package rpm

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Options override what is otherwise detected from the root.
type Options struct {
	Arch       string // rpm machine arch (x86_64, aarch64, ...); default this machine's
	Releasever string // default /etc/dnf/vars/releasever, else the system-release package
}

// System is everything gathered from one root.
type System struct {
	Root       string
	DB         Database
	Arch       string
	Vars       map[string]string // $releasever, $basearch, $arch and /etc/dnf/vars
	Main       Main
	Installed  []*Installed
	Repos      []*RepoState // every configured repo, enabled or not, in file order
	Duplicates []Duplicate  // repo ids defined again (ignored, as dnf ignores them)
	// Versionlock is the lock list of the versionlock plugin when the
	// plugin is enabled (patterns; a leading ! excludes).
	Versionlock     []string
	VersionlockFile string

	// Modules are the module streams the repos publish, ModuleDefaults their
	// default streams and ModuleStates /etc/dnf/modules.d.
	Modules        []ModuleStream
	ModuleDefaults map[string]string
	ModuleStates   map[string]ModuleState

	yumLock *yumLock // yum 3's versionlock, in place of Versionlock

	// Zypp is set on a SUSE host, read with zypper's configuration and
	// cache (zypp.go) and judged by zypper's rules (zypp_decide.go).
	Zypp *Zypp

	available  []*Available
	advisories []*Advisory
	instNames  map[string]bool
	modFilter  *moduleFilter
}

// RepoState is one configured repo and what its cache holds.
type RepoState struct {
	Repo
	CacheDir string    // where dnf keeps its metadata, inside the root
	Layout   string    // LayoutDNF, LayoutDNF5 or LayoutYum: which cache CacheDir is
	Cached   bool      // repomd.xml and primary are there (dnf makecache ran)
	Fetched  time.Time // mtime of the primary file: dnf's own "last check" age
	Repomd   *Repomd
	// Updateinfo: the repo publishes advisories. A host whose repos have
	// none (CentOS 7 style) cannot tell security updates: say so.
	Updateinfo bool
	// Modules: the repo publishes module streams (RHEL 8/9 AppStream).
	Modules bool
}

// Load gathers everything under root (treated as "/", like dnf --installroot).
// ok is false when root has no rpmdb: not an RPM host.
func Load(ctx context.Context, root string, opt Options) (s *System, ok bool, err error) {
	if root == "" {
		root = "/"
	}
	db, ok := Detect(root)
	if !ok {
		return nil, false, nil
	}
	s = &System{Root: root, DB: db, Arch: opt.Arch, instNames: map[string]bool{}, ModuleDefaults: map[string]string{}}
	if s.Arch == "" {
		s.Arch = machineArch()
	}
	if s.Installed, err = ReadInstalled(ctx, db); err != nil {
		return nil, true, err
	}
	for _, p := range s.Installed {
		s.instNames[p.Name] = true
	}
	if IsZyppRoot(root) {
		if err := s.loadZypp(ctx, opt); err != nil {
			return nil, true, err
		}
		return s, true, nil
	}
	manager := managerOf(s.Installed)
	if s.Vars, err = readVars(root, s.Arch, opt.Releasever, s.Installed, manager); err != nil {
		return nil, true, err
	}
	m, repos, dups, err := readRepos(root, s.Vars, manager)
	if err != nil {
		return nil, true, err
	}
	s.Main, s.Duplicates = m, dups
	readLock := s.readVersionlock
	if m.Manager == ManagerYum {
		readLock = s.readYumVersionlock
	}
	if err := readLock(); err != nil {
		return nil, true, err
	}
	for _, r := range repos {
		rs := &RepoState{Repo: r}
		rs.CacheDir, rs.Layout = s.pickCache(r)
		s.Repos = append(s.Repos, rs)
		if !r.Enabled {
			continue
		}
		if err := s.readCache(ctx, rs); err != nil {
			return nil, true, err
		}
	}
	if len(s.Modules) > 0 {
		if s.ModuleStates, err = readModuleStates(root); err != nil {
			return nil, true, err
		}
		s.buildModuleFilter()
	}
	return s, true, nil
}

// readCache reads one enabled repo's primary and updateinfo, keeping only
// packages of installed names and packages that obsolete something.
func (s *System) readCache(ctx context.Context, rs *RepoState) error {
	md, err := readRepomd(filepath.Join(metadataDir(rs.CacheDir, rs.Layout), "repomd.xml"))
	if isNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	rs.Repomd = md
	prim, primPath, ok := rs.metadataFile(md, "primary")
	if !ok {
		if found, err := s.readYumSQLite(ctx, rs, md); found {
			return err
		}
		return &located.Error{Kind: repomdKind, File: md.Path, Key: "data.primary", Msg: "no primary metadata listed"}
	}
	st, err := os.Stat(primPath)
	if isNotExist(err) {
		if found, err := s.readYumSQLite(ctx, rs, md); found {
			return err
		}
		return nil // repomd without its primary: not usable, as no cache
	}
	if err != nil {
		return &located.Error{Kind: primaryKind, File: primPath, Err: err, Msg: errMessage(err)}
	}
	rs.Cached, rs.Fetched = true, st.ModTime()
	if err := s.readModules(rs, md); err != nil {
		return err
	}
	r, err := openMetadata(primPath, primaryKind, prim)
	if err != nil {
		return err
	}
	defer r.Close()
	n := 0
	err = scanPrimary(located.WithContext(ctx, r), primPath, s.keepAvailable, func(p *Available) error {
		p.Repo = rs.ID
		s.available = append(s.available, p)
		n++
		return nil
	})
	if err != nil {
		return err
	}
	if err := r.Verify(); err != nil {
		return err
	}
	return s.readUpdateinfo(ctx, rs, md)
}

// keepAvailable keeps the packages of installed names and those that
// obsolete an installed name: no other package can be an update.
func (s *System) keepAvailable(p *Available) bool {
	if s.instNames[p.Name] {
		return true
	}
	for _, o := range p.Obsoletes {
		if s.instNames[o.Name] {
			return true
		}
	}
	return false
}

// readUpdateinfo reads the repo's advisories, when repomd lists them.
func (s *System) readUpdateinfo(ctx context.Context, rs *RepoState, md *Repomd) error {
	ui, uiPath, ok := rs.metadataFile(md, "updateinfo")
	if !ok {
		return nil
	}
	u, err := openMetadata(uiPath, updateinfoKind, ui)
	if isNotExist(err) {
		return nil // dnf downloads updateinfo with primary; absent: none usable
	}
	if err != nil {
		return err
	}
	defer u.Close()
	rs.Updateinfo = true
	err = scanUpdateinfo(located.WithContext(ctx, u), uiPath, func(name string) bool { return s.instNames[name] }, func(a *Advisory) error {
		a.Repo = rs.ID
		s.advisories = append(s.advisories, a)
		return nil
	})
	if err != nil {
		return err
	}
	return u.Verify()
}

// readModules reads the repo's modules.yaml, when it lists one.
func (s *System) readModules(rs *RepoState, md *Repomd) error {
	d, path, ok := rs.metadataFile(md, "modules")
	if !ok {
		return nil
	}
	r, err := openMetadata(path, modulesKind, d)
	if isNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer r.Close()
	streams, defaults, err := scanModules(r, path, rs.ID)
	if err != nil {
		return err
	}
	if err := r.Verify(); err != nil {
		return err
	}
	rs.Modules = true
	s.Modules = append(s.Modules, streams...)
	for m, st := range defaults {
		s.ModuleDefaults[m] = st
	}
	return nil
}

// cleanHref keeps a location inside the repo's cache folder.
func cleanHref(h string) string {
	h = filepath.ToSlash(filepath.Clean("/" + h))
	return strings.TrimPrefix(h, "/")
}

// machineArch is rpm's name for this machine's architecture.
func machineArch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "arm64":
		return "aarch64"
	case "386":
		return "i686"
	case "arm":
		return "armv7hl"
	}
	return runtime.GOARCH // ppc64le, s390x, riscv64 are spelt alike
}

// basearch is dnf's $basearch for an arch (dnf/rpm/__init__.py).
func basearch(arch string) string {
	switch arch {
	case "i386", "i486", "i586", "i686", "athlon", "geode", "pentium3", "pentium4":
		return "i386"
	case "armv7hl", "armv7hnl", "armv8hl":
		return "armhfp"
	case "x86_64_v2", "x86_64_v3", "x86_64_v4", "amd64", "ia32e":
		return "x86_64"
	}
	return arch
}

// compatibleArches are the package arches installable on arch, best first
// (rpm's arch compatibility, the common ones).
func compatibleArches(arch string) map[string]int {
	var list []string
	switch basearch(arch) {
	case "x86_64":
		list = []string{"x86_64", "athlon", "i686", "i586", "i486", "i386"}
	case "i386":
		list = []string{"i686", "i586", "i486", "i386"}
	case "armhfp":
		list = []string{"armv7hl", "armv7hnl", "armv8hl"}
	case "ppc64":
		list = []string{"ppc64", "ppc"}
	case "s390x":
		list = []string{"s390x", "s390"}
	default:
		list = []string{arch}
	}
	m := map[string]int{"noarch": 1}
	for i, a := range list {
		m[a] = 100 - i
	}
	return m
}

const varsKind = "dnf variable"

// readVars builds dnf's substitutions: $arch, $basearch, $releasever
// (from the system-release package as dnf detects it), then the files of
// /etc/yum/vars and /etc/dnf/vars, which override them; yum 3 reads only
// /etc/yum/vars.
func readVars(root, arch, releasever string, installed []*Installed, manager string) (map[string]string, error) {
	v := map[string]string{"arch": arch, "basearch": basearch(arch)}
	if rv := detectReleasever(installed); rv != "" {
		v["releasever"] = rv
	}
	dirs := []string{"etc/yum/vars", "etc/dnf/vars"}
	if manager == ManagerYum {
		dirs = dirs[:1]
	}
	for _, dir := range dirs {
		if err := readVarDir(filepath.Join(root, dir), varsKind, v); err != nil {
			return nil, err
		}
	}
	if releasever != "" {
		v["releasever"] = releasever
	}
	return v, nil
}

// readVarDir sets a variable from each file of dir: its name, the first
// line of its content (dnf's vars, yum's, zypper's vars.d alike).
func readVarDir(dir, kind string, v map[string]string) error {
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	sort.Strings(files)
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil || st.IsDir() {
			continue
		}
		b, err := located.ReadFile(f, located.Limit{Kind: kind, Bytes: 64 << 10})
		if err != nil {
			return err
		}
		val, _, _ := strings.Cut(string(b), "\n")
		v[filepath.Base(f)] = strings.TrimSpace(val)
	}
	return nil
}

// detectReleasever follows dnf's detect_releasever: the version of the
// system-release(releasever) provide, else the version of the package that
// provides system-release (or an older name for it).
func detectReleasever(installed []*Installed) string {
	for _, want := range []string{"system-release(releasever)", "system-release", "distribution-release", "redhat-release", "suse-release"} {
		for _, p := range installed {
			for _, pr := range p.Provides {
				if pr.Name != want {
					continue
				}
				if want == "system-release(releasever)" && pr.Version != "" {
					v, _, _ := strings.Cut(pr.Version, "-")
					if _, after, ok := strings.Cut(v, ":"); ok {
						v = after
					}
					return v
				}
				for _, q := range p.Provides {
					if q.Name == "system-release(releasever)" && q.Version != "" {
						v, _, _ := strings.Cut(q.Version, "-")
						return v
					}
				}
				return p.EVR.Version
			}
		}
	}
	return ""
}

// Unfetched are the enabled repos without a cache for their current URL
// (dnf makecache never ran, or not since the URL changed): their updates
// cannot be seen, as apt's Unfetched sources.
func (s *System) Unfetched() []*RepoState {
	var out []*RepoState
	for _, r := range s.Repos {
		if r.Enabled && !r.Cached {
			out = append(out, r)
		}
	}
	return out
}

// Fetched returns the oldest and newest times dnf last fetched the
// metadata of an enabled repo (zero when none is cached).
func (s *System) Fetched() (oldest, newest time.Time) {
	for _, r := range s.Repos {
		if !r.Enabled || !r.Cached {
			continue
		}
		if oldest.IsZero() || r.Fetched.Before(oldest) {
			oldest = r.Fetched
		}
		if r.Fetched.After(newest) {
			newest = r.Fetched
		}
	}
	return oldest, newest
}

// WithoutUpdateinfo are the enabled, cached repos that publish no
// advisories: their security updates cannot be told from the others.
func (s *System) WithoutUpdateinfo() []*RepoState {
	var out []*RepoState
	for _, r := range s.Repos {
		if r.Enabled && r.Cached && !r.Updateinfo {
			out = append(out, r)
		}
	}
	return out
}
