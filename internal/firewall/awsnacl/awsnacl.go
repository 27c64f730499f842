// Package awsnacl reads AWS network ACLs (`aws ec2 describe-network-acls`
// JSON) into the firewall model, on the path a flow takes between two
// network interfaces (`aws ec2 describe-network-interfaces`): the
// source's security groups (egress), its subnet's ACL (outbound), the
// destination subnet's ACL (inbound), the destination's security groups
// (ingress). Network ACLs are stateless: a reply crosses the destination
// subnet's outbound rules and the source subnet's inbound rules, to the
// client's ephemeral port — the "security group allows it, the network
// ACL drops the reply" case. Security groups stay stateful.
//
// Rules are evaluated by rule number, lowest first; the first match
// decides; no match is a deny (the "*" rule). Traffic within one subnet
// crosses no network ACL. An ICMP rule for one type or code is unmodelled.
package awsnacl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/protocol"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Kinds name the inputs in errors.
const (
	Kind      = "describe-network-acls"
	KindENI   = "describe-network-interfaces"
	MaxInput  = 64 << 20
	maxSubnet = 1 << 12 // addresses of a flow end looked up one by one
)

// ACLs are the network ACLs of one describe-network-acls output.
type ACLs struct {
	File     string
	List     []*ACL
	bySubnet map[string]*ACL
}

// ACL is one network ACL.
type ACL struct {
	ID       string
	VpcID    string
	Default  bool
	Subnets  []string
	Inbound  []Entry // by rule number
	Outbound []Entry
}

// Entry is one numbered rule.
type Entry struct {
	Number int
	Allow  bool
	Proto  uint8
	All    bool // protocol -1
	Addrs  firewall.AddrSet
	Family firewall.Family
	Ports  *firewall.PortSet // tcp, udp
	ICMP   string            // a type or code: unmodelled
	Where  string
}

type jsonACLs struct {
	NetworkAcls *[]struct {
		NetworkAclID string `json:"NetworkAclId"`
		VpcID        string `json:"VpcId"`
		IsDefault    bool   `json:"IsDefault"`
		Associations []struct {
			SubnetID string `json:"SubnetId"`
		} `json:"Associations"`
		Entries []struct {
			RuleNumber    *int    `json:"RuleNumber"`
			Protocol      *string `json:"Protocol"`
			RuleAction    *string `json:"RuleAction"`
			Egress        *bool   `json:"Egress"`
			CidrBlock     string  `json:"CidrBlock"`
			Ipv6CidrBlock string  `json:"Ipv6CidrBlock"`
			PortRange     *struct {
				From *int `json:"From"`
				To   *int `json:"To"`
			} `json:"PortRange"`
			IcmpTypeCode *struct {
				Type *int `json:"Type"`
				Code *int `json:"Code"`
			} `json:"IcmpTypeCode"`
		} `json:"Entries"`
	} `json:"NetworkAcls"`
}

// ReadFile reads describe-network-acls output, bounded in bytes.
func ReadFile(path string) (*ACLs, error) {
	data, err := located.ReadFile(path, located.Limit{Kind: Kind, Bytes: MaxInput})
	if err != nil {
		return nil, err
	}
	return Read(path, data)
}

// decode reads one JSON value; errors name the file and line, never quote
// the input.
func decode(kind, file string, data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case len(bytes.TrimSpace(data)) == 0:
			return &located.Error{Kind: kind, File: file, Msg: "empty input"}
		case errors.As(err, &se):
			return &located.Error{Kind: kind, File: file, Line: lineAt(data, se.Offset), Msg: "not JSON"}
		case errors.As(err, &te):
			return &located.Error{Kind: kind, File: file, Line: lineAt(data, te.Offset), Key: te.Field, Msg: "want " + te.Type.String() + ", not a JSON " + te.Value}
		}
		return &located.Error{Kind: kind, File: file, Msg: "not JSON"}
	}
	if _, err := dec.Token(); err == nil {
		return &located.Error{Kind: kind, File: file, Line: lineAt(data, dec.InputOffset()), Msg: "more than one JSON value"}
	}
	return nil
}

