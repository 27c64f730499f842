package reboot

import (
	"time"
)

// State is the kernel verdict, in needrestart's terms (NEEDRESTART-KSTA).
type State int

const (
	// Unknown: no installed kernel package to compare with (a container,
	// a custom kernel): nothing measured, never "current".
	Unknown State = iota
	// Current: the running kernel is the newest installed.
	Current
	// Rebuilt: same release (ABI name), newer package version installed.
	Rebuilt
	// Newer: a newer kernel release is installed.
	Newer
)

func (s State) String() string {
	return [...]string{"unknown", "current", "rebuilt (same ABI, newer package)", "newer kernel installed"}[s]
}

// Compare orders two package versions (<0, 0, >0).
type Compare func(a, b string) (int, error)

// Verdict says whether a reboot is pending and since when.
type Verdict struct {
	State   State
	Running Running
	Newest  Kernel // the newest installed kernel, when there is one
	// Pending: the kernel is not current, or reboot-required exists.
	Pending bool
	// Since is when the reboot became pending: the newest kernel's install
	// time, or reboot-required's mtime, whichever is older.
	Since time.Time
	// Flagged is /run/reboot-required, with the packages it names.
	Flagged Required
}

// Days is how long the reboot has been pending at now (0 when not).
func (v Verdict) Days(now time.Time) int {
	if !v.Pending || v.Since.IsZero() || now.Before(v.Since) {
		return 0
	}
	return int(now.Sub(v.Since) / (24 * time.Hour))
}

// Decide compares the running kernel with the installed ones.
func Decide(run Running, kernels []Kernel, flag Required, cmp Compare) (Verdict, error) {
	v := Verdict{Running: run, Flagged: flag}
	for i, k := range kernels {
		if i == 0 {
			v.Newest = k
			continue
		}
		c, err := cmp(k.Version, v.Newest.Version)
		if err != nil {
			return Verdict{}, err
		}
		if c > 0 || c == 0 && k.Installed.After(v.Newest.Installed) {
			v.Newest = k
		}
	}
	switch {
	case len(kernels) == 0:
		v.State = Unknown
	case v.Newest.Release != run.Release:
		v.State = Newer
		// The running release may itself be installed and newer (the
		// newest package was booted, an older one reinstalled): then it is
		// current.
		for _, k := range kernels {
			if k.Release == run.Release && k.Version == v.Newest.Version {
				v.State = Current
			}
		}
	case run.PackageVersion != "" && run.PackageVersion != v.Newest.Version:
		c, err := cmp(v.Newest.Version, run.PackageVersion)
		if err != nil {
			return Verdict{}, err
		}
		v.State = Current
		if c > 0 {
			v.State = Rebuilt
		}
	default:
		v.State = Current
	}
	if v.State == Newer || v.State == Rebuilt {
		v.Pending, v.Since = true, v.Newest.Installed
	}
	if flag.Exists {
		if !v.Pending || flag.Since.Before(v.Since) {
			v.Since = flag.Since
		}
		v.Pending = true
	}
	return v, nil
}
