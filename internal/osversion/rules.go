package osversion

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/located"
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

// Rule is a kind of policy rule a version can break.
type Rule int

const (
	// InBlocked: the version is in a blocked entry (Breach.Deadline set
	// when the entry has a window).
	InBlocked Rule = iota + 1
	// BelowMinimum: the version is below the minimum.
	BelowMinimum
	// PastEOL: the version's release cycle is past its end of life.
	PastEOL
	// NearEOL: the end of life is within the policy's eol_warning_days.
	NearEOL
	// BelowTarget: the version is below the target (Breach.Deadline set
	// when the target has since/within_days).
	BelowTarget
	// Incomparable: the version cannot be ordered against a policy
	// version (IOS trains); Breach.Err says why.
	Incomparable
)

// Breach is one rule a version breaks, as facts: which rule, the policy
// value it is judged against, and the dates that apply. The check decides
// what state each breach is.
type Breach struct {
	Rule Rule
	// Ref is the policy value: the minimum or target version, the block
	// as written with its reason, the release cycle, or for Incomparable
	// the version it could not be compared with.
	Ref string
	// Name is what a deadline is called: the target version, or the
	// block's reason (its range when it has none).
	Name string
	// Deadline is where the version stands against the entry's window
	// (InBlocked, BelowTarget), nil when the entry has none.
	Deadline *DeadlineStatus
	// EOL is the end-of-life date (PastEOL, NearEOL; zero when the source
	// says the end is reached without a date), DaysLeft the days to it
	// (NearEOL), Source and Line where the date came from ("" for the
	// policy's own eol entries).
	EOL      time.Time
	DaysLeft int
	Source   string
	Line     int
	// What is which policy value an Incomparable breach is about
	// (minimum, target, blocked), Err why it could not be compared.
	What string
	Err  error
}

// String names the breach as the policy does: "below target 17.9.4a",
// "release 17.3 past end of life (2025-06-30)".
func (b Breach) String() string {
	switch b.Rule {
	case InBlocked:
		return b.Ref
	case BelowMinimum:
		return "below minimum " + b.Ref
	case PastEOL:
		if b.EOL.IsZero() {
			return fmt.Sprintf("release %s past end of life (no date published, %s line %d)", b.Ref, b.Source, b.Line)
		}
		return fmt.Sprintf("release %s past end of life (%s)", b.Ref, b.eolDate())
	case NearEOL:
		return fmt.Sprintf("release %s end of life in %d days (%s)", b.Ref, b.DaysLeft, b.eolDate())
	case BelowTarget:
		return "below target " + b.Ref
	case Incomparable:
		return fmt.Sprintf("cannot compare with %s %s (policy %s, line %d): %v", b.What, b.Ref, b.Source, b.Line, b.Err)
	}
	return "rule " + strconv.Itoa(int(b.Rule))
}

func (b Breach) eolDate() string {
	date := b.EOL.Format("2006-01-02")
	if b.Source != "" {
		date += ", " + b.Source
	}
	return date
}

// Finding is what the rules say about one version: the rules it breaks,
// in the policy's order (blocked, minimum, end of life, target), or what
// it meets. Err is set instead when the platform's entry did not compile.
type Finding struct {
	Breaches []Breach
	// Meets is the policy value a compliant version meets ("target
	// 17.9.4a", "minimum 4.30.2F"; "" when the entry has neither).
	Meets string
	Err   error
}

// Evaluate lists the rules v breaks at time now: the blocked entries it
// is in, the minimum, the end of life of its cycle (past, or within the
// warning window), the target, each with its deadline where the policy
// gives one, and the comparisons the platform cannot make (IOS trains)
// naming the policy line. It decides no state.
func (r *Rules) Evaluate(v Version, now time.Time) Finding {
	if r.Err != nil {
		return Finding{Err: r.Err}
	}
	var f Finding
	cmp := func(ref *Version, what string) (int, bool) {
		c, err := Compare(v, *ref)
		if err != nil {
			f.Breaches = append(f.Breaches, Breach{Rule: Incomparable, Ref: ref.Text, What: what, Source: r.file, Line: r.lines[ref], Err: err})
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
		br := Breach{Rule: InBlocked, Ref: b.describe(), Name: b.name(), Line: b.Line}
		if b.Window != nil {
			st := b.Window.At(now)
			br.Deadline = &st
		}
		f.Breaches = append(f.Breaches, br)
	}
	if r.Minimum != nil {
		if c, ok := cmp(r.Minimum, "minimum"); ok && c < 0 {
			f.Breaches = append(f.Breaches, Breach{Rule: BelowMinimum, Ref: r.Minimum.Text, Line: r.lines[r.Minimum]})
		}
	}
	for _, cy := range r.EOL {
		if !v.InCycle(cy.Release) {
			continue
		}
		br := Breach{Rule: PastEOL, Ref: cy.Release.Text, Source: cy.Source, Line: cy.Line}
		if cy.Past {
			f.Breaches = append(f.Breaches, br)
			continue
		}
		br.EOL = cy.Date
		left := int(math.Ceil(cy.Date.Sub(now).Hours() / 24))
		switch {
		case !now.Before(cy.Date):
			f.Breaches = append(f.Breaches, br)
		case left <= r.EOLWarningDays:
			br.Rule, br.DaysLeft = NearEOL, left
			f.Breaches = append(f.Breaches, br)
		}
	}
	if r.Target != nil {
		if c, ok := cmp(r.Target, "target"); ok && c < 0 {
			br := Breach{Rule: BelowTarget, Ref: r.Target.Text, Name: r.Target.Text, Line: r.lines[r.Target]}
			if r.TargetDeadline != nil {
				st := r.TargetDeadline.At(now)
				br.Deadline = &st
			}
			f.Breaches = append(f.Breaches, br)
		}
	}
	if len(f.Breaches) == 0 {
		switch {
		case r.Target != nil:
			f.Meets = "target " + r.Target.Text
		case r.Minimum != nil:
			f.Meets = "minimum " + r.Minimum.Text
		}
	}
	return f
}
