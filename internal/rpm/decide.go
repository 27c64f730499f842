package rpm

import (
	"sort"
)

// Update is one pending update as `dnf check-update` lists it, in the
// shape of apt.Update so both package families report alike.
type Update struct {
	Package       string
	Arch          string // as installed
	Installed     string // [epoch:]version-release
	Candidate     string
	CandidateArch string // differs from Arch on a noarch↔arch change
	// Security: a type="security" advisory lists this name and arch with a
	// version newer than Installed and not newer than Candidate (a fix
	// masked by a newer build still counts), as `dnf check-update
	// --security` decides it.
	Security        bool
	SecurityVersion string   // newest such advisory version
	Advisories      []string // ids of those security advisories, sorted
	CVEs            []string // the CVEs those advisories reference, sorted
	Severity        string   // the highest of their severities ("" if none given)
	// Held: dnf would offer this update but for excludepkgs / includepkgs
	// or a versionlock; reported apart, as dpkg holds are.
	Held   bool
	HeldBy string // "excludepkgs" or "versionlock"
	// KeptBack is always false: check-update offers every upgrade it lists.
	KeptBack bool
	Origin   string // repo id of the candidate
	// ReplacedBy names the package that obsoletes this installed one, when
	// that is the only update of it (dnf's "Obsoleting Packages").
	ReplacedBy string
	// PatchOnly (SUSE): no update `zypper update` offers, a needed security
	// patch `zypper patch` installs; Candidate is the patch's build.
	PatchOnly bool
}

// Obsoletion is one pair of check-update's "Obsoleting Packages" section.
type Obsoletion struct {
	New  *Available
	Old  *Installed
	Repo string
}

// Updates returns the pending updates sorted by package and arch, held
// ones included and flagged, then the packages only an obsoleting package
// replaces (ReplacedBy set).
func (s *System) Updates() []Update {
	if s.Zypp != nil {
		return s.zyppUpdates()
	}
	free := s.judge(false)
	strict := s.judge(true)
	pending := map[[2]string]bool{}
	var out []Update
	for _, u := range strict.updates {
		pending[[2]string{u.Package, u.CandidateArch}] = true
		out = append(out, u)
	}
	for _, u := range free.updates {
		if pending[[2]string{u.Package, u.CandidateArch}] {
			continue
		}
		u.Held = true
		u.HeldBy = "excludepkgs"
		if s.lockExcluded(u.Package, u.CandidateArch, u.Candidate) {
			u.HeldBy = "versionlock"
		}
		out = append(out, u)
	}
	upgraded := map[[2]string]bool{}
	for _, u := range out {
		upgraded[[2]string{u.Package, u.Arch}] = true
	}
	seen := map[[2]string]bool{}
	for _, o := range strict.obsoletes {
		k := [2]string{o.Old.Name, o.Old.Arch}
		if upgraded[k] || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, Update{Package: o.Old.Name, Arch: o.Old.Arch, Installed: o.Old.EVR.String(),
			Candidate: o.New.EVR.String(), CandidateArch: o.New.Arch, Origin: o.Repo, ReplacedBy: o.New.Name})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Package != out[j].Package {
			return out[i].Package < out[j].Package
		}
		return out[i].Arch < out[j].Arch
	})
	return out
}

// Obsoletes returns check-update's "Obsoleting Packages": every offered
// package whose obsoletes match an installed one, with that one.
func (s *System) Obsoletes() []Obsoletion {
	if s.Zypp != nil {
		return nil // zypper list-updates shows no obsoletes apart
	}
	return s.judge(true).obsoletes
}

type judgement struct {
	updates   []Update
	obsoletes []Obsoletion
}

