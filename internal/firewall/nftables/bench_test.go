package nftables

import (
	"fmt"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

// bigRuleset is nft -j output of n rules like a large host firewall's:
// address, port-set and ct matches in one forward chain.
func bigRuleset(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"nftables": [{"table": {"family": "inet", "name": "fw", "handle": 1}},
{"chain": {"family": "inet", "table": "fw", "name": "forward", "handle": 1, "type": "filter", "hook": "forward", "prio": 0, "policy": "drop"}},
{"rule": {"family": "inet", "table": "fw", "chain": "forward", "handle": 1, "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": null}]}}`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `,
{"rule": {"family": "inet", "table": "fw", "chain": "forward", "handle": %d, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip", "field": "saddr"}}, "right": {"prefix": {"addr": "10.%d.%d.0", "len": 24}}}}, {"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"set": [%d, {"range": [8000, 8099]}]}}}, {"counter": {"packets": 0, "bytes": 0}}, {"accept": null}]}}`,
			i+2, i/256%256, i%256, 1+i%1000)
	}
	b.WriteString("]}")
	return []byte(b.String())
}

func BenchmarkParse10kRules(b *testing.B) {
	data := bigRuleset(10000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("big.json", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseAndJudge10kRules(b *testing.B) {
	data := bigRuleset(10000)
	space := firewall.Space{Family: firewall.FamilyIPv4, Proto: firewall.ProtoTCP,
		Src: firewall.MustPrefixSet("10.0.0.0/8"), Dst: firewall.MustPrefixSet("192.0.2.1"),
		SrcPorts: firewall.Ports(1024, 65535), DstPorts: firewall.Port(443)}
	for b.Loop() {
		rs, err := Parse("big.json", data)
		if err != nil {
			b.Fatal(err)
		}
		en, err := firewall.NewEngine(rs, firewall.HookForward)
		if err != nil {
			b.Fatal(err)
		}
		if v := en.Judge(space).Verdict(); v != firewall.Partial {
			b.Fatalf("verdict %s", v)
		}
	}
}
