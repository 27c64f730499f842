package main

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/proctest"
)

// genRules writes an iptables-save ruleset of n FORWARD rules spread over a
// few user chains: per-host and per-/24 accepts and drops on a handful of
// ports, as a large router's ruleset looks.
func genRules(n int, seed int64) string {
	rnd := rand.New(rand.NewSource(seed))
	var b strings.Builder
	b.WriteString("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:APPS - [0:0]\n:DENY - [0:0]\n")
	b.WriteString("-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A FORWARD -j DENY\n-A FORWARD -p tcp -j APPS\n")
	ports := []int{22, 80, 443, 8080, 5432, 3306, 25, 53}
	for i := 0; i < n-3; i++ {
		chain := "APPS"
		target := "ACCEPT"
		if i%10 == 0 {
			chain, target = "DENY", "DROP"
		}
		src := fmt.Sprintf("10.%d.%d.0/24", rnd.Intn(256), rnd.Intn(256))
		if rnd.Intn(3) == 0 {
			src = fmt.Sprintf("10.%d.%d.%d/32", rnd.Intn(256), rnd.Intn(256), rnd.Intn(256))
		}
		dst := fmt.Sprintf("172.16.%d.%d/32", rnd.Intn(256), rnd.Intn(256))
		if chain == "DENY" {
			fmt.Fprintf(&b, "-A DENY -s %s -j DROP\n", src)
			continue
		}
		fmt.Fprintf(&b, "-A %s -s %s -d %s -p tcp -m tcp --dport %d -j %s\n", chain, src, dst, ports[rnd.Intn(len(ports))], target)
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

// genFlows writes n flows: single addresses and /16 subnets.
func genFlows(n int, seed int64) string {
	rnd := rand.New(rand.NewSource(seed))
	var b strings.Builder
	b.WriteString(`{"applications": [{"app_name": "Bench", "app_flows": {` + "\n")
	for i := 0; i < n; i++ {
		src := fmt.Sprintf("10.%d.%d.%d", rnd.Intn(256), rnd.Intn(256), rnd.Intn(256))
		if i%2 == 0 {
			src = fmt.Sprintf("10.%d.0.0/16", rnd.Intn(256))
		}
		dst := fmt.Sprintf("172.16.%d.%d", rnd.Intn(256), rnd.Intn(256))
		if i%5 == 0 {
			dst = "172.16.0.0/16"
		}
		expect := "allow"
		if i%7 == 0 {
			expect = "deny"
		}
		sep := ","
		if i == n-1 {
			sep = ""
		}
		fmt.Fprintf(&b, `"f%04d": {"sources": [%q], "destinations": [%q], "services": ["tcp/%d"], "expect": %q}%s`+"\n", i, src, dst, []int{22, 80, 443, 8080}[rnd.Intn(4)], expect, sep)
	}
	b.WriteString("}}]}\n")
	return b.String()
}

// TestWholeProcessFirewallFlows times the built binary on 1,000 and 10,000
// rules with 1,000 flows (GUARDRAIL_BENCH=1 only; figures in the log).
func TestWholeProcessFirewallFlows(t *testing.T) {
	if os.Getenv("GUARDRAIL_BENCH") != "1" {
		t.Skip("GUARDRAIL_BENCH=1 runs the whole-process benchmark")
	}
	bin := proctest.Build(t, "check_firewall_flows")
	dir := t.TempDir()
	flowsFile := filepath.Join(dir, "flows.json")
	if err := os.WriteFile(flowsFile, []byte(genFlows(1000, 2)), 0o644); err != nil {
		t.Fatal(err)
	}
	policyFile := filepath.Join(dir, "policy.yaml")
	if err := os.WriteFile(policyFile, []byte("version: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var walls []float64
	for _, n := range []int{1000, 10000} {
		rules := filepath.Join(dir, fmt.Sprintf("rules-%d", n))
		if err := os.WriteFile(rules, []byte(genRules(n, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		best := proctest.Run{}
		for i := 0; i < 3; i++ {
			r := proctest.Measure(t, bin, nil, "--iptables", rules, "--flows", flowsFile, "--policy", policyFile, "-t", "60")
			if r.Code > 2 {
				t.Fatalf("exit %d: %s", r.Code, r.Stdout)
			}
			if i == 0 || r.Wall < best.Wall {
				best = r
			}
		}
		status, _, _ := strings.Cut(best.Stdout, "\n")
		t.Logf("%5d rules, 1000 flows: wall %v, peak RSS %.1f MiB; %s", n, best.Wall.Round(1e6), float64(best.MaxRSS)/(1<<20), status)
		walls = append(walls, best.Wall.Seconds())
	}
	t.Logf("growth 1,000 → 10,000 rules: ×%.1f wall time", walls[1]/walls[0])
}
