package devicetest

import (
	"bytes"
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

// UnderASecond holds Bench's figure in the normal test run: reading data
// and judging fl once must take under a second, with room for a loaded
// machine (3 s), and the flows must meet both allowing and blocking
// rules (else the figure would not measure them).
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
	if el > 3*time.Second {
		t.Errorf("took %v (want under 1 s; 3 s allowed on a loaded machine)", el)
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
