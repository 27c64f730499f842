package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/proctest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/firewall/golden")

const (
	fw = "../../testdata/firewall/"
	fl = "../../testdata/flows/"
)

// TestGolden runs the built binary on fixtures and compares exit code and
// output with testdata/firewall/golden/<name>.txt.
func TestGolden(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"router", []string{"--iptables", fw + "forward.rules", "--flows", fl + "router.json"}},
		{"router-verbose", []string{"--iptables", fw + "forward.rules", "--flows", fl + "router.json", "-vv"}},
		{"router-json", []string{"--iptables", fw + "forward.rules", "--flows", fl + "router.json", "--format", "json"}},
		{"router-openmetrics", []string{"--iptables", fw + "forward.rules", "--flows", fl + "router.json", "--format", "openmetrics", "-v"}},
		{"router-junit", []string{"--iptables", fw + "forward.rules", "--flows", fl + "router.json", "--format", "junit"}},
		{"sets-without-ipset-junit", []string{"--iptables", fw + "unmodelled.rules", "--flows", fl + "sets.json", "--format", "junit"}},
		{"router-thresholds", []string{"--iptables", fw + "forward.rules", "--flows", fl + "router.json", "-w", "1", "-c", "5"}},
		{"dual-stack", []string{"--iptables", fw + "forward.rules", "--iptables", fw + "forward6.rules", "--flows", fl + "router-v6.yaml"}},
		{"v6-flows-without-v6-rules", []string{"--iptables", fw + "forward.rules", "--flows", fl + "router-v6.yaml"}},
		{"server-input", []string{"--iptables", fw + "input.rules", "--flows", fl + "server.yaml", "--hook", "input", "-v"}},
		{"nat", []string{"--iptables", fw + "nat.rules", "--flows", fl + "nat.json"}},
		{"sets-without-ipset", []string{"--iptables", fw + "unmodelled.rules", "--flows", fl + "sets.json"}},
		{"sets-with-ipset", []string{"--iptables", fw + "unmodelled.rules", "--ipset", fw + "blocked.ipset", "--flows", fl + "sets.json"}},
		{"flows-in-policy", []string{"--iptables", fw + "forward.rules", "--policy", fl + "policy-flows.yaml"}},
		{"unknown-name", []string{"--iptables", fw + "forward.rules", "--flows", fl + "bad-name.json"}},
		{"bad-rules", []string{"--iptables", fw + "bad-prefix.rules", "--flows", fl + "router.json"}},
		{"bad-hook", []string{"--iptables", fw + "forward.rules", "--flows", fl + "router.json", "--hook", "sideways"}},
		{"docker-ingress", []string{"--iptables", fw + "docker.rules", "--flows", fl + "docker.yaml", "--in-iface", "eth0", "--out-iface", "docker0", "--local-addrs", "192.0.2.100,172.17.0.1", "-v"}},
		{"docker-no-ifaces", []string{"--iptables", fw + "docker.rules", "--flows", fl + "docker.yaml", "--local-addrs", "192.0.2.100,172.17.0.1", "-v"}},
		{"nftables", []string{"--nftables", "../../testdata/nftables/filter.json", "--flows", fl + "nft-filter.yaml", "--in-iface", "eth0", "--out-iface", "eth1"}},
		{"nftables-assumed-ifaces", []string{"--nftables", "../../testdata/nftables/filter.json", "--flows", fl + "nft-filter.yaml", "-v"}},
		{"aws-sg", []string{"--aws-sg", "../../testdata/awssg/security-groups.json", "--aws-sg-ids", "sg-0web000000000001", "--aws-instances", "../../testdata/awssg/network-interfaces.json", "--flows", fl + "aws-web.yaml", "--hook", "input"}},
		{"aws-sg-no-members", []string{"--aws-sg", "../../testdata/awssg/security-groups.json", "--aws-sg-ids", "sg-0web000000000001", "--flows", fl + "aws-web.yaml", "--hook", "input"}},
		{"aws-sg-which", []string{"--aws-sg", "../../testdata/awssg/security-groups.json", "--flows", fl + "aws-web.yaml", "--hook", "input"}},
		{"docker-json", []string{"--iptables", fw + "docker.rules", "--flows", fl + "docker.yaml", "--local-addrs", "192.0.2.100,172.17.0.1", "--format", "json"}},
		// Firewall devices: one configuration each, on the same flows.
		{"vendor-cisco-acl", []string{"--cisco-acl", fw + "cisco-acl/router.cfg", "--flows", fl + "vendors.json"}},
		{"vendor-cisco-acl-one-acl", []string{"--cisco-acl", fw + "cisco-acl/router.cfg", "--acl", "SRC-IN", "--flows", fl + "vendors.json"}},
		{"vendor-cisco-acl-interfaces", []string{"--cisco-acl", fw + "cisco-acl/router.cfg", "--from-interface", "GigabitEthernet0/0", "--to-interface", "GigabitEthernet0/1", "--flows", fl + "vendors.json", "-v"}},
		{"vendor-cisco-acl-no-such-interface", []string{"--cisco-acl", fw + "cisco-acl/router.cfg", "--from-interface", "Gi9/9", "--flows", fl + "vendors.json"}},
		{"vendor-panos-no-such-zone", []string{"--panos", fw + "panos/firewall.xml", "--to-zone", "dmz", "--flows", fl + "vendors.json"}},
		{"vendor-asa", []string{"--asa", fw + "asa/asa.cfg", "--flows", fl + "vendors.json"}},
		{"vendor-asa-verbose", []string{"--asa", fw + "asa/asa.cfg", "--flows", fl + "vendors.json", "-v"}},
		{"vendor-asa-json", []string{"--asa", fw + "asa/asa.cfg", "--flows", fl + "vendors.json", "--format", "json"}},
		{"vendor-asa-junit", []string{"--asa", fw + "asa/asa.cfg", "--flows", fl + "vendors.json", "--format", "junit"}},
		{"vendor-junos-srx", []string{"--junos-srx", fw + "junos-srx/srx.set", "--flows", fl + "vendors.json"}},
		{"vendor-panos", []string{"--panos", fw + "panos/firewall.xml", "--flows", fl + "vendors.json"}},
		{"vendor-panos-zones", []string{"--panos", fw + "panos/firewall.xml", "--from-zone", "trust", "--to-zone", "untrust", "--flows", fl + "vendors.json"}},
		{"vendor-fortios", []string{"--fortios", fw + "fortios/fortigate.conf", "--flows", fl + "vendors.json"}},
		{"vendor-aws-nacl", []string{"--aws-nacl", fw + "aws-nacl/network-acls.json", "--aws-instances", fw + "aws-nacl/network-interfaces.json", "--aws-sg", fw + "aws-nacl/security-groups.json", "--flows", fl + "aws-nacl.json"}},
		{"vendor-aws-nacl-only", []string{"--aws-nacl", fw + "aws-nacl/network-acls.json", "--aws-instances", fw + "aws-nacl/network-interfaces.json", "--flows", fl + "aws-nacl.json", "-v"}},
		{"vendor-bad-config", []string{"--asa", fw + "forward.rules", "--flows", fl + "vendors.json"}},
		{"vendor-missing-config", []string{"--panos", fw + "panos/nope.xml", "--flows", fl + "vendors.json"}},
		{"vendor-no-such-acl", []string{"--cisco-acl", fw + "cisco-acl/router.cfg", "--acl", "NOPE", "--flows", fl + "vendors.json"}},
		{"no-flows", []string{"--iptables", fw + "forward.rules"}},
		// Every bad command line in one format, found before any file is read.
		{"bad-local-addrs", []string{"--iptables", fw + "forward.rules", "--flows", fl + "router.json", "--local-addrs", "192.0.2.1,nope"}},
		{"stdin-twice", []string{"--iptables", "-", "--flows", "-"}},
		{"aws-sg-ids-without-aws-sg", []string{"--iptables", fw + "forward.rules", "--flows", fl + "router.json", "--aws-sg-ids", "sg-0web000000000001"}},
		{"acl-without-cisco-acl", []string{"--asa", fw + "asa/asa.cfg", "--acl", "SRC-IN", "--flows", fl + "vendors.json"}},
		{"acl-without-device", []string{"--acl", "SRC-IN", "--flows", fl + "vendors.json"}},
		{"from-zone-with-asa", []string{"--asa", fw + "asa/asa.cfg", "--from-zone", "inside", "--flows", fl + "vendors.json"}},
		{"from-interface-with-panos", []string{"--panos", fw + "panos/firewall.xml", "--from-interface", "ethernet1/1", "--flows", fl + "vendors.json"}},
		{"to-zone-without-device", []string{"--iptables", fw + "forward.rules", "--to-zone", "dmz", "--flows", fl + "vendors.json"}},
		{"two-devices", []string{"--asa", fw + "asa/asa.cfg", "--panos", fw + "panos/firewall.xml", "--flows", fl + "vendors.json"}},
		{"device-with-iptables", []string{"--fortios", fw + "fortios/fortigate.conf", "--iptables", fw + "forward.rules", "--flows", fl + "vendors.json"}},
		{"acl-with-interfaces", []string{"--cisco-acl", fw + "cisco-acl/router.cfg", "--acl", "SRC-IN", "--to-interface", "GigabitEthernet0/1", "--flows", fl + "vendors.json"}},
		{"aws-nacl-without-instances", []string{"--aws-nacl", fw + "aws-nacl/network-acls.json", "--flows", fl + "aws-nacl.json"}},
		{"aws-nacl-with-zones", []string{"--aws-nacl", fw + "aws-nacl/network-acls.json", "--aws-instances", fw + "aws-nacl/network-interfaces.json", "--from-zone", "a", "--flows", fl + "aws-nacl.json"}},
		{"aws-sg-with-asa", []string{"--asa", fw + "asa/asa.cfg", "--aws-sg", fw + "aws-nacl/security-groups.json", "--flows", fl + "vendors.json"}},
		{"device-stdin-twice", []string{"--junos-srx", "-", "--flows", "-"}},
	}
	bin := proctest.Build(t, "check_firewall_flows")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if !hasPolicy(args) { // never the host's /etc/guardrail/policy.yaml
				args = append(args, "--policy", fl+"empty-policy.yaml")
			}
			r := proctest.Exec(t, bin, []string{"GUARDRAIL_NOW=2026-01-01"}, args...)
			got := fmt.Sprintf("exit %d\n%s", r.Code, r.Stdout)
			proctest.Golden(t, filepath.Join(fw, "golden", c.name+".txt"), strings.ReplaceAll(got, "../../", ""), *update)
		})
	}
}

func hasPolicy(args []string) bool {
	for _, a := range args {
		if a == "--policy" {
			return true
		}
	}
	return false
}
