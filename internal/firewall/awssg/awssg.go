// Package awssg reads AWS security groups (`aws ec2 describe-security-groups`
// JSON) into the firewall model, resolving rules that name another security
// group through the network interfaces that carry it (`aws ec2
// describe-network-interfaces`, or `aws ec2 describe-instances`).
//
// Security groups are allow-only and stateful, and several groups on one
// network interface act as the union of their rules. The model is one table
// of family any:
//
//   - chain "ingress" (hook input) and chain "egress" (hook output), each with
//     policy drop, a first rule accepting established and related packets
//     (replies of allowed connections always pass), then one accept rule per
//     source (destination) of every permission of the applied groups;
//   - the same two chains on the forward hook, one after the other, for an
//     instance that routes (the packet enters through the ingress rules and
//     leaves through the egress rules; both use the applied groups).
//
// What cannot be resolved is never guessed: a rule naming a group with no
// known network interface, a group in another account, a managed prefix list,
// or ICMP types becomes an unmodelled accept (the engine says "unknown" for
// the connections it covers that nothing else accepts). These rules come
// after the resolved ones, so a connection a resolved rule accepts is open.
package awssg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/protocol"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Groups are the security groups of one describe-security-groups output.
type Groups struct {
	File string
	List []*Group
	byID map[string]*Group
}

// Group is one security group.
type Group struct {
	ID, Name, VpcID, OwnerID string
	Ingress, Egress          []Permission
	Line                     int // where its object starts in the file; 0 if unknown
}

// Permission is one entry of IpPermissions or IpPermissionsEgress.
type Permission struct {
	Protocol    string // as AWS gives it: "-1", "tcp", "6", "icmp"...
	FromPort    *int
	ToPort      *int
	IPv4        []netip.Prefix
	IPv6        []netip.Prefix
	GroupRefs   []GroupRef
	PrefixLists []string
	Where       string // JSON path, for messages
	Line        int    // where it starts in the file; 0 if unknown
}

// GroupRef is a UserIdGroupPairs entry: the peers are the network
// interfaces that carry GroupID.
type GroupRef struct {
	GroupID, UserID, PeeringID string
}

// JSON shapes (the fields this reader uses; the rest is ignored).
type jsonGroups struct {
	SecurityGroups *[]jsonGroup `json:"SecurityGroups"`
}

type jsonGroup struct {
	GroupID             string           `json:"GroupId"`
	GroupName           string           `json:"GroupName"`
	OwnerID             string           `json:"OwnerId"`
	VpcID               string           `json:"VpcId"`
	IPPermissions       []jsonPermission `json:"IpPermissions"`
	IPPermissionsEgress []jsonPermission `json:"IpPermissionsEgress"`
}

type jsonPermission struct {
	IPProtocol *string `json:"IpProtocol"`
	FromPort   *int    `json:"FromPort"`
	ToPort     *int    `json:"ToPort"`
	IPRanges   []struct {
		CidrIP string `json:"CidrIp"`
	} `json:"IpRanges"`
	IPv6Ranges []struct {
		CidrIPv6 string `json:"CidrIpv6"`
	} `json:"Ipv6Ranges"`
	PrefixListIDs []struct {
		PrefixListID string `json:"PrefixListId"`
	} `json:"PrefixListIds"`
	UserIDGroupPairs []struct {
		GroupID                string `json:"GroupId"`
		UserID                 string `json:"UserId"`
		VpcPeeringConnectionID string `json:"VpcPeeringConnectionId"`
	} `json:"UserIdGroupPairs"`
}

// decode reads one JSON value into v; errors carry the line.
func decode(file string, data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case len(bytes.TrimSpace(data)) == 0:
			return &located.Error{Kind: "aws-sg", File: file, Msg: "empty input"}
		case errors.As(err, &se):
			return &located.Error{Kind: "aws-sg", File: file, Line: lineAt(data, se.Offset), Msg: "not JSON: " + se.Error()}
		case errors.As(err, &te):
			return &located.Error{Kind: "aws-sg", File: file, Line: lineAt(data, te.Offset), Key: te.Field, Msg: fmt.Sprintf("want %s, not a JSON %s", te.Type, te.Value)}
		}
		return &located.Error{Kind: "aws-sg", File: file, Msg: "not JSON: " + err.Error()}
	}
	if _, err := dec.Token(); err == nil {
		return &located.Error{Kind: "aws-sg", File: file, Line: lineAt(data, dec.InputOffset()), Msg: "more than one JSON value"}
	}
	return nil
}

