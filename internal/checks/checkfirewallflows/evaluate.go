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
}

// Evaluate asks the engine about every flow at its hook, on all cores. It
// does no I/O: the engine holds the rulesets gather read.
func Evaluate(en *firewall.Engine, fl []flows.Flow) []FlowResult {
	out := make([]FlowResult, len(fl))
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
				out[i] = judgeFlow(en, fl[i])
			}
		}()
	}
	for i := range fl {
		next <- i
	}
	close(next)
	wg.Wait()
	return out
}

func judgeFlow(en *firewall.Engine, f flows.Flow) FlowResult {
	var j firewall.Judgement
	for _, fam := range []firewall.Family{firewall.FamilyIPv4, firewall.FamilyIPv6} {
		src, dst := f.Src.Only(fam), f.Dst.Only(fam)
		if src.IsEmpty() || dst.IsEmpty() {
			continue
		}
		for _, s := range f.Services {
			j.Merge(en.Judge(firewall.Space{Family: fam, Proto: s.Proto, Src: src, Dst: dst, SrcPorts: f.SrcPorts, DstPorts: s.Ports}))
		}
	}
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
