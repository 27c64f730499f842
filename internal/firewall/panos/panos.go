// Package panos reads a PAN-OS XML configuration (as exported: the
// device's config, one vsys) into the firewall model: zones and their
// interfaces' addresses and static routes (for the path), addresses and
// address groups (static; nested, resolved once each), services and
// service groups, the security rulebase (zones, negated addresses,
// services, actions, rule types) with the intrazone-allow and
// interzone-deny defaults, and destination NAT as PAN-OS evaluates it for
// security rules: pre-NAT addresses and ports, post-NAT destination zone.
//
// Rules whose match depends on App-ID (an application other than any, or
// the service application-default), users, schedules, URL categories or
// dynamic groups are unmodelled: a verdict that depends on them is
// unknown, naming the dependence, never a guess. PAN-OS is stateful.
package panos

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Kind names this input in errors.
const Kind = "PAN-OS config"

// Config is one vsys of a PAN-OS configuration.
type Config struct {
	File  string
	Zones []*Zone
	Rules []*Rule
	NATs  []*NAT
	Notes device.Notes
	// Defaults: the actions of intrazone-default (allow) and
	// interzone-default (deny), or their overrides.
	IntrazoneAllow, InterzoneAllow bool

	scopes    []*node // vsys, then shared
	addrMemo  device.Memo[device.Addresses]
	svcMemo   device.Memo[[]service]
	ifaceNets map[string][]netip.Prefix
}

// Zone is a security zone with the networks routed through its
// interfaces.
type Zone struct {
	Name       string
	Line       int
	Interfaces []string
	Routes     []netip.Prefix
}

// Rule is one security rule.
type Rule struct {
	Name                 string
	Line                 int
	From, To             []string // zones; nil any
	Src, Dst             firewall.AddrSet
	NegateSrc, NegateDst bool
	Services             []service // nil with AnyService
	AnyService           bool
	Action               string
	Type                 string // universal, intrazone, interzone
	Disabled             bool
	Unmodelled           []string
	Unknown              string
}

// NAT is a destination NAT rule: connections to Original (from the From
// zones) are judged in the zone of Translated.
type NAT struct {
	Name       string
	Line       int
	From       []string
	Src        firewall.AddrSet
	Original   firewall.AddrSet
	Ports      *firewall.PortSet // the NAT rule's service; nil any
	Translated firewall.AddrSet
	Unmodelled string
}

type service struct {
	proto              uint8
	srcPorts, dstPorts *firewall.PortSet
}

var all4 = firewall.AllAddrs(firewall.FamilyIPv4)

// ReadFile reads and parses a PAN-OS configuration, bounded in bytes.
func ReadFile(path string) (*Config, error) { return device.ReadConfig(Kind, path, Read) }

