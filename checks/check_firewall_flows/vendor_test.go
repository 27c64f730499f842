package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/proctest"
)

// TestVendorEquivalence runs the built binary on each reader's form of a
// kernel case (testdata/kernel/vendor-*: an iptables ruleset the kernel
// harness proves, the same policy in each vendor's form) and wants, flow
// by flow, the verdict the kernel gave: the wiring of paths and engines
// changes nothing the readers prove.
func TestVendorEquivalence(t *testing.T) {
	const td = "../../testdata/"
	cases := []struct {
		kernel string
		args   []string
	}{
		{"vendor-stateless", []string{"--cisco-acl", td + "ciscoacl/equivalence.cfg"}},
		{"vendor-stateful", []string{"--asa", td + "asa/equivalence.cfg"}},
		{"vendor-stateful", []string{"--junos-srx", td + "srx/equivalence.conf"}},
		{"vendor-stateful", []string{"--panos", td + "panos/equivalence.xml"}},
		{"vendor-stateful", []string{"--fortios", td + "fortios/equivalence.conf"}},
		{"vendor-stateful", []string{"--asa", td + "asa/equivalence.cfg", "--from-interface", "inside", "--to-interface", "outside"}},
		{"vendor-stateful", []string{"--panos", td + "panos/equivalence.xml", "--from-zone", "src", "--to-zone", "dst"}},
		{"vendor-nacl", []string{"--aws-nacl", td + "awsnacl/equivalence-acls.json", "--aws-instances", td + "awsnacl/equivalence-interfaces.json"}},
	}
	bin := proctest.Build(t, "check_firewall_flows")
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			want := map[string]string{}
			kernel, err := os.ReadFile(td + "kernel/" + c.kernel + "/kernel.txt")
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range strings.Split(string(kernel), "\n") {
				if f := strings.Fields(line); len(f) == 2 {
					want[f[0]] = f[1]
				}
			}
			args := append([]string{"--flows", td + "kernel/" + c.kernel + "/flows.json", "--policy", fl + "empty-policy.yaml", "--format", "json"}, c.args...)
			r := proctest.Exec(t, bin, nil, args...)
			var out struct {
				Items []struct{ Flow, Verdict, Path string }
			}
			if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil {
				t.Fatalf("exit %d: %v: %s", r.Code, err, r.Stdout)
			}
			if len(out.Items) != len(want) || len(want) == 0 {
				t.Fatalf("%d items, kernel.txt has %d flows", len(out.Items), len(want))
			}
			for _, it := range out.Items {
				if it.Verdict != want[it.Flow] || it.Path == "" {
					t.Errorf("flow %s: %s via %q, the kernel: %s", it.Flow, it.Verdict, it.Path, want[it.Flow])
				}
			}
		})
	}
}
