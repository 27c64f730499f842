package osversion

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/guardrail-monitoring/guardrail/internal/eol"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// DefaultEOLTier is the support tier when the policy names none.
const DefaultEOLTier = eol.DefaultTier

// EOLTiers lists the support tiers of a platform: Debian's and Ubuntu's
// as distro-info-data names them, and for every platform read from an
// endoflife.date file standard (its eol) and extended (extendedSupport).
func EOLTiers(platform string) []string {
	if t := eol.Tiers(platform); t != nil {
		return t
	}
	return []string{"standard", "extended"}
}

// CyclesFromDistroInfo maps distro-info-data rows to release cycles of
// the platform ("debian" or "ubuntu") with the end of life of the tier;
// rows whose tier has no date yet are left out (not decided is not past).
func CyclesFromDistroInfo(platform, tier, file string, rels []eol.DistroRelease) ([]Cycle, error) {
	var out []Cycle
	for _, rel := range rels {
		date, ok, err := rel.EndOfLife(platform, tier)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		v, err := Parse(platform, rel.Version)
		if err != nil {
			return nil, &located.Error{Kind: eol.DistroInfoLimit.Kind, File: file, Line: rel.Line, Key: "version", Msg: err.Error()}
		}
		out = append(out, Cycle{Release: v, Date: date, Source: file, Line: rel.Line})
	}
	return out, nil
}

// CyclesFromEndOfLife maps endoflife.date cycles to release cycles of the
// platform with its parser: tier standard reads the cycle's eol, any
// other tier its extended support (and the eol where the file gives no
// extended support). A cycle name the platform's parser does not read is
// an error naming the file and line, not a cycle silently never matched.
func CyclesFromEndOfLife(platform, tier, file string, cycles []eol.Cycle) ([]Cycle, error) {
	var out []Cycle
	for i, c := range cycles {
		m := c.EOL
		if tier != eol.DefaultTier && c.Extended.Known() {
			m = c.Extended
		}
		if !m.Known() {
			continue
		}
		v, err := Parse(platform, c.Name)
		if err != nil {
			return nil, &located.Error{Kind: eol.EndOfLifeLimit.Kind, File: file, Line: c.Line, Key: fmt.Sprintf("cycle[%d]", i), Msg: err.Error()}
		}
		out = append(out, Cycle{Release: v, Date: m.When, Past: m.Reached && m.When.IsZero(), Source: file, Line: c.Line})
	}
	return out, nil
}

// ReadEOLFiles gathers the end-of-life data on disk for one platform's
// rules: distro-info-data's debian.csv or ubuntu.csv under root (when the
// file exists; root "" is /) and the policy's eol_file (read as written,
// not under root: it is the monitoring host's file).
func ReadEOLFiles(root string, r *Rules) ([]Cycle, error) {
	if r.Err != nil {
		return nil, nil
	}
	var out []Cycle
	if r.Platform == "debian" || r.Platform == "ubuntu" {
		if root == "" {
			root = "/"
		}
		path := filepath.Join(root, eol.DistroInfoDir, r.Platform+".csv")
		rels, err := eol.ReadDistroInfo(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			cs, err := CyclesFromDistroInfo(r.Platform, r.EOLTier, path, rels)
			if err != nil {
				return nil, err
			}
			out = append(out, cs...)
		}
	}
	cs, err := ReadEOLFile(r)
	return append(out, cs...), err
}

// ReadEOLFile reads only the policy's eol_file of the rules (nil when it
// names none): where no distro-info-data is to be read.
func ReadEOLFile(r *Rules) ([]Cycle, error) {
	if r.Err != nil || r.EOLFile == "" {
		return nil, nil
	}
	cycles, err := eol.ReadEndOfLife(r.EOLFile)
	if err != nil {
		return nil, fmt.Errorf("%w (policy %s, line %d, key os_versions.%s.eol_file)", err, r.file, r.EOLFileLine, r.Platform)
	}
	return CyclesFromEndOfLife(r.Platform, r.EOLTier, r.EOLFile, cycles)
}

// AddFileEOL adds cycles read from files to the rules, except where the
// policy's own eol entries (or an earlier file) already give the same
// release cycle: what is written in the policy overrides the files.
func (r *Rules) AddFileEOL(cycles []Cycle) {
	for _, c := range cycles {
		if r.hasCycle(c.Release) {
			continue
		}
		r.EOL = append(r.EOL, c)
	}
}

func (r *Rules) hasCycle(v Version) bool {
	for _, c := range r.EOL {
		if c.Release.scheme == v.scheme && c.Release.train == v.train && c.Release.hasTrain == v.hasTrain && compareKeys(c.Release.key, v.key) == 0 && len(c.Release.key) == len(v.key) {
			return true
		}
	}
	return false
}
