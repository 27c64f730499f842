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
	// Junos "X"; Gaia "SP"): versions of different trains are ordered by
	// the first trainAt elements of their keys when those differ (IOS
	// release 12.1 is before 12.2 whatever the trains), and not at all
	// when they are equal or trainAt is 0. A bare "15.2" has no train, so
	// it is a cycle that any train's 15.2 falls in.
	train    string
	trainAt  int
	hasTrain bool
	// scheme tells numberings apart within one platform: IOS-XE 3.x
	// devices report the IOSd version ("15.5(3)S1", scheme "iosd") where
	// newer ones report 17.9.4a (scheme ""). Versions of two schemes are
	// ordered only where the platform's crossScheme says how.
	scheme string
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
	// crossScheme orders versions of two numbering schemes (nil: never).
	crossScheme func(a, b Version) (int, error)
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
	"rockylinux": "rocky", "alma": "almalinux",
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
	if a.scheme != b.scheme {
		if p := platforms[a.Platform]; p.crossScheme != nil {
			return p.crossScheme(a, b)
		}
		return 0, fmt.Errorf("%s %s and %s are numbered differently and are not ordered", a.Platform, a.Text, b.Text)
	}
	if a.hasTrain && b.hasTrain && a.train != b.train {
		if c := compareKeys(a.key[:min(a.trainAt, len(a.key))], b.key[:min(b.trainAt, len(b.key))]); c != 0 {
			return c, nil
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
	if v.Platform != c.Platform || v.scheme != c.scheme || len(c.key) > len(v.key) {
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
	// NX-OS as image files spell it (nxos.7.0.3.I7.8.bin, seen in
	// sysDescr and inventories): 7.0.3.I7.8 is 7.0(3)I7(8), 9.3.10 is
	// 9.3(10), 10.3.4a.M is 10.3(4a)M. The groups are nxosRE's.
	nxosDotRE = regexp.MustCompile(`^` + d + `\.` + d + `\.` + d + `([a-z]?)(?:\.([A-Z]{1,2})` + d + `(?:\.` + d + `([a-z]?))?)?(?:\.([MF]))?$`)
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
	// Check Point Gaia: R81.20, R82, R81.20 Take 92, R81.20 JHF T92;
	// R80.20SP (Scalable Platform, a train of its own); R80.20M1,
	// R80.20.M2 (management releases ahead of the R80.20 GA).
	gaiaRE = regexp.MustCompile(`(?i)^R` + d + `(?:\.` + d + `)?(?:(SP)|\.?M(\d{1,3}))?(?:\s*(?:JHF\s*T|Take\s*|Jumbo(?:\s+Hotfix)?(?:\s+Accumulator)?\s+Take\s*)` + d + `)?$`)
	// os-release VERSION_ID: 12, 9.2, 22.04, 3.19.1.
	numericRE = regexp.MustCompile(`^` + d + `(?:\.` + d + `)?(?:\.` + d + `)?(?:\.` + d + `)?$`)
)

// parseIOS: release major.minor, then maintenance, train and rebuild.
// Trains are ordered only across releases (12.1(22)EA14 is before
// 12.2(50)SE3); within one release a 15.2(4)M is neither older nor newer
// than a 15.2(7)E.
func parseIOS(s string) (Version, bool) {
	m := iosRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, false
	}
	v := Version{key: []int{num(m[1]), num(m[2])}, trainAt: 2}
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
}

// parseIOSXE reads IOS-XE's own numbering (17.9.4a, 3.16.8S) and the IOSd
// version that IOS-XE 3.x (and 2.x) devices report in sysDescr
// ("15.5(3)S1" on an ASR1000 running 3.16.1S), in the "iosd" scheme with
// IOS's rules. A bare 12.x or 15.x (a policy's release cycle) is IOSd too:
// IOS-XE's own majors are 2, 3 and 16 on, so 4 to 15 are refused otherwise.
func parseIOSXE(s string) (Version, bool) {
	m := iosxeRE.FindStringSubmatch(s)
	if m == nil {
		v, ok := parseIOS(s)
		v.scheme = "iosd"
		return v, ok
	}
	major := num(m[1])
	if major >= 4 && major <= 15 {
		if m[3] == "" && (major == 12 || major == 15) {
			v, ok := parseIOS(s)
			v.scheme = "iosd"
			return v, ok
		}
		return Version{}, false
	}
	// The 3.x trains (3.6.5E, 3.16.8S) are never ordered with each other:
	// trainAt stays 0.
	v := Version{key: []int{major, num(m[2])}}
	if m[3] != "" {
		v.key = append(v.key, num(m[3]))
		if m[4] != "" {
			v.key = append(v.key, letter(m[4]))
		}
		v.train, v.hasTrain = m[5], m[5] != ""
	}
	return v, true
}

// iosxeCrossScheme orders an IOSd version (12.x, 15.x) against IOS-XE's
// own numbering: 16.x followed the IOSd 15.x releases, so every 16.x and
// later is newer. Against 2.x and 3.x, which run IOSd 12.2/15.x under
// another number, there is no order without Cisco's mapping table: an error.
func iosxeCrossScheme(a, b Version) (int, error) {
	iosd, native, sign := a, b, -1
	if b.scheme == "iosd" {
		iosd, native, sign = b, a, 1
	}
	if native.key[0] >= 16 {
		return sign, nil
	}
	return 0, fmt.Errorf("ios-xe %s is an IOSd version (as IOS-XE 3.x devices report it) and %s is numbered as IOS-XE %d.x: they are not ordered (write the policy's 3.x versions as the devices report them)",
		iosd.Text, native.Text, native.key[0])
}

func init() {
	register(&platform{id: "ios", example: "15.2(7)E4", parse: parseIOS})
	register(&platform{id: "ios-xe", example: "17.9.4a", crossScheme: iosxeCrossScheme, parse: parseIOSXE})
	register(&platform{id: "nx-os", example: "9.3(10)", parse: func(s string) (Version, bool) {
		m := nxosRE.FindStringSubmatch(s)
		if m == nil {
			if m = nxosDotRE.FindStringSubmatch(s); m == nil {
				return Version{}, false
			}
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
		// is always in the key. Every version has a train, "" (GA) or
		// "SP": R80.20SP is ordered against other releases (after R80.10,
		// before R81.10) but not against R80.20, whose takes it does not
		// share. A management release Mn comes before its GA, hence
		// n-1000 (the key holds nothing else negative).
		v := Version{key: []int{num(m[1]), num(m[2])}, train: strings.ToUpper(m[3]), hasTrain: true, trainAt: 2}
		if m[4] != "" {
			v.key = append(v.key, num(m[4])-1000)
		}
		if m[5] != "" {
			v.key = append(v.key, num(m[5]))
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
