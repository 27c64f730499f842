// Package srx reads Junos SRX security policies into the firewall model,
// from the set form (`show configuration | display set`) or the
// curly-brace form (converted once to set commands): interfaces and zones
// (for the path), address books (global and per zone; address sets nested,
// resolved once each), applications and application sets with the junos-*
// predefined ones, zone-pair policies in order, then global policies, then
// the default policy (deny-all unless permit-all); and destination NAT,
// which SRX applies before the policy lookup (policies see the translated
// address, port and zone). SRX is stateful.
//
// Matches the model lacks (source identities, dynamic applications,
// schedulers, DNS-name addresses, ICMP types) are unmodelled: the verdicts
// that depend on them are unknown.
package srx

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
const Kind = "Junos config"

// Config is what was read of one SRX configuration.
type Config struct {
	File          string
	Zones         []*Zone
	Policies      []*Policy // zone-pair policies in order, then global ones
	DefaultPermit bool
	NATs          []*NAT
	Notes         device.Notes

	ifaceNets map[string][]netip.Prefix
	books     map[string]map[string]*book // zone ("" global) → name → entry
	apps      map[string]*appDef
	addrMemo  device.Memo[device.Addresses]
	appMemo   device.Memo[[]device.Service]
}

// Zone is a security zone.
type Zone struct {
	Name       string
	Line       int
	Interfaces []string
	Routes     []netip.Prefix
}

// Policy is one security policy.
type Policy struct {
	Name             string
	Line             int
	From, To         string // "" any (global policies)
	Global           bool
	Src, Dst         firewall.AddrSet
	SrcExcl, DstExcl bool
	Services         []device.Service // nil with AnyApp
	AnyApp           bool
	Action           string
	Unmodelled       []string
	Unknown          string

	srcNames, dstNames, appNames []string
	fromZones, toZones           []string
}

// NAT is one destination NAT rule.
type NAT struct {
	Name       string
	Line       int
	FromZone   string
	Src        firewall.AddrSet
	Dst        firewall.AddrSet
	Port       *firewall.PortSet
	Proto      uint8
	To         firewall.AddrSet
	ToPort     uint16
	Off        bool
	Unmodelled string
}

type book struct {
	line    int
	prefix  []string // address NAME VALUE...
	members []string // address-set NAME address X / address-set Y
	isSet   bool
}

type appDef struct {
	line  int
	terms map[string]map[string]string // term ("" top) → key → value
	order []string
	set   []string
	isSet bool
}

var all4 = firewall.AllAddrs(firewall.FamilyIPv4)

// ReadFile reads and parses a Junos configuration, bounded in bytes.
func ReadFile(path string) (*Config, error) { return device.ReadConfig(Kind, path, Read) }

type policyKey struct{ from, to, name string }

