package asa

import (
	"fmt"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall/device/devicetest"
	"github.com/guardrail-monitoring/guardrail/internal/flows"
)

// bigConfig is an ASA config of about n lines: three interfaces, network
// objects and groups, and an inbound list on outside of host, subnet and
// group entries over many servers and ports.
func bigConfig(n int) []byte {
	var b strings.Builder
	b.WriteString("hostname FW\ninterface G0\n nameif outside\n security-level 0\n ip address 203.0.113.1 255.255.255.0\n")
	b.WriteString("interface G1\n nameif inside\n security-level 100\n ip address 10.0.0.1 255.0.0.0\n")
	b.WriteString("interface G2\n nameif dmz\n security-level 50\n ip address 172.16.0.1 255.255.0.0\n")
	b.WriteString("route outside 0.0.0.0 0.0.0.0 203.0.113.254\n")
	lines := 13
	for g := 0; lines < n/5; g++ {
		fmt.Fprintf(&b, "object-group network G%d\n", g)
		for k := 0; k < 8; k++ {
			fmt.Fprintf(&b, " network-object host 172.16.%d.%d\n", g%256, k+1)
		}
		lines += 9
		if g%10 != 0 { // chains of ten nested groups
			fmt.Fprintf(&b, " group-object G%d\n", g-1)
			lines++
		}
	}
	for i := 0; lines < n-2; i++ {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "access-list OUTSIDE-IN extended permit tcp any host 172.16.%d.%d eq %d\n", i/256%256, i%256, 1000+i%5000)
		case 1:
			fmt.Fprintf(&b, "access-list OUTSIDE-IN extended deny tcp 198.51.%d.0 255.255.255.0 any\n", i%256)
		case 2:
			fmt.Fprintf(&b, "access-list OUTSIDE-IN extended permit udp any 172.16.%d.0 255.255.255.0 range %d %d\n", i%256, i%60000, i%60000+10)
		case 3:
			fmt.Fprintf(&b, "access-list OUTSIDE-IN extended permit tcp any object-group G%d eq https\n", 10+i%20)
		}
		lines++
	}
	b.WriteString("access-group OUTSIDE-IN in interface outside\n")
	return []byte(b.String())
}

func benchFlows(t testing.TB, n int) []flows.Flow {
	var out []flows.Flow
	for k := 0; k < n; k++ {
		src := fmt.Sprintf("192.0.%d.%d", k%200, k%250+1)
		i := 4 * k // the flow of an entry "permit tcp any host ..."; every third is a port off
		port := 1000 + i%5000
		if k%3 == 0 {
			port++
		}
		dst := fmt.Sprintf("172.16.%d.%d", i/256%256, i%256)
		out = append(out, devicetest.Flow(t, src, dst, fmt.Sprintf("tcp/%d", port)))
	}
	return out
}

// BenchmarkConfig20kFlows1k reads a 20,000-line config and judges 1,000
// flows through it (the issue asks for under 1 s).
func BenchmarkConfig20kFlows1k(b *testing.B) {
	devicetest.Bench(b, "big.cfg", bigConfig(20000), benchFlows(b, 1000), Read)
}

// TestBigConfigUnderASecond reads and judges the benchmark's config once
// (its time is held to a second under make bench).
func TestBigConfigUnderASecond(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	data := bigConfig(20000)
	if n := strings.Count(string(data), "\n"); n < 19900 || n > 20100 {
		t.Fatalf("%d lines", n)
	}
	devicetest.UnderASecond(t, "big.cfg", data, benchFlows(t, 1000), Read)
}