func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// elementLines returns, for each path, the line each element of the
// arrays at that path starts on, in order ("*" in a path stands for every
// element of an array), for messages: the JSON decoder keeps no positions.
// One pass over the tokens for all paths.
func elementLines(data []byte, paths ...[]string) [][]int {
	type frame struct {
		array bool
		key   string // object: the key whose value comes next
		match []int  // per path: the container is at path[:match]; -1: off it
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []frame
	out := make([][]int, len(paths))
	line, last := 1, int64(0)
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		var match []int // of this value
		if n := len(stack); n == 0 {
			match = make([]int, len(paths))
		} else {
			top := &stack[n-1]
			if k, ok := tok.(string); ok && !top.array && top.key == "" {
				top.key = k
				continue
			}
			if tok == json.Delim('}') || tok == json.Delim(']') {
				stack = stack[:n-1]
				continue
			}
			match = make([]int, len(paths))
			for i, path := range paths {
				m := top.match[i]
				switch {
				case m < 0:
					match[i] = -1
				case m == len(path):
					if top.array {
						start := before
						rest := data[start:]
						start += int64(len(rest) - len(bytes.TrimLeft(rest, " \t\r\n,:")))
						line += bytes.Count(data[last:start], []byte("\n"))
						last = start
						out[i] = append(out[i], line)
					}
					match[i] = -1
				case (top.array && path[m] == "*") || (!top.array && path[m] == top.key):
					match[i] = m + 1
				default:
					match[i] = -1
				}
			}
			if !top.array {
				top.key = ""
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{match: match})
		case json.Delim('['):
			stack = append(stack, frame{array: true, match: match})
		}
	}
}

// at is lines[i], or 0 (unknown) past its end.
func at(lines []int, i int) int {
	if i >= 0 && i < len(lines) {
		return lines[i]
	}
	return 0
}

// Parse reads the output of `aws ec2 describe-security-groups` (JSON).
func Parse(file string, data []byte) (*Groups, error) {
	var doc jsonGroups
	if err := decode(file, data, &doc); err != nil {
		return nil, err
	}
	if doc.SecurityGroups == nil {
		return nil, &located.Error{Kind: "aws-sg", File: file, Msg: `no "SecurityGroups" array (want aws ec2 describe-security-groups output)`}
	}
	g := &Groups{File: file, byID: map[string]*Group{}}
	el := elementLines(data, []string{"SecurityGroups"}, []string{"SecurityGroups", "*", "IpPermissions"}, []string{"SecurityGroups", "*", "IpPermissionsEgress"})
	groupLines, permLines := el[0], [2][]int{el[1], el[2]}
	var permCount [2]int
	for i, jg := range *doc.SecurityGroups {
		where := fmt.Sprintf("SecurityGroups[%d]", i)
		line := at(groupLines, i)
		if jg.GroupID == "" {
			return nil, &located.Error{Kind: "aws-sg", File: file, Key: where, Msg: "no GroupId"}
		}
		where += " (" + jg.GroupID + ")"
		if g.byID[jg.GroupID] != nil {
			return nil, &located.Error{Kind: "aws-sg", File: file, Line: line, Key: where, Msg: "listed twice"}
		}
		grp := &Group{ID: jg.GroupID, Name: jg.GroupName, VpcID: jg.VpcID, OwnerID: jg.OwnerID, Line: line}
		for k, list := range [][]jsonPermission{jg.IPPermissions, jg.IPPermissionsEgress} {
			name := [...]string{"IpPermissions", "IpPermissionsEgress"}[k]
			for j, jp := range list {
				pw := fmt.Sprintf("%s %s[%d]", where, name, j)
				p, err := permission(jp, pw)
				p.Line = at(permLines[k], permCount[k])
				permCount[k]++
				if err != nil {
					return nil, &located.Error{Kind: "aws-sg", File: file, Line: p.Line, Key: pw, Msg: err.Error()}
				}
				if k == 0 {
					grp.Ingress = append(grp.Ingress, p)
				} else {
					grp.Egress = append(grp.Egress, p)
				}
			}
		}
		g.List = append(g.List, grp)
		g.byID[grp.ID] = grp
	}
	return g, nil
}

