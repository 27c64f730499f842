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
}

// Add counts one device's status.
func (t *DeadlineTally) Add(s DeadlineStatus) {
	if s.Overdue {
		t.Overdue++
		t.MaxDaysOverdue = max(t.MaxDaysOverdue, s.DaysOverdue)
		return
	}
	t.Due++
	if t.MinDaysLeft == 0 || s.DaysLeft < t.MinDaysLeft {
		t.MinDaysLeft = s.DaysLeft
	}
}
