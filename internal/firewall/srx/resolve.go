package srx

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/protocol"
)

// address resolves an address-book name once: the zone's book first,
// then the global one.
func (c *Config) address(zone, name string) (firewall.AddrSet, []string, string) {
	switch name {
	case "any", "any-ipv4":
		return all4, nil, ""
	case "any-ipv6":
		return firewall.AddrSet{}, nil, ""
	}
	scope := zone
	b := c.books[zone][name]
	if b == nil {
		scope, b = "", c.books[""][name]
	}
	if b == nil {
		return firewall.AddrSet{}, nil, "address " + name + " is not in the address books"
	}
	r, err := c.addrMemo.Resolve(scope+"/"+name, "address set "+name+" contains itself", func() (device.Addresses, string) { return c.resolveAddress(zone, name, b) })
	return r.Set, r.Unmodelled, err
}

// resolveAddress is address's first answer for name, whose entry is b
// (members of a set are looked up from zone).
func (c *Config) resolveAddress(zone, name string, b *book) (device.Addresses, string) {
	var r device.Addresses
	if b.isSet {
		for _, m := range b.members {
			s, u, err := c.address(zone, m)
			if err != "" {
				return device.Addresses{}, err
			}
			r.Set = r.Set.Union(s)
			r.Unmodelled = append(r.Unmodelled, u...)
		}
		return r, ""
	}
	v := b.prefix
	switch {
	case len(v) >= 4 && v[0] == "range-address" && v[2] == "to":
		a, err1 := netip.ParseAddr(v[1])
		z, err2 := netip.ParseAddr(v[3])
		s, err3 := firewall.RangeSet(a, z)
		if err1 != nil || err2 != nil || err3 != nil {
			return device.Addresses{}, fmt.Sprintf("address %s (line %d): bad range", name, b.line)
		}
		if a.Is4() {
			r.Set = s
		}
	case len(v) >= 2 && v[0] == "dns-name":
		r.Set, r.Unmodelled = all4, []string{"DNS-name address " + name + " (resolved at run time)"}
	case len(v) >= 2 && v[0] == "wildcard-address":
		a, m, _ := strings.Cut(v[1], "/")
		aa, err1 := netip.ParseAddr(a)
		mm, err2 := netip.ParseAddr(m)
		var s firewall.AddrSet
		var err3 error
		if err1 == nil && err2 == nil {
			s, err3 = firewall.MaskSet(aa, mm)
		}
		if err1 != nil || err2 != nil || err3 != nil {
			return device.Addresses{}, fmt.Sprintf("address %s (line %d): bad wildcard", name, b.line)
		}
		r.Set = s
	default:
		p, err := firewall.ParsePrefixOrAddr(v[0])
		if err != nil {
			return device.Addresses{}, fmt.Sprintf("address %s (line %d): bad address", name, b.line)
		}
		if p.Addr().Is4() {
			r.Set = firewall.PrefixSet(p)
		}
	}
	return r, ""
}

// predefined junos-* applications (the common ones).
var predefined = map[string]string{
	"junos-http": "tcp 80", "junos-https": "tcp 443", "junos-ssh": "tcp 22", "junos-telnet": "tcp 23",
	"junos-ftp": "tcp 21", "junos-smtp": "tcp 25", "junos-smtps": "tcp 465", "junos-dns-udp": "udp 53", "junos-dns-tcp": "tcp 53",
	"junos-ntp": "udp 123", "junos-snmp-get": "udp 161", "junos-syslog": "udp 514", "junos-ldap": "tcp 389",
	"junos-ms-sql": "tcp 1433", "junos-mysql": "tcp 3306", "junos-pop3": "tcp 110", "junos-imap": "tcp 143",
	"junos-imaps": "tcp 993", "junos-bgp": "tcp 179", "junos-radius": "udp 1812", "junos-tftp": "udp 69",
	"junos-icmp-all": "icmp", "junos-ping": "icmp 8", "junos-rdp": "tcp 3389", "junos-http-ext": "tcp 7001",
}

