package checkosversion

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/osversion"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

// Assessment is one device as the JSON item gives it.
type Assessment struct {
	Device   string `json:"device"`
	Platform string `json:"platform"`
	Version  string `json:"version"`
	State    string `json:"state"`
	Reason   string `json:"reason"`
	// Site and Owner are the inventory's columns of those names (mapped
	// by the policy's inventory.columns), for routing the alert.
	Site  string `json:"site,omitempty"`
	Owner string `json:"owner,omitempty"`
}

// Report writes a verdict as the plugin result.
type Report struct {
	// Fleet: the summary counts devices; otherwise it describes the one.
	Fleet bool
	// LongLimit caps the devices listed in the long output (0: all).
	LongLimit int
	// Notes are extra long-output lines (where the data came from).
	Notes []string
	// Source is where the devices were read, for the reasons of those
	// whose platform or version is missing or does not parse.
	Source string
	// FirstSeen is when each device not OK was first seen so, by
	// firstSeenKey (nil without --state-file); Now is the time of the run
	// the days are counted to.
	FirstSeen map[string]time.Time
	Now       time.Time
}

// Result is the status line, the long output (notes, broken policy
// entries, then the devices not OK, worst first), the perfdata and the
// items (every device, worst first).
func (r Report) Result(v Verdict) plugin.Result {
	order := worstFirst(v)
	texts := reasons{source: r.Source, memo: map[*Judgement]string{}}
	items := make([]Assessment, len(order))
	for k, i := range order {
		d, dv := &v.Devices[i], &v.Judged[i]
		items[k] = Assessment{Device: d.Name, Platform: d.Platform, Version: d.Version, State: plugin.StatusText(dv.State), Reason: texts.of(d, dv),
			Site: d.Site, Owner: d.Owner}
		if dv.ID != "" {
			items[k].Platform = dv.ID
		}
		if t, ok := r.FirstSeen[firstSeenKey(d, dv)]; ok {
			items[k].Reason += "; " + outOfPolicySince(t, r.Now)
		}
	}

	var summary string
	switch {
	case r.Fleet || len(items) != 1:
		summary = fleetSummary(v)
	case v.Judged[0].State == plugin.Unknown:
		summary = items[0].Reason
	default:
		summary = items[0].Platform + " " + items[0].Version + " " + items[0].Reason
	}

	long := append([]string(nil), r.Notes...)
	for _, err := range v.Broken {
		long = append(long, "policy entry skipped (its devices are UNKNOWN): "+err.Error())
	}
	listed := 0
	for _, it := range items {
		if it.State == "OK" && r.Fleet {
			continue
		}
		if r.LongLimit > 0 && listed == r.LongLimit {
			long = append(long, fmt.Sprintf("... and %d more not listed (-v lists all)", len(items)-v.ByState[plugin.OK]-listed))
			break
		}
		listed++
		long = append(long, fmt.Sprintf("%s: %s (%s %s): %s", it.State, it.Device, it.Platform, it.Version, it.Reason))
	}

	perf := []plugin.Perf{
		plugin.Count("devices", len(items), plugin.Thresholds{}),
		plugin.Count("ok", v.ByState[plugin.OK], plugin.Thresholds{}),
		plugin.Count("warning", v.ByState[plugin.Warning], plugin.Thresholds{}),
		plugin.Count("critical", v.ByState[plugin.Critical], plugin.Thresholds{}),
		plugin.Count("unknown", v.ByState[plugin.Unknown], plugin.Thresholds{}),
		plugin.Count("drifted", v.Drifted, v.Counts),
	}
	if v.HasDeadlines {
		perf = append(perf,
			plugin.Count("devices_overdue", v.Deadlines.Overdue, plugin.Thresholds{}),
			plugin.Count("max_days_overdue", v.Deadlines.MaxDaysOverdue, plugin.Thresholds{}),
			plugin.Count("devices_due", v.Deadlines.Due, plugin.Thresholds{}))
	}
	platforms := make([]string, 0, len(v.DriftedBy))
	for p := range v.DriftedBy {
		platforms = append(platforms, p)
	}
	sort.Strings(platforms)
	for _, p := range platforms {
		perf = append(perf, plugin.Count(p+"_drifted", v.DriftedBy[p], plugin.Thresholds{}))
	}
	return plugin.Result{Status: v.Status, Summary: summary, Long: long, Perf: perf, Items: items}
}

