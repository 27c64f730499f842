// Package asa reads a Cisco ASA running-config (8.3 and later) into the
// firewall model: interfaces (nameif, security-level, ip address),
// objects and object groups (network, service, protocol; nested groups
// resolved once each), extended access lists, their bindings (`access-group
// NAME in|out interface IF`, `access-group NAME global`), and the static
// NAT that changes the address an access list sees (access lists name
// real addresses: a flow to a mapped address is translated before it).
//
// The ASA is stateful. Inbound, a packet meets its interface's list, then
// the global list, then the implicit deny; an interface with neither lets
// traffic to lower security levels through (to equal ones only with
// `same-security-traffic permit inter-interface`). Outbound lists come
// after. What the model lacks (time ranges, identity and TrustSec
// matches, FQDN objects, interface addresses in entries, ICMP types,
// dynamic or port-range NAT of destinations) is unmodelled: the verdicts
// that depend on it are unknown.
package asa

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/ciscoacl"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/protocol"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Kind names this input in errors.
const Kind = "Cisco ASA config"

// Config is what was read of one ASA configuration.
type Config struct {
	File       string
	Interfaces []*Interface
	ACLs       map[string]*ACL
	// Bindings of lists, in config order.
	Groups []Binding
	// SameSecurity: same-security-traffic permit inter-interface.
	SameSecurity bool
	NATs         []*NAT
	Notes        device.Notes

	objects   map[string]*rawObject // object network|service NAME
	groupsRaw map[string]*rawObject // object-group KIND NAME
	netMemo   device.Memo[netResult]
	svcMemo   device.Memo[svcResult]
}

// Interface is a named interface.
type Interface struct {
	Name          string // nameif
	Hardware      string
	Level         int
	LevelSet      bool
	Subnets       []netip.Prefix // of its addresses
	Routes        []netip.Prefix // static routes through it
	Line          int
	Shutdown      bool
	unmodelledFor []string
}

// Binding is one access-group line.
type Binding struct {
	ACL       string
	Out       bool
	Interface string // "" for global
	Line      int
}

// ACL is one extended access list.
type ACL struct {
	Name    string
	Line    int
	Entries []*Entry
}

// Entry is one access-list line.
type Entry struct {
	Line       int
	Text       string
	Permit     bool
	Matches    []device.Match
	Unmodelled []string
	Unknown    string
}

// NAT is a static translation of destinations: packets entering Mapped
// interface ("" any) for MappedAddr (and MappedPort) go to RealAddr.
type NAT struct {
	Line         int
	Text         string
	Section      int // 1 twice NAT, 2 object NAT, 3 twice NAT after-auto
	In           string
	Src          firewall.AddrSet // twice NAT destination translation: the sources it applies to
	Mapped, Real firewall.AddrSet
	Proto        uint8
	MappedPort   uint16
	RealPort     uint16
	Unmodelled   string
}

type rawObject struct {
	kind, name string
	proto      string // service group's protocol (tcp, udp, tcp-udp) or ""
	line       int
	body       []device.Line
}

// netResult is what a network object or group resolves to.
type netResult struct {
	addrs      firewall.AddrSet
	unmodelled string
}

// svcResult is what a service object or group resolves to.
type svcResult struct {
	svcs []device.Service
	port bool // a port group (object-group service NAME tcp): ports only
}

var all4 = firewall.AllAddrs(firewall.FamilyIPv4)

// ReadFile reads and parses an ASA configuration, bounded in bytes.
func ReadFile(path string) (*Config, error) { return device.ReadConfig(Kind, path, Read) }

