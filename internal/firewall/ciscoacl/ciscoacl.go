// Package ciscoacl reads the access lists of a Cisco IOS / IOS-XE
// running-config into the firewall model: named (`ip access-list standard
// | extended NAME`) and numbered (`access-list N`) lists, their entries in
// sequence-number order with the implicit deny at the end, `host`,
// wildcard masks (non-contiguous ones too), `any`, `object-group network
// | service`, port operators and `established`; and the interfaces that
// bind them (`ip access-group NAME in|out`) with their addresses, which
// tell which interfaces a flow crosses.
//
// IOS access lists are stateless: a reply crosses the access lists of its
// own way back (the egress interface's "in" list, the ingress interface's
// "out" list) and passes only where they permit it (`established`, or an
// explicit entry). The model is one forward-hook table: a base chain for
// the lists bound "in" (by input interface) and one after it for those
// bound "out" (by output interface), each list a user chain ending in its
// implicit deny. The engine takes the interfaces from the flow's path
// (Config.Engine).
//
// What is not read is reported as a Note; entries with matches the model
// lacks (time ranges, ICMP types, DSCP, TTL...) are unmodelled rules, so
// the verdicts that depend on them are unknown. Interfaces doing NAT,
// inspection (CBAC) or zone-based firewalling make every flow through them
// unknown.
package ciscoacl

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/protocol"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Kind names this input in errors.
const Kind = "Cisco IOS config"

// Config is what was read of one running-config.
type Config struct {
	File       string
	ACLs       map[string]*ACL
	Interfaces []*Interface
	// Notes are the lines not (fully) understood, in line order.
	Notes device.Notes

	netRaw, svcRaw map[string]*rawGroup
	nets           device.Memo[firewall.AddrSet]
	svcs           device.Memo[[]device.Service]
	routes         []device.Line
}

// ACL is one access list.
type ACL struct {
	Name     string
	Standard bool
	Line     int
	Entries  []*Entry
	nextSeq  int
}

// Entry is one permit or deny entry. It matches a packet when any of its
// Matches does (an object group of services gives several).
type Entry struct {
	Seq    int
	Line   int
	Text   string
	Permit bool
	// Matches: nil with Never set for an entry that meets no packet of a
	// flow (fragments).
	Matches []device.Match
	Never   bool
	// Established: the entry matches only TCP packets with ACK (or RST)
	// set ("established").
	Established bool
	// Unmodelled: the entry's matches the model lacks; Unknown, when set,
	// the entry's action is not modelled (reflexive "evaluate", "dynamic").
	Unmodelled []string
	Unknown    string
}

// Interface is one interface with its addresses and bound lists.
type Interface struct {
	Name     string
	Line     int
	Subnets  []netip.Prefix // of its addresses
	Routes   []netip.Prefix // static routes through it
	In, Out  string         // bound access lists
	InLine   int
	OutLine  int
	Shutdown bool
	// Unmodelled: what the interface does that the model lacks (NAT,
	// inspection, zones): every flow through it is unknown.
	Unmodelled []string
}

type rawGroup struct {
	name string
	line int
	body []device.Line
}

var all4 = firewall.AllAddrs(firewall.FamilyIPv4)

// ReadFile reads and parses a running-config, bounded in bytes.
func ReadFile(path string) (*Config, error) { return device.ReadConfig(Kind, path, Read) }

