package firewall

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/guardrail-monitoring/guardrail/internal/firewall/protocol"
)

// piece is a box of the flow space: every combination of its source and
// destination addresses and ports, in the client's original coordinates.
// After a DNAT, xdst/xdport are what the packet's destination became
// (xaddr/xport say whether the address or port was rewritten).
type piece struct {
	src, dst, xdst       AddrSet
	sport, dport, xdport PortSet
	xaddr, xport         bool
	multi                bool // xdst or xdport holds more than one value
	// tcpUnsure: matched a TCP-flags condition that only some packets of
	// the kind meet (set on the matched part; the rule then is unknown).
	tcpUnsure bool
	// ifClient/ifServer: interface assumptions made on this piece's way.
	ifClient, ifServer ifaceAssumed
	accept             string // last accepting rule of the first packet
	acceptPos          Pos
	// guess is set when the piece went one way at a rule whose match the
	// engine cannot evaluate (the first such rule); its twin went the
	// other way.
	guess *guess
}

// guess is a rule taken both ways: matched and not matched.
type guess struct {
	rule, reason, phase string
	pos                 Pos
}

// maxGuesses bounds the rules taken both ways in one judgement; past it an
// unevaluable match makes its part unknown at once.
const maxGuesses = 1024

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

// Outcome kinds of a piece.
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

func (e *eval) dims(f Field, p *piece) (addr *AddrSet, port *PortSet) {
	switch f {
	case FieldSrcAddr:
		if e.ph.reply {
			if p.xaddr {
				return &p.xdst, nil
			}
			return &p.dst, nil
		}
		return &p.src, nil
	case FieldDstAddr:
		if e.ph.reply {
			return &p.src, nil
		}
		if p.xaddr {
			return &p.xdst, nil
		}
		return &p.dst, nil
	case FieldSrcPort:
		if e.ph.reply {
			if p.xport {
				return nil, &p.xdport
			}
			return nil, &p.dport
		}
		return nil, &p.sport
	case FieldDstPort:
		if e.ph.reply {
			return nil, &p.sport
		}
		if p.xport {
			return nil, &p.xdport
		}
		return nil, &p.dport
	}
	return nil, nil
}

// match splits p by rule r: the part the rule matches and the parts it does
// not (disjoint, together exactly p).
func (e *eval) match(r *crule, p piece) (in piece, hit bool, rest []piece) {
	if r.never {
		return p, false, []piece{p}
	}
	in = p
	hasIface, unsure := false, false
	for i := range r.conds {
		k := &r.conds[i]
		switch k.field {
		case FieldProto:
			if !k.protos.has(e.proto) {
				return p, false, []piece{p}
			}
			continue
		case FieldCtState:
			if k.states&e.ph.state == 0 {
				return p, false, []piece{p}
			}
			continue
		case FieldSrcPort, FieldDstPort:
			if !HasPorts(e.proto) {
				return p, false, []piece{p}
			}
		case FieldInIface, FieldOutIface:
			hasIface = true
			continue // decided last, on the part that matches all else
		case FieldTCPFlags:
			switch e.tcpFlags(k) {
			case matchNone:
				return p, false, []piece{p}
			case matchSome:
				// Some packets of this kind match, some not: the rule's
				// effect on the connection is not modelled.
				unsure = true
			}
			continue
		case FieldSrcLocal, FieldDstLocal:
			if e.local(k.field) == k.not {
				return p, false, []piece{p}
			}
			continue
		}
		addr, port := e.dims(k.field, &in)
		if addr != nil {
			if !addr.Overlaps(k.addrs) {
				return p, false, append(rest, in)
			}
			out := addr.Minus(k.addrs)
			if !out.IsEmpty() {
				o := in
				*e.addrOf(k.field, &o) = out
				rest = append(rest, o)
				*addr = addr.Intersect(k.addrs)
			}
		} else if port != nil {
			if !port.Overlaps(k.ports) {
				return p, false, append(rest, in)
			}
			out := port.Minus(k.ports)
			if !out.IsEmpty() {
				o := in
				*e.portOf(k.field, &o) = out
				rest = append(rest, o)
				*port = port.Intersect(k.ports)
			}
		}
	}
	if hasIface {
		before := in
		e.pending = e.pending[:0]
		for i := range r.conds {
			k := &r.conds[i]
			if (k.field == FieldInIface || k.field == FieldOutIface) && !e.ifaceHolds(k, r, &in) {
				return p, false, append(rest, before)
			}
		}
		for _, a := range e.pending { // the rule matched on these assumptions
			if !e.assume[a] {
				e.assume[a] = true
				e.assumed = append(e.assumed, a)
			}
		}
	}
	in.tcpUnsure = unsure
	return in, true, rest
}

// Sides of the host a packet's interface faces.
const (
	sideNone   = iota // no such interface (input has no output interface...)
	sideClient        // towards the flow's sources
	sideServer        // towards the flow's destinations
)

// ifaceSide is which side the packet's input (or output) interface faces.
func (e *eval) ifaceSide(f Field) int {
	in, out := sideClient, sideServer
	switch e.hook {
	case HookInput:
		out = sideNone
	case HookOutput:
		in = sideNone
	}
	if e.ph.reply {
		in, out = out, in
	}
	if f == FieldInIface {
		return in
	}
	return out
}

