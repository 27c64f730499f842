package apt

import (
	"sort"
	"strings"
)

// Update is one installed package with a candidate other than its
// installed version, judged the way apt judges it.
type Update struct {
	Package   string
	Arch      string // as installed ("all" included)
	Installed string
	Candidate string
	// Security: some version newer than Installed, up to and including
	// Candidate, comes from a -security suite (a fix masked by a newer
	// point release still counts).
	Security        bool
	SecurityVersion string // newest such security version
	Held            bool   // dpkg selection hold: reported apart, not actionable
	KeptBack        bool   // apt-get upgrade would not move it (see Reason)
	Missing         string // the relation in the way when KeptBack
	Reason          string // why it is kept back, a sentence
	Blocked         bool   // not even apt-get dist-upgrade would upgrade it (held, or kept by a held package)
	Phased          bool   // deferred for this machine by phasing (only in Deferred)
	PhasedVersion   string // the Phased-Update-Percentage'd candidate
	Origin          string // release of the candidate, "Debian:bookworm-security"
	// CandidateSource is the candidate's source version where it is not
	// Candidate (binNMUs, a binary epoch): what source-keyed feeds compare.
	CandidateSource string
}

// Filepriority constants of apt's policy (apt_preferences(5)).
const (
	prioDefault      = 500
	prioStatus       = 100
	prioNotAuto      = 1
	prioButAutoUpgr  = 100
	prioInstalledBar = 999 // apt raises the bar to 999: a pin of 1000 or more downgrades
)

// Updates returns the pending updates, sorted by package and architecture,
// held and kept-back ones flagged. Updates phasing defers for this machine
// are not pending: see Deferred.
func (s *System) Updates() []Update {
	all := s.judge()
	var out []Update
	for _, u := range all {
		if u.Candidate != "" && !u.Phased {
			out = append(out, u.Update)
		}
	}
	return out
}

// Deferred returns the packages whose newest version phasing keeps from
// this machine for now (not pending; counted apart).
func (s *System) Deferred() []Update {
	var out []Update
	for _, u := range s.judge() {
		if u.Phased {
			out = append(out, u.Update)
		}
	}
	return out
}

type judged struct {
	Update
	inst *Installed
	cand *Version
}

func (s *System) judge() []judged {
	prio := s.filePriorities()
	specific := make([]*Pin, 0, len(s.Pins))
	for _, p := range s.Pins {
		if !p.Generic() {
			specific = append(specific, p)
		}
	}
	// candidates of all installed packages first: dependencies of one
	// upgrade may be met by the upgrade of another.
	states := make([]*pkgState, 0, len(s.Installed))
	out := make([]judged, 0, len(s.Installed))
	for _, p := range s.Installed {
		k := keyFor(p.Package, p.Arch, s.NativeArch)
		vers, instVer := s.withInstalled(k, p)
		st := &pkgState{inst: p, vers: vers, instVer: instVer}
		st.cand = s.candidate(vers, instVer, prio, specific)
		states = append(states, st)
		u := judged{inst: p, Update: Update{Package: p.Package, Arch: p.Arch, Installed: p.Version, Held: p.Held}}
		if st.cand != nil && st.cand != st.instVer {
			u.cand = st.cand
			u.Candidate = st.cand.Version
			if st.cand.SourceVersion != st.cand.Version {
				u.CandidateSource = st.cand.SourceVersion
			}
			upgrade := compareVersions(st.cand.Version, p.Version) > 0
			for _, v := range st.vers {
				if !upgrade || compareVersions(v.Version, p.Version) <= 0 || compareVersions(v.Version, st.cand.Version) > 0 {
					continue
				}
				if v.fromSecurity() {
					u.Security = true
					if u.SecurityVersion == "" || compareVersions(v.Version, u.SecurityVersion) > 0 {
						u.SecurityVersion = v.Version
					}
				}
			}
			// apt 2.x (pkgDepCache::PhasingApplied): a phased-out candidate
			// is kept back whole, unless the update is a security update.
			if upgrade && !u.Security && s.phasedOut(st.cand) {
				u.Phased, u.PhasedVersion = true, st.cand.Version
			}
			u.Origin = st.cand.origin(u.Security && st.cand.fromSecurity(), prio)
			st.moving = !p.Held && !u.Phased
		}
		out = append(out, u)
	}
	keepBack(states, s.installRecommends())
	kept := out[:0]
	for i, st := range states {
		u := out[i]
		if u.Candidate == "" {
			continue
		}
		u.KeptBack, u.Missing, u.Reason, u.Blocked = st.kept, st.missing, st.reason, st.kept && st.blocked
		if u.Held {
			u.Blocked = true
		}
		kept = append(kept, u)
	}
	out = kept
	sort.Slice(out, func(i, j int) bool {
		if out[i].Package != out[j].Package {
			return out[i].Package < out[j].Package
		}
		return out[i].Arch < out[j].Arch
	})
	return out
}

