package nftables

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

var update = flag.Bool("update", false, "rewrite testdata/nftables/*.model (and, as root, the *.json from the *.nft)")

const fixtures = "../../../testdata/nftables/"

// oneRule is an nft -j document with one table and one base chain holding
// one rule of the given expressions.
func oneRule(family, exprs string) []byte {
	return []byte(`{"nftables": [{"metainfo": {"json_schema_version": 1}},
{"table": {"family": "` + family + `", "name": "t", "handle": 1}},
{"set": {"family": "` + family + `", "table": "t", "name": "s4", "type": "ipv4_addr", "flags": ["interval"], "elem": [{"prefix": {"addr": "192.0.2.0", "len": 24}}]}},
{"set": {"family": "` + family + `", "table": "t", "name": "s6", "type": "ipv6_addr", "elem": ["2001:db8::1", {"range": ["2001:db8::10", "2001:db8::1f"]}]}},
{"set": {"family": "` + family + `", "table": "t", "name": "ports", "type": "inet_service", "flags": ["interval"], "elem": [22, {"range": [8000, 8099]}]}},
{"set": {"family": "` + family + `", "table": "t", "name": "protos", "type": "inet_proto", "elem": ["tcp", 17]}},
{"set": {"family": "` + family + `", "table": "t", "name": "dyn", "type": "ipv4_addr", "flags": ["dynamic", "timeout"]}},
{"set": {"family": "` + family + `", "table": "t", "name": "pairs", "type": ["ipv4_addr", "inet_service"]}},
{"chain": {"family": "` + family + `", "table": "t", "name": "c", "handle": 2, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}},
{"chain": {"family": "` + family + `", "table": "t", "name": "user", "handle": 3}},
{"rule": {"family": "` + family + `", "table": "t", "chain": "c", "handle": 4, "expr": [` + exprs + `]}}]}`)
}

func match(left, op, right string) string {
	return `{"match": {"op": "` + op + `", "left": ` + left + `, "right": ` + right + `}}`
}

const (
	ipSaddr   = `{"payload": {"protocol": "ip", "field": "saddr"}}`
	ipDaddr   = `{"payload": {"protocol": "ip", "field": "daddr"}}`
	ip6Saddr  = `{"payload": {"protocol": "ip6", "field": "saddr"}}`
	ip6Daddr  = `{"payload": {"protocol": "ip6", "field": "daddr"}}`
	tcpDport  = `{"payload": {"protocol": "tcp", "field": "dport"}}`
	udpSport  = `{"payload": {"protocol": "udp", "field": "sport"}}`
	thDport   = `{"payload": {"protocol": "th", "field": "dport"}}`
	l4proto   = `{"meta": {"key": "l4proto"}}`
	ctState   = `{"ct": {"key": "state"}}`
	accept    = `{"accept": null}`
	drop      = `{"drop": null}`
	counter   = `{"counter": {"packets": 0, "bytes": 0}}`
	tcpFlags  = `{"payload": {"protocol": "tcp", "field": "flags"}}`
	setS4     = `"nft inet t @s4"`
	setS6Name = "nft inet t @s6"
)