// junos port names.
var portNames = map[string]uint16{
	"http": 80, "https": 443, "ssh": 22, "telnet": 23, "ftp": 21, "ftp-data": 20, "smtp": 25, "domain": 53,
	"ntp": 123, "snmp": 161, "snmptrap": 162, "ldap": 389, "bgp": 179, "syslog": 514, "tftp": 69, "pop3": 110,
	"imap": 143, "radius": 1812, "mysql": 3306, "ms-sql": 1433, "rdp": 3389,
}

func portRange(s string) (firewall.PortSet, bool) {
	lo, hi, isRange := strings.Cut(s, "-")
	one := func(x string) (uint16, bool) {
		if n, ok := portNames[x]; ok {
			return n, true
		}
		n, err := strconv.ParseUint(x, 10, 16)
		return uint16(n), err == nil
	}
	a, ok1 := one(lo)
	b, ok2 := a, true
	if isRange {
		b, ok2 = one(hi)
	}
	if !ok1 || !ok2 || a > b {
		return firewall.PortSet{}, false
	}
	return firewall.Ports(a, b), true
}

// application resolves an application or application set once.
func (c *Config) application(name string) ([]device.Service, string) {
	if name == "any" {
		return []device.Service{{}}, ""
	}
	return c.appMemo.Resolve(name, "application set "+name+" contains itself", func() ([]device.Service, string) { return c.resolveApplication(name) })
}

// resolveApplication is application's first answer.
func (c *Config) resolveApplication(name string) ([]device.Service, string) {
	var svcs []device.Service
	fail := func(msg string) ([]device.Service, string) { return nil, msg }
	a := c.apps[name]
	if a == nil {
		spec, ok := predefined[name]
		if !ok {
			if strings.HasPrefix(name, "junos-") {
				svcs = []device.Service{{Unmodelled: "predefined application " + name + " (not in this reader's table)"}}
				return svcs, ""
			}
			return fail("application " + name + " is not defined")
		}
		f := strings.Fields(spec)
		if f[0] == "icmp" {
			s := device.Service{Protos: []uint8{firewall.ProtoICMP}}
			if len(f) > 1 {
				s.Unmodelled = "ICMP type " + f[1]
			}
			svcs = []device.Service{s}
			return svcs, ""
		}
		p := firewall.ProtoTCP
		if f[0] == "udp" {
			p = firewall.ProtoUDP
		}
		ports, _ := portRange(f[1])
		svcs = []device.Service{{Protos: []uint8{p}, DstPorts: &ports}}
		return svcs, ""
	}
	if a.isSet {
		for _, m := range a.set {
			_, n, _ := strings.Cut(m, " ")
			s, err := c.application(n)
			if err != "" {
				return fail(err)
			}
			svcs = append(svcs, s...)
		}
		return svcs, ""
	}
	for _, term := range a.order {
		t := a.terms[term]
		var s device.Service
		switch p := t["protocol"]; p {
		case "":
			return fail(fmt.Sprintf("application %s (line %d): no protocol", name, a.line))
		default:
			n, ok := protocol.Number(p)
			if !ok {
				return fail(fmt.Sprintf("application %s (line %d): protocol not read", name, a.line))
			}
			s.Protos = []uint8{n}
		}
		if v, ok := t["destination-port"]; ok {
			ps, ok := portRange(v)
			if !ok {
				return fail(fmt.Sprintf("application %s (line %d): bad destination-port", name, a.line))
			}
			s.DstPorts = &ps
		}
		if v, ok := t["source-port"]; ok {
			ps, ok := portRange(v)
			if !ok {
				return fail(fmt.Sprintf("application %s (line %d): bad source-port", name, a.line))
			}
			s.SrcPorts = &ps
		}
		if _, ok := t["icmp-type"]; ok {
			s.Unmodelled = "ICMP type " + t["icmp-type"]
		}
		svcs = append(svcs, s)
	}
	return svcs, ""
}
