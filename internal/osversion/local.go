package osversion

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Local is this host's operating system as its release files say, with
// the most exact version they give: Debian's point release from
// /etc/debian_version (12.11 where os-release says 12), Ubuntu's from
// VERSION (24.04.1), RHEL's and its rebuilds' minor from /etc/redhat-release.
type Local struct {
	ID       string   // os-release ID
	IDLike   []string // os-release ID_LIKE, for messages only
	Pretty   string   // PRETTY_NAME (or ID), for the long output
	Platform string   // the platform id of ID; "" when the check does not know it
	Version  string   // the version to judge
	Sources  []string // the files the answer was read from, os-release first
}

// Limits of the release files: each is a line or a few dozen.
var (
	OSReleaseLimit     = located.Limit{Kind: "os-release", Bytes: 64 << 10}
	DebianVersionLimit = located.Limit{Kind: "debian_version", Bytes: 4 << 10}
	RedHatReleaseLimit = located.Limit{Kind: "redhat-release", Bytes: 4 << 10}
)

// ReleaseFile is one release file as read. Missing: it does not exist.
type ReleaseFile struct {
	Path    string
	Data    []byte
	Missing bool
}

// ReadLocal reads the release files under root ("/" for this host; every
// path is taken below it, as --root wants): etc/os-release (or
// usr/lib/os-release when that is missing, as os-release(5) says), then the
// one file that holds the exact version for the ID found. All reads are
// bounded as read, so a FIFO or /dev/zero planted there ends in an error
// naming the file.
func ReadLocal(root string) (Local, error) {
	var osRelease ReleaseFile
	for _, p := range []string{"etc/os-release", "usr/lib/os-release"} {
		path := filepath.Join(root, p)
		data, err := located.ReadFile(path, OSReleaseLimit)
		if errors.Is(err, fs.ErrNotExist) && p == "etc/os-release" {
			continue
		}
		if err != nil {
			return Local{}, err
		}
		osRelease = ReleaseFile{Path: path, Data: data}
		break
	}
	rel, err := ParseOSRelease(osRelease.Path, osRelease.Data)
	if err != nil {
		return Local{}, err
	}
	var exact *ReleaseFile
	if name, limit, ok := exactFile(rel.ID); ok {
		f := ReleaseFile{Path: filepath.Join(root, name)}
		f.Data, err = located.ReadFile(f.Path, limit)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			f.Missing = true
		case err != nil:
			return Local{}, err
		}
		exact = &f
	}
	return LocalVersion(rel, osRelease.Path, exact)
}

// exactFile names the file, below the root, that holds the exact version
// of an os-release ID, if there is one.
func exactFile(id string) (string, located.Limit, bool) {
	switch id {
	case "debian":
		return "etc/debian_version", DebianVersionLimit, true
	case "rhel", "centos", "rocky", "almalinux":
		return "etc/redhat-release", RedHatReleaseLimit, true
	}
	return "", located.Limit{}, false
}

var (
	// debian_version: "12.11", or for testing and unstable
	// "trixie/sid" (or a bare "sid").
	debianReleaseRE = lazy(`^\d{1,9}(?:\.\d{1,9}){0,3}$`)
	debianTestingRE = lazy(`^(?:[a-z]{2,20}/)?sid$`)
	// Ubuntu's VERSION starts with the release: "24.04.1 LTS (Noble Numbat)".
	ubuntuVersionRE = lazy(`^(\d{1,9}\.\d{1,9}(?:\.\d{1,9})?)(?:\s|$)`)
	// redhat-release: "Red Hat Enterprise Linux release 9.4 (Plow)",
	// "CentOS Linux release 7.9.2009 (Core)", "Rocky Linux release 9.4
	// (Blue Onyx)", "AlmaLinux release 9.4 (Seafoam Ocelot)".
	redHatReleaseRE = lazy(`^[A-Za-z][A-Za-z ]{0,60} release (\d{1,9}(?:\.\d{1,9}){0,3})(?: \([ -~]{0,60}\))?$`)
)

