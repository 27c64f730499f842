package advisory

import (
	"regexp"
	"sort"
	"strings"
	"time"
)

// Installed is one installed binary package, with its source as dpkg's
// Source: field gives it ("src" or "src (version)" for a binNMU; empty
// when source and binary share name and version). RPM hosts give the
// source RPM's name, or leave it empty.
type Installed struct {
	Name          string
	Version       string
	Source        string // empty: Name
	SourceVersion string // empty: Version
}

// SourceName is the source package's name.
func (p Installed) SourceName() string {
	if p.Source != "" {
		return p.Source
	}
	return p.Name
}

// SourceVer is the source package's version: a binNMU's "+bN" binary
// version is not the source version the tracker's fixed_version compares
// against.
func (p Installed) SourceVer() string {
	if p.SourceVersion != "" {
		return p.SourceVersion
	}
	return p.Version
}

// Host says which release a feed's entries must be for.
type Host struct {
	// Distro is the os-release ID: debian, ubuntu, rocky, almalinux, rhel.
	Distro string
	// Release is the version: "12", "22.04", "9.4" (major for RPM distros
	// and Debian is enough).
	Release string
	// Codename is the Debian tracker's release key ("bookworm").
	Codename string
	// Packages are the installed packages; only their entries are kept.
	Packages []Installed
}

// Range is one affected interval: Introduced ≤ v < Fixed (Fixed "" means
// no fix yet), or v ≤ LastAffected when a feed says so instead.
type Range struct {
	Introduced   string // "" or "0": from the beginning
	Fixed        string
	LastAffected string
}

// Vuln is one vulnerability as a feed records it for one package.
type Vuln struct {
	ID         string   // the record's id: CVE-…, USN-…, DSA-…, UBUNTU-CVE-…
	CVEs       []string // sorted, unique
	Advisories []string // DSA-/DLA-/USN-/RHSA-/RLSA-/ALSA-… ids, sorted, unique
	Package    string   // as the feed keys it: a source name, or a binary name for RPM feeds
	Ranges     []Range
	// Binaries, when the feed lists them (Ubuntu), are the binary packages
	// the fix ships in; an installed binary of the source not listed is not
	// concerned.
	Binaries []string
	Rating   Rating
	// Subscription is the availability an Ubuntu Pro record names ("Available
	// with Ubuntu Pro"): a fix apt cannot see without it.
	Subscription string
	Feed         string // the file (and zip entry) it came from
	Offset       int64  // where in it
}

// Fixed reports whether any range has a fix.
func (v Vuln) HasFix() bool {
	for _, r := range v.Ranges {
		if r.Fixed != "" {
			return true
		}
	}
	return false
}

// Set is what the feeds say about the installed packages, keyed by the
// name the feed uses (source for Debian and Ubuntu, as given for RPM).
type Set struct {
	byPackage map[string][]Vuln
	// Files are the feed files read, with the format detected.
	Files []File
}

// File is one feed file read.
type File struct {
	Path    string
	Format  string // "debian-tracker", "osv"
	Records int    // entries (tracker CVE × release, OSV records) kept
	// Modified is the file's mtime (a directory's: the newest of it and its
	// records), for the stale-feed rule.
	Modified time.Time
}

// For returns the vulnerabilities a feed keys under name.
func (s *Set) For(name string) []Vuln {
	if s == nil {
		return nil
	}
	return s.byPackage[name]
}

func (s *Set) add(v Vuln) {
	if s.byPackage == nil {
		s.byPackage = map[string][]Vuln{}
	}
	s.byPackage[v.Package] = append(s.byPackage[v.Package], v)
}

// wanted is the set of package names (source and binary) installed.
type wanted map[string]bool

func wantedOf(h Host) wanted {
	w := wanted{}
	for _, p := range h.Packages {
		w[p.Name] = true
		w[p.SourceName()] = true
	}
	return w
}

var (
	cveRE      = regexp.MustCompile(`^(?:(?:UBUNTU|DEBIAN)-)?(CVE-\d{4}-\d{4,})$`)
	advisoryRE = regexp.MustCompile(`^(?:DSA|DLA|DTSA|USN|LSN|RHSA|RHBA|RHEA|RLSA|RLBA|RLEA|ALSA|ALBA|ALEA|ELSA)-[0-9][0-9:-]*$`)
)

// classify sorts ids into CVEs and advisory ids; other ids (GHSA-…, OSV-…)
// are dropped.
func classify(cves, advisories map[string]bool, ids ...string) {
	for _, id := range ids {
		if m := cveRE.FindStringSubmatch(id); m != nil {
			cves[m[1]] = true
		} else if advisoryRE.MatchString(id) {
			advisories[id] = true
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	if len(m) == 0 {
		return nil
	}
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ecosystemMatches reports whether an OSV ecosystem ("Debian:12",
// "Ubuntu:22.04:LTS", "Ubuntu:Pro:16.04:LTS", "Rocky Linux:9",
// "AlmaLinux:9", "Red Hat:enterprise_linux:9::appstream") is the host's.
func ecosystemMatches(eco string, h Host) bool {
	fields := strings.Split(eco, ":")
	major, _, _ := strings.Cut(h.Release, ".")
	has := func(vals ...string) bool {
		for _, f := range fields[1:] {
			for _, v := range vals {
				if v != "" && f == v {
					return true
				}
			}
		}
		return false
	}
	switch fields[0] {
	case "Debian":
		return h.Distro == "debian" && len(fields) == 2 && (fields[1] == major || fields[1] == h.Release)
	case "Ubuntu":
		return h.Distro == "ubuntu" && has(h.Release)
	case "Rocky Linux":
		return h.Distro == "rocky" && has(major, h.Release)
	case "AlmaLinux":
		return h.Distro == "almalinux" && has(major, h.Release)
	case "Red Hat":
		return h.Distro == "rhel" && has(major, h.Release)
	}
	return false
}
