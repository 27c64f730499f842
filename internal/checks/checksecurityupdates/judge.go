// Package checksecurityupdates is check_security_updates: gather (apt's or
// dnf's state, the ledger of first-seen times) → judge (against the patch SLA and
// thresholds) → report.
package checksecurityupdates

import (
	"math"
	"sort"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

// defaultMaxListAge applies when the policy gives no max_list_age_days.
const defaultMaxListAge policy.Days = 7

// Update is a pending update with its age as the judge measured it.
type Update struct {
	Pending
	// FirstSeen and Age are from the ledger; Recorded is false when it
	// holds no usable time (then Age is 0).
	FirstSeen time.Time
	Age       time.Duration
	Recorded  bool
	// Unmeasured: a security update under an SLA whose age is unknown
	// (--no-state and no first-seen time), never taken as 0 days.
	Unmeasured bool
	// SLA is the deadline of its severity tier (or the single sla), Late
	// where its age stands against it (OK: within, or no SLA).
	SLA  policy.SLA
	Late plugin.Status
}

// AgeDays is the age in whole days.
func (u Update) AgeDays() int { return days(u.Age) }

// SLAState is where the oldest pending security update stands.
type SLAState int

const (
	// NoSLA: the policy sets none, or no security update is pending.
	NoSLA SLAState = iota
	WithinSLA
	PastWarning
	PastSLA
	// AgesUnknown: no pending security update has a measured age.
	AgesUnknown
)

// NoAnswer says why there was nothing to compare with.
type NoAnswer int

const (
	Answered NoAnswer = iota
	NoSources
	NoLists // no source has a list on disk
)

// Verdict is the check's decision, before any text: the status and what it
// rests on. Report writes it out.
type Verdict struct {
	Status   plugin.Status
	NoAnswer NoAnswer
	// All are the updates in the observation's order (for items).
	All []Update
	// Security are the pending security updates, oldest first, then by
	// key; Other the other upgrades, Held those on hold (any kind),
	// KeptBack those not held that an upgrade would not move.
	Security, Other, Held, KeptBack []Update
	Deferred                        []Pending
	// OnlyCritical: other upgrades were ignored, as check_apt -o.
	OnlyCritical bool

	// SLA is the policy's; SLARanges are its ages as ranges (judging and
	// perfdata); Oldest is the oldest security update's age in days;
	// UnknownAges counts the security updates whose age is unmeasured.
	SLA         policy.SLA
	SLARanges   plugin.Thresholds
	SLAState    SLAState
	Oldest      int
	UnknownAges int
	// Counts are -w/-c on the number of security updates; OtherCounts the
	// ranges on the other upgrades (unset: any is WARNING).
	Counts, OtherCounts plugin.Thresholds
	// Tiered: the policy sets sla_by_severity; Worst is then the tier group
	// that decides the status (nil: none is late).
	Tiered bool
	Worst  *LateGroup

	// Newest is the newest dated list (zero File and Date: none is dated):
	// -security and -updates are re-signed daily, a stable main suite only
	// at point releases, so the oldest date would cry wolf. ListAge is its
	// age in days; MaxListAge the allowed one (nil: no limit); Stale is
	// set when it is older than that.
	Newest     List
	ListAge    int
	MaxListAge *plugin.Range
	Stale      bool
	// Expired is the first live list past its Valid-Until (nil: none).
	Expired *List

	Unfetched        []Source
	NoSecuritySource bool
	LedgerNote       string

	// Family names the host's sources and commands in the report.
	Family     Family
	FamilyNote string
	Refresh    string // see Observation.Refresh
	// WithoutUpdateinfo are the repos that publish no advisories;
	// Unclassified the other upgrades from them (security not known, so
	// never an OK on them); NoAdvisories: no cached repo publishes any.
	WithoutUpdateinfo []string
	Unclassified      []Update
	NoAdvisories      bool
	// Feeds (nil: none configured), the stale ones, and the fixes in effect.
	Feeds      *Feeds
	StaleFeeds []StaleFeed
	Effect     Effect
}

func days(d time.Duration) int { return int(math.Floor(d.Hours() / 24)) }

// Judge decides the status. Without an SLA any pending security update is
// CRITICAL (unless -w/-c say otherwise); with one the oldest security
// update's age decides, and an age not measured is at least WARNING. Other
// upgrades, stale or expired lists and unfetched sources warn; no sources or
// no lists at all is UNKNOWN. It is pure: no I/O, no text.
func Judge(obs Observation, sec policy.SecurityUpdates, o Options) Verdict {
	v := Verdict{Deferred: obs.Deferred, OnlyCritical: o.OnlyCritical, SLA: sec.SLA, Counts: o.Counts, OtherCounts: o.OtherCounts,
		Unfetched: obs.Unfetched, NoSecuritySource: obs.NoSecuritySource, LedgerNote: obs.LedgerNote,
		Family: obs.Family, FamilyNote: obs.FamilyNote, Refresh: obs.Refresh, WithoutUpdateinfo: obs.WithoutUpdateinfo,
		Feeds: obs.Feeds, Tiered: anyTier(sec.SLABySeverity)}
	for _, p := range obs.Updates {
		u := Update{Pending: p}
		if age, ok := obs.FirstSeen.Age(p.Key(), obs.Now); ok {
			u.FirstSeen, u.Age, u.Recorded = obs.FirstSeen[p.Key()], age, true
		}
		u.SLA = sec.SLABySeverity.For(p.Severity, sec.SLA)
		u.Unmeasured = p.Security && !p.Held && obs.AgesUnrecorded && u.SLA.IsSet() && !u.Recorded
		v.All = append(v.All, u)
		switch {
		case p.Held:
			v.Held = append(v.Held, u)
		case p.Security:
			v.Security = append(v.Security, u)
		default:
			v.Other = append(v.Other, u)
			if p.Unclassified {
				v.Unclassified = append(v.Unclassified, u)
			}
		}
		if p.KeptBack && !p.Held {
			v.KeptBack = append(v.KeptBack, u)
		}
	}
	// Oldest first, then by name, so what is late leads.
	sort.SliceStable(v.Security, func(i, j int) bool {
		a, b := v.Security[i], v.Security[j]
		if a.Age != b.Age {
			return a.Age > b.Age
		}
		return a.Key() < b.Key()
	})
	if len(v.Security) > 0 {
		v.Oldest = v.Security[0].AgeDays()
	}
	for _, u := range v.Security {
		if u.Unmeasured {
			v.UnknownAges++
		}
	}

	v.Status = plugin.OK
	switch {
	case v.Tiered:
		v.Status = judgeTiers(&v)
	case sec.SLA.IsSet():
		if sec.SLA.WarningDays != nil {
			v.SLARanges.Warn = plugin.AtLeast(int(*sec.SLA.WarningDays))
		}
		if sec.SLA.CriticalDays != nil {
			v.SLARanges.Crit = plugin.AtLeast(int(*sec.SLA.CriticalDays))
		}
		if len(v.Security) > 0 {
			v.Status = v.SLARanges.Judge(float64(v.Oldest))
			v.SLAState = slaState(v)
		}
		if v.UnknownAges > 0 { // never an OK on ages not measured
			v.Status = plugin.Worse(v.Status, plugin.Warning)
		}
	case !o.Counts.IsSet() && len(v.Security) > 0:
		v.Status = plugin.Critical
	}
	if o.Counts.IsSet() {
		v.Status = plugin.Worse(v.Status, o.Counts.Judge(float64(len(v.Security))))
	}
	switch {
	case o.OnlyCritical:
	case o.OtherCounts.IsSet():
		v.Status = plugin.Worse(v.Status, o.OtherCounts.Judge(float64(len(v.Other))))
	case len(v.Other) > 0:
		v.Status = plugin.Worse(v.Status, plugin.Warning)
	}
	// Upgrades from a repo without updateinfo may be security fixes: never
	// an OK on them, whatever -o says.
	if len(v.Unclassified) > 0 {
		v.Status = plugin.Worse(v.Status, plugin.Warning)
	}
	v.NoAdvisories = len(obs.WithoutUpdateinfo) > 0 && len(obs.WithoutUpdateinfo) == obs.Sources-len(obs.Unfetched)
	if obs.Feeds != nil {
		maxAge := defaultMaxAdvisoryAge
		if sec.MaxAdvisoryAgeDays != nil {
			maxAge = *sec.MaxAdvisoryAgeDays
		}
		v.StaleFeeds = staleFeeds(obs.Feeds.Files, maxAge, obs.Now)
		if len(v.StaleFeeds) > 0 {
			v.Status = plugin.Worse(v.Status, plugin.Warning)
		}
	}
	v.Effect = judgeEffect(obs, sec)
	v.Status = plugin.Worse(v.Status, v.Effect.Status)

	judgeLists(&v, obs, sec)
	if v.Stale || v.Expired != nil || len(v.Unfetched) > 0 {
		v.Status = plugin.Worse(v.Status, plugin.Warning)
	}
	// Nothing to compare with: no answer, rather than a wrong OK.
	switch {
	case obs.Sources == 0:
		v.Status, v.NoAnswer = plugin.Unknown, NoSources
	case len(obs.Unfetched) == obs.Sources:
		v.Status, v.NoAnswer = plugin.Unknown, NoLists
	}
	return v
}

func slaState(v Verdict) SLAState {
	switch {
	case v.SLARanges.Crit.Alert(float64(v.Oldest)):
		return PastSLA
	case v.SLARanges.Warn.Alert(float64(v.Oldest)):
		return PastWarning
	case v.UnknownAges == len(v.Security):
		return AgesUnknown
	}
	return WithinSLA
}

// judgeLists finds the newest dated list, its age against the allowed one,
// and the first list past its Valid-Until.
func judgeLists(v *Verdict, obs Observation, sec policy.SecurityUpdates) {
	maxAge := defaultMaxListAge
	if sec.MaxListAgeDays != nil {
		maxAge = *sec.MaxListAgeDays
	}
	if maxAge > 0 {
		v.MaxListAge = plugin.Above(int(maxAge))
	}
	for _, l := range obs.Lists {
		if l.Date.After(v.Newest.Date) {
			v.Newest = l
		}
		if !l.ValidUntil.IsZero() && l.ValidUntil.Before(obs.Now) && v.Expired == nil {
			l := l
			v.Expired = &l
		}
	}
	var age time.Duration
	if !v.Newest.Date.IsZero() && obs.Now.After(v.Newest.Date) {
		age = obs.Now.Sub(v.Newest.Date)
	}
	v.ListAge = days(age)
	v.Stale = maxAge > 0 && age > maxAge.Duration()
}
