package checksecurityupdates

import (
	"errors"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/advisory"
	"github.com/guardrail-monitoring/guardrail/internal/apt"
	"github.com/guardrail-monitoring/guardrail/internal/located"
	"github.com/guardrail-monitoring/guardrail/internal/osversion"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

// defaultMaxAdvisoryAge applies when the policy gives no max_advisory_age_days.
const defaultMaxAdvisoryAge policy.Days = 7

// Feeds is what the policy's advisory feeds said beyond the pending
// updates they annotate: the files read and the vulnerabilities of
// installed packages that no pending update fixes.
type Feeds struct {
	Files []advisory.File
	// Open have no fix published; Unreached have one apt or dnf does not
	// offer (pinned, held, Ubuntu Pro). Neither is a pending update.
	Open, Unreached []advisory.Exposure
}

// FeedInput is one package family's view for the feeds: the host, its
// installed packages (with their sources), how it orders versions.
type FeedInput struct {
	Host advisory.Host
	Cmp  advisory.Compare
}

// aptFeedInput is the Debian/Ubuntu host for the feeds: os-release under
// root, dpkg's installed packages with their Source: fields.
func aptFeedInput(root string, sys *apt.System) (FeedInput, error) {
	h, err := readOSRelease(root)
	if err != nil {
		return FeedInput{}, err
	}
	for _, p := range sys.Installed {
		if p.Version == "" {
			continue
		}
		h.Packages = append(h.Packages, advisory.Installed{Name: p.Package, Version: p.Version, Source: p.Source, SourceVersion: p.SourceVersion})
	}
	return FeedInput{Host: h, Cmp: advisory.DebianCompare}, nil
}

// readOSRelease is the host's distribution as the feeds key it, from
// etc/os-release (or usr/lib/os-release) under root.
func readOSRelease(root string) (advisory.Host, error) {
	var firstErr error
	for _, rel := range []string{"etc/os-release", "usr/lib/os-release"} {
		path := filepath.Join(root, rel)
		data, err := located.ReadFile(path, osversion.OSReleaseLimit)
		if errors.Is(err, fs.ErrNotExist) {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if err != nil {
			return advisory.Host{}, err
		}
		r, err := osversion.ParseOSRelease(path, data)
		if err != nil {
			return advisory.Host{}, err
		}
		return advisory.Host{Distro: r.ID, Release: r.VersionID, Codename: r.Codename}, nil
	}
	return advisory.Host{}, &located.Error{Kind: "os-release", File: filepath.Join(root, "etc/os-release"),
		Msg: "not found (the advisory feeds are per release: the check must know this host's)", Err: firstErr}
}

// feedPaths expands the policy's feed patterns under root (as --root
// treats DIR as /). A pattern that matches nothing is an error: a feed
// that went missing is not "no advisories".
func feedPaths(root string, globs []policy.Glob) ([]string, error) {
	var out []string
	for _, g := range globs {
		m, err := advisory.Glob(filepath.Join(root, g.Pattern))
		if err != nil {
			return nil, err
		}
		out = append(out, m...)
	}
	return out, nil
}

// applyFeeds reads the policy's feeds for in.Host and marks each pending
// update with what it fixes. An update the feeds say fixes a vulnerability
// is a security update, wherever its candidate comes from (Debian fixes
// minor CVEs in point releases, outside -security).
func applyFeeds(obs *Observation, root string, sec policy.SecurityUpdates, in FeedInput) error {
	paths, err := feedPaths(root, sec.Advisories)
	if err != nil {
		return err
	}
	set, err := advisory.Read(paths, in.Host)
	if err != nil {
		return err
	}
	pending := make([]advisory.Pending, 0, len(obs.Updates))
	for _, u := range obs.Updates {
		pending = append(pending, advisory.Pending{Name: u.Package, Candidate: u.Candidate, CandidateSource: u.CandidateSource})
	}
	v, err := advisory.Decide(set, in.Host.Packages, pending, in.Cmp)
	if err != nil {
		return err
	}
	byName := map[string]advisory.Finding{}
	for _, f := range v.Fixes {
		byName[f.Package] = f
	}
	for i := range obs.Updates {
		u := &obs.Updates[i]
		f, ok := byName[u.Package]
		if !ok {
			continue
		}
		u.CVEs, u.Advisories = f.CVEs, f.Advisories
		u.Severity, u.VendorSeverity, u.SeverityScheme = f.Rating.Severity.String(), f.Rating.Vendor, f.Rating.Scheme
		u.Security = true
	}
	obs.Feeds = &Feeds{Files: set.Files, Open: v.Open, Unreached: v.Unreached}
	return nil
}

// StaleFeed is a feed file older than max_advisory_age_days.
type StaleFeed struct {
	File    advisory.File
	AgeDays int
	MaxDays int
}

// staleFeeds are the feed files older than the allowed age at now.
func staleFeeds(files []advisory.File, maxAge policy.Days, now time.Time) []StaleFeed {
	var out []StaleFeed
	for _, f := range files {
		if age := now.Sub(f.Modified); maxAge > 0 && age > maxAge.Duration() {
			out = append(out, StaleFeed{File: f, AgeDays: days(age), MaxDays: int(maxAge)})
		}
	}
	return out
}
