// Package firewall is the packet-space engine of check_firewall_flows: one
// model of a host's packet filter (Ruleset) that the iptables, nftables and
// AWS security-group readers all produce, and an evaluator that decides, over
// address and port intervals rather than samples, whether declared flows get
// through.
//
// The model is deliberately close to the kernel's netfilter: tables hold
// chains; base chains hang on a hook with a priority and a policy; rules are
// evaluated first-match with accept/drop/reject, jump/goto/return and DNAT.
// What a reader cannot express here it marks as unmodelled, so that the
// verdicts it could change become "unknown" instead of a guess.
//
// Stability: readers in other packages build these types. Changes are
// additive only (new fields, new constants); existing meanings stay.
package firewall

import (
	"fmt"
	"net/netip"
)

// Pos is where a rule or chain was read from, for messages.
type Pos struct {
	File string
	Line int // 1-based; 0 when unknown
}

func (p Pos) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return p.File
}

// Family is the address family of packets, tables and conditions.
type Family uint8

const (
	// FamilyAny: a table of this family sees IPv4 and IPv6 packets (nft
	// "inet", AWS security groups); a condition with it applies to both.
	FamilyAny  Family = 0
	FamilyIPv4 Family = 4
	FamilyIPv6 Family = 6
)

func (f Family) String() string {
	switch f {
	case FamilyIPv4:
		return "ipv4"
	case FamilyIPv6:
		return "ipv6"
	}
	return "any"
}

// Sees reports whether a table or condition of family f applies to a packet
// of family pkt.
func (f Family) Sees(pkt Family) bool { return f == FamilyAny || f == pkt }

// Hook is a netfilter hook.
type Hook uint8

const (
	HookNone Hook = iota // a user (regular) chain, reached only by jump/goto
	HookPrerouting
	HookInput
	HookForward
	HookOutput
	HookPostrouting
)

var hookNames = [...]string{"", "prerouting", "input", "forward", "output", "postrouting"}

func (h Hook) String() string {
	if int(h) < len(hookNames) {
		return hookNames[h]
	}
	return fmt.Sprintf("hook(%d)", uint8(h))
}

// ParseHook reads "input", "forward", "output", "prerouting", "postrouting"
// (case-insensitive, as iptables' INPUT/FORWARD/OUTPUT chains too).
func ParseHook(s string) (Hook, bool) {
	for i, n := range hookNames {
		if i > 0 && equalFold(n, s) {
			return Hook(i), true
		}
	}
	return HookNone, false
}

// ChainType is what a base chain may do: nat chains see only the first packet
// of a connection and may DNAT; filter and route chains see every packet.
type ChainType uint8

const (
	ChainFilter ChainType = iota
	ChainNAT
	ChainRoute // iptables mangle OUTPUT / nft "type route"; filters like ChainFilter
)

// Usual base-chain priorities (lower runs first), as the kernel orders them.
// iptables-save readers use these for raw, mangle, nat, filter and security.
const (
	PriorityRaw      = -300
	PriorityMangle   = -150
	PriorityDstNAT   = -100
	PriorityFilter   = 0
	PrioritySecurity = 50
	PrioritySrcNAT   = 100
)

// Ruleset is one host's (or one security-group set's) packet filter.
type Ruleset struct {
	// Source names what was read ("iptables-save rules.v4", "nft -j list ruleset").
	Source string
	Tables []*Table
	// Sets are named address sets (ipset save, nft named sets) that
	// Cond.SetName refers to. A name missing here makes the rules that use it
	// unknown (for example ipsets when no --ipset file was given).
	Sets map[string]*Set
	// Stateless: no connection tracking (for example AWS network ACLs); replies
	// are judged only by explicit rules. False for iptables, nftables and
	// security groups, whose replies depend on conntrack state conditions
	// (security groups: readers add an "established accept" rule).
	Stateless bool
	// Families are the packet families this ruleset describes (an
	// iptables-save file is IPv4 only, ip6tables-save IPv6 only); empty means
	// both. Connections of a family not described are unknown, not open.
	Families []Family
}

// Describes reports whether the ruleset says anything about packets of f.
func (rs *Ruleset) Describes(f Family) bool {
	if len(rs.Families) == 0 {
		return true
	}
	for _, g := range rs.Families {
		if g == FamilyAny || g == f {
			return true
		}
	}
	return false
}

// Table is a netfilter table: iptables filter/nat/mangle/raw of one family,
// or an nft table of a family.
type Table struct {
	Family Family
	Name   string
	Chains []*Chain
	Pos    Pos
}