func permission(jp jsonPermission, where string) (Permission, error) {
	p := Permission{FromPort: jp.FromPort, ToPort: jp.ToPort, Where: where}
	if jp.IPProtocol == nil || *jp.IPProtocol == "" {
		return p, errors.New("no IpProtocol")
	}
	p.Protocol = *jp.IPProtocol
	if _, _, err := ipProtocol(p.Protocol); err != nil {
		return p, err
	}
	for i, r := range jp.IPRanges {
		pr, err := netip.ParsePrefix(r.CidrIP)
		if err != nil || !pr.Addr().Is4() {
			return p, fmt.Errorf("IpRanges[%d]: bad IPv4 CIDR %q", i, r.CidrIP)
		}
		p.IPv4 = append(p.IPv4, pr.Masked())
	}
	for i, r := range jp.IPv6Ranges {
		pr, err := netip.ParsePrefix(r.CidrIPv6)
		if err != nil || !pr.Addr().Is6() || pr.Addr().Zone() != "" {
			return p, fmt.Errorf("Ipv6Ranges[%d]: bad IPv6 CIDR %q", i, r.CidrIPv6)
		}
		p.IPv6 = append(p.IPv6, pr.Masked())
	}
	for i, r := range jp.PrefixListIDs {
		if r.PrefixListID == "" {
			return p, fmt.Errorf("PrefixListIds[%d]: no PrefixListId", i)
		}
		p.PrefixLists = append(p.PrefixLists, r.PrefixListID)
	}
	for i, r := range jp.UserIDGroupPairs {
		if r.GroupID == "" {
			return p, fmt.Errorf("UserIdGroupPairs[%d]: no GroupId", i)
		}
		p.GroupRefs = append(p.GroupRefs, GroupRef{GroupID: r.GroupID, UserID: r.UserID, PeeringID: r.VpcPeeringConnectionID})
	}
	if _, _, err := p.ports(); err != nil {
		return p, err
	}
	return p, nil
}

// ipProtocol reads IpProtocol: proto is the IP protocol number; all for "-1".
func ipProtocol(s string) (proto uint8, all bool, err error) {
	switch strings.ToLower(s) {
	case "-1", "all":
		return 0, true, nil
	}
	n, ok := protocol.Number(s)
	if !ok {
		return 0, false, fmt.Errorf("bad IpProtocol %q (want -1, a protocol name such as tcp, udp, icmp, icmpv6, or a number 0-255)", s)
	}
	return n, false, nil
}

// ports is what the permission's FromPort/ToPort allow: for tcp and udp a
// port range; for icmp and icmpv6 a type and code (icmpTypes: not all). AWS
// ignores the ports of other protocols.
func (p Permission) ports() (ports firewall.PortSet, icmpTypes string, err error) {
	proto, all, _ := ipProtocol(p.Protocol)
	if all || !(firewall.HasPorts(proto) || proto == firewall.ProtoICMP || proto == firewall.ProtoICMPv6) {
		return firewall.AllPorts(), "", nil
	}
	from, to := -1, -1
	if p.FromPort != nil {
		from = *p.FromPort
	}
	if p.ToPort != nil {
		to = *p.ToPort
	}
	if proto == firewall.ProtoICMP || proto == firewall.ProtoICMPv6 {
		if from < -1 || from > 255 || to < -1 || to > 255 {
			return ports, "", fmt.Errorf("bad ICMP type %d / code %d", from, to)
		}
		if from == -1 {
			return firewall.AllPorts(), "", nil
		}
		t := fmt.Sprintf("%s type %d", strings.ToLower(p.Protocol), from)
		if to != -1 {
			t += fmt.Sprintf(" code %d", to)
		}
		return firewall.AllPorts(), t, nil
	}
	if p.FromPort == nil || p.ToPort == nil {
		return ports, "", fmt.Errorf("%s without FromPort and ToPort", p.Protocol)
	}
	if from == -1 && to == -1 {
		return firewall.AllPorts(), "", nil
	}
	if from < 0 || to > 65535 || from > to {
		return ports, "", fmt.Errorf("bad port range %d-%d", from, to)
	}
	return firewall.Ports(uint16(from), uint16(to)), "", nil
}

// Group returns the group with the given id, or nil.
func (g *Groups) Group(id string) *Group { return g.byID[id] }

