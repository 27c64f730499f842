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

// DebianUrgency maps the Security Tracker's urgency: unimportant is
// negligible; "not yet assigned", "end-of-life" and anything else unknown.
// The tracker's trailing "*" / "**" (urgency guessed, not triaged) is
// dropped for the scale and kept in the vendor word.
func DebianUrgency(word string) Rating {
	r := Rating{Vendor: word, Scheme: "debian urgency"}
	switch strings.TrimRight(word, "*") {
	case "unimportant":
		r.Severity = Negligible
	case "low":
		r.Severity = Low
	case "medium":
		r.Severity = Medium
	case "high":
		r.Severity = High
	}
	return r
}

// UbuntuPriority maps the Ubuntu CVE tracker's priority, whose words are the
// scale's own; "untriaged" is unknown.
func UbuntuPriority(word string) Rating {
	r := Rating{Vendor: word, Scheme: "ubuntu priority"}
	switch strings.ToLower(word) {
	case "negligible":
		r.Severity = Negligible
	case "low":
		r.Severity = Low
	case "medium":
		r.Severity = Medium
	case "high":
		r.Severity = High
	case "critical":
		r.Severity = Critical
	}
	return r
}

// RedHatImpact maps Red Hat's (and Rocky's, Alma's) impact: Critical,
// Important → high, Moderate → medium, Low.
func RedHatImpact(word string) Rating {
	r := Rating{Vendor: word, Scheme: "red hat impact"}
	switch strings.ToLower(word) {
	case "critical":
		r.Severity = Critical
	case "important", "high":
		r.Severity = High
	case "moderate", "medium":
		r.Severity = Medium
	case "low":
		r.Severity = Low
	}
	return r
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
