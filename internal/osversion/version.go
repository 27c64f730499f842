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

// platforms indexes platformTable (platforms.go) by id.
var platforms = index(platformTable)

func index(table []*platform) map[string]*platform {
	m := make(map[string]*platform, len(table))
	for _, p := range table {
		m[p.id] = p
	}
	return m
}

// aliases are other spellings seen in inventories (LibreNMS os names,
// vendor names); Normalize maps them to the policy's platform ids.
var aliases = map[string]string{
	"iosxe": "ios-xe", "ios_xe": "ios-xe", "nxos": "nx-os", "nx_os": "nx-os",
	"panos": "pan-os", "pan_os": "pan-os", "fortigate": "fortios",
	"arista_eos": "eos", "arista-eos": "eos", "mikrotik": "routeros",
	"checkpoint": "gaia", "check-point": "gaia", "redhat": "rhel",
	"juniper": "junos", "juniper_junos": "junos",
	"rockylinux": "rocky", "alma": "almalinux",
	"cisco-asa": "asa", "cisco_asa": "asa", "firepower": "ftd", "cisco-ftd": "ftd", "cisco_ftd": "ftd",
	"f5": "bigip", "big-ip": "bigip", "f5-bigip": "bigip", "tmos": "bigip",
	"sonicwall": "sonicos", "arubaos-cx": "aos-cx", "aoscx": "aos-cx", "aos_cx": "aos-cx",
	"huawei-vrp": "vrp", "huawei_vrp": "vrp",
	// platform slugs as NetBox installations commonly name them
	"cisco-ios": "ios", "cisco-ios-xe": "ios-xe", "cisco-nx-os": "nx-os", "cisco-nxos": "nx-os",
	"juniper-junos": "junos", "fortinet-fortios": "fortios", "paloalto-panos": "pan-os", "palo-alto-pan-os": "pan-os",
	"mikrotik-routeros": "routeros", "aruba-aos-cx": "aos-cx",
}

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
