// Package osversion orders operating-system versions of network devices and
// hosts, one parser per platform, and judges a version against the policy's
// minimum, target, blocked versions and end-of-life dates.
//
// No general version library orders these right (IOS "15.2(7)E10" after
// "15.2(7)E4", Junos "21.4R3-S10" after "21.4R3-S5.4", PAN-OS "-h1" after
// the plain release), so each platform's parser turns its vendor's naming
// rules into a comparison key: a list of integers compared element by
// element, a missing element counting as 0. Suffixes that come before the
// plain release (RouterOS beta/rc) are negative. A key holds only what was
// written, so "17.6" is both a version (17.6.0) and a release cycle that
// covers 17.6.x by prefix.
package osversion

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Version is one parsed version of one platform.
type Version struct {
	Platform string
	Text     string // as written, trimmed
	key      []int
	// train is a software train (IOS "E", "T", "SE"; NX-OS "I", "N";
	// Junos "X"): versions of different trains are not ordered by their
	// numbers alone. It matters only once the key reaches trainAt, so a
	// bare "15.2" is a cycle that any train's 15.2 falls in.
	train    string
	trainAt  int
	hasTrain bool
}

// String is the version as written.
func (v Version) String() string { return v.Text }

// Key returns a copy of the comparison key (for tests and debugging).
func (v Version) Key() []int { return append([]int(nil), v.key...) }

// Train returns the software train ("" for none or mainline).
func (v Version) Train() string { return v.train }

// platform says how one platform's versions are written and ordered.
type platform struct {
	id      string
	example string
	parse   func(s string) (Version, bool)
	// strictTrains: versions of different trains never compare (IOS: a
	// 15.2(4)M is not older or newer than a 15.2(7)E). Otherwise the
	// numbers before the train decide when they differ (NX-OS 9.3(9) is
	// after 7.0(3)I7(9)), and only equal ones are an error.
	strictTrains bool
}

var platforms = map[string]*platform{}

// aliases are other spellings seen in inventories (LibreNMS os names,
// vendor names); Normalize maps them to the policy's platform ids.
var aliases = map[string]string{
	"iosxe": "ios-xe", "ios_xe": "ios-xe", "nxos": "nx-os", "nx_os": "nx-os",
	"panos": "pan-os", "pan_os": "pan-os", "fortigate": "fortios",
	"arista_eos": "eos", "arista-eos": "eos", "mikrotik": "routeros",
	"checkpoint": "gaia", "check-point": "gaia", "redhat": "rhel",
	"juniper": "junos", "juniper_junos": "junos",
}

func register(p *platform) { platforms[p.id] = p }