func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// Read parses describe-network-acls output.
func Read(file string, data []byte) (*ACLs, error) {
	var doc jsonACLs
	if err := decode(Kind, file, data, &doc); err != nil {
		return nil, err
	}
	if doc.NetworkAcls == nil {
		return nil, &located.Error{Kind: Kind, File: file, Msg: `no "NetworkAcls" array (want aws ec2 describe-network-acls output)`}
	}
	out := &ACLs{File: file, bySubnet: map[string]*ACL{}}
	for i, ja := range *doc.NetworkAcls {
		key := fmt.Sprintf("NetworkAcls[%d]", i)
		fail := func(k, msg string) error {
			return &located.Error{Kind: Kind, File: file, Key: key + k, Msg: msg}
		}
		if ja.NetworkAclID == "" {
			return nil, fail(".NetworkAclId", "missing")
		}
		a := &ACL{ID: ja.NetworkAclID, VpcID: ja.VpcID, Default: ja.IsDefault}
		for j, as := range ja.Associations {
			if as.SubnetID == "" {
				return nil, fail(fmt.Sprintf(".Associations[%d].SubnetId", j), "missing")
			}
			if other := out.bySubnet[as.SubnetID]; other != nil {
				return nil, fail(fmt.Sprintf(".Associations[%d].SubnetId", j), "subnet "+as.SubnetID+" is associated with "+other.ID+" too (a subnet has one network ACL)")
			}
			a.Subnets = append(a.Subnets, as.SubnetID)
			out.bySubnet[as.SubnetID] = a
		}
		seen := map[[2]int]bool{}
		for j, je := range ja.Entries {
			ek := fmt.Sprintf(".Entries[%d]", j)
			e := Entry{Where: key + ek}
			if je.RuleNumber == nil || *je.RuleNumber < 1 || *je.RuleNumber > 32767 {
				return nil, fail(ek+".RuleNumber", "want a rule number 1-32767")
			}
			e.Number = *je.RuleNumber
			if je.Egress == nil {
				return nil, fail(ek+".Egress", "missing")
			}
			if je.RuleAction == nil || (*je.RuleAction != "allow" && *je.RuleAction != "deny") {
				return nil, fail(ek+".RuleAction", "want allow or deny")
			}
			e.Allow = *je.RuleAction == "allow"
			if je.Protocol == nil {
				return nil, fail(ek+".Protocol", "missing")
			}
			switch p := *je.Protocol; p {
			case "-1", "all":
				e.All = true
			default:
				n, ok := protocol.Number(p)
				if !ok {
					return nil, fail(ek+".Protocol", "want -1 or a protocol number 0-255")
				}
				e.Proto = n
			}
			switch {
			case je.CidrBlock != "" && je.Ipv6CidrBlock == "":
				p, err := netip.ParsePrefix(je.CidrBlock)
				if err != nil || !p.Addr().Is4() {
					return nil, fail(ek+".CidrBlock", "bad IPv4 CIDR")
				}
				e.Addrs, e.Family = firewall.PrefixSet(p.Masked()), firewall.FamilyIPv4
			case je.Ipv6CidrBlock != "" && je.CidrBlock == "":
				p, err := netip.ParsePrefix(je.Ipv6CidrBlock)
				if err != nil || !p.Addr().Is6() || p.Addr().Zone() != "" {
					return nil, fail(ek+".Ipv6CidrBlock", "bad IPv6 CIDR")
				}
				e.Addrs, e.Family = firewall.PrefixSet(p.Masked()), firewall.FamilyIPv6
			default:
				return nil, fail(ek, "want exactly one of CidrBlock and Ipv6CidrBlock")
			}
			if !e.All && firewall.HasPorts(e.Proto) && (e.Proto == firewall.ProtoTCP || e.Proto == firewall.ProtoUDP) {
				if je.PortRange == nil || je.PortRange.From == nil || je.PortRange.To == nil {
					return nil, fail(ek+".PortRange", "a tcp or udp rule needs From and To")
				}
				from, to := *je.PortRange.From, *je.PortRange.To
				if from < 0 || to > 65535 || from > to {
					return nil, fail(ek+".PortRange", "want 0 <= From <= To <= 65535")
				}
				ps := firewall.Ports(uint16(from), uint16(to))
				e.Ports = &ps
			}
			if !e.All && (e.Proto == firewall.ProtoICMP || e.Proto == firewall.ProtoICMPv6) && je.IcmpTypeCode != nil {
				t, c := -1, -1
				if je.IcmpTypeCode.Type != nil {
					t = *je.IcmpTypeCode.Type
				}
				if je.IcmpTypeCode.Code != nil {
					c = *je.IcmpTypeCode.Code
				}
				if t != -1 {
					e.ICMP = "ICMP type " + strconv.Itoa(t)
					if c != -1 {
						e.ICMP += " code " + strconv.Itoa(c)
					}
				}
			}
			egress := 0
			if *je.Egress {
				egress = 1
			}
			fam := 4
			if e.Family == firewall.FamilyIPv6 {
				fam = 6
			}
			if seen[[2]int{egress, e.Number*10 + fam}] {
				return nil, fail(ek+".RuleNumber", "rule number used twice in one direction")
			}
			seen[[2]int{egress, e.Number*10 + fam}] = true
			if *je.Egress {
				a.Outbound = append(a.Outbound, e)
			} else {
				a.Inbound = append(a.Inbound, e)
			}
		}
		for _, l := range []*[]Entry{&a.Inbound, &a.Outbound} {
			sort.SliceStable(*l, func(i, j int) bool { return (*l)[i].Number < (*l)[j].Number })
		}
		out.List = append(out.List, a)
	}
	return out, nil
}