func TestConstructs(t *testing.T) {
	tests := []struct {
		name, family, exprs, want string
	}{
		{"ip saddr address", "inet", match(ipSaddr, "==", `"10.0.0.1"`) + "," + accept, "ipv4 src 10.0.0.1 -> accept"},
		{"ip6 saddr address", "inet", match(ip6Saddr, "==", `"2001:db8::1"`) + "," + accept, "ipv6 src 2001:db8::1 -> accept"},
		{"ip daddr prefix", "ip", match(ipDaddr, "==", `{"prefix": {"addr": "10.20.0.0", "len": 16}}`) + "," + drop, "ipv4 dst 10.20.0.0/16 -> drop"},
		{"ip6 daddr prefix", "ip6", match(ip6Daddr, "==", `{"prefix": {"addr": "2001:db8:1::", "len": 48}}`) + "," + drop, "ipv6 dst 2001:db8:1::/48 -> drop"},
		{"ip saddr range", "inet", match(ipSaddr, "==", `{"range": ["10.1.2.3", "10.1.2.9"]}`) + "," + accept, "ipv4 src 10.1.2.3-10.1.2.9 -> accept"},
		{"ip6 saddr range", "inet", match(ip6Saddr, "==", `{"range": ["2001:db8::3", "2001:db8::9"]}`) + "," + accept, "ipv6 src 2001:db8::3-2001:db8::9 -> accept"},
		{"ip saddr anonymous set", "inet", match(ipSaddr, "==", `{"set": ["10.0.0.1", {"prefix": {"addr": "10.2.0.0", "len": 16}}, {"range": ["10.3.0.1", "10.3.0.9"]}]}`) + "," + accept,
			"ipv4 src 10.0.0.1,10.2.0.0/16,10.3.0.1-10.3.0.9 -> accept"},
		{"ip6 saddr negated set", "inet", match(ip6Saddr, "!=", `{"set": [{"prefix": {"addr": "2001:db8::", "len": 32}}, {"prefix": {"addr": "fe80::", "len": 10}}]}`) + "," + drop,
			"ipv6 src != 2001:db8::/32,fe80::/10 -> drop"},
		{"ip saddr named interval set", "inet", match(ipSaddr, "==", `"@s4"`) + "," + accept, "ipv4 src nft inet t @s4 -> accept"},
		{"ip6 saddr named set", "inet", match(ip6Saddr, "!=", `"@s6"`) + "," + accept, "ipv6 src != nft inet t @s6 -> accept"},
		{"ip saddr dynamic set", "inet", match(ipSaddr, "==", `"@dyn"`) + "," + drop, "ipv4 src nft inet t @dyn -> drop"},
		{"address comparison", "ip", match(ipSaddr, ">=", `"10.0.0.0"`) + "," + accept, "ipv4 src 10.0.0.0-255.255.255.255 -> accept"},
		{"tcp dport", "inet", match(tcpDport, "==", "22") + "," + accept, "proto 6, dport 22 -> accept"},
		{"tcp dport negated", "inet", match(tcpDport, "!=", "443") + "," + drop, "proto 6, dport != 443 -> drop"},
		{"tcp dport range", "inet", match(tcpDport, "==", `{"range": [8000, 8099]}`) + "," + accept, "proto 6, dport 8000-8099 -> accept"},
		{"tcp dport set with range", "inet", match(tcpDport, "==", `{"set": [22, {"range": [8000, 8099]}]}`) + "," + accept, "proto 6, dport 22,8000-8099 -> accept"},
		{"tcp dport named set", "inet", match(tcpDport, "==", `"@ports"`) + "," + accept, "proto 6, dport 22,8000-8099 -> accept"},
		{"tcp dport less than", "inet", match(tcpDport, "<", "1024") + "," + accept, "proto 6, dport 0-1023 -> accept"},
		{"tcp dport greater than", "inet", match(tcpDport, ">", "60000") + "," + accept, "proto 6, dport 60001-65535 -> accept"},
		{"udp sport", "ip6", match(udpSport, "==", "123") + "," + accept, "proto 17, sport 123 -> accept"},
		{"th dport with l4proto set", "inet", match(l4proto, "==", `{"set": ["tcp", "udp"]}`) + "," + match(thDport, "==", "53") + "," + accept, "proto 6,17, dport 53 -> accept"},
		{"l4proto named set", "inet", match(l4proto, "==", `"@protos"`) + "," + accept, "proto 6,17 -> accept"},
		{"ip protocol", "inet", match(`{"payload": {"protocol": "ip", "field": "protocol"}}`, "==", `"icmp"`) + "," + accept, "ipv4 proto 1 -> accept"},
		{"ip6 nexthdr", "inet", match(`{"payload": {"protocol": "ip6", "field": "nexthdr"}}`, "==", `"ipv6-icmp"`) + "," + accept, "ipv6 proto 58 -> accept"},
		{"meta l4proto number", "inet", match(l4proto, "!=", "47") + "," + drop, "proto != 47 -> drop"},
		// issue 10: a map lookup in a statement stops the rule when its key is not found
		{"mark set map", "inet", `{"mangle": {"key": {"meta": {"key": "mark"}}, "value": {"map": {"key": ` + ipSaddr + `, "data": {"set": [["10.1.0.2", 1], ["10.1.0.3", 2]]}}}}},` + accept, "ipv4 src 10.1.0.2/31 -> accept"},
		{"ct mark set map with catch-all", "inet", `{"mangle": {"key": {"ct": {"key": "mark"}}, "value": {"map": {"key": ` + ipDaddr + `, "data": {"set": [["10.2.0.2", 1], ["*", 2]]}}}}},` + drop, " -> drop"},
		{"dup to map", "inet", `{"dup": {"addr": {"map": {"key": ` + ipSaddr + `, "data": {"set": [["10.1.0.2", "10.9.0.1"]]}}}}},` + accept, "ipv4 src 10.1.0.2 -> accept"},
		{"mark set named map", "inet", `{"mangle": {"key": {"meta": {"key": "mark"}}, "value": {"map": {"key": ` + ipSaddr + `, "data": "@m"}}}},` + accept, " -> accept [unmodelled: map lookup @m]"},
		// issue 10: the hidden meta nfproto of IPv6-only rejects
		{"reject with icmpv6", "inet", `{"reject": {"type": "icmpv6", "expr": "port-unreachable"}}`, "ipv6 family -> reject"},
		{"reject with icmp", "inet", `{"reject": {"type": "icmp", "expr": "port-unreachable"}}`, "ipv4 family -> reject"},
		{"reject with icmpx", "inet", `{"reject": {"type": "icmpx", "expr": "port-unreachable"}}`, " -> reject"},
		// issue 10: IPv6 extension headers never in an IPv4 packet
		{"exthdr frag", "inet", match(`{"exthdr": {"name": "frag", "field": "more-fragments"}}`, "==", "1") + "," + drop, "ipv6 family -> drop [unmodelled: exthdr frag more-fragments]"},
		{"exthdr hbh exists", "inet", match(`{"exthdr": {"name": "hbh"}}`, "==", "true") + "," + drop, "ipv6 family -> drop [unmodelled: exthdr hbh]"},
		// issue 10: a vmap catch-all "*" comes last, for the keys no element has
		{"vmap catch-all", "inet", `{"vmap": {"key": ` + ipSaddr + `, "data": {"set": [["*", {"accept": null}], ["10.1.0.5", {"drop": null}]]}}}`, "ipv4 src 10.1.0.5 -> drop | ipv4 src != 10.1.0.5 -> accept"},
		// names from the one protocol table (issue 8): ipip is 94, ipencap 4
		{"meta l4proto ipip", "inet", match(l4proto, "==", `"ipip"`) + "," + drop, "proto 94 -> drop"},
		{"meta l4proto ipencap", "inet", match(l4proto, "==", `"ipencap"`) + "," + drop, "proto 4 -> drop"},
		{"meta l4proto ipcomp", "inet", match(l4proto, "==", `"ipcomp"`) + "," + drop, "proto 108 -> drop"},
		{"meta nfproto", "inet", match(`{"meta": {"key": "nfproto"}}`, "==", `"ipv6"`) + "," + accept, "ipv6 family -> accept"},
		{"meta nfproto negated", "inet", match(`{"meta": {"key": "nfproto"}}`, "!=", `"ipv6"`) + "," + accept, "ipv4 family -> accept"},
		{"ct state list", "inet", match(ctState, "in", `["established", "related"]`) + "," + accept, "ct established|related -> accept"},
		{"ct state set", "inet", match(ctState, "==", `{"set": ["established", "related"]}`) + "," + accept, "ct established|related -> accept"},
		{"ct state negated", "inet", match(ctState, "!=", `"new"`) + "," + drop, "ct != new -> drop"},
		{"ct status dnat unmodelled", "inet", match(`{"ct": {"key": "status"}}`, "in", `"dnat"`) + "," + accept, " -> accept [unmodelled: ct status]"},
		{"iifname", "inet", match(`{"meta": {"key": "iifname"}}`, "==", `"eth0"`) + "," + accept, "in eth0 -> accept"},
		{"oifname wildcard", "inet", match(`{"meta": {"key": "oifname"}}`, "!=", `"eth*"`) + "," + accept, "out != eth+ -> accept"},
		{"iifname set: one rule per name", "inet", match(`{"meta": {"key": "iifname"}}`, "==", `{"set": ["eth1", "eth0"]}`) + "," + match(tcpDport, "==", "22") + "," + accept, "in eth0, proto 6, dport 22 -> accept | in eth1, proto 6, dport 22 -> accept"},
		{"iifname and oifname sets", "inet", match(`{"meta": {"key": "iifname"}}`, "==", `{"set": ["a", "b"]}`) + "," + match(`{"meta": {"key": "oifname"}}`, "==", `{"set": ["c", "d"]}`) + "," + accept,
			"in a, out c -> accept | in a, out d -> accept | in b, out c -> accept | in b, out d -> accept"},
		{"iifname not in set", "inet", match(`{"meta": {"key": "iifname"}}`, "!=", `{"set": ["eth0", "eth1"]}`) + "," + accept, "in != eth0, in != eth1 -> accept"},
		{"iif index unmodelled", "inet", match(`{"meta": {"key": "iif"}}`, "==", "3") + "," + accept, " -> accept [unmodelled: interface 3]"},
		{"counter and log", "inet", `{"log": {"prefix": "x"}},` + counter + "," + accept, " -> accept"},
		{"counter only", "inet", counter, " -> continue"},
		{"reject", "inet", match(tcpDport, "==", "25") + `,{"reject": {"type": "tcp reset"}}`, "proto 6, dport 25 -> reject"},
		{"jump", "inet", `{"jump": {"target": "user"}}`, " -> jump user"},
		{"goto", "inet", `{"goto": {"target": "user"}}`, " -> goto user"},
		{"return", "inet", `{"return": null}`, " -> return"},
		{"meta mark unmodelled", "inet", match(`{"meta": {"key": "mark"}}`, "==", "42") + "," + accept, " -> accept [unmodelled: meta mark]"},
		{"limit unmodelled", "inet", `{"limit": {"rate": 10, "per": "second"}},` + accept, " -> accept [unmodelled: limit]"},
		{"tcp flags one bit", "inet", match(tcpFlags, "in", `"syn"`) + "," + drop, "proto 6, tcpflags &0x2 ==0x2 -> drop"},
		{"tcp flags masked", "inet", match(`{"&": [`+tcpFlags+`, ["syn", "ack"]]}`, "==", `"syn"`) + "," + drop, "proto 6, tcpflags &0x12 ==0x2 -> drop"},
		{"tcp flags masked negated", "inet", match(`{"&": [`+tcpFlags+`, ["fin", "syn", "rst", "ack"]]}`, "!=", `"syn"`) + "," + drop, "proto 6, tcpflags != &0x17 ==0x2 -> drop"},
		{"tcp flags exact", "inet", match(tcpFlags, "==", `["syn", "ack"]`) + "," + accept, "proto 6, tcpflags &0xff ==0x12 -> accept"},
		{"tcp flags any of two: unmodelled", "inet", match(tcpFlags, "in", `["syn", "rst"]`) + "," + drop, "proto 6 -> drop [unmodelled: tcp flags in syn,rst]"},
		{"tcp flags never equal", "inet", match(`{"&": [`+tcpFlags+`, "syn"]}`, "==", `"ack"`) + "," + drop, "proto 6, proto  -> drop"},
		{"tcp flags set: unmodelled", "inet", match(tcpFlags, "==", `{"set": ["syn", "ack"]}`) + "," + drop, "proto 6 -> drop [unmodelled: tcp flags == { syn, ack }]"},
		{"fib daddr local", "inet", match(`{"fib": {"result": "type", "flags": ["daddr"]}}`, "==", `"local"`) + "," + accept, "dstlocal -> accept"},
		{"fib saddr not local", "inet", match(`{"fib": {"result": "type", "flags": ["saddr"]}}`, "!=", `"local"`) + "," + drop, "srclocal != -> drop"},
		{"fib with iif: unmodelled", "inet", match(`{"fib": {"result": "type", "flags": ["daddr", "iif"]}}`, "==", `"local"`) + "," + accept, " -> accept [unmodelled: fib daddr,iif type]"},
		{"fib type broadcast: unmodelled", "inet", match(`{"fib": {"result": "type", "flags": ["daddr"]}}`, "==", `"broadcast"`) + "," + accept, " -> accept [unmodelled: fib daddr type == broadcast]"},
		{"icmpv6 type implies icmpv6", "inet", match(`{"payload": {"protocol": "icmpv6", "field": "type"}}`, "==", `"echo-request"`) + "," + accept, "ipv6 proto 58 -> accept [unmodelled: icmpv6 type]"},
		{"concatenation", "inet", match(`{"concat": [`+ipSaddr+`, `+tcpDport+`]}`, "==", `"@pairs"`) + "," + accept, " -> accept [unmodelled: concat ip saddr . tcp dport]"},
		{"port in concatenated set", "inet", match(tcpDport, "==", `"@pairs"`) + "," + accept, "proto 6 -> accept [unmodelled: set @pairs: type ipv4_addr,inet_service]"},
		{"xt match", "ip", match(l4proto, "==", `"tcp"`) + `,{"xt": {"type": "match", "name": "multiport"}},` + accept, "proto 6 -> accept [unmodelled: iptables-nft match multiport]"},
		{"xt target", "ip", `{"xt": {"type": "target", "name": "NFQUEUE"}}`, " -> unknown (iptables-nft target NFQUEUE)"},
		{"notrack", "inet", match(udpSport, "==", "53") + `,{"notrack": null}`, "proto 17, sport 53 -> unknown (notrack (no connection tracking))"},
		{"meta mark set", "inet", `{"mangle": {"key": {"meta": {"key": "mark"}}, "value": 1}},` + counter, " -> continue"},
		{"payload rewrite", "inet", `{"mangle": {"key": ` + ipDaddr + `, "value": "10.0.0.1"}}`, " -> unknown (rewrites ip daddr)"},
		{"queue", "inet", `{"queue": {"num": 1}}`, " -> unknown (queue to user space)"},
		{"unknown statement", "inet", `{"frobnicate": {}},` + accept, " -> accept [unmodelled: statement frobnicate]"},
		{"vmap", "inet", match(ipSaddr, "==", `"10.0.0.1"`) + `,{"vmap": {"key": ` + tcpDport + `, "data": {"set": [[25, {"accept": null}], [110, {"drop": null}], [143, {"jump": {"target": "user"}}]]}}}`,
			"ipv4 src 10.0.0.1, proto 6, dport 25 -> accept | ipv4 src 10.0.0.1, proto 6, dport 110 -> drop | ipv4 src 10.0.0.1, proto 6, dport 143 -> jump user"},
		{"ct state vmap", "inet", `{"vmap": {"key": ` + ctState + `, "data": {"set": [["invalid", {"drop": null}], ["established", {"accept": null}]]}}}`,
			"ct invalid -> drop | ct established -> accept"},
		{"set update", "inet", `{"set": {"op": "update", "elem": ` + ipSaddr + `, "set": "@s4"}},` + drop, " -> drop"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := Parse("rules.json", oneRule(tc.family, tc.exprs))
			if err != nil {
				t.Fatal(err)
			}
			ch := rs.Tables[0].Chain("c")
			var got []string
			for _, r := range ch.Rules {
				got = append(got, dumpRule(r))
			}
			if g := strings.Join(got, " | "); g != tc.want {
				t.Errorf("got  %s\nwant %s", g, tc.want)
			}
			for _, r := range ch.Rules {
				if !strings.HasPrefix(r.Label, tc.family+" t c #4: ") {
					t.Errorf("label %q", r.Label)
				}
			}
		})
	}
}

