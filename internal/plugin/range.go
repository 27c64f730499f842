// Package plugin is the one place in guardrail that speaks the Nagios plugin
// contract: status, thresholds, perfdata, the status line, long output, JSON,
// exit codes, timeouts and panics. Checks hand it a Result and never print or
// exit by themselves.
package plugin

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/olorin/nagiosplugin"
)

// Status is a Nagios state; its numeric value is the exit code.
type Status = nagiosplugin.Status

// The four Nagios states.
const (
	OK       = nagiosplugin.OK
	Warning  = nagiosplugin.WARNING
	Critical = nagiosplugin.CRITICAL
	Unknown  = nagiosplugin.UNKNOWN
)

// Worse returns the more severe of two states. UNKNOWN ranks between WARNING
// and CRITICAL for the purpose of aggregation, as in the monitoring-plugins
// guidelines: a CRITICAL finding outweighs an unknown one.
func Worse(a, b Status) Status {
	if severity(b) > severity(a) {
		return b
	}
	return a
}

func severity(s Status) int {
	switch s {
	case OK:
		return 0
	case Warning:
		return 1
	case Unknown:
		return 2
	default:
		return 3
	}
}

// Range is a Nagios threshold range ("10", "10:", "~:10", "10:20", "@10:20").
// It keeps its source text so perfdata shows exactly what the admin gave.
type Range struct {
	r    nagiosplugin.Range
	text string
}

// ParseRange parses a threshold range. The empty string means "no threshold"
// and yields nil without error (nagiosplugin v1.2.0 panics on it).
func ParseRange(s string) (*Range, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if strings.ContainsAny(s, " \t\n\r;|,") || s == "@" {
		return nil, fmt.Errorf("invalid range %q", s)
	}
	r, err := nagiosplugin.ParseRange(s)
	if err != nil {
		return nil, fmt.Errorf("invalid range %q: %v", s, err)
	}
	for _, v := range []float64{r.Start, r.End} {
		if math.IsNaN(v) {
			return nil, fmt.Errorf("invalid range %q: not a number", s)
		}
	}
	// "-inf:..." and "inf" parse as numbers in Go; only "~" means -infinity.
	if math.IsInf(r.Start, 0) && !strings.HasPrefix(strings.TrimPrefix(s, "@"), "~") ||
		math.IsInf(r.End, 0) && !strings.HasSuffix(s, ":") {
		return nil, fmt.Errorf("invalid range %q: infinite bound", s)
	}
	return &Range{r: *r, text: s}, nil
}

// MustRange parses a range known to be valid at compile time.
func MustRange(s string) *Range {
	r, err := ParseRange(s)
	if err != nil {
		panic(err)
	}
	return r
}

// Above is the range "n": it alerts on a value above n (or below 0). Built
// from an integer, it cannot fail, so values from a policy need no panic path.
func Above(n int) *Range {
	return &Range{r: nagiosplugin.Range{Start: 0, End: float64(n)}, text: strconv.Itoa(n)}
}

// AtLeast alerts on a whole number of n or more, as a deadline of n days
// does: the range "n-1", or "@0:" (any value from 0) when n is 0 or less.
func AtLeast(n int) *Range {
	if n <= 0 {
		return &Range{r: nagiosplugin.Range{Start: 0, End: math.Inf(1), AlertOnInside: true}, text: "@0:"}
	}
	return Above(n - 1)
}

// Alert reports whether v raises an alert under this range. A nil range never
// alerts.
func (r *Range) Alert(v float64) bool {
	if r == nil {
		return false
	}
	return r.r.Check(v)
}

// String returns the range as given, for perfdata and messages.
func (r *Range) String() string {
	if r == nil {
		return ""
	}
	return r.text
}

// Thresholds pairs the warning and critical ranges of one measured value; the
// same value serves judging and perfdata.
type Thresholds struct {
	Warn, Crit *Range
}

// ParseThresholds parses -w/-c style range strings; either may be empty.
func ParseThresholds(warn, crit string) (Thresholds, error) {
	w, err := ParseRange(warn)
	if err != nil {
		return Thresholds{}, fmt.Errorf("warning: %v", err)
	}
	c, err := ParseRange(crit)
	if err != nil {
		return Thresholds{}, fmt.Errorf("critical: %v", err)
	}
	return Thresholds{Warn: w, Crit: c}, nil
}

// Judge returns CRITICAL when the critical range alerts, else WARNING when the
// warning range alerts, else OK.
func (t Thresholds) Judge(v float64) Status {
	switch {
	case t.Crit.Alert(v):
		return Critical
	case t.Warn.Alert(v):
		return Warning
	}
	return OK
}

// IsSet reports whether either range is given.
func (t Thresholds) IsSet() bool { return t.Warn != nil || t.Crit != nil }