// LocalVersion works out the version to judge from os-release (read from
// osReleasePath) and, for the IDs that have one, the exact file's content
// (nil for other IDs). It does no I/O. Debian testing/unstable, a missing
// exact file and files that disagree are errors: there is no version to
// judge, and a guess could be a wrong OK.
func LocalVersion(rel OSRelease, osReleasePath string, exact *ReleaseFile) (Local, error) {
	l := Local{ID: rel.ID, IDLike: rel.IDLike, Pretty: rel.Pretty, Version: rel.VersionID, Sources: []string{osReleasePath}}
	if l.Pretty == "" {
		l.Pretty = rel.ID
	}
	if id, ok := Normalize(rel.ID); ok {
		l.Platform = id
	}
	osErr := func(key, format string, args ...any) error {
		return &located.Error{Kind: OSReleaseLimit.Kind, File: osReleasePath, Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	if exact != nil && exact.Missing {
		if rel.ID == "debian" {
			return Local{}, &located.Error{Kind: DebianVersionLimit.Kind, File: exact.Path,
				Msg: "missing, and os-release's VERSION_ID names only the major release (base-files ships this file)"}
		}
		exact = nil // a RHEL rebuild without redhat-release: VERSION_ID has the minor
	}
	switch {
	case rel.ID == "debian":
		line := onlyLine(exact.Data)
		exactErr := func(format string, args ...any) error {
			return &located.Error{Kind: DebianVersionLimit.Kind, File: exact.Path, Line: 1, Msg: fmt.Sprintf(format, args...)}
		}
		switch {
		case debianTestingRE.MatchString(line):
			return Local{}, exactErr("%s is Debian testing or unstable, which has no release version to judge", line)
		case !debianReleaseRE.MatchString(line):
			return Local{}, exactErr("not a Debian release number (like 12.11) or testing/unstable (like trixie/sid)")
		case rel.VersionID == "":
			return Local{}, osErr("VERSION_ID", "none, so this is no Debian release (testing or unstable have none)")
		case !extends(line, rel.VersionID):
			return Local{}, exactErr("release %s is not os-release's VERSION_ID %s (an upgrade half done?)", line, rel.VersionID)
		}
		l.Version = line
		l.Sources = append(l.Sources, exact.Path)
	case rel.ID == "ubuntu" && rel.Version != "":
		m := ubuntuVersionRE.FindStringSubmatch(rel.Version)
		switch {
		case m == nil:
			return Local{}, osErr("VERSION", "does not begin with the release number (like 24.04.1 LTS)")
		case rel.VersionID == "":
			return Local{}, osErr("VERSION_ID", "none, so there is no version to judge")
		case !extends(m[1], rel.VersionID):
			return Local{}, osErr("VERSION", "release %s is not VERSION_ID %s", m[1], rel.VersionID)
		}
		l.Version = m[1]
	case exact != nil: // the RHEL family
		m := redHatReleaseRE.FindStringSubmatch(onlyLine(exact.Data))
		if m == nil {
			return Local{}, &located.Error{Kind: RedHatReleaseLimit.Kind, File: exact.Path, Line: 1,
				Msg: "not NAME release N.N (CODENAME)"}
		}
		switch {
		case rel.VersionID == "" || extends(m[1], rel.VersionID):
			l.Version = m[1]
		case extends(rel.VersionID, m[1]):
			// VERSION_ID is the more exact one; keep it.
		default:
			return Local{}, &located.Error{Kind: RedHatReleaseLimit.Kind, File: exact.Path, Line: 1,
				Msg: fmt.Sprintf("release %s is not os-release's VERSION_ID %s", m[1], rel.VersionID)}
		}
		l.Sources = append(l.Sources, exact.Path)
	}
	if l.Version == "" {
		return Local{}, osErr("VERSION_ID", "none (a testing or rolling release has none), so there is no version to judge")
	}
	return l, nil
}

// onlyLine is the file's only line, without its newline; more lines make
// it "" (no release file of these has two).
func onlyLine(data []byte) string {
	s := strings.TrimSuffix(string(data), "\n")
	if strings.ContainsAny(s, "\n\r") {
		return ""
	}
	return strings.TrimSpace(s)
}

// extends reports whether long is short or short with more dotted
// components ("12.11" extends "12", "9.4" extends "9.4", "12.1" does not
// extend "1").
func extends(long, short string) bool {
	return long == short || strings.HasPrefix(long, short+".")
}
