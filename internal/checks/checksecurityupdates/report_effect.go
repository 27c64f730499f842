package checksecurityupdates

import (
	"fmt"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/reboot"
)

func effectSummary(e Effect) []string {
	var parts []string
	if r := e.Reboot; r != nil {
		switch {
		case r.Pending:
			s := "reboot pending " + count(r.Days, "day", "days")
			if r.State == reboot.Newer || r.State == reboot.Rebuilt {
				s += fmt.Sprintf(" (running %s, installed %s %s)", r.Running.Release, r.Newest.Package, r.Newest.Version)
			}
			parts = append(parts, s)
		case r.State == reboot.Unknown:
			parts = append(parts, "kernel not compared (no installed kernel package)")
		}
	}
	if s := e.Restart; s != nil {
		if n := len(s.Outdated); n > 0 {
			t := count(n, "process runs", "processes run") + " replaced files"
			if u := len(s.Units()); u > 0 {
				t += fmt.Sprintf(" (%s)", count(u, "service", "services"))
			}
			if s.Undated < n {
				t += " for " + count(s.Days, "day", "days")
			}
			if s.Undated > 0 {
				t += fmt.Sprintf(", %d since an unknown time", s.Undated)
			}
			parts = append(parts, t)
		}
		if s.Unreadable > 0 {
			parts = append(parts, count(s.Unreadable, "process", "processes")+" not checked (unreadable)")
		}
	}
	return parts
}

func effectLong(e Effect) []string {
	var long []string
	if r := e.Reboot; r != nil {
		s := fmt.Sprintf("kernel: running %s", r.Running.Release)
		if r.Running.PackageVersion != "" {
			s += " (package " + r.Running.PackageVersion + ")"
		}
		if r.Newest.Package != "" {
			s += fmt.Sprintf(", newest installed %s %s (installed %s)", r.Newest.Package, r.Newest.Version, r.Newest.Installed.UTC().Format("2006-01-02 15:04"))
		}
		long = append(long, s+": "+r.State.String())
		if r.Flagged.Exists {
			f := "reboot-required: since " + r.Flagged.Since.UTC().Format("2006-01-02 15:04")
			if len(r.Flagged.Packages) > 0 {
				f += " for " + strings.Join(r.Flagged.Packages, ", ")
			}
			long = append(long, f)
		}
	}
	if s := e.Restart; s != nil {
		for _, u := range s.Units() {
			long = append(long, "restart: "+u)
		}
		for _, p := range s.Outdated {
			unit := p.Unit
			if unit == "" {
				unit = "no unit"
			}
			files := make([]string, 0, len(p.Files))
			for _, f := range p.Files {
				files = append(files, f.Path+" ("+f.Reason+")")
			}
			long = append(long, fmt.Sprintf("outdated: pid %d %s [%s]: %s", p.PID, p.Comm, unit, strings.Join(files, ", ")))
		}
		line := fmt.Sprintf("processes: %d scanned, %d outdated, %d unreadable", s.Scanned, len(s.Outdated), s.Unreadable)
		if s.Unreadable > 0 {
			line += " (not known to be up to date: other users' processes need root, see the README)"
		}
		long = append(long, line)
	}
	return long
}

// effectPerf: reboot_pending (0/1) and its days, processes_outdated (and
// those not read), restart_pending_days. A kernel not compared has no
// figures: nothing was measured.
func effectPerf(e Effect) []plugin.Perf {
	var perf []plugin.Perf
	if r := e.Reboot; r != nil && (r.State != reboot.Unknown || r.Flagged.Exists) {
		pending := 0
		if r.Pending {
			pending = 1
		}
		perf = append(perf, plugin.Count("reboot_pending", pending, plugin.Thresholds{}),
			plugin.Count("reboot_pending_days", r.Days, r.Ranges))
	}
	if s := e.Restart; s != nil {
		perf = append(perf, plugin.Count("processes_outdated", len(s.Outdated), plugin.Thresholds{}),
			plugin.Count("processes_unreadable", s.Unreadable, plugin.Thresholds{}),
			plugin.Count("restart_pending_days", s.Days, s.Ranges))
	}
	return perf
}

// ReportRestarts writes --restarts-only's result.
func ReportRestarts(e Effect) plugin.Result {
	parts := effectSummary(e)
	if s := e.Restart; len(s.Outdated) == 0 {
		parts = append([]string{fmt.Sprintf("no process runs replaced files (%s scanned)", count(s.Scanned, "process", "processes"))}, parts...)
	}
	return plugin.Result{Status: e.Status, Summary: strings.Join(parts, ", "), Long: effectLong(e), Perf: effectPerf(e)}
}
