package policy

import (
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// SecurityUpdates is the section of check_security_updates.
type SecurityUpdates struct {
	// SLA: how long a security update may stay pending. Without it the check
	// behaves like check_apt: any pending security update is CRITICAL. It is
	// also the deadline for updates whose tier SLABySeverity leaves unset and
	// for updates no advisory feed gives a severity.
	SLA SLA `yaml:"sla"`
	// SLABySeverity: a deadline per severity tier (the one scale of package
	// advisory), e.g. critical fixes within 3 days, high within 14.
	SLABySeverity SeveritySLA `yaml:"sla_by_severity"`
	// MaxListAgeDays: package lists older than this are stale (default 7).
	MaxListAgeDays *Days `yaml:"max_list_age_days"`
	// Advisories: local advisory feeds (Debian Security Tracker JSON, OSV
	// records, a directory or zip of them), absolute paths or globs; the
	// admin's own timer refreshes them, the check only reads them.
	Advisories []Glob `yaml:"advisories"`
	// MaxAdvisoryAgeDays: a feed file older than this (mtime) is stale
	// (default 7), as package lists are.
	MaxAdvisoryAgeDays *Days `yaml:"max_advisory_age_days"`
	// RebootPending: how long the newest installed kernel may wait for a
	// reboot, counted from its install time.
	RebootPending SLA `yaml:"reboot_pending"`
	// RestartPending: how long processes may keep mapping a deleted or
	// replaced library or executable, counted from the install time of the
	// package that replaced it.
	RestartPending SLA `yaml:"restart_pending"`
	// Include and Exclude filter package names, like -i and -e.
	Include []Regexp `yaml:"include"`
	Exclude []Regexp `yaml:"exclude"`
}

// SLA is a deadline in days from the day something was first seen pending.
type SLA struct {
	WarningDays  *Days `yaml:"warning_days"`
	CriticalDays *Days `yaml:"critical_days"`
}

// IsSet reports whether the policy sets any SLA age.
func (s SLA) IsSet() bool { return s.WarningDays != nil || s.CriticalDays != nil }

// SeveritySLA holds one SLA per severity tier; "unknown" has no tier of its
// own: it is what the single sla is for.
type SeveritySLA struct {
	Critical   SLA `yaml:"critical"`
	High       SLA `yaml:"high"`
	Medium     SLA `yaml:"medium"`
	Low        SLA `yaml:"low"`
	Negligible SLA `yaml:"negligible"`
}

// For returns the SLA of a severity tier ("critical" … "negligible"),
// falling back to fallback when the tier is unset or unknown.
func (s SeveritySLA) For(severity string, fallback SLA) SLA {
	var t SLA
	switch severity {
	case "critical":
		t = s.Critical
	case "high":
		t = s.High
	case "medium":
		t = s.Medium
	case "low":
		t = s.Low
	case "negligible":
		t = s.Negligible
	}
	if t.IsSet() {
		return t
	}
	return fallback
}

// Glob is an absolute path or filepath.Match pattern, with its line for
// errors found when it is expanded.
type Glob struct {
	Pattern string
	Line    int
}

// UnmarshalYAML accepts an absolute path whose pattern syntax is valid: a
// relative path would depend on the directory NRPE starts the check in.
func (g *Glob) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" || n.Value == "" {
		return errorAt(n, "want a file path or glob")
	}
	if !filepath.IsAbs(n.Value) {
		return errorAt(n, "want an absolute path, not a relative one")
	}
	if _, err := filepath.Match(n.Value, ""); err != nil {
		return errorAt(n, "not a valid glob: %v", err)
	}
	*g = Glob{Pattern: n.Value, Line: n.Line}
	return nil
}
