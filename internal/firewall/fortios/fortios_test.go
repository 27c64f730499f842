package fortios

import (
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device/devicetest"
)

func load(t testing.TB, name string) *Config {
	t.Helper()
	return devicetest.Load(t, ReadFile, "fortios/"+name)
}

// TestVerdicts: FortiOS's documented policy semantics — policies in the
// order listed (not by ID), first match, disabled policies skipped, zones
// standing for their interfaces, address groups, negation of addresses
// and services, VIPs translating before the policy lookup (a policy names
// the VIP and matches the mapped address and port), the implicit deny;
// stateful.
func TestVerdicts(t *testing.T) {
	c := load(t, "fortigate.conf")
	devicetest.Verdicts(t, c, []devicetest.Case{
		{Name: "policy 5 is listed first: its deny wins", Src: "10.1.66.66", Dst: "172.16.1.10", Svc: "tcp/80", Verdict: "blocked", Rule: "policy 5 (block-host)"},
		{Name: "zone internal, group servers, service group", Src: "10.1.2.3", Dst: "172.16.1.10,172.16.1.25", Svc: "tcp/443,tcp/3306", Verdict: "allowed", Rule: "policy 1 (lan-to-servers)"},
		{Name: "policy 2 is disabled; policy 3 allows https", Src: "10.1.2.3", Dst: "203.0.113.99", Svc: "tcp/443", Verdict: "allowed", Rule: "policy 3"},
		{Name: "disabled policy 2 would allow http: the implicit deny", Src: "10.1.2.3", Dst: "203.0.113.99", Svc: "tcp/80", Verdict: "blocked", Rule: "implicit deny (policy 0)"},
		{Name: "VIP: 203.0.113.10:8080 to 172.16.1.10:80, policy 4 names the VIP", Src: "198.51.100.7", Dst: "203.0.113.10", Svc: "tcp/8080", Verdict: "allowed", Rule: "policy 4 (publish-web)"},
		{Name: "VIP port forward only 8080", Src: "198.51.100.7", Dst: "203.0.113.10", Svc: "tcp/80", Verdict: "blocked", Rule: "implicit deny"},
		{Name: "policy 6's FQDN address is unknown, but policy 7 (dstaddr-negate: not a server) accepts either way", Src: "10.3.0.5", Dst: "172.16.1.50", Svc: "tcp/22", Verdict: "allowed", Rule: "port3 → port2 accept"},
		{Name: "to a server (db-range): policy 7 does not match, so policy 6's FQDN decides", Src: "10.3.0.5", Dst: "172.16.1.21", Svc: "tcp/22", Verdict: "unknown", Rule: "address updates of type fqdn"},
		{Name: "to a server on 3306: neither policy", Src: "10.3.0.5", Dst: "172.16.1.21", Svc: "tcp/3306", Verdict: "blocked", Rule: "implicit deny"},
		{Name: "service-negate: ssh is not WEB", Src: "10.1.2.3", Dst: "172.16.1.50", Svc: "tcp/22", Verdict: "allowed", Rule: "policy 8 (lan-not-web)"},
		{Name: "service-negate: http is WEB, returns to the implicit deny", Src: "10.1.2.3", Dst: "172.16.1.50", Svc: "tcp/80", Verdict: "blocked", Rule: "implicit deny"},
		{Name: "service with a source port range", Src: "10.1.2.3", Dst: "172.16.1.50", Svc: "tcp/8500", Verdict: "blocked", Rule: "policy 9 (no-high)"},
	})
}

func TestEquivalence(t *testing.T) {
	eq := devicetest.LoadEquivalence(t, "vendor-stateful")
	en, err := load(t, "equivalence.conf").Engine(device.Path{})
	if err != nil {
		t.Fatal(err)
	}
	eq.Check(t, "FortiOS", en)
}

func TestErrors(t *testing.T) {
	devicetest.Refuses(t, "f.conf", Read, ReadFile, []devicetest.Refusal{
		{Name: "not a config", Text: "root:x:0:0:root:/root:/bin/bash\n", Want: "not a FortiOS configuration"},
		{Name: "unterminated quote", Text: "config firewall policy\n edit 1\n  set name \"x\n", Want: "line 3: unterminated quote"},
		{Name: "no end", Text: "config firewall policy\n edit 1\n next\n", Want: "line 1: config section without end"},
		{Name: "two vdoms", Text: "config vdom\nedit a\nconfig firewall policy\nend\nnext\nedit b\nnext\nend\n", Want: "2 VDOMs"},
	})
	c, err := Read("g.conf", []byte("config system interface\n edit a\n  set ip 10.0.0.1/8\n next\n edit b\n  set ip 11.0.0.1/8\n next\nend\nconfig firewall addrgrp\n edit g\n  set member g\n next\nend\nconfig firewall policy\n edit 1\n  set srcintf a\n  set dstintf b\n  set srcaddr g\n  set dstaddr all\n  set service ALL\n  set action accept\n next\nend\n"))
	if err != nil {
		t.Fatal(err)
	}
	en, _ := c.Engine(device.Path{})
	if j := devicetest.Judge(en, devicetest.Flow(t, "10.0.0.5", "11.0.0.5", "tcp/80")); j.Verdict() != firewall.Unknown || !strings.Contains(j.Unknown.Reason, "contains itself") {
		t.Errorf("a group containing itself: %s %+v", j.Verdict(), j.Unknown)
	}
}

// TestNotRead: a policy setting the reader does not know makes the
// verdicts that depend on the policy unknown, and is reported.
func TestNotRead(t *testing.T) {
	cfg := "config system interface\n edit a\n  set ip 10.0.0.1/8\n next\n edit b\n  set ip 11.0.0.1/8\n next\nend\n" +
		"config firewall policy\n edit 1\n  set srcintf a\n  set dstintf b\n  set srcaddr all\n  set dstaddr all\n  set service ALL\n  set action accept\n  set ztna-status enable\n  set logtraffic all\n next\nend\n"
	c, err := Read("n.conf", []byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Notes) != 1 || c.Notes[0].Line != 17 || !c.Notes[0].Affects || !strings.Contains(c.Notes[0].Msg, "set ztna-status is not read") {
		t.Errorf("notes: %v", c.Notes)
	}
	en, _ := c.Engine(device.Path{})
	if j := devicetest.Judge(en, devicetest.Flow(t, "10.0.0.5", "11.0.0.5", "tcp/80")); j.Verdict() != firewall.Unknown {
		t.Errorf("%s", j.Verdict())
	}
}

func FuzzRead(f *testing.F) {
	devicetest.Seed(f, "fortios", "fortigate.conf", "equivalence.conf")
	f.Add([]byte("config vdom\nedit root\nconfig system interface\nedit \"a b\"\nset ip 1.2.3.4 255.0.0.0\nnext\nend\nnext\nend\n"))
	devicetest.Fuzz(f, "fuzz.conf", Read, func(c *Config, judge func(*firewall.Engine, error)) {
		judge(c.Engine(device.Path{}))
	})
}
