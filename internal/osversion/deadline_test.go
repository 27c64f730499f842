package osversion

import (
	"testing"
	"time"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestDeadlineAt(t *testing.T) {
	d := Deadline{Start: at("2026-11-01T00:00:00Z"), WithinDays: 30}
	if got := d.Due(); !got.Equal(at("2026-12-01T00:00:00Z")) {
		t.Fatalf("Due = %v", got)
	}
	cases := []struct {
		now         string
		overdue     bool
		left, later int
	}{
		{"2026-11-01T00:00:00Z", false, 30, 0},
		{"2026-11-01T09:30:00Z", false, 30, 0},
		{"2026-11-20T12:00:00Z", false, 11, 0},
		{"2026-11-30T00:00:00Z", false, 1, 0},
		{"2026-11-30T23:59:59Z", false, 1, 0},
		{"2026-12-01T00:00:00Z", true, 0, 1},
		{"2026-12-01T18:00:00Z", true, 0, 1},
		{"2026-12-02T00:00:00Z", true, 0, 2},
		{"2026-12-19T08:00:00Z", true, 0, 19},
		{"2026-10-15T00:00:00Z", false, 47, 0}, // announced ahead of time
	}
	for _, c := range cases {
		s := d.At(at(c.now))
		if s.Overdue != c.overdue || s.DaysLeft != c.left || s.DaysOverdue != c.later {
			t.Errorf("%s: %+v, want overdue %v left %d overdue %d", c.now, s, c.overdue, c.left, c.later)
		}
	}
	// A start given with a time or zone counts from its UTC day.
	z := Deadline{Start: at("2023-10-16T23:00:00-05:00"), WithinDays: 14}
	if got := z.Due(); !got.Equal(at("2023-10-31T00:00:00Z")) {
		t.Errorf("zoned start: Due = %v", got)
	}
	// within_days 0: due on the start day.
	if s := (Deadline{Start: at("2026-11-01T00:00:00Z")}).At(at("2026-11-01T10:00:00Z")); !s.Overdue || s.DaysOverdue != 1 {
		t.Errorf("within 0: %+v", s)
	}
}

func TestDeadlineTally(t *testing.T) {
	var tally DeadlineTally
	d := Deadline{Start: at("2026-11-01T00:00:00Z"), WithinDays: 30}
	for _, now := range []string{"2026-11-20T00:00:00Z", "2026-11-25T00:00:00Z"} {
		tally.Add(d.At(at(now)))
	}
	for _, start := range []string{"2026-10-01T00:00:00Z", "2026-10-20T00:00:00Z", "2026-10-31T00:00:00Z"} {
		tally.Add(Deadline{Start: at(start), WithinDays: 30}.At(at("2026-12-19T00:00:00Z")))
	}
	want := DeadlineTally{Overdue: 3, Due: 2, MaxDaysOverdue: 50, MinDaysLeft: 6} // due 2026-10-31: day 50 on 2026-12-19
	if tally != want {
		t.Errorf("tally %+v, want %+v", tally, want)
	}
}
