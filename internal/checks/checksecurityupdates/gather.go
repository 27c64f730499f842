package checksecurityupdates

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/apt"
	"github.com/guardrail-monitoring/guardrail/internal/ledger"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
	"github.com/guardrail-monitoring/guardrail/internal/reboot"
	"github.com/guardrail-monitoring/guardrail/internal/restart"
	"github.com/guardrail-monitoring/guardrail/internal/rpm"
)

// Pending is one pending update of any package family: apt's today, rpm's
// and advisory feeds' next. Each family has one converter into it.
type Pending struct {
	Package, Arch        string // Arch as installed ("all"/"noarch" included)
	Installed, Candidate string
	Origin               string // where the candidate comes from, "Debian:bookworm-security"
	// Security: some version newer than Installed, up to Candidate, is a
	// security fix; SecurityVersion is the newest such one.
	Security        bool
	SecurityVersion string
	Held            bool // kept at its version by the admin: reported apart, not actionable
	// KeptBack: the package manager's upgrade would not move it, because
	// of Reason (a sentence); Blocked: nor would a full (dist-)upgrade.
	KeptBack, Blocked bool
	Reason            string
	// PhasedVersion is the version phasing keeps from this machine for
	// now (Observation.Deferred only).
	PhasedVersion string
	// Advisories and CVEs name the fix (DSA/RHSA ids, CVE ids) where the
	// family says, and Severity is the advisory's; apt says none.
	Advisories, CVEs []string
	Severity         string
	// ReplacedBy names the package that obsoletes this installed one when
	// that is its only update (dnf's "Obsoleting Packages"); Candidate is
	// then that package's version.
	ReplacedBy string
	// CandidateArch is set when the candidate's arch differs from the
	// installed one (dnf's noarch↔arch changes).
	CandidateArch string
	// Unclassified: not known to be a security fix, but its origin
	// publishes no advisories (a repo without updateinfo), so it may be one.
	Unclassified bool
	// VendorSeverity is the vendor's own word behind Severity ("Important",
	// "unimportant", "CVSS 7.5"), SeverityScheme whose word it is.
	VendorSeverity, SeverityScheme string
	// CandidateSource is the candidate's source version where it is not
	// Candidate (binNMUs): what source-keyed feeds compare.
	CandidateSource string
}

// Key names an update in the ledger.
func (p Pending) Key() string { return p.Package + ":" + p.Arch }

// fromApt is apt's update as a family-neutral one.
func fromApt(u apt.Update) Pending {
	return Pending{Package: u.Package, Arch: u.Arch, Installed: u.Installed, Candidate: u.Candidate, Origin: u.Origin,
		Security: u.Security, SecurityVersion: u.SecurityVersion, Held: u.Held,
		KeptBack: u.KeptBack, Blocked: u.Blocked, Reason: u.Reason, PhasedVersion: u.PhasedVersion,
		CandidateSource: u.CandidateSource}
}

// Source is a configured package source, named by its place in the file.
type Source struct {
	File       string
	Line       int
	URI, Suite string
}

// List is one signed index (apt's (In)Release file) of a live source.
type List struct {
	File             string
	Date, ValidUntil time.Time // zero when the file does not say
}

// Observation is what gather found, before any judgement.
type Observation struct {
	Now time.Time
	// Family is the host's package family; FamilyNote says how a host
	// with both databases was decided.
	Family     Family
	FamilyNote string
	// Refresh is the command that fetches the metadata, where it is not
	// the family's usual one (yum on RHEL/CentOS 7).
	Refresh string
	// Updates are the pending updates, after -i/-e and the policy's
	// include/exclude, in the package manager's order.
	Updates []Pending
	// Deferred are updates phasing does not yet offer to this machine:
	// not pending, only counted.
	Deferred []Pending
	// Sources is how many live sources there are; Unfetched are those with
	// no list on disk; NoSecuritySource is set when none is a security one.
	Sources          int
	Unfetched        []Source
	NoSecuritySource bool
	Lists            []List
	// WithoutUpdateinfo are the cached repos (RPM) that publish no
	// advisories: their updates cannot be told security ones.
	WithoutUpdateinfo []string
	// FirstSeen are the ledger's times (nil without an SLA: no ledger is
	// read). AgesUnrecorded: it was only read (--no-state), so an update it
	// has no time for has an unknown age, never 0 days.
	FirstSeen      ledger.Times
	AgesUnrecorded bool
	// LedgerNote says why the ledger was rebuilt, if it was.
	LedgerNote string
	// Feeds, Reboot and Restart are nil unless the policy asks for them
	// (security_updates.advisories, reboot_pending, restart_pending).
	Feeds   *Feeds
	Reboot  *reboot.Verdict
	Restart *restart.Scan
}