// judge applies dnf 4's check-update rules (dnf's _do_package_lists with
// libdnf's upgrades_by_priority and latest): among the packages of the
// best-priority repos offering a name (every arch counts, source packages
// too), those newer than every installed package of that name and a
// compatible arch (the same, or noarch on either side) are upgrades; the
// newest per name and arch is the candidate. With strict, excludepkgs,
// includepkgs and the versionlock hide what they hide from dnf.
func (s *System) judge(strict bool) judgement {
	compat := compatibleArches(s.Arch)
	repos := map[string]*RepoState{}
	for _, r := range s.Repos {
		repos[r.ID] = r
	}
	instBy := map[string][]*Installed{}
	for _, p := range s.Installed {
		if strict && s.Main.HideInstalled && s.mainHides(p.Name, p.Arch, p.EVR) {
			continue // dnf's [main] excludes hide installed packages too
		}
		instBy[p.Name] = append(instBy[p.Name], p)
	}
	var avail []*Available
	best := map[string]int{}
	for _, p := range s.available {
		r := repos[p.Repo]
		if s.modFilter.hides(p, r.ModuleHotfixes) {
			continue // modular filtering is no hold: dnf never offers these
		}
		if strict && (s.mainHides(p.Name, p.Arch, p.EVR) || repoHides(r, p) || s.lockExcluded(p.Name, p.Arch, p.EVR.String())) {
			continue
		}
		avail = append(avail, p)
		if b, ok := best[p.Name]; !ok || s.priority(r) < b {
			best[p.Name] = s.priority(r)
		}
	}
	installable := func(p *Available) bool {
		return compat[p.Arch] > 0 && s.priority(repos[p.Repo]) == best[p.Name]
	}
	type key struct{ name, arch string }
	type cand struct {
		p    *Available
		inst *Installed
	}
	latest := map[key]cand{}
	var order []key
	for _, p := range avail {
		if !installable(p) {
			continue
		}
		i := whatUpgrades(instBy[p.Name], p)
		if i == nil {
			continue
		}
		k := key{p.Name, p.Arch}
		c, ok := latest[k]
		if !ok {
			order = append(order, k)
		}
		if !ok || better(p, c.p, repos) {
			latest[k] = cand{p, i}
		}
	}
	var j judgement
	for _, k := range order {
		c := latest[k]
		u := Update{Package: c.inst.Name, Arch: c.inst.Arch, Installed: c.inst.EVR.String(),
			Candidate: c.p.EVR.String(), CandidateArch: c.p.Arch, Origin: c.p.Repo}
		s.security(&u, c.inst, c.p, instBy[c.p.Name])
		j.updates = append(j.updates, u)
	}
	for _, p := range avail {
		if !installable(p) || len(p.Obsoletes) == 0 {
			continue
		}
		for _, d := range p.Obsoletes {
			for _, i := range instBy[d.Name] {
				if i.Name == p.Name && i.Arch == p.Arch && i.EVR.Compare(p.EVR) == 0 {
					continue // the obsoleter itself is installed
				}
				if d.Matches(i.Name, i.EVR) && colorMatch(p.Arch, i.Arch) {
					j.obsoletes = append(j.obsoletes, Obsoletion{New: p, Old: i, Repo: p.Repo})
				}
			}
		}
	}
	return j
}

// whatUpgrades is libdnf's what_upgrades: the newest installed package of
// the same name and a compatible arch, or nil when any such installed
// package is as new as p or newer (so an installonly kernel is an update
// only when newer than the newest one installed).
func whatUpgrades(inst []*Installed, p *Available) *Installed {
	var newest *Installed
	for _, i := range inst {
		if i.Arch != p.Arch && i.Arch != "noarch" && p.Arch != "noarch" {
			continue
		}
		if i.EVR.Compare(p.EVR) >= 0 {
			return nil
		}
		if newest == nil || i.EVR.Compare(newest.EVR) > 0 {
			newest = i
		}
	}
	return newest
}

// better orders two offers of one name and arch: higher EVR, then the
// cheaper repo, then the repo id (a stable choice where dnf lists both).
func better(a, b *Available, repos map[string]*RepoState) bool {
	if c := a.EVR.Compare(b.EVR); c != 0 {
		return c > 0
	}
	ra, rb := repos[a.Repo], repos[b.Repo]
	if ra.Cost != rb.Cost {
		return ra.Cost < rb.Cost
	}
	return a.Repo < b.Repo
}

// security marks u by libdnf's advisory filter for upgrades: an advisory
// package of the same name and arch as an installed package, newer than
// it, and not newer than the candidate of that arch. (libdnf before 0.70,
// as in dnf 4.14, needs installed, advisory and candidate arch to agree.)
func (s *System) security(u *Update, inst *Installed, cand *Available, all []*Installed) {
	var newestInst *Installed
	for _, i := range all {
		if i.Arch == cand.Arch && (newestInst == nil || i.EVR.Compare(newestInst.EVR) > 0) {
			newestInst = i
		}
	}
	if newestInst == nil {
		return
	}
	var f fixes
	for _, a := range s.advisories {
		if a.Type != "security" {
			continue
		}
		for _, ap := range a.Packages {
			if ap.Name != cand.Name || ap.Arch != cand.Arch {
				continue
			}
			if ap.EVR.Compare(newestInst.EVR) <= 0 || ap.EVR.Compare(cand.EVR) > 0 {
				continue
			}
			f.add(a, ap.EVR)
		}
	}
	f.mark(u)
}

