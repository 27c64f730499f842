package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/located"

	"github.com/urfave/cli/v2"
)

// Version is the suite's version, set at build time with
// -ldflags "-X github.com/guardrail-monitoring/guardrail/internal/plugin.Version=...".
var Version = "dev"

// DefaultPolicy is where every check looks for the shared policy file.
const DefaultPolicy = "/etc/guardrail/policy.yaml"

// Limits on arguments: NRPE with dont_blame_nrpe passes whatever a remote
// side sends, so anything outside them is refused before parsing.
const (
	maxArgLen  = 4096
	maxArgs    = 256
	maxTimeout = 3600
)

// memoryLimit is the soft limit the garbage collector keeps the heap under.
// The Go runtime's out-of-memory death exits with status 2, which Nagios
// reads as CRITICAL; every input is bounded (located), so a check never
// comes near this, and the collector works harder before it would.
const memoryLimit = 1 << 30

// setMemoryLimit sets the soft limit unless GOMEMLIMIT chose one.
func setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}

// Spec describes one check binary: its names, its own flags and its core.
type Spec struct {
	Name        string // binary name, e.g. check_security_updates
	Label       string // status line label, e.g. SECURITY UPDATES
	Usage       string // one line for --help
	Description string // paragraphs for --help and the man page
	Flags       []cli.Flag
	// Options reads the check's own flags, once, into its typed options and
	// returns the check bound to them; nothing after it looks a flag up by
	// name. Its error is a usage error.
	Options func(c *cli.Context) (Check, error)
}

// Check gathers, judges and reports: a Result, or an error (UNKNOWN).
type Check func(ctx context.Context, env *Env) (Result, error)

// Bind makes a Spec's Options from a check's two halves: parse, which reads
// the flags into its typed options O, and run, the check given O (usually
// the method expression Options.check).
func Bind[O any](parse func(*cli.Context) (O, error), run func(O, context.Context, *Env) (Result, error)) func(*cli.Context) (Check, error) {
	return func(c *cli.Context) (Check, error) {
		o, err := parse(c)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, env *Env) (Result, error) { return run(o, ctx, env) }, nil
	}
}

// UsageError is a bad command line: UNKNOWN with "bad arguments: ... (see
// --help)", wherever it is found.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return "bad arguments: " + e.Err.Error() + " (see --help)" }
func (e *UsageError) Unwrap() error { return e.Err }

// Usagef makes a UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{fmt.Errorf(format, args...)}
}

// Env is what every check gets besides its own options.
type Env struct {
	Verbose        int
	Format         Format
	PolicyPath     string
	PolicyExplicit bool // --policy was given, so a missing file is an error
	Timeout        time.Duration
	// Now is the time the check judges at: the wall clock, or GUARDRAIL_NOW
	// (RFC 3339 or YYYY-MM-DD), which the golden tests set.
	Now time.Time
}

// now reads GUARDRAIL_NOW for reproducible output in tests.
func now() (time.Time, error) {
	v := os.Getenv("GUARDRAIL_NOW")
	if v == "" {
		return time.Now(), nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("GUARDRAIL_NOW=%q is not RFC 3339 or YYYY-MM-DD", v)
}

func init() {
	cli.VersionFlag = &cli.BoolFlag{Name: "version", Aliases: []string{"V"}, Usage: "print the version and exit", DisableDefaultText: true}
	cli.HelpFlag = &cli.BoolFlag{Name: "help", Aliases: []string{"h"}, Usage: "show this help and exit", DisableDefaultText: true}
}

// CommonFlags are the flags every guardrail check takes.
func CommonFlags() []cli.Flag {
	return []cli.Flag{
		&cli.IntFlag{Name: "timeout", Aliases: []string{"t"}, Value: 10, Usage: "seconds before the check gives up with UNKNOWN"},
		&cli.BoolFlag{Name: "verbose", Aliases: []string{"v"}, Usage: "more detail in the long output (repeat for more)", DisableDefaultText: true},
		&cli.StringFlag{Name: "format", Value: string(Text), Usage: "output format: text (Nagios), json, openmetrics (Prometheus) or junit (CI pipelines)"},
		&cli.StringFlag{Name: "output", Usage: "write the output in the chosen format to FILE atomically (temporary file and rename; FILE ends in .prom, .xml, .json or .txt as the format) and the Nagios text to stdout"},
		&cli.StringFlag{Name: "policy", Value: DefaultPolicy, Usage: "the shared guardrail policy file (YAML)"},
	}
}

// App builds the urfave/cli application of a check. It is also what man pages
// and the Icinga 2 CheckCommand test are generated from.
func (s Spec) App(action cli.ActionFunc) *cli.App {
	return &cli.App{
		Name:                   s.Name,
		Usage:                  s.Usage,
		Description:            s.Description,
		Version:                Version,
		Flags:                  append(CommonFlags(), s.Flags...),
		HideHelpCommand:        true,
		UseShortOptionHandling: true,
		Action:                 action,
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return &UsageError{err}
		},
		ExitErrHandler: func(*cli.Context, error) {},
	}
}

