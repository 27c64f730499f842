package checksecurityupdates

import (
	"fmt"
	"strings"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

// Item is one pending update as --format json shows it. The field names
// are an interface: new ones are omitempty, so a Debian item keeps its shape.
type Item struct {
	Package    string     `json:"package"`
	Arch       string     `json:"arch"`
	Installed  string     `json:"installed"`
	Candidate  string     `json:"candidate"`
	Security   bool       `json:"security"`
	Held       bool       `json:"held"`
	KeptBack   bool       `json:"kept_back"`
	Reason     string     `json:"reason,omitempty"` // why kept back; says so when not even dist-upgrade would move it
	Origin     string     `json:"origin"`
	FirstSeen  *time.Time `json:"first_seen,omitempty"`
	AgeDays    *int       `json:"age_days,omitempty"`
	Advisories []string   `json:"advisories,omitempty"`
	CVEs       []string   `json:"cves,omitempty"`
	Severity   string     `json:"severity,omitempty"`
	ReplacedBy string     `json:"replaced_by,omitempty"` // dnf's "Obsoleting Packages": candidate is this package's version
	// CandidateArch: the candidate's arch, when not the installed one (noarch↔arch)
	CandidateArch string `json:"candidate_arch,omitempty"`
	// VendorSeverity is the vendor's word behind Severity ("unimportant",
	// "Important", "CVSS 9.8").
	VendorSeverity string `json:"vendor_severity,omitempty"`
}

// count is "1 day", "2 days".
func count(n int, one, many string) string {
	return fmt.Sprintf("%d %s", n, plugin.Plural(n, one, many))
}

// Report writes a verdict as the plugin result. listAll puts every upgrade
// and phased update in the long output, not only security and held ones.
func Report(v Verdict, listAll bool) plugin.Result {
	return plugin.Result{Status: v.Status, Summary: summary(v), Long: long(v, listAll), Perf: perf(v), Items: items(v)}
}

func summary(v Verdict) string {
	w := v.Family.words(v.Refresh)
	switch v.NoAnswer {
	case NoSources:
		if v.Family == RPM {
			return "no " + w.sources + " enabled: cannot tell which updates are pending"
		}
		return "no apt sources configured: cannot tell which updates are pending"
	case NoLists:
		if v.Family == RPM {
			return "no metadata cache for any enabled " + w.source + ": run " + w.refresh
		}
		return "no package lists for any apt source: run apt-get update"
	}
	var parts []string
	if n := len(v.Security); v.Tiered && n > 0 {
		parts = append(parts, tieredSummary(v)...)
	} else if n > 0 {
		s := count(n, "security update", "security updates") + " pending"
		if v.SLA.IsSet() {
			oldest := fmt.Sprintf(" (oldest %s", count(v.Oldest, "day", "days"))
			switch v.SLAState {
			case PastSLA:
				s += oldest + fmt.Sprintf(", past the %d-day SLA)", *v.SLA.CriticalDays)
			case PastWarning:
				s += oldest + fmt.Sprintf(", past the %d-day warning)", *v.SLA.WarningDays)
			case WithinSLA:
				s += oldest + ", within SLA)"
			}
			if v.UnknownAges > 0 {
				s += fmt.Sprintf(", %d of unknown age (--no-state and no first-seen time recorded)", v.UnknownAges)
			}
		}
		parts = append(parts, s)
	} else if v.NoAdvisories {
		parts = append(parts, "security updates cannot be told: no repo publishes updateinfo")
	} else {
		parts = append(parts, "no security updates pending")
	}
	upgrades := count(len(v.Security)+len(v.Other), "upgrade", "upgrades")
	if v.OnlyCritical && len(v.Other) > 0 {
		upgrades += " (others ignored)"
	}
	parts = append(parts, upgrades)
	if n := len(v.Unclassified); n > 0 && !v.NoAdvisories {
		parts = append(parts, fmt.Sprintf("%d from repos without updateinfo (security not known)", n))
	}
	if n := len(v.KeptBack); n > 0 {
		parts = append(parts, fmt.Sprintf("%d kept back (dist-upgrade needed)", n))
	}
	if n := len(v.Held); n > 0 {
		parts = append(parts, fmt.Sprintf("%d held", n))
	}
	if n := len(v.Deferred); n > 0 {
		parts = append(parts, count(n, "phased update not yet offered", "phased updates not yet offered"))
	}
	switch {
	case v.Stale:
		parts = append(parts, fmt.Sprintf("%s are %s old: run %s", w.lists, count(v.ListAge, "day", "days"), w.refresh))
	case v.Expired != nil:
		parts = append(parts, w.lists+" expired (Valid-Until): run "+w.refresh)
	}
	if n := len(v.Unfetched); n > 0 {
		if v.Family == RPM {
			parts = append(parts, count(n, "repo never fetched", "repos never fetched")+": run "+w.refresh)
		} else {
			parts = append(parts, count(n, "source never fetched", "sources never fetched")+": run apt-get update")
		}
	}
	parts = append(parts, feedSummary(v)...)
	parts = append(parts, effectSummary(v.Effect)...)
	return strings.Join(parts, ", ")
}

func long(v Verdict, listAll bool) []string {
	var long []string
	if v.FamilyNote != "" {
		long = append(long, "note: "+v.FamilyNote)
	}
	if v.LedgerNote != "" {
		long = append(long, "note: "+v.LedgerNote)
	}
	for _, s := range v.Unfetched {
		if v.Family == RPM { // Suite is the repo id
			long = append(long, fmt.Sprintf("never fetched: %s:%d: repo %s (%s)", s.File, s.Line, s.Suite, s.URI))
			continue
		}
		long = append(long, fmt.Sprintf("never fetched: %s:%d: %s %s", s.File, s.Line, s.URI, s.Suite))
	}
	if len(v.WithoutUpdateinfo) > 0 {
		repo, its := "repo ", "its"
		if len(v.WithoutUpdateinfo) > 1 {
			repo, its = "repos ", "their"
		}
		long = append(long, "note: no updateinfo (advisories) in "+repo+strings.Join(v.WithoutUpdateinfo, ", ")+": "+its+" updates cannot be told security ones")
	}
	if v.NoSecuritySource && v.NoAnswer != NoSources {
		long = append(long, "note: no -security source is configured; security fixes can only be seen where another suite carries them")
	}
	if v.Stale && v.Family == RPM {
		long = append(long, fmt.Sprintf("newest metadata: %s fetched %s", v.Newest.File, v.Newest.Date.UTC().Format(time.RFC1123)))
	} else if v.Stale {
		long = append(long, fmt.Sprintf("newest list: %s dated %s", v.Newest.File, v.Newest.Date.UTC().Format(time.RFC1123)))
	}
	if v.Expired != nil {
		long = append(long, fmt.Sprintf("expired: %s valid until %s", v.Expired.File, v.Expired.ValidUntil.UTC().Format(time.RFC1123)))
	}
	line := func(u Update, tag string) string {
		s := fmt.Sprintf("%s%s:%s %s -> %s (%s", tag, u.Package, u.Arch, u.Installed, u.Candidate, u.Origin)
		if u.Security && u.SecurityVersion != "" && u.SecurityVersion != u.Candidate {
			// A fix masked by a newer point release: say where it is.
			s += "; security fix " + u.SecurityVersion
		}
		if u.CandidateArch != "" {
			s += "; as " + u.CandidateArch
		}
		if u.ReplacedBy != "" {
			s += "; replaced by " + u.ReplacedBy
		}
		s += ")"
		if u.Severity != "" || len(u.CVEs) > 0 || len(u.Advisories) > 0 {
			s += " " + fixText(u.Pending)
		}
		if u.Security && (v.SLA.IsSet() || v.Tiered && u.SLA.IsSet()) && !u.Held {
			if u.Unmeasured {
				s += " pending since an unknown time"
			} else {
				s += " pending " + count(u.AgeDays(), "day", "days")
			}
		}
		if u.KeptBack {
			s += " [kept back]"
		}
		return s
	}
	for _, u := range v.Security {
		long = append(long, line(u, "security: "))
	}
	if listAll {
		for _, u := range v.Other {
			long = append(long, line(u, "upgrade: "))
		}
	}
	for _, u := range v.Held {
		long = append(long, line(u, "held: "))
	}
	if listAll {
		for _, u := range v.Deferred {
			long = append(long, fmt.Sprintf("phased: %s:%s %s -> %s not yet offered to this machine", u.Package, u.Arch, u.Installed, u.PhasedVersion))
		}
	}
	long = append(long, feedLong(v, listAll)...)
	long = append(long, effectLong(v.Effect)...)
	return long
}

func perf(v Verdict) []plugin.Perf {
	perf := []plugin.Perf{
		plugin.Count("available_upgrades", len(v.Security)+len(v.Other), plugin.Thresholds{}),
		plugin.Count("critical_updates", len(v.Security), v.Counts),
		plugin.Count("held", len(v.Held), plugin.Thresholds{}),
		plugin.Count("kept_back", len(v.KeptBack), plugin.Thresholds{}),
		plugin.Count("phased", len(v.Deferred), plugin.Thresholds{}),
	}
	if v.UnknownAges == 0 || v.UnknownAges < len(v.Security) { // no figure for ages never measured
		perf = append(perf, plugin.Perf{Label: "oldest_security_update_days", Value: float64(v.Oldest), Thresholds: v.SLARanges, Min: plugin.Bound(0)})
	}
	if !v.Newest.Date.IsZero() {
		perf = append(perf, plugin.Perf{Label: "list_age_days", Value: float64(v.ListAge), Thresholds: plugin.Thresholds{Warn: v.MaxListAge}, Min: plugin.Bound(0)})
	}
	if v.OtherCounts.IsSet() {
		perf = append(perf, plugin.Count("other_upgrades", len(v.Other), v.OtherCounts))
	}
	perf = append(perf, feedPerf(v)...)
	return append(perf, effectPerf(v.Effect)...)
}

func items(v Verdict) []Item {
	items := make([]Item, 0, len(v.All))
	for _, u := range v.All {
		it := Item{Package: u.Package, Arch: u.Arch, Installed: u.Installed, Candidate: u.Candidate,
			Security: u.Security, Held: u.Held, KeptBack: u.KeptBack, Origin: u.Origin,
			Advisories: u.Advisories, CVEs: u.CVEs, Severity: u.Severity, VendorSeverity: u.VendorSeverity,
			ReplacedBy: u.ReplacedBy, CandidateArch: u.CandidateArch}
		if u.KeptBack {
			it.Reason = "kept back: " + u.Reason
			if u.Blocked && !u.Held {
				it.Reason += "; apt-get dist-upgrade would not upgrade it either"
			}
		}
		if u.Recorded && u.Security && !u.Held {
			t, d := u.FirstSeen.UTC(), u.AgeDays()
			it.FirstSeen, it.AgeDays = &t, &d
		}
		items = append(items, it)
	}
	return items
}

// MetricLabels names the update in --format openmetrics -v: the package,
// its arch, and whether it is a security update with its severity (the
// installed packages bound the set).
func (it Item) MetricLabels() map[string]string {
	l := map[string]string{"package": it.Package, "arch": it.Arch, "security": fmt.Sprint(it.Security)}
	if it.Severity != "" {
		l["severity"] = it.Severity
	}
	return l
}

// TestCase is the update as a JUnit test case: a pending security update
// (not held) fails, as it makes the check alert; other upgrades and held
// packages pass, with what they are in the message.
func (it Item) TestCase() plugin.TestCase {
	tc := plugin.TestCase{Name: it.Package + ":" + it.Arch, Class: it.Origin, Failure: it.Security && !it.Held}
	if tc.Failure {
		tc.Message = it.Installed + " -> " + it.Candidate + " (" + it.Origin + ")"
		if len(it.CVEs)+len(it.Advisories) > 0 {
			tc.Message += " fixes " + strings.Join(append(append([]string{}, it.CVEs...), it.Advisories...), ", ")
		}
		if it.AgeDays != nil {
			tc.Message += ", pending " + count(*it.AgeDays, "day", "days")
		}
	}
	return tc
}
