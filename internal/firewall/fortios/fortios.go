// Package fortios reads a FortiOS configuration (`show full-configuration`
// or a backup) into the firewall model: interfaces and zones with their
// addresses and static routes (for the path), `config firewall address`,
// `addrgrp` (nested, with exclusions, resolved once each), `service
// custom` and `service group`, virtual IPs as destination NAT, and
// `config firewall policy` in the order listed: first match, policies
// with `status disable` skipped, negation of addresses and services, the
// implicit deny at the end. FortiGate is stateful.
//
// What the model lacks is unmodelled, so the verdicts that depend on it
// are unknown: schedules other than "always", users and groups, internet
// services, FQDN and geography addresses, ICMP types; and a policy that
// does not name a VIP is unknown for the VIP's mapped addresses (FortiOS
// lets only policies naming the VIP match translated traffic, unless
// match-vip).
package fortios

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Kind names this input in errors.
const Kind = "FortiOS config"

// Config is what was read of one FortiOS configuration (one VDOM).
type Config struct {
	File       string
	Interfaces []*Interface
	Zones      map[string][]string // zone → member interfaces
	Policies   []*Policy
	VIPs       []*VIP
	Notes      device.Notes

	addrs, addrgrps, svcs, svcgrps map[string]*entry
	addrMemo                       device.Memo[device.Addresses]
	svcMemo                        device.Memo[[]device.Service]
	vipByName                      map[string]*VIP
}

// Interface is one system interface.
type Interface struct {
	Name    string
	Line    int
	Subnets []netip.Prefix
	Routes  []netip.Prefix
}

// Policy is one firewall policy.
type Policy struct {
	ID                     string
	Name                   string
	Line                   int
	SrcIntf, DstIntf       []string
	Src, Dst               firewall.AddrSet
	SrcNegate, DstNegate   bool
	Services               []device.Service
	ServiceNegate          bool
	Accept                 bool
	Disabled               bool
	Unmodelled             []string
	namesVIP               bool
	dstNames               []string
	unknownAddr, unknownSv string
}

// VIP is a virtual IP: connections to Ext (on ExtIntf, "" any) go to Mapped.
type VIP struct {
	Name       string
	Line       int
	ExtIntf    string
	Ext        firewall.AddrSet
	Mapped     firewall.AddrSet
	Proto      uint8
	ExtPort    *firewall.PortSet
	MappedPort *firewall.PortSet
	Unmodelled string
}

var all4 = firewall.AllAddrs(firewall.FamilyIPv4)

// ReadFile reads and parses a FortiOS configuration, bounded in bytes.
func ReadFile(path string) (*Config, error) { return device.ReadConfig(Kind, path, Read) }

// Read parses a FortiOS configuration.
func Read(file string, data []byte) (*Config, error) {
	c := &Config{File: file, Zones: map[string][]string{}, addrMemo: device.Memo[device.Addresses]{}, svcMemo: device.Memo[[]device.Service]{},
		vipByName: map[string]*VIP{}}
	top, vdoms, err := parseTree(file, data, c)
	if err != nil {
		return nil, err
	}
	if len(vdoms) > 1 {
		return nil, &located.Error{Kind: Kind, File: file, Msg: fmt.Sprintf("%d VDOMs: give the configuration of one VDOM", len(vdoms))}
	}
	if top["firewall policy"] == nil && top["system interface"] == nil {
		return nil, &located.Error{Kind: Kind, File: file, Msg: "not a FortiOS configuration: no config firewall policy or config system interface"}
	}
	byName := func(path string) map[string]*entry {
		m := map[string]*entry{}
		if s := top[path]; s != nil {
			for _, e := range s.entries {
				m[e.name] = e
			}
		}
		return m
	}
	c.addrs, c.addrgrps = byName("firewall address"), byName("firewall addrgrp")
	c.svcs, c.svcgrps = byName("firewall service custom"), byName("firewall service group")
	if s := top["system interface"]; s != nil {
		for _, e := range s.entries {
			i := &Interface{Name: e.name, Line: e.line}
			if v := e.get("ip"); len(v) > 0 {
				if p, ok := prefix(v); ok && p.Bits() > 0 {
					i.Subnets = append(i.Subnets, p)
				}
			}
			c.Interfaces = append(c.Interfaces, i)
		}
	}
	if s := top["system zone"]; s != nil {
		for _, e := range s.entries {
			c.Zones[e.name] = e.get("interface")
		}
	}
	if s := top["router static"]; s != nil {
		for _, e := range s.entries {
			p, ok := prefix(e.get("dst"))
			if len(e.get("dst")) == 0 {
				p, ok = netip.MustParsePrefix("0.0.0.0/0"), true
			}
			dev := e.one("device")
			var via *Interface
			for _, i := range c.Interfaces {
				if i.Name == dev {
					via = i
				}
			}
			if !ok || via == nil {
				c.Notes.Add(e.line, false, "static route not read: flows to it need --to-interface")
				continue
			}
			via.Routes = append(via.Routes, p)
		}
	}
	if s := top["firewall vip"]; s != nil {
		for _, e := range s.entries {
			c.vip(e)
		}
	}
	if s := top["firewall policy"]; s != nil {
		for _, e := range s.entries {
			c.policy(e)
		}
	}
	for _, path := range []string{"firewall policy6", "firewall DoS-policy", "firewall local-in-policy", "firewall shaping-policy", "firewall proxy-policy"} {
		if s := top[path]; s != nil && len(s.entries) > 0 {
			affects := path == "firewall DoS-policy" || path == "firewall proxy-policy"
			c.Notes.Add(s.line, affects, "config "+path+" is not read")
		}
	}
	c.Notes.Sort()
	return c, nil
}

