package iptables

import (
	"fmt"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

func benchRules(n int) []byte {
	var b strings.Builder
	b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n")
	b.WriteString("-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "-A FORWARD -s 10.%d.%d.0/24 -d 172.16.%d.%d/32 -p tcp -m tcp --dport %d -j ACCEPT\n", i%256, (i/256)%256, (i*7)%256, (i*13)%256, []int{22, 80, 443}[i%3])
	}
	b.WriteString("COMMIT\n")
	return []byte(b.String())
}

func benchmarkJudge(b *testing.B, n int, src string) {
	rs, err := Parse("bench", benchRules(n), firewall.FamilyIPv4)
	if err != nil {
		b.Fatal(err)
	}
	en, _ := firewall.NewEngine(rs, firewall.HookForward)
	s := firewall.Space{Family: firewall.FamilyIPv4, Proto: firewall.ProtoTCP, Src: firewall.MustPrefixSet(src), Dst: firewall.MustPrefixSet("172.16.0.0/16"), SrcPorts: firewall.Ports(32768, 60999), DstPorts: firewall.Port(443)}
	en.Judge(s) // compile outside the loop
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		en.Judge(s)
	}
}

func BenchmarkJudge10kRulesHost(b *testing.B)    { benchmarkJudge(b, 10000, "10.5.0.1") }
func BenchmarkJudge10kRulesSlash16(b *testing.B) { benchmarkJudge(b, 10000, "10.5.0.0/16") }
func BenchmarkJudge1kRulesSlash16(b *testing.B)  { benchmarkJudge(b, 1000, "10.5.0.0/16") }

func BenchmarkParse10k(b *testing.B) {
	data := benchRules(10000)
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		if _, err := Parse("bench", data, firewall.FamilyIPv4); err != nil {
			b.Fatal(err)
		}
	}
}

// The worst case for splitting: every address and port against 10,000
// rules that each carve a /24 out of it.
func BenchmarkJudge10kRulesAnyToAny(b *testing.B) {
	rs, err := Parse("bench", benchRules(10000), firewall.FamilyIPv4)
	if err != nil {
		b.Fatal(err)
	}
	en, _ := firewall.NewEngine(rs, firewall.HookForward)
	s := firewall.Space{Family: firewall.FamilyIPv4, Proto: firewall.ProtoTCP, Src: firewall.AllAddrs(firewall.FamilyIPv4), Dst: firewall.AllAddrs(firewall.FamilyIPv4), SrcPorts: firewall.Ports(32768, 60999), DstPorts: firewall.Ports(1, 65535)}
	for i := 0; i < b.N; i++ {
		en.Judge(s)
	}
}
