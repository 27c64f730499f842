// Package eol reads end-of-life data the admin already has on disk, so that
// check_os_version needs no dates typed by hand: distro-info-data's
// debian.csv and ubuntu.csv, and endoflife.date's product JSON (v0 and v1
// API), downloaded by the admin. It never downloads. Each reader is a pure
// parse (ParseX: bytes → values) beside a bounded read (ReadX: a file).
package eol

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// DistroInfoLimit bounds a distro-info CSV as read; the real ones are a
// few KB.
var DistroInfoLimit = located.Limit{Kind: "distro-info", Bytes: 1 << 20}

// DistroInfoDir is where distro-info-data installs its files (under
// --root when one is given).
const DistroInfoDir = "usr/share/distro-info"

// DistroRelease is one row of debian.csv or ubuntu.csv.
type DistroRelease struct {
	// Version as the os-release VERSION_ID writes it: "12", "22.04"
	// (ubuntu.csv's " LTS" dropped). Rows without one (sid,
	// experimental) are not returned.
	Version          string
	Codename, Series string
	Line             int
	// Dates holds every date column that is set, by its header name
	// (created, release, eol, eol-lts, eol-elts, eol-server, eol-esm,
	// eol-legacy). A column left empty is absent: not yet decided.
	Dates map[string]time.Time
}

// ReadDistroInfo reads one distro-info CSV.
func ReadDistroInfo(path string) ([]DistroRelease, error) {
	data, err := located.ReadFile(path, DistroInfoLimit)
	if err != nil {
		return nil, err
	}
	return ParseDistroInfo(path, data)
}

func distroErr(file string, line int, key, format string, args ...any) error {
	return &located.Error{Kind: DistroInfoLimit.Kind, File: file, Line: line, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// ParseDistroInfo parses a distro-info CSV: a header naming the columns
// (version, codename, series, then dates as YYYY-MM-DD), one release per
// row. Unknown columns are kept if they hold dates; a bad date is an error
// naming the line and the column.
func ParseDistroInfo(file string, data []byte) ([]DistroRelease, error) {
	if !utf8.Valid(data) {
		return nil, distroErr(file, 0, "", "not UTF-8 text")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, csvErr(file, err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if _, dup := col[h]; dup {
			return nil, distroErr(file, 1, h, "column twice in the header")
		}
		col[h] = i
	}
	for _, need := range []string{"version", "codename", "series", "eol"} {
		if _, ok := col[need]; !ok {
			return nil, distroErr(file, 1, need, "header has no %s column (want distro-info-data's version,codename,series,created,release,eol,...)", need)
		}
	}
	var out []DistroRelease
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvErr(file, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) > len(header) {
			return nil, distroErr(file, line, "", "%d fields, the header names %d", len(rec), len(header))
		}
		field := func(name string) string {
			if i := col[name]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		rel := DistroRelease{
			Version:  strings.TrimSuffix(field("version"), " LTS"),
			Codename: field("codename"), Series: field("series"),
			Line: line, Dates: map[string]time.Time{},
		}
		for i, h := range header {
			h = strings.TrimSpace(h)
			if i >= len(rec) || h == "version" || h == "codename" || h == "series" {
				continue
			}
			v := strings.TrimSpace(rec[i])
			if v == "" {
				continue
			}
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return nil, distroErr(file, line, h, "not a date as YYYY-MM-DD")
			}
			rel.Dates[h] = t
		}
		if rel.Version == "" {
			continue // sid, experimental, devel: no release to judge
		}
		out = append(out, rel)
	}
	if len(out) == 0 {
		return nil, distroErr(file, 0, "", "no releases")
	}
	return out, nil
}

func csvErr(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return distroErr(file, pe.Line, "", "%v", pe.Err)
	}
	if err == io.EOF {
		return distroErr(file, 0, "", "empty (no header line)")
	}
	return distroErr(file, 0, "", "%v", err)
}

// Tiers of support per distribution, and the distro-info columns each
// reads, first set wins: Debian's security support (eol), LTS (eol-lts),
// Freexian's ELTS (eol-elts); Ubuntu's standard support (eol-server where
// set, as servers had longer support than desktops, else eol), ESM
// (eol-esm) and Legacy (eol-legacy).
var tierColumns = map[string]map[string][]string{
	"debian": {"standard": {"eol"}, "lts": {"eol-lts"}, "elts": {"eol-elts"}},
	"ubuntu": {"standard": {"eol-server", "eol"}, "esm": {"eol-esm"}, "legacy": {"eol-legacy"}},
}

// DefaultTier is the tier when the policy names none.
const DefaultTier = "standard"

// Tiers lists the tiers of a distribution ("debian", "ubuntu"), or nil.
func Tiers(distro string) []string {
	var out []string
	for _, t := range []string{"standard", "lts", "elts", "esm", "legacy"} {
		if _, ok := tierColumns[distro][t]; ok {
			out = append(out, t)
		}
	}
	return out
}

// EndOfLife is the release's end of life in the tier: the date and
// whether the file gives one (a tier not yet decided has none). An
// unknown distro or tier is an error.
func (r DistroRelease) EndOfLife(distro, tier string) (time.Time, bool, error) {
	cols, ok := tierColumns[distro][tier]
	if !ok {
		return time.Time{}, false, fmt.Errorf("%s has no support tier %q (tiers: %s)", distro, tier, strings.Join(Tiers(distro), ", "))
	}
	for _, c := range cols {
		if t, ok := r.Dates[c]; ok {
			return t, true, nil
		}
	}
	return time.Time{}, false, nil
}
