package osversion

import (
	"fmt"
)

// d is one decimal group of a version; 9 digits cannot overflow num.
const d = `(\d{1,9})`

var (
	// IOS: 15.2(7)E4, 12.4(21a), 15.1(4)M12a, 12.2(55)SE12, 12.2(33)SXJ10.
	// major.minor(maintenance[letter])[train][rebuild[letter]].
	iosRE = lazy(`^` + d + `\.` + d + `(?:\(` + d + `([a-z]?)\)([A-Z]{0,4})(?:` + d + `([a-z]?))?)?$`)
	// IOS-XE: 17.9.4a, 17.09.04a, 16.12.4; 3.x with a train: 3.16.8S, 03.16.08.S.
	iosxeRE = lazy(`^` + d + `\.` + d + `(?:\.` + d + `([a-z]?)(?:\.?([A-Z]{1,2}))?)?$`)
	// NX-OS: 9.3(10), 10.3(4a)M, 7.0(3)I7(9), 7.0(8)N1(1), 5.2(1)N1(9b).
	nxosRE = lazy(`^` + d + `\.` + d + `(?:\(` + d + `([a-z]?)\)(?:([A-Z]{1,2})` + d + `(?:\(` + d + `([a-z]?)\))?)?([MF])?)?$`)
	// NX-OS as image files spell it (nxos.7.0.3.I7.8.bin, seen in
	// sysDescr and inventories): 7.0.3.I7.8 is 7.0(3)I7(8), 9.3.10 is
	// 9.3(10), 10.3.4a.M is 10.3(4a)M. The groups are nxosRE's.
	nxosDotRE = lazy(`^` + d + `\.` + d + `\.` + d + `([a-z]?)(?:\.([A-Z]{1,2})` + d + `(?:\.` + d + `([a-z]?))?)?(?:\.([MF]))?$`)
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

// parseNXOS: release major.minor(maintenance), then a train with its
// rebuild (7.0(3)I7(9)); trains are ordered by the first four elements.
func parseNXOS(s string) (Version, bool) {
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
}