// Main runs a check with the given arguments (args[0] is the program name)
// and returns the exit code. Bad arguments, errors, panics and timeouts all
// end in UNKNOWN; help and version print and return UNKNOWN too, as the
// monitoring-plugins do.
func Main(s Spec, args []string, stdout, stderr io.Writer) (code int) {
	// Bad arguments are answered in the format and to the file asked for,
	// when those at least are right: a collector then sees the UNKNOWN.
	format, output := preparse(args)
	verbose := 0
	emit := func(r Result) int {
		if output == "" {
			if err := write(stdout, s.Name, s.Label, r, format, verbose); err != nil {
				fmt.Fprintln(stderr, err)
				return int(Unknown)
			}
			if format == OpenMetrics {
				// Metrics have no place for the why: stderr (the journal) has it.
				_ = write(stderr, s.Name, s.Label, r, Text, 0)
			}
			return int(r.Status)
		}
		var b bytes.Buffer
		err := write(&b, s.Name, s.Label, r, format, verbose)
		if err == nil {
			err = writeOutput(output, s.Label, b.Bytes())
		}
		if err != nil {
			_ = write(stdout, s.Name, s.Label, Result{Status: Unknown, Summary: err.Error()}, Text, 0)
			return int(Unknown)
		}
		_ = write(stdout, s.Name, s.Label, r, Text, verbose)
		return int(r.Status)
	}
	fail := func(msg string) int {
		return emit(Result{Status: Unknown, Summary: msg})
	}
	setMemoryLimit()
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "panic: %v\n%s", p, debug.Stack())
			code = fail(fmt.Sprintf("internal error: %v", p))
		}
	}()
	if len(args) > maxArgs {
		return fail(fmt.Sprintf("too many arguments (%d, at most %d)", len(args), maxArgs))
	}
	for _, a := range args {
		if len(a) > maxArgLen {
			return fail(fmt.Sprintf("argument of %d bytes refused (at most %d)", len(a), maxArgLen))
		}
		if strings.ContainsRune(a, 0) {
			return fail("argument with a NUL byte refused")
		}
	}

	ran := false
	var result Result
	app := s.App(func(c *cli.Context) error {
		ran = true
		if c.NArg() > 0 {
			return Usagef("unexpected argument %q", c.Args().First())
		}
		f, ok := parseFormat(c.String("format"))
		if !ok {
			return Usagef("--format must be text, json, openmetrics or junit, not %q", c.String("format"))
		}
		format = f
		if c.IsSet("output") {
			if err := validateOutput(c.String("output"), f); err != nil {
				output = ""
				return &UsageError{err}
			}
		}
		output = c.String("output")
		verbose = c.Count("verbose")
		t := c.Int("timeout")
		if t < 1 || t > maxTimeout {
			return Usagef("--timeout must be 1 to %d seconds, not %d", maxTimeout, t)
		}
		at, err := now()
		if err != nil {
			return err
		}
		check, err := s.Options(c)
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) {
				err = &UsageError{err}
			}
			return err
		}
		env := &Env{Now: at, Verbose: c.Count("verbose"), Format: f, PolicyPath: c.String("policy"),
			PolicyExplicit: c.IsSet("policy"), Timeout: time.Duration(t) * time.Second}
		result = RunWithTimeout(c.Context, budget(env.Timeout), func(ctx context.Context) (Result, error) {
			return check(ctx, env)
		})
		return nil
	})
	app.Writer = stdout
	app.ErrWriter = stderr
	err := app.Run(args)
	switch {
	case err != nil:
		return fail(err.Error())
	case !ran: // --help or --version
		return int(Unknown)
	}
	return emit(result)
}

// preparse finds --format and --output before the command line is parsed,
// so that an error in it is still answered as asked. A value that is not
// valid is ignored here (the parse names it).
func preparse(args []string) (Format, string) {
	format, output := Text, ""
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		var next string
		if i+1 < len(args) {
			next = args[i+1]
		}
		switch {
		case strings.HasPrefix(a, "--format="):
			next, a = strings.TrimPrefix(a, "--format="), "--format"
		case strings.HasPrefix(a, "--output="):
			next, a = strings.TrimPrefix(a, "--output="), "--output"
		case a == "--format" || a == "--output":
			i++
		default:
			continue
		}
		if a == "--format" {
			if f, ok := parseFormat(next); ok {
				format = f
			}
		} else {
			output = next
		}
	}
	if output != "" && validateOutput(output, format) != nil {
		output = ""
	}
	return format, output
}

// started is when the process started, near enough: -t counts from here.
var started = time.Now()

// budget is what is left of timeout for the check: counted from the start of
// the process, less a margin (5 %, at most 250 ms) for writing the answer and
// exiting on a busy host, so the whole process ends within -t, never after.
func budget(timeout time.Duration) time.Duration {
	margin := min(timeout/20, 250*time.Millisecond)
	return timeout - time.Since(started) - margin
}

// RunWithTimeout runs fn and turns its error, its panic or its running past
// timeout into an UNKNOWN result. fn runs in its own goroutine, so even a
// read that hangs in a system call cannot hold the plugin past its timeout.
func RunWithTimeout(ctx context.Context, timeout time.Duration, fn func(context.Context) (Result, error)) Result {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	done := make(chan Result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				fmt.Fprintf(os.Stderr, "panic: %v\n%s", p, debug.Stack())
				done <- Result{Status: Unknown, Summary: fmt.Sprintf("internal error: %v", p)}
			}
		}()
		r, err := fn(ctx)
		if err != nil {
			r = Result{Status: Unknown, Summary: err.Error()}
		}
		done <- r
	}()
	select {
	case r := <-done:
		if ctx.Err() != nil && r.Status == Unknown && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return timedOut(timeout)
		}
		return r
	case <-ctx.Done():
		return timedOut(timeout)
	}
}

// timedOut names the files still being read, if any: a FIFO with no writer
// or a hung mount is then found at once.
func timedOut(d time.Duration) Result {
	msg := fmt.Sprintf("timed out after %d s", int(d.Round(time.Second)/time.Second))
	if files := located.Reading(); len(files) > 0 {
		msg += " while reading " + strings.Join(files, ", ")
	}
	return Result{Status: Unknown, Summary: msg}
}
