package plugin

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Result is what a check returns: the judged state and how to present it.
type Result struct {
	Status  Status
	Summary string
	// Long is the long output, one line each, printed after the status line.
	Long []string
	Perf []Perf
	// Items is the machine-readable detail for --format json (a slice).
	// Elements that implement Labelled and Tested also become per-item
	// series (openmetrics -v) and test cases (junit).
	Items any
}

// Format is the output format chosen with --format.
type Format string

// Output formats.
const (
	Text        Format = "text"
	JSON        Format = "json"
	OpenMetrics Format = "openmetrics"
	JUnit       Format = "junit"
)

// Formats are the values --format takes.
var Formats = []Format{Text, JSON, OpenMetrics, JUnit}

// parseFormat reads a --format value.
func parseFormat(s string) (Format, bool) {
	for _, f := range Formats {
		if string(f) == s {
			return f, true
		}
	}
	return "", false
}

// oneLine keeps a message on one line, out of the perfdata and free of
// anything a terminal or a web UI would act on: newlines fold to spaces, a
// '|' (which would start perfdata) becomes '/', a tab a space, and control
// characters (C0, DEL, C1, bidirectional overrides) and invalid UTF-8 — which
// may come from any input file — become '?'.
func oneLine(s string) string {
	s = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "|", "/", "\t", " ").Replace(s)
	s = strings.Map(func(r rune) rune {
		switch {
		case r == utf8.RuneError, r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f,
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
			return '?'
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// StatusText is the state as the status line prints it.
func StatusText(s Status) string {
	switch s {
	case OK:
		return "OK"
	case Warning:
		return "WARNING"
	case Critical:
		return "CRITICAL"
	}
	return "UNKNOWN"
}

// Write presents r under label (e.g. "SECURITY UPDATES") in the given
// format, as a run without -v does.
func Write(w io.Writer, check, label string, r Result, f Format) error {
	return write(w, check, label, r, f, 0)
}

// write is Write with the -v count, which adds the per-item series to
// openmetrics.
func write(w io.Writer, check, label string, r Result, f Format, verbose int) error {
	switch f {
	case JSON:
		return writeJSON(w, check, r)
	case OpenMetrics:
		return writeOpenMetrics(w, check, r, verbose)
	case JUnit:
		return writeJUnit(w, check, r)
	}
	var b strings.Builder
	b.WriteString(label)
	b.WriteByte(' ')
	b.WriteString(StatusText(r.Status))
	if s := oneLine(r.Summary); s != "" {
		b.WriteString(": ")
		b.WriteString(s)
	}
	if len(r.Perf) > 0 {
		b.WriteString(" |")
		for _, p := range r.Perf {
			b.WriteByte(' ')
			b.WriteString(p.String())
		}
	}
	b.WriteByte('\n')
	for _, l := range r.Long {
		b.WriteString(strings.TrimRight(oneLine(l), " "))
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type jsonPerf struct {
	Label string   `json:"label"`
	Value *float64 `json:"value"`
	UOM   string   `json:"uom"`
	Warn  *string  `json:"warn"`
	Crit  *string  `json:"crit"`
	Min   *float64 `json:"min"`
	Max   *float64 `json:"max"`
}

type jsonResult struct {
	Check    string     `json:"check"`
	Status   string     `json:"status"`
	ExitCode int        `json:"exit_code"`
	Summary  string     `json:"summary"`
	Perfdata []jsonPerf `json:"perfdata"`
	Items    any        `json:"items"`
}

func strOrNil(r *Range) *string {
	if r == nil {
		return nil
	}
	s := r.String()
	return &s
}

func writeJSON(w io.Writer, check string, r Result) error {
	out := jsonResult{Check: check, Status: StatusText(r.Status), ExitCode: int(r.Status),
		Summary: oneLine(r.Summary), Perfdata: []jsonPerf{}, Items: r.Items}
	if out.Items == nil {
		out.Items = []any{}
	}
	for _, p := range r.Perf {
		jp := jsonPerf{Label: p.Label, UOM: p.UOM, Warn: strOrNil(p.Warn), Crit: strOrNil(p.Crit),
			Min: finite(p.Min), Max: finite(p.Max)}
		v := p.Value
		jp.Value = finite(&v)
		out.Perfdata = append(out.Perfdata, jp)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("encoding JSON: %w", err)
	}
	return nil
}
