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
	"errors"
	"fmt"
	"net/netip"
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
