// A piece is a box of the flow space that the engine carries through the
// chains; boxMinus and lower cut and order them.

package firewall

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
