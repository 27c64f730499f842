package firewall

import (
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"
)

// A compiled ruleset is the model specialised for one packet family: address
// conditions restricted to the family and complemented when negated, named
// sets resolved, chains looked up once, base chains of each hook sorted by
// priority. Evaluation then only intersects intervals.

type protoMask [4]uint64

func (m *protoMask) set(p uint8)     { m[p>>6] |= 1 << (p & 63) }
func (m protoMask) has(p uint8) bool { return m[p>>6]&(1<<(p&63)) != 0 }
func (m protoMask) not() (r protoMask) {
	for i := range m {
		r[i] = ^m[i]
	}
	return r
}

// ccond is a compiled condition.
type ccond struct {
	field  Field
	addrs  AddrSet   // FieldSrcAddr/FieldDstAddr, negation applied
	ports  PortSet   // port fields, negation applied
	protos protoMask // FieldProto, negation applied
	states CtState   // FieldCtState, negation applied
	iface  string    // iface fields: the name ("+" suffix: prefix)
	// ifaceText is the condition as iptables writes it, for assumptions.
	ifaceText string
	// not: negated (FieldSrcLocal/FieldDstLocal/FieldTCPFlags, interfaces)
	not              bool
	tcpMask, tcpComp uint8 // FieldTCPFlags
	always           bool  // assumed to hold (interfaces)
}

// hull is the smallest interval holding a set, for quick rejection.
type hull struct {
	lo, hi u128
	set    bool // false: the rule does not restrict this field
}

func (h hull) overlaps(o hull) bool {
	return !h.set || !o.set || (!h.hi.less(o.lo) && !o.hi.less(h.lo))
}

func (h hull) and(o hull) hull {
	if !h.set {
		return o
	}
	if !o.set {
		return h
	}
	if h.lo.less(o.lo) {
		h.lo = o.lo
	}
	if o.hi.less(h.hi) {
		h.hi = o.hi
	}
	return h
}

func addrHull(s AddrSet) hull {
	sp := s.v4
	if len(sp) == 0 {
		sp = s.v6
	}
	if len(sp) == 0 {
		return hull{set: true, lo: u128{0, 1}} // empty: lo > hi
	}
	return hull{lo: sp[0].lo, hi: sp[len(sp)-1].hi, set: true}
}

func portHull(s PortSet) hull {
	if len(s.r) == 0 {
		return hull{set: true, lo: u128{0, 1}}
	}
	return hull{lo: u128{0, uint64(s.r[0].Lo)}, hi: u128{0, uint64(s.r[len(s.r)-1].Hi)}, set: true}
}

// Field indexes of hulls.
const (
	hSrc = iota
	hDst
	hSport
	hDport
)

type crule struct {
	hulls   [4]hull
	r       *Rule
	conds   []ccond
	unknown []string // unmodelled matches or unresolved sets
	// unknownTarget: what the rule does is unknown (an unmodelled target,
	// a missing chain); otherwise only whether it matches is.
	unknownTarget bool
	never         bool
	jump          *cchain
}

type cchain struct {
	c     *Chain
	table *Table
	rules []crule
	// idx are the rule indexes by source and destination hull, built on
	// first use (under idxOnce: engines judge flows concurrently).
	idxOnce [2]sync.Once
	idx     [2]ruleIndex
}

func (ch *cchain) index(fam Family, k int) *ruleIndex {
	ch.idxOnce[k].Do(func() { ch.idx[k] = buildIndex(fam, ch.rules, k) })
	return &ch.idx[k]
}

// ruleIndex finds the rules whose hull on one address field may meet an
// interval: narrow hulls sorted by their low end (a query looks back by the
// widest of them), wide ones always listed.
type ruleIndex struct {
	lo   []u128
	rule []int32
	maxW u128
	wide []int32
}

// narrow: at most a /8 of IPv4, or a /48 of IPv6.
func narrow(fam Family, h hull) bool {
	if !h.set || h.hi.less(h.lo) {
		return h.set // an empty hull is as narrow as it gets
	}
	if fam == FamilyIPv4 {
		return h.hi.lo-h.lo.lo < 1<<24
	}
	return h.hi.hi-h.lo.hi < 1<<16
}

