package checksecurityupdates

import (
	"context"
	"github.com/guardrail-monitoring/guardrail/internal/advisory"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/rpm"
)

// loadRPM reads an RPM host under root as an observation, the updates
// filtered. dnf's rules are package rpm's; this only reshapes.
func loadRPM(ctx context.Context, root string, include, exclude []*regexp.Regexp) (Observation, *rpm.System, error) {
	// Streaming the rpmdb and the XML metadata makes much short-lived
	// garbage and little that lives: collecting at half the default
	// growth keeps the peak RSS near a quarter of dnf's, for no time
	// measurable (make bench).
	defer debug.SetGCPercent(debug.SetGCPercent(50))
	sys, ok, err := rpm.Load(ctx, root, rpm.Options{})
	if err != nil {
		return Observation{}, nil, err
	}
	if !ok { // detectFamily saw an rpmdb a moment ago
		return Observation{Family: RPM}, &rpm.System{}, nil
	}
	return rpmObservation(sys, include, exclude), sys, nil
}

// rpmObservation is dnf's (or zypper's) state as an observation: enabled repos are the
// sources, a repo without a cache is unfetched, each cached repo's
// metadata is a list dated when dnf last fetched it, and repos that publish
// no updateinfo are named, with the updates that come from them.
func rpmObservation(sys *rpm.System, include, exclude []*regexp.Regexp) Observation {
	obs := Observation{Family: RPM}
	without := map[string]bool{}
	for _, r := range sys.WithoutUpdateinfo() {
		without[r.ID] = true
		obs.WithoutUpdateinfo = append(obs.WithoutUpdateinfo, r.ID)
	}
	yum, cached := 0, 0
	for _, r := range sys.Repos {
		if !r.Enabled {
			continue
		}
		obs.Sources++
		if r.Cached {
			obs.Lists = append(obs.Lists, List{File: r.CacheDir, Date: r.Fetched})
			cached++
			if r.Layout == rpm.LayoutYum {
				yum++
			}
		}
	}
	// A yum 3 host (RHEL/CentOS 7), or one whose caches are all yum's,
	// refreshes them with yum; dnf 4 and dnf5 both answer to "dnf makecache".
	if sys.Main.Manager == rpm.ManagerYum || cached > 0 && yum == cached {
		obs.Refresh = "yum makecache"
	}
	if sys.Zypp != nil { // a SUSE host: zypper's configuration and cache
		obs.Refresh = zypperRefresh
	}
	for _, r := range sys.Unfetched() {
		obs.Unfetched = append(obs.Unfetched, Source{File: r.File, Line: r.Line, URI: repoURL(r.Repo), Suite: r.ID})
	}
	for _, u := range sys.Updates() {
		if !keep(u.Package, include, exclude) {
			continue
		}
		p := fromRPM(u)
		if sys.Zypp != nil && p.SeverityScheme != "" {
			// SUSE's patch severities are Red Hat's words: one scale
			p.SeverityScheme = "suse severity"
		}
		p.Unclassified = !p.Security && without[p.Origin]
		obs.Updates = append(obs.Updates, p)
	}
	return obs
}

// fromRPM is dnf's update as a family-neutral one. An installed package
// only an obsoleting one replaces keeps its name; ReplacedBy names the new.
func fromRPM(u rpm.Update) Pending {
	p := Pending{Package: u.Package, Arch: u.Arch, Installed: u.Installed, Candidate: u.Candidate, Origin: u.Origin,
		Security: u.Security, SecurityVersion: u.SecurityVersion, Held: u.Held, KeptBack: u.KeptBack,
		Advisories: u.Advisories, CVEs: u.CVEs, ReplacedBy: u.ReplacedBy}
	// updateinfo's severity is Red Hat's impact word (and its rebuilds'):
	// one scale for the tiers and the output, the word kept beside it,
	// named after whose advisories carry it.
	if u.Severity != "" {
		r := advisory.RedHatImpact(u.Severity)
		p.Severity, p.VendorSeverity, p.SeverityScheme = r.Severity.String(), r.Vendor, severityScheme(u.Advisories, r.Scheme)
	}
	if u.CandidateArch != u.Arch {
		p.CandidateArch = u.CandidateArch
	}
	return p
}

// repoURL is where dnf fetches a repo from, as libdnf picks it: metalink,
// else mirrorlist, else the first baseurl.
func repoURL(r rpm.Repo) string {
	switch {
	case r.Metalink != "":
		return r.Metalink
	case r.Mirrorlist != "":
		return r.Mirrorlist
	case len(r.BaseURL) > 0:
		return r.BaseURL[0]
	}
	return ""
}

// severityScheme names the severity words of updateinfo after the
// publisher the advisory ids show (Fedora's Bodhi and EPEL, Amazon's
// ALAS); Red Hat's impact otherwise (RHSA, and the rebuilds' RLSA, ALSA,
// CESA, ELSA, which copy it).
func severityScheme(ids []string, redHat string) string {
	scheme := ""
	for _, id := range ids {
		s := redHat
		switch {
		case strings.HasPrefix(id, "FEDORA-"):
			s = "fedora severity"
		case strings.HasPrefix(id, "ALAS"):
			s = "amazon severity"
		}
		if scheme != "" && s != scheme {
			return "updateinfo severity"
		}
		scheme = s
	}
	if scheme == "" {
		return redHat
	}
	return scheme
}