// ifaceHolds decides an interface condition for piece p: from --in-iface /
// --out-iface when given; else from what p already assumed about that side
// (one packet has one interface, so assumptions stay consistent): a
// condition that must hold holds, one that cannot hold does not ("! -i +",
// "-i eth0" after "! -i eth+"), and only one that may hold is assumed,
// recorded on p and reported.
func (e *eval) ifaceHolds(k *ccond, r *crule, p *piece) bool {
	side := e.ifaceSide(k.field)
	name := ""
	switch side {
	case sideClient:
		name = e.ifaces.In
	case sideServer:
		name = e.ifaces.Out
	}
	if side == sideNone || name != "" {
		return ifaceMatch(k.iface, name) != k.not
	}
	a := &p.ifClient
	if side == sideServer {
		a = &p.ifServer
	}
	known := a.name
	if known == "" {
		known = "+" // some interface, any name
	}
	meet, ok := ifaceMeet(known, k.iface)
	ok = ok && !a.excludes(meet)
	switch {
	case !k.not && !ok, k.not && ifaceSub(known, k.iface):
		return false // cannot hold
	case !k.not && ifaceSub(known, k.iface), k.not && !ok:
		return true // must hold
	}
	if k.not {
		a.not = append(a.not[:len(a.not):len(a.not)], k.iface)
	} else {
		a.name = meet
	}
	e.pending = append(e.pending, k.ifaceText+" ("+r.label()+")")
	return true
}

// ifaceAssumed is what a piece has assumed about one side's interface.
type ifaceAssumed struct {
	name string   // assumed to match this (a pattern); "" nothing assumed
	not  []string // assumed not to match these
}

// excludes reports whether the names of pattern pat are all ruled out.
func (a *ifaceAssumed) excludes(pat string) bool {
	for _, n := range a.not {
		if ifaceSub(pat, n) {
			return true
		}
	}
	return false
}

// ifaceSub reports whether every name pattern a matches also matches b
// (patterns: a name, or a prefix with "+").
func ifaceSub(a, b string) bool {
	if strings.HasSuffix(b, "+") {
		return strings.HasPrefix(strings.TrimSuffix(a, "+"), b[:len(b)-1])
	}
	return a == b
}

// ifaceMeet is the pattern of the names both a and b match, if any.
func ifaceMeet(a, b string) (string, bool) {
	switch {
	case ifaceSub(a, b):
		return a, true
	case ifaceSub(b, a):
		return b, true
	}
	return "", false
}

// ifaceMatch is iptables' interface match: "eth+" is a prefix.
func ifaceMatch(pattern, name string) bool {
	if name == "" {
		return false
	}
	if strings.HasSuffix(pattern, "+") {
		return strings.HasPrefix(name, pattern[:len(pattern)-1])
	}
	return pattern == name
}

// Interfaces are where the flows' packets enter and leave this host: In
// faces the clients (the sources), Out the servers (the destinations). An
// empty name is unknown: interface conditions then are assumed to hold, and
// the assumption is reported.
type Interfaces struct{ In, Out string }

// Answers of a condition over all packets of one kind.
const (
	matchNone = iota
	matchAll
	matchSome
)

// tcpPackets are the flag sets a connection's packets of each kind carry.
var (
	tcpFirst = []uint8{TCPSyn}
	tcpReply = []uint8{TCPSyn | TCPAck, TCPAck, TCPPsh | TCPAck, TCPFin | TCPAck}
	tcpLater = []uint8{TCPAck, TCPPsh | TCPAck, TCPFin | TCPAck}
)

func (e *eval) tcpFlags(k *ccond) int {
	if e.proto != ProtoTCP {
		return matchNone
	}
	pkts := tcpLater
	switch {
	case e.ph.reply:
		pkts = tcpReply
	case e.ph.state == CtNew:
		pkts = tcpFirst
	}
	n := 0
	for _, f := range pkts {
		if (f&k.tcpMask == k.tcpComp) != k.not {
			n++
		}
	}
	switch n {
	case 0:
		return matchNone
	case len(pkts):
		return matchAll
	}
	return matchSome
}

// local says whether the packet's source (or destination) is this host, from
// the flow's hook and the packet's direction.
func (e *eval) local(f Field) bool {
	clientLocal, serverLocal := e.hook == HookOutput, e.hook == HookInput
	src, dst := clientLocal, serverLocal
	if e.ph.reply {
		src, dst = serverLocal, clientLocal
	}
	if f == FieldSrcLocal {
		return src
	}
	return dst
}

func (e *eval) addrOf(f Field, p *piece) *AddrSet { a, _ := e.dims(f, p); return a }
func (e *eval) portOf(f Field, p *piece) *PortSet { _, q := e.dims(f, p); return q }

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

