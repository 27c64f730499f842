package osversion

import (
	"fmt"
	"strings"
)

// Security appliances: each vendor's own numbering, read into keys so that
// maintenance, interim, hotfix and build releases order as the vendor
// publishes them.

var (
	// Cisco ASA: 9.16(4), 9.16(4)48 (an interim build after 9.16(4)),
	// and the dotted spelling of the same, 9.16.4.48.
	asaRE    = lazy(`^` + d + `\.` + d + `(?:\(` + d + `\)(?:` + d + `)?)?$`)
	asaDotRE = lazy(`^` + d + `\.` + d + `\.` + d + `(?:\.` + d + `)?$`)
	// Firepower Threat Defense: 7.2.5, 7.2.5.1 (a patch), with the build
	// as FMC writes it (7.4.1-172) or as sysDescr does (7.2.5 (Build 208)).
	ftdRE = lazy(`^` + d + `\.` + d + `(?:\.` + d + `(?:\.` + d + `)?)?(?:-\d{1,9}|\s*\(Build \d{1,9}\))?$`)
	// F5 BIG-IP (TMOS): 17.1.1.3 (point release 3), 11.6.1 HF2 (a
	// hotfix), 15.1.10.2 EHF3 / ENG (engineering hotfixes on top), an
	// optional "Build 0.0.5" label.
	bigipRE = lazy(`(?i)^(?:BIG-IP\s+)?` + d + `\.` + d + `(?:\.` + d + `(?:\.` + d + `)?)?` +
		`(?:[\s-]*HF` + d + `)?` +
		`(?:[\s-]*(EHF|ENG|Engineering\s+Hotfix)\s*` + d + `?)?` +
		`(?:\s+Build\s+\d{1,9}(?:\.\d{1,9}){0,3})?$`)
	// SonicOS: 6.5.4.4-44n, 7.0.1-5145, 5.9.1.6-5o, with the product name
	// as snwlSysFirmwareVersion writes it ("SonicOS Enhanced 5.8.1.9-58o").
	// The build after "-" orders releases (7.0.1-5145 before 7.0.1-5161);
	// the letters after it name the hardware family, not an order.
	sonicosRE = lazy(`^(?:SonicOS\s+(?:Enhanced\s+|Standard\s+)?)?` + d + `\.` + d + `(?:\.` + d + `(?:\.` + d + `)?)?(?:-` + d + `[a-z]{0,2})?(?:-R\d{1,9})?$`)
	// Aruba AOS-CX: FL.10.10.1060, GL.10.04.2000, 10.10.1060. The two
	// letters name the hardware platform; every AOS-CX release is 10.x.
	aoscxRE = lazy(`^(?:[A-Z]{2}\.)?` + d + `\.` + d + `(?:\.` + d + `)?$`)
	// Huawei VRP: V200R019C10SPC500 (version, release, customer release,
	// service pack), with an optional hot patch SPH.
	vrpRE = lazy(`^V(\d{3})R(\d{3})(?:C(\d{2}))?(?:SPC(\d{3}))?(?:SPH(\d{3}))?$`)
	// OPNsense: 24.7, 24.7.9, 24.7.9_1 (a hotfix of 24.7.9), 25.1.
	opnsenseRE = lazy(`^(?:OPNsense\s+)?` + d + `\.` + d + `(?:\.` + d + `)?(?:_` + d + `)?$`)
	// pfSense: CE 2.7.2, 2.4.4-RELEASE-p3; Plus 24.03, 23.09.1.
	pfsenseRE = lazy(`^(?:pfSense\s+)?(?:(CE|Plus)\s+)?` + d + `\.` + d + `(?:\.` + d + `)?(?:-RELEASE)?(?:-p` + d + `)?$`)
)

// parseASA: major.minor(maintenance)interim; an interim build comes after
// its maintenance release.
func parseASA(s string) (Version, bool) {
	m := asaRE.FindStringSubmatch(s)
	if m == nil {
		if m = asaDotRE.FindStringSubmatch(s); m == nil {
			return Version{}, false
		}
	}
	return Version{key: keyOf(m[1:5]...)}, true
}

