// Package securityupdates is check_security_updates: its flags, and the
// judging of apt's pending updates against the patch SLA and thresholds.
package checksecurityupdates

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/apt"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

// Input is everything the judgement needs, gathered beforehand.
type Input struct {
	Updates []apt.Update
	// Deferred are Ubuntu phased updates not yet offered to this machine:
	// not pending, only counted.
	Deferred []apt.Update
	// FirstSeen maps package:arch of each pending security update to when
	// it was first seen (from the ledger); missing means "now", unless
	// AgesUnrecorded is set.
	FirstSeen map[string]time.Time
	// AgesUnrecorded: the ledger was only read (--no-state), so an update it
	// has no time for has an unknown age, never 0 days: WARNING, with why.
	AgesUnrecorded bool
	Now            time.Time
	SLA            policy.SLA
	// Counts are -w/-c on the number of pending security updates.
	Counts plugin.Thresholds
	// OnlyCritical ignores non-security upgrades, as check_apt -o.
	OnlyCritical bool
	// ListAll puts every upgrade in the long output, not only security.
	ListAll bool
	// Lists: the newest Date among the live lists' (In)Release files (the
	// last apt-get update that brought anything: -security and -updates are
	// re-signed daily, a stable main suite only at point releases, so the
	// oldest date would cry wolf), its file, and the allowed age.
	ListsUpdated     time.Time
	ListsUpdatedFile string
	MaxListAge       time.Duration
	// Expired names a live (In)Release file past its Valid-Until.
	Expired string
	// Sources is how many live apt sources there are; Unfetched lists those
	// (file:line and URI) with no list on disk; NoSecuritySource is set
	// when no source is a -security suite.
	Sources          int
	Unfetched        []string
	NoSecuritySource bool
	// Notes are extra lines for the long output (a rebuilt ledger, ...).
	Notes []string
}

// Item is one pending update as --format json shows it.
type Item struct {
	Package   string     `json:"package"`
	Arch      string     `json:"arch"`
	Installed string     `json:"installed"`
	Candidate string     `json:"candidate"`
	Security  bool       `json:"security"`
	Held      bool       `json:"held"`
	KeptBack  bool       `json:"kept_back"`
	Reason    string     `json:"reason,omitempty"` // why kept back; says so when not even dist-upgrade would move it
	Origin    string     `json:"origin"`
	FirstSeen *time.Time `json:"first_seen,omitempty"`
	AgeDays   *int       `json:"age_days,omitempty"`
}

// Key names an update in the ledger.
func Key(u apt.Update) string { return u.Package + ":" + u.Arch }

func days(d time.Duration) int { return int(math.Floor(d.Hours() / 24)) }

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// ageRange alerts at an age of d days or more.
func ageRange(d policy.Days) *plugin.Range {
	if d == 0 {
		return plugin.MustRange("@0:")
	}
	return plugin.MustRange(fmt.Sprint(int(d) - 1))
}

