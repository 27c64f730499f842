package awssg

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

const fixtures = "../../../testdata/awssg/"

const (
	web     = "sg-0web000000000001"
	monitor = "sg-0monitor0000000001"
	bastion = "sg-0bastion0000000001"
)

func read(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(fixtures + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func loadGroups(t testing.TB) *Groups {
	t.Helper()
	g, err := Parse("security-groups.json", read(t, "security-groups.json"))
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func loadMembers(t testing.TB, name string) *Members {
	t.Helper()
	m, err := ParseMembers(name, read(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// dumpChain writes a chain's rules compactly: conditions -> verdict
// [unmodelled].
func dumpChain(ch *firewall.Chain) []string {
	var out []string
	for _, r := range ch.Rules {
		var parts []string
		for _, c := range r.Conds {
			parts = append(parts, dumpCond(c))
		}
		s := strings.Join(parts, ", ") + " -> " + r.Verdict.Kind.String()
		if len(r.Unmodelled) > 0 {
			s += " [" + strings.Join(r.Unmodelled, "; ") + "]"
		}
		out = append(out, s)
	}
	return out
}

func dumpCond(c firewall.Cond) string {
	fam := ""
	if c.Family != firewall.FamilyAny {
		fam = c.Family.String() + " "
	}
	switch c.Field {
	case firewall.FieldSrcAddr:
		return fam + "src " + c.Addrs.String()
	case firewall.FieldDstAddr:
		return fam + "dst " + c.Addrs.String()
	case firewall.FieldProto:
		return fmt.Sprint("proto ", c.Protos)
	case firewall.FieldDstPort:
		return "dport " + c.Ports.String()
	case firewall.FieldCtState:
		return fmt.Sprintf("ct %d", c.CtStates)
	}
	return fmt.Sprint("field ", c.Field)
}

func TestParseGroups(t *testing.T) {
	g := loadGroups(t)
	if len(g.List) != 3 {
		t.Fatalf("%d groups", len(g.List))
	}
	w := g.Group(web)
	if w == nil || w.Name != "web" || w.VpcID != "vpc-0abc0000000000001" || len(w.Ingress) != 6 || len(w.Egress) != 1 {
		t.Fatalf("web: %+v", w)
	}
	if w.Line != 3 || w.Ingress[0].Line != 7 || w.Ingress[1].Line != 25 || w.Egress[0].Line != 96 {
		t.Errorf("web starts on line 3, its permissions on 7, 25 and (egress) 96: %d %d %d %d", w.Line, w.Ingress[0].Line, w.Ingress[1].Line, w.Egress[0].Line)
	}
	if m := g.Group(monitor); m.Line != 114 || m.Ingress[2].Line != 162 || m.Egress[0].Line != 177 {
		t.Errorf("monitoring starts on line 114, its third permission on 162, egress on 177: %d %d %d", m.Line, m.Ingress[2].Line, m.Egress[0].Line)
	}
	if p := w.Ingress[2]; len(p.GroupRefs) != 1 || p.GroupRefs[0] != (GroupRef{GroupID: bastion, UserID: "111122223333"}) {
		t.Errorf("group reference: %+v", p)
	}
}

func TestRules(t *testing.T) {
	g := loadGroups(t)
	m := loadMembers(t, "network-interfaces.json")
	tests := []struct {
		name    string
		applied []string
		members *Members
		ingress []string
		egress  []string
	}{
		{"web: v4 and v6 ranges, numeric protocol, group reference, icmp", []string{web}, m,
			[]string{
				"ct 6 -> accept",
				"proto [6], dport 443, ipv4 src 0.0.0.0/0 -> accept",
				"proto [6], dport 443, ipv6 src ::/0 -> accept",
				"proto [6], dport 8080-8089, ipv4 src 10.0.0.0/16 -> accept",
				"proto [6], dport 22, ipv4 src 10.0.1.10/31,10.0.3.30 -> accept",
				"proto [6], dport 22, ipv6 src 2001:db8:100::10 -> accept",
				"proto [1], ipv4 src 10.0.0.0/8 -> accept",
				"proto [1], ipv4 src 192.0.2.0/24 -> accept [icmp type 8 code 0]",
				"proto [58], ipv6 src 2001:db8::/32 -> accept [icmpv6 type 128]",
			},
			[]string{
				"ct 6 -> accept",
				"ipv4 dst 0.0.0.0/0 -> accept",
				"ipv6 dst ::/0 -> accept",
			}},
		{"monitoring: prefix list, self reference, other account, protocol 50", []string{monitor}, m,
			[]string{
				"ct 6 -> accept",
				"proto [6], dport 5666, ipv6 src 2001:db8:6d::/48 -> accept",
				"proto [6], dport 5666, ipv4 src 10.0.3.30 -> accept",
				"proto [17], dport 161, ipv4 src 10.0.9.0/24 -> accept",
				"proto [50], ipv4 src 198.51.100.1 -> accept",
				"proto [6], dport 5666 -> accept [managed prefix list pl-0corp00000000001 is not resolved]",
				"proto [17], dport 161 -> accept [security group sg-0other000000000001 of account 444455556666 is not resolved (not in network-interfaces.json)]",
			},
			[]string{
				"ct 6 -> accept",
				"proto [6], dport 443, ipv4 dst 10.0.0.0/8 -> accept",
			}},
		{"bastion: no egress rules", []string{bastion}, m,
			[]string{"ct 6 -> accept", "proto [6], dport 22, ipv4 src 203.0.113.0/24 -> accept"},
			[]string{"ct 6 -> accept"}},
		{"group reference without members", []string{web}, nil,
			nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := g.Ruleset(tc.applied, tc.members)
			if err != nil {
				t.Fatal(err)
			}
			if len(rs.Tables) != 1 || len(rs.Tables[0].Chains) != 4 {
				t.Fatalf("want one table of four chains: %+v", rs.Tables)
			}
			chains := rs.Tables[0].Chains
			for i, want := range []struct {
				name string
				hook firewall.Hook
				prio int
			}{{"ingress", firewall.HookInput, 0}, {"egress", firewall.HookOutput, 0}, {"forward ingress", firewall.HookForward, 0}, {"forward egress", firewall.HookForward, 1}} {
				if c := chains[i]; c.Name != want.name || c.Hook != want.hook || c.Priority != want.prio || c.Policy != firewall.VerdictDrop {
					t.Errorf("chain %d: %+v", i, c)
				}
			}
			if tc.ingress == nil {
				got := strings.Join(dumpChain(chains[0]), "\n")
				if !strings.Contains(got, "proto [6], dport 22 -> accept [security group sg-0bastion0000000001 is not resolved (no network interfaces given)]") {
					t.Errorf("unresolved reference not unmodelled:\n%s", got)
				}
				return
			}
			if got, want := strings.Join(dumpChain(chains[0]), "\n"), strings.Join(tc.ingress, "\n"); got != want {
				t.Errorf("ingress:\n%s\nwant\n%s", got, want)
			}
			if got, want := strings.Join(dumpChain(chains[1]), "\n"), strings.Join(tc.egress, "\n"); got != want {
				t.Errorf("egress:\n%s\nwant\n%s", got, want)
			}
			if got, want := strings.Join(dumpChain(chains[2]), "\n"), strings.Join(tc.ingress, "\n"); got != want {
				t.Errorf("forward ingress differs from ingress:\n%s", got)
			}
		})
	}
}

func TestUnion(t *testing.T) {
	g := loadGroups(t)
	rs, err := g.Ruleset([]string{web, monitor, web}, loadMembers(t, "network-interfaces.json"))
	if err != nil {
		t.Fatal(err)
	}
	in := dumpChain(rs.Tables[0].Chains[0])
	// 1 established + 6 resolved web + 4 resolved monitoring, then the 2
	// unknown of web (icmp types) and the 2 of monitoring.
	if len(in) != 15 {
		t.Fatalf("%d rules:\n%s", len(in), strings.Join(in, "\n"))
	}
	for i, r := range in {
		if (i >= 11) != strings.Contains(r, "-> accept [") {
			t.Errorf("rule %d: unresolved rules must come last: %s", i, r)
		}
	}
	if !strings.Contains(rs.Source, web+", "+monitor) {
		t.Errorf("source %q", rs.Source)
	}
}

func TestMembers(t *testing.T) {
	ni := loadMembers(t, "network-interfaces.json")
	inst := loadMembers(t, "instances.json")
	if !ni.Complete || inst.Complete {
		t.Errorf("complete: interfaces %v, instances %v", ni.Complete, inst.Complete)
	}
	tests := []struct {
		m     *Members
		group string
		addrs string
		why   string
	}{
		{ni, bastion, "10.0.1.10/31,10.0.3.30,2001:db8:100::10", ""},
		{inst, bastion, "10.0.1.10/31,2001:db8:100::10", "members other than the instances in instances.json are not known"},
		{inst, web, "10.0.2.20,10.0.2.32/28", "members other than the instances"},
		{ni, web, "none", "no network interface in network-interfaces.json carries it"},
		{inst, "sg-0nobody", "none", "no network interface in instances.json carries it"},
	}
	for _, tc := range tests {
		addrs, why := tc.m.resolve(GroupRef{GroupID: tc.group, UserID: "111122223333"})
		if addrs.String() != tc.addrs || !strings.Contains(why, tc.why) || (tc.why == "") != (why == "") {
			t.Errorf("%s in %s: %s (%q), want %s (%q)", tc.group, tc.m.File, addrs, why, tc.addrs, tc.why)
		}
	}
	if got := strings.Join(inst.GroupsOf("i-0web0000000000001"), ","); got != monitor+","+web {
		t.Errorf("groups of i-0web: %s", got)
	}
	if got := strings.Join(ni.GroupsOf("eni-0elb00000000000001"), ","); got != bastion+","+monitor {
		t.Errorf("groups of the ELB interface: %s", got)
	}
	for _, tc := range []struct {
		m      *Members
		addr   string
		id     string
		groups string
	}{
		{inst, "10.0.2.20", "eni-0web0000000000001", monitor + "," + web},
		{inst, "10.0.2.40", "eni-0web0000000000001", monitor + "," + web}, // delegated prefix
		{inst, "2001:db8:100::10", "eni-0bastion000000001", bastion},
		{ni, "10.0.3.30", "eni-0elb00000000000001", bastion + "," + monitor},
		{ni, "203.0.113.50", "eni-0bastion000000001", bastion}, // associated public address
		{ni, "203.0.113.51", "", ""},
	} {
		id, groups, ok := tc.m.GroupsOfAddr(netip.MustParseAddr(tc.addr))
		if id != tc.id || strings.Join(groups, ",") != tc.groups || ok != (tc.id != "") {
			t.Errorf("%s in %s: %s %v %v", tc.addr, tc.m.File, id, groups, ok)
		}
	}
	if inst.GroupsOf("i-0old0000000000001") != nil || inst.GroupsOf("i-nope") != nil {
		t.Error("terminated or unknown instances have no groups")
	}
}

func TestErrors(t *testing.T) {
	group := func(perm string) string {
		return "{\n \"SecurityGroups\": [\n  {\n   \"GroupId\": \"sg-1\",\n   \"IpPermissions\": [" + perm + "]\n  }\n ]\n}\n"
	}
	tests := []struct{ name, data, want string }{
		{"empty", "", "aws-sg sg.json: empty input"},
		{"syntax", "{\n\"SecurityGroups\": [\n}", "aws-sg sg.json, line 3: not JSON"},
		{"wrong type", "{\n\"SecurityGroups\": [\n{\"GroupId\": 7}]}", "aws-sg sg.json, line 3, key SecurityGroups.GroupId: want string, not a JSON number"},
		{"no array", `{"Reservations": []}`, `no "SecurityGroups" array`},
		{"trailing", `{"SecurityGroups": []} []`, "more than one JSON value"},
		{"no group id", `{"SecurityGroups": [{}]}`, "aws-sg sg.json, key SecurityGroups[0]: no GroupId"},
		{"twice", `{"SecurityGroups": [{"GroupId": "sg-1"}, {"GroupId": "sg-1"}]}`, ", key SecurityGroups[1] (sg-1): listed twice"},
		{"no protocol", group(`{"FromPort": 1, "ToPort": 2}`), "aws-sg sg.json, line 5, key SecurityGroups[0] (sg-1) IpPermissions[0]: no IpProtocol"},
		{"bad protocol", group(`{"IpProtocol": "tcpx"}`), `bad IpProtocol "tcpx"`},
		{"protocol number too big", group(`{"IpProtocol": "256"}`), `bad IpProtocol "256"`},
		{"tcp without ports", group(`{"IpProtocol": "tcp"}`), "tcp without FromPort and ToPort"},
		{"reversed ports", group(`{"IpProtocol": "udp", "FromPort": 90, "ToPort": 80}`), "bad port range 90-80"},
		{"port too big", group(`{"IpProtocol": "udp", "FromPort": 90, "ToPort": 65536}`), "bad port range 90-65536"},
		{"bad icmp", group(`{"IpProtocol": "icmp", "FromPort": 300, "ToPort": -1}`), "bad ICMP type 300"},
		{"bad cidr", group(`{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/33"}]}`), `IpRanges[0]: bad IPv4 CIDR "10.0.0.0/33"`},
		{"v6 in IpRanges", group(`{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "::/0"}]}`), `IpRanges[0]: bad IPv4 CIDR "::/0"`},
		{"v4 in Ipv6Ranges", group(`{"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "0.0.0.0/0"}]}`), `Ipv6Ranges[0]: bad IPv6 CIDR "0.0.0.0/0"`},
		{"pair without group", group(`{"IpProtocol": "-1", "UserIdGroupPairs": [{"UserId": "1"}]}`), "UserIdGroupPairs[0]: no GroupId"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("sg.json", []byte(tc.data))
			e, ok := located.As(err)
			if !ok || e.File != "sg.json" || e.Kind != "aws-sg" {
				t.Fatalf("want a located aws-sg error naming sg.json, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to contain %q", err, tc.want)
			}
		})
	}
	g := loadGroups(t)
	if _, err := g.Ruleset([]string{"sg-0nope"}, nil); err == nil || !strings.Contains(err.Error(), "security group sg-0nope is not in this file") {
		t.Errorf("unknown applied group: %v", err)
	}
	if _, err := g.Ruleset(nil, nil); err == nil {
		t.Error("no applied group must be an error")
	}
	memberErrors := []struct{ name, data, want string }{
		{"neither", `{"SecurityGroups": []}`, `want "NetworkInterfaces"`},
		{"bad address", "{\"NetworkInterfaces\": [\n{\"NetworkInterfaceId\": \"eni-1\",\n\"PrivateIpAddress\": \"10.0.0.300\"}]}", `aws-sg ni.json, line 2, key NetworkInterfaces[0] (eni-1): bad address "10.0.0.300"`},
		{"bad public address", `{"NetworkInterfaces": [{"PrivateIpAddresses": [{"PrivateIpAddress": "10.0.0.1", "Association": {"PublicIp": "2001:db8::1"}}]}]}`, `bad public address "2001:db8::1"`},
		{"v4 as v6", `{"NetworkInterfaces": [{"Ipv6Addresses": [{"Ipv6Address": "10.0.0.1"}]}]}`, `bad address "10.0.0.1"`},
		{"bad prefix", `{"Reservations": [{"Instances": [{"InstanceId": "i-1", "NetworkInterfaces": [{"Ipv4Prefixes": [{"Ipv4Prefix": "10.0.0.0"}]}]}]}]}`, `Reservations[0].Instances[0] (i-1) NetworkInterfaces[0]: bad prefix "10.0.0.0"`},
	}
	for _, tc := range memberErrors {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseMembers("ni.json", []byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

// TestVerdicts judges connections to an instance through the engine.
func TestVerdicts(t *testing.T) {
	g := loadGroups(t)
	ni := loadMembers(t, "network-interfaces.json")
	inst := loadMembers(t, "instances.json")
	tests := []struct {
		name    string
		applied []string
		members *Members
		hook    firewall.Hook
		fam     firewall.Family
		proto   uint8
		src     string
		dst     string
		dport   uint16
		want    firewall.Outcome
		because string
	}{
		{"https from anywhere v4", []string{web}, ni, firewall.HookInput, 4, firewall.ProtoTCP, "198.51.100.7", "10.0.2.20", 443, firewall.Allowed, "ingress tcp 443 from 0.0.0.0/0"},
		{"https from anywhere v6", []string{web}, ni, firewall.HookInput, 6, firewall.ProtoTCP, "2001:db8:ffff::1", "2001:db8:2::20", 443, firewall.Allowed, "from ::/0"},
		{"http not allowed", []string{web}, ni, firewall.HookInput, 4, firewall.ProtoTCP, "198.51.100.7", "10.0.2.20", 80, firewall.Blocked, ""},
		{"8080-8089 from the VPC only", []string{web}, ni, firewall.HookInput, 4, firewall.ProtoTCP, "10.0.0.0/8", "10.0.2.20", 8085, firewall.Partial, ""},
		{"ssh from a bastion member", []string{web}, ni, firewall.HookInput, 4, firewall.ProtoTCP, "10.0.1.11", "10.0.2.20", 22, firewall.Allowed, "from security group " + bastion},
		{"ssh from a bastion member v6", []string{web}, ni, firewall.HookInput, 6, firewall.ProtoTCP, "2001:db8:100::10", "2001:db8:2::20", 22, firewall.Allowed, ""},
		{"ssh from the bastion's public address", []string{web}, ni, firewall.HookInput, 4, firewall.ProtoTCP, "203.0.113.50", "10.0.2.20", 22, firewall.Blocked, ""},
		{"ssh from elsewhere, members only from instances", []string{web}, inst, firewall.HookInput, 4, firewall.ProtoTCP, "10.9.9.9", "10.0.2.20", 22, firewall.Unknown, "members other than the instances"},
		{"ssh from an instance member, from instances", []string{web}, inst, firewall.HookInput, 4, firewall.ProtoTCP, "10.0.1.10", "10.0.2.20", 22, firewall.Allowed, ""},
		{"ssh without members", []string{web}, nil, firewall.HookInput, 4, firewall.ProtoTCP, "10.0.1.10", "10.0.2.20", 22, firewall.Unknown, "not resolved"},
		{"icmp from 10/8", []string{web}, ni, firewall.HookInput, 4, firewall.ProtoICMP, "10.3.3.3", "10.0.2.20", 0, firewall.Allowed, ""},
		{"icmp echo only: unknown", []string{web}, ni, firewall.HookInput, 4, firewall.ProtoICMP, "192.0.2.1", "10.0.2.20", 0, firewall.Unknown, "icmp type 8"},
		{"union of two groups", []string{bastion, web}, ni, firewall.HookInput, 4, firewall.ProtoTCP, "203.0.113.9", "10.0.2.20", 22, firewall.Allowed, "bastion"},
		{"union does not add to one group alone", []string{bastion}, ni, firewall.HookInput, 4, firewall.ProtoTCP, "203.0.113.9", "10.0.2.20", 443, firewall.Blocked, ""},
		{"esp by number", []string{monitor}, ni, firewall.HookInput, 4, 50, "198.51.100.1", "10.0.2.20", 0, firewall.Allowed, ""},
		{"nrpe v6", []string{monitor}, ni, firewall.HookInput, 6, firewall.ProtoTCP, "2001:db8:6d::5", "2001:db8:2::20", 5666, firewall.Allowed, ""},
		{"nrpe from elsewhere: prefix list unknown", []string{monitor}, ni, firewall.HookInput, 4, firewall.ProtoTCP, "192.0.2.9", "10.0.2.20", 5666, firewall.Unknown, "prefix list"},
		{"egress: outbound https to 10/8", []string{monitor}, ni, firewall.HookOutput, 4, firewall.ProtoTCP, "10.0.2.20", "10.5.5.5", 443, firewall.Allowed, "egress tcp 443 to 10.0.0.0/8"},
		{"egress: outbound https elsewhere", []string{monitor}, ni, firewall.HookOutput, 4, firewall.ProtoTCP, "10.0.2.20", "198.51.100.7", 443, firewall.Blocked, ""},
		{"egress: no rules in bastion", []string{bastion}, ni, firewall.HookOutput, 4, firewall.ProtoTCP, "10.0.1.10", "10.0.2.20", 22, firewall.Blocked, ""},
		{"forward: in by web ingress, out by web egress", []string{web}, ni, firewall.HookForward, 4, firewall.ProtoTCP, "198.51.100.7", "10.7.7.7", 443, firewall.Allowed, ""},
		{"forward: out blocked by monitoring egress", []string{monitor}, ni, firewall.HookForward, 4, firewall.ProtoUDP, "10.0.9.1", "198.51.100.7", 161, firewall.Blocked, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := g.Ruleset(tc.applied, tc.members)
			if err != nil {
				t.Fatal(err)
			}
			en, err := firewall.NewEngine(rs, tc.hook)
			if err != nil {
				t.Fatal(err)
			}
			j := en.Judge(firewall.Space{Family: tc.fam, Proto: tc.proto,
				Src: firewall.MustPrefixSet(tc.src), Dst: firewall.MustPrefixSet(tc.dst),
				SrcPorts: firewall.Ports(1024, 65535), DstPorts: firewall.Port(tc.dport)})
			if got := j.Verdict(); got != tc.want {
				t.Fatalf("verdict %s, want %s (open %+v closed %+v unknown %+v)", got, tc.want, j.Open, j.Closed, j.Unknown)
			}
			w := j.Witness(tc.want)
			if tc.because != "" && (w == nil || !strings.Contains(w.Rule+" "+w.Reason, tc.because)) {
				t.Errorf("witness %+v, want it to mention %q", w, tc.because)
			}
		})
	}
}

func seeds(f *testing.F) {
	files, _ := filepath.Glob(fixtures + "*.json")
	if len(files) < 3 {
		f.Fatalf("fixtures missing: %v", files)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func FuzzParse(f *testing.F) {
	seeds(f)
	members, err := ParseMembers("network-interfaces.json", read(f, "network-interfaces.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Parse("fuzz.json", data)
		if err != nil {
			return
		}
		var ids []string
		for _, grp := range g.List {
			ids = append(ids, grp.ID)
		}
		if len(ids) == 0 {
			return
		}
		rs, err := g.Ruleset(ids, members)
		if err != nil {
			t.Fatal(err)
		}
		en, err := firewall.NewEngine(rs, firewall.HookInput)
		if err != nil {
			t.Fatal(err)
		}
		en.Judge(firewall.Space{Family: firewall.FamilyIPv4, Proto: firewall.ProtoTCP, Src: firewall.MustPrefixSet("0.0.0.0/0"), Dst: firewall.MustPrefixSet("10.0.0.1"), SrcPorts: firewall.AllPorts(), DstPorts: firewall.AllPorts()})
	})
}

func FuzzParseMembers(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMembers("fuzz.json", data)
		if err != nil {
			return
		}
		for g := range m.byGroup {
			m.resolve(GroupRef{GroupID: g})
			m.GroupsOf(g)
		}
	})
}