// Read parses an ASA running-config (show running-config).
func Read(file string, data []byte) (*Config, error) {
	lines, err := device.Lines(Kind, file, data, "!:")
	if err != nil {
		return nil, err
	}
	c := &Config{File: file, ACLs: map[string]*ACL{}, objects: map[string]*rawObject{}, groupsRaw: map[string]*rawObject{},
		netMemo: device.Memo[netResult]{}, svcMemo: device.Memo[svcResult]{}}
	var blocks []block
	for _, l := range lines {
		if l.Indent > 0 && len(blocks) > 0 {
			blocks[len(blocks)-1].body = append(blocks[len(blocks)-1].body, l)
			continue
		}
		blocks = append(blocks, block{head: l})
	}
	for _, b := range blocks {
		w := b.head.Words
		switch {
		case len(w) >= 3 && w[0] == "object" && (w[1] == "network" || w[1] == "service"):
			// An object is often given twice: its address, and later its NAT.
			if o := c.objects[w[2]]; o != nil && o.kind == w[1] {
				o.body = append(o.body, b.body...)
				continue
			}
			c.objects[w[2]] = &rawObject{kind: w[1], name: w[2], line: b.head.N, body: b.body}
		case len(w) >= 3 && w[0] == "object-group":
			o := &rawObject{kind: w[1], name: w[2], line: b.head.N, body: b.body}
			if len(w) >= 4 {
				o.proto = w[3]
			}
			c.groupsRaw[w[2]] = o
		}
	}
	known := 0
	for _, b := range blocks {
		if c.block(b) {
			known++
		}
	}
	if known == 0 {
		return nil, &located.Error{Kind: Kind, File: file, Msg: "not a Cisco ASA configuration: no interface, access-list or object"}
	}
	sort.SliceStable(c.NATs, func(i, j int) bool { return c.NATs[i].Section < c.NATs[j].Section })
	c.Notes.Sort()
	return c, nil
}

type block struct {
	head device.Line
	body []device.Line
}

// silent are top-level commands that do not filter forwarded traffic.
var silent = map[string]bool{
	"ASA": true, "hostname": true, "domain-name": true, "enable": true, "passwd": true, "names": true, "name": true,
	"ftp": true, "clock": true, "dns": true, "pager": true, "logging": true, "mtu": true, "icmp": true, "asdm": true,
	"arp": true, "route": true, "timeout": true, "user-identity": true, "aaa": true, "http": true, "snmp-server": true,
	"crypto": true, "telnet": true, "ssh": true, "console": true, "threat-detection": true, "ntp": true, "ssl": true,
	"webvpn": true, "username": true, "class-map": true, "policy-map": true, "service-policy": true, "prompt": true,
	"call-home": true, "profile": true, "Cryptochecksum": true, "end": true, "firewall": true, "failover": true,
	"monitor-interface": true, "no": true, "boot": true, "license": true, "dhcpd": true, "vpdn": true, "router": true,
	"group-policy": true, "tunnel-group": true, "dynamic-access-policy-record": true, "banner": true, "terminal": true,
	"management-access": true, "flow-export": true, "ipv6": true, "mac-address": true, "object": true, "object-group": true,
	"same-security-traffic": true, "xlate": true, "service": true, "vpn-sessiondb": true, "archive": true, "anyconnect": true,
	"dhcprelay": true, "quota": true, "wccp": true, "sysopt": true, "tls-proxy": true, "cluster": true, "jumbo-frame": true,
	"snmp-map": true, "regex": true, "auth-prompt": true, "nat-control": true, "ip": true, "ipsec": true, "group-delimiter": true,
}

func (c *Config) block(b block) bool {
	w := b.head.Words
	n := b.head.N
	switch {
	case w[0] == "interface" && len(w) >= 2:
		c.iface(b)
	case w[0] == "object" && len(w) >= 3 && w[1] == "network":
		c.objectNAT(b)
	case w[0] == "same-security-traffic" && len(w) == 3 && w[1] == "permit" && w[2] == "inter-interface":
		c.SameSecurity = true
	case w[0] == "access-list" && len(w) >= 3:
		c.accessList(b.head)
	case w[0] == "access-group" && len(w) >= 3:
		c.accessGroup(b.head)
	case w[0] == "route" && len(w) >= 5:
		c.route(b.head)
	case w[0] == "nat" && len(w) >= 2:
		c.twiceNAT(b.head)
	case w[0] == "ip" && len(w) >= 2 && (w[1] == "verify" || w[1] == "audit"):
		c.Notes.Add(n, true, "ip "+w[1]+" is not modelled")
	case w[0] == "ipv6" && len(w) >= 2 && w[1] == "access-list":
		c.Notes.Add(n, false, "IPv6 access lists are not read: IPv6 flows are unknown")
	case silent[w[0]]:
	default:
		c.Notes.Add(n, false, "command not read (not an interface, object, access list, access-group or NAT)")
		return false
	}
	return true
}

