package plugin

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// maxItemSeries bounds the per-item series of --format openmetrics -v: a
// collector scraping thousands of hosts must never get an unbounded set.
const maxItemSeries = 1000

// metricUnits turns a perfdata unit into Prometheus's base unit: the name's
// suffix and the factor to it.
var metricUnits = map[string]struct {
	suffix string
	factor float64
}{
	"s": {"seconds", 1}, "ms": {"seconds", 1e-3}, "us": {"seconds", 1e-6},
	"%": {"ratio", 1e-2},
	"B": {"bytes", 1}, "KB": {"bytes", 1 << 10}, "MB": {"bytes", 1 << 20}, "GB": {"bytes", 1 << 30}, "TB": {"bytes", 1 << 40},
}

// timeSuffixes are unitless perfdata whose label names a time unit
// (oldest_security_update_days): Prometheus wants seconds.
var timeSuffixes = []struct {
	suffix string
	factor float64
}{{"_days", 86400}, {"_hours", 3600}, {"_minutes", 60}}

// metricPrefix is the name prefix of one check's metrics:
// check_firewall_flows → guardrail_firewall_flows_.
func metricPrefix(check string) string {
	return "guardrail_" + metricName(strings.TrimPrefix(check, "check_")) + "_"
}

// metricName makes s a valid, snake_case metric or label name part.
func metricName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// perfMetric is the metric a perfdata datum becomes: its name (units in
// it), type and value in the base unit.
func perfMetric(prefix string, p Perf) (name, typ string, value float64) {
	name, typ, value = prefix+metricName(p.Label), "gauge", p.Value
	if u, ok := metricUnits[p.UOM]; ok {
		value *= u.factor
		if !strings.HasSuffix(name, "_"+u.suffix) {
			name += "_" + u.suffix
		}
	} else if p.UOM == "c" { // a Nagios continuous counter
		typ = "counter"
		if !strings.HasSuffix(name, "_total") {
			name += "_total"
		}
		return name, typ, value
	} else {
		for _, t := range timeSuffixes {
			if base, ok := strings.CutSuffix(name, t.suffix); ok {
				name, value = base+"_seconds", value*t.factor
				break
			}
		}
	}
	// Suffixes Prometheus reserves for other types.
	for _, s := range []string{"_total", "_count", "_sum", "_bucket", "_info", "_created"} {
		if strings.HasSuffix(name, s) {
			name += "_value"
		}
	}
	return name, typ, value
}

func metricFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "+Inf"
	case math.IsInf(f, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// labelValue escapes a label value as the exposition format wants, after
// oneLine has made it safe to show.
func labelValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(oneLine(s))
}

type series struct {
	labels string
	value  float64
}

type family struct {
	name, typ, help string
	series          []series
}

// writeOpenMetrics writes r as OpenMetrics text (also Prometheus's text
// format, which node_exporter's textfile collector reads): the check's
// state as guardrail_check_status, one metric per perfdata value, and with
// -v one series per item that names its labels.
func writeOpenMetrics(w io.Writer, check string, r Result, verbose int) error {
	checkLabel := `check="` + labelValue(check) + `"`
	fams := []*family{{name: "guardrail_check_status", typ: "gauge",
		help:   "state of the guardrail check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN",
		series: []series{{checkLabel, float64(r.Status)}}}}
	seen := map[string]bool{"guardrail_check_status": true}
	prefix := metricPrefix(check)
	for _, p := range r.Perf {
		name, typ, v := perfMetric(prefix, p)
		if seen[name] { // two labels that differ only in case or punctuation
			continue
		}
		seen[name] = true
		fams = append(fams, &family{name: name, typ: typ, help: fmt.Sprintf("perfdata %s of %s", perfLabel(p.Label), check),
			series: []series{{checkLabel, v}}})
	}
	if verbose > 0 {
		if f := itemFamily(prefix+"item_failing", check, checkLabel, r.Items); f != nil && !seen[f.name] {
			fams = append(fams, f)
		}
	}
	var b strings.Builder
	for _, f := range fams {
		help := strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(f.help)
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", f.name, help, f.name, f.typ)
		if u := f.name[strings.LastIndexByte(f.name, '_')+1:]; u == "seconds" || u == "bytes" || u == "ratio" {
			fmt.Fprintf(&b, "# UNIT %s %s\n", f.name, u)
		}
		for _, s := range f.series {
			fmt.Fprintf(&b, "%s{%s} %s\n", f.name, s.labels, metricFloat(s.value))
		}
	}
	b.WriteString("# EOF\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// itemFamily is one series per labelled item: 1 when the item fails the
// check, 0 when it passes, NaN when it could not be judged. Items with the
// same labels share a series (the worst counts); past maxItemSeries the
// rest are left out and counted in the help text.
func itemFamily(name, check, checkLabel string, items any) *family {
	f := &family{name: name, typ: "gauge"}
	index := map[string]int{}
	dropped := 0
	for _, it := range itemsOf(items) {
		l, ok := it.(Labelled)
		if !ok {
			continue
		}
		v := 0.0
		if t, ok := it.(Tested); ok {
			tc := t.TestCase()
			switch {
			case tc.Failure:
				v = 1
			case tc.Skipped:
				v = math.NaN()
			}
		}
		labels := itemLabels(checkLabel, l.MetricLabels())
		if i, ok := index[labels]; ok {
			if v == 1 || math.IsNaN(f.series[i].value) {
				f.series[i].value = v
			}
			continue
		}
		if len(f.series) >= maxItemSeries {
			dropped++
			continue
		}
		index[labels] = len(f.series)
		f.series = append(f.series, series{labels, v})
	}
	if len(f.series) == 0 {
		return nil
	}
	f.help = "1 when the item fails " + check + ", 0 when it passes, NaN when it could not be judged"
	if dropped > 0 {
		f.help += fmt.Sprintf(" (%d more items left out: at most %d series)", dropped, maxItemSeries)
	}
	return f
}

// itemLabels renders an item's labels after the check's, sorted by name;
// names are made valid, and ones the check label or Prometheus reserve are
// dropped.
func itemLabels(checkLabel string, m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	names := make([]string, 0, len(m))
	values := map[string]string{}
	for _, k := range keys {
		v, n := m[k], metricName(k)
		if n == "" || n == "check" || strings.HasPrefix(n, "__") || n[0] >= '0' && n[0] <= '9' {
			continue
		}
		if _, dup := values[n]; dup {
			continue
		}
		values[n] = v
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(checkLabel)
	for _, n := range names {
		b.WriteString(`,` + n + `="` + labelValue(values[n]) + `"`)
	}
	return b.String()
}