// Read parses a running-config (show running-config output).
func Read(file string, data []byte) (*Config, error) {
	lines, err := device.Lines(Kind, file, data, "!")
	if err != nil {
		return nil, err
	}
	c := &Config{File: file, ACLs: map[string]*ACL{}, netRaw: map[string]*rawGroup{}, svcRaw: map[string]*rawGroup{},
		nets: device.Memo[firewall.AddrSet]{}, svcs: device.Memo[[]device.Service]{}}
	blocks := splitBlocks(lines, c)
	// Object groups first: entries may name groups defined further down.
	for _, b := range blocks {
		w := b.head.Words
		if len(w) >= 3 && w[0] == "object-group" {
			g := &rawGroup{name: w[2], line: b.head.N, body: b.body}
			switch w[1] {
			case "network":
				c.netRaw[w[2]] = g
			case "service":
				c.svcRaw[w[2]] = g
			default:
				c.Notes.Add(b.head.N, true, "object-group "+w[1]+" is not read")
			}
		}
	}
	known := 0
	for _, b := range blocks {
		if c.block(b) {
			known++
		}
	}
	if known == 0 {
		return nil, &located.Error{Kind: Kind, File: file, Msg: "not a Cisco IOS configuration: no interface, access-list or object-group"}
	}
	c.staticRoutes()
	for _, a := range c.ACLs {
		sort.SliceStable(a.Entries, func(i, j int) bool { return a.Entries[i].Seq < a.Entries[j].Seq })
	}
	c.Notes.Sort()
	return c, nil
}

type block struct {
	head device.Line
	body []device.Line
}

// splitBlocks groups each top-level line with the indented lines under it,
// skipping banners (their text is free and may look like commands).
func splitBlocks(lines []device.Line, c *Config) []block {
	var out []block
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l.Indent > 0 {
			if len(out) == 0 {
				c.Notes.Add(l.N, false, "indented line outside any section")
				continue
			}
			out[len(out)-1].body = append(out[len(out)-1].body, l)
			continue
		}
		if l.Words[0] == "banner" && len(l.Words) >= 3 {
			rest := strings.Join(l.Words[2:], " ")
			delim := rest[:1]
			if strings.HasPrefix(rest, "^") && len(rest) >= 2 {
				delim = rest[:2]
			}
			if strings.Count(rest, delim) >= 2 {
				continue
			}
			for i++; i < len(lines) && !strings.Contains(lines[i].Text(), delim); i++ {
			}
			continue
		}
		out = append(out, block{head: l})
	}
	return out
}

// silent are top-level commands that do not filter forwarded IPv4 packets.
var silent = map[string]bool{
	"version": true, "service": true, "hostname": true, "boot": true, "boot-start-marker": true, "boot-end-marker": true,
	"enable": true, "username": true, "aaa": true, "clock": true, "logging": true, "ntp": true, "snmp-server": true,
	"line": true, "router": true, "end": true, "control-plane": true, "spanning-tree": true, "vlan": true,
	"license": true, "archive": true, "no": true, "redundancy": true, "crypto": true, "cdp": true, "lldp": true,
	"vtp": true, "mac": true, "errdisable": true, "diagnostic": true, "platform": true, "memory": true,
	"call-home": true, "alias": true, "privilege": true, "file": true, "exception": true, "scheduler": true,
	"route-map": true, "mpls": true, "vrf": true, "event": true, "monitor": true, "transport": true,
	"Building": true, "Current": true, "tacacs": true, "radius": true, "tacacs-server": true, "radius-server": true,
	"dot1x": true, "device-tracking": true, "login": true, "subscriber": true, "hw-module": true, "key": true,
	"track": true, "multilink": true, "voice": true, "dial-peer": true, "telephony-service": true, "system": true,
	"class-map": true, "policy-map": true, "wsma": true, "netconf-yang": true, "restconf": true, "snmp": true,
	"ipv6": true, "username-secret": true, "security": true, "management": true, "domain": true, "flow": true,
	"sampler": true, "xconnect": true, "pseudowire-class": true, "bfd": true, "bfd-template": true, "rmon": true,
}