// Read parses a PAN-OS XML configuration.
func Read(file string, data []byte) (*Config, error) {
	root, err := parseXML(file, data)
	if err != nil {
		return nil, err
	}
	if root.tag != "config" {
		return nil, &located.Error{Kind: Kind, File: file, Msg: "not a PAN-OS configuration: the document is not a <config>"}
	}
	dev := root.path("devices").entries()
	if len(dev) != 1 {
		return nil, &located.Error{Kind: Kind, File: file, Key: "config.devices", Msg: "want one device entry"}
	}
	vsys := dev[0].path("vsys").entries()
	if len(vsys) != 1 {
		return nil, &located.Error{Kind: Kind, File: file, Key: "config.devices.entry.vsys", Msg: fmt.Sprintf("want one vsys, have %d", len(vsys))}
	}
	v := vsys[0]
	c := &Config{File: file, IntrazoneAllow: true, scopes: []*node{v, root.child("shared")},
		addrMemo: device.Memo[device.Addresses]{}, svcMemo: device.Memo[[]service]{}, ifaceNets: map[string][]netip.Prefix{}}
	// Interface addresses: any entry named like an interface holding
	// <ip><entry name="A/len"/></ip>.
	if ifs := dev[0].path("network/interface"); ifs != nil {
		ifs.walk(func(n *node) {
			if n.tag != "entry" || n.name == "" {
				return
			}
			ip := n.child("ip")
			if l3 := n.child("layer3"); l3 != nil && ip == nil {
				ip = l3.child("ip")
			}
			for _, e := range ip.entries() {
				if p, err := netip.ParsePrefix(e.name); err == nil && p.Addr().Is4() {
					c.ifaceNets[n.name] = append(c.ifaceNets[n.name], p.Masked())
				}
			}
		})
	}
	ifaceZone := map[string]*Zone{}
	for _, z := range v.path("zone").entries() {
		zone := &Zone{Name: z.name, Line: z.line}
		if net := z.child("network"); net != nil {
			for _, k := range net.kids {
				zone.Interfaces = append(zone.Interfaces, k.members()...)
			}
		}
		for _, i := range zone.Interfaces {
			zone.Routes = append(zone.Routes, c.ifaceNets[i]...)
			ifaceZone[i] = zone
		}
		c.Zones = append(c.Zones, zone)
	}
	for _, vr := range dev[0].path("network/virtual-router").entries() {
		for _, r := range vr.path("routing-table/ip/static-route").entries() {
			p, err := netip.ParsePrefix(r.child("destination").value())
			iface := r.child("interface").value()
			if iface == "" {
				if hop, err := netip.ParseAddr(r.path("nexthop/ip-address").value()); err == nil {
					for name, nets := range c.ifaceNets {
						for _, n := range nets {
							if n.Contains(hop) {
								iface = name
							}
						}
					}
				}
			}
			z := ifaceZone[iface]
			if err != nil || z == nil {
				c.Notes.Add(r.line, false, "static route not read: flows to it need --to-zone")
				continue
			}
			z.Routes = append(z.Routes, p.Masked())
		}
	}
	rb := v.child("rulebase")
	for _, e := range rb.path("security/rules").entries() {
		c.rule(e)
	}
	for _, e := range rb.path("security/default-rules/rules").entries() {
		allow := e.child("action").value() == "allow"
		switch e.name {
		case "intrazone-default":
			c.IntrazoneAllow = allow
		case "interzone-default":
			c.InterzoneAllow = allow
		}
	}
	for _, e := range rb.path("nat/rules").entries() {
		c.nat(e)
	}
	for _, tag := range []string{"pbf", "decryption", "dos", "application-override"} {
		if len(rb.path(tag+"/rules").entries()) > 0 {
			c.Notes.Add(rb.child(tag).line, tag == "dos" || tag == "application-override", tag+" rules are not read")
		}
	}
	c.Notes.Sort()
	return c, nil
}

// lookup finds a named object of a kind ("address") in the vsys, then in
// shared.
func (c *Config) lookup(kind, name string) *node {
	for _, s := range c.scopes {
		for _, e := range s.path(kind).entries() {
			if e.name == name {
				return e
			}
		}
	}
	return nil
}

// address resolves an address, address group, or literal once.
func (c *Config) address(name string) (firewall.AddrSet, []string, string) {
	r, err := c.addrMemo.Resolve(name, "address group "+name+" contains itself", func() (device.Addresses, string) { return c.resolveAddress(name) })
	return r.Set, r.Unmodelled, err
}

// resolveAddress is address's first answer.
func (c *Config) resolveAddress(name string) (device.Addresses, string) {
	var r device.Addresses
	fail := func(msg string) (device.Addresses, string) { return device.Addresses{}, msg }
	if name == "any" {
		r.Set = all4
		return r, ""
	}
	if e := c.lookup("address", name); e != nil {
		switch {
		case e.child("ip-netmask") != nil:
			s, ok := literal(e.child("ip-netmask").value())
			if !ok {
				return fail(fmt.Sprintf("address %s (line %d): bad ip-netmask", name, e.line))
			}
			r.Set = s
		case e.child("ip-range") != nil:
			s, ok := literal(e.child("ip-range").value())
			if !ok {
				return fail(fmt.Sprintf("address %s (line %d): bad ip-range", name, e.line))
			}
			r.Set = s
		case e.child("ip-wildcard") != nil:
			a, m, _ := strings.Cut(e.child("ip-wildcard").value(), "/")
			aa, err1 := netip.ParseAddr(a)
			mm, err2 := netip.ParseAddr(m)
			if err1 != nil || err2 != nil || !aa.Is4() || !mm.Is4() {
				return fail(fmt.Sprintf("address %s (line %d): bad ip-wildcard", name, e.line))
			}
			b := mm.As4()
			s, err := firewall.MaskSet(aa, netip.AddrFrom4([4]byte{^b[0], ^b[1], ^b[2], ^b[3]}))
			if err != nil {
				return fail(fmt.Sprintf("address %s (line %d): %v", name, e.line, err))
			}
			r.Set = s
		case e.child("fqdn") != nil:
			r.Set, r.Unmodelled = all4, []string{"FQDN address " + name + " (resolved at run time)"}
		default:
			return fail(fmt.Sprintf("address %s (line %d): kind not read", name, e.line))
		}
		return r, ""
	}
	if g := c.lookup("address-group", name); g != nil {
		if st := g.child("static"); st != nil {
			for _, m := range st.members() {
				s, u, err := c.address(m)
				if err != "" {
					return fail(err)
				}
				r.Set = r.Set.Union(s)
				r.Unmodelled = append(r.Unmodelled, u...)
			}
			return r, ""
		}
		r.Set, r.Unmodelled = all4, []string{"dynamic address group " + name + " (its members are tagged at run time)"}
		return r, ""
	}
	if s, ok := literal(name); ok {
		r.Set = s
		return r, ""
	}
	return fail("address " + name + " is not defined")
}