// OfSubnet returns the network ACL associated with a subnet, or nil.
func (a *ACLs) OfSubnet(subnet string) *ACL { return a.bySubnet[subnet] }

// Interfaces are the network interfaces of describe-network-interfaces:
// each address's interface, subnet and security groups.
type Interfaces struct {
	File string
	List []*Interface
}

// Interface is one network interface.
type Interface struct {
	ID     string
	Subnet string
	Groups []string
	Addrs  firewall.AddrSet
}

// ReadInterfacesFile reads describe-network-interfaces output, bounded.
func ReadInterfacesFile(path string) (*Interfaces, error) {
	data, err := located.ReadFile(path, located.Limit{Kind: KindENI, Bytes: MaxInput})
	if err != nil {
		return nil, err
	}
	return ReadInterfaces(path, data)
}

// ReadInterfaces parses describe-network-interfaces output.
func ReadInterfaces(file string, data []byte) (*Interfaces, error) {
	var doc struct {
		NetworkInterfaces *[]struct {
			NetworkInterfaceID string `json:"NetworkInterfaceId"`
			SubnetID           string `json:"SubnetId"`
			PrivateIPAddress   string `json:"PrivateIpAddress"`
			PrivateIPAddresses []struct {
				PrivateIPAddress string `json:"PrivateIpAddress"`
			} `json:"PrivateIpAddresses"`
			IPv6Addresses []struct {
				IPv6Address string `json:"Ipv6Address"`
			} `json:"Ipv6Addresses"`
			Groups []struct {
				GroupID string `json:"GroupId"`
			} `json:"Groups"`
		} `json:"NetworkInterfaces"`
	}
	if err := decode(KindENI, file, data, &doc); err != nil {
		return nil, err
	}
	if doc.NetworkInterfaces == nil {
		return nil, &located.Error{Kind: KindENI, File: file, Msg: `no "NetworkInterfaces" array (want aws ec2 describe-network-interfaces output)`}
	}
	out := &Interfaces{File: file}
	for i, ji := range *doc.NetworkInterfaces {
		key := fmt.Sprintf("NetworkInterfaces[%d]", i)
		if ji.SubnetID == "" {
			return nil, &located.Error{Kind: KindENI, File: file, Key: key + ".SubnetId", Msg: "missing"}
		}
		n := &Interface{ID: ji.NetworkInterfaceID, Subnet: ji.SubnetID}
		if n.ID == "" {
			n.ID = key
		}
		addrs := []string{ji.PrivateIPAddress}
		for _, p := range ji.PrivateIPAddresses {
			addrs = append(addrs, p.PrivateIPAddress)
		}
		for _, p := range ji.IPv6Addresses {
			addrs = append(addrs, p.IPv6Address)
		}
		for _, s := range addrs {
			if s == "" {
				continue
			}
			a, err := netip.ParseAddr(s)
			if err != nil || a.Zone() != "" {
				return nil, &located.Error{Kind: KindENI, File: file, Key: key, Msg: "bad address"}
			}
			n.Addrs = n.Addrs.Union(firewall.AddrOf(a.Unmap()))
		}
		for _, g := range ji.Groups {
			n.Groups = append(n.Groups, g.GroupID)
		}
		out.List = append(out.List, n)
	}
	return out, nil
}

// End is one end of a flow: its network interface, or none (an address
// outside the interfaces listed: no network ACL or group of this VPC
// applies on its side).
type End struct {
	Interface *Interface
}

// Path is a flow's two ends.
type Path struct{ Src, Dst End }

// Find returns the one interface that has all addresses of s, nil when
// none has any of them; an end spread over interfaces is an error.
func (in *Interfaces) Find(s firewall.AddrSet) (*Interface, error) {
	var found *Interface
	var outside firewall.AddrSet
	rest := s
	for _, n := range in.List {
		part := rest.Intersect(n.Addrs)
		if part.IsEmpty() {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("addresses %s are on more than one network interface (%s, %s): judge them one by one", s, found.ID, n.ID)
		}
		found, rest = n, rest.Minus(part)
	}
	outside = rest
	if found != nil && !outside.IsEmpty() {
		return nil, fmt.Errorf("addresses %s are partly on network interface %s, partly on none listed", s, found.ID)
	}
	return found, nil
}

// PathOf finds both ends of a flow among the interfaces.
func (in *Interfaces) PathOf(src, dst firewall.AddrSet) (Path, error) {
	s, err := in.Find(src)
	if err != nil {
		return Path{}, fmt.Errorf("sources: %v", err)
	}
	d, err := in.Find(dst)
	if err != nil {
		return Path{}, fmt.Errorf("destinations: %v", err)
	}
	if s == nil && d == nil {
		return Path{}, fmt.Errorf("neither sources %s nor destinations %s are on a network interface in %s", src, dst, in.File)
	}
	return Path{Src: End{s}, Dst: End{d}}, nil
}
