package checksecurityupdates

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/guardrail-monitoring/guardrail/internal/apt"
	"github.com/guardrail-monitoring/guardrail/internal/ledger"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

// DefaultStateFile is where first-seen times are kept between runs.
const DefaultStateFile = "/var/lib/guardrail/security-updates.json"

const defaultMaxListAge = 7 * 24 * time.Hour

// Spec is check_security_updates.
func Spec() plugin.Spec {
	return plugin.Spec{
		Name:  "check_security_updates",
		Label: "SECURITY UPDATES",
		Usage: "pending (security) package updates on Debian/Ubuntu, judged against a patch SLA",
		Description: "Reads dpkg's status, apt's sources, lists, Release files and pins, read-only and without root or apt's lock,\n" +
			"and computes apt's candidates. A security update is any newer version up to the candidate from a -security\n" +
			"archive (a fix masked by a newer point release counts). Without an SLA in the policy: any security update\n" +
			"is CRITICAL, other upgrades WARNING (as check_apt). With security_updates.sla: the oldest pending security\n" +
			"update's age decides. Lists older than max_list_age_days (7) are WARNING.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "root", Value: "/", Usage: "treat `DIR` as / (a snapshot of another host's /var/lib/dpkg, /etc/apt, /var/lib/apt/lists)"},
			&cli.StringFlag{Name: "state-file", Value: DefaultStateFile, Usage: "JSON `FILE` remembering when each security update was first seen (must end in .json)"},
			&cli.StringSliceFlag{Name: "include", Aliases: []string{"i"}, Usage: "only packages whose name matches `REGEX` (repeatable)"},
			&cli.StringSliceFlag{Name: "exclude", Aliases: []string{"e"}, Usage: "ignore packages whose name matches `REGEX` (repeatable)"},
			&cli.BoolFlag{Name: "only-critical", Aliases: []string{"o"}, Usage: "judge security updates only; other upgrades do not warn"},
			&cli.BoolFlag{Name: "list", Aliases: []string{"l"}, Usage: "list every pending upgrade in the long output, not only security updates"},
			&cli.StringFlag{Name: "warning", Aliases: []string{"w"}, Usage: "Nagios `RANGE` on the number of pending security updates (instead of any = CRITICAL)"},
			&cli.StringFlag{Name: "critical", Aliases: []string{"c"}, Usage: "Nagios `RANGE` on the number of pending security updates"},
			&cli.BoolFlag{Name: "no-state", Usage: "do not write the state file: ages are read from it, and a security update it has no first-seen time for is WARNING (age unknown)"},
		},
		Options: func(c *cli.Context) (plugin.Check, error) {
			o, err := parseOptions(c)
			if err != nil {
				return nil, err
			}
			return o.check, nil
		},
	}
}

// Options are check_security_updates' flags, read once.
type Options struct {
	Root      string
	StateFile string
	// NoState reads the state file but never writes it.
	NoState bool
	// Include and Exclude are -i/-e; the policy's lists are added to them.
	Include, Exclude []*regexp.Regexp
	OnlyCritical     bool
	List             bool
	// Counts are -w/-c on the number of pending security updates.
	Counts plugin.Thresholds
}

func parseOptions(c *cli.Context) (Options, error) {
	o := Options{Root: c.String("root"), StateFile: c.String("state-file"), NoState: c.Bool("no-state"),
		OnlyCritical: c.Bool("only-critical"), List: c.Bool("list")}
	var err error
	if o.Counts, err = plugin.ParseThresholds(c.String("warning"), c.String("critical")); err != nil {
		return o, err
	}
	if !filepath.IsAbs(o.Root) {
		return o, fmt.Errorf("--root %q must be an absolute path", o.Root)
	}
	if err := ledger.ValidatePath(o.StateFile); err != nil { // the path's form only; nothing is opened yet
		return o, err
	}
	if o.Include, err = compileAll("include", c.StringSlice("include")); err != nil {
		return o, err
	}
	if o.Exclude, err = compileAll("exclude", c.StringSlice("exclude")); err != nil {
		return o, err
	}
	return o, nil
}

