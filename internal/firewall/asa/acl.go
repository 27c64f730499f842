package asa

import (
	"net/netip"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/ciscoacl"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
)

// accessList reads one access-list line.
func (c *Config) accessList(l device.Line) {
	w := l.Words
	name := w[1]
	rest := w[2:]
	insertAt := -1
	if len(rest) >= 2 && rest[0] == "line" {
		if n, ok := atoi(rest[1]); ok && n > 0 {
			insertAt = n - 1
		}
		rest = rest[2:]
	}
	if len(rest) == 0 {
		c.Notes.Add(l.N, true, "access-list without an entry")
		return
	}
	switch rest[0] {
	case "remark":
		return
	case "standard", "webtype", "ethertype":
		c.Notes.Add(l.N, false, rest[0]+" access lists do not filter IPv4 traffic through the ASA: not read")
		return
	case "extended":
		rest = rest[1:]
	case "permit", "deny":
	default:
		c.Notes.Add(l.N, true, "access-list form not read")
		return
	}
	a := c.ACLs[name]
	if a == nil {
		a = &ACL{Name: name, Line: l.N}
		c.ACLs[name] = a
	}
	e := &Entry{Line: l.N, Text: strings.Join(rest, " ")}
	if err := c.entry(e, rest); err != "" {
		e.Matches, e.Unknown = nil, err
		c.Notes.Add(l.N, true, err)
	}
	for _, u := range e.Unmodelled {
		c.Notes.Add(l.N, true, u+" is not modelled")
	}
	if e.Unknown == "inactive" {
		return // an inactive entry is off
	}
	if insertAt >= 0 && insertAt < len(a.Entries) {
		a.Entries = append(a.Entries[:insertAt], append([]*Entry{e}, a.Entries[insertAt:]...)...)
		return
	}
	a.Entries = append(a.Entries, e)
}