// withInstalled returns the offered versions newest first, with the
// installed version among them (a Version of its own when no list has it).
func (s *System) withInstalled(k pkgKey, p *Installed) ([]*Version, *Version) {
	vers := append([]*Version(nil), s.versions[k]...)
	var inst *Version
	for _, v := range vers {
		if compareVersions(v.Version, p.Version) == 0 { // the same version to dpkg, however spelt
			inst = v
		}
	}
	if inst == nil {
		inst = &Version{Package: p.Package, Arch: p.Arch, Version: p.Version, Source: p.Package, SourceVersion: p.Version, Phased: 100}
		vers = append(vers, inst)
	}
	sort.SliceStable(vers, func(i, j int) bool { return compareVersions(vers[i].Version, vers[j].Version) > 0 })
	return vers, inst
}

// filePriorities is apt's InitDefaults: 500, NotAutomatic 1,
// NotAutomatic+ButAutomaticUpgrades 100, then the first matching
// "Package: *" pin of each list decides.
func (s *System) filePriorities() map[*IndexFile]int {
	prio := make(map[*IndexFile]int, len(s.Lists))
	for _, f := range s.Lists {
		p := prioDefault
		if r := f.Release; r != nil {
			switch {
			case r.NotAutomatic && r.ButAutomaticUpgrades:
				p = prioButAutoUpgr
			case r.NotAutomatic:
				p = prioNotAuto
			}
		}
		for _, pin := range s.Pins {
			if pin.Generic() && pin.matchesFile(f) {
				p = pin.Priority
				break
			}
		}
		prio[f] = p
	}
	return prio
}

// priority is apt's pkgPolicy::GetPriority(Ver): the first specific pin
// that selects the version, else the best of its lists (the status file
// counts 100 for the installed version).
func (s *System) priority(v, inst *Version, prio map[*IndexFile]int, specific []*Pin) int {
	for _, p := range specific {
		if p.matchesPackage(v, s.NativeArch) && p.matchesVersion(v) {
			return p.Priority
		}
	}
	best, any := 0, false
	if v == inst {
		best, any = prioStatus, true
	}
	for _, f := range v.Files {
		if p := prio[f]; !any || p > best {
			best, any = p, true
		}
	}
	return best
}

// candidate is apt's pkgPolicy::GetCandidateVer: newest first, the
// highest priority wins; reaching the installed version raises the bar to
// 999, so a pin of 1000 or more downgrades; negative priorities never win.
func (s *System) candidate(vers []*Version, inst *Version, prio map[*IndexFile]int, specific []*Pin) *Version {
	max, maxAlt := 0, 0
	var pref, prefAlt *Version
	for _, v := range vers {
		p := s.priority(v, inst, prio, specific)
		if p > max {
			pref, max = v, p
		}
		if p > maxAlt {
			prefAlt, maxAlt = v, p
		}
		if v == inst && max < prioInstalledBar {
			max = prioInstalledBar
		}
	}
	if pref == nil && maxAlt > 0 {
		pref = prefAlt
	}
	return pref
}

func (v *Version) fromSecurity() bool {
	for _, f := range v.Files {
		if f.Release != nil && f.Release.Security() {
			return true
		}
	}
	return false
}

// origin names the release a version comes from: "Origin:suite" with the
// suite as the sources name it ("bookworm-security", "jammy-updates").
func (v *Version) origin(security bool, prio map[*IndexFile]int) string {
	var best *IndexFile
	for _, f := range v.Files {
		if security && !(f.Release != nil && f.Release.Security()) {
			continue
		}
		if best == nil || prio[f] > prio[best] {
			best = f
		}
	}
	if best == nil {
		return ""
	}
	o := ""
	if best.Release != nil {
		o = best.Release.Origin
	}
	if o == "" {
		o = best.Source.host()
	}
	return o + ":" + strings.TrimSuffix(best.Source.Suite, "/")
}

func relationString(group []Relation) string {
	var parts []string
	for _, r := range group {
		s := r.Name
		if r.Arch != "" {
			s += ":" + r.Arch
		}
		if r.Op != "" {
			s += " (" + r.Op + " " + r.Version + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " | ")
}
