package policy

// OSVersions maps a platform id (ios, ios-xe, junos, debian, ...) to what is
// supported on it. The ids and versions are checked by package osversion,
// which knows each platform's version syntax.
//
// The keys, as README's policy reference shows them:
//
//	os_versions:            # keyed by platform id
//	  ios-xe:
//	    minimum: "17.6.1"   # below: CRITICAL
//	    target: "17.9.4a"   # at/above minimum but below: WARNING
//	    blocked:            # CRITICAL, with the reason in the output
//	      - version: "17.9.1"                 # one version
//	        reason: "CSCwe12345"
//	      - {from: "16.1.1", to: "17.6.3", reason: "CVE-2023-20198"}  # inclusive
//	      - {to: "16.9.9", reason: "too old"}  # either end may be left open
//	    eol:                # end of life per release cycle
//	      - {release: "17.6", date: 2027-10-31}
//	    eol_warning_days: 180   # WARNING this many days before (default 90)
//
// Platform ids: ios ios-xe nx-os junos fortios pan-os eos routeros gaia, and
// os-release IDs debian ubuntu rhel centos rocky almalinux ol fedora sles
// alpine (inventories may also say iosxe, nxos, panos, fortigate, mikrotik,
// checkpoint, arista_eos). Every version is parsed with its platform's rules
// when the check starts; one that does not parse, a target below the
// minimum, a from above its to, or an IOS target on another train than the
// minimum is UNKNOWN naming the policy file and line. A version is in an
// eol release cycle when the cycle's version is a prefix of it ("17.6"
// covers 17.6.x, junos "21.4" covers 21.4R3-S5, gaia "R81.20" covers
// "R81.20 Take 92" but "R81" does not cover R81.10). Past the date (from
// 00:00 UTC on it) is CRITICAL. IOS trains are never compared with each
// other: a 15.2(4)M device against a 15.2(7)E minimum is UNKNOWN, not a
// guess. A device whose platform has no entry here is UNKNOWN ("no policy
// for platform x"). GUARDRAIL_NOW=YYYY-MM-DD fixes "now" for tests.
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
