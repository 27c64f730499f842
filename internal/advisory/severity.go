package advisory

import (
	"fmt"
	"strings"
)

// Severity is the one scale every feed maps onto, worst last so that
// comparisons read naturally (a > b: a is worse).
type Severity int

// The tiers, as the policy's sla_by_severity names them.
const (
	Unknown Severity = iota
	Negligible
	Low
	Medium
	High
	Critical
)

var severityNames = [...]string{"unknown", "negligible", "low", "medium", "high", "critical"}

func (s Severity) String() string {
	if s < Unknown || s > Critical {
		return "unknown"
	}
	return severityNames[s]
}

// Rating is a severity with the vendor's own word kept beside it, so the
// alert can say "high (Debian urgency high)" and a reader can check it.
type Rating struct {
	Severity Severity
	Vendor   string // the word as the vendor wrote it: "unimportant", "Important", "CVSS 7.3"
	Scheme   string // whose word: "debian urgency", "ubuntu priority", "red hat impact", "cvss"
}

// worse reports whether r outranks o. At equal severity a vendor word
// beats a computed CVSS score, so the kept word is the distribution's own.
func (r Rating) worse(o Rating) bool {
	if r.Severity != o.Severity {
		return r.Severity > o.Severity
	}
	return o.Scheme == "cvss" && r.Scheme != "cvss" && r.Scheme != ""
}

// The vendors' words on the scale (lower case); a word not listed is
// unknown.
var (
	// Debian's Security Tracker urgency: unimportant is negligible; "not
	// yet assigned" and "end-of-life" are unknown.
	debianUrgency = map[string]Severity{"unimportant": Negligible, "low": Low, "medium": Medium, "high": High}
	// Ubuntu's CVE tracker priority: the scale's own words; "untriaged"
	// is unknown.
	ubuntuPriority = map[string]Severity{"negligible": Negligible, "low": Low, "medium": Medium, "high": High, "critical": Critical}
	// Red Hat's (and Rocky's, Alma's) impact: Critical, Important → high,
	// Moderate → medium, Low.
	redHatImpact = map[string]Severity{"critical": Critical, "important": High, "high": High, "moderate": Medium, "medium": Medium, "low": Low}
)

// DebianUrgency maps the Security Tracker's urgency (debianUrgency). The
// tracker's trailing "*" / "**" (urgency guessed, not triaged) is dropped
// for the scale and kept in the vendor word; the words are matched as
// written (lower case).
func DebianUrgency(word string) Rating {
	return Rating{Severity: debianUrgency[strings.TrimRight(word, "*")], Vendor: word, Scheme: "debian urgency"}
}

// UbuntuPriority maps the Ubuntu CVE tracker's priority (ubuntuPriority),
// in any case.
func UbuntuPriority(word string) Rating {
	return Rating{Severity: ubuntuPriority[strings.ToLower(word)], Vendor: word, Scheme: "ubuntu priority"}
}

// RedHatImpact maps Red Hat's impact (redHatImpact), in any case.
func RedHatImpact(word string) Rating {
	return Rating{Severity: redHatImpact[strings.ToLower(word)], Vendor: word, Scheme: "red hat impact"}
}

// CVSSBand maps a CVSS base score by the specification's qualitative
// bands: 0.0 none (negligible), 0.1–3.9 low, 4.0–6.9 medium, 7.0–8.9 high,
// 9.0–10.0 critical.
func CVSSBand(score float64) Severity {
	switch {
	case score >= 9.0:
		return Critical
	case score >= 7.0:
		return High
	case score >= 4.0:
		return Medium
	case score > 0:
		return Low
	default:
		return Negligible
	}
}

// CVSSRating rates a CVSS v3.x vector by its base score.
func CVSSRating(vector string) (Rating, error) {
	score, err := CVSS3BaseScore(vector)
	if err != nil {
		return Rating{}, err
	}
	return Rating{Severity: CVSSBand(score), Vendor: fmt.Sprintf("CVSS %.1f", score), Scheme: "cvss"}, nil
}