// prefix reads "A M" or "A/len".
func prefix(v []string) (netip.Prefix, bool) {
	switch len(v) {
	case 1:
		p, err := netip.ParsePrefix(v[0])
		if err != nil || !p.Addr().Is4() {
			return netip.Prefix{}, false
		}
		return p.Masked(), true
	case 2:
		a, err1 := netip.ParseAddr(v[0])
		m, err2 := netip.ParseAddr(v[1])
		if err1 != nil || err2 != nil || !a.Is4() || !m.Is4() {
			return netip.Prefix{}, false
		}
		n, ok := device.MaskBits(m)
		if !ok {
			return netip.Prefix{}, false
		}
		return netip.PrefixFrom(a, n).Masked(), true
	}
	return netip.Prefix{}, false
}

// address resolves an address, address group or VIP name once.
func (c *Config) address(name string) (firewall.AddrSet, []string, string) {
	r, err := c.addrMemo.Resolve(name, "address group "+name+" contains itself", func() (device.Addresses, string) { return c.resolveAddress(name) })
	return r.Set, r.Unmodelled, err
}

// resolveAddress is address's first answer.
func (c *Config) resolveAddress(name string) (device.Addresses, string) {
	var r device.Addresses
	fail := func(msg string) (device.Addresses, string) { return device.Addresses{}, msg }
	if v := c.vipByName[name]; v != nil {
		r.Set = v.Mapped
		if v.Unmodelled != "" {
			r.Unmodelled = []string{"VIP " + name + ": " + v.Unmodelled}
		}
		return r, ""
	}
	if e := c.addrs[name]; e != nil {
		switch t := e.one("type"); t {
		case "", "ipmask", "interface-subnet":
			v := e.get("subnet")
			if len(v) == 0 {
				r.Set = all4 // FortiOS's default subnet is 0.0.0.0 0.0.0.0
				return r, ""
			}
			p, ok := prefix(v)
			if !ok {
				return fail(fmt.Sprintf("address %s (line %d): bad subnet", name, e.lineOf("subnet")))
			}
			r.Set = firewall.PrefixSet(p)
		case "iprange":
			a, err1 := netip.ParseAddr(e.one("start-ip"))
			b, err2 := netip.ParseAddr(e.one("end-ip"))
			var s firewall.AddrSet
			var err3 error
			if err1 == nil && err2 == nil {
				s, err3 = firewall.RangeSet(a, b)
			}
			if err1 != nil || err2 != nil || err3 != nil {
				return fail(fmt.Sprintf("address %s (line %d): bad range", name, e.line))
			}
			r.Set = s
		case "wildcard":
			v := e.get("wildcard")
			if len(v) != 2 {
				return fail(fmt.Sprintf("address %s (line %d): bad wildcard", name, e.line))
			}
			a, err1 := netip.ParseAddr(v[0])
			m, err2 := netip.ParseAddr(v[1])
			if err1 != nil || err2 != nil {
				return fail(fmt.Sprintf("address %s (line %d): bad wildcard", name, e.line))
			}
			s, err := firewall.MaskSet(a, m)
			if err != nil {
				return fail(fmt.Sprintf("address %s (line %d): %v", name, e.line, err))
			}
			r.Set = s
		default:
			r.Set = all4
			r.Unmodelled = []string{"address " + name + " of type " + t}
		}
		return r, ""
	}
	if g := c.addrgrps[name]; g != nil {
		var unm []string
		for _, m := range g.get("member") {
			s, u, err := c.address(m)
			if err != "" {
				return fail(err)
			}
			r.Set = r.Set.Union(s)
			unm = append(unm, u...)
		}
		if g.one("exclude") == "enable" {
			for _, m := range g.get("exclude-member") {
				s, u, err := c.address(m)
				if err != "" {
					return fail(err)
				}
				if len(u) > 0 {
					unm = append(unm, u...)
					continue
				}
				r.Set = r.Set.Minus(s)
			}
		}
		r.Unmodelled = unm
		return r, ""
	}
	switch name {
	case "all":
		r.Set = all4
		return r, ""
	case "none":
		return r, ""
	}
	return fail("address " + name + " is not defined")
}

