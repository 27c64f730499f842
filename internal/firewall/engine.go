// The engine: a ruleset compiled for one hook, judging spaces of
// connections (Judge) through every phase of their handshake.

package firewall

import (
	"sort"
	"sync"
)

// Space is a set of connections to judge: every source and destination
// address and port of one protocol, in one family.
type Space struct {
	Family   Family
	Proto    uint8 // ProtoICMP stands for ICMPv6 too
	Src, Dst AddrSet
	SrcPorts PortSet // ignored for protocols without ports
	DstPorts PortSet
}

// Engine evaluates spaces against a ruleset at one hook. It is safe for
// concurrent use.
type Engine struct {
	rs     *Ruleset
	hook   Hook
	phases []phase
	ifaces Interfaces
	route  func(AddrSet) string
	local  *AddrSet
	mu     sync.Mutex
	byFam  map[Family]*compiled
}

// SetLocalAddrs gives the host's own addresses, for "addrtype LOCAL"
// conditions (before the first Judge). Without them the engine infers
// locality from the hook: an input flow's destination and an output flow's
// source are local, a forwarded flow's addresses are not (so a DNAT of a
// host address to a forwarded one needs them).
func (en *Engine) SetLocalAddrs(s AddrSet) { en.local = &s }

// SetInterfaces tells the engine which interfaces the flows use (before
// the first Judge).
func (en *Engine) SetInterfaces(i Interfaces) { en.ifaces = i }

// SetRouter gives the host's routing: the one interface all addresses of a
// set are routed by, or "". Judge then takes a side's interface, when not
// set by SetInterfaces, from the route to the flow's sources (the client
// side) or destinations (the server side), so interface conditions are
// decided instead of assumed.
func (en *Engine) SetRouter(route func(AddrSet) string) { en.route = route }

// NewEngine prepares rs for evaluation of connections at hook h (input,
// forward or output).
func NewEngine(rs *Ruleset, h Hook) (*Engine, error) {
	ph, err := phases(h)
	if err != nil {
		return nil, err
	}
	return &Engine{rs: rs, hook: h, phases: ph, byFam: map[Family]*compiled{}}, nil
}

func (en *Engine) compiled(f Family) *compiled {
	en.mu.Lock()
	defer en.mu.Unlock()
	c := en.byFam[f]
	if c == nil {
		c = compile(en.rs, f, en.local)
		en.byFam[f] = c
	}
	return c
}

// Judge decides whether the connections of s get through: a connection gets
// through when its first packet (state NEW), the replies and the client's
// later packets (ESTABLISHED) are all accepted.
func (en *Engine) Judge(s Space) Judgement {
	c := en.compiled(s.Family)
	p := piece{src: s.Src.Only(s.Family), dst: s.Dst.Only(s.Family), sport: s.SrcPorts, dport: s.DstPorts}
	if !HasPorts(s.Proto) {
		p.sport, p.dport = Port(0), Port(0)
	}
	if p.src.IsEmpty() || p.dst.IsEmpty() || p.sport.IsEmpty() || p.dport.IsEmpty() {
		return Judgement{}
	}
	proto := s.Proto
	if proto == ProtoICMP && s.Family == FamilyIPv6 {
		proto = ProtoICMPv6
	}
	if !en.rs.Describes(s.Family) {
		w := witness(p, proto, "", "", Pos{})
		w.Reason = "no " + s.Family.String() + " ruleset given"
		return Judgement{Unknown: &w}
	}
	ifaces := en.ifaces
	if en.route != nil {
		// A forwarded packet enters from the client's side and leaves to
		// the server's; an input one has no output interface, an output one
		// no input interface.
		if ifaces.In == "" && en.hook != HookOutput {
			ifaces.In = en.route(p.src)
		}
		if ifaces.Out == "" && en.hook != HookInput {
			ifaces.Out = en.route(p.dst)
		}
	}
	assume := map[string]bool{}
	var failed []decided
	cur := []piece{p}
	multi := false
	guesses := 0
	for _, ph := range en.phases {
		e := &eval{c: c, hook: en.hook, ifaces: ifaces, proto: proto, ph: ph, assume: assume, guesses: &guesses}
		for _, h := range ph.hooks {
			cur = e.runHook(h, cur)
		}
		failed = append(failed, e.out...)
		for _, q := range cur {
			multi = multi || q.multi
		}
	}
	var j Judgement
	for a := range assume {
		j.Assumptions = append(j.Assumptions, "interface condition assumed to hold: "+a)
	}
	sort.Strings(j.Assumptions)
	if guesses > 0 {
		j.Open, j.Closed, j.Unknown = judgeBothWays(cur, failed, proto)
		return j
	}
	// The witnesses are the lowest connections of their kind, so that
	// they do not depend on the order the space was split in.
	var lowDrop, lowUnknown *decided
	for i := range failed {
		d := &failed[i]
		switch d.fate {
		case fateDrop:
			if lowDrop == nil || lower(d.p, lowDrop.p) {
				lowDrop = d
			}
		case fateUnknown:
			if lowUnknown == nil || lower(d.p, lowUnknown.p) {
				lowUnknown = d
			}
		}
	}
	for _, d := range []*decided{lowDrop, lowUnknown} {
		if d == nil {
			continue
		}
		w := witness(d.p, proto, d.phase, d.rule, d.pos)
		w.Reason = d.reason
		if d.fate == fateDrop {
			j.Closed = &w
		} else {
			j.Unknown = &w
		}
	}
	open := cur
	if multi && len(failed) > 0 {
		// A multi-address DNAT duplicates connections over its targets:
		// only the part with no failing target is open.
		open = nil
		for _, q := range cur {
			rest := []piece{q}
			for _, d := range failed {
				var next []piece
				for _, r := range rest {
					next = append(next, boxMinus(r, d.p)...)
				}
				rest = next
			}
			open = append(open, rest...)
		}
	}
	if len(open) > 0 {
		q := open[0]
		for _, o := range open[1:] {
			if lower(o, q) {
				q = o
			}
		}
		w := witness(q, proto, "", q.accept, q.acceptPos)
		j.Open = &w
	}
	return j
}

func witness(p piece, proto uint8, phase, rule string, pos Pos) Witness {
	w := Witness{Proto: proto, Phase: phase, Rule: rule, Pos: pos}
	w.Src, _ = p.src.First()
	w.Dst, _ = p.dst.First()
	w.SrcPort, _ = p.sport.First()
	w.DstPort, _ = p.dport.First()
	if p.xaddr || p.xport {
		w.NAT = true
		w.NATDst, w.NATDstPort = w.Dst, w.DstPort
		if p.xaddr {
			w.NATDst, _ = p.xdst.First()
		}
		if p.xport {
			w.NATDstPort, _ = p.xdport.First()
		}
	}
	return w
}
