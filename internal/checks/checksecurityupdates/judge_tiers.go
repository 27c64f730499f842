package checksecurityupdates

import (
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

// Tiers is the one severity scale, worst first, as items and perfdata
// name it (internal/advisory's).
var Tiers = []string{"critical", "high", "medium", "low", "negligible", "unknown"}

// tierRank orders severities: higher is worse; "" is unknown.
func tierRank(s string) int {
	for i, t := range Tiers {
		if t == s {
			return len(Tiers) - i
		}
	}
	return 1
}

// tierOf is an update's tier name; no severity data is "unknown".
func tierOf(s string) string {
	if tierRank(s) == 1 {
		return "unknown"
	}
	return s
}

// anyTier reports whether the policy sets a deadline for any severity tier.
func anyTier(t policy.SeveritySLA) bool {
	return t.Critical.IsSet() || t.High.IsSet() || t.Medium.IsSet() || t.Low.IsSet() || t.Negligible.IsSet()
}

// anySLA reports whether any pending security update can have a deadline:
// then first-seen times are kept.
func anySLA(sec policy.SecurityUpdates) bool { return sec.SLA.IsSet() || anyTier(sec.SLABySeverity) }

// LateGroup is the security updates of one severity tier past one of their
// deadlines: what the status line names first.
type LateGroup struct {
	Severity string // a tier name, "unknown" for no severity data
	Status   plugin.Status
	Count    int
	Days     int    // the deadline passed, in days
	First    Update // the oldest of them
}

func slaRanges(s policy.SLA) plugin.Thresholds {
	var t plugin.Thresholds
	if s.WarningDays != nil {
		t.Warn = plugin.AtLeast(int(*s.WarningDays))
	}
	if s.CriticalDays != nil {
		t.Crit = plugin.AtLeast(int(*s.CriticalDays))
	}
	return t
}

// judgeTiers judges each security update against its tier's deadline (or
// the single sla): the worst decides. An update no deadline applies to is
// judged as without an SLA: CRITICAL unless -w/-c are given. An age not
// measured is at least WARNING.
func judgeTiers(v *Verdict) plugin.Status {
	status := plugin.OK
	v.SLARanges = slaRanges(v.SLA)
	for i := range v.Security {
		u := &v.Security[i]
		switch {
		case !u.SLA.IsSet():
			if !v.Counts.IsSet() {
				u.Late = plugin.Critical
			}
		case u.Unmeasured:
			u.Late = plugin.Warning
		default:
			u.Late = slaRanges(u.SLA).Judge(float64(u.AgeDays()))
		}
		status = plugin.Worse(status, u.Late)
	}
	for _, u := range v.Security { // oldest first: First is the oldest
		if u.Late == plugin.OK || u.Unmeasured {
			continue
		}
		tier := tierOf(u.Severity)
		w := v.Worst
		if w == nil || plugin.Worse(w.Status, u.Late) != w.Status || w.Status == u.Late && tierRank(tier) > tierRank(w.Severity) {
			g := LateGroup{Severity: tier, Status: u.Late, First: u, Days: -1}
			switch {
			case u.Late == plugin.Critical && u.SLA.CriticalDays != nil:
				g.Days = int(*u.SLA.CriticalDays)
			case u.SLA.WarningDays != nil:
				g.Days = int(*u.SLA.WarningDays)
			}
			v.Worst = &g
		}
	}
	if w := v.Worst; w != nil {
		for _, u := range v.Security {
			if tierOf(u.Severity) == w.Severity && !u.Unmeasured && u.Late == w.Status {
				w.Count++
			}
		}
	}
	return status
}