// parseFTD: up to four numbers; the build number labels one release and
// is not in the key (7.4.1-172 is 7.4.1).
func parseFTD(s string) (Version, bool) {
	m := ftdRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, false
	}
	return Version{key: keyOf(m[1:5]...)}, true
}

// parseBIGIP: major.minor.maintenance.point, then the hotfix (11.x HFn)
// and an engineering hotfix (after everything it patches). An engineering
// hotfix without a number ranks 1.
func parseBIGIP(s string) (Version, bool) {
	m := bigipRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, false
	}
	v := Version{key: keyOf(m[1:5]...)}
	hf, eng := num(m[5]), 0
	if m[6] != "" {
		eng = max(num(m[7]), 1)
	}
	if hf != 0 || eng != 0 {
		for len(v.key) < 4 {
			v.key = append(v.key, 0)
		}
		v.key = append(v.key, hf)
		if eng != 0 {
			v.key = append(v.key, eng)
		}
	}
	return v, true
}

// parseSonicOS: the numbers, then the build.
func parseSonicOS(s string) (Version, bool) {
	m := sonicosRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, false
	}
	v := Version{key: keyOf(m[1:5]...)}
	if m[5] != "" {
		for len(v.key) < 4 {
			v.key = append(v.key, 0)
		}
		v.key = append(v.key, num(m[5]))
	}
	return v, true
}

// parseAOSCX: the platform letters are not part of the order
// (FL.10.10.1060 and GL.10.10.1060 are the same release); a major other
// than 10 is another product (AOS-S WC.16.10.0012, AOS-8 8.10.0.5).
func parseAOSCX(s string) (Version, bool) {
	m := aoscxRE.FindStringSubmatch(s)
	if m == nil || num(m[1]) != 10 {
		return Version{}, false
	}
	return Version{key: keyOf(m[1:4]...)}, true
}

// parseVRP: V, R, C, SPC, SPH in that order; an absent part is 0, so
// V200R019 is the release cycle of V200R019C10SPC500.
func parseVRP(s string) (Version, bool) {
	m := vrpRE.FindStringSubmatch(strings.ToUpper(s))
	if m == nil {
		return Version{}, false
	}
	return Version{key: keyOf(m[1:6]...)}, true
}

// parseOPNsense: year.month[.minor][_hotfix].
func parseOPNsense(s string) (Version, bool) {
	m := opnsenseRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, false
	}
	v := Version{key: keyOf(m[1:4]...)}
	if m[4] != "" {
		for len(v.key) < 3 {
			v.key = append(v.key, 0)
		}
		v.key = append(v.key, num(m[4]))
	}
	return v, true
}

// parsePFSense: CE (2.x) and Plus (21.02 on, year.month) are numbered
// apart: scheme "plus" for Plus, never ordered against CE.
func parsePFSense(s string) (Version, bool) {
	m := pfsenseRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, false
	}
	major := num(m[2])
	plus := major >= 21
	switch {
	case m[1] == "CE" && plus, strings.EqualFold(m[1], "Plus") && !plus:
		return Version{}, false
	case major > 2 && !plus:
		return Version{}, false
	}
	v := Version{key: keyOf(m[2:5]...)}
	if plus {
		v.scheme = "plus"
	}
	if m[5] != "" {
		for len(v.key) < 3 {
			v.key = append(v.key, 0)
		}
		v.key = append(v.key, num(m[5]))
	}
	return v, true
}

// pfsenseCrossScheme: CE and Plus are different products.
func pfsenseCrossScheme(a, b Version) (int, error) {
	return 0, fmt.Errorf("pfsense %s and %s are pfSense CE and pfSense Plus versions, which are not ordered", a.Text, b.Text)
}

// keyOf turns matched groups into a key, stopping at the first empty one
// (a key holds only what was written).
func keyOf(groups ...string) []int {
	var key []int
	for _, g := range groups {
		if g == "" {
			break
		}
		key = append(key, num(g))
	}
	return key
}
