// Package flows turns AlgoSec application flows (sources, destinations and
// services that may be names) into address and port sets the firewall engine
// evaluates. Names resolve through the policy's flows section (objects and
// services) and a few well-known services; an unknown name is an error that
// names the flow, never a silently smaller flow.
package flows

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/protocol"
	"github.com/guardrail-monitoring/guardrail/internal/located"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

// Expect is what a flow must do.
type Expect uint8

const (
	ExpectAllow Expect = iota // the flow is required: every point must get through
	ExpectDeny                // the flow is forbidden: no point may get through
)

func (e Expect) String() string {
	if e == ExpectDeny {
		return "deny"
	}
	return "allow"
}

// Service is one protocol with its destination ports.
type Service struct {
	// Proto is an IP protocol number; firewall.ProtoICMP stands for ICMP of
	// the packet's family (ICMPv6 for IPv6).
	Proto uint8
	// Ports are the destination ports (tcp, udp, sctp); empty for others.
	Ports firewall.PortSet
}

func (s Service) String() string {
	name := firewall.ProtoName(s.Proto)
	if firewall.HasPorts(s.Proto) {
		return name + "/" + s.Ports.String()
	}
	return name
}

// Flow is one resolved application flow.
type Flow struct {
	App, Name string
	Expect    Expect
	Src, Dst  firewall.AddrSet
	Services  []Service
	// SrcPorts are the client's source ports (the ephemeral range).
	SrcPorts firewall.PortSet
	File     string
	Line     int
}

// ID is "App/flow" for messages.
func (f Flow) ID() string { return f.App + "/" + f.Name }

// DefaultEphemeral is Linux's net.ipv4.ip_local_port_range default.
var DefaultEphemeral = firewall.Ports(32768, 60999)

// Names are the objects and services names resolve through: the flows
// file's own sections first, then the policy's.
type Names struct {
	layers []*policy.Flows
}

// NewNames looks names up in the given sections in order (nil ones skipped).
func NewNames(sections ...*policy.Flows) Names {
	var n Names
	for _, s := range sections {
		if s != nil {
			n.layers = append(n.layers, s)
		}
	}
	return n
}

func (n Names) object(name string) ([]policy.Text, bool) {
	for _, l := range n.layers {
		if v, ok := l.Objects[name]; ok {
			return v, true
		}
	}
	return nil, false
}

func (n Names) service(name string) ([]policy.Text, bool) {
	for _, l := range n.layers {
		if v, ok := l.Services[name]; ok {
			return v, true
		}
	}
	return nil, false
}

// Resolve turns the applications of file (read by policy.ParseFlows, or the
// policy's own flows section) into flows, in file order. kind is "flows" for
// a flows file and "policy" for the policy's flows section: errors are
// located.Errors of that kind, keyed by the schema path. Each object and
// service group is resolved once, however often (and however deeply) it is
// used: groups nested as diamonds cost their size, not 2^depth.
func Resolve(kind, file string, apps []policy.Application, names Names, ephemeral firewall.PortSet) ([]Flow, error) {
	if ephemeral.IsEmpty() {
		ephemeral = DefaultEphemeral
	}
	prefix := "applications"
	if kind == "policy" {
		prefix = "flows.applications"
	}
	r := &resolver{names: names, addrs: map[string]firewall.AddrSet{}, services: map[string][]Service{}, open: map[string]bool{}}
	var out []Flow
	for ai, app := range apps {
		order := app.Order
		if len(order) != len(app.Flows) {
			order = order[:0:0]
			for k := range app.Flows {
				order = append(order, k)
			}
			sort.Strings(order)
		}
		for _, name := range order {
			pf := app.Flows[name]
			f := Flow{App: app.Name, Name: name, File: file, Line: pf.Line, SrcPorts: ephemeral}
			key := fmt.Sprintf("%s[%d].app_flows.%s", prefix, ai, name)
			fail := func(line int, field, format string, args ...any) error {
				if line == 0 {
					line = pf.Line
				}
				k := key
				if field != "" {
					k += "." + field
				}
				return &located.Error{Kind: kind, File: file, Line: line, Key: k, Msg: "flow " + f.ID() + ": " + fmt.Sprintf(format, args...)}
			}
			if pf.Expect != nil {
				switch pf.Expect.Value {
				case "allow":
				case "deny":
					f.Expect = ExpectDeny
				default:
					return nil, fail(pf.Expect.Line, "expect", "want exactly allow or deny")
				}
			}
			var err error
			if f.Src, err = r.addrList(pf.Sources, fail, "sources"); err != nil {
				return nil, err
			}
			if f.Dst, err = r.addrList(pf.Destinations, fail, "destinations"); err != nil {
				return nil, err
			}
			if len(pf.Services) == 0 {
				return nil, fail(0, "services", "no services")
			}
			for _, s := range pf.Services {
				svcs, err := r.service(s.Value)
				if err != nil {
					return nil, fail(s.Line, "services", "%v", err)
				}
				f.Services = append(f.Services, svcs...)
			}
			f.Services = mergeServices(f.Services)
			same := false
			for _, fam := range f.Src.Families() {
				if !f.Dst.Only(fam).IsEmpty() {
					same = true
				}
			}
			if !same {
				return nil, fail(0, "", "sources (%s) and destinations (%s) share no address family", f.Src, f.Dst)
			}
			out = append(out, f)
		}
	}
	return out, nil
}