func buildIndex(fam Family, rules []crule, k int) ruleIndex {
	var ix ruleIndex
	type entry struct {
		lo   u128
		rule int32
	}
	var es []entry
	for i := range rules {
		h := rules[i].hulls[k]
		switch {
		case !narrow(fam, h):
			ix.wide = append(ix.wide, int32(i))
			continue
		case h.hi.less(h.lo):
			continue // an empty set: the rule never matches
		}
		es = append(es, entry{h.lo, int32(i)})
		if w := sub128(h.hi, h.lo); ix.maxW.less(w) {
			ix.maxW = w
		}
	}
	sort.Slice(es, func(a, b int) bool { return es[a].lo.less(es[b].lo) })
	for _, e := range es {
		ix.lo = append(ix.lo, e.lo)
		ix.rule = append(ix.rule, e.rule)
	}
	return ix
}

func sub128(a, b u128) u128 {
	lo, borrow := bits.Sub64(a.lo, b.lo, 0)
	return u128{a.hi - b.hi - borrow, lo}
}

// lookup lists, in rule order, the rules from index from on whose hull may
// meet q.
func (ix *ruleIndex) lookup(q hull, from int) []int32 {
	if q.hi.less(q.lo) {
		return []int32{}
	}
	min := u128{}
	if !q.lo.less(ix.maxW) {
		min = sub128(q.lo, ix.maxW)
	}
	start := sort.Search(len(ix.lo), func(i int) bool { return !ix.lo[i].less(min) })
	end := sort.Search(len(ix.lo), func(i int) bool { return q.hi.less(ix.lo[i]) })
	out := make([]int32, 0, end-start+len(ix.wide))
	for i := start; i < end; i++ {
		if int(ix.rule[i]) >= from {
			out = append(out, ix.rule[i])
		}
	}
	for _, w := range ix.wide {
		if int(w) >= from {
			out = append(out, w)
		}
	}
	slices.Sort(out)
	return out
}

type compiled struct {
	family Family
	hooks  map[Hook][]*cchain // base chains by hook, by priority
}

const ctAll = CtNew | CtEstablished | CtRelated | CtInvalid | CtUntracked | CtDNAT | CtSNAT

func compile(rs *Ruleset, fam Family, local *AddrSet) *compiled {
	c := &compiled{family: fam, hooks: map[Hook][]*cchain{}}
	type prio struct {
		ch    *cchain
		prio  int
		order int
	}
	var bases []prio
	for _, t := range rs.Tables {
		if t == nil || !t.Family.Sees(fam) {
			continue
		}
		byName := map[string]*cchain{}
		for _, ch := range t.Chains {
			if ch != nil {
				byName[ch.Name] = &cchain{c: ch, table: t}
			}
		}
		for _, ch := range t.Chains {
			if ch == nil {
				continue
			}
			cc := byName[ch.Name]
			for _, r := range ch.Rules {
				if r != nil {
					cc.rules = append(cc.rules, compileRule(rs, r, fam, byName, local))
				}
			}
			if ch.Hook != HookNone {
				bases = append(bases, prio{cc, ch.Priority, len(bases)})
			}
		}
	}
	sort.SliceStable(bases, func(i, j int) bool { return bases[i].prio < bases[j].prio })
	for _, b := range bases {
		c.hooks[b.ch.c.Hook] = append(c.hooks[b.ch.c.Hook], b.ch)
	}
	return c
}