func compileAll(flag string, exprs []string) ([]*regexp.Regexp, error) {
	var out []*regexp.Regexp
	for _, e := range exprs {
		re, err := regexp.Compile(e)
		if err != nil {
			return nil, fmt.Errorf("--%s %q: %v", flag, e, err)
		}
		out = append(out, re)
	}
	return out, nil
}

// withPolicy is the policy's regexes, then the command line's.
func withPolicy(from []policy.Regexp, flags []*regexp.Regexp) []*regexp.Regexp {
	var out []*regexp.Regexp
	for _, r := range from {
		out = append(out, r.Regexp)
	}
	return append(out, flags...)
}

func (o Options) check(ctx context.Context, env *plugin.Env) (plugin.Result, error) {
	pol, err := policy.Load(env.PolicyPath, env.PolicyExplicit)
	if err != nil {
		return plugin.Result{}, err
	}
	sec := pol.SecurityUpdates
	include, exclude := withPolicy(sec.Include, o.Include), withPolicy(sec.Exclude, o.Exclude)

	sys, err := apt.Load(ctx, o.Root)
	if err != nil {
		return plugin.Result{}, err
	}
	var in Input
	var updates []apt.Update
	for _, u := range sys.Updates() {
		if keep(u.Package, include, exclude) {
			updates = append(updates, u)
		}
	}

	in.Sources = len(sys.Sources)
	in.NoSecuritySource = true
	for _, src := range sys.Sources {
		if strings.HasSuffix(strings.TrimSuffix(src.Suite, "/"), "-security") {
			in.NoSecuritySource = false
		}
	}
	for _, src := range sys.Unfetched {
		in.Unfetched = append(in.Unfetched, fmt.Sprintf("%s:%d: %s %s", src.File, src.Line, src.URI, src.Suite))
	}
	var deferred []apt.Update
	for _, u := range sys.Deferred() {
		if keep(u.Package, include, exclude) {
			deferred = append(deferred, u)
		}
	}
	in = Input{Updates: updates, Deferred: deferred, Sources: in.Sources, Unfetched: in.Unfetched, NoSecuritySource: in.NoSecuritySource, Now: env.Now, SLA: sec.SLA, Counts: o.Counts,
		OnlyCritical: o.OnlyCritical, ListAll: o.List || env.Verbose > 0,
		MaxListAge: defaultMaxListAge}
	if sec.MaxListAgeDays != nil {
		in.MaxListAge = sec.MaxListAgeDays.Duration()
	}
	for _, r := range sys.Releases {
		if r.Date.After(in.ListsUpdated) {
			in.ListsUpdated, in.ListsUpdatedFile = r.Date, r.File
		}
		if !r.ValidUntil.IsZero() && r.ValidUntil.Before(env.Now) && in.Expired == "" {
			in.Expired = fmt.Sprintf("%s valid until %s", r.File, r.ValidUntil.UTC().Format(time.RFC1123))
		}
	}

	var pending []string
	for _, u := range updates {
		if u.Security && !u.Held {
			pending = append(pending, Key(u))
		}
	}
	// The state is needed only for the SLA: without one the check never
	// touches the state path; --no-state reads it (if there is one) and
	// never writes.
	if sec.SLA.IsSet() {
		var led *ledger.Ledger
		if o.NoState {
			led, err = ledger.Read(o.StateFile)
		} else {
			led, err = ledger.Update(o.StateFile, pending, env.Now)
		}
		if err != nil {
			msg := err.Error()
			if !strings.Contains(msg, "--state-file") {
				msg += " (give --state-file FILE in a folder of the user the check runs as, or --no-state)"
			}
			return plugin.Result{}, fmt.Errorf("cannot keep first-seen times for the SLA: %s", msg)
		}
		in.FirstSeen = led.First
		in.AgesUnrecorded = o.NoState
		if led.Note != "" {
			in.Notes = append(in.Notes, "note: "+led.Note)
		}
	}
	return Judge(in), nil
}

func keep(name string, include, exclude []*regexp.Regexp) bool {
	if len(include) > 0 {
		matched := false
		for _, re := range include {
			if re.MatchString(name) {
				matched = true
				break
			}
		}
		if !matched {
			return false
		}
	}
	for _, re := range exclude {
		if re.MatchString(name) {
			return false
		}
	}
	return true
}
