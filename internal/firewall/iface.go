// Interface conditions: which side of the host an interface faces, and
// the assumptions made when the flows' interfaces are not known.

package firewall

import (
	"strings"
)

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