func compileRule(rs *Ruleset, r *Rule, fam Family, chains map[string]*cchain, local *AddrSet) crule {
	cr := crule{r: r, unknown: append([]string(nil), r.Unmodelled...)}
	if r.Verdict.Kind == VerdictJump || r.Verdict.Kind == VerdictGoto {
		cr.jump = chains[r.Verdict.Chain]
		if cr.jump == nil {
			cr.unknown = append(cr.unknown, "target chain "+r.Verdict.Chain+" does not exist")
			cr.unknownTarget = true
		}
	}
	for _, cd := range r.Conds {
		k := ccond{field: cd.Field}
		if !cd.Family.Sees(fam) {
			cr.never = true
			continue
		}
		switch cd.Field {
		case FieldSrcAddr, FieldDstAddr:
			set := cd.Addrs
			if cd.SetName != "" {
				s := rs.Sets[cd.SetName]
				switch {
				case s == nil:
					cr.unknown = append(cr.unknown, "set "+cd.SetName+" not given (use --ipset)")
					continue
				case s.Unmodelled != "":
					cr.unknown = append(cr.unknown, "set "+cd.SetName+": "+s.Unmodelled)
					continue
				}
				set = s.Addrs
			}
			set = set.Only(fam)
			if cd.Not {
				set = set.Complement(fam)
			}
			k.addrs = set
		case FieldProto:
			// Protocol numbers as the kernel sees them: ip6tables -p icmp
			// (1) never meets an IPv6 packet, whose ICMP is 58. Flows'
			// "icmp" becomes the family's own number in Judge.
			for _, p := range cd.Protos {
				k.protos.set(p)
			}
			if cd.Not {
				k.protos = k.protos.not()
			}
		case FieldSrcPort, FieldDstPort:
			k.ports = cd.Ports
			if cd.Not {
				k.ports = k.ports.Complement()
			}
		case FieldCtState:
			k.states = cd.CtStates
			if cd.Not {
				k.states = ctAll &^ k.states
			}
		case FieldInIface, FieldOutIface:
			dir := "-i "
			if cd.Field == FieldOutIface {
				dir = "-o "
			}
			name := cd.Iface
			if cd.Not {
				dir = "! " + dir
			}
			// Flows come from and go to other hosts: never over loopback.
			if name == "lo" {
				if !cd.Not {
					cr.never = true
				}
				continue
			}
			k.iface, k.not = name, cd.Not
			k.ifaceText = dir + name
		case FieldFamily:
			// handled by cd.Family above
			continue
		case FieldTCPFlags:
			k.not, k.tcpMask, k.tcpComp = cd.Not, cd.TCPMask, cd.TCPComp
		case FieldSrcLocal, FieldDstLocal:
			k.not = cd.Not
			if local != nil { // the host's addresses are known: an address match
				set := local.Only(fam)
				if cd.Not {
					set = set.Complement(fam)
				}
				k.field, k.addrs = FieldSrcAddr, set
				if cd.Field == FieldDstLocal {
					k.field = FieldDstAddr
				}
			}
		default:
			cr.unknown = append(cr.unknown, "condition kind "+string(rune('0'+cd.Field)))
			continue
		}
		if !k.always {
			if k.field == FieldInIface || k.field == FieldOutIface {
				cr.conds = append(cr.conds, k)
				continue
			}
			cr.conds = append(cr.conds, k)
			switch k.field {
			case FieldSrcAddr:
				cr.hulls[hSrc] = cr.hulls[hSrc].and(addrHull(k.addrs))
			case FieldDstAddr:
				cr.hulls[hDst] = cr.hulls[hDst].and(addrHull(k.addrs))
			case FieldSrcPort:
				cr.hulls[hSport] = cr.hulls[hSport].and(portHull(k.ports))
			case FieldDstPort:
				cr.hulls[hDport] = cr.hulls[hDport].and(portHull(k.ports))
			}
		}
	}
	if r.Verdict.Kind == VerdictUnknown {
		reason := r.Verdict.Reason
		if reason == "" {
			reason = "unmodelled target"
		}
		cr.unknown = append(cr.unknown, reason)
		cr.unknownTarget = true
	}
	if r.Verdict.Kind == VerdictContinue {
		// A rule that only counts or logs cannot change a verdict, whatever
		// its unmodelled matches do.
		cr.unknown = nil
	}
	return cr
}

func (r *crule) label() string {
	if r.r.Label != "" {
		return r.r.Label
	}
	return "rule at " + r.r.Pos.String()
}

func (r *crule) unknownText() string { return strings.Join(r.unknown, "; ") }
