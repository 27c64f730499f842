package osversion

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/located"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

// DefaultEOLWarningDays is the warning window before an end-of-life date
// when the policy gives no eol_warning_days.
const DefaultEOLWarningDays = 90

// Rules is one platform's policy with every version parsed, so that
// judging a device cannot fail on the policy.
type Rules struct {
	Platform        string
	Minimum, Target *Version
	Blocked         []Block
	EOL             []Cycle
	EOLWarningDays  int
	// TargetDeadline is the target's since + within_days, when given.
	TargetDeadline *Deadline
	// EOLTier is the support tier end-of-life files are read for
	// (DefaultEOLTier unless the policy says), EOLFile the endoflife.date
	// file the policy names ("" for none) and EOLFileLine its line.
	EOLTier     string
	EOLFile     string
	EOLFileLine int
	// Err is why the platform's entry could not be compiled (a
	// *located.Error naming the policy file, line and key); its devices
	// are UNKNOWN with it, and the other platforms are still judged.
	Err   error
	file  string
	lines map[*Version]int
}

// Block is a blocked version (From == To) or an inclusive range with
// either end open.
type Block struct {
	From, To *Version
	Single   bool
	Reason   string
	Line     int
	// Window is the published + within_days of the entry, when given:
	// until it closes a device in the block is due, not yet CRITICAL.
	Window *Deadline
}

// Cycle is the end of life of one release cycle: from Date on (00:00 UTC)
// the cycle is past its end of life. Past says the source gives no date
// but says the end is reached (endoflife.date's "eol": true). Source is
// the file the cycle came from ("" for the policy's eol entries), Line
// its line there.
type Cycle struct {
	Release Version
	Date    time.Time
	Past    bool
	Source  string
	Line    int
}

// Compile parses every version of the os_versions section with its
// platform's parser. An entry that does not compile is kept with its error
// in Rules.Err: one bad version must not leave every platform unjudged.
func Compile(file string, sec policy.OSVersions) map[string]*Rules {
	out := make(map[string]*Rules, len(sec))
	for id, p := range sec {
		r, err := compilePlatform(file, id, p)
		if err != nil {
			r = &Rules{Platform: id, Err: err}
		}
		out[id] = r
	}
	return out
}