// Chain is a base chain (Hook != HookNone) or a user chain.
type Chain struct {
	Name     string
	Hook     Hook
	Type     ChainType
	Priority int
	// Policy is the verdict when a base chain's rules fall through: Accept or
	// Drop. Ignored for user chains (falling off one returns to the caller).
	Policy VerdictKind
	Rules  []*Rule
	Pos    Pos
}

// Rule is one rule: all Conds must hold for the rule to match; then Verdict
// applies (VerdictContinue: the rule only counts or logs, evaluation goes on).
type Rule struct {
	// Label is for people: "filter FORWARD rule 3: -A FORWARD -s 10.0.0.0/8
	// -p tcp --dport 443 -j ACCEPT" or the nft rule text.
	Label   string
	Pos     Pos
	Conds   []Cond
	Verdict Verdict
	// Unmodelled names the matches this rule uses that the engine does not
	// understand (e.g. "-m recent", "-m string"). Where the modelled Conds
	// hold, whether the rule matches is unknown, so any verdict that depends
	// on it is reported unknown, listing these. A rule with VerdictContinue
	// and only unmodelled matches has no effect and is harmless.
	Unmodelled []string
}

// Field is what a condition looks at.
type Field uint8

const (
	FieldSrcAddr Field = iota + 1
	FieldDstAddr
	FieldProto   // Protos
	FieldSrcPort // Ports; never matches protocols without ports
	FieldDstPort // Ports; never matches protocols without ports
	FieldCtState // CtStates
	FieldInIface // Iface
	FieldOutIface
	FieldFamily // only Family: e.g. nft "meta nfproto ipv4"
	// FieldSrcLocal/FieldDstLocal: the address is one of this host's
	// (iptables -m addrtype --src-type/--dst-type LOCAL, nft fib ... type
	// local). The engine knows it from the hook: a forwarded packet has
	// neither, an input one a local destination, an output one a local source.
	FieldSrcLocal
	FieldDstLocal
	// FieldTCPFlags: (flags & Mask) == Comp, as iptables --tcp-flags and nft
	// "tcp flags & (syn|ack) == syn". The engine judges it on the packets a
	// connection is made of: SYN; SYN-ACK, ACK, PSH-ACK; FIN-ACK.
	FieldTCPFlags
)

// TCP flag bits.
const (
	TCPFin uint8 = 1 << iota
	TCPSyn
	TCPRst
	TCPPsh
	TCPAck
	TCPUrg
)

// Cond is one match condition of a rule. Exactly the members for its Field
// are used. Not inverts the match; but a condition with Family set never
// matches a packet of the other family, Not or not (as "ip saddr != x" does
// not match IPv6 packets in nft, and iptables tables are single-family).
//
// Readers express protocol-specific port matches as two conditions: e.g.
// "tcp dport 443" is {FieldProto tcp} and {FieldDstPort 443}.
type Cond struct {
	Field  Field
	Not    bool
	Family Family

	// FieldSrcAddr/FieldDstAddr: either Addrs, or SetName (a named set in
	// Ruleset.Sets, e.g. "-m set --match-set NAME src").
	Addrs   AddrSet
	SetName string

	Protos []uint8 // FieldProto: IP protocol numbers (ProtoTCP, ...)

	Ports PortSet // FieldSrcPort/FieldDstPort

	CtStates CtState // FieldCtState: matches when the packet's state is in the set

	// FieldTCPFlags: the flags under Mask must equal Comp.
	TCPMask, TCPComp uint8

	// FieldInIface/FieldOutIface: an interface name, "+" suffix a prefix
	// wildcard as in iptables. Flows say nothing about interfaces, so the
	// engine assumes such conditions hold and reports the assumption.
	Iface string
}

// IP protocol numbers used by the readers and flows.
const (
	ProtoICMP   uint8 = 1
	ProtoTCP    uint8 = 6
	ProtoUDP    uint8 = 17
	ProtoICMPv6 uint8 = 58
	ProtoSCTP   uint8 = 132
)

// HasPorts reports whether packets of protocol p carry ports.
func HasPorts(p uint8) bool {
	return p == ProtoTCP || p == ProtoUDP || p == ProtoSCTP || p == 33 /* dccp */ || p == 136 /* udplite */
}

// CtState is a set of conntrack states (bit set).
type CtState uint8

