package checksecurityupdates

import (
	"fmt"
	"path/filepath"
	"regexp"

	"github.com/urfave/cli/v2"

	"github.com/guardrail-monitoring/guardrail/internal/ledger"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

// DefaultStateFile is where first-seen times are kept between runs.
const DefaultStateFile = "/var/lib/guardrail/security-updates.json"

// flags are check_security_updates' own flags; parseOptions reads each once.
func flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "root", Value: "/", Usage: "treat `DIR` as / (a snapshot of another host's /var/lib/dpkg, /etc/apt, /var/lib/apt/lists, or its rpmdb, /etc/yum.repos.d, /var/cache/dnf, /etc/zypp, /var/cache/zypp)"},
		&cli.StringFlag{Name: "state-file", Value: DefaultStateFile, Usage: "JSON `FILE` remembering when each security update was first seen (must end in .json)"},
		&cli.StringSliceFlag{Name: "include", Aliases: []string{"i"}, Usage: "only packages whose name matches `REGEX` (repeatable)"},
		&cli.StringSliceFlag{Name: "exclude", Aliases: []string{"e"}, Usage: "ignore packages whose name matches `REGEX` (repeatable)"},
		&cli.BoolFlag{Name: "only-critical", Aliases: []string{"o"}, Usage: "judge security updates only; other upgrades do not warn"},
		&cli.BoolFlag{Name: "list", Aliases: []string{"l"}, Usage: "list every pending upgrade in the long output, not only security updates"},
		&cli.StringFlag{Name: "warning", Aliases: []string{"w"}, Usage: "Nagios `RANGE` on the number of pending security updates (instead of any = CRITICAL)"},
		&cli.StringFlag{Name: "critical", Aliases: []string{"c"}, Usage: "Nagios `RANGE` on the number of pending security updates"},
		&cli.StringFlag{Name: "warning-upgrades", Usage: "Nagios `RANGE` on the number of other (non-security) upgrades (instead of any = WARNING)"},
		&cli.StringFlag{Name: "critical-upgrades", Usage: "Nagios `RANGE` on the number of other (non-security) upgrades"},
		&cli.BoolFlag{Name: "restarts-only", Usage: "judge only the processes still running replaced files (restart_pending; any is WARNING without it): no apt state, no state file, nothing written; the one invocation the shipped sudoers file allows as root"},
		&cli.BoolFlag{Name: "no-state", Usage: "do not write the state file: ages are read from it, and a security update it has no first-seen time for is WARNING (age unknown)"},
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
	// RestartsOnly scans /proc and nothing else (for sudo: all processes).
	RestartsOnly bool
	// Counts are -w/-c on the number of pending security updates;
	// OtherCounts --warning-upgrades/--critical-upgrades on the others.
	Counts, OtherCounts plugin.Thresholds
}

func parseOptions(c *cli.Context) (Options, error) {
	o := Options{Root: c.String("root"), StateFile: c.String("state-file"), NoState: c.Bool("no-state"),
		OnlyCritical: c.Bool("only-critical"), List: c.Bool("list"), RestartsOnly: c.Bool("restarts-only")}
	var err error
	if o.Counts, err = plugin.ParseThresholds(c.String("warning"), c.String("critical")); err != nil {
		return o, err
	}
	if o.OtherCounts, err = plugin.ParseThresholds(c.String("warning-upgrades"), c.String("critical-upgrades")); err != nil {
		return o, fmt.Errorf("--warning-upgrades/--critical-upgrades: %v", err)
	}
	if o.OnlyCritical && o.OtherCounts.IsSet() {
		return o, fmt.Errorf("--only-critical ignores other upgrades: it cannot be combined with --warning-upgrades/--critical-upgrades")
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
