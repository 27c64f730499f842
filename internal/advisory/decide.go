package advisory

import (
	"fmt"
	"sort"

	debversion "github.com/knqyf263/go-deb-version"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Compare orders two versions of one ecosystem (<0, 0, >0). RPM hosts pass
// their rpmvercmp; Debian and Ubuntu use DebianCompare.
type Compare func(a, b string) (int, error)

// DebianCompare compares Debian versions as dpkg does.
func DebianCompare(a, b string) (int, error) {
	va, err := debversion.NewVersion(a)
	if err != nil {
		return 0, fmt.Errorf("version %q: %v", a, err)
	}
	vb, err := debversion.NewVersion(b)
	if err != nil {
		return 0, fmt.Errorf("version %q: %v", b, err)
	}
	return va.Compare(vb), nil
}

// Pending is one pending update as apt or dnf computed it; the installed
// side is the package of the same name in the installed list.
type Pending struct {
	Name      string
	Candidate string // the candidate's binary version
	// CandidateSource is the candidate's source version where it differs
	// from the binary's (binNMUs, epochs), from the Source: field of its
	// Packages stanza ("util-linux (2.38.1-5+deb12u1)").
	CandidateSource string
}

// Finding is what one pending update fixes.
type Finding struct {
	Package    string // the pending binary package
	CVEs       []string
	Advisories []string
	Rating     Rating // the worst of the vulnerabilities fixed
	Vulns      []Vuln
}

// Exposure is a vulnerability of an installed source that no pending
// update fixes: no fix published yet (FixedIn ""), or a fix apt does not
// reach (pinned away, held, not in the lists, Ubuntu Pro).
type Exposure struct {
	Source   string
	Packages []string // the installed binaries concerned
	Vuln     Vuln
	FixedIn  string
}

// Verdict is what the feeds say about the host's pending updates.
type Verdict struct {
	Fixes []Finding // in the order of the pending updates given
	// Open: vulnerabilities with no fix yet; Unreached: fixed upstream of
	// the candidate. Neither is a pending update nor counts in an SLA.
	Open      []Exposure
	Unreached []Exposure
}

// Decide says, for each pending update, which vulnerabilities it fixes:
// those whose affected range holds the installed version and not the
// candidate, with a fixed version at or below the candidate (installed <
// fixed ≤ candidate). Feeds keyed by source compare source versions, so a
// binNMU's "+b1" is not mistaken for a fix.
func Decide(set *Set, installed []Installed, pending []Pending, cmp Compare) (Verdict, error) {
	var out Verdict
	byName := map[string]Pending{}
	for _, p := range pending {
		byName[p.Name] = p
	}
	exposures := map[[2]string]*Exposure{}
	var order [][2]string
	for _, p := range installed {
		pend, isPending := byName[p.Name]
		var fixes []Vuln
		for _, v := range candidates(set, p) {
			bySource := v.Package == p.SourceName()
			have, want := p.Version, pend.Candidate
			if bySource {
				have = p.SourceVer()
				if pend.CandidateSource != "" {
					want = pend.CandidateSource
				}
			}
			hit, err := affected(v, have, cmp)
			if err != nil {
				return Verdict{}, versionError(v, p.Name, err)
			}
			if !hit {
				continue
			}
			if isPending {
				fixed, err := fixedBy(v, have, want, cmp)
				if err != nil {
					return Verdict{}, versionError(v, p.Name, err)
				}
				if fixed {
					fixes = append(fixes, v)
					continue
				}
			}
			key := [2]string{v.Package, v.ID}
			e := exposures[key]
			if e == nil {
				e = &Exposure{Source: v.Package, Vuln: v, FixedIn: firstFix(v)}
				exposures[key] = e
				order = append(order, key)
			}
			e.Packages = append(e.Packages, p.Name)
		}
		if len(fixes) > 0 {
			out.Fixes = append(out.Fixes, finding(p.Name, fixes))
		}
	}
	sort.SliceStable(out.Fixes, func(i, j int) bool {
		return indexOf(pending, out.Fixes[i].Package) < indexOf(pending, out.Fixes[j].Package)
	})
	for _, k := range order {
		e := *exposures[k]
		if e.FixedIn == "" {
			out.Open = append(out.Open, e)
		} else {
			out.Unreached = append(out.Unreached, e)
		}
	}
	return out, nil
}

// candidates are the entries keyed under the package's source and binary
// names, without those whose binaries list leaves the package out.
func candidates(set *Set, p Installed) []Vuln {
	var out []Vuln
	seen := map[[2]string]bool{}
	for _, name := range []string{p.SourceName(), p.Name} {
		for _, v := range set.For(name) {
			k := [2]string{v.Package, v.ID}
			if seen[k] || len(v.Binaries) > 0 && !contains(v.Binaries, p.Name) {
				continue
			}
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

func affected(v Vuln, ver string, cmp Compare) (bool, error) {
	for _, r := range v.Ranges {
		in, err := inRange(r, ver, cmp)
		if in || err != nil {
			return in, err
		}
	}
	return false, nil
}

func inRange(r Range, ver string, cmp Compare) (bool, error) {
	if r.Introduced != "" && r.Introduced != "0" {
		c, err := cmp(ver, r.Introduced)
		if err != nil || c < 0 {
			return false, err
		}
	}
	switch {
	case r.Fixed != "":
		c, err := cmp(ver, r.Fixed)
		return c < 0, err
	case r.LastAffected != "":
		c, err := cmp(ver, r.LastAffected)
		return c <= 0, err
	}
	return true, nil
}

// fixedBy: the candidate is outside every affected range and at or above
// the fix of the range that holds the installed version.
func fixedBy(v Vuln, have, want string, cmp Compare) (bool, error) {
	if want == "" {
		return false, nil
	}
	still, err := affected(v, want, cmp)
	if err != nil || still {
		return false, err
	}
	for _, r := range v.Ranges {
		in, err := inRange(r, have, cmp)
		if err != nil {
			return false, err
		}
		if in && r.Fixed != "" {
			c, err := cmp(r.Fixed, want)
			return c <= 0, err
		}
	}
	return false, nil
}

func firstFix(v Vuln) string {
	for _, r := range v.Ranges {
		if r.Fixed != "" {
			return r.Fixed
		}
	}
	return ""
}

func finding(pkg string, vs []Vuln) Finding {
	f := Finding{Package: pkg, Vulns: vs}
	cves, advs := map[string]bool{}, map[string]bool{}
	for i, v := range vs {
		for _, c := range v.CVEs {
			cves[c] = true
		}
		for _, a := range v.Advisories {
			advs[a] = true
		}
		if i == 0 || v.Rating.worse(f.Rating) {
			f.Rating = v.Rating
		}
	}
	f.CVEs, f.Advisories = sortedKeys(cves), sortedKeys(advs)
	return f
}

func versionError(v Vuln, pkg string, err error) error {
	return &located.Error{Kind: kind, File: v.Feed, Key: keyName(v.Package) + "." + keyName(v.ID),
		Msg: fmt.Sprintf("comparing with installed %s: %v", keyName(pkg), err)}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func indexOf(ps []Pending, name string) int {
	for i, p := range ps {
		if p.Name == name {
			return i
		}
	}
	return len(ps)
}

// Vulnerabilities counts exposures by vulnerability, not by record: the
// tracker's CVE-2024-28085 and Debian's DSA-5650-1 about it are one. A
// record without CVEs counts by its id.
func Vulnerabilities(es []Exposure) int {
	seen := map[string]bool{}
	for _, e := range es {
		if len(e.Vuln.CVEs) == 0 {
			seen[e.Source+" "+e.Vuln.ID] = true
		}
		for _, c := range e.Vuln.CVEs {
			seen[e.Source+" "+c] = true
		}
	}
	return len(seen)
}
