package osversion

import (
	"strings"
)

var (
	// Junos: 21.4R3, 21.4R3-S5.4, 21.4R3.15, 12.3X48-D35.7, 21.4R3-S5-EVO.
	junosRE = lazy(`^` + d + `\.` + d + `(?:([RBXF])` + d + `(?:-([SD])` + d + `)?(?:\.` + d + `)?)?(?:-EVO)?$`)
	// FortiOS: 7.2.8, v7.2.8, v7.2.8,build1639,240313 (GA.M), FortiOS v7.4.3.
	fortiosRE = lazy(`^(?:FortiOS\s+)?v?` + d + `\.` + d + `(?:\.` + d + `)?(?:,build\d{1,9}(?:,\d{1,9})?)?(?:\s*\([A-Za-z0-9. ]{0,20}\))?$`)
	// PAN-OS: 10.2.9, 10.2.9-h1.
	panosRE = lazy(`^` + d + `\.` + d + `(?:\.` + d + `(?:-h` + d + `)?)?$`)
	// EOS: 4.30.2F, 4.28.3M, 4.21.1.1F.
	eosRE = lazy(`^` + d + `\.` + d + `(?:\.` + d + `(?:\.` + d + `)?)?([A-Z]{1,3})?$`)
	// RouterOS: 7.14.3, 7.9, 7.15rc2, 7.10beta3, 6.49.10 (long-term).
	routerosRE = lazy(`^` + d + `\.` + d + `(?:\.` + d + `)?(?:(beta|rc)` + d + `)?(?:\s*\((?:stable|long-term|testing|development)\))?$`)
	// Check Point Gaia: R81.20, R82, R81.20 Take 92, R81.20 JHF T92;
	// R80.20SP (Scalable Platform, a train of its own); R80.20M1,
	// R80.20.M2 (management releases ahead of the R80.20 GA).
	gaiaRE = lazy(`(?i)^R` + d + `(?:\.` + d + `)?(?:(SP)|\.?M(\d{1,3}))?(?:\s*(?:JHF\s*T|Take\s*|Jumbo(?:\s+Hotfix)?(?:\s+Accumulator)?\s+Take\s*)` + d + `)?$`)
)

// parseJunos: major.minor, then the release type (B beta before R
// release; X and F trains of their own), its number, the service release
// (-S for R, -D for X) and the respin.
func parseJunos(s string) (Version, bool) {
	m := junosRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, false
	}
	v := Version{key: []int{num(m[1]), num(m[2])}, trainAt: 2}
	if m[3] != "" {
		// B(eta) comes before R(elease) of the same major.minor; X
		// (the SRX/EX branches) and F are trains of their own.
		rank := 2
		switch m[3] {
		case "B":
			rank = 1
		case "X", "F":
			v.train = m[3]
		}
		if (m[5] == "D") != (m[3] == "X") && m[5] != "" {
			return Version{}, false // -D belongs to X releases, -S to the others
		}
		v.hasTrain = true
		v.key = append(v.key, rank, num(m[4]))
		if m[6] != "" || m[7] != "" {
			v.key = append(v.key, num(m[6]))
		}
		if m[7] != "" {
			v.key = append(v.key, num(m[7]))
		}
	}
	return v, true
}

// parseFortiOS: major.minor.patch; the build number is the same release
// (7.2.8 is build 1639), so it is not in the key.
func parseFortiOS(s string) (Version, bool) {
	m := fortiosRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, false
	}
	v := Version{key: []int{num(m[1]), num(m[2])}}
	if m[3] != "" {
		v.key = append(v.key, num(m[3]))
	}
	return v, true
}

// parsePANOS: major.minor.maintenance, then the hotfix -hN after the
// plain release.
func parsePANOS(s string) (Version, bool) {
	m := panosRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, false
	}
	v := Version{key: []int{num(m[1]), num(m[2])}}
	if m[3] != "" {
		v.key = append(v.key, num(m[3]))
		if m[4] != "" {
			v.key = append(v.key, num(m[4]))
		}
	}
	return v, true
}

// parseEOS: the numbers decide; F(eature)/M(aintenance) is a label.
func parseEOS(s string) (Version, bool) {
	m := eosRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, false
	}
	v := Version{key: []int{num(m[1]), num(m[2])}}
	for _, g := range m[3:5] {
		if g != "" {
			v.key = append(v.key, num(g))
		}
	}
	return v, true
}

// parseRouterOS: beta and rc come before the release they lead to
// (7.15beta3 < 7.15rc2 < 7.15), hence the negative stage.
func parseRouterOS(s string) (Version, bool) {
	m := routerosRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, false
	}
	v := Version{key: []int{num(m[1]), num(m[2])}}
	switch {
	case m[4] != "":
		stage := -2 // beta
		if m[4] == "rc" {
			stage = -1
		}
		v.key = append(v.key, num(m[3]), stage, num(m[5]))
	case m[3] != "":
		v.key = append(v.key, num(m[3]))
	}
	return v, true
}

// parseGaia: R81 is a release of its own, not a prefix of R81.10: the
// minor is always in the key. Every version has a train, "" (GA) or "SP":
// R80.20SP is ordered against other releases (after R80.10, before
// R81.10) but not against R80.20, whose takes it does not share. A
// management release Mn comes before its GA, hence n-1000 (the key holds
// nothing else negative).
func parseGaia(s string) (Version, bool) {
	m := gaiaRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, false
	}
	v := Version{key: []int{num(m[1]), num(m[2])}, train: strings.ToUpper(m[3]), hasTrain: true, trainAt: 2}
	if m[4] != "" {
		v.key = append(v.key, num(m[4])-1000)
	}
	if m[5] != "" {
		v.key = append(v.key, num(m[5]))
	}
	return v, true
}
