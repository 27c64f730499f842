package checkfirewallflows

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/live"
)

// maxProbes bounds the real connects of one run (--probe).
const maxProbes = 64

// probeTarget is one real connection to try: from a local address of this
// host to a destination and TCP port of a flow, with what the engine said.
type probeTarget struct {
	flow   string
	src    netip.Addr
	dst    netip.AddrPort
	expect bool // the engine says this connection gets through
}

// Disagreement is a probe whose outcome contradicts the engine.
type Disagreement struct {
	Flow    string
	Conn    string
	Engine  string // "open" or "closed"
	Kernel  string // what the connect showed
	Details string
}

// probeTargets picks, for flows whose sources include a local address, the
// lowest destination and first port of each TCP service: the engine's answer
// for that single connection comes from judging it exactly.
func probeTargets(en *firewall.Engine, rs []FlowResult, local []netip.Addr) []probeTarget {
	var out []probeTarget
	for _, r := range rs {
		for _, src := range local {
			if !r.Flow.Src.Contains(src) {
				continue
			}
			fam := firewall.FamilyIPv4
			if src.Is6() {
				fam = firewall.FamilyIPv6
			}
			dst, ok := r.Flow.Dst.Only(fam).First()
			if !ok {
				continue
			}
			for _, s := range r.Flow.Services {
				if s.Proto != firewall.ProtoTCP {
					continue
				}
				port, ok := s.Ports.First()
				if !ok || len(out) >= maxProbes {
					continue
				}
				j := en.Judge(firewall.Space{Family: fam, Proto: firewall.ProtoTCP, Src: firewall.AddrOf(src), Dst: firewall.AddrOf(dst), SrcPorts: r.Flow.SrcPorts, DstPorts: firewall.Port(port)})
				if j.Unknown != nil {
					continue // nothing to compare with
				}
				out = append(out, probeTarget{flow: r.Flow.ID(), src: src, dst: netip.AddrPortFrom(dst, port), expect: j.Closed == nil})
			}
		}
	}
	return out
}

// runProbe is --probe's gather step: it picks the connections to try from
// this host's addresses, shares what is left of the deadline among them,
// and connects.
func runProbe(ctx context.Context, en *firewall.Engine, rs []FlowResult) *ProbeOutcome {
	targets := probeTargets(en, rs, live.LocalAddrs())
	each := 2 * time.Second
	if dl, ok := ctx.Deadline(); ok && len(targets) > 0 {
		if share := time.Until(dl) / time.Duration(len(targets)+1); share < each {
			each = share
		}
	}
	return &ProbeOutcome{Tried: len(targets), Disagreements: probe(ctx, targets, each)}
}

// probe connects for real and lists the disagreements. A refused connection
// counts as through the filter (the server's reset came back), unless the
// engine's drop was a REJECT, which the kernel answers the same way.
func probe(ctx context.Context, targets []probeTarget, each time.Duration) []Disagreement {
	var out []Disagreement
	for _, t := range targets {
		if ctx.Err() != nil {
			break
		}
		d := net.Dialer{Timeout: each, LocalAddr: &net.TCPAddr{IP: t.src.AsSlice()}}
		conn, err := d.DialContext(ctx, "tcp", t.dst.String())
		reached, what := true, "connected"
		switch {
		case err == nil:
			_ = conn.Close()
		case errors.Is(err, syscall.ECONNREFUSED):
			what = "refused (reached the host)"
		default:
			reached, what = false, "failed: "+shortErr(err)
		}
		if reached == t.expect || (!t.expect && errors.Is(err, syscall.ECONNREFUSED)) {
			continue
		}
		eng := "closed"
		if t.expect {
			eng = "open"
		}
		out = append(out, Disagreement{Flow: t.flow, Conn: fmt.Sprintf("%s → %s/tcp", t.src, t.dst), Engine: eng, Kernel: what})
	}
	return out
}

func shortErr(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		if op.Timeout() {
			return "timeout"
		}
		return op.Err.Error()
	}
	return err.Error()
}