func (c *Config) iface(b block) {
	i := &Interface{Hardware: b.head.Words[1], Line: b.head.N}
	for _, l := range b.body {
		w := l.Words
		switch {
		case len(w) == 2 && w[0] == "nameif":
			i.Name = w[1]
		case len(w) == 2 && w[0] == "security-level":
			n, err := strconv.Atoi(w[1])
			if err != nil || n < 0 || n > 100 {
				c.Notes.Add(l.N, true, "security level not 0-100")
				i.unmodelledFor = append(i.unmodelledFor, fmt.Sprintf("line %d: bad security-level", l.N))
				continue
			}
			i.Level, i.LevelSet = n, true
		case len(w) >= 4 && w[0] == "ip" && w[1] == "address":
			a, err1 := netip.ParseAddr(w[2])
			m, err2 := netip.ParseAddr(w[3])
			if err1 == nil && err2 == nil && a.Is4() && m.Is4() {
				if bits, ok := device.MaskBits(m); ok {
					i.Subnets = append(i.Subnets, netip.PrefixFrom(a, bits).Masked())
					continue
				}
			}
			c.Notes.Add(l.N, false, "interface address not read: the interface is found only by name")
		case len(w) == 1 && w[0] == "shutdown":
			i.Shutdown = true
		}
	}
	if i.Name == "" {
		return // not a data interface: no traffic is judged through it
	}
	if !i.LevelSet {
		// The ASA gives "inside" 100 and every other name 0.
		if i.Name == "inside" {
			i.Level = 100
		}
	}
	c.Interfaces = append(c.Interfaces, i)
}

// network reads a host/subnet/range object body line or a
// network-object: the address set.
func parseNet(w []string) (firewall.AddrSet, string, bool) {
	switch {
	case len(w) == 2 && w[0] == "host":
		a, err := netip.ParseAddr(w[1])
		if err != nil {
			return firewall.AddrSet{}, "", false
		}
		if !a.Is4() {
			return firewall.AddrSet{}, "", true // IPv6: nothing of IPv4
		}
		return firewall.AddrOf(a), "", true
	case len(w) == 3 && w[0] == "subnet", len(w) == 2 && w[0] != "subnet" && w[0] != "host" && w[0] != "fqdn" && w[0] != "object" && w[0] != "range":
		if w[0] == "subnet" {
			w = w[1:]
		}
		a, err1 := netip.ParseAddr(w[0])
		m, err2 := netip.ParseAddr(w[1])
		if err1 != nil || err2 != nil || !a.Is4() || !m.Is4() {
			return firewall.AddrSet{}, "", false
		}
		bits, ok := device.MaskBits(m)
		if !ok {
			return firewall.AddrSet{}, "", false
		}
		return firewall.PrefixSet(netip.PrefixFrom(a, bits).Masked()), "", true
	case len(w) == 2 && w[0] == "subnet" && strings.Contains(w[1], "/"):
		p, err := netip.ParsePrefix(w[1])
		if err != nil {
			return firewall.AddrSet{}, "", false
		}
		if !p.Addr().Is4() {
			return firewall.AddrSet{}, "", true
		}
		return firewall.PrefixSet(p.Masked()), "", true
	case len(w) == 3 && w[0] == "range":
		a, err1 := netip.ParseAddr(w[1])
		b, err2 := netip.ParseAddr(w[2])
		if err1 != nil || err2 != nil || a.Is4() != b.Is4() {
			return firewall.AddrSet{}, "", false
		}
		if !a.Is4() {
			return firewall.AddrSet{}, "", true
		}
		s, err := firewall.RangeSet(a, b)
		return s, "", err == nil
	case len(w) >= 2 && w[0] == "fqdn":
		return firewall.AddrSet{}, "FQDN object " + w[len(w)-1] + " (resolved by the ASA at run time)", true
	}
	return firewall.AddrSet{}, "", false
}

