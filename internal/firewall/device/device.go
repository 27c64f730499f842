// Package device holds what the firewall-device readers (ciscoacl, asa,
// awsnacl, ...) share: a device's interfaces (or zones) with the subnets
// of their addresses, the choice of a flow's ingress and egress from
// them, the notes on configuration lines a reader did not understand, and
// the bounded reading of a configuration file.
package device

import (
	"fmt"
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

// Interface is where packets enter or leave a device: an interface, or a
// zone of interfaces. Subnets are the networks of its addresses: a flow
// end whose addresses all fall into them is on this interface.
type Interface struct {
	Name    string
	Subnets firewall.AddrSet
	Line    int
}

// Path is the ingress (From, facing the flow's sources) and egress (To,
// facing its destinations) of a flow through a device.
type Path struct{ From, To string }

// Interfaces is the engine's view of a path.
func (p Path) Interfaces() firewall.Interfaces { return firewall.Interfaces{In: p.From, Out: p.To} }

// Of returns the one interface whose subnets hold all of s (the most
// specific one when subnets nest), or "" when none does.
func Of(ifaces []Interface, s firewall.AddrSet) string {
	var best *Interface
	for k := range ifaces {
		i := &ifaces[k]
		if s.IsEmpty() || i.Subnets.IsEmpty() || !s.Minus(i.Subnets).IsEmpty() {
			continue
		}
		if best == nil || narrower(i.Subnets, best.Subnets) {
			best = i
		}
	}
	if best == nil {
		return ""
	}
	return best.Name
}

func ifaceNamed(ifaces []Interface, name string) Interface {
	for _, i := range ifaces {
		if i.Name == name {
			return i
		}
	}
	return Interface{}
}

// narrower: a lies inside b and is not all of it.
func narrower(a, b firewall.AddrSet) bool {
	return a.Minus(b).IsEmpty() && !a.Equal(b)
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
			return p, fmt.Errorf("sources %s are not all inside one %s's subnets (name it with --from-%s)", src, what, flagWord(what))
		}
	}
	if p.To == "" {
		if p.To = Of(ifaces, dst); p.To == "" {
			return p, fmt.Errorf("destinations %s are not all inside one %s's subnets (name it with --to-%s)", dst, what, flagWord(what))
		}
	}
	if p.From == p.To && from == "" && to == "" && what == "interface" {
		return p, fmt.Errorf("sources and destinations are both on %s %s: the flow does not cross the device", what, p.From)
	}
	return p, nil
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
