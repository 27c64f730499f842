package policy

// OSVersions maps a platform id (ios, ios-xe, junos, debian, ...) to what is
// supported on it. The ids and versions are checked by package osversion,
// which knows each platform's version syntax.
type OSVersions map[string]Platform

// Platform is the supported-version policy of one platform.
type Platform struct {
	// Minimum: below it is CRITICAL.
	Minimum *Text `yaml:"minimum"`
	// Target: at or above minimum but below target is WARNING.
	Target *Text `yaml:"target"`
	// Blocked versions or ranges (known vulnerable): CRITICAL.
	Blocked []Blocked `yaml:"blocked"`
	// EOL dates per release cycle.
	EOL []EOL `yaml:"eol"`
	// EOLWarningDays: WARNING this many days before an end-of-life date
	// (default 90).
	EOLWarningDays *Days `yaml:"eol_warning_days"`
}

// Blocked is one version (Version) or an inclusive range (From, To; either
// may be left open) that must not run.
type Blocked struct {
	Version *Text  `yaml:"version"`
	From    *Text  `yaml:"from"`
	To      *Text  `yaml:"to"`
	Reason  string `yaml:"reason"`
}

// EOL is the end of life of one release cycle (e.g. "17.6" or "21.4").
type EOL struct {
	Release Text `yaml:"release"`
	Date    Date `yaml:"date"`
}
