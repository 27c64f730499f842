package ciscoacl

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
)

// netGroup resolves a network object group once.
func (c *Config) netGroup(name string) (firewall.AddrSet, string) {
	raw := c.netRaw[name]
	if raw == nil {
		return firewall.AddrSet{}, "network object-group " + name + " is not defined"
	}
	return c.nets.Resolve(name, "object-group "+name+" contains itself", func() (firewall.AddrSet, string) { return c.resolveNet(name, raw) })
}

// resolveNet is netGroup's first answer for name, defined by raw.
func (c *Config) resolveNet(name string, raw *rawGroup) (firewall.AddrSet, string) {
	var addrs firewall.AddrSet
	for _, l := range raw.body {
		w := l.Words
		var s firewall.AddrSet
		err := ""
		switch {
		case w[0] == "description":
			continue
		case w[0] == "host" && len(w) == 2:
			a, e := netip.ParseAddr(w[1])
			if e != nil || !a.Is4() {
				err = fmt.Sprintf("object-group %s line %d: bad host address", name, l.N)
			} else {
				s = firewall.AddrOf(a)
			}
		case w[0] == "any" && len(w) == 1:
			s = all4
		case w[0] == "group-object" && len(w) == 2:
			s, err = c.netGroup(w[1])
		case w[0] == "range" && len(w) == 3:
			a, e1 := netip.ParseAddr(w[1])
			b, e2 := netip.ParseAddr(w[2])
			var e3 error
			if e1 == nil && e2 == nil && a.Is4() && b.Is4() {
				s, e3 = firewall.RangeSet(a, b)
			}
			if e1 != nil || e2 != nil || e3 != nil || !a.Is4() || !b.Is4() {
				err = fmt.Sprintf("object-group %s line %d: bad range", name, l.N)
			}
		case len(w) == 1 && strings.Contains(w[0], "/"):
			p, e := netip.ParsePrefix(w[0])
			if e != nil || !p.Addr().Is4() {
				err = fmt.Sprintf("object-group %s line %d: bad prefix", name, l.N)
			} else {
				s = firewall.PrefixSet(p.Masked())
			}
		case len(w) == 2:
			a, e1 := netip.ParseAddr(w[0])
			m, e2 := netip.ParseAddr(w[1])
			bits, ok := 0, false
			if e1 == nil && e2 == nil && a.Is4() && m.Is4() {
				bits, ok = device.MaskBits(m)
			}
			if !ok {
				err = fmt.Sprintf("object-group %s line %d: bad network", name, l.N)
			} else {
				s = firewall.PrefixSet(netip.PrefixFrom(a, bits).Masked())
			}
		default:
			err = fmt.Sprintf("object-group %s line %d: entry not understood", name, l.N)
		}
		if err != "" {
			return firewall.AddrSet{}, err
		}
		addrs = addrs.Union(s)
	}
	return addrs, ""
}

// svcGroup resolves a service object group once.
func (c *Config) svcGroup(name string) ([]device.Service, string) {
	raw := c.svcRaw[name]
	if raw == nil {
		return nil, "service object-group " + name + " is not defined"
	}
	return c.svcs.Resolve(name, "object-group "+name+" contains itself", func() ([]device.Service, string) { return c.resolveSvc(name, raw) })
}

// resolveSvc is svcGroup's first answer for name, defined by raw.
func (c *Config) resolveSvc(name string, raw *rawGroup) ([]device.Service, string) {
	var svcs []device.Service
	fail := func(l device.Line, what string) ([]device.Service, string) {
		return nil, fmt.Sprintf("object-group %s line %d: %s", name, l.N, what)
	}
	for _, l := range raw.body {
		w := l.Words
		switch w[0] {
		case "description":
			continue
		case "group-object":
			if len(w) != 2 {
				return fail(l, "group-object without a name")
			}
			s, err := c.svcGroup(w[1])
			if err != "" {
				return nil, err
			}
			svcs = append(svcs, s...)
			continue
		}
		var protos []uint8
		switch w[0] {
		case "tcp-udp":
			protos = []uint8{firewall.ProtoTCP, firewall.ProtoUDP}
		default:
			p, ok := proto(w[0])
			if !ok {
				return fail(l, "protocol not understood")
			}
			protos = p
		}
		s := device.Service{Protos: protos}
		rest := w[1:]
		ported := protos != nil && firewall.HasPorts(protos[0])
		if ported && len(rest) > 0 && rest[0] == "source" {
			p, n, ok := PortOp(rest[1:], protos)
			if !ok {
				return fail(l, "source port not understood")
			}
			s.SrcPorts, rest = &p, rest[1+n:]
		}
		if ported && len(rest) > 0 {
			p, n, ok := PortOp(rest, protos)
			if !ok {
				return fail(l, "port not understood")
			}
			s.DstPorts, rest = &p, rest[n:]
		}
		if len(rest) > 0 {
			if len(protos) == 1 && protos[0] == firewall.ProtoICMP {
				s.Unmodelled = "ICMP type " + strings.Join(rest, " ")
			} else {
				return fail(l, "entry not understood")
			}
		}
		svcs = append(svcs, s)
	}
	return svcs, ""
}