// Ruleset builds the model of a network interface carrying the applied
// groups (ids in g); members resolves rules naming other groups (nil: none
// resolve).
func (g *Groups) Ruleset(applied []string, members *Members) (*firewall.Ruleset, error) {
	if len(applied) == 0 {
		return nil, &located.Error{Kind: "aws-sg", File: g.File, Msg: "no security group applies (give the group ids)"}
	}
	var groups []*Group
	seen := map[string]bool{}
	for _, id := range applied {
		grp := g.byID[id]
		if grp == nil {
			return nil, &located.Error{Kind: "aws-sg", File: g.File, Msg: fmt.Sprintf("security group %s is not in this file", id)}
		}
		if !seen[id] {
			seen[id] = true
			groups = append(groups, grp)
		}
	}
	source := "AWS security groups " + strings.Join(applied, ", ") + " (" + g.File
	if members != nil {
		source += ", members from " + members.File
	}
	rs := &firewall.Ruleset{Source: source + ")"}
	t := &firewall.Table{Family: firewall.FamilyAny, Name: "aws security groups", Pos: firewall.Pos{File: g.File}}
	var ingress, egress []*firewall.Rule
	var ingressUnknown, egressUnknown []*firewall.Rule
	for _, grp := range groups {
		for _, p := range grp.Ingress {
			known, unknown := g.rules(grp, p, true, members)
			ingress, ingressUnknown = append(ingress, known...), append(ingressUnknown, unknown...)
		}
		for _, p := range grp.Egress {
			known, unknown := g.rules(grp, p, false, members)
			egress, egressUnknown = append(egress, known...), append(egressUnknown, unknown...)
		}
	}
	ingress = append(ingress, ingressUnknown...)
	egress = append(egress, egressUnknown...)
	chain := func(name string, h firewall.Hook, prio int, rules []*firewall.Rule) *firewall.Chain {
		est := &firewall.Rule{
			Label:   "security groups are stateful: packets of allowed connections pass",
			Pos:     firewall.Pos{File: g.File},
			Conds:   []firewall.Cond{firewall.CtStates(firewall.CtEstablished | firewall.CtRelated)},
			Verdict: firewall.Accept,
		}
		return &firewall.Chain{Name: name, Hook: h, Priority: prio, Policy: firewall.VerdictDrop,
			Rules: append([]*firewall.Rule{est}, rules...), Pos: firewall.Pos{File: g.File}}
	}
	t.Chains = []*firewall.Chain{
		chain("ingress", firewall.HookInput, 0, ingress),
		chain("egress", firewall.HookOutput, 0, egress),
		chain("forward ingress", firewall.HookForward, 0, ingress),
		chain("forward egress", firewall.HookForward, 1, egress),
	}
	rs.Tables = []*firewall.Table{t}
	return rs, nil
}

