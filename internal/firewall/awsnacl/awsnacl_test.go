package awsnacl

import (
	"errors"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/awssg"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device/devicetest"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

const td = devicetest.Root + "awsnacl/"

func load(t testing.TB, acls, enis string) (*ACLs, *Interfaces) {
	t.Helper()
	a, err := ReadFile(td + acls)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ReadInterfacesFile(td + enis)
	if err != nil {
		t.Fatal(err)
	}
	return a, e
}

// TestVerdicts: a public web subnet and a private database subnet, after
// the VPC user guide's network ACL examples. Expected verdicts follow the
// documented rules: lowest rule number first, first match, "*" denies;
// stateless, so the reply to the client's ephemeral port (Linux's
// 32768-60999 here) needs an outbound rule of the server's subnet and an
// inbound rule of the client's; no network ACL within a subnet; security
// groups stateful, on each interface.
func TestVerdicts(t *testing.T) {
	a, enis := load(t, "network-acls.json", "network-interfaces.json")
	sgData, err := awssg.Parse("security-groups.json", mustRead(t, "security-groups.json"))
	if err != nil {
		t.Fatal(err)
	}
	members, err := awssg.ParseMembers("network-interfaces.json", mustRead(t, "network-interfaces.json"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, src, dst, svc string
		groups              bool
		verdict, rule       string
	}{
		{"internet to web: inbound 100, the reply by outbound 140", "198.51.100.7", "10.0.0.10", "tcp/80,tcp/443", true, "allowed", "ingress tcp 80 from 0.0.0.0/0"},
		{"internet to web on 8080: the network ACL's ephemeral rule 140 lets it in, the group does not", "198.51.100.7", "10.0.0.10", "tcp/8080", true, "blocked", "security groups ingress of eni-0web0000000000001: no rule allows it"},
		{"internet to web on 23: the * rule", "198.51.100.7", "10.0.0.10", "tcp/23", true, "blocked", "acl-0public0000000001 inbound (subnet subnet-0public000000001) rule *"},
		{"ssh from the home network", "192.0.2.10", "10.0.0.10", "tcp/22", true, "allowed", ""},
		{"rule 90 before 120 though listed after it", "192.0.2.66", "10.0.0.10", "tcp/22", true, "blocked", "rule 90: deny all 192.0.2.66"},
		{"web to db: the db subnet's replies only to 49152-65535, Linux clients use 32768-60999", "10.0.0.10", "10.0.1.20", "tcp/1433", true, "partial", "acl-0private000000001 outbound (subnet subnet-0private00000001) rule *"},
		{"the same without security groups", "10.0.0.10", "10.0.1.20", "tcp/1433", false, "partial", "acl-0private000000001 outbound"},
		{"web to db ssh: the db's group does not allow it", "10.0.0.10", "10.0.1.20", "tcp/22", true, "blocked", "security groups ingress of eni-0db00000000000001: no rule allows it"},
		{"within a subnet no network ACL; the group decides", "10.0.0.10", "10.0.0.11", "tcp/8080", true, "blocked", "security groups ingress of eni-0web0000000000002"},
		{"within a subnet without groups: nothing filters", "10.0.0.10", "10.0.0.11", "tcp/8080", false, "allowed", ""},
		{"web to the internet, replies by inbound 140", "10.0.0.10", "203.0.113.5", "tcp/443", true, "allowed", ""},
		{"icmp: whatever the type 8 rule does, the reply meets the outbound * rule (a type rule is taken both ways: both are denied)", "198.51.100.7", "10.0.0.10", "icmp", true, "blocked", "(subnet subnet-0public000000001) rule *"},
		{"udp: the * rule", "198.51.100.7", "10.0.0.10", "udp/53", false, "blocked", "rule *"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := devicetest.Flow(t, tc.src, tc.dst, tc.svc)
			p, err := enis.PathOf(f.Src, f.Dst)
			if err != nil {
				t.Fatal(err)
			}
			var g *awssg.Groups
			var m *awssg.Members
			if tc.groups {
				g, m = sgData, members
			}
			en, err := a.Engine(p, g, m)
			if err != nil {
				t.Fatal(err)
			}
			j := devicetest.Judge(en, f)
			if got := string(j.Verdict()); got != tc.verdict || !strings.Contains(devicetest.Deciding(j), tc.rule) {
				t.Errorf("%s by %q, want %s by %q", got, devicetest.Deciding(j), tc.verdict, tc.rule)
			}
		})
	}
}

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := located.ReadFile(td+name, located.Limit{Kind: "test", Bytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEquivalence: testdata/kernel/vendor-nacl's policy as two subnets'
// network ACLs gives the iptables form's verdict (the kernel harness
// proves that form) for every flow.
func TestEquivalence(t *testing.T) {
	eq := devicetest.LoadEquivalence(t, "vendor-nacl")
	a, enis := load(t, "equivalence-acls.json", "equivalence-interfaces.json")
	for _, f := range eq.Flows {
		p, err := enis.PathOf(f.Src, f.Dst)
		if err != nil {
			t.Fatal(err)
		}
		en, err := a.Engine(p, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, ipt := string(devicetest.Judge(en, f).Verdict()), string(devicetest.Judge(eq.Engine, f).Verdict())
		if got != ipt || ipt != eq.Kernel[f.Name] {
			t.Errorf("flow %s: network ACLs %s, iptables %s, kernel.txt %s", f.Name, got, ipt, eq.Kernel[f.Name])
		}
	}
}

func TestPathOf(t *testing.T) {
	_, enis := load(t, "network-acls.json", "network-interfaces.json")
	for _, tc := range []struct{ src, dst, want string }{
		{"10.0.0.10,10.0.1.20", "198.51.100.1", "more than one network interface"},
		{"10.0.0.10,10.0.0.99", "198.51.100.1", "partly on network interface eni-0web0000000000001"},
		{"198.51.100.1", "198.51.100.2", "neither sources"},
	} {
		f := devicetest.Flow(t, tc.src, tc.dst, "tcp/80")
		if _, err := enis.PathOf(f.Src, f.Dst); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: %v, want %q", tc.src, tc.dst, err, tc.want)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"not JSON", "root:x:0:0:root:/root:/bin/bash\n", "describe-network-acls a.json, line 1: not JSON"},
		{"other JSON", `{"SecurityGroups": []}`, `no "NetworkAcls" array`},
		{"bad action", `{"NetworkAcls": [{"NetworkAclId": "acl-1", "Entries": [{"RuleNumber": 1, "Egress": true, "Protocol": "-1", "RuleAction": "ALLOW", "CidrBlock": "0.0.0.0/0"}]}]}`, "key NetworkAcls[0].Entries[0].RuleAction: want allow or deny"},
		{"tcp without ports", `{"NetworkAcls": [{"NetworkAclId": "acl-1", "Entries": [{"RuleNumber": 1, "Egress": true, "Protocol": "6", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0"}]}]}`, "PortRange: a tcp or udp rule needs From and To"},
		{"rule number twice", `{"NetworkAcls": [{"NetworkAclId": "acl-1", "Entries": [{"RuleNumber": 1, "Egress": true, "Protocol": "-1", "RuleAction": "allow", "CidrBlock": "0.0.0.0/0"}, {"RuleNumber": 1, "Egress": true, "Protocol": "-1", "RuleAction": "deny", "CidrBlock": "10.0.0.0/8"}]}]}`, "used twice"},
		{"two ACLs on a subnet", `{"NetworkAcls": [{"NetworkAclId": "acl-1", "Associations": [{"SubnetId": "s"}]}, {"NetworkAclId": "acl-2", "Associations": [{"SubnetId": "s"}]}]}`, "associated with acl-1 too"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read("a.json", []byte(tc.text))
			var le *located.Error
			if err == nil || !errors.As(err, &le) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "root:x") {
				t.Error("quotes the file")
			}
		})
	}
	if _, err := ReadFile("/dev/zero"); err == nil || !strings.Contains(err.Error(), "MiB") {
		t.Errorf("/dev/zero: %v", err)
	}
	if _, err := ReadInterfaces("e.json", []byte(`{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1"}]}`)); err == nil || !strings.Contains(err.Error(), "SubnetId: missing") {
		t.Errorf("interface without a subnet: %v", err)
	}
}

// FuzzRead: any input is read or refused with an error; what is read
// builds a ruleset the engine judges.
func FuzzRead(f *testing.F) {
	f.Add(mustRead(f, "network-acls.json"))
	f.Add(mustRead(f, "equivalence-acls.json"))
	f.Add([]byte(`{"NetworkAcls": [{"NetworkAclId": "a", "Associations": [{"SubnetId": "s"}], "Entries": [{"RuleNumber": 5, "Egress": false, "Protocol": "58", "RuleAction": "deny", "Ipv6CidrBlock": "::/0", "IcmpTypeCode": {"Type": 1, "Code": 2}}]}]}`))
	space := firewall.Space{Family: firewall.FamilyIPv4, Proto: firewall.ProtoTCP,
		Src: firewall.MustPrefixSet("10.1.0.2"), Dst: firewall.MustPrefixSet("10.2.0.2"),
		SrcPorts: firewall.Ports(1024, 65535), DstPorts: firewall.Ports(1, 1000)}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Read("fuzz.json", data)
		if err != nil {
			return
		}
		for _, acl := range a.List {
			if len(acl.Subnets) == 0 {
				continue
			}
			p := Path{Src: End{&Interface{ID: "eni-a", Subnet: acl.Subnets[0]}}, Dst: End{&Interface{ID: "eni-b", Subnet: "other"}}}
			if a.OfSubnet("other") == nil {
				p.Dst = End{}
			}
			en, err := a.Engine(p, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			en.Judge(space)
		}
	})
}