// Read parses a Junos configuration in set or curly-brace form.
func Read(file string, data []byte) (*Config, error) {
	stmts, err := statements(file, data)
	if err != nil {
		return nil, err
	}
	var off [][]string
	for _, s := range stmts {
		if s.deactivate {
			off = append(off, s.words)
		}
	}
	c := &Config{File: file, ifaceNets: map[string][]netip.Prefix{}, books: map[string]map[string]*book{},
		apps: map[string]*appDef{}, addrMemo: device.Memo[device.Addresses]{}, appMemo: device.Memo[[]device.Service]{}}
	zones := map[string]*Zone{}
	zone := func(name string, line int) *Zone {
		z := zones[name]
		if z == nil {
			z = &Zone{Name: name, Line: line}
			zones[name] = z
			c.Zones = append(c.Zones, z)
		}
		return z
	}
	policies := map[policyKey]*Policy{}
	var order []*Policy
	var routes []statement
	pools := map[string][]string{}
	type natRule struct {
		n     *NAT
		words map[string][]string
	}
	natRules := map[string]*natRule{}
	var natOrder []*natRule
	natFrom := map[string]string{}
	known := 0
	for _, s := range stmts {
		if s.deactivate || s.inactive || under(s.words, off) {
			continue
		}
		w := s.words
		has := func(prefix ...string) bool {
			if len(w) < len(prefix) {
				return false
			}
			for i, p := range prefix {
				if p != "*" && w[i] != p {
					return false
				}
			}
			return true
		}
		switch {
		case has("interfaces", "*", "unit", "*", "family", "inet", "address", "*"):
			if p, err := netip.ParsePrefix(w[7]); err == nil && p.Addr().Is4() {
				name := w[1] + "." + w[3]
				c.ifaceNets[name] = append(c.ifaceNets[name], p.Masked())
			}
		case has("security", "zones", "security-zone", "*", "interfaces", "*"):
			z := zone(w[3], s.line)
			name := w[5]
			if !strings.Contains(name, ".") {
				name += ".0"
			}
			if !contains(z.Interfaces, name) {
				z.Interfaces = append(z.Interfaces, name)
			}
		case has("security", "zones", "security-zone", "*", "address-book", "*", "*"):
			zone(w[3], s.line)
			c.bookEntry(w[3], w[5:], s.line)
		case has("security", "zones", "security-zone", "*"):
			zone(w[3], s.line)
		case has("security", "address-book", "*", "attach"):
		case has("security", "address-book", "*", "*", "*"):
			c.bookEntry("", w[3:], s.line)
		case has("applications", "application-set", "*", "*", "*"):
			a := c.app(w[2], s.line)
			a.isSet = true
			a.set = append(a.set, w[3]+" "+w[4])
		case has("applications", "application", "*", "term", "*", "*", "*"):
			a := c.app(w[2], s.line)
			a.setTerm(w[4], w[5], w[6])
		case has("applications", "application", "*", "*", "*"):
			a := c.app(w[2], s.line)
			a.setTerm("", w[3], w[4])
		case has("security", "policies", "from-zone", "*", "to-zone", "*", "policy", "*"):
			k := policyKey{w[3], w[5], w[7]}
			p := policies[k]
			if p == nil {
				p = &Policy{Name: w[7], Line: s.line, From: w[3], To: w[5]}
				policies[k] = p
				order = append(order, p)
			}
			c.policyWords(p, w[8:], s.line)
		case has("security", "policies", "global", "policy", "*"):
			k := policyKey{"", "", w[4]}
			p := policies[k]
			if p == nil {
				p = &Policy{Name: w[4], Line: s.line, Global: true}
				policies[k] = p
				order = append(order, p)
			}
			c.policyWords(p, w[5:], s.line)
		case has("security", "policies", "default-policy", "*"):
			c.DefaultPermit = w[3] == "permit-all"
		case has("security", "policies"):
			c.Notes.Add(s.line, false, "policy option not read")
		case has("routing-options", "static", "route", "*"):
			routes = append(routes, s)
		case has("security", "nat", "destination", "pool", "*", "address", "*"):
			pools[w[4]] = append(pools[w[4]], w[6:]...)
		case has("security", "nat", "destination", "rule-set", "*", "from", "zone", "*"):
			natFrom[w[4]] = w[7]
		case has("security", "nat", "destination", "rule-set", "*", "rule", "*", "*"):
			key := w[4] + "/" + w[6]
			r := natRules[key]
			if r == nil {
				r = &natRule{n: &NAT{Name: w[6], Line: s.line}, words: map[string][]string{}}
				natRules[key] = r
				natOrder = append(natOrder, r)
				r.words["rule-set"] = []string{w[4]}
			}
			k := strings.Join(w[7:min(len(w), 9)], " ")
			r.words[k] = append(r.words[k], w[min(len(w), 9):]...)
		case has("security", "nat", "destination", "rule-set", "*", "from"):
			c.Notes.Add(s.line, true, "destination NAT from interfaces or routing instances is not modelled")
		case has("security", "nat", "source"), has("security", "nat", "proxy-arp"):
			// source NAT: policies see the original source anyway
		case has("security", "nat", "static"):
			c.Notes.Add(s.line, true, "static NAT is not modelled")
		case has("security", "flow"), has("security", "screen"), has("security", "alg"), has("security", "log"):
			c.Notes.Add(s.line, false, "not read")
		case has("version"), has("system"), has("interfaces"), has("protocols"), has("routing-options"), has("snmp"),
			has("policy-options"), has("chassis"), has("services"), has("firewall"), has("class-of-service"), has("routing-instances"),
			has("security"), has("applications"), has("groups"), has("apply-groups"):
		default:
			c.Notes.Add(s.line, false, "command not read")
			continue
		}
		known++
	}
	if known == 0 {
		return nil, &located.Error{Kind: Kind, File: file, Msg: "not a Junos configuration: no set commands or statements of interfaces, security or applications"}
	}
	for _, z := range c.Zones {
		for _, i := range z.Interfaces {
			z.Routes = append(z.Routes, c.ifaceNets[i]...)
		}
	}
	for _, s := range routes {
		c.route(s)
	}
	// Zone-pair policies first, in order; then global ones.
	for _, p := range order {
		if !p.Global {
			c.finish(p)
		}
	}
	for _, p := range order {
		if p.Global {
			c.finish(p)
		}
	}
	for _, r := range natOrder {
		c.finishNAT(r.n, natFrom[r.words["rule-set"][0]], r.words, pools)
	}
	c.Notes.Sort()
	return c, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// under reports whether w lies under one of the deactivated paths.
func under(w []string, off [][]string) bool {
	for _, p := range off {
		if len(p) <= len(w) {
			match := true
			for i := range p {
				if p[i] != w[i] {
					match = false
					break
				}
			}
			if match {
				return true
			}
		}
	}
	return false
}

func (c *Config) bookEntry(zone string, w []string, line int) {
	if len(w) < 2 {
		c.Notes.Add(line, true, "address book entry not read")
		return
	}
	m := c.books[zone]
	if m == nil {
		m = map[string]*book{}
		c.books[zone] = m
	}
	switch w[0] {
	case "address":
		if len(w) < 3 {
			c.Notes.Add(line, true, "address without a value")
			return
		}
		if w[2] == "description" {
			return
		}
		m[w[1]] = &book{line: line, prefix: w[2:]}
	case "address-set":
		b := m[w[1]]
		if b == nil {
			b = &book{line: line, isSet: true}
			m[w[1]] = b
		}
		if len(w) >= 4 && (w[2] == "address" || w[2] == "address-set") {
			b.members = append(b.members, w[3])
		}
	case "description":
	default:
		c.Notes.Add(line, true, "address book entry not read")
	}
}

func (c *Config) app(name string, line int) *appDef {
	a := c.apps[name]
	if a == nil {
		a = &appDef{line: line, terms: map[string]map[string]string{}}
		c.apps[name] = a
	}
	return a
}

func (a *appDef) setTerm(term, key, value string) {
	t := a.terms[term]
	if t == nil {
		t = map[string]string{}
		a.terms[term] = t
		a.order = append(a.order, term)
	}
	t[key] = value
}

func (c *Config) policyWords(p *Policy, w []string, line int) {
	if len(w) < 2 {
		if len(w) == 1 && w[0] == "description" {
			return
		}
		if len(w) >= 1 && w[0] == "then" {
			return
		}
		p.Unknown = fmt.Sprintf("line %d not read", line)
		c.Notes.Add(line, true, "policy "+p.Name+": statement not read")
		return
	}
	switch {
	case w[0] == "match" && (w[1] == "source-address" || w[1] == "destination-address" || w[1] == "application") && len(w) >= 3:
		switch w[1] {
		case "source-address":
			p.srcNames = append(p.srcNames, w[2])
		case "destination-address":
			p.dstNames = append(p.dstNames, w[2])
		default:
			p.appNames = append(p.appNames, w[2])
		}
	case w[0] == "match" && w[1] == "source-address-excluded":
		p.SrcExcl = true
	case w[0] == "match" && w[1] == "destination-address-excluded":
		p.DstExcl = true
	case w[0] == "match" && (w[1] == "from-zone" || w[1] == "to-zone") && len(w) >= 3:
		if w[1] == "from-zone" {
			p.fromZones = append(p.fromZones, w[2])
		} else {
			p.toZones = append(p.toZones, w[2])
		}
	case w[0] == "match" && w[1] == "dynamic-application" && len(w) >= 3:
		if w[2] != "any" && w[2] != "none" {
			p.Unmodelled = append(p.Unmodelled, "dynamic application "+w[2]+" (App-ID)")
		}
	case w[0] == "match" && (w[1] == "source-identity" || w[1] == "source-end-user-profile" || w[1] == "url-category") && len(w) >= 3:
		if w[2] != "any" {
			p.Unmodelled = append(p.Unmodelled, w[1]+" "+w[2])
		}
	case w[0] == "then" && (w[1] == "permit" || w[1] == "deny" || w[1] == "reject"):
		if p.Action == "" || w[1] != "permit" || p.Action == "permit" {
			p.Action = w[1]
		}
	case w[0] == "then" && (w[1] == "log" || w[1] == "count"):
	case w[0] == "scheduler-name":
		p.Unmodelled = append(p.Unmodelled, "scheduler "+w[1])
	case w[0] == "description":
	default:
		p.Unknown = fmt.Sprintf("line %d not read", line)
		c.Notes.Add(line, true, "policy "+p.Name+": statement not read")
	}
}

func (c *Config) finish(p *Policy) {
	// in looks names up from zone's address book.
	in := func(zone string) func(string) (firewall.AddrSet, []string, string) {
		return func(name string) (firewall.AddrSet, []string, string) { return c.address(zone, name) }
	}
	src, srcUnm, srcErr := device.Union(p.srcNames, in(p.From))
	dst, dstUnm, dstErr := device.Union(p.dstNames, in(p.To))
	for _, err := range []string{srcErr, dstErr} {
		if err != "" {
			p.Unknown = err
		}
	}
	p.Unmodelled = append(append(p.Unmodelled, srcUnm...), dstUnm...)
	if len(p.srcNames) == 0 || len(p.dstNames) == 0 || len(p.appNames) == 0 {
		if p.Unknown == "" {
			p.Unknown = "match source-address, destination-address and application are required"
		}
	}
	p.Src, p.Dst = src, dst
	for _, n := range p.appNames {
		if n == "any" {
			p.AnyApp = true
			continue
		}
		s, err := c.application(n)
		if err != "" {
			p.Unknown = err
		}
		for _, x := range s {
			if x.Unmodelled != "" {
				c.Notes.Add(p.Line, true, "policy "+p.Name+": "+x.Unmodelled+" is not modelled")
			}
		}
		p.Services = append(p.Services, s...)
	}
	if p.Action == "" && p.Unknown == "" {
		p.Unknown = "no then permit|deny|reject"
	}
	if p.Global && len(p.fromZones) > 0 {
		p.From = strings.Join(p.fromZones, ",")
	}
	if p.Global && len(p.toZones) > 0 {
		p.To = strings.Join(p.toZones, ",")
	}
	for _, u := range p.Unmodelled {
		c.Notes.Add(p.Line, true, "policy "+p.Name+": "+u+" is not modelled")
	}
	if p.Unknown != "" {
		c.Notes.Add(p.Line, true, "policy "+p.Name+": "+p.Unknown)
	}
	c.Policies = append(c.Policies, p)
}

func (c *Config) route(s statement) {
	w := s.words
	p, err := netip.ParsePrefix(w[3])
	if err != nil || !p.Addr().Is4() || len(w) < 6 || w[4] != "next-hop" {
		if len(w) >= 5 && (w[4] == "discard" || w[4] == "reject") {
			return
		}
		c.Notes.Add(s.line, false, "static route not read: flows to it need --to-zone")
		return
	}
	hop, err := netip.ParseAddr(w[5])
	if err != nil {
		c.Notes.Add(s.line, false, "static route not read: flows to it need --to-zone")
		return
	}
	for _, z := range c.Zones {
		for _, i := range z.Interfaces {
			for _, n := range c.ifaceNets[i] {
				if n.Contains(hop) {
					z.Routes = append(z.Routes, p.Masked())
					return
				}
			}
		}
	}
	c.Notes.Add(s.line, false, "static route through no zone's interface: flows to it need --to-zone")
}

func (c *Config) finishNAT(n *NAT, from string, words map[string][]string, pools map[string][]string) {
	n.FromZone = from
	n.Src = all4
	var unm []string
	if from == "" {
		unm = append(unm, "rule set without from zone")
	}
	addr := func(v []string) firewall.AddrSet {
		var s firewall.AddrSet
		for _, x := range v {
			p, err := firewall.ParsePrefixOrAddr(x)
			if err != nil {
				if a, _, e := c.address("", x); e == "" {
					s = s.Union(a)
					continue
				}
				unm = append(unm, "address "+x)
				continue
			}
			s = s.Union(firewall.PrefixSet(p))
		}
		return s
	}
	for k, v := range words {
		switch k {
		case "rule-set":
		case "match destination-address":
			n.Dst = n.Dst.Union(addr(v))
		case "match source-address":
			n.Src = addr(v)
		case "match destination-port":
			x := strings.ReplaceAll(strings.Join(v, " "), " to ", "-")
			ps, ok := portRange(x)
			if !ok {
				unm = append(unm, "destination-port "+x)
				continue
			}
			n.Port = &ps
		case "match protocol":
			if len(v) == 1 {
				if p, ok := protocol.Number(v[0]); ok {
					n.Proto = p
					continue
				}
			}
			unm = append(unm, "protocol")
		case "then destination-nat":
			if len(v) == 1 && v[0] == "off" {
				n.Off = true
				continue
			}
			if len(v) != 2 || v[0] != "pool" || pools[v[1]] == nil {
				unm = append(unm, "destination-nat target")
				continue
			}
			pv := pools[v[1]]
			p, err := firewall.ParsePrefixOrAddr(pv[0])
			if err != nil || !single(firewall.PrefixSet(p)) {
				unm = append(unm, "pool "+v[1]+" of several addresses")
				continue
			}
			n.To = firewall.PrefixSet(p)
			if len(pv) >= 3 && pv[1] == "port" {
				x, err := strconv.ParseUint(pv[2], 10, 16)
				if err != nil {
					unm = append(unm, "pool port")
				}
				n.ToPort = uint16(x)
			}
		default:
			unm = append(unm, k)
		}
	}
	if n.Dst.IsEmpty() {
		unm = append(unm, "no destination-address")
	}
	sort.Strings(unm)
	n.Unmodelled = strings.Join(unm, "; ")
	if n.Unmodelled != "" {
		c.Notes.Add(n.Line, true, "destination NAT rule "+n.Name+": "+n.Unmodelled+" not modelled")
	}
	c.NATs = append(c.NATs, n)
}

func single(s firewall.AddrSet) bool {
	a, ok := s.First()
	return ok && s.Equal(firewall.AddrOf(a))
}
