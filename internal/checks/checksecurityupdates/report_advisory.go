package checksecurityupdates

import (
	"fmt"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/advisory"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

// tieredSummary leads with the worst late tier: "2 critical-severity
// fixes pending past 3 days (CVE-2026-1234 in libssl3), 14 security
// updates".
func tieredSummary(v Verdict) []string {
	n := len(v.Security)
	var parts []string
	if w := v.Worst; w != nil {
		var s string
		if w.Severity == "unknown" {
			s = fmt.Sprintf("%d %s pending", w.Count, plugin.Plural(w.Count, "security update without severity data", "security updates without severity data"))
		} else {
			s = fmt.Sprintf("%d %s-severity %s pending", w.Count, w.Severity, plugin.Plural(w.Count, "fix", "fixes"))
		}
		if w.Days >= 0 {
			s += " past " + count(w.Days, "day", "days")
		} else {
			s += " (no SLA for them)"
		}
		if id := firstID(w.First.Pending); id != "" {
			s += fmt.Sprintf(" (%s in %s)", id, w.First.Package)
		}
		parts = append(parts, s, count(n, "security update", "security updates"))
	} else {
		parts = append(parts, count(n, "security update", "security updates")+" pending (within SLA)")
	}
	if v.UnknownAges > 0 {
		parts[len(parts)-1] += fmt.Sprintf(", %d of unknown age (--no-state and no first-seen time recorded)", v.UnknownAges)
	}
	return parts
}

// firstID names an update's fix: its first CVE, else its first advisory.
func firstID(p Pending) string {
	switch {
	case len(p.CVEs) > 0:
		return p.CVEs[0]
	case len(p.Advisories) > 0:
		return p.Advisories[0]
	}
	return ""
}

// fixText is "[high (debian urgency high): CVE-…, DSA-…]": the one scale,
// then whose word it was and the word.
func fixText(p Pending) string {
	sev := tierOf(p.Severity)
	if p.VendorSeverity != "" {
		sev += " (" + strings.TrimSpace(p.SeverityScheme+" "+p.VendorSeverity) + ")"
	}
	ids := append(append([]string{}, p.CVEs...), p.Advisories...)
	if len(ids) == 0 {
		return "[" + sev + "]"
	}
	return "[" + sev + ": " + strings.Join(ids, ", ") + "]"
}

func feedSummary(v Verdict) []string {
	var parts []string
	for _, f := range v.StaleFeeds {
		parts = append(parts, fmt.Sprintf("advisory feed %s is %s old (more than %d): refresh it", f.File.Path, count(f.AgeDays, "day", "days"), f.MaxDays))
	}
	if v.Feeds != nil {
		if n := advisory.Vulnerabilities(v.Feeds.Open); n > 0 {
			parts = append(parts, count(n, "open vulnerability", "open vulnerabilities")+" without a fix")
		}
	}
	return parts
}

func feedLong(v Verdict, listAll bool) []string {
	if v.Feeds == nil || !listAll {
		return nil
	}
	var long []string
	for _, f := range v.Feeds.Files {
		long = append(long, fmt.Sprintf("feed: %s (%s, %d records for this host, modified %s)", f.Path, f.Format, f.Records, f.Modified.UTC().Format("2006-01-02")))
	}
	exposure := func(tag string, e advisory.Exposure) string {
		s := fmt.Sprintf("%s%s in %s (%s)", tag, exposureID(e.Vuln), e.Source, strings.Join(e.Packages, ", "))
		s += " " + fixText(Pending{Severity: e.Vuln.Rating.Severity.String(), VendorSeverity: e.Vuln.Rating.Vendor, SeverityScheme: e.Vuln.Rating.Scheme})
		if e.FixedIn != "" {
			s += " fixed in " + e.FixedIn + ", which apt does not offer"
		} else {
			s += " no fix yet"
		}
		return s
	}
	for _, e := range v.Feeds.Open {
		long = append(long, exposure("open: ", e))
	}
	for _, e := range v.Feeds.Unreached {
		long = append(long, exposure("unreached: ", e))
	}
	return long
}

func exposureID(v advisory.Vuln) string {
	ids := append(append([]string{}, v.CVEs...), v.Advisories...)
	if len(ids) == 0 {
		return v.ID
	}
	return strings.Join(ids, ", ")
}

// feedPerf: security updates per severity tier (beside check_apt's
// critical_updates), and the vulnerabilities no pending update fixes.
func feedPerf(v Verdict) []plugin.Perf {
	if v.Feeds == nil {
		return nil
	}
	by := map[string]int{}
	for _, u := range v.Security {
		by[tierOf(u.Severity)]++
	}
	var perf []plugin.Perf
	for _, t := range Tiers {
		perf = append(perf, plugin.Count("security_updates_"+t, by[t], plugin.Thresholds{}))
	}
	return append(perf,
		plugin.Count("open_vulnerabilities", advisory.Vulnerabilities(v.Feeds.Open), plugin.Thresholds{}),
		plugin.Count("unreached_fixes", advisory.Vulnerabilities(v.Feeds.Unreached), plugin.Thresholds{}))
}
