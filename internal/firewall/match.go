// Matching one rule against a piece: which part of the piece the rule's
// conditions hold for.

package firewall

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