// gather does all the I/O: the package manager's state under --root (apt's
// or dnf's, as the host is), then the ledger.
func (o Options) gather(ctx context.Context, sec policy.SecurityUpdates, now time.Time) (Observation, error) {
	family, note, err := detectFamily(o.Root)
	if err != nil {
		return Observation{}, err
	}
	include, exclude := withPolicy(sec.Include, o.Include), withPolicy(sec.Exclude, o.Exclude)
	var obs Observation
	var sys *apt.System
	var rpmSys *rpm.System
	if family == RPM {
		obs, rpmSys, err = loadRPM(ctx, o.Root, include, exclude)
	} else if sys, err = apt.Load(ctx, o.Root); err == nil {
		obs = aptObservation(sys, include, exclude)
	}
	if err != nil {
		return Observation{}, err
	}
	obs.Now, obs.FamilyNote = now, note
	// Feeds are read for Debian/Ubuntu hosts: on RPM hosts the repos'
	// updateinfo already names advisories and severity.
	if family == RPM {
		if len(sec.Advisories) > 0 {
			obs.FamilyNote = strings.TrimPrefix(obs.FamilyNote+"; advisory feeds are read on Debian/Ubuntu hosts only: here the repos' updateinfo names advisories and severity", "; ")
		}
		if err := o.gatherEffect(&obs, sec, func() (reboot.Verdict, error) { return rpmReboot(o.Root, rpmSys.Installed) }); err != nil {
			return Observation{}, err
		}
	} else {
		if len(sec.Advisories) > 0 {
			in, err := aptFeedInput(o.Root, sys)
			if err != nil {
				return Observation{}, err
			}
			if err := applyFeeds(&obs, o.Root, sec, in); err != nil {
				return Observation{}, err
			}
		}
		if err := o.gatherEffect(&obs, sec, func() (reboot.Verdict, error) { return aptReboot(o.Root, sys) }); err != nil {
			return Observation{}, err
		}
	}
	// The state is needed only for the SLA: without one the check never
	// touches the state path; --no-state reads it (if there is one) and
	// never writes.
	if !anySLA(sec) {
		return obs, nil
	}
	var pending []string
	for _, u := range obs.Updates {
		if u.Security && !u.Held {
			pending = append(pending, u.Key())
		}
	}
	var led *ledger.Ledger
	if o.NoState {
		led, err = ledger.Read(o.StateFile)
	} else {
		led, err = ledger.Update(o.StateFile, pending, now)
	}
	if err != nil {
		msg := err.Error()
		if !strings.Contains(msg, "--state-file") {
			msg += " (give --state-file FILE in a folder of the user the check runs as, or --no-state)"
		}
		return Observation{}, fmt.Errorf("cannot keep first-seen times for the SLA: %s", msg)
	}
	obs.FirstSeen, obs.AgesUnrecorded, obs.LedgerNote = led.First, o.NoState, led.Note
	return obs, nil
}

// aptObservation is apt's state as an observation, the updates filtered.
func aptObservation(sys *apt.System, include, exclude []*regexp.Regexp) Observation {
	obs := Observation{Sources: len(sys.Sources), NoSecuritySource: true}
	for _, u := range sys.Updates() {
		if keep(u.Package, include, exclude) {
			obs.Updates = append(obs.Updates, fromApt(u))
		}
	}
	for _, u := range sys.Deferred() {
		if keep(u.Package, include, exclude) {
			obs.Deferred = append(obs.Deferred, fromApt(u))
		}
	}
	for _, src := range sys.Sources {
		if strings.HasSuffix(strings.TrimSuffix(src.Suite, "/"), "-security") {
			obs.NoSecuritySource = false
		}
	}
	for _, src := range sys.Unfetched {
		obs.Unfetched = append(obs.Unfetched, Source{File: src.File, Line: src.Line, URI: src.URI, Suite: src.Suite})
	}
	for _, r := range sys.Releases {
		obs.Lists = append(obs.Lists, List{File: r.File, Date: r.Date, ValidUntil: r.ValidUntil})
	}
	return obs
}

// withPolicy is the policy's regexes, then the command line's.
func withPolicy(from []policy.Regexp, flags []*regexp.Regexp) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, r := range from {
		out = append(out, r.Regexp)
	}
	return append(out, flags...)
}

func keep(name string, include, exclude []*regexp.Regexp) bool {
	if len(include) > 0 {
		matched := false
		for _, re := range include {
			if re.MatchString(name) {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	for _, re := range exclude {
		if re.MatchString(name) {
			return false
		}
	}
	return true
}