// rules turns one permission into accept rules: known for what resolves,
// unknown (unmodelled) for what does not.
func (g *Groups) rules(grp *Group, p Permission, ingress bool, members *Members) (known, unknown []*firewall.Rule) {
	proto, all, _ := ipProtocol(p.Protocol)
	ports, icmpTypes, _ := p.ports()
	var base []firewall.Cond
	svc := "all traffic"
	if !all {
		base = append(base, firewall.Protos(proto))
		svc = strings.ToLower(p.Protocol)
		if n, err := strconv.Atoi(p.Protocol); err == nil {
			svc = firewall.ProtoName(uint8(n))
		}
		if firewall.HasPorts(proto) {
			svc += " " + ports.String()
			if !ports.Equal(firewall.AllPorts()) {
				base = append(base, firewall.DstPorts(ports))
			}
		}
	}
	if icmpTypes != "" {
		svc = icmpTypes
	}
	field, dir, way := firewall.FieldSrcAddr, "ingress", "from"
	if !ingress {
		field, dir, way = firewall.FieldDstAddr, "egress", "to"
	}
	pos := firewall.Pos{File: g.File, Line: p.Line}
	label := func(peer string) string {
		name := grp.ID
		if grp.Name != "" {
			name += " (" + grp.Name + ")"
		}
		return fmt.Sprintf("%s %s %s %s %s", name, dir, svc, way, peer)
	}
	add := func(peer string, addrs firewall.AddrSet, fam firewall.Family, unm []string) {
		conds := append([]firewall.Cond(nil), base...)
		if unm == nil && icmpTypes != "" {
			unm = []string{icmpTypes}
		}
		if proto == firewall.ProtoICMP && !all && fam == firewall.FamilyIPv6 {
			// An "icmp" rule with an IPv6 range allows ICMPv4 only: nothing.
			return
		}
		if proto == firewall.ProtoICMPv6 && !all && fam == firewall.FamilyIPv4 {
			return
		}
		if fam != firewall.FamilyAny || !addrs.IsEmpty() {
			conds = append(conds, firewall.Cond{Field: field, Addrs: addrs, Family: fam})
		}
		r := &firewall.Rule{Label: label(peer), Pos: pos, Conds: conds, Verdict: firewall.Accept, Unmodelled: unm}
		if len(unm) > 0 {
			unknown = append(unknown, r)
		} else {
			known = append(known, r)
		}
	}
	for _, pr := range p.IPv4 {
		add(pr.String(), firewall.PrefixSet(pr), firewall.FamilyIPv4, nil)
	}
	for _, pr := range p.IPv6 {
		add(pr.String(), firewall.PrefixSet(pr), firewall.FamilyIPv6, nil)
	}
	for _, pl := range p.PrefixLists {
		add("prefix list "+pl, firewall.AddrSet{}, firewall.FamilyAny, []string{"managed prefix list " + pl + " is not resolved"})
	}
	for _, ref := range p.GroupRefs {
		peer := "security group " + ref.GroupID
		if ref.UserID != "" && grp.OwnerID != "" && ref.UserID != grp.OwnerID {
			peer += " of account " + ref.UserID
		}
		addrs, why := members.resolve(ref)
		if !addrs.IsEmpty() {
			for _, fam := range addrs.Families() {
				add(peer, addrs.Only(fam), fam, nil)
			}
		}
		if why != "" {
			add(peer, firewall.AddrSet{}, firewall.FamilyAny, []string{why})
		}
	}
	return known, unknown
}

// Members are the addresses of network interfaces by the security groups
// they carry.
type Members struct {
	File string
	// Complete: every network interface of the account and region is
	// listed (describe-network-interfaces). describe-instances lists only
	// instances, not load balancers, databases or Lambda functions, so a
	// group's members there may be only some of them.
	Complete bool
	byGroup  map[string]firewall.AddrSet
	owners   map[string]bool     // account ids seen
	ifaces   map[string][]string // instance or interface id → its groups
	byAddrs  []ifaceAddrs        // every interface's addresses and groups
}

type ifaceAddrs struct {
	id     string
	addrs  firewall.AddrSet
	groups []string
}

type jsonIface struct {
	NetworkInterfaceID string `json:"NetworkInterfaceId"`
	OwnerID            string `json:"OwnerId"`
	Status             string `json:"Status"`
	Groups             []struct {
		GroupID string `json:"GroupId"`
	} `json:"Groups"`
	PrivateIPAddress   string `json:"PrivateIpAddress"`
	PrivateIPAddresses []struct {
		PrivateIPAddress string           `json:"PrivateIpAddress"`
		Association      *jsonAssociation `json:"Association"`
	} `json:"PrivateIpAddresses"`
	Association   *jsonAssociation `json:"Association"`
	IPv6Addresses []struct {
		IPv6Address string `json:"Ipv6Address"`
	} `json:"Ipv6Addresses"`
	IPv4Prefixes []struct {
		IPv4Prefix string `json:"Ipv4Prefix"`
	} `json:"Ipv4Prefixes"`
	IPv6Prefixes []struct {
		IPv6Prefix string `json:"Ipv6Prefix"`
	} `json:"Ipv6Prefixes"`
	Attachment *struct {
		InstanceID string `json:"InstanceId"`
	} `json:"Attachment"`
}

// jsonAssociation is a public (or Elastic) IPv4 address mapped to a private
// one.
type jsonAssociation struct {
	PublicIP string `json:"PublicIp"`
}

type jsonMembers struct {
	Reservations *[]struct {
		OwnerID   string `json:"OwnerId"`
		Instances []struct {
			InstanceID       string `json:"InstanceId"`
			PrivateIPAddress string `json:"PrivateIpAddress"`
			PublicIPAddress  string `json:"PublicIpAddress"`
			IPv6Address      string `json:"Ipv6Address"`
			State            struct {
				Name string `json:"Name"`
			} `json:"State"`
			SecurityGroups []struct {
				GroupID string `json:"GroupId"`
			} `json:"SecurityGroups"`
			NetworkInterfaces []jsonIface `json:"NetworkInterfaces"`
		} `json:"Instances"`
	} `json:"Reservations"`
	NetworkInterfaces *[]jsonIface `json:"NetworkInterfaces"`
}