// silentIP are "ip ..." top-level commands that do not filter.
var silentIP = map[string]bool{
	"route": true, "domain": true, "domain-name": true, "name-server": true, "ssh": true, "http": true, "cef": true,
	"forward-protocol": true, "dhcp": true, "sla": true, "vrf": true, "prefix-list": true, "tftp": true, "ftp": true,
	"scp": true, "tacacs": true, "radius": true, "multicast-routing": true, "routing": true, "subnet-zero": true,
	"classless": true, "bootp": true, "source-route": true, "finger": true, "community-list": true, "as-path": true,
	"host": true, "flow-export": true, "flow-cache": true, "default-gateway": true, "icmp": true, "options": true,
	"arp": true, "igmp": true, "pim": true, "ospf": true, "bgp-community": true, "extcommunity-list": true, "lookup": true,
}

// block reads one top-level section; it reports whether the section was an
// IOS command this reader knows (filtering or not).
func (c *Config) block(b block) bool {
	w := b.head.Words
	n := b.head.N
	switch {
	case w[0] == "interface" && len(w) >= 2:
		c.iface(b)
		return true
	case w[0] == "object-group":
		return true // read first; errors are reported where a group is used
	case w[0] == "access-list" && len(w) >= 3:
		c.numbered(b.head)
		for _, l := range b.body {
			c.Notes.Add(l.N, false, "indented line under a numbered access-list")
		}
		return true
	case w[0] == "ip" && len(w) >= 2 && w[1] == "access-list":
		if len(w) == 4 && (w[2] == "standard" || w[2] == "extended") {
			c.named(b, w[3], w[2] == "standard")
			return true
		}
		if len(w) >= 3 && (w[2] == "resequence" || w[2] == "logging" || w[2] == "log-update" || w[2] == "role-based") {
			return true
		}
		c.Notes.Add(n, true, "access list kind not read")
		return true
	case w[0] == "ip" && len(w) >= 2 && (w[1] == "inspect" || w[1] == "nat"):
		c.Notes.Add(n, true, "ip "+w[1]+" is not modelled: flows through interfaces that use it are unknown")
		return true
	case w[0] == "zone" || w[0] == "zone-pair" || w[0] == "parameter-map":
		c.Notes.Add(n, true, "zone-based firewall is not modelled: flows through zone members are unknown")
		return true
	case w[0] == "ip" && len(w) >= 5 && w[1] == "route" && w[2] != "vrf":
		c.routes = append(c.routes, b.head)
		return true
	case w[0] == "ip" && len(w) >= 2 && silentIP[w[1]]:
		return true
	case w[0] == "ipv6" && len(w) >= 2 && w[1] == "access-list":
		c.Notes.Add(n, false, "IPv6 access lists are not read: IPv6 flows are unknown")
		return true
	case silent[w[0]]:
		return true
	}
	c.Notes.Add(n, false, "command not read (not an access list, object group or interface)")
	return false
}

func (c *Config) iface(b block) {
	i := &Interface{Name: b.head.Words[1], Line: b.head.N}
	if len(b.head.Words) > 2 {
		i.Name = strings.Join(b.head.Words[1:], " ")
	}
	for _, l := range b.body {
		w := l.Words
		switch {
		case len(w) >= 3 && w[0] == "ip" && w[1] == "address":
			if len(w) >= 4 {
				a, err1 := netip.ParseAddr(w[2])
				m, err2 := netip.ParseAddr(w[3])
				if err1 == nil && err2 == nil && a.Is4() && m.Is4() {
					if bits, ok := device.MaskBits(m); ok {
						i.Subnets = append(i.Subnets, netip.PrefixFrom(a, bits).Masked())
						continue
					}
				}
			}
			c.Notes.Add(l.N, false, "interface address not read: the interface is found only by name")
		case len(w) == 4 && w[0] == "ip" && w[1] == "access-group" && (w[3] == "in" || w[3] == "out"):
			if w[3] == "in" {
				i.In, i.InLine = w[2], l.N
			} else {
				i.Out, i.OutLine = w[2], l.N
			}
		case len(w) >= 2 && w[0] == "ip" && w[1] == "access-group":
			c.Notes.Add(l.N, true, "access-group form not read")
			i.Unmodelled = append(i.Unmodelled, fmt.Sprintf("line %d: access-group form not read", l.N))
		case len(w) == 1 && w[0] == "shutdown":
			i.Shutdown = true
		case len(w) >= 2 && w[0] == "ip" && (w[1] == "nat" || w[1] == "inspect" || w[1] == "verify" || w[1] == "policy"):
			i.Unmodelled = append(i.Unmodelled, fmt.Sprintf("line %d: ip %s is not modelled", l.N, w[1]))
		case len(w) >= 2 && w[0] == "zone-member":
			i.Unmodelled = append(i.Unmodelled, fmt.Sprintf("line %d: zone-based firewall is not modelled", l.N))
		case len(w) >= 2 && w[0] == "service-policy" && w[1] == "type" && len(w) >= 3 && w[2] == "inspect":
			i.Unmodelled = append(i.Unmodelled, fmt.Sprintf("line %d: inspection policy is not modelled", l.N))
		}
	}
	c.Interfaces = append(c.Interfaces, i)
}

