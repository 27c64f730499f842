package rpm

import (
	"strconv"

	rpmversion "github.com/knqyf263/go-rpm-version"
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

// Compare orders two EVRs as rpmvercmp does (tilde before, caret after the
// base version). go-rpm-version implements both, so its rules are used
// rather than written again; the tests check them against rpm's own vercmp.
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

// vercmp compares one version or release string. The library parses a whole
// "[e:]v-r", so the piece is handed over as a version alone.
func vercmp(a, b string) int {
	if a == b {
		return 0
	}
	// "0:" keeps a colon inside the piece from being read as an epoch.
	return rpmversion.NewVersion("0:" + a).Compare(rpmversion.NewVersion("0:" + b))
}