// netObject resolves an object network or object-group network once.
func (c *Config) netObject(name string, group bool) (firewall.AddrSet, string, string) {
	key := "o " + name
	raw := c.objects[name]
	if group {
		key, raw = "g "+name, c.groupsRaw[name]
	}
	if raw == nil || raw.kind != "network" {
		what := "object network "
		if group {
			what = "object-group network "
		}
		return firewall.AddrSet{}, "", what + name + " is not defined"
	}
	r, err := c.netMemo.Resolve(key, "object-group "+name+" contains itself", func() (netResult, string) { return c.resolveNet(name, group, raw) })
	return r.addrs, r.unmodelled, err
}

// resolveNet is netObject's first answer for name, defined by raw.
func (c *Config) resolveNet(name string, group bool, raw *rawObject) (netResult, string) {
	var r netResult
	var unm []string
	for _, l := range raw.body {
		w := l.Words
		if w[0] == "description" || w[0] == "nat" {
			continue
		}
		if group {
			switch {
			case w[0] == "network-object" && len(w) == 3 && w[1] == "object", w[0] == "group-object" && len(w) == 2:
				s, u, err := c.netObject(w[len(w)-1], w[0] == "group-object")
				if err != "" {
					return netResult{}, err
				}
				if u != "" {
					unm = append(unm, u)
				}
				r.addrs = r.addrs.Union(s)
				continue
			case w[0] == "network-object":
				w = w[1:]
			default:
				return netResult{}, fmt.Sprintf("object-group %s line %d: entry not understood", name, l.N)
			}
		}
		s, u, ok := parseNet(w)
		if !ok {
			return netResult{}, fmt.Sprintf("object %s line %d: address not understood", name, l.N)
		}
		if u != "" {
			unm = append(unm, u)
		}
		r.addrs = r.addrs.Union(s)
	}
	r.unmodelled = strings.Join(unm, "; ")
	return r, ""
}

// svcObject resolves an object service, an object-group service or an
// object-group protocol once.
func (c *Config) svcObject(name string, group bool) (svcResult, string) {
	key := "o " + name
	raw := c.objects[name]
	if group {
		key, raw = "g "+name, c.groupsRaw[name]
	}
	if raw == nil || (raw.kind != "service" && raw.kind != "protocol") {
		return svcResult{}, "service object " + name + " is not defined"
	}
	return c.svcMemo.Resolve(key, "object-group "+name+" contains itself", func() (svcResult, string) { return c.resolveSvc(name, group, raw) })
}

