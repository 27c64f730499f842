package rpm

import (
	"slices"
	"sort"
	"strings"
)

// HeldByZyppLock is Update.HeldBy for an update /etc/zypp/locks holds.
const HeldByZyppLock = "zypper lock"

// zyppUpdates are the updates `zypper list-updates` (without --all) lists,
// held ones included and flagged: those a lock alone keeps back.
func (s *System) zyppUpdates() []Update {
	strict := s.zyppJudge(true)
	pending := map[[2]string]bool{}
	out := append([]Update(nil), strict...)
	for _, u := range strict {
		pending[[2]string{u.Package, u.Arch}] = true
	}
	for _, u := range s.zyppJudge(false) {
		if pending[[2]string{u.Package, u.Arch}] {
			continue
		}
		u.Held, u.HeldBy = true, HeldByZyppLock
		out = append(out, u)
		pending[[2]string{u.Package, u.Arch}] = true
	}
	out = append(out, s.zyppPatchOnly(pending)...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Package != out[j].Package {
			return out[i].Package < out[j].Package
		}
		return out[i].Arch < out[j].Arch
	})
	return out
}

// zyppPatchOnly are the installed packages with no update item that a
// needed security patch covers: `zypper list-patches` calls the patch
// needed (its build is, say, in a repo of worse priority than one with no
// newer build) and `zypper patch` installs it, though `zypper update`
// offers nothing. Without these an OK would stand where zypper shows a
// needed security patch. The candidate is the patch's build, from the
// patch's repo; a locked installed package is held.
func (s *System) zyppPatchOnly(covered map[[2]string]bool) []Update {
	instBy := map[string][]*Installed{}
	for _, p := range s.Installed {
		instBy[p.Name] = append(instBy[p.Name], p)
	}
	availBy := map[string][]*Available{}
	for _, p := range s.available {
		availBy[p.Name] = append(availBy[p.Name], p)
	}
	var out []Update
	for _, i := range s.Installed { // sorted by name, arch, EVR: the last of a pair is the newest
		k := [2]string{i.Name, i.Arch}
		if covered[k] {
			continue
		}
		newest := i
		for _, j := range instBy[i.Name] {
			if j.Arch == i.Arch && j.EVR.Compare(newest.EVR) > 0 {
				newest = j
			}
		}
		covered[k] = true
		u := Update{Package: i.Name, Arch: i.Arch, Installed: newest.EVR.String(), CandidateArch: i.Arch, PatchOnly: true}
		s.zyppSecurity(&u, instBy[i.Name], availBy)
		if !u.Security {
			continue
		}
		u.Candidate = u.SecurityVersion
		for _, a := range s.advisories {
			for _, ap := range a.Packages {
				if u.Origin == "" && ap.Name == u.Package && ap.Arch == u.Arch && ap.EVR.String() == u.SecurityVersion && slices.Contains(u.Advisories, a.ID) {
					u.Origin = a.Repo
				}
			}
		}
		if s.zyppLockedInstalled(instBy[i.Name]) {
			u.Held, u.HeldBy = true, HeldByZyppLock
		}
		out = append(out, u)
	}
	return out
}