func TestSets(t *testing.T) {
	rs, err := Parse("rules.json", oneRule("inet", match(ipSaddr, "==", `"@s4"`)+`,{"set": {"op": "update", "elem": `+ipSaddr+`, "set": "@s4"}},`+accept))
	if err != nil {
		t.Fatal(err)
	}
	if got := rs.Sets["nft inet t @s4"]; got == nil || got.Unmodelled != "rules add elements at run time" {
		t.Errorf("a set a rule writes to must be unmodelled: %+v", got)
	}
	s6 := rs.Sets[setS6Name]
	if s6 == nil || !s6.Addrs.Equal(firewall.MustPrefixSet("2001:db8::1", "2001:db8::10/124")) || s6.Unmodelled != "" {
		t.Errorf("s6 = %+v", s6)
	}
	if d := rs.Sets["nft inet t @dyn"]; d == nil || !strings.Contains(d.Unmodelled, "run time") {
		t.Errorf("dynamic set must be unmodelled: %+v", d)
	}
	_ = setS4
}

func TestChains(t *testing.T) {
	data := []byte(`{"nftables": [
{"table": {"family": "inet", "name": "a", "handle": 1}},
{"table": {"family": "netdev", "name": "n", "handle": 2}},
{"table": {"family": "bridge", "name": "br", "handle": 3}},
{"chain": {"family": "inet", "table": "a", "name": "pre", "handle": 1, "type": "nat", "hook": "prerouting", "prio": -100, "policy": "accept"}},
{"chain": {"family": "inet", "table": "a", "name": "out", "handle": 2, "type": "route", "hook": "output", "prio": "mangle - 5"}},
{"chain": {"family": "inet", "table": "a", "name": "fwd", "handle": 3, "type": "filter", "hook": "forward", "prio": 10, "policy": "drop"}},
{"chain": {"family": "netdev", "table": "n", "name": "in", "handle": 1, "type": "filter", "hook": "ingress", "dev": "eth0", "prio": -500, "policy": "drop"}},
{"chain": {"family": "netdev", "table": "n", "name": "two", "handle": 3, "type": "filter", "hook": "egress", "dev": ["eth2", "eth1"], "prio": 0, "policy": "accept"}},
{"chain": {"family": "netdev", "table": "n", "name": "nodev", "handle": 4, "type": "filter", "hook": "ingress", "prio": 0, "policy": "drop"}},
{"rule": {"family": "netdev", "table": "n", "chain": "two", "handle": 5, "expr": [` + match(ip6Daddr, "==", `"2001:db8::1"`) + `, {"drop": null}]}},
{"chain": {"family": "bridge", "table": "br", "name": "f", "handle": 1, "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}},
{"rule": {"family": "netdev", "table": "n", "chain": "in", "handle": 2, "expr": [` + match(ipSaddr, "==", `"192.0.2.1"`) + `, {"accept": null}]}},
{"rule": {"family": "bridge", "table": "br", "chain": "f", "handle": 2, "expr": [{"drop": null}]}}
]}`)
	rs, err := Parse("chains.json", data)
	if err != nil {
		t.Fatal(err)
	}
	want := `table inet a (any)
  chain pre hook prerouting type 1 prio -100 policy accept
  chain out hook output type 2 prio -155 policy accept
  chain fwd hook forward type 0 prio 10 policy drop
table netdev n (any)
  chain in hook prerouting type 0 prio -1073742324 policy accept
    in eth0, ipv4 src 192.0.2.1 -> accept
    in eth0 -> drop
  chain two hook postrouting type 0 prio 1073741823 policy accept
    out eth1, ipv6 dst 2001:db8::1 -> drop
    out eth2, ipv6 dst 2001:db8::1 -> drop
  chain nodev hook prerouting type 0 prio -1073741824 policy accept
     -> drop [unmodelled: the device of netdev n nodev (nft -j does not print it)]
`
	if got := dumpRuleset(rs); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestDNAT(t *testing.T) {
	tests := []struct{ name, family, exprs, want string }{
		{"address and port", "ip", `{"dnat": {"addr": "10.0.0.5", "port": 80}}`, " -> dnat 10.0.0.5:80"},
		{"address only", "ip", `{"dnat": {"addr": "10.0.0.6"}}`, " -> dnat 10.0.0.6:none"},
		{"range", "ip", `{"dnat": {"addr": {"range": ["10.0.0.7", "10.0.0.8"]}, "port": {"range": [22, 23]}}}`, " -> dnat 10.0.0.7-10.0.0.8:22-23"},
		{"ipv6", "ip6", `{"dnat": {"addr": "fd00::5", "port": 80}}`, " -> dnat fd00::5:80"},
		{"inet with family", "inet", `{"dnat": {"family": "ip6", "addr": "fd00::5"}}`, "ipv6 family -> dnat fd00::5:none"},
		{"map", "ip", `{"dnat": {"addr": {"map": {"key": ` + tcpDport + `, "data": "@m"}}}}`, " -> unknown (dnat to a computed address)"},
		{"masquerade", "ip", `{"masquerade": null}`, " -> accept"},
		{"redirect", "ip", `{"redirect": {"port": 3128}}`, " -> unknown (redirect to a local address)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := strings.Replace(string(oneRule(tc.family, tc.exprs)), `"type": "filter", "hook": "input"`, `"type": "nat", "hook": "prerouting"`, 1)
			rs, err := Parse("nat.json", []byte(data))
			if err != nil {
				t.Fatal(err)
			}
			if got := dumpRule(rs.Tables[0].Chain("c").Rules[0]); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"empty", ``, "nftables bad.json: not JSON: empty input"},
		{"not json", `{"nftables": [`, "nftables bad.json: not JSON"},
		{"no nftables", `{"tables": []}`, `want a JSON object with an "nftables" array`},
		{"trailing", `{"nftables": []} {}`, "more than one JSON value"},
		{"object with two keys", `{"nftables": [{"table": {}, "chain": {}}]}`, "nftables bad.json, key nftables[0]: want an object with one key"},
		{"unknown family", `{"nftables": [{"table": {"family": "ipx", "name": "t"}}]}`, `, key nftables[0] table: table t: unknown family "ipx"`},
		{"chain of missing table", `{"nftables": [{"chain": {"family": "inet", "table": "t", "name": "c"}}]}`, ", key nftables[0] chain c: table inet t is not listed"},
		{"rule of missing chain", `{"nftables": [{"table": {"family": "inet", "name": "t"}}, {"rule": {"family": "inet", "table": "t", "chain": "c", "handle": 7, "expr": []}}]}`, ", key inet t chain c rule handle 7: chain c is not listed"},
		{"bad hook", `{"nftables": [{"table": {"family": "inet", "name": "t"}}, {"chain": {"family": "inet", "table": "t", "name": "c", "type": "filter", "hook": "sideways", "prio": 0}}]}`, `inet t chain c: unknown hook "sideways"`},
		{"bad policy", `{"nftables": [{"table": {"family": "inet", "name": "t"}}, {"chain": {"family": "inet", "table": "t", "name": "c", "type": "filter", "hook": "input", "prio": 0, "policy": "maybe"}}]}`, `unknown policy "maybe"`},
		{"bad priority", `{"nftables": [{"table": {"family": "inet", "name": "t"}}, {"chain": {"family": "inet", "table": "t", "name": "c", "type": "filter", "hook": "input", "prio": 1.5}}]}`, "bad priority 1.5"},
		{"bad address", string(oneRule("inet", match(ipSaddr, "==", `"10.0.0.300"`)+","+accept)), `inet t chain c rule handle 4: bad address "10.0.0.300"`},
		{"ipv6 address in ip match", string(oneRule("inet", match(ipSaddr, "==", `"2001:db8::1"`)+","+accept)), "address 2001:db8::1 in a ipv4 match"},
		{"prefix too long", string(oneRule("inet", match(ipSaddr, "==", `{"prefix": {"addr": "10.0.0.0", "len": 33}}`)+","+accept)), "bad prefix"},
		{"reversed range", string(oneRule("inet", match(ipSaddr, "==", `{"range": ["10.0.0.9", "10.0.0.1"]}`)+","+accept)), "bad address range"},
		{"port too big", string(oneRule("inet", match(tcpDport, "==", "65536")+","+accept)), "bad port 65536"},
		{"reversed port range", string(oneRule("inet", match(tcpDport, "==", `{"range": [90, 80]}`)+","+accept)), "bad port range"},
		{"missing set", string(oneRule("inet", match(ipSaddr, "==", `"@nope"`)+","+accept)), "set @nope is not listed in table inet t"},
		{"jump without target", string(oneRule("inet", `{"jump": {}}`)), `jump: want {"target": CHAIN}`},
		{"statement not an object", string(oneRule("inet", `42`)), "statement: want an object with one key"},
		{"bad set element", `{"nftables": [{"table": {"family": "ip", "name": "t"}}, {"set": {"family": "ip", "table": "t", "name": "s", "type": "ipv4_addr", "elem": ["nope"]}}]}`, `ip t set s: bad address "nope"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("bad.json", []byte(tc.data))
			e, ok := located.As(err)
			if !ok || e.File != "bad.json" || e.Kind != "nftables" {
				t.Fatalf("want a located nftables error naming bad.json, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestFixtures compares each real nft -j fixture's model with its golden
// dump (testdata/nftables/NAME.model; -update rewrites them).
func TestFixtures(t *testing.T) {
	files, _ := filepath.Glob(fixtures + "*.json")
	if len(files) < 5 {
		t.Fatalf("fixtures missing: %v", files)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rs, err := Parse(filepath.Base(f), data)
			if err != nil {
				t.Fatal(err)
			}
			got := dumpRuleset(rs)
			golden := fixtures + name + ".model"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s:\n%s", name, golden, got)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(fixtures + "*.json")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(oneRule("inet", match(ipSaddr, "==", `"@s4"`)+","+accept))
	// issue 10's constructs: map lookups in statements, vmap catch-all,
	// family-only rejects, extension headers
	f.Add(oneRule("inet", `{"mangle": {"key": {"meta": {"key": "mark"}}, "value": {"map": {"key": `+ipSaddr+`, "data": {"set": [["10.1.0.2", 1], ["*", 2]]}}}}},`+accept))
	f.Add(oneRule("inet", `{"vmap": {"key": `+ipSaddr+`, "data": {"set": [["*", {"accept": null}], ["10.1.0.5", {"drop": null}]]}}}`))
	f.Add(oneRule("inet", `{"reject": {"type": "icmpv6", "expr": "port-unreachable"}}`))
	f.Add(oneRule("inet", match(`{"exthdr": {"name": "frag", "field": "more-fragments"}}`, "==", "1")+","+drop))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := Parse("fuzz.json", data)
		if err != nil {
			if rs != nil {
				t.Fatal("ruleset and error")
			}
			return
		}
		// Every rule the reader produced must go through the engine.
		for _, h := range []firewall.Hook{firewall.HookInput, firewall.HookForward, firewall.HookOutput} {
			en, err := firewall.NewEngine(rs, h)
			if err != nil {
				t.Fatal(err)
			}
			en.Judge(firewall.Space{Family: firewall.FamilyIPv4, Proto: firewall.ProtoTCP, Src: firewall.MustPrefixSet("10.0.0.0/8"), Dst: firewall.MustPrefixSet("192.0.2.1"), SrcPorts: firewall.AllPorts(), DstPorts: firewall.Port(443)})
		}
	})
}