// builtin services FortiOS predefines, for configs that do not list them.
var builtin = map[string][]string{
	"ALL": {"ip"}, "ALL_TCP": {"tcp 1-65535"}, "ALL_UDP": {"udp 1-65535"}, "ALL_ICMP": {"icmp"},
	"HTTP": {"tcp 80"}, "HTTPS": {"tcp 443"}, "SSH": {"tcp 22"}, "TELNET": {"tcp 23"}, "FTP": {"tcp 21"},
	"SMTP": {"tcp 25"}, "SMTPS": {"tcp 465"}, "DNS": {"tcp 53", "udp 53"}, "NTP": {"tcp 123", "udp 123"},
	"RDP": {"tcp 3389"}, "MYSQL": {"tcp 3306"}, "MS-SQL": {"tcp 1433-1434"}, "IMAP": {"tcp 143"},
	"IMAPS": {"tcp 993"}, "POP3": {"tcp 110"}, "POP3S": {"tcp 995"}, "SNMP": {"tcp 161-162", "udp 161-162"},
	"SAMBA": {"tcp 139"}, "SYSLOG": {"udp 514"}, "LDAP": {"tcp 389"}, "KERBEROS": {"tcp 88", "udp 88"},
}

// serviceOf resolves a service or service group name once.
func (c *Config) serviceOf(name string) ([]device.Service, string) {
	return c.svcMemo.Resolve(name, "service group "+name+" contains itself", func() ([]device.Service, string) { return c.resolveService(name) })
}

// resolveService is serviceOf's first answer.
func (c *Config) resolveService(name string) ([]device.Service, string) {
	var svcs []device.Service
	fail := func(msg string) ([]device.Service, string) { return nil, msg }
	if e := c.svcs[name]; e != nil {
		proto := strings.ToUpper(e.one("protocol"))
		switch proto {
		case "", "TCP/UDP/SCTP", "TCP/UDP/UDP-LITE/SCTP":
			if len(e.get("fqdn")) > 0 || (len(e.get("iprange")) > 0 && e.one("iprange") != "0.0.0.0") {
				svcs = append(svcs, device.Service{Unmodelled: "service " + name + " limited to addresses"})
			}
			for _, k := range []struct {
				key   string
				proto uint8
			}{{"tcp-portrange", firewall.ProtoTCP}, {"udp-portrange", firewall.ProtoUDP}, {"sctp-portrange", firewall.ProtoSCTP}} {
				for _, spec := range e.get(k.key) {
					s, ok := portSpec(spec, k.proto)
					if !ok {
						return fail(fmt.Sprintf("service %s (line %d): bad %s", name, e.lineOf(k.key), k.key))
					}
					svcs = append(svcs, s)
				}
			}
		case "ICMP", "ICMP6":
			p := firewall.ProtoICMP
			if proto == "ICMP6" {
				p = firewall.ProtoICMPv6
			}
			s := device.Service{Protos: []uint8{p}}
			if t := e.one("icmptype"); t != "" {
				s.Unmodelled = "ICMP type " + t
			}
			svcs = append(svcs, s)
		case "IP":
			n, err := strconv.Atoi(e.one("protocol-number"))
			if e.one("protocol-number") == "" {
				n, err = 0, nil
			}
			if err != nil || n < 0 || n > 255 {
				return fail(fmt.Sprintf("service %s (line %d): bad protocol-number", name, e.lineOf("protocol-number")))
			}
			if n == 0 {
				svcs = append(svcs, device.Service{})
			} else {
				svcs = append(svcs, device.Service{Protos: []uint8{uint8(n)}})
			}
		default:
			svcs = append(svcs, device.Service{Unmodelled: "service " + name + " of protocol " + proto})
		}
		return svcs, ""
	}
	if g := c.svcgrps[name]; g != nil {
		for _, m := range g.get("member") {
			s, err := c.serviceOf(m)
			if err != "" {
				return fail(err)
			}
			svcs = append(svcs, s...)
		}
		return svcs, ""
	}
	if b, ok := builtin[name]; ok {
		for _, spec := range b {
			f := strings.Fields(spec)
			switch f[0] {
			case "ip":
				svcs = append(svcs, device.Service{})
			case "icmp":
				svcs = append(svcs, device.Service{Protos: []uint8{firewall.ProtoICMP}})
			default:
				p := firewall.ProtoTCP
				if f[0] == "udp" {
					p = firewall.ProtoUDP
				}
				s, _ := portSpec(f[1], p)
				svcs = append(svcs, s)
			}
		}
		return svcs, ""
	}
	return fail("service " + name + " is not defined")
}

