package checksecurityupdates

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
	"github.com/guardrail-monitoring/guardrail/internal/rpm"
)

// Family is the package family of the host under --root: detected from
// the package databases there, never given by a flag.
type Family int

const (
	Debian Family = iota // dpkg status (also when neither database is found: apt says what is missing)
	RPM                  // an rpmdb: RHEL and its rebuilds, Fedora, Amazon Linux
)

// words are what the output calls a family's sources (and one of them),
// their metadata and the command that fetches it.
type words struct {
	sources, source, lists, refresh string
}

// words: on RPM hosts the repos are named after the manager the refresh
// command names (dnf by default; yum on yum 3 hosts, zypper on SUSE).
func (f Family) words(refresh string) words {
	if f == RPM {
		if refresh == "" {
			refresh = "dnf makecache"
		}
		manager, _, _ := strings.Cut(refresh, " ")
		return words{sources: manager + " repos", source: manager + " repo", lists: "repo metadata", refresh: refresh}
	}
	return words{sources: "apt sources", source: "apt source", lists: "package lists", refresh: "apt-get update"}
}

// zypperRefresh fetches a SUSE host's repo metadata.
const zypperRefresh = "zypper refresh"

// dpkgStatus is where dpkg keeps what is installed, below the root.
const dpkgStatus = "var/lib/dpkg/status"

// detectFamily tells a Debian host from an RPM one by their package
// databases. A host may carry both: Debian packages rpm (for alien,
// rpmbuild, mock) and EPEL packages dpkg. Then the database that manages
// the system is the one of the distribution os-release names (ID, then
// ID_LIKE); when it names neither family the check does not guess. note
// says how a host with both was decided.
func detectFamily(root string) (f Family, note string, err error) {
	_, hasRPM := rpm.Detect(root)
	st, statErr := os.Stat(filepath.Join(root, dpkgStatus))
	hasDpkg := statErr == nil && st.Mode().IsRegular()
	switch {
	case hasRPM && !hasDpkg:
		return RPM, "", nil
	case !hasRPM:
		return Debian, "", nil
	}
	file, id, err := osRelease(root)
	if err != nil {
		return Debian, "", fmt.Errorf("both a dpkg status and an rpmdb are under %s, and os-release cannot say which manages the system: %w", root, err)
	}
	for _, word := range id {
		switch word {
		case "debian", "ubuntu":
			return Debian, fmt.Sprintf("both a dpkg status and an rpmdb are present; checked as Debian, as %s says (%s)", file, strings.Join(id, " ")), nil
		case "rhel", "fedora", "centos", "amzn", "suse", "opensuse", "sles", "mageia", "openmandriva":
			return RPM, fmt.Sprintf("both a dpkg status and an rpmdb are present; checked as RPM, as %s says (%s)", file, strings.Join(id, " ")), nil
		}
	}
	return Debian, "", fmt.Errorf("both a dpkg status and an rpmdb are under %s, and %s names neither family (ID and ID_LIKE: %q)", root, file, strings.Join(id, " "))
}

// osRelease is os-release's ID then ID_LIKE words (etc/os-release, else
// usr/lib/os-release, as os-release(5) says).
func osRelease(root string) (file string, id []string, err error) {
	for _, p := range []string{"etc/os-release", "usr/lib/os-release"} {
		file = filepath.Join(root, p)
		f, err := located.Open(file, osReleaseLimit)
		if errors.Is(err, fs.ErrNotExist) && p == "etc/os-release" {
			continue
		}
		if err != nil {
			return file, nil, err
		}
		defer f.Close()
		id, err := osReleaseIDs(f, file)
		return file, id, err
	}
	return file, nil, nil
}

// osReleaseLimit bounds os-release: a few dozen short lines.
var osReleaseLimit = located.Limit{Kind: "os-release", Bytes: 64 << 10}

// osReleaseIDs reads the two keys that name the distribution family, ID
// and ID_LIKE, from os-release's KEY=value lines (values optionally
// quoted). package osversion parses the whole file, but its tables of every
// platform cost the check a megabyte at start; these two keys are all
// detection needs.
func osReleaseIDs(r io.Reader, file string) ([]string, error) {
	var id string
	var like []string
	err := located.Lines(r, "os-release", file, 4096, func(n int, text []byte) error {
		line := strings.TrimSpace(string(text))
		if line == "" || strings.HasPrefix(line, "#") {
			return nil
		}
		key, val, ok := strings.Cut(line, "=")
		if !ok {
			return &located.Error{Kind: "os-release", File: file, Line: n, Msg: "not KEY=value"}
		}
		if len(val) >= 2 && (val[0] == '"' || val[0] == '\'') && val[len(val)-1] == val[0] {
			val = val[1 : len(val)-1]
		}
		switch key {
		case "ID":
			id = strings.ToLower(strings.TrimSpace(val))
		case "ID_LIKE":
			like = strings.Fields(strings.ToLower(val))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return append([]string{id}, like...), nil
}