// standardNumber: numbered lists 1-99 and 1300-1999 are standard, 100-199
// and 2000-2699 extended.
func numberKind(s string) (standard, ok bool) {
	n, err := strconv.Atoi(s)
	switch {
	case err != nil:
		return false, false
	case n >= 1 && n <= 99, n >= 1300 && n <= 1999:
		return true, true
	case n >= 100 && n <= 199, n >= 2000 && n <= 2699:
		return false, true
	}
	return false, false
}

func (c *Config) acl(name string, standard bool, line int) *ACL {
	a := c.ACLs[name]
	if a == nil {
		a = &ACL{Name: name, Standard: standard, Line: line}
		c.ACLs[name] = a
	}
	return a
}

func (c *Config) numbered(l device.Line) {
	w := l.Words
	standard, ok := numberKind(w[1])
	if !ok {
		c.Notes.Add(l.N, true, "access-list number not of an IPv4 standard or extended list")
		return
	}
	a := c.acl(w[1], standard, l.N)
	c.entry(a, l, w[2:], false)
}

func (c *Config) named(b block, name string, standard bool) {
	a := c.acl(name, standard, b.head.N)
	for _, l := range b.body {
		c.entry(a, l, l.Words, true)
	}
}

// entry reads one entry (words after "access-list N", or a line of a named
// list, which may start with a sequence number).
func (c *Config) entry(a *ACL, l device.Line, w []string, seqAllowed bool) {
	e := &Entry{Line: l.N, Text: l.Text()}
	if seqAllowed && len(w) > 0 {
		if n, err := strconv.Atoi(w[0]); err == nil && n > 0 {
			e.Seq, w = n, w[1:]
		}
	}
	if len(w) == 0 {
		c.Notes.Add(l.N, true, "entry without an action")
		return
	}
	e.Text = strings.Join(w, " ")
	switch w[0] {
	case "remark":
		return
	case "permit":
		e.Permit = true
	case "deny":
	case "evaluate", "dynamic":
		e.Unknown = w[0] + " entries (reflexive and dynamic lists) are not modelled"
		c.Notes.Add(l.N, true, w[0]+" entry not modelled")
		c.add(a, e)
		return
	default:
		e.Unknown = "entry not understood"
		c.Notes.Add(l.N, true, "entry not understood")
		c.add(a, e)
		return
	}
	var err string
	if a.Standard {
		err = c.standardEntry(e, w[1:])
	} else {
		err = c.extendedEntry(e, w[1:])
	}
	if err != "" {
		e.Matches = nil
		e.Unknown = err
		c.Notes.Add(l.N, true, err)
	}
	for _, u := range e.Unmodelled {
		c.Notes.Add(l.N, true, u+" is not modelled")
	}
	c.add(a, e)
}

func (c *Config) add(a *ACL, e *Entry) {
	if e.Seq == 0 {
		e.Seq = a.nextSeq + 10
		if len(a.Entries) == 0 && a.nextSeq == 0 {
			e.Seq = 10
		}
	}
	if e.Seq > a.nextSeq {
		a.nextSeq = e.Seq
	}
	a.Entries = append(a.Entries, e)
}

