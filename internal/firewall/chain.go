// Running pieces through chains and hooks, one phase of the connection at
// a time, with memoised chain calls.

package firewall

import (
	"fmt"
	"slices"
	"strings"
)

// phase is one kind of packet of the connection's handshake.
type phase struct {
	name  string
	state CtState
	reply bool // server → client
	hooks []Hook
}

func phases(h Hook) ([]phase, error) {
	var there, back []Hook
	switch h {
	case HookForward:
		there = []Hook{HookPrerouting, HookForward, HookPostrouting}
		back = there
	case HookInput:
		there = []Hook{HookPrerouting, HookInput}
		back = []Hook{HookOutput, HookPostrouting}
	case HookOutput:
		there = []Hook{HookOutput, HookPostrouting}
		back = []Hook{HookPrerouting, HookInput}
	default:
		return nil, fmt.Errorf("hook %s: want input, forward or output", h)
	}
	return []phase{
		{"first packet", CtNew, false, there},
		{"reply", CtEstablished, true, back},
		{"client's later packets", CtEstablished, false, there},
	}, nil
}

// fate is what happened to a piece in one phase.
type fate uint8

const (
	fateAccept fate = iota
	fateDrop
	fateUnknown
)

// decided is a piece with its fate and the rule that decided it.
type decided struct {
	p      piece
	fate   fate
	rule   string
	pos    Pos
	phase  string
	reason string // unknown: why
}

// eval is one evaluation: the packet family, protocol, direction and state.
type eval struct {
	c      *compiled
	hook   Hook // the flow's hook (input, forward, output)
	ifaces Interfaces
	base   ChainType // of the base chain being run (user chains inherit it)
	proto  uint8
	ph     phase
	assume map[string]bool
	// pending are the interface assumptions of the rule being matched.
	pending []string
	// assumed lists the assumptions in the order they were made, so that a
	// memoised chain call can make them again.
	assumed []string
	out     []decided // final drops and unknowns of this phase
	// guesses counts the rules taken both ways in this judgement.
	guesses *int
	// memo holds the outcome of each chain called with a piece, so that
	// chains reached many times by the same packets (each chain jumping
	// twice to the next) are run once per distinct piece, not once per path.
	memo map[string]*chainResult
}

// chainResult is what one call of a chain did: the pieces it accepted and
// returned, the drops and unknowns it decided, the assumptions it made.
type chainResult struct {
	acc, ret []piece
	out      []decided
	assumed  []string
}

const maxDepth = 64