// resolver resolves names once each: addrs and services hold the groups
// already resolved, open the ones being resolved (a name met again while
// open is a cycle), stack their order for the message.
type resolver struct {
	names    Names
	addrs    map[string]firewall.AddrSet
	services map[string][]Service
	open     map[string]bool
	stack    []string
}

func (r *resolver) addrList(list []policy.Text, fail func(int, string, string, ...any) error, what string) (firewall.AddrSet, error) {
	if len(list) == 0 {
		return firewall.AddrSet{}, fail(0, what, "no %s", what)
	}
	var set firewall.AddrSet
	for _, t := range list {
		s, err := r.addr(t.Value)
		if err != nil {
			return firewall.AddrSet{}, fail(t.Line, what, "%v", err)
		}
		set = set.Union(s)
	}
	return set, nil
}

// maxDepth bounds name nesting (cycles are caught before; this bounds work).
const maxDepth = 64

func (r *resolver) addr(v string) (firewall.AddrSet, error) {
	v = strings.TrimSpace(v)
	if s, ok, err := ParseAddrs(v); ok || err != nil {
		return s, err
	}
	if s, done := r.addrs[v]; done {
		return s, nil
	}
	if r.open[v] {
		i := len(r.stack) - 1
		for i > 0 && r.stack[i] != v {
			i--
		}
		return firewall.AddrSet{}, fmt.Errorf("object %q refers to itself: %s", v, strings.Join(append(r.stack[i:len(r.stack):len(r.stack)], v), " → "))
	}
	if len(r.stack) >= maxDepth {
		return firewall.AddrSet{}, fmt.Errorf("object %q nested deeper than %d", v, maxDepth)
	}
	members, ok := r.names.object(v)
	if !ok {
		return firewall.AddrSet{}, fmt.Errorf("unknown object %q (not an address, and not in flows.objects)", v)
	}
	if len(members) == 0 {
		return firewall.AddrSet{}, fmt.Errorf("object %q is empty", v)
	}
	r.open[v] = true
	r.stack = append(r.stack, v)
	defer func() { delete(r.open, v); r.stack = r.stack[:len(r.stack)-1] }()
	var set firewall.AddrSet
	for _, m := range members {
		s, err := r.addr(m.Value)
		if err != nil {
			return firewall.AddrSet{}, err
		}
		set = set.Union(s)
	}
	r.addrs[v] = set
	return set, nil
}

