// What a judgement says: its outcome and the witness connections behind
// it.

package firewall

import (
	"net/netip"
	"slices"
	"strconv"

	"github.com/guardrail-monitoring/guardrail/internal/firewall/protocol"
)

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

// Merge combines the judgements of parts of one flow (services, families).
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