// fixes gathers the security advisories found to cover one update, by
// dnf's rules or zypper's: the newest fixing build, the advisory ids, the
// CVEs they name and the highest severity.
type fixes struct {
	found     bool
	best      EVR
	rank      int
	severity  string
	ids, cves map[string]bool
}

func (f *fixes) add(a *Advisory, fix EVR) {
	if !f.found {
		f.found, f.rank, f.ids, f.cves = true, -1, map[string]bool{}, map[string]bool{}
	}
	if f.best == (EVR{}) || fix.Compare(f.best) > 0 {
		f.best = fix
	}
	f.ids[a.ID] = true
	for _, c := range a.CVEs {
		f.cves[c] = true
	}
	if r := severityRank(a.Severity); r > f.rank {
		f.rank, f.severity = r, a.Severity
	}
}

// mark makes u a security update when any advisory covered it.
func (f *fixes) mark(u *Update) {
	if !f.found {
		return
	}
	u.Security, u.Severity, u.SecurityVersion = true, f.severity, f.best.String()
	for id := range f.ids {
		u.Advisories = append(u.Advisories, id)
	}
	sort.Strings(u.Advisories)
	for c := range f.cves {
		u.CVEs = append(u.CVEs, c)
	}
	sort.Strings(u.CVEs)
}

// priority is a repo's priority as the manager applies it: yum 3 without
// the priorities plugin lets every repo compete on version alone.
func (s *System) priority(r *RepoState) int {
	if !s.Main.Priorities {
		return 99
	}
	return r.Priority
}

// mainHides: dnf.conf [main] excludepkgs, or includepkgs not matching.
func (s *System) mainHides(name, arch string, e EVR) bool {
	if matchesAny(s.Main.Exclude, name, arch, e) {
		return true
	}
	return len(s.Main.Include) > 0 && !matchesAny(s.Main.Include, name, arch, e)
}

func repoHides(r *RepoState, p *Available) bool {
	if matchesAny(r.Exclude, p.Name, p.Arch, p.EVR) {
		return true
	}
	return len(r.Include) > 0 && !matchesAny(r.Include, p.Name, p.Arch, p.EVR)
}

// lockExcluded is the versionlock plugin's rule: a package matching a "!"
// pattern is excluded; a package whose name some lock pattern locks is
// excluded unless it matches one of the lock patterns.
func (s *System) lockExcluded(name, arch, evr string) bool {
	if s.yumLock != nil {
		return s.yumLock.excludes(name, parseEVR(evr))
	}
	if len(s.Versionlock) == 0 {
		return false
	}
	e := parseEVR(evr)
	locked, allowed := false, false
	for _, pat := range s.Versionlock {
		if pat[0] == '!' {
			if matchesAny([]string{pat[1:]}, name, arch, e) {
				return true
			}
			continue
		}
		if lockName(pat) == name {
			locked = true
			if matchesAny([]string{pat}, name, arch, e) {
				allowed = true
			}
		}
	}
	return locked && !allowed
}

// lockName is the name part of a versionlock entry, which the plugin
// writes as name-epoch:version-release.arch (or name-version-release.arch).
func lockName(pat string) string {
	s := pat
	for i := 0; i < 2; i++ { // drop -release(.arch) and -[epoch:]version
		k := lastDash(s)
		if k < 0 {
			return pat
		}
		s = s[:k]
	}
	return s
}

func lastDash(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '-' {
			return i
		}
	}
	return -1
}

// parseEVR reads "[epoch:]version[-release]".
func parseEVR(s string) EVR {
	var e EVR
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			n := 0
			for _, c := range s[:i] {
				if c < '0' || c > '9' {
					n = -1
					break
				}
				n = n*10 + int(c-'0')
			}
			if n >= 0 {
				e.Epoch = n
				s = s[i+1:]
			}
			break
		}
	}
	if k := lastDash(s); k >= 0 {
		e.Version, e.Release = s[:k], s[k+1:]
	} else {
		e.Version = s
	}
	return e
}

// colorMatch is libsolv's rule for obsoletes on multilib systems: a 64-bit
// package obsoletes only 64-bit ones, a 32-bit only 32-bit; noarch any.
func colorMatch(a, b string) bool {
	ca, cb := archColor(a), archColor(b)
	return ca == 0 || cb == 0 || ca&cb != 0
}

func archColor(a string) int {
	switch a {
	case "noarch", "src", "nosrc":
		return 0
	case "x86_64", "aarch64", "ppc64", "ppc64le", "s390x", "riscv64", "ia64":
		return 2
	}
	return 1
}