// zyppJudge applies zypper 1.14's update rules (libsolv's update policy as
// libzypp configures it), which differ from dnf's:
//
//   - vendor stickiness: an offer whose vendor is not equivalent to the
//     installed package's (vendorClasses) is no update, unless zypp.conf
//     sets solver.allowVendorChange (dnf has no such rule);
//   - arch: the same arch, or noarch on either side; i586 → x86_64 is no
//     update (as dnf);
//   - the offers left after vendor, arch and (with strict) locks are
//     dropped are then pruned to the best priority (dnf prunes by priority
//     first, over every arch of the name): a locked or foreign-vendor build
//     in a better-priority repo does not hide one in a worse repo;
//   - the newest of the rest, newer than every installed package of the
//     name, is the candidate; a locked installed package has none;
//   - a package that an offer of another name obsoletes (of an equivalent
//     vendor, a compatible arch, not locked) is replaced by it in `zypper
//     update`, and list-updates lists no update of it: its item is the
//     replacement (ReplacedBy), as dnf's obsoletes are.
//
// Dependencies are not solved: zypper lists only updates its solver can
// install (an update whose requires nothing provides is not listed), the
// check lists it. `zypper list-updates --all` is not the reference: it
// ignores priority and vendor and lists what `zypper update` would not
// install.
func (s *System) zyppJudge(strict bool) []Update {
	compat := compatibleArches(s.Arch)
	repos := map[string]*RepoState{}
	for _, r := range s.Repos {
		repos[r.ID] = r
	}
	instBy := map[string][]*Installed{}
	var names []string
	for _, p := range s.Installed {
		if _, ok := instBy[p.Name]; !ok {
			names = append(names, p.Name)
		}
		instBy[p.Name] = append(instBy[p.Name], p)
	}
	availBy := map[string][]*Available{}
	var obsoleters []*Available
	for _, p := range s.available {
		availBy[p.Name] = append(availBy[p.Name], p)
		if len(p.Obsoletes) > 0 {
			obsoleters = append(obsoleters, p)
		}
	}
	var out []Update
	for _, name := range names {
		inst := instBy[name]
		if strict && s.zyppLockedInstalled(inst) {
			continue
		}
		// one update per installed arch, from its newest package
		newest := map[string]*Installed{}
		var arches []string
		for _, i := range inst {
			if n, ok := newest[i.Arch]; !ok || i.EVR.Compare(n.EVR) > 0 {
				if !ok {
					arches = append(arches, i.Arch)
				}
				newest[i.Arch] = i
			}
		}
		for _, arch := range arches {
			i := newest[arch]
			var offers []*Available
			best := 0
			for _, p := range availBy[name] {
				if compat[p.Arch] == 0 || (p.Arch != i.Arch && p.Arch != "noarch" && i.Arch != "noarch") {
					continue
				}
				if !s.Zypp.AllowVendorChange && !s.Zypp.vendors.equivalent(i.Vendor, p.Vendor) {
					continue
				}
				if strict && s.zyppLocked(p) {
					continue
				}
				if pr := repos[p.Repo].Priority; len(offers) == 0 || pr < best {
					best = pr
				}
				offers = append(offers, p)
			}
			// the best priority is taken over every offer left, not only
			// the newer ones: a better repo whose build is no newer than
			// the installed one leaves no update (libsolv prunes to the
			// highest priority, then to the best version)
			var cand *Available
			for _, p := range offers {
				if repos[p.Repo].Priority == best && whatUpgrades(inst, p) != nil && (cand == nil || better(p, cand, repos)) {
					cand = p
				}
			}
			by := s.zyppObsoleter(i, obsoleters, compat, repos, strict)
			if cand == nil && by == nil {
				continue
			}
			var u Update
			if by != nil {
				u = Update{Package: name, Arch: i.Arch, Installed: i.EVR.String(), Candidate: by.EVR.String(),
					CandidateArch: by.Arch, Origin: by.Repo, ReplacedBy: by.Name}
			} else {
				u = Update{Package: name, Arch: i.Arch, Installed: i.EVR.String(), Candidate: cand.EVR.String(),
					CandidateArch: cand.Arch, Origin: cand.Repo}
			}
			s.zyppSecurity(&u, inst, availBy)
			out = append(out, u)
		}
	}
	return out
}

