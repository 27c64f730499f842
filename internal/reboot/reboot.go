// Package reboot says whether the running kernel is the newest installed
// one, and how long a reboot has been pending: the installed fix of a
// kernel vulnerability protects nothing until the host boots it. Reading
// (under a root directory, for tests) is apart from deciding, which is pure.
package reboot

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Running is the kernel the host runs.
type Running struct {
	// Release is uname -r (/proc/sys/kernel/osrelease): "6.1.0-18-amd64".
	Release string
	// PackageVersion is the Debian package version /proc/version names
	// ("... Debian 6.1.76-1 (2024-02-01)"): Debian rebuilds a kernel under
	// the same ABI name, so the release alone can hide a pending reboot.
	// Empty elsewhere.
	PackageVersion string
}

var small = located.Limit{Kind: "kernel", Bytes: 64 << 10}

// debianVersionRE is the end of a Debian kernel's /proc/version.
var debianVersionRE = regexp.MustCompile(`\bDebian ([0-9][A-Za-z0-9.+~:-]*) \(\d{4}-\d{2}-\d{2}\)\s*$`)

// ReadRunning reads the running kernel under root ("/" on a host).
func ReadRunning(root string) (Running, error) {
	rel, err := located.ReadFile(filepath.Join(root, "proc/sys/kernel/osrelease"), small)
	if err != nil {
		return Running{}, err
	}
	r := Running{Release: strings.TrimSpace(string(rel))}
	if r.Release == "" || strings.ContainsAny(r.Release, " \t\n/") {
		return Running{}, &located.Error{Kind: "kernel", File: filepath.Join(root, "proc/sys/kernel/osrelease"), Msg: "not a kernel release"}
	}
	ver, err := located.ReadFile(filepath.Join(root, "proc/version"), small)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Running{}, err
	}
	r.PackageVersion = DebianPackageVersion(ver)
	return r, nil
}

// DebianPackageVersion is the package version at the end of a Debian
// kernel's /proc/version, or "".
func DebianPackageVersion(procVersion []byte) string {
	if m := debianVersionRE.FindSubmatch(procVersion); m != nil {
		return string(m[1])
	}
	return ""
}

// Kernel is one installed kernel package.
type Kernel struct {
	Package   string    // linux-image-6.1.0-18-amd64, kernel-core
	Version   string    // the package version: 6.1.76-1, 5.14.0-362.8.1.el9_3
	Release   string    // the uname -r it boots as
	Installed time.Time // dpkg's info/PKG.list mtime, rpm's INSTALLTIME
}

// Package is an installed package as the package database gives it.
type Package struct {
	Name      string
	Version   string // Debian: the version; RPM: VERSION-RELEASE
	Arch      string // RPM: the arch uname -r ends in
	Installed time.Time
}

// debianImageRE: a kernel image package whose name carries the release
// (not the linux-image-amd64 metapackage).
var debianImageRE = regexp.MustCompile(`^linux-image-(?:unsigned-)?([0-9]+\.[0-9]+[A-Za-z0-9.+_-]*)$`)

// DebianKernels picks the kernel image packages of Debian and Ubuntu.
func DebianKernels(pkgs []Package) []Kernel {
	var out []Kernel
	for _, p := range pkgs {
		if m := debianImageRE.FindStringSubmatch(p.Name); m != nil && !strings.HasSuffix(p.Name, "-dbg") {
			out = append(out, Kernel{Package: p.Name, Version: p.Version, Release: m[1], Installed: p.Installed})
		}
	}
	return out
}

// RPMKernels picks kernel and kernel-core (RHEL 8 and later split the
// kernel; kernel-core holds vmlinuz): uname -r is VERSION-RELEASE.ARCH.
func RPMKernels(pkgs []Package) []Kernel {
	var out []Kernel
	for _, p := range pkgs {
		if p.Name == "kernel" || p.Name == "kernel-core" {
			rel := p.Version
			if p.Arch != "" {
				rel += "." + p.Arch
			}
			out = append(out, Kernel{Package: p.Name, Version: p.Version, Release: rel, Installed: p.Installed})
		}
	}
	return out
}

// DpkgInstallTime is when dpkg last unpacked pkg: the mtime of its
// info/PKG.list (or PKG:ARCH.list for Multi-Arch: same packages) under
// the dpkg admin dir ("/var/lib/dpkg").
func DpkgInstallTime(admindir, pkg, arch string) (time.Time, error) {
	if strings.ContainsAny(pkg, "/\x00") || strings.ContainsAny(arch, "/\x00") {
		return time.Time{}, fmt.Errorf("not a package name")
	}
	names := []string{pkg + ".list"}
	if arch != "" {
		names = append([]string{pkg + ":" + arch + ".list"}, names...)
	}
	var first error
	for _, n := range names {
		st, err := os.Stat(filepath.Join(admindir, "info", n))
		if err == nil {
			return st.ModTime(), nil
		}
		if first == nil {
			first = &located.Error{Kind: "dpkg info", File: filepath.Join(admindir, "info", n), Msg: "unreadable", Err: err}
		}
	}
	return time.Time{}, first
}

// Required is /run/reboot-required (Debian's and Ubuntu's update-notifier
// hook, unattended-upgrades) and its .pkgs list.
type Required struct {
	Exists   bool
	Since    time.Time // its mtime
	Packages []string  // from reboot-required.pkgs, sorted, unique
}

// ReadRequired reads run/reboot-required[.pkgs] under root.
func ReadRequired(root string) (Required, error) {
	flag := filepath.Join(root, "run/reboot-required")
	st, err := os.Stat(flag)
	if errors.Is(err, fs.ErrNotExist) {
		return Required{}, nil
	}
	if err != nil {
		return Required{}, &located.Error{Kind: "reboot flag", File: flag, Msg: "unreadable", Err: err}
	}
	r := Required{Exists: true, Since: st.ModTime()}
	pkgsFile := flag + ".pkgs"
	f, err := located.Open(pkgsFile, located.Limit{Kind: "reboot flag", Bytes: 1 << 20})
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return Required{}, err
	}
	defer f.Close()
	seen := map[string]bool{}
	err = located.Lines(f, "reboot flag", pkgsFile, 4096, func(n int, line []byte) error {
		name := strings.TrimSpace(string(line))
		if name == "" {
			return nil
		}
		if strings.ContainsFunc(name, func(c rune) bool { return c <= ' ' || c > '~' }) {
			return &located.Error{Kind: "reboot flag", File: pkgsFile, Line: n, Msg: "not a package name"}
		}
		seen[name] = true
		return nil
	})
	if err != nil {
		return Required{}, err
	}
	for p := range seen {
		r.Packages = append(r.Packages, p)
	}
	sort.Strings(r.Packages)
	return r, nil
}
