package policy

// SecurityUpdates is the section of check_security_updates.
type SecurityUpdates struct {
	// SLA: how long a security update may stay pending. Without it the check
	// behaves like check_apt: any pending security update is CRITICAL.
	SLA SLA `yaml:"sla"`
	// MaxListAgeDays: package lists older than this are stale (default 7).
	MaxListAgeDays *Days `yaml:"max_list_age_days"`
	// Include and Exclude filter package names, like -i and -e.
	Include []Regexp `yaml:"include"`
	Exclude []Regexp `yaml:"exclude"`
}

// SLA is a patch deadline in days from the day an update was first seen.
type SLA struct {
	WarningDays  *Days `yaml:"warning_days"`
	CriticalDays *Days `yaml:"critical_days"`
}

// IsSet reports whether the policy sets any SLA age.
func (s SLA) IsSet() bool { return s.WarningDays != nil || s.CriticalDays != nil }