// resolveSvc is svcObject's first answer for name, defined by raw.
func (c *Config) resolveSvc(name string, group bool, raw *rawObject) (svcResult, string) {
	var r svcResult
	fail := func(l device.Line, what string) (svcResult, string) {
		return svcResult{}, fmt.Sprintf("object %s line %d: %s", name, l.N, what)
	}
	var groupProtos []uint8
	if raw.kind == "service" && raw.proto != "" {
		ps, ok := protos(raw.proto)
		if !ok {
			return fail(device.Line{N: raw.line}, "protocol not understood")
		}
		r.port, groupProtos = true, ps
	}
	for _, l := range raw.body {
		w := l.Words
		switch {
		case w[0] == "description":
		case w[0] == "group-object" && len(w) == 2, w[0] == "service-object" && len(w) == 3 && w[1] == "object":
			g, err := c.svcObject(w[len(w)-1], w[0] == "group-object")
			if err != "" {
				return svcResult{}, err
			}
			r.svcs = append(r.svcs, g.svcs...)
		case w[0] == "protocol-object" && len(w) == 2:
			ps, ok := protos(w[1])
			if !ok {
				return fail(l, "protocol not understood")
			}
			r.svcs = append(r.svcs, device.Service{Protos: ps})
		case w[0] == "port-object" && r.port:
			p, n, ok := ciscoacl.PortOp(w[1:], groupProtos)
			if !ok || n != len(w)-1 {
				return fail(l, "port not understood")
			}
			r.svcs = append(r.svcs, device.Service{Protos: groupProtos, DstPorts: &p})
		case (w[0] == "service-object" && len(w) >= 2) || (w[0] == "service" && !group && len(w) >= 2):
			s, err := serviceSpec(w[1:])
			if err != "" {
				return fail(l, err)
			}
			r.svcs = append(r.svcs, s)
		default:
			return fail(l, "entry not understood")
		}
	}
	return r, ""
}

// serviceSpec reads "tcp [source OP] [destination OP]" (or the older "tcp
// eq 80" for the destination), "icmp [type]", "ip", a protocol.
func serviceSpec(w []string) (device.Service, string) {
	ps, ok := protos(w[0])
	if !ok {
		return device.Service{}, "protocol not understood"
	}
	s := device.Service{Protos: ps}
	rest := w[1:]
	ported := ps != nil && firewall.HasPorts(ps[0])
	for len(rest) > 0 {
		switch {
		case ported && (rest[0] == "source" || rest[0] == "destination"):
			p, n, ok := ciscoacl.PortOp(rest[1:], ps)
			if !ok {
				return s, rest[0] + " port not understood"
			}
			if rest[0] == "source" {
				s.SrcPorts = &p
			} else {
				s.DstPorts = &p
			}
			rest = rest[1+n:]
		case ported && ciscoacl.IsPortOp(rest[0]):
			p, n, ok := ciscoacl.PortOp(rest, ps)
			if !ok {
				return s, "port not understood"
			}
			s.DstPorts, rest = &p, rest[n:]
		case len(ps) == 1 && (ps[0] == firewall.ProtoICMP || ps[0] == firewall.ProtoICMPv6):
			s.Unmodelled = "ICMP type " + strings.Join(rest, " ")
			rest = nil
		default:
			return s, "service not understood"
		}
	}
	return s, ""
}

// protos reads a protocol word: nil for ip; tcp-udp is both.
func protos(s string) ([]uint8, bool) {
	switch s {
	case "ip":
		return nil, true
	case "tcp-udp":
		return []uint8{firewall.ProtoTCP, firewall.ProtoUDP}, true
	case "icmp6":
		return []uint8{firewall.ProtoICMPv6}, true
	case "ah":
		return []uint8{51}, true
	case "nos":
		return []uint8{94}, true
	case "pcp":
		return []uint8{108}, true
	case "snp":
		return []uint8{109}, true
	}
	n, ok := protocol.Number(s)
	if !ok {
		return nil, false
	}
	return []uint8{n}, true
}

// route reads "route IFNAME NET MASK GATEWAY [metric]": the network is
// reached through that interface (after all interfaces are read).
func (c *Config) route(l device.Line) {
	w := l.Words
	a, err1 := netip.ParseAddr(w[2])
	m, err2 := netip.ParseAddr(w[3])
	bits, ok := 0, false
	if err1 == nil && err2 == nil && a.Is4() && m.Is4() {
		bits, ok = device.MaskBits(m)
	}
	for _, i := range c.Interfaces {
		if ok && i.Name == w[1] {
			i.Routes = append(i.Routes, netip.PrefixFrom(a, bits).Masked())
			return
		}
	}
	c.Notes.Add(l.N, false, "static route not read: flows to it need --to-interface")
}
