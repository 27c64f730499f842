package plugin

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Perf is one performance datum: 'label'=value[UOM];warn;crit;min;max.
type Perf struct {
	Label string
	Value float64
	UOM   string
	Thresholds
	Min, Max *float64
}

// Bound makes a min/max value.
func Bound(v float64) *float64 { return &v }

// Count is a perfdata datum for a count with minimum 0, the common case.
func Count(label string, n int, t Thresholds) Perf {
	return Perf{Label: label, Value: float64(n), Thresholds: t, Min: Bound(0)}
}

var validUOM = map[string]bool{"": true, "s": true, "ms": true, "us": true, "%": true,
	"B": true, "KB": true, "MB": true, "GB": true, "TB": true, "c": true}

// perfLabel quotes a label when it holds anything beyond [A-Za-z0-9_.-/];
// '=' is dropped (it would end the label) and a quote is doubled, as the
// guidelines require.
func perfLabel(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '=', '|', '\n', '\r':
			return -1
		}
		return r
	}, s)
	plain := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_.-/:", r)) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func perfFloat(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

func optFloat(f *float64) string {
	if f == nil || math.IsNaN(*f) || math.IsInf(*f, 0) {
		return ""
	}
	return perfFloat(*f)
}

// String renders the datum, trailing empty fields trimmed.
func (p Perf) String() string {
	uom := p.UOM
	if !validUOM[uom] {
		uom = ""
	}
	v := p.Value
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return perfLabel(p.Label) + "=U"
	}
	s := fmt.Sprintf("%s=%s%s;%s;%s;%s;%s", perfLabel(p.Label), perfFloat(v), uom,
		p.Warn.String(), p.Crit.String(), optFloat(p.Min), optFloat(p.Max))
	return strings.TrimRight(s, ";")
}

func finite(f *float64) *float64 {
	if f == nil || math.IsNaN(*f) || math.IsInf(*f, 0) {
		return nil
	}
	return f
}
