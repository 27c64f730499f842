package osversion

import (
	"math"
	"time"
)

// Deadline is a compliance deadline from the policy: a target announced
// on Start, or a blocked version whose advisory was published on Start,
// with WithinDays to comply. Line is the policy line it came from.
type Deadline struct {
	Start      time.Time
	WithinDays int
	Line       int
}

// Due is the first instant a device not complying is late: Start plus
// WithinDays, at 00:00 UTC (within 30 days of 2026-11-01: late from
// 2026-12-01).
func (d Deadline) Due() time.Time {
	s := d.Start.UTC()
	return time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, d.WithinDays)
}

// DeadlineStatus is where one device that does not comply stands against
// its deadline: before Due it has DaysLeft (the day of the deadline's eve
// counts as 1 day left); from Due on it is Overdue by DaysOverdue (the
// due day itself is 1 day overdue).
type DeadlineStatus struct {
	Due         time.Time
	Overdue     bool
	DaysLeft    int
	DaysOverdue int
}

// At judges the deadline at time now, a pure function of its inputs.
func (d Deadline) At(now time.Time) DeadlineStatus {
	due := d.Due()
	s := DeadlineStatus{Due: due}
	if now.Before(due) {
		s.DaysLeft = int(math.Ceil(due.Sub(now).Hours() / 24))
		return s
	}
	s.Overdue = true
	s.DaysOverdue = int(now.Sub(due).Hours()/24) + 1
	return s
}

// DeadlineTally sums the deadline states of a fleet for the summary and
// perfdata: devices_overdue, max_days_overdue, devices_due and the fewest
// days left among the devices due.
type DeadlineTally struct {
	Overdue, Due   int
	MaxDaysOverdue int
	MinDaysLeft    int // 0 when no device is due
	MaxDaysLeft    int // the most days left among the devices due
}

// Add counts one device's status.
func (t *DeadlineTally) Add(s DeadlineStatus) {
	if s.Overdue {
		t.Overdue++
		t.MaxDaysOverdue = max(t.MaxDaysOverdue, s.DaysOverdue)
		return
	}
	t.Due++
	t.MaxDaysLeft = max(t.MaxDaysLeft, s.DaysLeft)
	if t.MinDaysLeft == 0 || s.DaysLeft < t.MinDaysLeft {
		t.MinDaysLeft = s.DaysLeft
	}
}

// DueFinding is one deadline a version misses: the target it is below,
// or a blocked entry with a window that it is in. Ref says which (the
// target version, or the block as written with its reason) and Line is
// the policy line.
type DueFinding struct {
	Target bool // true: below the target; false: in a blocked entry
	Ref    string
	Line   int
	Status DeadlineStatus
}

// Deadlines lists the deadlines v misses at time now, for the judge to
// turn into WARNING (due, with days left) or CRITICAL (overdue). Blocked
// entries without a window and the minimum are not deadlines: Evaluate
// reports them CRITICAL at once. A comparison the platform cannot make is
// left out here; Evaluate reports it UNKNOWN.
func (r *Rules) Deadlines(v Version, now time.Time) []DueFinding {
	if r.Err != nil {
		return nil
	}
	var out []DueFinding
	for _, b := range r.Blocked {
		if b.Window == nil || !inBlock(v, b) {
			continue
		}
		ref := b.describe()
		out = append(out, DueFinding{Ref: ref, Line: b.Line, Status: b.Window.At(now)})
	}
	if r.Target != nil && r.TargetDeadline != nil {
		if c, err := Compare(v, *r.Target); err == nil && c < 0 {
			out = append(out, DueFinding{Target: true, Ref: r.Target.Text, Line: r.TargetDeadline.Line, Status: r.TargetDeadline.At(now)})
		}
	}
	return out
}

// inBlock reports whether v is in the blocked entry (false where a
// comparison is not possible).
func inBlock(v Version, b Block) bool {
	if b.From != nil {
		if c, err := Compare(v, *b.From); err != nil || c < 0 {
			return false
		}
	}
	if b.To != nil {
		if c, err := Compare(v, *b.To); err != nil || c > 0 {
			return false
		}
	}
	return b.From != nil || b.To != nil
}

// describe is the entry as Evaluate names it: "blocked (16.1.1 to
// 17.9.3): CVE-2023-20198".
func (b Block) describe() string {
	what := "blocked"
	switch {
	case b.Single:
	case b.From == nil:
		what += " (up to " + b.To.Text + ")"
	case b.To == nil:
		what += " (" + b.From.Text + " and later)"
	default:
		what += " (" + b.From.Text + " to " + b.To.Text + ")"
	}
	if b.Reason != "" {
		what += ": " + b.Reason
	}
	return what
}

// name is what the block's deadline is called: its reason (an advisory
// id, usually), else its range.
func (b Block) name() string {
	if b.Reason != "" {
		return b.Reason
	}
	return b.describe()
}