// literal reads an address, a CIDR or a range "A-B" (IPv6 ones are empty
// sets: the model is IPv4).
func literal(s string) (firewall.AddrSet, bool) {
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		a, err1 := netip.ParseAddr(lo)
		b, err2 := netip.ParseAddr(hi)
		if err1 != nil || err2 != nil || a.Is4() != b.Is4() {
			return firewall.AddrSet{}, false
		}
		if !a.Is4() {
			return firewall.AddrSet{}, true
		}
		r, err := firewall.RangeSet(a, b)
		return r, err == nil
	}
	p, err := firewall.ParsePrefixOrAddr(s)
	if err != nil {
		return firewall.AddrSet{}, false
	}
	if !p.Addr().Is4() {
		return firewall.AddrSet{}, true
	}
	return firewall.PrefixSet(p), true
}

// predefined services of PAN-OS.
var predefined = map[string][]service{
	"service-http":  {{proto: firewall.ProtoTCP, dstPorts: ptr(firewall.Port(80).Union(firewall.Port(8080)))}},
	"service-https": {{proto: firewall.ProtoTCP, dstPorts: ptr(firewall.Port(443))}},
}

func ptr(p firewall.PortSet) *firewall.PortSet { return &p }

// serviceOf resolves a service or service group once.
func (c *Config) serviceOf(name string) ([]service, string) {
	return c.svcMemo.Resolve(name, "service group "+name+" contains itself", func() ([]service, string) { return c.resolveService(name) })
}

// resolveService is serviceOf's first answer.
func (c *Config) resolveService(name string) ([]service, string) {
	var svcs []service
	fail := func(msg string) ([]service, string) { return nil, msg }
	if e := c.lookup("service", name); e != nil {
		proto := e.child("protocol")
		found := false
		for tag, p := range map[string]uint8{"tcp": firewall.ProtoTCP, "udp": firewall.ProtoUDP, "sctp": firewall.ProtoSCTP} {
			t := proto.child(tag)
			if t == nil {
				continue
			}
			found = true
			d, ok := ports(t.child("port").value())
			if !ok {
				return fail(fmt.Sprintf("service %s (line %d): bad port", name, t.line))
			}
			s := service{proto: p, dstPorts: &d}
			if sp := t.child("source-port"); sp != nil {
				x, ok := ports(sp.value())
				if !ok {
					return fail(fmt.Sprintf("service %s (line %d): bad source-port", name, sp.line))
				}
				s.srcPorts = &x
			}
			svcs = append(svcs, s)
		}
		if !found {
			return fail(fmt.Sprintf("service %s (line %d): protocol not read", name, e.line))
		}
		return svcs, ""
	}
	if g := c.lookup("service-group", name); g != nil {
		for _, m := range g.child("members").members() {
			s, err := c.serviceOf(m)
			if err != "" {
				return fail(err)
			}
			svcs = append(svcs, s...)
		}
		return svcs, ""
	}
	if s, ok := predefined[name]; ok {
		svcs = s
		return s, ""
	}
	return fail("service " + name + " is not defined")
}

// ports reads "80,8080-8090".
func ports(s string) (firewall.PortSet, bool) {
	var out firewall.PortSet
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err1 := strconv.ParseUint(lo, 10, 16)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.ParseUint(hi, 10, 16)
		}
		if err1 != nil || err2 != nil || a > b {
			return firewall.PortSet{}, false
		}
		out = out.Union(firewall.Ports(uint16(a), uint16(b)))
	}
	return out, true
}

func zones(n *node) []string {
	m := n.members()
	for _, z := range m {
		if z == "any" {
			return nil
		}
	}
	return m
}

// ruleTags are the rule elements read here or known not to change which
// sessions a rule matches or what it does with them.
var ruleTags = map[string]bool{
	"from": true, "to": true, "source": true, "destination": true, "source-user": true, "category": true,
	"application": true, "service": true, "action": true, "rule-type": true, "disabled": true, "negate-source": true,
	"negate-destination": true, "schedule": true, "source-hip": true, "destination-hip": true, "hip-profiles": true,
	"description": true, "tag": true, "log-setting": true, "log-start": true, "log-end": true, "profile-setting": true,
	"option": true, "group-tag": true, "uuid": true, "target": true, "icmp-unreachable": true, "qos": true,
}

