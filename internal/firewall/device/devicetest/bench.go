package devicetest

import (
	"bytes"
	"os"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/flows"
)

// Bench is a reader's benchmark on a synthetic configuration: each loop
// reads data (as file) and judges the flows fl through the engine that
// chooses each flow's path.
func Bench[C Device](b *testing.B, file string, data []byte, fl []flows.Flow, read func(file string, data []byte) (C, error)) {
	b.Helper()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		en := engineOf(b, file, data, read)
		for _, f := range fl {
			Judge(en, f)
		}
	}
}

// UnderASecond reads data and judges fl once; the flows must meet both
// allowing and blocking rules (else the figure would not measure them).
// The time is logged, and held to under a second only under make bench
// (GUARDRAIL_BENCH=1): speed is measured there, never in a timed test a
// shared CI machine can fail.
func UnderASecond[C Device](t *testing.T, file string, data []byte, fl []flows.Flow, read func(file string, data []byte) (C, error)) {
	t.Helper()
	start := time.Now()
	en := engineOf(t, file, data, read)
	verdicts := map[string]int{}
	for _, f := range fl {
		verdicts[string(Judge(en, f).Verdict())]++
	}
	el := time.Since(start)
	t.Logf("%d lines × %d flows: %v %v", bytes.Count(data, []byte("\n")), len(fl), el, verdicts)
	if verdicts["allowed"] == 0 || verdicts["blocked"] == 0 {
		t.Errorf("the flows should meet both allowing and blocking rules: %v", verdicts)
	}
	if el > time.Second && os.Getenv("GUARDRAIL_BENCH") != "" {
		t.Errorf("took %v (want under 1 s)", el)
	}
}

// engineOf reads data (as file) and builds the engine that chooses each
// flow's path.
func engineOf[C Device](tb testing.TB, file string, data []byte, read func(file string, data []byte) (C, error)) *firewall.Engine {
	tb.Helper()
	c, err := read(file, data)
	if err != nil {
		tb.Fatal(err)
	}
	en, err := c.Engine(device.Path{})
	if err != nil {
		tb.Fatal(err)
	}
	return en
}
