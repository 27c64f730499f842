// Package osversion is check_os_version: its flags, the three sources
// (this host's os-release, one device over SNMP, an inventory of a fleet)
// and the judging of each device's version against the policy.
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

// Assessment is one device judged; it is also the JSON item.
type Assessment struct {
	Device   string        `json:"device"`
	Platform string        `json:"platform"`
	Version  string        `json:"version"`
	State    string        `json:"state"`
	Reason   string        `json:"reason"`
	status   plugin.Status // State as a Status
	known    bool          // Platform is a known platform id
}

// Assessor judges devices against compiled rules, remembering the verdict
// per platform and version: fleets run few distinct versions, so 100,000
// devices cost a few hundred parses.
type Assessor struct {
	Rules map[string]*osversion.Rules
	Now   time.Time
	memo  map[memoKey]verdict
}

type memoKey struct{ platform, version string }

type verdict struct {
	status    plugin.Status
	reason    string
	parseFail bool // reason is a parse error: prefix where the version came from
}

// Assess judges one device. source and line (0: none) say where its
// version was read (an inventory line, an os-release file, host:port) for
// UNKNOWN reasons; the text is only built when needed.
func (a *Assessor) Assess(name, platformName, version, source string, line int) Assessment {
	as := Assessment{Device: name, Platform: platformName, Version: version}
	id, known := osversion.Normalize(platformName)
	if known {
		as.Platform, as.known = id, true
	}
	v := a.verdict(id, known, platformName, version)
	as.status, as.Reason = v.status, v.reason
	if v.parseFail && source != "" {
		if line > 0 {
			source += ", line " + strconv.Itoa(line)
		}
		as.Reason = source + ": " + v.reason
	}
	as.State = plugin.StatusText(as.status)
	return as
}

func (a *Assessor) verdict(id string, known bool, platformName, version string) verdict {
	switch {
	case strings.TrimSpace(platformName) == "":
		return verdict{status: plugin.Unknown, reason: "no platform", parseFail: true}
	case !known:
		return verdict{status: plugin.Unknown, reason: fmt.Sprintf("unknown platform %q", platformName), parseFail: true}
	case a.Rules[id] == nil:
		return verdict{status: plugin.Unknown, reason: "no policy for platform " + id}
	case strings.TrimSpace(version) == "":
		return verdict{status: plugin.Unknown, reason: "no version", parseFail: true}
	}
	k := memoKey{id, version}
	if v, ok := a.memo[k]; ok {
		return v
	}
	var out verdict
	if pv, err := osversion.Parse(id, version); err != nil {
		out = verdict{status: plugin.Unknown, reason: err.Error(), parseFail: true}
	} else {
		f := a.Rules[id].Evaluate(pv, a.Now)
		out = verdict{status: f.State, reason: f.Reason}
	}
	if a.memo == nil {
		a.memo = map[memoKey]verdict{}
	}
	a.memo[k] = out
	return out
}

// Report turns assessments into the check's result.
type Report struct {
	// Fleet: the summary counts devices; otherwise it describes the one.
	Fleet bool
	// Counts: -w/-c on the number of drifted (WARNING or CRITICAL)
	// devices; when set they decide instead of the worst device, though
	// unknown devices still make the result at least UNKNOWN.
	Counts plugin.Thresholds
	// LongLimit caps the devices listed in the long output (0: all).
	LongLimit int
	// Notes are extra long-output lines (where the data came from).
	Notes []string
	// PolicyNotes name policy entries that did not compile; they follow
	// Notes.
	PolicyNotes []string
}

// Result judges the fleet: worst device first in the long output and items.
func (r Report) Result(devs []Assessment) plugin.Result {
	devs = worstFirst(devs)
	var n [4]int // by plugin.Status
	drifted := map[string]int{}
	var platforms []string
	worst := plugin.OK
	for _, d := range devs {
		n[d.status]++
		worst = plugin.Worse(worst, d.status)
		if !d.known {
			continue
		}
		if _, seen := drifted[d.Platform]; !seen {
			platforms = append(platforms, d.Platform)
			drifted[d.Platform] = 0
		}
		if d.status == plugin.Warning || d.status == plugin.Critical {
			drifted[d.Platform]++
		}
	}
	nDrifted := n[plugin.Warning] + n[plugin.Critical]
	status := worst
	if r.Counts.IsSet() {
		status = r.Counts.Judge(float64(nDrifted))
		if n[plugin.Unknown] > 0 {
			status = plugin.Worse(status, plugin.Unknown)
		}
	}

	var summary string
	switch {
	case r.Fleet || len(devs) != 1:
		summary = fmt.Sprintf("%d of %d devices drifted", nDrifted, len(devs))
		var parts []string
		if n[plugin.Critical] > 0 {
			parts = append(parts, fmt.Sprintf("%d critical", n[plugin.Critical]))
		}
		if n[plugin.Warning] > 0 {
			parts = append(parts, fmt.Sprintf("%d warning", n[plugin.Warning]))
		}
		if len(parts) > 0 {
			summary += " (" + strings.Join(parts, ", ") + ")"
		}
		if n[plugin.Unknown] > 0 {
			summary += fmt.Sprintf(", %d unknown", n[plugin.Unknown])
		}
	default:
		d := devs[0]
		if d.status == plugin.Unknown {
			summary = d.Reason
		} else {
			summary = d.Platform + " " + d.Version + " " + d.Reason
		}
	}

	long := append(append([]string(nil), r.Notes...), r.PolicyNotes...)
	listed := 0
	for _, d := range devs {
		if d.status == plugin.OK && r.Fleet {
			continue
		}
		if r.LongLimit > 0 && listed == r.LongLimit {
			long = append(long, fmt.Sprintf("... and %d more not listed (-v lists all)", len(devs)-n[plugin.OK]-listed))
			break
		}
		listed++
		long = append(long, fmt.Sprintf("%s: %s (%s %s): %s", d.State, d.Device, d.Platform, d.Version, d.Reason))
	}

	sort.Strings(platforms)
	perf := []plugin.Perf{
		plugin.Count("devices", len(devs), plugin.Thresholds{}),
		plugin.Count("ok", n[plugin.OK], plugin.Thresholds{}),
		plugin.Count("warning", n[plugin.Warning], plugin.Thresholds{}),
		plugin.Count("critical", n[plugin.Critical], plugin.Thresholds{}),
		plugin.Count("unknown", n[plugin.Unknown], plugin.Thresholds{}),
		plugin.Count("drifted", nDrifted, r.Counts),
	}
	for _, p := range platforms {
		perf = append(perf, plugin.Count(p+"_drifted", drifted[p], plugin.Thresholds{}))
	}
	if devs == nil {
		devs = []Assessment{}
	}
	return plugin.Result{Status: status, Summary: summary, Long: long, Perf: perf, Items: devs}
}

// worstFirst orders devices CRITICAL, UNKNOWN, WARNING, OK, then by name,
// then as read. It sorts indexes, not the 100-byte records, which makes it
// several times faster on a large fleet.
func worstFirst(devs []Assessment) []Assessment {
	idx := make([]int32, len(devs))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(i, j int32) int {
		a, b := &devs[i], &devs[j]
		if c := cmp.Compare(osversion.Rank(b.status), osversion.Rank(a.status)); c != 0 {
			return c
		}
		if c := strings.Compare(a.Device, b.Device); c != 0 {
			return c
		}
		return cmp.Compare(i, j)
	})
	out := make([]Assessment, len(devs))
	for k, i := range idx {
		out[k] = devs[i]
	}
	return out
}