// Platforms lists the known platform ids, sorted.
func Platforms() []string {
	ids := make([]string, 0, len(platforms))
	for id := range platforms {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Normalize returns the platform id for a name as written in an inventory
// or on the command line (case-insensitive, aliases accepted), and whether
// it is known.
func Normalize(name string) (string, bool) {
	id := strings.ToLower(strings.TrimSpace(name))
	if a, ok := aliases[id]; ok {
		id = a
	}
	_, ok := platforms[id]
	return id, ok
}

// maxVersionLen bounds what a parser looks at; real versions are short.
const maxVersionLen = 100

// Parse parses s as a version of the platform (a known id, see Normalize).
func Parse(platformID, s string) (Version, error) {
	p, ok := platforms[platformID]
	if !ok {
		return Version{}, fmt.Errorf("unknown platform %q (known: %s)", platformID, strings.Join(Platforms(), ", "))
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return Version{}, fmt.Errorf("empty %s version", platformID)
	}
	if len(s) > maxVersionLen {
		return Version{}, fmt.Errorf("%s version of %d characters is too long", platformID, len(s))
	}
	v, ok := p.parse(s)
	if !ok {
		return Version{}, fmt.Errorf("%q is not a %s version (want like %s)", s, platformID, p.example)
	}
	v.Platform, v.Text = platformID, s
	return v, nil
}

// Compare returns -1, 0 or +1 as a is older than, the same as or newer
// than b. Versions of different platforms, or of different trains where
// the platform does not order trains, give an error instead of a guess.
func Compare(a, b Version) (int, error) {
	if a.Platform != b.Platform {
		return 0, fmt.Errorf("cannot compare %s %s with %s %s", a.Platform, a.Text, b.Platform, b.Text)
	}
	if a.hasTrain && b.hasTrain && a.train != b.train {
		if !platforms[a.Platform].strictTrains {
			if c := compareKeys(a.key[:a.trainAt], b.key[:b.trainAt]); c != 0 {
				return c, nil
			}
		}
		return 0, fmt.Errorf("%s %s and %s are of different trains (%s, %s) and are not ordered",
			a.Platform, a.Text, b.Text, trainName(a.train), trainName(b.train))
	}
	return compareKeys(a.key, b.key), nil
}

func trainName(t string) string {
	if t == "" {
		return "mainline"
	}
	return t
}

func compareKeys(a, b []int) int {
	n := max(len(a), len(b))
	for i := 0; i < n; i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return 0
}

// InCycle reports whether v belongs to the release cycle c: c's key is a
// prefix of v's ("17.6" holds 17.6.5, junos "21.4" holds 21.4R3-S5), and
// where c names a train, v is of that train.
func (v Version) InCycle(c Version) bool {
	if v.Platform != c.Platform || len(c.key) > len(v.key) {
		return false
	}
	for i, k := range c.key {
		if v.key[i] != k {
			return false
		}
	}
	return !c.hasTrain || v.train == c.train
}

// num converts a matched decimal group; the regexps bound them to 9 digits
// so this cannot overflow. An empty group is 0.
func num(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// letter ranks a lower-case rebuild letter: none 0, a 1 … z 26.
func letter(s string) int {
	if s == "" {
		return 0
	}
	return int(s[0]-'a') + 1
}

const d = `(\d{1,9})`

var (
	// IOS: 15.2(7)E4, 12.4(21a), 15.1(4)M12a, 12.2(55)SE12, 12.2(33)SXJ10.
	// major.minor(maintenance[letter])[train][rebuild[letter]].
	iosRE = regexp.MustCompile(`^` + d + `\.` + d + `(?:\(` + d + `([a-z]?)\)([A-Z]{0,4})(?:` + d + `([a-z]?))?)?$`)
	// IOS-XE: 17.9.4a, 17.09.04a, 16.12.4; 3.x with a train: 3.16.8S, 03.16.08.S.
	iosxeRE = regexp.MustCompile(`^` + d + `\.` + d + `(?:\.` + d + `([a-z]?)(?:\.?([A-Z]{1,2}))?)?$`)
	// NX-OS: 9.3(10), 10.3(4a)M, 7.0(3)I7(9), 7.0(8)N1(1), 5.2(1)N1(9b).
	nxosRE = regexp.MustCompile(`^` + d + `\.` + d + `(?:\(` + d + `([a-z]?)\)(?:([A-Z]{1,2})` + d + `(?:\(` + d + `([a-z]?)\))?)?([MF])?)?$`)
	// Junos: 21.4R3, 21.4R3-S5.4, 21.4R3.15, 12.3X48-D35.7, 21.4R3-S5-EVO.
	junosRE = regexp.MustCompile(`^` + d + `\.` + d + `(?:([RBXF])` + d + `(?:-([SD])` + d + `)?(?:\.` + d + `)?)?(?:-EVO)?$`)
	// FortiOS: 7.2.8, v7.2.8, v7.2.8,build1639,240313 (GA.M), FortiOS v7.4.3.
	fortiosRE = regexp.MustCompile(`^(?:FortiOS\s+)?v?` + d + `\.` + d + `(?:\.` + d + `)?(?:,build\d{1,9}(?:,\d{1,9})?)?(?:\s*\([A-Za-z0-9. ]{0,20}\))?$`)
	// PAN-OS: 10.2.9, 10.2.9-h1.
	panosRE = regexp.MustCompile(`^` + d + `\.` + d + `(?:\.` + d + `(?:-h` + d + `)?)?$`)
	// EOS: 4.30.2F, 4.28.3M, 4.21.1.1F.
	eosRE = regexp.MustCompile(`^` + d + `\.` + d + `(?:\.` + d + `(?:\.` + d + `)?)?([A-Z]{1,3})?$`)
	// RouterOS: 7.14.3, 7.9, 7.15rc2, 7.10beta3, 6.49.10 (long-term).
	routerosRE = regexp.MustCompile(`^` + d + `\.` + d + `(?:\.` + d + `)?(?:(beta|rc)` + d + `)?(?:\s*\((?:stable|long-term|testing|development)\))?$`)
	// Check Point Gaia: R81.20, R82, R81.20 Take 92, R81.20 JHF T92.
	gaiaRE = regexp.MustCompile(`(?i)^R` + d + `(?:\.` + d + `)?(?:\s*(?:JHF\s*T|Take\s*|Jumbo(?:\s+Hotfix)?(?:\s+Accumulator)?\s+Take\s*)` + d + `)?$`)
	// os-release VERSION_ID: 12, 9.2, 22.04, 3.19.1.
	numericRE = regexp.MustCompile(`^` + d + `(?:\.` + d + `)?(?:\.` + d + `)?(?:\.` + d + `)?$`)
)

func init() {
	register(&platform{id: "ios", example: "15.2(7)E4", strictTrains: true, parse: func(s string) (Version, bool) {
		m := iosRE.FindStringSubmatch(s)
		if m == nil {
			return Version{}, false
		}
		v := Version{key: []int{num(m[1]), num(m[2])}, trainAt: 4}
		if m[3] != "" {
			v.key = append(v.key, num(m[3]), letter(m[4]))
			v.train, v.hasTrain = m[5], true
			if m[6] != "" {
				v.key = append(v.key, num(m[6]), letter(m[7]))
			} else if m[7] != "" {
				return Version{}, false
			}
		}
		return v, true
	}})
	register(&platform{id: "ios-xe", example: "17.9.4a", strictTrains: true, parse: func(s string) (Version, bool) {
		m := iosxeRE.FindStringSubmatch(s)
		if m == nil {
			return Version{}, false
		}
		v := Version{key: []int{num(m[1]), num(m[2])}, trainAt: 3}
		if m[3] != "" {
			v.key = append(v.key, num(m[3]))
			if m[4] != "" {
				v.key = append(v.key, letter(m[4]))
			}
			// Only the 3.x releases had trains (3.6.5E, 3.16.8S).
			v.train, v.hasTrain = m[5], m[5] != ""
		}
		return v, true
	}})
	register(&platform{id: "nx-os", example: "9.3(10)", parse: func(s string) (Version, bool) {
		m := nxosRE.FindStringSubmatch(s)
		if m == nil {
			return Version{}, false
		}
		v := Version{key: []int{num(m[1]), num(m[2])}, trainAt: 4}
		if m[3] != "" {
			v.key = append(v.key, num(m[3]), letter(m[4]))
			v.train, v.hasTrain = m[5], true
			if m[5] != "" {
				v.key = append(v.key, num(m[6]))
				if m[7] != "" {
					v.key = append(v.key, num(m[7]), letter(m[8]))
				}
			}
			// m[9], M or F (maintenance or feature release), is a label.
		}
		return v, true
	}})
	register(&platform{id: "junos", example: "21.4R3-S5.4", parse: func(s string) (Version, bool) {
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
	}})
	register(&platform{id: "fortios", example: "7.2.8", parse: func(s string) (Version, bool) {
		m := fortiosRE.FindStringSubmatch(s)
		if m == nil {
			return Version{}, false
		}
		// The build number is the same release (7.2.8 is build 1639).
		v := Version{key: []int{num(m[1]), num(m[2])}}
		if m[3] != "" {
			v.key = append(v.key, num(m[3]))
		}
		return v, true
	}})
	register(&platform{id: "pan-os", example: "10.2.9-h1", parse: func(s string) (Version, bool) {
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
	}})
	register(&platform{id: "eos", example: "4.30.2F", parse: func(s string) (Version, bool) {
		m := eosRE.FindStringSubmatch(s)
		if m == nil {
			return Version{}, false
		}
		// F(eature)/M(aintenance) is a label: the numbers decide.
		v := Version{key: []int{num(m[1]), num(m[2])}}
		for _, g := range m[3:5] {
			if g != "" {
				v.key = append(v.key, num(g))
			}
		}
		return v, true
	}})
	register(&platform{id: "routeros", example: "7.14.3", parse: func(s string) (Version, bool) {
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
	}})
	register(&platform{id: "gaia", example: "R81.20 Take 92", parse: func(s string) (Version, bool) {
		m := gaiaRE.FindStringSubmatch(s)
		if m == nil {
			return Version{}, false
		}
		// R81 is a release of its own, not a prefix of R81.10: the minor
		// is always in the key.
		v := Version{key: []int{num(m[1]), num(m[2])}}
		if m[3] != "" {
			v.key = append(v.key, num(m[3]))
		}
		return v, true
	}})
	numeric := func(s string) (Version, bool) {
		m := numericRE.FindStringSubmatch(s)
		if m == nil {
			return Version{}, false
		}
		var v Version
		for _, g := range m[1:] {
			if g != "" {
				v.key = append(v.key, num(g))
			}
		}
		return v, true
	}
	for _, id := range []string{"debian", "ubuntu", "rhel", "centos", "rocky", "almalinux", "ol", "fedora", "sles", "alpine"} {
		register(&platform{id: id, example: "12 or 22.04 (os-release VERSION_ID)", parse: numeric})
	}
}