// zyppSecurity marks u by what makes zypper call a security patch
// "needed": the patch (an updateinfo update of type="security") lists a
// package of this name and the installed arch newer than an installed one
// of that name and arch (for a multiversion package, the newest installed
// one). Unlike dnf there is no bound at the candidate: zypper calls the
// patch needed even when the fixed build is locked, in a repo of worse
// priority, or missing, and so does the check (SecurityVersion then names
// a version beyond the candidate). A retracted patch (status="retracted")
// is never needed, though its packages stay candidates. One vendor rule, found by running
// zypper and independent of solver.allowVendorChange: when the patch's own
// repo carries builds of that name and arch at the patch's version or
// newer, and none of them is of a vendor equivalent to the installed
// package's, the patch is not needed for it.
func (s *System) zyppSecurity(u *Update, inst []*Installed, availBy map[string][]*Available) {
	multi := s.zyppMultiversion(inst)
	var installed []*Installed
	var newest *Installed
	for _, i := range inst {
		if i.Arch != u.Arch {
			continue
		}
		installed = append(installed, i)
		if newest == nil || i.EVR.Compare(newest.EVR) > 0 {
			newest = i
		}
	}
	if multi && newest != nil {
		installed = []*Installed{newest}
	}
	foreign := func(i *Installed, repo string, e EVR) bool {
		seen := false
		for _, p := range availBy[u.Package] {
			if p.Repo != repo || p.Arch != i.Arch || p.EVR.Compare(e) < 0 {
				continue
			}
			if s.Zypp.vendors.equivalent(i.Vendor, p.Vendor) {
				return false
			}
			seen = true
		}
		return seen
	}
	var f fixes
	for _, a := range s.advisories {
		if a.Type != "security" || a.Status == "retracted" {
			continue // zypper: a retracted patch is never needed
		}
		for _, ap := range a.Packages {
			if ap.Name != u.Package || ap.Arch != u.Arch {
				continue
			}
			needed := false
			for _, i := range installed {
				if i.EVR.Compare(ap.EVR) < 0 && !foreign(i, a.Repo, ap.EVR) {
					needed = true
				}
			}
			if !needed {
				continue
			}
			f.add(a, ap.EVR)
		}
	}
	f.mark(u)
}

// zyppMultiversion: zypp.conf's multiversion names these packages, by
// name or by a capability they provide ("provides:multiversion(kernel)").
func (s *System) zyppMultiversion(inst []*Installed) bool {
	for _, spec := range s.Zypp.MultiVersion {
		capName, byProvide := strings.CutPrefix(spec, "provides:")
		for _, i := range inst {
			if !byProvide && i.Name == spec {
				return true
			}
			if byProvide {
				for _, p := range i.Provides {
					if p.Name == capName {
						return true
					}
				}
			}
		}
	}
	return false
}

func (s *System) zyppLockedInstalled(inst []*Installed) bool {
	for _, i := range inst {
		for _, l := range s.Zypp.Locks {
			if l.locks(i.Name, "", i.EVR) {
				return true
			}
		}
	}
	return false
}

func (s *System) zyppLocked(p *Available) bool {
	for _, l := range s.Zypp.Locks {
		if l.locks(p.Name, p.Repo, p.EVR) {
			return true
		}
	}
	return false
}

// zyppObsoleter is the newest of the offers of another name whose
// obsoletes match the installed package i, by the filters zypper's
// updates pass.
func (s *System) zyppObsoleter(i *Installed, offers []*Available, compat map[string]int, repos map[string]*RepoState, strict bool) *Available {
	var by *Available
	for _, p := range offers {
		if p.Name == i.Name || len(p.Obsoletes) == 0 || compat[p.Arch] == 0 || !colorMatch(p.Arch, i.Arch) {
			continue
		}
		if s.instNames[p.Name] {
			continue // the replacement is installed already
		}
		if !s.Zypp.AllowVendorChange && !s.Zypp.vendors.equivalent(i.Vendor, p.Vendor) {
			continue
		}
		if strict && s.zyppLocked(p) {
			continue
		}
		for _, d := range p.Obsoletes {
			if d.Matches(i.Name, i.EVR) && (by == nil || better(p, by, repos)) {
				by = p
			}
		}
	}
	return by
}