// ParseAddrs reads an address literal: "any", an address, a CIDR or a range
// "a-b". ok is false (with no error) when v is not a literal but may be a
// name; err is set when v looks like a literal but is malformed.
func ParseAddrs(v string) (s firewall.AddrSet, ok bool, err error) {
	switch strings.ToLower(v) {
	case "any", "0.0.0.0/0-::/0":
		return firewall.AllAddrs(firewall.FamilyAny), true, nil
	}
	if lo, hi, isRange := strings.Cut(v, "-"); isRange {
		a, errA := netip.ParseAddr(strings.TrimSpace(lo))
		b, errB := netip.ParseAddr(strings.TrimSpace(hi))
		if errA != nil || errB != nil {
			if errA == nil || errB == nil {
				return s, false, fmt.Errorf("bad address range %q", v)
			}
			return s, false, nil // a name with a dash
		}
		if a.Zone() != "" || b.Zone() != "" {
			return s, false, fmt.Errorf("bad address range %q: zones are not allowed", v)
		}
		s, err = firewall.RangeSet(a, b)
		return s, err == nil, err
	}
	if !looksLikeAddr(v) {
		return s, false, nil
	}
	p, err := firewall.ParsePrefixOrAddr(v)
	if err != nil {
		return s, false, err
	}
	return firewall.PrefixSet(p), true, nil
}

// looksLikeAddr: digits and dots, or hex and colons, with an optional /len.
func looksLikeAddr(v string) bool {
	if v == "" {
		return false
	}
	hasColon := strings.Contains(v, ":")
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9', r == '.', r == '/':
		case hasColon && (r == ':' || (r >= 'a' && r <= 'f') || (r >= 'A' && r <= 'F') || r == '%'):
		default:
			return false
		}
	}
	return true
}

// WellKnown are the built-in services (names are case-insensitive).
var WellKnown = map[string][]string{
	"http":       {"tcp/80"},
	"https":      {"tcp/443"},
	"http-alt":   {"tcp/8080"},
	"ssh":        {"tcp/22"},
	"telnet":     {"tcp/23"},
	"ftp":        {"tcp/21"},
	"smtp":       {"tcp/25"},
	"smtps":      {"tcp/465"},
	"submission": {"tcp/587"},
	"dns":        {"udp/53", "tcp/53"},
	"ntp":        {"udp/123"},
	"ldap":       {"tcp/389"},
	"ldaps":      {"tcp/636"},
	"kerberos":   {"tcp/88", "udp/88"},
	"rdp":        {"tcp/3389"},
	"snmp":       {"udp/161"},
	"snmp-trap":  {"udp/162"},
	"syslog":     {"udp/514"},
	"imap":       {"tcp/143"},
	"imaps":      {"tcp/993"},
	"pop3":       {"tcp/110"},
	"pop3s":      {"tcp/995"},
	"smb":        {"tcp/445"},
	"mysql":      {"tcp/3306"},
	"postgresql": {"tcp/5432"},
	"mssql":      {"tcp/1433"},
	"ping":       {"icmp"},
}

func (r *resolver) service(v string) ([]Service, error) {
	v = strings.TrimSpace(v)
	if s, ok, err := ParseService(v); ok || err != nil {
		return s, err
	}
	if s, done := r.services[v]; done {
		return s, nil
	}
	key := "service " + v // services and objects are separate name spaces
	if r.open[key] {
		return nil, fmt.Errorf("service %q refers to itself", v)
	}
	if len(r.stack) >= maxDepth {
		return nil, fmt.Errorf("service %q nested deeper than %d", v, maxDepth)
	}
	members, ok := r.names.service(v)
	if !ok {
		wk, ok := WellKnown[strings.ToLower(v)]
		if !ok {
			return nil, fmt.Errorf("unknown service %q (not proto/port, not in flows.services, not a well-known service)", v)
		}
		for _, m := range wk {
			members = append(members, policy.Text{Value: m})
		}
	}
	if len(members) == 0 {
		return nil, fmt.Errorf("service %q is empty", v)
	}
	r.open[key] = true
	r.stack = append(r.stack, key)
	defer func() { delete(r.open, key); r.stack = r.stack[:len(r.stack)-1] }()
	var out []Service
	for _, m := range members {
		s, err := r.service(m.Value)
		if err != nil {
			return nil, err
		}
		out = append(out, s...)
	}
	out = mergeServices(out)
	r.services[v] = out
	return out, nil
}

// flowProtocols are the protocols a flow's service may name; their numbers
// come from the one protocol table. Other protocol names stay free for
// service names ("rdp" is tcp/3389 here, not protocol 27).
var flowProtocols = map[string]bool{"tcp": true, "udp": true, "sctp": true, "icmp": true, "icmpv6": true, "ipv6-icmp": true}

