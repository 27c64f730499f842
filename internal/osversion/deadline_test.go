package osversion

import (
	"fmt"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/policy"
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
	want := DeadlineTally{Overdue: 3, Due: 2, MaxDaysOverdue: 50, MinDaysLeft: 6, MaxDaysLeft: 11} // due 2026-10-31: day 50 on 2026-12-19
	if tally != want {
		t.Errorf("tally %+v, want %+v", tally, want)
	}
}

func TestRulesDeadlines(t *testing.T) {
	r := compileOne(t, `version: 1
os_versions:
  ios-xe:
    minimum: "16.12.1"
    target: {version: "17.9.5", since: 2026-11-01, within_days: 30}
    blocked:
      - {from: "16.1.1", to: "17.9.3", reason: "CVE-2023-20198", published: 2023-10-16, within_days: 14}
      - {version: "17.9.4", reason: "CSCwh00000"}
`, "ios-xe")
	cases := []struct {
		version, now string
		want         []DueFinding
	}{
		{"17.9.5", "2026-12-10T00:00:00Z", nil},
		{"17.9.4a", "2026-11-20T12:00:00Z", []DueFinding{{Target: true, Ref: "17.9.5", Line: 5, Status: DeadlineStatus{Due: at("2026-12-01T00:00:00Z"), DaysLeft: 11}}}},
		{"17.9.4", "2026-12-19T08:00:00Z", []DueFinding{{Target: true, Ref: "17.9.5", Line: 5, Status: DeadlineStatus{Due: at("2026-12-01T00:00:00Z"), Overdue: true, DaysOverdue: 19}}}},
		{"17.6.3", "2023-10-20T00:00:00Z", []DueFinding{
			{Ref: "blocked (16.1.1 to 17.9.3): CVE-2023-20198", Line: 7, Status: DeadlineStatus{Due: at("2023-10-30T00:00:00Z"), DaysLeft: 10}},
			{Target: true, Ref: "17.9.5", Line: 5, Status: DeadlineStatus{Due: at("2026-12-01T00:00:00Z"), DaysLeft: 1138}},
		}},
	}
	for _, c := range cases {
		got := r.Deadlines(mustParse(t, "ios-xe", c.version), at(c.now))
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s at %s:\n got %+v\nwant %+v", c.version, c.now, got, c.want)
		}
	}
	if r.Deadlines(mustParse(t, "ios-xe", "17.9.4"), at("2026-12-19T08:00:00Z"))[0].Ref != "17.9.5" {
		t.Error("the blocked entry without a window is not a deadline")
	}
}

// Evaluate gives the deadline facts with the breach; it decides no state.
func TestEvaluateDeadlineFacts(t *testing.T) {
	p, err := policy.Parse("p.yaml", []byte(`version: 1
os_versions:
  ios-xe:
    target: {version: "17.9.5", since: 2026-11-01, within_days: 30}
    blocked:
      - {from: "16.1.1", to: "17.9.3", reason: "CVE-2023-20198", published: 2023-10-16, within_days: 14}
      - {version: "17.9.1"}
`))
	if err != nil {
		t.Fatal(err)
	}
	r := Compile(p.File, p.OSVersions)["ios-xe"]
	v, err := Parse("ios-xe", "17.9.1")
	if err != nil {
		t.Fatal(err)
	}
	f := r.Evaluate(v, at("2026-11-20T12:00:00Z"))
	if len(f.Breaches) != 3 {
		t.Fatalf("breaches %+v", f.Breaches)
	}
	cve, single, target := f.Breaches[0], f.Breaches[1], f.Breaches[2]
	if cve.Rule != InBlocked || cve.Name != "CVE-2023-20198" || cve.Deadline == nil || !cve.Deadline.Overdue || cve.Deadline.DaysOverdue != 1118 {
		t.Errorf("cve %+v %+v", cve, cve.Deadline)
	}
	if single.Rule != InBlocked || single.Deadline != nil || single.Name != "blocked" || single.String() != "blocked" {
		t.Errorf("block without window %+v", single)
	}
	if target.Rule != BelowTarget || target.Name != "17.9.5" || target.Deadline == nil || target.Deadline.Overdue || target.Deadline.DaysLeft != 11 || target.String() != "below target 17.9.5" {
		t.Errorf("target %+v %+v", target, target.Deadline)
	}
}