// Broken lists the errors of the entries that did not compile, sorted by
// platform id.
func Broken(rules map[string]*Rules) []error {
	ids := make([]string, 0, len(rules))
	for id, r := range rules {
		if r.Err != nil {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	errs := make([]error, len(ids))
	for i, id := range ids {
		errs[i] = rules[id].Err
	}
	return errs
}

func policyError(file string, line int, key, msg string) error {
	return &located.Error{Kind: "policy", File: file, Line: line, Key: key, Msg: msg}
}

func compilePlatform(file, id string, p policy.Platform) (*Rules, error) {
	key := "os_versions." + id
	if _, ok := platforms[id]; !ok {
		return nil, policyError(file, firstLine(p), key, fmt.Sprintf("unknown platform %q (known: %s)", id, strings.Join(Platforms(), ", ")))
	}
	r := &Rules{Platform: id, EOLWarningDays: DefaultEOLWarningDays, file: file, lines: map[*Version]int{}}
	parse := func(t *policy.Text, k string) (*Version, error) {
		if t == nil {
			return nil, nil
		}
		v, err := Parse(id, t.Value)
		if err != nil {
			return nil, policyError(file, t.Line, key+"."+k, err.Error())
		}
		r.lines[&v] = t.Line
		return &v, nil
	}
	var err error
	if r.Minimum, err = parse(p.Minimum, "minimum"); err != nil {
		return nil, err
	}
	var target *policy.Text
	if p.Target != nil {
		target = &p.Target.Text
	}
	if r.Target, err = parse(target, "target"); err != nil {
		return nil, err
	}
	if p.Target.HasDeadline() {
		r.TargetDeadline = &Deadline{Start: p.Target.Since.Time, WithinDays: int(*p.Target.WithinDays), Line: p.Target.Since.Line}
	}
	if r.Minimum != nil && r.Target != nil {
		c, err := Compare(*r.Target, *r.Minimum)
		if err != nil || c < 0 {
			msg := fmt.Sprintf("target %s is below minimum %s", r.Target, r.Minimum)
			if err != nil {
				msg = err.Error()
			}
			return nil, policyError(file, p.Target.Line, key+".target", msg)
		}
	}
	for i, b := range p.Blocked {
		k := fmt.Sprintf("blocked[%d]", i)
		line := firstLine(policy.Platform{Blocked: []policy.Blocked{b}})
		var blk Block
		blk.Reason, blk.Line = strings.TrimSpace(b.Reason), line
		switch {
		case b.Published != nil && b.WithinDays != nil:
			blk.Window = &Deadline{Start: b.Published.Time, WithinDays: int(*b.WithinDays), Line: b.Published.Line}
		case b.Published != nil:
			return nil, policyError(file, b.Published.Line, key+"."+k+".published", "published needs within_days (the devices' window to leave the version)")
		case b.WithinDays != nil:
			return nil, policyError(file, line, key+"."+k+".within_days", "within_days needs published (the day the window opens)")
		}
		switch {
		case b.Version != nil && (b.From != nil || b.To != nil):
			return nil, policyError(file, line, key+"."+k, "give either version or from/to, not both")
		case b.Version != nil:
			if blk.From, err = parse(b.Version, k+".version"); err != nil {
				return nil, err
			}
			blk.To, blk.Single = blk.From, true
		case b.From != nil || b.To != nil:
			if blk.From, err = parse(b.From, k+".from"); err != nil {
				return nil, err
			}
			if blk.To, err = parse(b.To, k+".to"); err != nil {
				return nil, err
			}
			if blk.From != nil && blk.To != nil {
				c, err := Compare(*blk.From, *blk.To)
				if err != nil || c > 0 {
					msg := fmt.Sprintf("from %s is above to %s", blk.From, blk.To)
					if err != nil {
						msg = err.Error()
					}
					return nil, policyError(file, line, key+"."+k, msg)
				}
			}
		default:
			return nil, policyError(file, line, key+"."+k, "blocked entry needs version or from/to")
		}
		r.Blocked = append(r.Blocked, blk)
	}
	for i, e := range p.EOL {
		k := fmt.Sprintf("eol[%d].release", i)
		v, err := Parse(id, e.Release.Value)
		if err != nil {
			return nil, policyError(file, e.Release.Line, key+"."+k, err.Error())
		}
		r.EOL = append(r.EOL, Cycle{Release: v, Date: e.Date.Time, Line: e.Release.Line})
	}
	if p.EOLWarningDays != nil {
		r.EOLWarningDays = int(*p.EOLWarningDays)
	}
	r.EOLTier = DefaultEOLTier
	if p.EOLTier != nil {
		tier := strings.TrimSpace(p.EOLTier.Value)
		if !slices.Contains(EOLTiers(id), tier) {
			return nil, policyError(file, p.EOLTier.Line, key+".eol_tier", fmt.Sprintf("%s has no support tier %q (tiers: %s)", id, tier, strings.Join(EOLTiers(id), ", ")))
		}
		r.EOLTier = tier
	}
	if p.EOLFile != nil {
		if r.EOLFile = strings.TrimSpace(p.EOLFile.Value); r.EOLFile == "" {
			return nil, policyError(file, p.EOLFile.Line, key+".eol_file", "empty file name")
		}
		r.EOLFileLine = p.EOLFile.Line
	}
	return r, nil
}

// firstLine is the first line known inside a platform's entry, for errors
// about the entry as a whole (map keys carry no line in the policy types).
func firstLine(p policy.Platform) int {
	line := math.MaxInt
	see := func(t *policy.Text) {
		if t != nil && t.Line > 0 && t.Line < line {
			line = t.Line
		}
	}
	see(p.Minimum)
	if p.Target != nil {
		see(&p.Target.Text)
	}
	for _, b := range p.Blocked {
		see(b.Version)
		see(b.From)
		see(b.To)
	}
	for _, e := range p.EOL {
		see(&e.Release)
	}
	if line == math.MaxInt {
		return 0
	}
	return line
}

// Finding is the judgement of one version.
type Finding struct {
	State  plugin.Status
	Reason string
}

// Evaluate judges v against the rules at time now. Everything that applies
// is said, worst first: blocked, below minimum, past end of life (CRITICAL);
// below target, end of life within the warning window (WARNING). A
// comparison the platform cannot make (IOS trains) is UNKNOWN naming the
// policy line, and so is every version of an entry that did not compile.
func (r *Rules) Evaluate(v Version, now time.Time) Finding {
	if r.Err != nil {
		return Finding{State: plugin.Unknown, Reason: r.Err.Error()}
	}
	type note struct {
		state plugin.Status
		text  string
	}
	var notes []note
	add := func(s plugin.Status, format string, args ...any) {
		notes = append(notes, note{s, fmt.Sprintf(format, args...)})
	}
	cmp := func(ref *Version, what string) (int, bool) {
		c, err := Compare(v, *ref)
		if err != nil {
			add(plugin.Unknown, "cannot compare with %s %s (policy %s, line %d): %v", what, ref, r.file, r.lines[ref], err)
			return 0, false
		}
		return c, true
	}
	for _, b := range r.Blocked {
		in := true
		if b.From != nil {
			c, ok := cmp(b.From, "blocked")
			in = in && ok && c >= 0
		}
		if b.To != nil && in {
			c, ok := cmp(b.To, "blocked")
			in = ok && c <= 0
		}
		if !in {
			continue
		}
		add(plugin.Critical, "%s", b.describe())
	}
	if r.Minimum != nil {
		if c, ok := cmp(r.Minimum, "minimum"); ok && c < 0 {
			add(plugin.Critical, "below minimum %s", r.Minimum)
		}
	}
	for _, cy := range r.EOL {
		if !v.InCycle(cy.Release) {
			continue
		}
		if cy.Past {
			add(plugin.Critical, "release %s past end of life (no date published, %s line %d)", cy.Release, cy.Source, cy.Line)
			continue
		}
		date := cy.Date.Format("2006-01-02")
		if cy.Source != "" {
			date += ", " + cy.Source
		}
		left := int(math.Ceil(cy.Date.Sub(now).Hours() / 24))
		switch {
		case !now.Before(cy.Date):
			add(plugin.Critical, "release %s past end of life (%s)", cy.Release, date)
		case left <= r.EOLWarningDays:
			add(plugin.Warning, "release %s end of life in %d days (%s)", cy.Release, left, date)
		}
	}
	if r.Target != nil {
		if c, ok := cmp(r.Target, "target"); ok && c < 0 {
			add(plugin.Warning, "below target %s", r.Target)
		}
	}
	if len(notes) == 0 {
		var parts []string
		if r.Target != nil {
			parts = append(parts, "target "+r.Target.Text)
		} else if r.Minimum != nil {
			parts = append(parts, "minimum "+r.Minimum.Text)
		}
		if len(parts) == 0 {
			return Finding{State: plugin.OK, Reason: "meets policy"}
		}
		return Finding{State: plugin.OK, Reason: "meets policy (" + strings.Join(parts, ", ") + ")"}
	}
	sort.SliceStable(notes, func(i, j int) bool { return rank(notes[i].state) > rank(notes[j].state) })
	f := Finding{State: plugin.OK}
	texts := make([]string, len(notes))
	for i, n := range notes {
		f.State = plugin.Worse(f.State, n.state)
		texts[i] = n.text
	}
	f.Reason = strings.Join(texts, "; ")
	return f
}

// rank orders states for output: CRITICAL, UNKNOWN, WARNING, OK.
func rank(s plugin.Status) int {
	switch s {
	case plugin.Critical:
		return 3
	case plugin.Unknown:
		return 2
	case plugin.Warning:
		return 1
	}
	return 0
}

// Rank orders states for listing, worst first (CRITICAL, UNKNOWN, WARNING, OK).
func Rank(s plugin.Status) int { return rank(s) }
