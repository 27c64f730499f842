package apt

import "fmt"

// pkgState is one installed package while apt-get upgrade is simulated:
// its installed version, its candidate, and whether the upgrade moves it.
type pkgState struct {
	inst    *Installed
	vers    []*Version
	instVer *Version
	cand    *Version
	moving  bool // apt-get upgrade tries it: an upgradable candidate, not held, not phased out
	kept    bool
	blocked bool // not even dist-upgrade would move it
	missing string
	reason  string

	instRels, candRels *relations // built once, on first use
}

// future is the version the package has after the upgrade as decided so far.
func (st *pkgState) future() *Version {
	if st.moving && !st.kept {
		return st.cand
	}
	return st.instVer
}

// relations of a version of this package: the status file's for the
// installed version, the list's for any other.
type relations struct {
	depends, recommends, breaks, conflicts [][]Relation
	provides                               []Relation
}

func (st *pkgState) relationsOf(v *Version) *relations {
	if v == st.instVer {
		if st.instRels == nil {
			p := st.inst
			st.instRels = &relations{joinGroups(p.PreDepends, p.Depends), p.Recommends, p.Breaks, p.Conflicts, p.Provides}
		}
		return st.instRels
	}
	if v != st.cand { // not reached: a package is at one of its two versions
		return &relations{joinGroups(v.PreDepends, v.Depends), v.Recommends, v.Breaks, v.Conflicts, v.Provides}
	}
	if st.candRels == nil {
		st.candRels = &relations{joinGroups(v.PreDepends, v.Depends), v.Recommends, v.Breaks, v.Conflicts, v.Provides}
	}
	return st.candRels
}

// joinGroups is a then b, sharing storage when one is empty.
func joinGroups(a, b [][]Relation) [][]Relation {
	switch {
	case len(a) == 0:
		return b
	case len(b) == 0:
		return a
	}
	return append(append(make([][]Relation, 0, len(a)+len(b)), a...), b...)
}

// upgradeWorld answers "is this relation met" over the installed packages
// at their future versions.
type upgradeWorld struct {
	byName            map[string][]*pkgState
	providers         map[string][]*pkgState // by provided name, installed or candidate
	dependent         map[string][]*pkgState // by depended-on name, installed version's relations
	breakers          map[string][]*pkgState // by broken/conflicted name, any version's relations
	installRecommends bool
}

func newUpgradeWorld(states []*pkgState, installRecommends bool) *upgradeWorld {
	w := &upgradeWorld{byName: map[string][]*pkgState{}, providers: map[string][]*pkgState{},
		dependent: map[string][]*pkgState{}, breakers: map[string][]*pkgState{}, installRecommends: installRecommends}
	addOnce := func(m map[string][]*pkgState, name string, st *pkgState) {
		if l := m[name]; len(l) == 0 || l[len(l)-1] != st {
			m[name] = append(l, st)
		}
	}
	for _, st := range states {
		w.byName[st.inst.Package] = append(w.byName[st.inst.Package], st)
		for _, v := range []*Version{st.instVer, st.cand} {
			if v == nil {
				continue
			}
			r := st.relationsOf(v)
			for _, p := range r.provides {
				addOnce(w.providers, p.Name, st)
			}
			for _, g := range joinGroups(r.breaks, r.conflicts) {
				for _, alt := range g {
					addOnce(w.breakers, alt.Name, st)
				}
			}
			if v == st.instVer {
				for _, g := range r.depends {
					for _, alt := range g {
						addOnce(w.dependent, alt.Name, st)
					}
				}
			}
		}
	}
	return w
}

// versionOf is st's version in the world, or v for the package asked about.
func versionOf(x, who *pkgState, whoVer *Version) *Version {
	if x == who {
		return whoVer
	}
	return x.future()
}

// meets reports whether r is met, with who at version whoVer.
func (w *upgradeWorld) meets(r Relation, who *pkgState, whoVer *Version) bool {
	for _, x := range w.byName[r.Name] {
		if satisfies(versionOf(x, who, whoVer).Version, r.Op, r.Version) {
			return true
		}
	}
	for _, x := range w.providers[r.Name] {
		for _, p := range x.relationsOf(versionOf(x, who, whoVer)).provides {
			if p.Name == r.Name && (r.Op == "" || (p.Op == "=" && satisfies(p.Version, r.Op, r.Version))) {
				return true
			}
		}
	}
	return false
}

func (w *upgradeWorld) meetsGroup(g []Relation, who *pkgState, whoVer *Version) bool {
	for _, alt := range g {
		if w.meets(alt, who, whoVer) {
			return true
		}
	}
	return false
}

// hits reports whether a Breaks/Conflicts relation of owner hits x at version v.
func hits(r Relation, owner, x *pkgState, v *Version) bool {
	if x.inst.Package == owner.inst.Package {
		return false // a package never conflicts with itself or its other architectures
	}
	if r.Name == x.inst.Package && satisfies(v.Version, r.Op, r.Version) {
		return true
	}
	for _, p := range x.relationsOf(v).provides {
		if p.Name == r.Name && (r.Op == "" || (p.Op == "=" && satisfies(p.Version, r.Op, r.Version))) {
			return true
		}
	}
	return false
}

