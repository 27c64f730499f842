package main

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/proctest"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

const checkApt = "/usr/lib/nagios/plugins/check_apt"

// TestWholeProcessSecurityUpdates times this check and check_apt side by side
// on this host's real apt state (make bench; GUARDRAIL_BENCH=1).
func TestWholeProcessSecurityUpdates(t *testing.T) {
	if os.Getenv("GUARDRAIL_BENCH") == "" {
		t.Skip("a benchmark: make bench runs it")
	}
	testenv.NeedCommand(t, checkApt)
	bin := proctest.Build(t, "check_security_updates")
	state := filepath.Join(t.TempDir(), "guardrail.json")
	const runs = 15
	ours := []string{"--state-file", state, "-t", "60"} // default policy path: a missing file is fine
	var a, b []proctest.Run
	for i := 0; i < runs; i++ {
		a = append(a, proctest.Measure(t, bin, nil, ours...))
		b = append(b, proctest.Measure(t, checkApt, nil, "-t", "60"))
	}
	ma, mb := summarize(a), summarize(b)
	t.Logf("%d runs each on this host (first line of each):", runs)
	t.Logf("  check_security_updates: %s", firstLine(a[0].Stdout))
	t.Logf("  check_apt:              %s", firstLine(b[0].Stdout))
	t.Logf("%-24s %12s %12s %12s %12s", "", "median wall", "min wall", "median CPU", "peak RSS")
	t.Logf("%-24s %12s %12s %12s %9.1f MiB", "check_security_updates", ma.median, ma.min, ma.cpu, ma.rss)
	t.Logf("%-24s %12s %12s %12s %9.1f MiB", "check_apt", mb.median, mb.min, mb.cpu, mb.rss)
	t.Logf("ratio: wall 1/%.1f (median), CPU 1/%.1f, memory 1/%.1f", float64(mb.median)/float64(ma.median), float64(mb.cpu)/float64(ma.cpu), mb.rss/ma.rss)
}

type figures struct {
	median, min, cpu time.Duration
	rss              float64
}

func summarize(rs []proctest.Run) figures {
	var walls, cpus []time.Duration
	var rss int64
	for _, r := range rs {
		walls = append(walls, r.Wall)
		cpus = append(cpus, r.CPU)
		if r.MaxRSS > rss {
			rss = r.MaxRSS
		}
	}
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	sort.Slice(cpus, func(i, j int) bool { return cpus[i] < cpus[j] })
	return figures{median: walls[len(walls)/2].Round(time.Millisecond), min: walls[0].Round(time.Millisecond),
		cpu: cpus[len(cpus)/2].Round(time.Millisecond), rss: float64(rss) / (1 << 20)}
}

func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