func (c *Config) standardEntry(e *Entry, w []string) string {
	src, n, err := c.address(w, false)
	if err != "" {
		return err
	}
	for _, opt := range w[n:] {
		if opt != "log" {
			return "standard entry option not understood"
		}
	}
	e.Matches = []device.Match{{Src: src, Dst: all4}}
	return ""
}

// address reads an address: any, host A, object-group NAME, A WILDCARD (or
// A alone in a standard list: a host).
func (c *Config) address(w []string, extended bool) (firewall.AddrSet, int, string) {
	if len(w) == 0 {
		return firewall.AddrSet{}, 0, "address missing"
	}
	switch w[0] {
	case "any":
		return all4, 1, ""
	case "host":
		if len(w) < 2 {
			return firewall.AddrSet{}, 0, "host without an address"
		}
		a, err := netip.ParseAddr(w[1])
		if err != nil || !a.Is4() {
			return firewall.AddrSet{}, 0, "bad host address"
		}
		return firewall.AddrOf(a), 2, ""
	case "object-group":
		if len(w) < 2 {
			return firewall.AddrSet{}, 0, "object-group without a name"
		}
		s, err := c.netGroup(w[1])
		return s, 2, err
	}
	a, err := netip.ParseAddr(w[0])
	if err != nil || !a.Is4() {
		return firewall.AddrSet{}, 0, "address not understood"
	}
	if len(w) >= 2 {
		if wc, err := netip.ParseAddr(w[1]); err == nil && wc.Is4() {
			b := wc.As4()
			m := netip.AddrFrom4([4]byte{^b[0], ^b[1], ^b[2], ^b[3]})
			s, err := firewall.MaskSet(a, m)
			if err != nil {
				return firewall.AddrSet{}, 0, "wildcard mask: " + err.Error()
			}
			return s, 2, ""
		}
	}
	if extended {
		return firewall.AddrSet{}, 0, "address without a wildcard mask"
	}
	return firewall.AddrOf(a), 1, ""
}

// proto reads an IP protocol word: nil for "ip".
func proto(s string) ([]uint8, bool) {
	switch s {
	case "ip":
		return nil, true
	case "ahp":
		return []uint8{51}, true
	case "nos":
		return []uint8{94}, true
	case "ipinip":
		return []uint8{4}, true
	case "pcp":
		return []uint8{108}, true
	}
	n, ok := protocol.Number(s)
	if !ok {
		return nil, false
	}
	if n == 0 { // "0" is HOPOPT, but IOS "ip" is every protocol
		return []uint8{0}, true
	}
	return []uint8{n}, true
}