func (c *Config) rule(e *node) {
	r := &Rule{Name: e.name, Line: e.line, From: zones(e.child("from")), To: zones(e.child("to")),
		Action: e.child("action").value(), Type: e.child("rule-type").value(), Disabled: e.child("disabled").value() == "yes",
		NegateSrc: e.child("negate-source").value() == "yes", NegateDst: e.child("negate-destination").value() == "yes"}
	if r.Type == "" {
		r.Type = "universal"
	}
	addrs := func(tag string) firewall.AddrSet {
		names := e.child(tag).members()
		if len(names) == 0 {
			r.Unknown = tag + " missing"
		}
		s, u, err := device.Union(names, c.address)
		if err != "" {
			r.Unknown = err
		}
		r.Unmodelled = append(r.Unmodelled, u...)
		return s
	}
	r.Src, r.Dst = addrs("source"), addrs("destination")
	apps := e.child("application").members()
	anyApp := len(apps) == 1 && apps[0] == "any"
	if !anyApp {
		r.Unmodelled = append(r.Unmodelled, "App-ID: application "+strings.Join(apps, ", "))
	}
	for _, n := range e.child("service").members() {
		switch n {
		case "any":
			r.AnyService = true
		case "application-default":
			r.AnyService = true // the ports are the application's: App-ID decides
			if anyApp {
				r.Unmodelled = append(r.Unmodelled, "App-ID: service application-default")
			}
		default:
			s, err := c.serviceOf(n)
			if err != "" {
				r.Unknown = err
			}
			r.Services = append(r.Services, s...)
		}
	}
	if r.AnyService {
		r.Services = nil
	} else if len(r.Services) == 0 && r.Unknown == "" {
		r.Unknown = "service missing"
	}
	for _, k := range []string{"source-user", "category", "source-hip", "destination-hip", "hip-profiles"} {
		if m := e.child(k).members(); len(m) > 0 && !(len(m) == 1 && m[0] == "any") {
			r.Unmodelled = append(r.Unmodelled, k+" "+strings.Join(m, ", "))
		}
	}
	if s := e.child("schedule").value(); s != "" {
		r.Unmodelled = append(r.Unmodelled, "schedule "+s)
	}
	for _, k := range e.kids {
		if !ruleTags[k.tag] {
			r.Unmodelled = append(r.Unmodelled, "<"+k.tag+"> (not read)")
		}
	}
	switch r.Action {
	case "allow", "deny", "drop", "reset-client", "reset-server", "reset-both":
	default:
		r.Unknown = "action " + r.Action + " not read"
	}
	if r.Disabled {
		return
	}
	for _, u := range r.Unmodelled {
		c.Notes.Add(e.line, true, "rule "+r.Name+": "+u+" is not modelled")
	}
	if r.Unknown != "" {
		c.Notes.Add(e.line, true, "rule "+r.Name+": "+r.Unknown)
	}
	c.Rules = append(c.Rules, r)
}

func (c *Config) nat(e *node) {
	dt := e.child("destination-translation")
	if e.child("disabled").value() == "yes" || (dt == nil && e.child("dynamic-destination-translation") == nil) {
		return // source NAT only: security rules see the original addresses anyway
	}
	n := &NAT{Name: e.name, Line: e.line, From: zones(e.child("from")), Src: all4}
	var unm []string
	var src firewall.AddrSet
	for _, m := range e.child("source").members() {
		s, u, err := c.address(m)
		unm = append(unm, u...)
		if err != "" {
			unm = append(unm, err)
		}
		src = src.Union(s)
	}
	n.Src = src
	for _, m := range e.child("destination").members() {
		s, u, err := c.address(m)
		unm = append(unm, u...)
		if err != "" {
			unm = append(unm, err)
		}
		n.Original = n.Original.Union(s)
	}
	if svc := e.child("service").value(); svc != "" && svc != "any" {
		s, err := c.serviceOf(svc)
		if err != "" {
			unm = append(unm, err)
		}
		var p firewall.PortSet
		for _, x := range s {
			p = p.Union(*x.dstPorts)
		}
		n.Ports = &p
	}
	if dt == nil {
		unm = append(unm, "dynamic destination translation")
	} else {
		s, u, err := c.address(dt.child("translated-address").value())
		unm = append(unm, u...)
		if err != "" {
			unm = append(unm, err)
		}
		n.Translated = s
	}
	n.Unmodelled = strings.Join(unm, "; ")
	if n.Unmodelled != "" {
		c.Notes.Add(e.line, true, "NAT rule "+n.Name+": "+n.Unmodelled)
	}
	c.NATs = append(c.NATs, n)
}
