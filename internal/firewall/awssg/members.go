// Members: the addresses of the network interfaces in each security group,
// from describe-network-interfaces or describe-instances output.

package awssg

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

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
	// The interface's own addresses and delegated prefixes, in the order
	// their errors are reported.
	type value struct {
		s          string
		v6, prefix bool
	}
	var values []value
	if ni.PrivateIPAddress != "" {
		values = append(values, value{s: ni.PrivateIPAddress})
	}
	for _, a := range ni.PrivateIPAddresses {
		values = append(values, value{s: a.PrivateIPAddress})
	}
	for _, a := range ni.IPv6Addresses {
		values = append(values, value{s: a.IPv6Address, v6: true})
	}
	for _, p := range ni.IPv4Prefixes {
		values = append(values, value{s: p.IPv4Prefix, prefix: true})
	}
	for _, p := range ni.IPv6Prefixes {
		values = append(values, value{s: p.IPv6Prefix, v6: true, prefix: true})
	}
	for _, v := range values {
		add := addAddr
		if v.prefix {
			add = addPrefix
		}
		if err := add(v.s, v.v6); err != nil {
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