func (c *Config) extendedEntry(e *Entry, w []string) string {
	if len(w) == 0 {
		return "entry without a protocol"
	}
	var svcs []device.Service
	i := 0
	if w[0] == "object-group" {
		if len(w) < 2 {
			return "object-group without a name"
		}
		g, err := c.svcGroup(w[1])
		if err != "" {
			return err
		}
		svcs, i = g, 2
	} else {
		p, ok := proto(w[0])
		if !ok {
			return "protocol not understood"
		}
		svcs, i = []device.Service{{Protos: p}}, 1
	}
	ported := len(svcs) == 1 && svcs[0].Protos != nil && len(svcs[0].Protos) == 1 && firewall.HasPorts(svcs[0].Protos[0]) && w[0] != "object-group"
	src, n, err := c.address(w[i:], true)
	if err != "" {
		return err
	}
	i += n
	var sport, dport *firewall.PortSet
	if ported && i < len(w) && IsPortOp(w[i]) {
		s, n, ok := PortOp(w[i:], svcs[0].Protos)
		if !ok {
			return "source port not understood"
		}
		sport, i = &s, i+n
	}
	dst, n, err := c.address(w[i:], true)
	if err != "" {
		return err
	}
	i += n
	if ported && i < len(w) && IsPortOp(w[i]) {
		s, n, ok := PortOp(w[i:], svcs[0].Protos)
		if !ok {
			return "destination port not understood"
		}
		dport, i = &s, i+n
	}
	established := false
	isICMP := len(svcs) == 1 && len(svcs[0].Protos) == 1 && svcs[0].Protos[0] == firewall.ProtoICMP && w[0] != "object-group"
	for ; i < len(w); i++ {
		switch o := w[i]; {
		case o == "established" && ported && svcs[0].Protos[0] == firewall.ProtoTCP:
			established = true
		case o == "log" || o == "log-input":
			if i+1 < len(w) && !isOption(w[i+1]) {
				i++ // a log tag
			}
		case o == "fragments":
			// Only non-initial fragments match; a flow's packets are whole.
			e.Never = true
		case o == "reflect" && i+1 < len(w):
			i++ // permits like any entry; the reflexive entries it makes are used by "evaluate"
			if i+1 < len(w) && w[i+1] == "timeout" {
				i += 2
			}
		case o == "time-range" && i+1 < len(w):
			e.Unmodelled = append(e.Unmodelled, "time-range "+w[i+1])
			i++
		case (o == "dscp" || o == "precedence" || o == "tos" || o == "ttl" || o == "option") && i+1 < len(w):
			e.Unmodelled = append(e.Unmodelled, o+" match")
			i++
			if o == "ttl" && i+1 < len(w) && (w[i] == "range") {
				i += 2
			} else if o == "ttl" {
				i++
			}
		case isICMP && !isOption(o):
			e.Unmodelled = append(e.Unmodelled, "ICMP type "+o)
		case o == "match-any" || o == "match-all" || o == "ack" || o == "syn" || o == "fin" || o == "psh" || o == "rst" || o == "urg" || strings.HasPrefix(o, "+") || strings.HasPrefix(o, "-"):
			e.Unmodelled = append(e.Unmodelled, "TCP flags "+o)
		default:
			return "entry option not understood"
		}
	}
	if e.Never {
		return ""
	}
	ms, unm := device.Matches(svcs, src, dst, sport, dport)
	e.Matches, e.Unmodelled, e.Established = append(e.Matches, ms...), append(e.Unmodelled, unm...), established
	return ""
}

func isOption(w string) bool {
	switch w {
	case "log", "log-input", "established", "fragments", "time-range", "dscp", "precedence", "tos", "ttl", "option", "reflect", "match-any", "match-all":
		return true
	}
	return false
}

// staticRoutes adds "ip route NET MASK (IFACE | NEXTHOP) ..." to the
// interfaces they leave by (a next hop's interface is the one whose
// subnet holds it), so that flows to remote networks find their egress.
func (c *Config) staticRoutes() {
	for _, l := range c.routes {
		w := l.Words
		a, err1 := netip.ParseAddr(w[2])
		m, err2 := netip.ParseAddr(w[3])
		bits, ok := 0, false
		if err1 == nil && err2 == nil && a.Is4() && m.Is4() {
			bits, ok = device.MaskBits(m)
		}
		if !ok {
			c.Notes.Add(l.N, false, "static route not read: flows to it need --to-interface")
			continue
		}
		p := netip.PrefixFrom(a, bits).Masked()
		var via *Interface
		if hop, err := netip.ParseAddr(w[4]); err == nil {
			for _, i := range c.Interfaces {
				for _, s := range i.Subnets {
					if s.Contains(hop) && via == nil {
						via = i
					}
				}
			}
		} else {
			for _, i := range c.Interfaces {
				if i.Name == w[4] {
					via = i
				}
			}
		}
		if via == nil {
			c.Notes.Add(l.N, false, "static route through no interface of this config: flows to it need --to-interface")
			continue
		}
		via.Routes = append(via.Routes, p)
	}
}
