package rpm

import (
	"strconv"
)

// EVR is an RPM epoch:version-release. A missing epoch is 0, as dnf treats it.
type EVR struct {
	Epoch   int
	Version string
	Release string
}

// String is dnf's spelling: the epoch only when it is not 0.
func (e EVR) String() string {
	s := e.Version
	if e.Release != "" {
		s += "-" + e.Release
	}
	if e.Epoch != 0 {
		s = strconv.Itoa(e.Epoch) + ":" + s
	}
	return s
}

// Compare orders two EVRs as rpm does: epoch, then version, then release,
// each by rpmvercmp.
// withEpoch is epoch:version-release, the epoch always written.
func (e EVR) withEpoch() string {
	return strconv.Itoa(e.Epoch) + ":" + e.Version + "-" + e.Release
}

func (e EVR) Compare(o EVR) int {
	if e.Epoch != o.Epoch {
		if e.Epoch < o.Epoch {
			return -1
		}
		return 1
	}
	if c := vercmp(e.Version, o.Version); c != 0 {
		return c
	}
	return vercmp(e.Release, o.Release)
}

// vercmp is rpm 4.18's rpmvercmp: alternating numeric and alphabetic
// segments (a number beats letters, leading zeros do not count, the longer
// number wins), other characters only separate, '~' sorts before anything
// (1.0~rc1 < 1.0) and '^' after the base version but before a further
// segment (1.0 < 1.0^git1 < 1.0.1). go-rpm-version has the same rules
// (the tests hold the two together, and both against rpm's own vercmp),
// but it allocates on every call through a regexp; judging compares
// thousands of times, and that garbage was most of the check's memory.
func vercmp(a, b string) int {
	if a == b {
		return 0
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		for i < len(a) && !isAlnum(a[i]) && a[i] != '~' && a[i] != '^' {
			i++
		}
		for j < len(b) && !isAlnum(b[j]) && b[j] != '~' && b[j] != '^' {
			j++
		}
		ca, cb := at(a, i), at(b, j)
		if ca == '~' || cb == '~' {
			if ca != '~' {
				return 1
			}
			if cb != '~' {
				return -1
			}
			i, j = i+1, j+1
			continue
		}
		if ca == '^' || cb == '^' {
			switch {
			case i == len(a):
				return -1
			case j == len(b):
				return 1
			case ca != '^':
				return 1
			case cb != '^':
				return -1
			}
			i, j = i+1, j+1
			continue
		}
		if i == len(a) || j == len(b) {
			break
		}
		si, sj := i, j
		num := isDigit(a[i])
		if num {
			for i < len(a) && isDigit(a[i]) {
				i++
			}
			for j < len(b) && isDigit(b[j]) {
				j++
			}
		} else {
			for i < len(a) && isAlpha(a[i]) {
				i++
			}
			for j < len(b) && isAlpha(b[j]) {
				j++
			}
		}
		if sj == j {
			if num {
				return 1
			}
			return -1
		}
		sa, sb := a[si:i], b[sj:j]
		if num {
			for len(sa) > 0 && sa[0] == '0' {
				sa = sa[1:]
			}
			for len(sb) > 0 && sb[0] == '0' {
				sb = sb[1:]
			}
			if len(sa) != len(sb) {
				if len(sa) > len(sb) {
					return 1
				}
				return -1
			}
		}
		if sa != sb {
			if sa < sb {
				return -1
			}
			return 1
		}
	}
	switch {
	case i >= len(a) && j >= len(b):
		return 0
	case i >= len(a):
		return -1
	}
	return 1
}

func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

// CompareEVR orders two "[epoch:]version-release" strings as rpm does
// (for callers outside this package, e.g. kernel packages by version).
func CompareEVR(a, b string) int { return parseEVR(a).Compare(parseEVR(b)) }