// fleetSummary counts the drifted devices; where deadlines apply it names
// the devices past them (and the most days overdue) and those due first:
// "12 of 340 devices past the 17.9.5 deadline (up to 19 days), 30 due
// within 11 days".
func fleetSummary(v Verdict) string {
	n, t := len(v.Devices), v.Deadlines
	var parts []string
	if t.Overdue > 0 {
		what := "their deadlines"
		if len(v.OverdueNames) == 1 {
			what = "the " + v.OverdueNames[0] + " deadline"
		}
		parts = append(parts, fmt.Sprintf("%d of %d %s past %s (up to %s)", t.Overdue, n, plugin.Plural(n, "device", "devices"), what, days(t.MaxDaysOverdue)))
	}
	if t.Due > 0 {
		due := fmt.Sprintf("%d due within %s", t.Due, days(t.MaxDaysLeft))
		if t.Overdue == 0 {
			due = fmt.Sprintf("%d of %d %s due within %s", t.Due, n, plugin.Plural(n, "device", "devices"), days(t.MaxDaysLeft))
		}
		parts = append(parts, due)
	}
	var crit, warn int
	for i := range v.Judged {
		d := &v.Judged[i]
		if d.Judgement != nil && d.Judgement.Deadline != nil {
			continue // counted above
		}
		switch d.State {
		case plugin.Critical:
			crit++
		case plugin.Warning:
			warn++
		}
	}
	var states []string
	if crit > 0 {
		states = append(states, fmt.Sprintf("%d critical", crit))
	}
	if warn > 0 {
		states = append(states, fmt.Sprintf("%d warning", warn))
	}
	switch {
	case len(parts) == 0:
		s := fmt.Sprintf("%d of %d devices drifted", v.Drifted, n)
		if len(states) > 0 {
			s += " (" + strings.Join(states, ", ") + ")"
		}
		parts = append(parts, s)
	case len(states) > 0:
		parts = append(parts, fmt.Sprintf("%d more drifted (%s)", crit+warn, strings.Join(states, ", ")))
	}
	s := strings.Join(parts, ", ")
	if u := v.ByState[plugin.Unknown]; u > 0 {
		s += fmt.Sprintf(", %d unknown", u)
	}
	return s
}

// outOfPolicySince: "out of policy since 2026-10-05 (45 days)", whole
// days since first seen.
func outOfPolicySince(first, now time.Time) string {
	n := max(0, int(now.Sub(first).Hours()/24))
	return fmt.Sprintf("out of policy since %s (%s)", first.UTC().Format("2006-01-02"), days(n))
}

func days(n int) string { return strconv.Itoa(n) + " " + plugin.Plural(n, "day", "days") }

// reasons words devices' reasons, once per judgement (a fleet shares a
// few hundred); source is where the devices were read.
type reasons struct {
	source string
	memo   map[*Judgement]string
}

// of is why the device is in its state. Where the source is at fault (no
// platform or version, one that does not parse) the reason starts with
// where it was read.
func (rs reasons) of(dev *Device, d *DeviceVerdict) string {
	var msg string
	switch d.Problem {
	case NoProblem:
		if s, ok := rs.memo[d.Judgement]; ok {
			return s
		}
		s := judgementText(d.Judgement)
		rs.memo[d.Judgement] = s
		return s
	case NoPlatform:
		msg = "no platform"
	case UnknownPlatform:
		msg = fmt.Sprintf("unknown platform %q", dev.Platform)
	case NoPolicy:
		return "no policy for platform " + d.ID
	case NoVersion:
		msg = "no version"
	case BadVersion:
		msg = d.Err.Error()
	}
	if rs.source == "" {
		return msg
	}
	src := rs.source
	if dev.Line > 0 {
		src += ", line " + strconv.Itoa(dev.Line)
	}
	return src + ": " + msg
}

func judgementText(j *Judgement) string {
	switch {
	case j.Err != nil:
		return j.Err.Error()
	case len(j.Breaches) == 0 && j.Meets == "":
		return "meets policy"
	case len(j.Breaches) == 0:
		return "meets policy (" + j.Meets + ")"
	}
	texts := make([]string, len(j.Breaches))
	for i, b := range j.Breaches {
		texts[i] = breachText(b.Breach)
	}
	return strings.Join(texts, "; ")
}

// breachText is the rule broken, with its deadline where it has one:
// "below target 17.9.5 (due 2026-12-01, 19 days overdue)".
func breachText(b osversion.Breach) string {
	s := b.String()
	if d := b.Deadline; d != nil {
		due := d.Due.Format("2006-01-02")
		if d.Overdue {
			s += fmt.Sprintf(" (due %s, %s overdue)", due, days(d.DaysOverdue))
		} else {
			s += fmt.Sprintf(" (due %s, %s left)", due, days(d.DaysLeft))
		}
	}
	return s
}

// worstFirst orders devices CRITICAL, UNKNOWN, WARNING, OK, then by name,
// then as read, as indexes into devs: sorting indexes, not the records,
// is several times faster on a large fleet.
func worstFirst(v Verdict) []int32 {
	idx := make([]int32, len(v.Devices))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(i, j int32) int {
		if c := cmp.Compare(rank(v.Judged[j].State), rank(v.Judged[i].State)); c != 0 {
			return c
		}
		if c := strings.Compare(v.Devices[i].Name, v.Devices[j].Name); c != 0 {
			return c
		}
		return cmp.Compare(i, j)
	})
	return idx
}

// MetricLabels names the device in --format openmetrics -v: its name and
// platform, a set the inventory fixes.
func (a Assessment) MetricLabels() map[string]string {
	return map[string]string{"device": a.Device, "platform": a.Platform}
}

// TestCase is the device as a JUnit test case: failing when it is out of
// policy (WARNING or CRITICAL), skipped when its version could not be
// judged; the message is the reason.
func (a Assessment) TestCase() plugin.TestCase {
	tc := plugin.TestCase{Name: a.Device, Class: a.Platform,
		Failure: a.State == "WARNING" || a.State == "CRITICAL", Skipped: a.State == "UNKNOWN"}
	if tc.Failure || tc.Skipped {
		tc.Message = a.State + ": " + a.Version + ": " + a.Reason
	}
	return tc
}