// portSpec reads "DST[-DST][:SRC[-SRC]]".
func portSpec(spec string, proto uint8) (device.Service, bool) {
	dst, src, hasSrc := strings.Cut(spec, ":")
	d, ok := portRange(dst)
	if !ok {
		return device.Service{}, false
	}
	s := device.Service{Protos: []uint8{proto}, DstPorts: &d}
	if hasSrc {
		sp, ok := portRange(src)
		if !ok {
			return device.Service{}, false
		}
		s.SrcPorts = &sp
	}
	return s, true
}

func portRange(s string) (firewall.PortSet, bool) {
	lo, hi, isRange := strings.Cut(s, "-")
	a, err1 := strconv.ParseUint(lo, 10, 16)
	b := a
	var err2 error
	if isRange {
		b, err2 = strconv.ParseUint(hi, 10, 16)
	}
	if err1 != nil || err2 != nil || a > b {
		return firewall.PortSet{}, false
	}
	if a == 0 { // FortiOS reads 0 as "any"
		a = 1
		if b == 0 {
			b = 65535
		}
	}
	return firewall.Ports(uint16(a), uint16(b)), true
}

func (c *Config) vip(e *entry) {
	v := &VIP{Name: e.name, Line: e.line, ExtIntf: e.one("extintf")}
	if v.ExtIntf == "any" {
		v.ExtIntf = ""
	}
	c.vipByName[e.name] = v
	c.VIPs = append(c.VIPs, v)
	unm := func(msg string) {
		if v.Unmodelled == "" {
			v.Unmodelled = msg
			c.Notes.Add(e.line, true, "VIP "+e.name+": "+msg+" is not modelled")
		}
	}
	if t := e.one("type"); t != "" && t != "static-nat" {
		unm("type " + t)
	}
	parse := func(s string) firewall.AddrSet {
		lo, hi, isRange := strings.Cut(s, "-")
		a, err := netip.ParseAddr(lo)
		if err != nil || !a.Is4() {
			return firewall.AddrSet{}
		}
		if !isRange {
			return firewall.AddrOf(a)
		}
		b, err := netip.ParseAddr(hi)
		if err != nil {
			return firewall.AddrSet{}
		}
		r, _ := firewall.RangeSet(a, b)
		return r
	}
	v.Ext = parse(e.one("extip"))
	v.Mapped = parse(e.one("mappedip"))
	if v.Ext.IsEmpty() || v.Mapped.IsEmpty() {
		unm("extip or mappedip")
		return
	}
	if !single(v.Ext) || !single(v.Mapped) {
		unm("a range of addresses")
	}
	if e.one("portforward") == "enable" {
		v.Proto = firewall.ProtoTCP
		switch e.one("protocol") {
		case "udp":
			v.Proto = firewall.ProtoUDP
		case "sctp":
			v.Proto = firewall.ProtoSCTP
		case "", "tcp":
		default:
			unm("protocol " + e.one("protocol"))
		}
		ep, ok1 := portRange(e.one("extport"))
		mp, ok2 := portRange(e.one("mappedport"))
		if !ok1 {
			unm("extport")
			return
		}
		if !ok2 {
			mp = ep
		}
		v.ExtPort, v.MappedPort = &ep, &mp
		if a, _ := ep.First(); !ep.Equal(firewall.Port(a)) {
			if !ep.Equal(mp) {
				unm("a port range translated to another")
			}
		}
	}
}

func single(s firewall.AddrSet) bool {
	a, ok := s.First()
	return ok && s.Equal(firewall.AddrOf(a))
}

