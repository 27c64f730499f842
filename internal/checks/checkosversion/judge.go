package checkosversion

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/osversion"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

// Problem is why a device could not be judged against the rules.
type Problem int

const (
	// NoProblem: the device was judged (DeviceVerdict.Judgement).
	NoProblem Problem = iota
	// NoPlatform: the source gives no platform.
	NoPlatform
	// UnknownPlatform: the platform is not one this check knows.
	UnknownPlatform
	// NoPolicy: the policy has no entry for the platform.
	NoPolicy
	// NoVersion: the source gives no version.
	NoVersion
	// BadVersion: the version does not parse (DeviceVerdict.Err).
	BadVersion
)

// Verdict is the check's decision on the devices, before any text.
type Verdict struct {
	Status plugin.Status
	// Devices are the devices as gathered, Judged their verdicts (Judged[i]
	// is Devices[i]'s).
	Devices []Device
	Judged  []DeviceVerdict
	// ByState counts the devices per state; Drifted are those WARNING or
	// CRITICAL, DriftedBy per known platform (every platform seen, with
	// 0 for none drifted).
	ByState   [4]int
	Drifted   int
	DriftedBy map[string]int
	// Counts are the -w/-c ranges the status was judged by (unset: the
	// worst device decides).
	Counts plugin.Thresholds
	// Broken are the policy entries that did not compile (their devices
	// are UNKNOWN), sorted by platform.
	Broken []error
	// HasDeadlines: the policy gives a deadline (a target's since, a
	// block's published) for some platform; then Deadlines is the fleet's
	// tally (each device counted once, by its worst deadline) and
	// OverdueNames the deadlines devices are past, sorted.
	HasDeadlines bool
	Deadlines    osversion.DeadlineTally
	OverdueNames []string
}

// DeviceVerdict is one device judged: its platform id (ID, "" when not
// known), its state, and either a Problem or the Judgement of its
// platform and version.
type DeviceVerdict struct {
	ID        string
	State     plugin.Status
	Problem   Problem
	Err       error // BadVersion: the parse error
	Judgement *Judgement
}

// Judgement is the verdict on one platform and version, shared by every
// device that runs it.
type Judgement struct {
	State plugin.Status
	// Breaches are the rules broken, worst state first (in the policy's
	// order within a state); Meets is what a compliant version meets and
	// Err why the platform's entry did not compile.
	Breaches []JudgedBreach
	Meets    string
	Err      error
	// Deadline is the worst deadline the version misses (the most days
	// overdue, else the fewest days left), nil for none; DeadlineName is
	// what it is called.
	Deadline     *osversion.DeadlineStatus
	DeadlineName string
}

// JudgedBreach is a broken rule with the state it gives.
type JudgedBreach struct {
	osversion.Breach
	State plugin.Status
}

// BreachState is the state a broken rule gives: blocked, below minimum
// and past end of life are CRITICAL at once, below target and end of life
// near WARNING, except that a rule with a deadline is WARNING until the
// deadline and CRITICAL after it; a version that cannot be compared is
// UNKNOWN.
func BreachState(b osversion.Breach) plugin.Status {
	if b.Deadline != nil {
		if b.Deadline.Overdue {
			return plugin.Critical
		}
		return plugin.Warning
	}
	switch b.Rule {
	case osversion.InBlocked, osversion.BelowMinimum, osversion.PastEOL:
		return plugin.Critical
	case osversion.NearEOL, osversion.BelowTarget:
		return plugin.Warning
	}
	return plugin.Unknown
}

// judgement states a finding.
func judgement(f osversion.Finding) *Judgement {
	j := &Judgement{State: plugin.OK, Meets: f.Meets, Err: f.Err}
	if f.Err != nil {
		j.State = plugin.Unknown
		return j
	}
	for _, b := range f.Breaches {
		jb := JudgedBreach{Breach: b, State: BreachState(b)}
		j.State = plugin.Worse(j.State, jb.State)
		j.Breaches = append(j.Breaches, jb)
		if d := b.Deadline; d != nil && (j.Deadline == nil || worseDeadline(*d, *j.Deadline)) {
			j.Deadline, j.DeadlineName = d, b.Name
		}
	}
	sort.SliceStable(j.Breaches, func(a, b int) bool { return rank(j.Breaches[a].State) > rank(j.Breaches[b].State) })
	return j
}