// ParseMembers reads `aws ec2 describe-network-interfaces` or `aws ec2
// describe-instances` output (JSON), told apart by their top-level key.
func ParseMembers(file string, data []byte) (*Members, error) {
	var doc jsonMembers
	if err := decode(file, data, &doc); err != nil {
		return nil, err
	}
	m := &Members{File: file, byGroup: map[string]firewall.AddrSet{}, owners: map[string]bool{}, ifaces: map[string][]string{}}
	el := elementLines(data, []string{"NetworkInterfaces"}, []string{"Reservations", "*", "Instances"})
	ifaceLines, instanceLines := el[0], el[1]
	instance := 0
	switch {
	case doc.NetworkInterfaces != nil && doc.Reservations == nil:
		m.Complete = true
		for i, ni := range *doc.NetworkInterfaces {
			where := fmt.Sprintf("NetworkInterfaces[%d]", i)
			if err := m.addIface(ni, nil, ""); err != nil {
				return nil, &located.Error{Kind: "aws-sg", File: file, Line: at(ifaceLines, i), Key: where + " (" + ni.NetworkInterfaceID + ")", Msg: err.Error()}
			}
			if ni.OwnerID != "" {
				m.owners[ni.OwnerID] = true
			}
		}
	case doc.Reservations != nil && doc.NetworkInterfaces == nil:
		for i, r := range *doc.Reservations {
			if r.OwnerID != "" {
				m.owners[r.OwnerID] = true
			}
			for j, in := range r.Instances {
				where := fmt.Sprintf("Reservations[%d].Instances[%d] (%s)", i, j, in.InstanceID)
				line := at(instanceLines, instance)
				instance++
				if in.State.Name == "terminated" || in.State.Name == "shutting-down" {
					continue // its interfaces are gone
				}
				var groups []string
				for _, sg := range in.SecurityGroups {
					groups = append(groups, sg.GroupID)
				}
				if in.InstanceID != "" {
					m.ifaces[in.InstanceID] = mergeIDs(m.ifaces[in.InstanceID], groups)
				}
				if len(in.NetworkInterfaces) == 0 {
					// Older or filtered output: the instance's groups and
					// primary addresses.
					ni := jsonIface{PrivateIPAddress: in.PrivateIPAddress}
					if in.PublicIPAddress != "" {
						ni.Association = &jsonAssociation{PublicIP: in.PublicIPAddress}
					}
					if in.IPv6Address != "" {
						ni.IPv6Addresses = append(ni.IPv6Addresses, struct {
							IPv6Address string `json:"Ipv6Address"`
						}{in.IPv6Address})
					}
					if err := m.addIface(ni, groups, in.InstanceID); err != nil {
						return nil, &located.Error{Kind: "aws-sg", File: file, Line: line, Key: where, Msg: err.Error()}
					}
					continue
				}
				for k, ni := range in.NetworkInterfaces {
					if err := m.addIface(ni, nil, in.InstanceID); err != nil {
						return nil, &located.Error{Kind: "aws-sg", File: file, Line: line, Key: fmt.Sprintf("%s NetworkInterfaces[%d]", where, k), Msg: err.Error()}
					}
				}
			}
		}
	default:
		return nil, &located.Error{Kind: "aws-sg", File: file, Msg: `want "NetworkInterfaces" (aws ec2 describe-network-interfaces) or "Reservations" (aws ec2 describe-instances)`}
	}
	return m, nil
}