// policyKeys are the policy settings read above or known not to change
// which connections a policy matches or what it does with them.
var policyKeys = map[string]bool{
	"name": true, "uuid": true, "srcintf": true, "dstintf": true, "srcaddr": true, "dstaddr": true, "action": true,
	"status": true, "schedule": true, "service": true, "srcaddr-negate": true, "dstaddr-negate": true, "service-negate": true,
	"users": true, "groups": true, "fsso-groups": true, "internet-service": true, "internet-service-src": true,
	"application": true, "url-category": true, "nat": true, "ippool": true, "poolname": true, "comments": true,
	"utm-status": true, "inspection-mode": true, "profile-type": true, "profile-protocol-options": true,
	"ssl-ssh-profile": true, "auto-asic-offload": true, "match-vip": true, "tcp-mss-sender": true,
	"tcp-mss-receiver": true, "global-label": true, "label": true, "schedule-timeout": true, "fixedport": true,
	"natip": true, "permit-any-host": true, "capture-packet": true, "traffic-shaper": true, "traffic-shaper-reverse": true,
	"per-ip-shaper": true, "anti-replay": true, "tcp-session-without-syn": true, "session-ttl": true, "vlan-cos-fwd": true,
	"vlan-cos-rev": true, "wccp": true, "diffserv-forward": true, "diffserv-reverse": true, "dsri": true, "timeout-send-rst": true,
	"block-notification": true, "replacemsg-override-group": true, "srcaddr6": true, "dstaddr6": true, "policy-expiry": true,
	"geoip-anycast": true, "email-collect": true, "np-acceleration": true, "send-deny-packet": true, "av-profile": true,
	"webfilter-profile": true, "dnsfilter-profile": true, "ips-sensor": true, "application-list": true, "emailfilter-profile": true,
	"waf-profile": true, "file-filter-profile": true, "voip-profile": true, "icap-profile": true, "ssh-filter-profile": true,
}

func (c *Config) policy(e *entry) {
	p := &Policy{ID: e.name, Name: e.one("name"), Line: e.line, SrcIntf: e.get("srcintf"), DstIntf: e.get("dstintf")}
	p.Accept = e.one("action") == "accept"
	p.Disabled = e.one("status") == "disable"
	p.SrcNegate = e.one("srcaddr-negate") == "enable"
	p.DstNegate = e.one("dstaddr-negate") == "enable"
	p.ServiceNegate = e.one("service-negate") == "enable"
	if a := e.one("action"); a != "" && a != "accept" && a != "deny" {
		p.Unmodelled = append(p.Unmodelled, "action "+a)
	}
	addrs := func(key string) firewall.AddrSet {
		names := e.get(key)
		if len(names) == 0 {
			p.unknownAddr = key + " missing"
		}
		s, u, err := device.Union(names, c.address)
		if err != "" {
			p.unknownAddr = err
		}
		p.Unmodelled = append(p.Unmodelled, u...)
		for _, n := range names {
			if key == "dstaddr" && c.vipByName[n] != nil {
				p.namesVIP = true
			}
		}
		return s
	}
	p.Src, p.Dst = addrs("srcaddr"), addrs("dstaddr")
	p.dstNames = e.get("dstaddr")
	svcs := e.get("service")
	if len(svcs) == 0 {
		p.unknownSv = "service missing"
	}
	for _, n := range svcs {
		s, err := c.serviceOf(n)
		if err != "" {
			p.unknownSv = err
		}
		p.Services = append(p.Services, s...)
	}
	if s := e.one("schedule"); s != "" && s != "always" {
		p.Unmodelled = append(p.Unmodelled, "schedule "+s)
	}
	for _, k := range []string{"users", "groups", "fsso-groups", "internet-service", "internet-service-src", "application", "url-category"} {
		if v := e.get(k); len(v) > 0 && v[0] != "disable" {
			p.Unmodelled = append(p.Unmodelled, k+" "+strings.Join(v, " "))
		}
	}
	var notRead []string
	for k := range e.sets {
		switch {
		case policyKeys[k], strings.HasPrefix(k, "log"), strings.HasSuffix(k, "-profile"), strings.HasSuffix(k, "-sensor"):
		default:
			notRead = append(notRead, "set "+k+" (not read)")
			c.Notes.Add(e.lineOf(k), true, "policy "+p.ID+": set "+k+" is not read")
		}
	}
	sort.Strings(notRead)
	if len(p.SrcIntf) == 0 || len(p.DstIntf) == 0 {
		p.unknownAddr = "srcintf or dstintf missing"
	}
	for _, u := range p.Unmodelled {
		c.Notes.Add(e.line, true, "policy "+p.ID+": "+u+" is not modelled")
	}
	for _, u := range []string{p.unknownAddr, p.unknownSv} {
		if u != "" {
			c.Notes.Add(e.line, true, "policy "+p.ID+": "+u)
		}
	}
	p.Unmodelled = append(p.Unmodelled, notRead...)
	c.Policies = append(c.Policies, p)
}