func atoi(s string) (int, bool) {
	n := 0
	if s == "" || len(s) > 9 {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

// entry reads "permit|deny PROTO SRC [PORT] DST [PORT] [options]".
func (c *Config) entry(e *Entry, w []string) string {
	if len(w) == 0 {
		return "entry without an action"
	}
	switch w[0] {
	case "permit":
		e.Permit = true
	case "deny":
	default:
		return "entry action not understood"
	}
	w = w[1:]
	if len(w) == 0 {
		return "entry without a protocol"
	}
	var svcs []device.Service
	literal := false
	switch w[0] {
	case "object-group", "object":
		if len(w) < 2 {
			return w[0] + " without a name"
		}
		r, err := c.svcObject(w[1], w[0] == "object-group")
		if err != "" {
			return err
		}
		if r.port {
			return "a port group where the protocol goes"
		}
		svcs, w = r.svcs, w[2:]
	default:
		ps, ok := protos(w[0])
		if !ok {
			return "protocol not understood"
		}
		svcs, w, literal = []device.Service{{Protos: ps}}, w[1:], true
	}
	for len(w) > 0 && (w[0] == "user" || w[0] == "user-group" || w[0] == "object-group-user" || w[0] == "security-group" || w[0] == "object-group-security") {
		if len(w) < 2 {
			return "identity match without a name"
		}
		e.Unmodelled = append(e.Unmodelled, "identity match "+w[0]+" "+w[1])
		w = w[2:]
		if len(w) > 0 && (w[0] == "name" || w[0] == "tag") && len(w) > 1 {
			w = w[1:]
		}
	}
	ported := literal && len(svcs[0].Protos) == 1 && firewall.HasPorts(svcs[0].Protos[0])
	src, n, err := c.address(w, e)
	if err != "" {
		return err
	}
	w = w[n:]
	sport, n, err := c.ports(w, ported, svcs)
	if err != "" {
		return "source " + err
	}
	w = w[n:]
	for len(w) > 0 && (w[0] == "security-group" || w[0] == "object-group-security") && len(w) > 1 {
		e.Unmodelled = append(e.Unmodelled, "identity match "+w[0]+" "+w[1])
		w = w[2:]
	}
	dst, n, err := c.address(w, e)
	if err != "" {
		return err
	}
	w = w[n:]
	dport, n, err := c.ports(w, ported, svcs)
	if err != "" {
		return "destination " + err
	}
	w = w[n:]
	isICMP := literal && len(svcs[0].Protos) == 1 && svcs[0].Protos[0] == firewall.ProtoICMP
	for i := 0; i < len(w); i++ {
		switch o := w[i]; {
		case o == "log":
			for i+1 < len(w) && (isLogArg(w[i+1])) {
				i++
				if w[i] == "interval" && i+1 < len(w) {
					i++
				}
			}
		case o == "inactive":
			e.Unknown = "inactive"
			return ""
		case o == "time-range" && i+1 < len(w):
			e.Unmodelled = append(e.Unmodelled, "time-range "+w[i+1])
			i++
		case isICMP && i == 0, isICMP && i == 1 && w[0] != "log":
			e.Unmodelled = append(e.Unmodelled, "ICMP type "+o)
		case o == "object-group" && isICMP && i+1 < len(w):
			e.Unmodelled = append(e.Unmodelled, "ICMP types "+w[i+1])
			i++
		default:
			return "entry option not understood"
		}
	}
	ms, unm := device.Matches(svcs, src, dst, sport, dport)
	e.Matches, e.Unmodelled = append(e.Matches, ms...), append(e.Unmodelled, unm...)
	return ""
}

func isLogArg(w string) bool {
	switch w {
	case "disable", "default", "interval", "emergencies", "alerts", "critical", "errors", "warnings", "notifications", "informational", "debugging":
		return true
	}
	_, ok := atoi(w)
	return ok
}

// address reads any, any4, any6, host A, A MASK, object O, object-group
// G, interface IF.
func (c *Config) address(w []string, e *Entry) (firewall.AddrSet, int, string) {
	if len(w) == 0 {
		return firewall.AddrSet{}, 0, "address missing"
	}
	switch w[0] {
	case "any", "any4":
		return all4, 1, ""
	case "any6":
		return firewall.AddrSet{}, 1, "" // no IPv4 address
	}
	if len(w) < 2 {
		if p, err := netip.ParsePrefix(w[0]); err == nil && p.Addr().Is6() {
			return firewall.AddrSet{}, 1, ""
		}
		return firewall.AddrSet{}, 0, "address not understood"
	}
	switch w[0] {
	case "host":
		a, err := netip.ParseAddr(w[1])
		if err != nil {
			return firewall.AddrSet{}, 0, "bad host address"
		}
		if !a.Is4() {
			return firewall.AddrSet{}, 2, ""
		}
		return firewall.AddrOf(a), 2, ""
	case "object", "object-group":
		s, u, err := c.netObject(w[1], w[0] == "object-group")
		if u != "" {
			e.Unmodelled = append(e.Unmodelled, u)
			if s.IsEmpty() {
				s = all4 // which addresses it holds is not known
			}
		}
		return s, 2, err
	case "interface":
		e.Unmodelled = append(e.Unmodelled, "the address of interface "+w[1])
		return all4, 2, ""
	}
	if p, err := netip.ParsePrefix(w[0]); err == nil && p.Addr().Is6() {
		return firewall.AddrSet{}, 1, ""
	}
	s, _, ok := parseNet(w[:2])
	if !ok {
		return firewall.AddrSet{}, 0, "address not understood"
	}
	return s, 2, ""
}

// ports reads a port match after an address: an operator for a literal
// tcp/udp entry, or object-group PORTGROUP.
func (c *Config) ports(w []string, ported bool, svcs []device.Service) (*firewall.PortSet, int, string) {
	if !ported || len(w) == 0 {
		return nil, 0, ""
	}
	if ciscoacl.IsPortOp(w[0]) {
		p, n, ok := ciscoacl.PortOp(w, svcs[0].Protos)
		if !ok {
			return nil, 0, "port not understood"
		}
		return &p, n, ""
	}
	if w[0] == "object-group" && len(w) >= 2 {
		g := c.groupsRaw[w[1]]
		if g == nil || g.kind != "service" || g.proto == "" {
			return nil, 0, "" // a network group: the next address
		}
		r, err := c.svcObject(w[1], true)
		if err != "" {
			return nil, 0, err
		}
		var s firewall.PortSet
		for _, sv := range r.svcs {
			if sv.DstPorts != nil {
				s = s.Union(*sv.DstPorts)
			}
		}
		return &s, 2, ""
	}
	return nil, 0, ""
}

// accessGroup reads "access-group NAME in|out interface IF" and
// "access-group NAME global".
func (c *Config) accessGroup(l device.Line) {
	w := l.Words
	switch {
	case len(w) == 3 && w[2] == "global":
		c.Groups = append(c.Groups, Binding{ACL: w[1], Line: l.N})
	case len(w) >= 5 && (w[2] == "in" || w[2] == "out") && w[3] == "interface":
		if len(w) > 5 && w[5] == "control-plane" {
			c.Notes.Add(l.N, false, "to-the-box (control-plane) access lists do not filter traffic through the ASA")
			return
		}
		if len(w) > 5 && w[5] != "per-user-override" {
			c.Notes.Add(l.N, true, "access-group option not read")
		}
		c.Groups = append(c.Groups, Binding{ACL: w[1], Out: w[2] == "out", Interface: w[4], Line: l.N})
	default:
		c.Notes.Add(l.N, true, "access-group form not read")
	}
}

// objectNAT reads the nat line of an object network.
func (c *Config) objectNAT(b block) {
	name := b.head.Words[2]
	for _, l := range b.body {
		w := l.Words
		if w[0] != "nat" {
			continue
		}
		_, mapped, ok := natIfaces(w)
		if !ok || len(w) < 3 {
			c.Notes.Add(l.N, true, "object NAT form not read")
			continue
		}
		switch w[2] {
		case "dynamic":
			continue // sources only: access lists see real addresses anyway
		case "static":
		default:
			c.Notes.Add(l.N, true, "object NAT form not read")
			continue
		}
		n := &NAT{Line: l.N, Text: "object " + name + ": " + l.Text(), Section: 2, In: mapped}
		addrs, u, err := c.netObject(name, false)
		n.Real = addrs
		if err != "" || u != "" {
			n.Unmodelled = err + u
		}
		if len(w) < 4 {
			c.Notes.Add(l.N, true, "static NAT without a mapped address")
			continue
		}
		switch {
		case w[3] == "interface":
			n.Unmodelled = "mapped to the interface's address"
		default:
			if a, err := netip.ParseAddr(w[3]); err == nil && a.Is4() {
				n.Mapped = firewall.AddrOf(a)
			} else {
				m, u, err := c.netObject(w[3], false)
				n.Mapped = m
				if err != "" || u != "" {
					n.Unmodelled = err + u
				}
			}
		}
		rest := w[4:]
		for i := 0; i < len(rest); i++ {
			switch rest[i] {
			case "net-to-net", "dns", "no-proxy-arp", "route-lookup":
			case "service":
				if i+3 >= len(rest) {
					n.Unmodelled = "NAT service form"
					break
				}
				ps, ok := protos(rest[i+1])
				rp, ok1 := ciscoacl.PortNumber(rest[i+2], ps)
				mp, ok2 := ciscoacl.PortNumber(rest[i+3], ps)
				if !ok || !ok1 || !ok2 || len(ps) != 1 {
					n.Unmodelled = "NAT service form"
				} else {
					n.Proto, n.RealPort, n.MappedPort = ps[0], rp, mp
				}
				i += 3
			default:
				n.Unmodelled = "NAT option " + rest[i]
			}
		}
		c.addNAT(n)
	}
}

func natIfaces(w []string) (real, mapped string, ok bool) {
	if len(w) < 2 || !strings.HasPrefix(w[1], "(") || !strings.HasSuffix(w[1], ")") {
		return "", "", false
	}
	parts := strings.Split(strings.Trim(w[1], "()"), ",")
	if len(parts) != 2 {
		return "", "", false
	}
	real, mapped = parts[0], parts[1]
	if real == "any" {
		real = ""
	}
	if mapped == "any" {
		mapped = ""
	}
	return real, mapped, true
}

// twiceNAT reads "nat (real,mapped) [after-auto] source static|dynamic
// REAL MAPPED [destination static MAPPED_DST REAL_DST] [service ...]".
func (c *Config) twiceNAT(l device.Line) {
	w := l.Words
	real, mapped, ok := natIfaces(w)
	if !ok {
		c.Notes.Add(l.N, true, "NAT form not read")
		return
	}
	rest := w[2:]
	section := 1
	if len(rest) > 0 && rest[0] == "after-auto" {
		section, rest = 3, rest[1:]
	}
	if len(rest) < 4 || rest[0] != "source" {
		c.Notes.Add(l.N, true, "NAT form not read")
		return
	}
	kind := rest[1]
	srcReal, srcMapped := rest[2], rest[3]
	rest = rest[4:]
	var dstMapped, dstReal string
	unidirectional := false
	var unm []string
	for i := 0; i < len(rest); i++ {
		switch rest[i] {
		case "destination":
			if i+3 < len(rest) && rest[i+1] == "static" {
				dstMapped, dstReal = rest[i+2], rest[i+3]
				i += 3
			} else {
				unm = append(unm, "NAT destination form")
				i = len(rest)
			}
		case "service":
			unm = append(unm, "NAT service translation")
			i += 2
		case "unidirectional":
			unidirectional = true
		case "inactive":
			return
		case "net-to-net", "dns", "no-proxy-arp", "route-lookup", "extended", "flat", "include-reserve", "round-robin", "block-allocation":
		case "interface", "pat-pool":
			if kind == "static" {
				unm = append(unm, "NAT to an interface or pool")
			}
		default:
			unm = append(unm, "NAT option "+rest[i])
		}
	}
	text := l.Text()
	obj := func(name string) (firewall.AddrSet, string) {
		if name == "any" {
			return all4, ""
		}
		s, u, err := c.netObject(name, false)
		if err != "" {
			s, u, err = c.netObject(name, true)
		}
		return s, err + u
	}
	unmodelled := strings.Join(unm, "; ")
	if kind == "static" && !unidirectional {
		// Connections from the mapped side to the mapped address reach
		// the real one (static NAT is bidirectional).
		n := &NAT{Line: l.N, Text: text, Section: section, In: mapped, Unmodelled: unmodelled}
		var e1, e2 string
		n.Real, e1 = obj(srcReal)
		n.Mapped, e2 = obj(srcMapped)
		n.Src = all4
		if dstMapped != "" {
			var e3 string
			n.Src, e3 = obj(dstReal)
			e1 += e3
		}
		if e1+e2 != "" && n.Unmodelled == "" {
			n.Unmodelled = e1 + e2
		}
		c.addNAT(n)
	}
	if dstMapped != "" {
		// Connections from the real side's sources to the mapped
		// destination reach its real address.
		n := &NAT{Line: l.N, Text: text, Section: section, In: real, Unmodelled: unmodelled}
		var e1, e2, e3 string
		n.Src, e1 = obj(srcReal)
		n.Mapped, e2 = obj(dstMapped)
		n.Real, e3 = obj(dstReal)
		if e1+e2+e3 != "" && n.Unmodelled == "" {
			n.Unmodelled = e1 + e2 + e3
		}
		c.addNAT(n)
	}
	if kind != "static" && kind != "dynamic" {
		c.Notes.Add(l.N, true, "NAT kind not read")
	}
}

func (c *Config) addNAT(n *NAT) {
	if n.Unmodelled != "" {
		c.Notes.Add(n.Line, true, n.Unmodelled+" is not modelled")
	}
	c.NATs = append(c.NATs, n)
}