// protoNumber is the number of a protocol a flow may name; ICMPv6 is
// firewall.ProtoICMP, which stands for the ICMP of the packet's family.
func protoNumber(name string) (uint8, bool) {
	if !flowProtocols[name] {
		return 0, false
	}
	n, ok := protocol.Number(name)
	if n == firewall.ProtoICMPv6 {
		n = firewall.ProtoICMP
	}
	return n, ok
}

// ParseService reads "tcp/443", "udp/500-510", "tcp/any", "icmp" or "any"
// ("any" is tcp and udp on every port, and icmp). ok is false (with no
// error) when v may be a name.
func ParseService(v string) (s []Service, ok bool, err error) {
	lv := strings.ToLower(v)
	if lv == "any" || lv == "*" {
		return []Service{{Proto: firewall.ProtoTCP, Ports: firewall.Ports(1, 65535)}, {Proto: firewall.ProtoUDP, Ports: firewall.Ports(1, 65535)}, {Proto: firewall.ProtoICMP}}, true, nil
	}
	proto, ports, hasSlash := strings.Cut(lv, "/")
	n, known := protoNumber(proto)
	if !known {
		if hasSlash && protoLike(proto) {
			return nil, false, fmt.Errorf("service %q: unknown protocol %q (want tcp, udp, sctp or icmp)", v, proto)
		}
		return nil, false, nil
	}
	if !firewall.HasPorts(n) {
		if hasSlash && ports != "" && ports != "any" {
			return nil, false, fmt.Errorf("service %q: %s has no ports", v, proto)
		}
		return []Service{{Proto: n}}, true, nil
	}
	if !hasSlash || ports == "any" || ports == "*" {
		return []Service{{Proto: n, Ports: firewall.Ports(1, 65535)}}, true, nil
	}
	ps, err := ParsePorts(ports)
	if err != nil {
		return nil, false, fmt.Errorf("service %q: %v", v, err)
	}
	return []Service{{Proto: n, Ports: ps}}, true, nil
}

func protoLike(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return s != ""
}

// ParsePorts reads "443", "500-510" or a comma list of those.
func ParsePorts(v string) (firewall.PortSet, error) {
	var set firewall.PortSet
	for _, part := range strings.Split(v, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := parsePort(lo)
		if err != nil {
			return set, err
		}
		b := a
		if isRange {
			if b, err = parsePort(hi); err != nil {
				return set, err
			}
			if b < a {
				return set, fmt.Errorf("port range %q is backwards", part)
			}
		}
		set = set.Union(firewall.Ports(a, b))
	}
	return set, nil
}

func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil {
		return 0, fmt.Errorf("bad port %q", s)
	}
	if n == 0 { // reserved: no connection has destination port 0
		return 0, fmt.Errorf("bad port %q: port 0 is not a service port", s)
	}
	return uint16(n), nil
}

// mergeServices joins services of one protocol, in protocol order.
func mergeServices(in []Service) []Service {
	byProto := map[uint8]firewall.PortSet{}
	var order []uint8
	for _, s := range in {
		cur, seen := byProto[s.Proto]
		if !seen {
			order = append(order, s.Proto)
		}
		byProto[s.Proto] = cur.Union(s.Ports)
	}
	sort.Slice(order, func(i, j int) bool { return order[i] < order[j] })
	out := make([]Service, len(order))
	for i, p := range order {
		out[i] = Service{Proto: p, Ports: byProto[p]}
	}
	return out
}

// Ephemeral reads the policy's flows.ephemeral_ports ("32768-60999").
func Ephemeral(p *policy.Flows) (firewall.PortSet, error) {
	if p == nil || p.EphemeralPorts == nil {
		return DefaultEphemeral, nil
	}
	s, err := ParsePorts(p.EphemeralPorts.Value)
	if err == nil && s.IsEmpty() {
		err = fmt.Errorf("empty range")
	}
	if err != nil {
		// The caller knows the file: it sets File.
		return s, &located.Error{Kind: "policy", Line: p.EphemeralPorts.Line, Key: "flows.ephemeral_ports", Msg: err.Error()}
	}
	return s, nil
}