// runChain passes pieces through a chain: acc are accepted (they go on to
// the next base chain), ret fall off the end or RETURN (to the caller, or to
// the policy of a base chain). Drops and unknowns go to e.out.
func (e *eval) runChain(ch *cchain, in []piece, depth int) (acc, ret []piece) {
	if depth > maxDepth {
		for _, p := range in {
			e.out = append(e.out, decided{p: p, fate: fateUnknown, rule: "chain " + ch.c.Name, pos: ch.c.Pos, phase: e.ph.name, reason: "jumps nested deeper than 64 (a loop?)"})
		}
		return nil, nil
	}
	// Each piece walks the rules on its own, from where it is, looking only
	// at the rules an index says may meet it: a narrow piece (a host, a
	// /24) meets few of thousands of rules, and a wide one that many rules
	// carve up leaves narrow pieces behind.
	type item struct {
		p     piece
		k     int     // next position in cands (or rule index when cands is nil)
		cands []int32 // rule indexes in order; nil: every rule
	}
	var work []item
	for _, p := range in {
		work = append(work, item{p: p, cands: e.candidates(ch, &p, 0)})
	}
	for len(work) > 0 {
		it := work[len(work)-1]
		work = work[:len(work)-1]
		p, k, cands := it.p, it.k, it.cands
		h := e.hulls(&p)
		done := false
		for !done {
			var ri int
			if cands != nil {
				if k >= len(cands) {
					break
				}
				ri = int(cands[k])
			} else {
				if k >= len(ch.rules) {
					break
				}
				ri = k
			}
			k++
			r := &ch.rules[ri]
			if r.never || !e.mayMatch(r, &h) {
				continue
			}
			m, hit, rest := e.match(r, p)
			if !hit {
				continue
			}
			for _, q := range rest {
				qc, qk := cands, k
				if cands == nil || len(cands)-k > 64 {
					if c := e.candidates(ch, &q, ri+1); c != nil {
						qc, qk = c, 0
					}
				}
				work = append(work, item{p: q, k: qk, cands: qc})
			}
			done = true
			if r.r.Verdict.Kind == VerdictContinue {
				m.tcpUnsure = false
			}
			unsure := m.tcpUnsure
			m.tcpUnsure = false
			if len(r.unknown) > 0 || unsure {
				reason := r.unknownText()
				if unsure {
					reason = "TCP flags match only some packets of the " + e.ph.name
				}
				if r.unknownTarget || *e.guesses >= maxGuesses {
					e.out = append(e.out, decided{p: m, fate: fateUnknown, rule: r.label(), pos: r.r.Pos, phase: e.ph.name, reason: reason})
					continue
				}
				// Ternary: the rule may match or not; follow both. Where
				// the two give one fate, it is the fate.
				*e.guesses++
				if m.guess == nil {
					m.guess = &guess{rule: r.label(), reason: reason, phase: e.ph.name, pos: r.r.Pos}
				}
				work = append(work, item{p: m, k: k, cands: cands})
			}
			switch r.r.Verdict.Kind {
			case VerdictContinue:
				p, h, done = m, e.hulls(&m), false
			case VerdictAccept:
				if e.ph.state == CtNew && !e.ph.reply && e.base != ChainNAT {
					m.accept, m.acceptPos = r.label(), r.r.Pos
				}
				acc = append(acc, m)
			case VerdictDrop, VerdictReject:
				e.out = append(e.out, decided{p: m, fate: fateDrop, rule: r.label(), pos: r.r.Pos, phase: e.ph.name})
			case VerdictReturn:
				ret = append(ret, m)
			case VerdictJump, VerdictGoto:
				a, back := e.call(r.jump, m, depth+1)
				acc = append(acc, a...)
				if r.r.Verdict.Kind == VerdictGoto {
					ret = append(ret, back...)
				} else {
					for _, b := range back {
						work = append(work, item{p: b, k: k, cands: cands})
					}
				}
			case VerdictDNAT:
				if e.base != ChainNAT || e.ph.state != CtNew || e.ph.reply {
					e.out = append(e.out, decided{p: m, fate: fateUnknown, rule: r.label(), pos: r.r.Pos, phase: e.ph.name, reason: "DNAT outside a nat chain"})
					continue
				}
				d, err := e.dnat(r, m)
				if err != "" {
					e.out = append(e.out, decided{p: m, fate: fateUnknown, rule: r.label(), pos: r.r.Pos, phase: e.ph.name, reason: err})
					continue
				}
				acc = append(acc, d)
			default:
				e.out = append(e.out, decided{p: m, fate: fateUnknown, rule: r.label(), pos: r.r.Pos, phase: e.ph.name, reason: "verdict " + r.r.Verdict.Kind.String()})
			}
		}
		if !done {
			ret = append(ret, p)
		}
	}
	return acc, ret
}

// call runs chain ch on one piece, or repeats what an earlier call of ch
// on an equal piece at the same depth did.
func (e *eval) call(ch *cchain, p piece, depth int) (acc, ret []piece) {
	key := memoKey(ch, p, depth, e.base)
	if r := e.memo[key]; r != nil {
		e.out = append(e.out, r.out...)
		for _, a := range r.assumed {
			if !e.assume[a] {
				e.assume[a] = true
				e.assumed = append(e.assumed, a)
			}
		}
		return r.acc, r.ret
	}
	outFrom, assumedFrom := len(e.out), len(e.assumed)
	acc, ret = e.runChain(ch, []piece{p}, depth)
	if e.memo == nil {
		e.memo = map[string]*chainResult{}
	}
	e.memo[key] = &chainResult{
		acc: acc[:len(acc):len(acc)], ret: ret[:len(ret):len(ret)],
		out:     slices.Clone(e.out[outFrom:]),
		assumed: slices.Clone(e.assumed[assumedFrom:]),
	}
	return acc, ret
}

// candidates are the rules from index from on that may meet p, in order,
// from the chain's index on the narrower of p's addresses; nil when p is
// wide in both (then every rule is looked at).
func (e *eval) candidates(ch *cchain, p *piece, from int) []int32 {
	h := e.hulls(p)
	for _, k := range []int{hSrc, hDst} {
		if narrow(e.c.family, h[k]) {
			return ch.index(e.c.family, k).lookup(h[k], from)
		}
	}
	return nil
}