// Witness is one concrete connection and what decided it.
type Witness struct {
	Src, Dst         netip.Addr
	Proto            uint8
	SrcPort, DstPort uint16
	// NATDst is the destination after DNAT, when rewritten.
	NATDst     netip.Addr
	NATDstPort uint16
	NAT        bool
	Phase      string // "first packet", "reply", "client's later packets"
	Rule       string
	Pos        Pos
	Reason     string // for unknown: what the engine does not model
}

// String is "10.0.0.1:40000 → 10.1.0.1:443/tcp".
func (w Witness) String() string {
	s := endpoint(w.Src, w.SrcPort, w.Proto) + " → " + endpoint(w.Dst, w.DstPort, w.Proto)
	if w.NAT {
		s += " (DNAT to " + endpoint(w.NATDst, w.NATDstPort, w.Proto) + ")"
	}
	return s + "/" + ProtoName(w.Proto)
}

func endpoint(a netip.Addr, port uint16, proto uint8) string {
	if !HasPorts(proto) {
		return a.String()
	}
	return netip.AddrPortFrom(a, port).String()
}

// ProtoName is "tcp", "udp", "icmp", "icmpv6", a name from the protocol
// table ("esp", "ipip"), or "proto-N" for a number without a name.
func ProtoName(p uint8) string {
	if p == ProtoICMPv6 {
		return "icmpv6" // the table's usual name is "ipv6-icmp"
	}
	if name := protocol.Name(p); name != "" {
		return name
	}
	return "proto-" + strconv.Itoa(int(p))
}

// Judgement is the verdict over a whole space (or several).
type Judgement struct {
	// Open: some connection gets through (the witness, with the accepting
	// rule of its first packet). Closed: some connection does not (the
	// witness with the rule that dropped it). Unknown: some connection's fate
	// depends on what the engine does not model.
	Open, Closed, Unknown *Witness
	Assumptions           []string
}

// Outcome is the verdict of a judgement, spelled as in the check's text and
// JSON output. (Verdict, the type, is a rule's target.)
type Outcome string

// The outcomes.
const (
	Allowed Outcome = "allowed"
	Blocked Outcome = "blocked"
	Partial Outcome = "partial"
	Unknown Outcome = "unknown"
)

// String is the outcome's word.
func (o Outcome) String() string { return string(o) }

// Verdict is allowed (every connection gets through), blocked (none does),
// partial, or unknown when unmodelled rules could change the answer.
func (j Judgement) Verdict() Outcome {
	switch {
	case j.Open != nil && j.Closed != nil:
		return Partial
	case j.Unknown != nil:
		return Unknown
	case j.Open != nil:
		return Allowed
	case j.Closed != nil:
		return Blocked
	}
	return Unknown // an empty space
}

// Merge combines the judgements of parts of one flow (services, families).
// Witness is the example connection behind a verdict: an open one for
// Allowed, a closed one for Blocked, an undecidable one for Unknown.
func (j Judgement) Witness(verdict Outcome) *Witness {
	switch verdict {
	case Allowed:
		return j.Open
	case Blocked:
		return j.Closed
	case Unknown:
		return j.Unknown
	}
	return nil
}

func (j *Judgement) Merge(o Judgement) {
	if j.Open == nil {
		j.Open = o.Open
	}
	if j.Closed == nil {
		j.Closed = o.Closed
	}
	if j.Unknown == nil {
		j.Unknown = o.Unknown
	}
	j.Assumptions = mergeStrings(j.Assumptions, o.Assumptions)
}

func mergeStrings(a, b []string) []string {
	out := append(append([]string(nil), a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
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

// lower orders pieces by their lowest source, destination, then ports.
func lower(a, b piece) bool {
	as, _ := a.src.First()
	bs, _ := b.src.First()
	if c := as.Compare(bs); c != 0 {
		return c < 0
	}
	ad, _ := a.dst.First()
	bd, _ := b.dst.First()
	if c := ad.Compare(bd); c != 0 {
		return c < 0
	}
	ap, _ := a.dport.First()
	bp, _ := b.dport.First()
	if ap != bp {
		return ap < bp
	}
	ap, _ = a.sport.First()
	bp, _ = b.sport.First()
	return ap < bp
}

// boxMinus is the part of a (original coordinates) outside b, as disjoint boxes.
func boxMinus(a, b piece) []piece {
	if !a.src.Overlaps(b.src) || !a.dst.Overlaps(b.dst) || !a.sport.Overlaps(b.sport) || !a.dport.Overlaps(b.dport) {
		return []piece{a}
	}
	var out []piece
	cur := a
	if d := cur.src.Minus(b.src); !d.IsEmpty() {
		o := cur
		o.src = d
		out = append(out, o)
		cur.src = cur.src.Intersect(b.src)
	}
	if d := cur.dst.Minus(b.dst); !d.IsEmpty() {
		o := cur
		o.dst = d
		out = append(out, o)
		cur.dst = cur.dst.Intersect(b.dst)
	}
	if d := cur.sport.Minus(b.sport); !d.IsEmpty() {
		o := cur
		o.sport = d
		out = append(out, o)
		cur.sport = cur.sport.Intersect(b.sport)
	}
	if d := cur.dport.Minus(b.dport); !d.IsEmpty() {
		o := cur
		o.dport = d
		out = append(out, o)
	}
	return out
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
