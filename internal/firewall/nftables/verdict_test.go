package nftables

import (
	"os"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

func load(t *testing.T, name string) *firewall.Ruleset {
	t.Helper()
	data, err := os.ReadFile(fixtures + name)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Parse(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestVerdicts judges connections against the real nft fixtures through the
// engine: what the rules in filter.nft and nat.nft say, worked out by hand.
func TestVerdicts(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		hook    firewall.Hook
		fam     firewall.Family
		proto   uint8
		src     string
		dst     string
		dport   uint16
		want    firewall.Outcome
		because string // in the deciding witness's rule or reason
	}{
		{"v4 from 10/8 returns from from_outside, then rejected", "filter.json", firewall.HookForward, 4, firewall.ProtoTCP, "10.1.1.1", "10.50.0.1", 22, firewall.Blocked, "reject"},
		{"v4 web port accepted by both forward chains", "filter.json", firewall.HookForward, 4, firewall.ProtoTCP, "10.1.1.1", "10.8.8.8", 443, firewall.Allowed, "@webports"},
		{"v4 second forward base chain drops after an accept", "filter.json", firewall.HookForward, 4, firewall.ProtoTCP, "10.1.1.1", "10.9.9.9", 443, firewall.Blocked, "inet late forward"},
		{"v4 part of a range dropped by the late chain", "filter.json", firewall.HookForward, 4, firewall.ProtoTCP, "10.1.1.1", "10.9.9.0/24", 443, firewall.Partial, ""},
		{"v4 outside source reaches meta mark: unknown", "filter.json", firewall.HookForward, 4, firewall.ProtoTCP, "203.0.113.5", "10.50.0.1", 22, firewall.Unknown, "meta mark"},
		{"v4 goto mail: accepted from the mail relay", "filter.json", firewall.HookForward, 4, firewall.ProtoTCP, "10.1.1.1", "10.50.0.1", 25, firewall.Blocked, "reject"},
		{"v4 udp dns", "filter.json", firewall.HookForward, 4, firewall.ProtoUDP, "10.1.1.1", "10.50.0.1", 53, firewall.Allowed, "udp dport 53"},
		{"v4 icmp", "filter.json", firewall.HookForward, 4, firewall.ProtoICMP, "10.1.1.1", "10.50.0.1", 0, firewall.Allowed, "ip protocol icmp"},
		{"v6 web port", "filter.json", firewall.HookForward, 6, firewall.ProtoTCP, "fd00::1", "2001:db8::5", 443, firewall.Allowed, "@webports"},
		{"v6 ssh not from admins6", "filter.json", firewall.HookForward, 6, firewall.ProtoTCP, "fd00::1", "2001:db8::5", 22, firewall.Blocked, "reject"},
		{"v6 icmpv6", "filter.json", firewall.HookForward, 6, firewall.ProtoICMP, "fd00::1", "2001:db8::5", 0, firewall.Allowed, "ipv6-icmp"},
		{"v4 input: database from outside 10/8 dropped", "filter.json", firewall.HookInput, 4, firewall.ProtoTCP, "192.168.1.1", "10.0.0.1", 3306, firewall.Blocked, "ip saddr != 10.0.0.0/8"},
		{"v4 input: policy accept", "filter.json", firewall.HookInput, 4, firewall.ProtoTCP, "10.1.1.1", "10.0.0.1", 3306, firewall.Allowed, ""},
		{"v6 input: ssh from 2001:db8::/32", "filter.json", firewall.HookInput, 6, firewall.ProtoTCP, "2001:db8::7", "2001:db8::1", 22, firewall.Allowed, "ip6 saddr 2001:db8::/32"},
		{"v6 input: policy drop", "filter.json", firewall.HookInput, 6, firewall.ProtoTCP, "2001:db9::7", "2001:db8::1", 22, firewall.Blocked, "policy DROP"},
		{"dnat 8080 to 10.0.0.5:80 then ct status dnat", "nat.json", firewall.HookForward, 4, firewall.ProtoTCP, "198.51.100.1", "203.0.113.9", 8080, firewall.Allowed, ""},
		{"dnat 443 of one address", "nat.json", firewall.HookForward, 4, firewall.ProtoTCP, "198.51.100.1", "203.0.113.1", 443, firewall.Allowed, ""},
		{"no dnat: ct status is unmodelled", "nat.json", firewall.HookForward, 4, firewall.ProtoTCP, "198.51.100.1", "10.0.0.7", 443, firewall.Unknown, "ct status"},
		{"direct to the dnat target", "nat.json", firewall.HookForward, 4, firewall.ProtoTCP, "198.51.100.1", "10.0.0.5", 80, firewall.Allowed, "ip daddr 10.0.0.5"},
		{"v6 dnat", "nat.json", firewall.HookForward, 6, firewall.ProtoTCP, "2001:db8::1", "2001:db8::2", 8080, firewall.Allowed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			en, err := firewall.NewEngine(load(t, tc.fixture), tc.hook)
			if err != nil {
				t.Fatal(err)
			}
			j := en.Judge(firewall.Space{
				Family: tc.fam, Proto: tc.proto,
				Src: firewall.MustPrefixSet(tc.src), Dst: firewall.MustPrefixSet(tc.dst),
				SrcPorts: firewall.Ports(1024, 65535), DstPorts: firewall.Port(tc.dport),
			})
			if got := j.Verdict(); got != tc.want {
				t.Fatalf("verdict %s, want %s (open %+v closed %+v unknown %+v)", got, tc.want, j.Open, j.Closed, j.Unknown)
			}
			w := j.Witness(tc.want)
			if tc.because != "" && (w == nil || !strings.Contains(w.Rule+" "+w.Reason, tc.because)) {
				t.Errorf("witness %+v, want its rule or reason to mention %q", w, tc.because)
			}
		})
	}
}

// Interface sets become one rule per name, so that the engine compares each
// with the interfaces the check is told.
func TestInterfaceSetVerdicts(t *testing.T) {
	data := []byte(`{"nftables": [{"table": {"family": "inet", "name": "t"}},
{"chain": {"family": "inet", "table": "t", "name": "f", "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}},
{"rule": {"family": "inet", "table": "t", "chain": "f", "handle": 2, "expr": [` + match(ctState, "in", `["established"]`) + `, {"accept": null}]}},
{"rule": {"family": "inet", "table": "t", "chain": "f", "handle": 3, "expr": [` + match(`{"meta": {"key": "iifname"}}`, "==", `{"set": ["a", "b"]}`) + `, ` + match(tcpDport, "==", "22") + `, {"accept": null}]}}]}`)
	rs, err := Parse("ifaces.json", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		in   string
		want firewall.Outcome
	}{{"a", firewall.Allowed}, {"b", firewall.Allowed}, {"c", firewall.Blocked}} {
		en, err := firewall.NewEngine(rs, firewall.HookForward)
		if err != nil {
			t.Fatal(err)
		}
		en.SetInterfaces(firewall.Interfaces{In: tc.in, Out: "z"})
		j := en.Judge(firewall.Space{Family: firewall.FamilyIPv4, Proto: firewall.ProtoTCP,
			Src: firewall.MustPrefixSet("10.0.0.1"), Dst: firewall.MustPrefixSet("10.0.0.2"),
			SrcPorts: firewall.Port(40000), DstPorts: firewall.Port(22)})
		if got := j.Verdict(); got != tc.want {
			t.Errorf("in %s: %s, want %s", tc.in, got, tc.want)
		}
	}
}
