package checksecurityupdates

import (
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
	"github.com/guardrail-monitoring/guardrail/internal/reboot"
	"github.com/guardrail-monitoring/guardrail/internal/restart"
)

// Effect is whether the installed fixes are in effect: the kernel and the
// processes, each judged against the policy's days (nil: not asked for).
type Effect struct {
	Status plugin.Status
	Reboot *RebootState
	// Restart: processes still running replaced files.
	Restart *RestartState
}

// RebootState is the kernel against reboot_pending.
type RebootState struct {
	reboot.Verdict
	Days   int
	Ranges plugin.Thresholds
	Status plugin.Status
}

// RestartState is the processes against restart_pending.
type RestartState struct {
	restart.Scan
	// Days since the oldest replacement among them; Undated counts the
	// outdated processes whose files were deleted, not replaced (no date).
	Days    int
	Undated int
	Ranges  plugin.Thresholds
	Status  plugin.Status
}

// judgeEffect judges a pending reboot and outdated processes by how long
// they have been pending. A kernel with no package to compare with is not
// judged (said in the output); unreadable processes are counted, never
// taken as up to date, and do not alert (without root they are the rule).
// An outdated process with no replacement time is at least WARNING.
func judgeEffect(obs Observation, sec policy.SecurityUpdates) Effect {
	var e Effect
	if r := obs.Reboot; r != nil {
		s := &RebootState{Verdict: *r, Ranges: slaRanges(sec.RebootPending)}
		if r.Pending {
			s.Days = r.Days(obs.Now)
			s.Status = s.Ranges.Judge(float64(s.Days))
		}
		e.Reboot = s
		e.Status = plugin.Worse(e.Status, s.Status)
	}
	if sc := obs.Restart; sc != nil {
		s := &RestartState{Scan: *sc, Ranges: slaRanges(sec.RestartPending)}
		var oldest time.Time
		for _, p := range sc.Outdated {
			t := p.Since()
			if t.IsZero() {
				s.Undated++
				continue
			}
			if oldest.IsZero() || t.Before(oldest) {
				oldest = t
			}
		}
		if !oldest.IsZero() && obs.Now.After(oldest) {
			s.Days = days(obs.Now.Sub(oldest))
		}
		if len(sc.Outdated) > 0 {
			s.Status = s.Ranges.Judge(float64(s.Days))
		}
		if s.Undated > 0 {
			s.Status = plugin.Worse(s.Status, plugin.Warning)
		}
		e.Restart = s
		e.Status = plugin.Worse(e.Status, s.Status)
	}
	return e
}

// JudgeRestarts is --restarts-only: the processes alone, against
// restart_pending; without it any outdated process is WARNING.
func JudgeRestarts(scan restart.Scan, sec policy.SecurityUpdates, now time.Time) Effect {
	e := judgeEffect(Observation{Now: now, Restart: &scan}, sec)
	if !sec.RestartPending.IsSet() && len(scan.Outdated) > 0 {
		e.Status = plugin.Worse(e.Status, plugin.Warning)
		e.Restart.Status = e.Status
	}
	return e
}
