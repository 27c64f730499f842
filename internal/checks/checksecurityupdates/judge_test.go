package checksecurityupdates

import (
	"reflect"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/ledger"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

// keys are the ledger keys of updates, in order.
func keys(us []Update) []string {
	var ks []string
	for _, u := range us {
		ks = append(ks, u.Key())
	}
	return ks
}

// TestJudgeClassifies: each update lands in one class (kept back is also
// counted on its own), security oldest first.
func TestJudgeClassifies(t *testing.T) {
	v := scenario{Sources: 1, Updates: []Pending{libssl, openssh, tzdata, heldK, keptB}, Deferred: []Pending{tzdata},
		SLA: policy.SLA{CriticalDays: ptr(14)}, FirstSeen: ledger.Times{"libssl3:amd64": daysAgo(2), "libc6:amd64": daysAgo(5), "openssh-client:amd64": daysAgo(2)}}.judge()
	for _, c := range []struct {
		name string
		got  []Update
		want []string
	}{
		{"security", v.Security, []string{"libc6:amd64", "libssl3:amd64", "openssh-client:amd64"}},
		{"other", v.Other, []string{"tzdata:all"}},
		{"held", v.Held, []string{"linux-image-amd64:amd64"}},
		{"kept back", v.KeptBack, []string{"libc6:amd64"}},
		{"all", v.All, []string{"libssl3:amd64", "openssh-client:amd64", "tzdata:all", "linux-image-amd64:amd64", "libc6:amd64"}},
	} {
		if !reflect.DeepEqual(keys(c.got), c.want) {
			t.Errorf("%s: %v, want %v", c.name, keys(c.got), c.want)
		}
	}
	if len(v.Deferred) != 1 || v.Oldest != 5 || v.SLAState != WithinSLA || v.Status != plugin.Warning { // tzdata warns
		t.Errorf("deferred %d, oldest %d, SLA %v, status %v", len(v.Deferred), v.Oldest, v.SLAState, v.Status)
	}
}

// TestJudgeSLA: the status and SLA state of the oldest security update.
func TestJudgeSLA(t *testing.T) {
	sla := policy.SLA{WarningDays: ptr(7), CriticalDays: ptr(14)}
	cases := []struct {
		name    string
		in      scenario
		status  plugin.Status
		state   SLAState
		oldest  int
		unknown int
	}{
		{"no SLA: any security update is critical", scenario{Updates: []Pending{openssh}}, plugin.Critical, NoSLA, 0, 0},
		{"no SLA, counts soften", scenario{Updates: []Pending{openssh}, Counts: plugin.Thresholds{Warn: plugin.MustRange("2")}}, plugin.OK, NoSLA, 0, 0},
		{"nothing pending under an SLA", scenario{SLA: sla}, plugin.OK, NoSLA, 0, 0},
		{"within", scenario{Updates: []Pending{openssh}, SLA: sla, FirstSeen: ledger.Times{"openssh-client:amd64": daysAgo(6)}}, plugin.OK, WithinSLA, 6, 0},
		{"warning on the day", scenario{Updates: []Pending{openssh}, SLA: sla, FirstSeen: ledger.Times{"openssh-client:amd64": daysAgo(7)}}, plugin.Warning, PastWarning, 7, 0},
		{"critical on the day", scenario{Updates: []Pending{openssh}, SLA: sla, FirstSeen: ledger.Times{"openssh-client:amd64": daysAgo(14)}}, plugin.Critical, PastSLA, 14, 0},
		{"zero days", scenario{Updates: []Pending{openssh}, SLA: policy.SLA{CriticalDays: ptr(0)}}, plugin.Critical, PastSLA, 0, 0},
		{"the policy's largest SLA", scenario{Updates: []Pending{openssh}, SLA: policy.SLA{CriticalDays: ptr(36500)}, FirstSeen: ledger.Times{"openssh-client:amd64": daysAgo(36499)}}, plugin.OK, WithinSLA, 36499, 0},
		{"--no-state, never recorded", scenario{Updates: []Pending{openssh}, SLA: sla, AgesUnrecorded: true}, plugin.Warning, AgesUnknown, 0, 1},
		{"--no-state, a time after now is no age", scenario{Updates: []Pending{openssh}, SLA: sla, AgesUnrecorded: true, FirstSeen: ledger.Times{"openssh-client:amd64": now.Add(time.Hour)}}, plugin.Warning, AgesUnknown, 0, 1},
		{"--no-state, one recorded", scenario{Updates: []Pending{libssl, openssh}, SLA: sla, AgesUnrecorded: true, FirstSeen: ledger.Times{"libssl3:amd64": daysAgo(20)}}, plugin.Critical, PastSLA, 20, 1},
		{"held is not pending", scenario{Updates: []Pending{heldK}, SLA: sla, AgesUnrecorded: true}, plugin.OK, NoSLA, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.in.Sources = 1
			v := c.in.judge()
			if v.Status != c.status || v.SLAState != c.state || v.Oldest != c.oldest || v.UnknownAges != c.unknown {
				t.Errorf("status %v, state %v, oldest %d, unknown %d; want %v %v %d %d", v.Status, v.SLAState, v.Oldest, v.UnknownAges, c.status, c.state, c.oldest, c.unknown)
			}
		})
	}
}

// TestJudgeLists: the newest dated list decides staleness, against the
// policy's max_list_age_days (7 by default, 0 for none).
func TestJudgeLists(t *testing.T) {
	validUntil := daysAgo(1)
	lists := []List{{File: "main", Date: daysAgo(40)}, {File: "security", Date: daysAgo(9), ValidUntil: validUntil}, {File: "undated"}}
	cases := []struct {
		name    string
		max     *policy.Days
		stale   bool
		maxText string
	}{
		{"default", nil, true, "7"},
		{"longer", ptr(10), false, "10"},
		{"none", ptr(0), false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := scenario{Sources: 1, Lists: lists, MaxListAgeDays: c.max}.judge()
			if v.Newest.File != "security" || v.ListAge != 9 || v.Stale != c.stale || v.MaxListAge.String() != c.maxText {
				t.Errorf("newest %q, age %d, stale %v, max %q", v.Newest.File, v.ListAge, v.Stale, v.MaxListAge)
			}
			if v.Expired == nil || v.Expired.File != "security" || v.Status != plugin.Warning {
				t.Errorf("expired %+v, status %v", v.Expired, v.Status)
			}
		})
	}
}

// TestJudgeNoAnswer: no sources, or no lists for any, is UNKNOWN whatever
// else was found.
func TestJudgeNoAnswer(t *testing.T) {
	unfetched := []Source{{File: "/etc/apt/sources.list", Line: 1, URI: "http://deb.debian.org/debian/", Suite: "bookworm"}}
	for _, c := range []struct {
		in   scenario
		want NoAnswer
	}{
		{scenario{Updates: []Pending{openssh}}, NoSources},
		{scenario{Sources: 1, Unfetched: unfetched}, NoLists},
		{scenario{Sources: 2, Unfetched: unfetched}, Answered},
	} {
		v := c.in.judge()
		if v.NoAnswer != c.want || (c.want != Answered) != (v.Status == plugin.Unknown) {
			t.Errorf("%+v: no answer %v, status %v; want %v", c.in, v.NoAnswer, v.Status, c.want)
		}
	}
}