// hulls are a piece's bounding intervals in the rule's view (source,
// destination, ports as the packet of this phase carries them).
func (e *eval) hulls(p *piece) [4]hull {
	var h [4]hull
	a, _ := e.dims(FieldSrcAddr, p)
	h[hSrc] = addrHull(*a)
	a, _ = e.dims(FieldDstAddr, p)
	h[hDst] = addrHull(*a)
	_, q := e.dims(FieldSrcPort, p)
	h[hSport] = portHull(*q)
	_, q = e.dims(FieldDstPort, p)
	h[hDport] = portHull(*q)
	return h
}

// mayMatch is a quick, conservative test: false only when r cannot match
// any packet in the hulls.
func (e *eval) mayMatch(r *crule, h *[4]hull) bool {
	for k := range h {
		if !r.hulls[k].overlaps(h[k]) {
			return false
		}
	}
	return true
}

func (e *eval) dnat(r *crule, m piece) (piece, string) {
	v := r.r.Verdict
	if !v.ToAddrs.IsEmpty() {
		to := v.ToAddrs.Only(e.c.family)
		if to.IsEmpty() {
			return m, "DNAT to an address of the other family"
		}
		m.xaddr, m.xdst = true, to
		if a, _ := to.First(); !to.Equal(AddrOf(a)) {
			m.multi = true
		}
	}
	if !v.ToPorts.IsEmpty() {
		if !HasPorts(e.proto) {
			return m, "DNAT to a port for a protocol without ports"
		}
		m.xport, m.xdport = true, v.ToPorts
		if p, _ := v.ToPorts.First(); !v.ToPorts.Equal(Port(p)) {
			m.multi = true
		}
	}
	return m, ""
}

// runHook passes pieces through the base chains of one hook in priority
// order: an accept goes on to the next base chain, a drop is final.
func (e *eval) runHook(h Hook, in []piece) []piece {
	cur := in
	for _, ch := range e.c.hooks[h] {
		if len(cur) == 0 {
			break
		}
		if ch.c.Type == ChainNAT && (e.ph.state != CtNew || e.ph.reply) {
			continue // nat chains see only a connection's first packet
		}
		e.base = ch.c.Type
		acc, ret := e.runChain(ch, cur, 0)
		if len(ret) > 0 {
			if ch.c.Policy == VerdictDrop || ch.c.Policy == VerdictReject {
				label := fmt.Sprintf("%s %s policy %s", ch.table.Name, ch.c.Name, strings.ToUpper(ch.c.Policy.String()))
				for _, p := range ret {
					e.out = append(e.out, decided{p: p, fate: fateDrop, rule: label, pos: ch.c.Pos, phase: e.ph.name})
				}
			} else {
				acc = append(acc, ret...)
			}
		}
		cur = acc
	}
	return cur
}

// memoKey is the identity of a chain call: the chain, the depth, the kind
// of base chain, and everything of the piece that the chain's rules can
// see or that its results carry.
func memoKey(ch *cchain, p piece, depth int, base ChainType) string {
	b := make([]byte, 0, 128)
	b = fmt.Appendf(b, "%p/%d/%d/%t%t%t%t/", ch, depth, base, p.xaddr, p.xport, p.multi, p.tcpUnsure)
	for _, s := range []*AddrSet{&p.src, &p.dst, &p.xdst} {
		b = appendAddrs(b, *s)
	}
	for _, s := range []*PortSet{&p.sport, &p.dport, &p.xdport} {
		for _, r := range s.r {
			b = fmt.Appendf(b, "%d-%d,", r.Lo, r.Hi)
		}
		b = append(b, '|')
	}
	for _, a := range []*ifaceAssumed{&p.ifClient, &p.ifServer} {
		b = fmt.Appendf(b, "%q%q|", a.name, a.not)
	}
	b = fmt.Appendf(b, "%q%v%p", p.accept, p.acceptPos, p.guess)
	return string(b)
}

func appendAddrs(b []byte, s AddrSet) []byte {
	for _, fam := range [][]span{s.v4, s.v6} {
		for _, sp := range fam {
			b = fmt.Appendf(b, "%x.%x-%x.%x,", sp.lo.hi, sp.lo.lo, sp.hi.hi, sp.hi.lo)
		}
		b = append(b, '|')
	}
	return b
}