func (m *Members) addIface(ni jsonIface, groups []string, instance string) error {
	if groups == nil {
		for _, g := range ni.Groups {
			if g.GroupID == "" {
				return errors.New("group without GroupId")
			}
			groups = append(groups, g.GroupID)
		}
	}
	var addrs firewall.AddrSet
	addAddr := func(s string, want6 bool) error {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Is6() != want6 || a.Zone() != "" {
			return fmt.Errorf("bad address %q", s)
		}
		addrs = addrs.Union(firewall.AddrOf(a))
		return nil
	}
	addPrefix := func(s string, want6 bool) error {
		p, err := netip.ParsePrefix(s)
		if err != nil || p.Addr().Is6() != want6 {
			return fmt.Errorf("bad prefix %q", s)
		}
		addrs = addrs.Union(firewall.PrefixSet(p.Masked()))
		return nil
	}
	if ni.PrivateIPAddress != "" {
		if err := addAddr(ni.PrivateIPAddress, false); err != nil {
			return err
		}
	}
	for _, a := range ni.PrivateIPAddresses {
		if err := addAddr(a.PrivateIPAddress, false); err != nil {
			return err
		}
	}
	for _, a := range ni.IPv6Addresses {
		if err := addAddr(a.IPv6Address, true); err != nil {
			return err
		}
	}
	for _, p := range ni.IPv4Prefixes {
		if err := addPrefix(p.IPv4Prefix, false); err != nil {
			return err
		}
	}
	for _, p := range ni.IPv6Prefixes {
		if err := addPrefix(p.IPv6Prefix, true); err != nil {
			return err
		}
	}
	for _, g := range groups {
		m.byGroup[g] = m.byGroup[g].Union(addrs)
	}
	// Public addresses reach the interface but are not what a group
	// reference allows: they only find the interface (GroupsOfAddr).
	var public firewall.AddrSet
	assoc := []*jsonAssociation{ni.Association}
	for _, a := range ni.PrivateIPAddresses {
		assoc = append(assoc, a.Association)
	}
	for _, a := range assoc {
		if a == nil || a.PublicIP == "" {
			continue
		}
		p, err := netip.ParseAddr(a.PublicIP)
		if err != nil || !p.Is4() {
			return fmt.Errorf("bad public address %q", a.PublicIP)
		}
		public = public.Union(firewall.AddrOf(p))
	}
	if !addrs.IsEmpty() || !public.IsEmpty() {
		id := ni.NetworkInterfaceID
		if id == "" {
			id = instance
		}
		m.byAddrs = append(m.byAddrs, ifaceAddrs{id: id, addrs: addrs.Union(public), groups: mergeIDs(nil, groups)})
	}
	if ni.NetworkInterfaceID != "" {
		m.ifaces[ni.NetworkInterfaceID] = mergeIDs(m.ifaces[ni.NetworkInterfaceID], groups)
	}
	if ni.Attachment != nil && ni.Attachment.InstanceID != "" {
		instance = ni.Attachment.InstanceID
	}
	if instance != "" {
		m.ifaces[instance] = mergeIDs(m.ifaces[instance], groups)
	}
	return nil
}

func mergeIDs(a, b []string) []string {
	out := append(append([]string(nil), a...), b...)
	slices.Sort(out)
	return slices.Compact(out)
}

// GroupsOf returns the security groups of an instance (all its interfaces)
// or of one network interface, by id; nil when the id is not listed.
func (m *Members) GroupsOf(id string) []string {
	if m == nil {
		return nil
	}
	return m.ifaces[id]
}

// GroupsOfAddr returns the network interface (or instance) that has the
// address a (private, IPv6, or an associated public IPv4) and its security
// groups, so that a check can take the
// groups of a flow's destination; ok is false when no listed interface has
// it.
func (m *Members) GroupsOfAddr(a netip.Addr) (id string, groups []string, ok bool) {
	if m == nil {
		return "", nil, false
	}
	for _, ia := range m.byAddrs {
		if ia.addrs.Contains(a.Unmap()) {
			return ia.id, ia.groups, true
		}
	}
	return "", nil, false
}

// resolve returns the private addresses of the network interfaces that
// carry ref's group, and why (some of) the members are not known.
func (m *Members) resolve(ref GroupRef) (firewall.AddrSet, string) {
	if m == nil {
		return firewall.AddrSet{}, "security group " + ref.GroupID + " is not resolved (no network interfaces given)"
	}
	addrs := m.byGroup[ref.GroupID]
	if ref.UserID != "" && len(m.owners) > 0 && !m.owners[ref.UserID] && addrs.IsEmpty() {
		return addrs, "security group " + ref.GroupID + " of account " + ref.UserID + " is not resolved (not in " + m.File + ")"
	}
	if addrs.IsEmpty() {
		return addrs, "security group " + ref.GroupID + " is not resolved (no network interface in " + m.File + " carries it)"
	}
	if !m.Complete {
		return addrs, "security group " + ref.GroupID + ": members other than the instances in " + m.File + " are not known (give describe-network-interfaces output)"
	}
	return addrs, ""
}
