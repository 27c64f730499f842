package checkfirewallflows

import (
	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/flows"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

// Verdict is the check's decision, before any text: the status and what it
// rests on. Report writes it out.
type Verdict struct {
	Status plugin.Status
	Flows  []FlowResult // in file order
	Counts Counts
	// Failing are the -w/-c ranges the status was judged by (unset: any
	// failing flow is CRITICAL).
	Failing plugin.Thresholds
	// Probe is what --probe found; nil without it.
	Probe *ProbeOutcome
}

// ProbeOutcome is the real connects of --probe: how many were tried and
// which contradict the rules.
type ProbeOutcome struct {
	Tried         int
	Disagreements []Disagreement
}

// Judge decides the status: any failing flow is CRITICAL (or as the ranges
// on the number of failing flows say), unknown verdicts are UNKNOWN unless
// something is worse, and a probe that contradicts the rules is at least
// WARNING. It is pure: no I/O, no text.
func Judge(rs []FlowResult, failing plugin.Thresholds, probe *ProbeOutcome) Verdict {
	c := Count(rs)
	v := Verdict{Flows: rs, Counts: c, Failing: failing, Probe: probe}
	switch {
	case failing.IsSet():
		v.Status = failing.Judge(float64(c.Failing))
	case c.Failing > 0:
		v.Status = plugin.Critical
	default:
		v.Status = plugin.OK
	}
	if c.UnknownOnly > 0 && v.Status == plugin.OK {
		v.Status = plugin.Unknown
	}
	if probe != nil && len(probe.Disagreements) > 0 {
		v.Status = plugin.Worse(v.Status, plugin.Warning)
	}
	return v
}

// Counts are the perfdata.
type Counts struct {
	Flows, Required, Allowed, Blocked, Partial, Unknown, ForbiddenOpen int
	RequiredBlocked, RequiredPartial, RequiredUnknownFailing           int
	Failing                                                            int
	UnknownOnly                                                        int // unknown and not known to fail
}

// Count tallies results.
func Count(rs []FlowResult) Counts {
	var c Counts
	c.Flows = len(rs)
	for _, r := range rs {
		switch r.Verdict {
		case firewall.Allowed:
			c.Allowed++
		case firewall.Blocked:
			c.Blocked++
		case firewall.Partial:
			c.Partial++
		default:
			c.Unknown++
		}
		if r.Failing {
			c.Failing++
		} else if r.Verdict == firewall.Unknown {
			c.UnknownOnly++
		}
		if r.Flow.Expect == flows.ExpectDeny {
			if r.Failing {
				c.ForbiddenOpen++
			}
			continue
		}
		c.Required++
		if r.Failing {
			switch r.Verdict {
			case firewall.Blocked:
				c.RequiredBlocked++
			case firewall.Partial:
				c.RequiredPartial++
			default:
				c.RequiredUnknownFailing++
			}
		}
	}
	return c
}