// worseDeadline: overdue beats due, more days overdue or fewer days left
// beat fewer or more.
func worseDeadline(a, b osversion.DeadlineStatus) bool {
	switch {
	case a.Overdue != b.Overdue:
		return a.Overdue
	case a.Overdue:
		return a.DaysOverdue > b.DaysOverdue
	}
	return a.DaysLeft < b.DaysLeft
}

// rank orders states for output: CRITICAL, UNKNOWN, WARNING, OK.
func rank(s plugin.Status) int {
	switch s {
	case plugin.Critical:
		return 3
	case plugin.Unknown:
		return 2
	case plugin.Warning:
		return 1
	}
	return 0
}

type memoKey struct{ platform, version string }

type memoEntry struct {
	j   *Judgement
	err error // the version does not parse
}

// Judge decides every device against the compiled rules at time now, and
// the status: the worst device, or with -w/-c ranges the number drifted
// (unknown devices still make it at least UNKNOWN). The verdict per
// platform and version is computed once: fleets run few distinct
// versions, so 100,000 devices cost a few hundred parses. It is pure: no
// I/O, no text.
func Judge(devs []Device, rules map[string]*osversion.Rules, now time.Time, counts plugin.Thresholds) Verdict {
	v := Verdict{Devices: devs, Judged: make([]DeviceVerdict, len(devs)), DriftedBy: map[string]int{}, Counts: counts, Broken: osversion.Broken(rules)}
	for _, r := range rules {
		if r.TargetDeadline != nil || slices.ContainsFunc(r.Blocked, func(b osversion.Block) bool { return b.Window != nil }) {
			v.HasDeadlines = true
		}
	}
	memo := map[memoKey]memoEntry{}
	overdue := map[string]bool{}
	worst := plugin.OK
	for i := range devs {
		dv := judgeDevice(&devs[i], rules, now, memo)
		v.Judged[i] = dv
		v.ByState[dv.State]++
		worst = plugin.Worse(worst, dv.State)
		if dv.ID == "" {
			continue
		}
		drifted := dv.State == plugin.Warning || dv.State == plugin.Critical
		if drifted {
			v.Drifted++
			v.DriftedBy[dv.ID]++
		} else if _, seen := v.DriftedBy[dv.ID]; !seen {
			v.DriftedBy[dv.ID] = 0
		}
		if j := dv.Judgement; j != nil && j.Deadline != nil {
			v.Deadlines.Add(*j.Deadline)
			if j.Deadline.Overdue {
				overdue[j.DeadlineName] = true
			}
		}
	}
	for name := range overdue {
		v.OverdueNames = append(v.OverdueNames, name)
	}
	sort.Strings(v.OverdueNames)
	v.Status = worst
	if counts.IsSet() {
		v.Status = counts.Judge(float64(v.Drifted))
		if v.ByState[plugin.Unknown] > 0 {
			v.Status = plugin.Worse(v.Status, plugin.Unknown)
		}
	}
	return v
}

func judgeDevice(d *Device, rules map[string]*osversion.Rules, now time.Time, memo map[memoKey]memoEntry) DeviceVerdict {
	dv := DeviceVerdict{State: plugin.Unknown}
	id, known := osversion.Normalize(d.Platform)
	if known {
		dv.ID = id
	}
	switch {
	case strings.TrimSpace(d.Platform) == "":
		dv.Problem = NoPlatform
		return dv
	case !known:
		dv.Problem = UnknownPlatform
		return dv
	case rules[id] == nil:
		dv.Problem = NoPolicy
		return dv
	case strings.TrimSpace(d.Version) == "":
		dv.Problem = NoVersion
		return dv
	}
	k := memoKey{id, d.Version}
	e, ok := memo[k]
	if !ok {
		if pv, err := osversion.Parse(id, d.Version); err != nil {
			e.err = err
		} else {
			e.j = judgement(rules[id].Evaluate(pv, now))
		}
		memo[k] = e
	}
	if e.err != nil {
		dv.Problem, dv.Err = BadVersion, e.err
		return dv
	}
	dv.Judgement, dv.State = e.j, e.j.State
	return dv
}