const (
	CtNew CtState = 1 << iota
	CtEstablished
	CtRelated
	CtInvalid
	CtUntracked
	CtDNAT // ctstatus/ctstate DNAT: the connection was destination-NATed
	CtSNAT
)

// Set is a named set of addresses (an ipset, an nft named set).
type Set struct {
	Name  string
	Addrs AddrSet
	// Unmodelled, when not empty, says why the set cannot be used (e.g.
	// "ipset type hash:ip,port"); rules using it become unknown.
	Unmodelled string
	Pos        Pos
}

// VerdictKind is what a matching rule does.
type VerdictKind uint8

const (
	VerdictContinue VerdictKind = iota // LOG, counter, MARK...: go on with the next rule
	VerdictAccept
	VerdictDrop
	VerdictReject
	VerdictJump   // Chain: call the user chain, come back on return/fall-through
	VerdictGoto   // Chain: like jump, but return goes to the caller's caller
	VerdictReturn // back to the calling chain; in a base chain: the policy
	VerdictDNAT   // rewrite the destination (nat chains), then accept
	VerdictUnknown
)

var verdictNames = [...]string{"continue", "accept", "drop", "reject", "jump", "goto", "return", "dnat", "unknown"}

func (k VerdictKind) String() string {
	if int(k) < len(verdictNames) {
		return verdictNames[k]
	}
	return fmt.Sprintf("verdict(%d)", uint8(k))
}

// Verdict is a rule's target.
type Verdict struct {
	Kind  VerdictKind
	Chain string // Jump, Goto: a chain of the same table

	// DNAT: the new destination. An invalid ToAddr keeps the address (port
	// redirection only); ToPorts empty keeps the port. A range of addresses
	// or ports is allowed (the kernel picks one; the engine requires all to
	// work).
	ToAddrs AddrSet
	ToPorts PortSet

	// Unknown: the target the engine does not model (e.g. "-j NFQUEUE").
	Reason string
}

// Convenience constructors for readers and tests.

// Accept, Drop, Reject, Continue, Return are the plain verdicts.
var (
	Accept   = Verdict{Kind: VerdictAccept}
	Drop     = Verdict{Kind: VerdictDrop}
	Reject   = Verdict{Kind: VerdictReject}
	Continue = Verdict{Kind: VerdictContinue}
	Return   = Verdict{Kind: VerdictReturn}
)

// Jump and Goto call user chain name.
func Jump(name string) Verdict { return Verdict{Kind: VerdictJump, Chain: name} }
func Goto(name string) Verdict { return Verdict{Kind: VerdictGoto, Chain: name} }

// UnknownTarget is a target the engine does not model.
func UnknownTarget(reason string) Verdict { return Verdict{Kind: VerdictUnknown, Reason: reason} }

// SrcAddrs, DstAddrs, Protos, DstPorts, SrcPorts, CtStates build conditions.
func SrcAddrs(s AddrSet) Cond        { return Cond{Field: FieldSrcAddr, Addrs: s} }
func DstAddrs(s AddrSet) Cond        { return Cond{Field: FieldDstAddr, Addrs: s} }
func Protos(p ...uint8) Cond         { return Cond{Field: FieldProto, Protos: p} }
func DstPorts(s PortSet) Cond        { return Cond{Field: FieldDstPort, Ports: s} }
func SrcPorts(s PortSet) Cond        { return Cond{Field: FieldSrcPort, Ports: s} }
func CtStates(s CtState) Cond        { return Cond{Field: FieldCtState, CtStates: s} }
func Negate(c Cond) Cond             { c.Not = !c.Not; return c }
func InFamily(c Cond, f Family) Cond { c.Family = f; return c }

// Chain returns the chain called name, or nil.
func (t *Table) Chain(name string) *Chain {
	for _, c := range t.Chains {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Addr helpers used by readers.

// MustPrefixSet is for tests and constants: the set of the given CIDRs or
// addresses; it panics on a malformed literal.
func MustPrefixSet(cidrs ...string) AddrSet {
	var s AddrSet
	for _, c := range cidrs {
		p, err := ParsePrefixOrAddr(c)
		if err != nil {
			panic(err)
		}
		s = s.Union(PrefixSet(p))
	}
	return s
}

// ParsePrefixOrAddr reads "10.0.0.0/8", "10.1.2.3" or "2001:db8::/32". Host
// bits set under the mask are cleared (iptables does the same).
func ParsePrefixOrAddr(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("bad address %q", s)
	}
	if a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("bad address %q: zones are not allowed", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
