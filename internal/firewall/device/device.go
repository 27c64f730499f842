// Package device holds what the firewall-device readers (ciscoacl, asa,
// fortios, panos, srx, awsnacl, ...) share: a device's interfaces (or
// zones) with the subnets of their addresses, the choice of a flow's
// ingress and egress from them, the notes on configuration lines a reader
// did not understand, the bounded reading of a configuration file, the
// resolution of named address and service groups once each (Memo), the
// services and access-list matches they resolve to, and the frame of a
// device's model (its ruleset, stateful first rule and engine on a path).
// What a vendor's configuration means stays in its reader.
package device

import (
	"fmt"
	"iter"
	"net/netip"
	"sort"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// MaxConfig bounds a device configuration as read; MaxLine one of its lines.
const (
	MaxConfig = 64 << 20
	MaxLine   = 1 << 20
)

// ReadFile reads a device configuration of the given kind ("Cisco IOS
// config", ...) within MaxConfig bytes.
func ReadFile(kind, path string) ([]byte, error) {
	return located.ReadFile(path, located.Limit{Kind: kind, Bytes: MaxConfig})
}

// ReadConfig reads a device configuration of the given kind within
// MaxConfig bytes and parses it with the reader's read (its Read), so
// that every reader's ReadFile is this one call.
func ReadConfig[C any](kind, path string, read func(file string, data []byte) (C, error)) (C, error) {
	data, err := ReadFile(kind, path)
	if err != nil {
		var none C
		return none, err
	}
	return read(path, data)
}

// Interface is where packets enter or leave a device: an interface, or a
// zone of interfaces. Routes are the networks reached through it: the
// subnets of its addresses and the static routes that name it (or a next
// hop in its subnets).
type Interface struct {
	Name   string
	Routes []netip.Prefix
	Line   int
}

// Routed is a reader's interface or zone: Routed is it as path selection
// sees it.
type Routed interface{ Routed() Interface }

// Interfaces are a reader's interfaces or zones as path selection sees
// them.
func Interfaces[R Routed](items []R) []Interface {
	var out []Interface
	for _, i := range items {
		out = append(out, i.Routed())
	}
	return out
}

// Path is the ingress (From, facing the flow's sources) and egress (To,
// facing its destinations) of a flow through a device.
type Path struct{ From, To string }

// Interfaces is the engine's view of a path.
func (p Path) Interfaces() firewall.Interfaces { return firewall.Interfaces{In: p.From, Out: p.To} }

// Of returns the one interface all addresses of s are routed through
// (each address by its longest matching route), or "" when they are not
// all routed, or not all through one interface.
func Of(ifaces []Interface, s firewall.AddrSet) string {
	type route struct {
		p    netip.Prefix
		name string
	}
	var routes []route
	for _, i := range ifaces {
		for _, p := range i.Routes {
			routes = append(routes, route{p, i.Name})
		}
	}
	sort.SliceStable(routes, func(a, b int) bool { return routes[a].p.Bits() > routes[b].p.Bits() })
	rest, name := s, ""
	for _, r := range routes {
		if rest.IsEmpty() {
			break
		}
		part := rest.Intersect(firewall.PrefixSet(r.p))
		if part.IsEmpty() {
			continue
		}
		if name != "" && name != r.name {
			return ""
		}
		name, rest = r.name, rest.Minus(part)
	}
	if !rest.IsEmpty() {
		return ""
	}
	return name
}

// OfTranslated is Of for a device that routes after destination NAT:
// addresses s that one of nats (external, internal addresses, in order)
// maps whole are on the interface of its internal addresses, when they
// have one; other addresses are where Of puts them.
func OfTranslated(ifaces []Interface, s firewall.AddrSet, nats iter.Seq2[firewall.AddrSet, firewall.AddrSet]) string {
	for ext, internal := range nats {
		if !ext.IsEmpty() && s.Minus(ext).IsEmpty() {
			if i := Of(ifaces, internal); i != "" {
				return i
			}
		}
	}
	return Of(ifaces, s)
}

// Router is Of for firewall.Engine.SetRouter.
func Router(ifaces []Interface) func(firewall.AddrSet) string {
	return func(s firewall.AddrSet) string { return Of(ifaces, s) }
}

// Select chooses a flow's path: the named interfaces when given (they must
// exist), else the interfaces whose subnets hold the flow's sources and
// destinations. A flow whose ends do not fall into two distinct
// interfaces is an error that says so (the device does not forward it, or
// the config does not say where it goes).
func Select(ifaces []Interface, what string, from, to string, src, dst firewall.AddrSet) (Path, error) {
	p := Path{From: from, To: to}
	for _, n := range []*string{&p.From, &p.To} {
		if *n != "" && ifaceNamed(ifaces, *n).Name == "" {
			return p, fmt.Errorf("no %s %q in the config (have %s)", what, *n, names(ifaces))
		}
	}
	if p.From == "" {
		if p.From = Of(ifaces, src); p.From == "" {
			return p, fmt.Errorf("sources %s are not all routed through one %s (name it with --from-%s)", src, what, flagWord(what))
		}
	}
	if p.To == "" {
		if p.To = Of(ifaces, dst); p.To == "" {
			return p, fmt.Errorf("destinations %s are not all routed through one %s (name it with --to-%s)", dst, what, flagWord(what))
		}
	}
	if p.From == p.To && from == "" && to == "" && what == "interface" {
		return p, fmt.Errorf("sources and destinations are both on %s %s: the flow does not cross the device", what, p.From)
	}
	return p, nil
}

// SelectRouted is Select with the reader's own routing of destinations
// (route: where a destination NAT sends them): an unnamed egress is the
// interface route gives the destinations. Between interfaces (not zones,
// where a zone to itself is a path), a flow with neither side named whose
// ends are on one interface is an error: it does not cross the firewall.
func SelectRouted(ifaces []Interface, what string, from, to string, src, dst firewall.AddrSet, route func(firewall.AddrSet) string) (Path, error) {
	given := from != "" || to != ""
	if to == "" {
		to = route(dst)
	}
	if what == "interface" && !given {
		if f := Of(ifaces, src); f != "" && f == to {
			return Path{From: f, To: to}, fmt.Errorf("sources and destinations are both on interface %s: the flow does not cross the firewall", f)
		}
	}
	return Select(ifaces, what, from, to, src, dst)
}

func flagWord(what string) string {
	if what == "zone" {
		return "zone"
	}
	return "interface"
}

func names(ifaces []Interface) string {
	var n []string
	for _, i := range ifaces {
		n = append(n, i.Name)
	}
	sort.Strings(n)
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}

// Note is a configuration line a reader did not understand. Affects says
// whether it could change a verdict: the rules it belongs to are then
// unmodelled, so the verdicts that depend on them are unknown; a note that
// cannot (a line outside filtering, such as routing or management) is only
// reported.
type Note struct {
	Line    int
	Affects bool
	Msg     string
}

func (n Note) String() string {
	effect := "cannot change a verdict"
	if n.Affects {
		effect = "verdicts that depend on it are unknown"
	}
	return fmt.Sprintf("line %d: %s (%s)", n.Line, n.Msg, effect)
}

// Notes are a configuration's notes; a reader adds them as it goes and
// sorts them once at the end.
type Notes []Note

// Add notes line: affects says whether it could change a verdict.
func (ns *Notes) Add(line int, affects bool, msg string) {
	*ns = append(*ns, Note{Line: line, Affects: affects, Msg: msg})
}

// Sort puts the notes in line order.
func (ns Notes) Sort() {
	sort.Slice(ns, func(i, j int) bool { return ns[i].Line < ns[j].Line })
}

func ifaceNamed(ifaces []Interface, name string) Interface {
	if name == "" {
		return Interface{}
	}
	for _, i := range ifaces {
		if i.Name == name {
			return i
		}
	}
	return Interface{}
}