// keepBack decides what apt-get upgrade keeps back, as apt does: every
// upgradable package is marked for upgrade, then each upgrade that would
// need a package not installed, break or conflict with an installed
// package, leave an installed package's dependency unmet, or move a
// Multi-Arch: same package without its siblings is kept at its installed
// version, until nothing changes (keeping one back may keep back others).
func keepBack(states []*pkgState, installRecommends bool) {
	w := newUpgradeWorld(states, installRecommends)
	for changed := true; changed; {
		changed = false
		for _, st := range states {
			if st.moving && !st.kept && w.mustKeep(st) {
				st.kept = true
				changed = true
			}
		}
	}
}

func (w *upgradeWorld) mustKeep(st *pkgState) bool {
	c := st.cand
	keep := func(missing, reason string, blocked bool) bool {
		st.missing, st.reason, st.blocked = missing, reason, blocked
		return true
	}
	// Multi-Arch: same: every architecture at the same version.
	if st.inst.MultiArch == "same" {
		for _, x := range w.byName[st.inst.Package] {
			if x == st || x.inst.MultiArch != "same" || compareVersions(x.future().Version, c.Version) == 0 {
				continue
			}
			missing := st.inst.Package + ":" + x.inst.Arch + " (= " + c.Version + ")"
			switch {
			case x.inst.Held:
				return keep(missing, fmt.Sprintf("its Multi-Arch: same sibling %s:%s is held", x.inst.Package, x.inst.Arch), true)
			case x.cand == nil || len(x.cand.Files) == 0:
				// an obsolete sibling: dist-upgrade removes it
				return keep(missing, fmt.Sprintf("its Multi-Arch: same sibling %s:%s is no longer offered", x.inst.Package, x.inst.Arch), false)
			case !x.moving || compareVersions(x.cand.Version, c.Version) != 0:
				return keep(missing, fmt.Sprintf("its Multi-Arch: same sibling %s:%s is not offered at %s", x.inst.Package, x.inst.Arch, c.Version), true)
			default:
				return keep(missing, fmt.Sprintf("its Multi-Arch: same sibling %s:%s is kept back", x.inst.Package, x.inst.Arch), x.blocked)
			}
		}
	}
	rel := st.relationsOf(c)
	for _, g := range rel.depends {
		if !w.meetsGroup(g, st, c) {
			return w.keepForGroup(st, g, "needs")
		}
	}
	for _, g := range joinGroups(rel.breaks, rel.conflicts) {
		for _, r := range g {
			for _, x := range append(append([]*pkgState{}, w.byName[r.Name]...), w.providers[r.Name]...) {
				if x != st && hits(r, st, x, x.future()) {
					return keep(relationString(g), fmt.Sprintf("it breaks or conflicts with the installed %s", x.inst.Package), x.inst.Held)
				}
			}
		}
	}
	for _, name := range st.names(c) {
		for _, x := range w.breakers[name] {
			if x == st {
				continue
			}
			xr := x.relationsOf(x.future())
			for _, g := range joinGroups(xr.breaks, xr.conflicts) {
				for _, r := range g {
					if hits(r, x, st, c) {
						return keep(x.inst.Package+" breaks "+relationString(g), fmt.Sprintf("the installed %s breaks or conflicts with it", x.inst.Package), x.inst.Held)
					}
				}
			}
		}
	}
	if w.installRecommends {
		for _, g := range rel.recommends {
			if !w.meetsGroup(g, st, c) && !st.alreadyUnmet(w, g) {
				return w.keepForGroup(st, g, "recommends")
			}
		}
	}
	// installed packages that stay must keep their dependencies met
	for _, name := range st.names(st.instVer) {
		for _, x := range w.dependent[name] {
			if x == st || x.future() != x.instVer {
				continue
			}
			for _, g := range x.relationsOf(x.instVer).depends {
				if !w.meetsGroup(g, st, c) && w.meetsGroup(g, st, st.instVer) {
					return keep(x.inst.Package+" depends on "+relationString(g),
						fmt.Sprintf("the installed %s %s depends on %s and cannot move with it", x.inst.Package, x.inst.Version, relationString(g)),
						x.inst.Held || x.blocked)
				}
			}
		}
	}
	return false
}

// names are the package's name and what version v provides.
func (st *pkgState) names(v *Version) []string {
	out := []string{st.inst.Package}
	for _, p := range st.relationsOf(v).provides {
		out = append(out, p.Name)
	}
	return out
}

// alreadyUnmet: a Recommends the installed version had and was already
// not met is not new; apt does not keep an upgrade back for it.
func (st *pkgState) alreadyUnmet(w *upgradeWorld, g []Relation) bool {
	for _, old := range st.inst.Recommends {
		for _, a := range old {
			for _, b := range g {
				if a.Name == b.Name && !w.meetsGroup(old, st, st.instVer) {
					return true
				}
			}
		}
	}
	return false
}

// keepForGroup keeps st back for an unmet Depends or Recommends group and
// says what stands in the way: a held package, a kept-back one, or a
// package not installed (which dist-upgrade would install).
func (w *upgradeWorld) keepForGroup(st *pkgState, g []Relation, verb string) bool {
	st.missing = relationString(g)
	for _, r := range g {
		for _, x := range w.byName[r.Name] {
			if x.cand == nil || !satisfies(x.cand.Version, r.Op, r.Version) {
				continue
			}
			switch {
			case x.inst.Held:
				st.reason, st.blocked = fmt.Sprintf("it %s %s, whose newer version is held", verb, st.missing), true
				return true
			case x.kept:
				st.reason, st.blocked = fmt.Sprintf("it %s %s, which is kept back", verb, st.missing), x.blocked
				return true
			}
		}
	}
	st.reason = fmt.Sprintf("it %s %s, not installed", verb, st.missing)
	return true
}
