package checkfirewallflows

import (
	"runtime"
	"sync"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/flows"
)

// FlowResult is one flow's verdict, as the long output and JSON show it.
type FlowResult struct {
	Flow      flows.Flow
	Judgement firewall.Judgement
	Verdict   firewall.Outcome
	// Failing: a required flow with a connection that does not get through,
	// or a forbidden flow with one that does (known, not guessed).
	Failing bool
	// Witness is the connection that shows the verdict: for a failing flow
	// the one that fails; otherwise one that behaves as expected.
	Witness *firewall.Witness
	// Route is the flow's way through a device ("" without one).
	Route string
	// NoPath says why the flow has no way through the device (its ends
	// are not on two distinct interfaces or zones, or not found); its
	// verdict is then unknown, never allowed or blocked.
	NoPath string
}

// Evaluate asks the engine about every flow at its hook, on all cores. It
// does no I/O: the engine holds the rulesets gather read.
func Evaluate(en *firewall.Engine, fl []flows.Flow) []FlowResult {
	out := make([]FlowResult, len(fl))
	engines := make([]*firewall.Engine, len(fl))
	for i := range engines {
		engines[i] = en
	}
	judgeAll(engines, fl, out)
	return out
}

// EvaluateDevice routes every flow through the device, builds one engine
// per route, and asks it about the flows on that route. A flow without a
// route, or whose route has no engine, is unknown with the reason.
func EvaluateDevice(d *Device, fl []flows.Flow) []FlowResult {
	out := make([]FlowResult, len(fl))
	engines := make([]*firewall.Engine, len(fl))
	type built struct {
		en  *firewall.Engine
		err error
	}
	cache := map[Route]built{}
	for i, f := range fl {
		r, err := d.route(f.Src, f.Dst)
		if err == nil {
			b, ok := cache[r]
			if !ok {
				b.en, b.err = d.judge(r)
				cache[r] = b
			}
			engines[i], err = b.en, b.err
		}
		if err != nil {
			out[i] = FlowResult{Flow: f, Verdict: firewall.Unknown, NoPath: err.Error()}
			engines[i] = nil
			continue
		}
		out[i].Route = r.String()
	}
	judgeAll(engines, fl, out)
	return out
}

// judgeAll judges flow i on engines[i] into out[i], on all cores; a flow
// without an engine keeps what out holds.
func judgeAll(engines []*firewall.Engine, fl []flows.Flow, out []FlowResult) {
	workers := runtime.GOMAXPROCS(0)
	if workers > len(fl) {
		workers = len(fl)
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				route := out[i].Route
				out[i] = judgeFlow(engines[i], fl[i])
				out[i].Route = route
			}
		}()
	}
	for i := range fl {
		if engines[i] != nil {
			next <- i
		}
	}
	close(next)
	wg.Wait()
}

func judgeFlow(en *firewall.Engine, f flows.Flow) FlowResult {
	j := flows.Judge(en, f)
	r := FlowResult{Flow: f, Judgement: j, Verdict: j.Verdict()}
	if f.Expect == flows.ExpectDeny {
		r.Failing = j.Open != nil
		r.Witness = pick(r.Failing, j.Open, j.Closed, j.Unknown)
	} else {
		r.Failing = j.Closed != nil
		r.Witness = pick(r.Failing, j.Closed, j.Open, j.Unknown)
	}
	if !r.Failing && j.Unknown != nil {
		r.Witness = j.Unknown
	}
	return r
}

func pick(failing bool, bad, good, unknown *firewall.Witness) *firewall.Witness {
	if failing {
		return bad
	}
	if good != nil {
		return good
	}
	return unknown
}