// Judge turns the pending updates into the check's result.
func Judge(in Input) plugin.Result {
	var security, other, held, keptBack []apt.Update
	for _, u := range in.Updates {
		switch {
		case u.Held:
			held = append(held, u)
		case u.Security:
			security = append(security, u)
		default:
			other = append(other, u)
		}
		if u.KeptBack && !u.Held {
			keptBack = append(keptBack, u)
		}
	}
	age := func(u apt.Update) time.Duration {
		if t, ok := in.FirstSeen[Key(u)]; ok && !t.After(in.Now) {
			return in.Now.Sub(t)
		}
		return 0
	}
	// Oldest first, then by name, so the long output leads with what is late.
	sort.SliceStable(security, func(i, j int) bool {
		ai, aj := age(security[i]), age(security[j])
		if ai != aj {
			return ai > aj
		}
		return Key(security[i]) < Key(security[j])
	})
	var oldest time.Duration
	if len(security) > 0 {
		oldest = age(security[0])
	}
	unmeasured := func(u apt.Update) bool {
		if !in.AgesUnrecorded || !in.SLA.IsSet() {
			return false
		}
		t, ok := in.FirstSeen[Key(u)]
		return !ok || t.After(in.Now)
	}
	var unknownAge int
	for _, u := range security {
		if unmeasured(u) {
			unknownAge++
		}
	}

	status := plugin.OK
	var slaWarn, slaCrit *plugin.Range
	switch {
	case in.SLA.IsSet():
		if in.SLA.WarningDays != nil {
			slaWarn = ageRange(*in.SLA.WarningDays)
		}
		if in.SLA.CriticalDays != nil {
			slaCrit = ageRange(*in.SLA.CriticalDays)
		}
		if len(security) > 0 {
			status = plugin.Thresholds{Warn: slaWarn, Crit: slaCrit}.Judge(float64(days(oldest)))
		}
		if unknownAge > 0 { // never an OK on ages not measured
			status = plugin.Worse(status, plugin.Warning)
		}
	case !in.Counts.IsSet() && len(security) > 0:
		status = plugin.Critical
	}
	if in.Counts.IsSet() {
		status = plugin.Worse(status, in.Counts.Judge(float64(len(security))))
	}
	if len(other) > 0 && !in.OnlyCritical {
		status = plugin.Worse(status, plugin.Warning)
	}

	var parts []string
	if len(security) > 0 {
		s := plural(len(security), "security update", "security updates") + " pending"
		if in.SLA.IsSet() {
			s += fmt.Sprintf(" (oldest %s", plural(days(oldest), "day", "days"))
			switch {
			case in.SLA.CriticalDays != nil && slaCrit.Alert(float64(days(oldest))):
				s += fmt.Sprintf(", past the %d-day SLA)", *in.SLA.CriticalDays)
			case in.SLA.WarningDays != nil && slaWarn.Alert(float64(days(oldest))):
				s += fmt.Sprintf(", past the %d-day warning)", *in.SLA.WarningDays)
			case unknownAge == len(security):
				s = plural(len(security), "security update", "security updates") + " pending"
			default:
				s += ", within SLA)"
			}
			if unknownAge > 0 {
				s += fmt.Sprintf(", %d of unknown age (--no-state and no first-seen time recorded)", unknownAge)
			}
		}
		parts = append(parts, s)
	} else {
		parts = append(parts, "no security updates pending")
	}
	if !in.OnlyCritical || len(other) == 0 {
		parts = append(parts, plural(len(security)+len(other), "upgrade", "upgrades"))
	} else {
		parts = append(parts, plural(len(security)+len(other), "upgrade", "upgrades")+" (others ignored)")
	}
	if len(keptBack) > 0 {
		parts = append(parts, plural(len(keptBack), "kept back (dist-upgrade needed)", "kept back (dist-upgrade needed)"))
	}
	if len(held) > 0 {
		parts = append(parts, plural(len(held), "held", "held"))
	}
	if len(in.Deferred) > 0 {
		parts = append(parts, plural(len(in.Deferred), "phased update not yet offered", "phased updates not yet offered"))
	}
	listAge := time.Duration(0)
	if !in.ListsUpdated.IsZero() && in.Now.After(in.ListsUpdated) {
		listAge = in.Now.Sub(in.ListsUpdated)
	}
	stale := in.MaxListAge > 0 && listAge > in.MaxListAge
	if stale {
		status = plugin.Worse(status, plugin.Warning)
		parts = append(parts, fmt.Sprintf("package lists are %s old: run apt-get update", plural(days(listAge), "day", "days")))
	} else if in.Expired != "" {
		status = plugin.Worse(status, plugin.Warning)
		parts = append(parts, "package lists expired (Valid-Until): run apt-get update")
	}
	if len(in.Unfetched) > 0 {
		status = plugin.Worse(status, plugin.Warning)
		parts = append(parts, plural(len(in.Unfetched), "source never fetched", "sources never fetched")+": run apt-get update")
	}
	summary := strings.Join(parts, ", ")
	// Nothing to compare with: no answer, rather than a wrong OK.
	if in.Sources == 0 || len(in.Unfetched) == in.Sources {
		status = plugin.Unknown
		if in.Sources == 0 {
			summary = "no apt sources configured: cannot tell which updates are pending"
		} else {
			summary = "no package lists for any apt source: run apt-get update"
		}
	}

	var long []string
	long = append(long, in.Notes...)
	for _, u := range in.Unfetched {
		long = append(long, "never fetched: "+u)
	}
	if in.NoSecuritySource && in.Sources > 0 {
		long = append(long, "note: no -security source is configured; security fixes can only be seen where another suite carries them")
	}
	if stale {
		long = append(long, fmt.Sprintf("newest list: %s dated %s", in.ListsUpdatedFile, in.ListsUpdated.UTC().Format(time.RFC1123)))
	}
	if in.Expired != "" {
		long = append(long, "expired: "+in.Expired)
	}
	line := func(u apt.Update, tag string) string {
		s := fmt.Sprintf("%s%s:%s %s -> %s (%s", tag, u.Package, u.Arch, u.Installed, u.Candidate, u.Origin)
		if u.Security && u.SecurityVersion != "" && u.SecurityVersion != u.Candidate {
			// A fix masked by a newer point release: say where it is.
			s += "; security fix " + u.SecurityVersion
		}
		s += ")"
		if u.Security && in.SLA.IsSet() && !u.Held {
			if unmeasured(u) {
				s += " pending since an unknown time"
			} else {
				s += fmt.Sprintf(" pending %s", plural(days(age(u)), "day", "days"))
			}
		}
		if u.KeptBack {
			s += " [kept back]"
		}
		return s
	}
	for _, u := range security {
		long = append(long, line(u, "security: "))
	}
	if in.ListAll {
		for _, u := range other {
			long = append(long, line(u, "upgrade: "))
		}
	}
	for _, u := range held {
		long = append(long, line(u, "held: "))
	}
	if in.ListAll {
		for _, u := range in.Deferred {
			long = append(long, fmt.Sprintf("phased: %s:%s %s -> %s not yet offered to this machine", u.Package, u.Arch, u.Installed, u.PhasedVersion))
		}
	}

	slaTh := plugin.Thresholds{Warn: slaWarn, Crit: slaCrit}
	perf := []plugin.Perf{
		plugin.Count("available_upgrades", len(security)+len(other), plugin.Thresholds{}),
		plugin.Count("critical_updates", len(security), in.Counts),
		plugin.Count("held", len(held), plugin.Thresholds{}),
		plugin.Count("kept_back", len(keptBack), plugin.Thresholds{}),
		plugin.Count("phased", len(in.Deferred), plugin.Thresholds{}),
	}
	if unknownAge == 0 || unknownAge < len(security) { // no figure for ages never measured
		perf = append(perf, plugin.Perf{Label: "oldest_security_update_days", Value: float64(days(oldest)), Thresholds: slaTh, Min: plugin.Bound(0)})
	}
	if !in.ListsUpdated.IsZero() {
		var maxAge *plugin.Range
		if in.MaxListAge > 0 {
			maxAge = plugin.MustRange(fmt.Sprint(int(in.MaxListAge.Hours() / 24)))
		}
		perf = append(perf, plugin.Perf{Label: "list_age_days", Value: float64(days(listAge)), Thresholds: plugin.Thresholds{Warn: maxAge}, Min: plugin.Bound(0)})
	}

	items := make([]Item, 0, len(in.Updates))
	for _, u := range in.Updates {
		it := Item{Package: u.Package, Arch: u.Arch, Installed: u.Installed, Candidate: u.Candidate,
			Security: u.Security, Held: u.Held, KeptBack: u.KeptBack, Origin: u.Origin}
		if u.KeptBack {
			it.Reason = "kept back: " + u.Reason
			if u.Blocked && !u.Held {
				it.Reason += "; apt-get dist-upgrade would not upgrade it either"
			}
		}
		if t, ok := in.FirstSeen[Key(u)]; ok && u.Security && !u.Held {
			t := t.UTC()
			d := days(age(u))
			it.FirstSeen, it.AgeDays = &t, &d
		}
		items = append(items, it)
	}
	return plugin.Result{Status: status, Summary: summary, Long: long, Perf: perf, Items: items}
}
