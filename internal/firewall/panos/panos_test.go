package panos

import (
	"os"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device/devicetest"
)

func load(t testing.TB, name string) *Config {
	t.Helper()
	return devicetest.Load(t, ReadFile, "panos/"+name)
}

// TestVerdicts: the documented PAN-OS semantics — security rules top
// down, first match; destination NAT: pre-NAT address and port, post-NAT
// zone; disabled rules skipped; negated destination; intrazone traffic
// allowed and interzone denied by the default rules; App-ID and user
// dependence unknown, never a guess; stateful.
func TestVerdicts(t *testing.T) {
	c := load(t, "firewall.xml")
	devicetest.Verdicts(t, c, []devicetest.Case{
		{Name: "first match: block-bad", Src: "10.1.66.66", Dst: "172.16.1.10", Svc: "tcp/443", Verdict: "blocked", Rule: "rule block-bad: deny"},
		{Name: "group and service group", Src: "10.1.2.3", Dst: "172.16.1.10,172.16.1.25", Svc: "tcp/443,tcp/8080", Verdict: "allowed", Rule: "rule lan-to-dmz"},
		{Name: "destination NAT: pre-NAT address, post-NAT zone dmz", Src: "198.51.100.7", Dst: "203.0.113.10", Svc: "tcp/80", Verdict: "allowed", Rule: "rule publish-web"},
		{Name: "destination NAT on another port: interzone-default", Src: "198.51.100.7", Dst: "203.0.113.10", Svc: "tcp/443", Verdict: "blocked", Rule: "interzone-default: drop"},
		{Name: "App-ID: web-browsing on application-default", Src: "10.1.2.3", Dst: "198.51.100.7", Svc: "tcp/80", Verdict: "unknown", Rule: "App-ID: application web-browsing"},
		{Name: "negated destination", Src: "172.16.1.10", Dst: "198.51.100.53", Svc: "udp/53", Verdict: "allowed", Rule: "rule dmz-dns-out"},
		{Name: "dmz to trust: interzone-default", Src: "172.16.1.10", Dst: "10.1.2.3", Svc: "udp/53", Verdict: "blocked", Rule: "interzone-default"},
		{Name: "source-user: depends on the user", Src: "10.1.2.3", Dst: "172.16.1.50", Svc: "tcp/22", Verdict: "unknown", Rule: "source-user corp\\admins"},
		{Name: "within a zone: intrazone-default", Src: "10.1.2.3", Dst: "10.1.9.9", Svc: "tcp/22", Verdict: "allowed", Rule: "intrazone-default"},
	})
	f := devicetest.Flow(t, "198.51.100.7", "203.0.113.10", "tcp/80")
	if p, err := c.Path("", "", f.Src, f.Dst); err != nil || p != (device.Path{From: "untrust", To: "dmz"}) {
		t.Errorf("post-NAT zone: %+v %v", p, err)
	}
}

func TestEquivalence(t *testing.T) {
	eq := devicetest.LoadEquivalence(t, "vendor-stateful")
	en, err := load(t, "equivalence.xml").Engine(device.Path{})
	if err != nil {
		t.Fatal(err)
	}
	eq.Check(t, "PAN-OS", en)
}

func TestErrors(t *testing.T) {
	devicetest.Refuses(t, "p.xml", Read, ReadFile, []devicetest.Refusal{
		{Name: "not XML", Text: "root:x:0:0:root:/root:/bin/bash\n", Want: "not XML"},
		{Name: "other XML", Text: "<html><body/></html>", Want: "not a PAN-OS configuration"},
		{Name: "two vsys", Text: "<config><devices><entry name=\"d\"><vsys><entry name=\"a\"/><entry name=\"b\"/></vsys></entry></devices></config>", Want: "want one vsys, have 2"},
		{Name: "deep", Text: strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100), Want: "nested deeper than 64"},
	})
}

// TestNotRead: a rule element the reader does not know makes the
// verdicts that depend on the rule unknown, and is reported.
func TestNotRead(t *testing.T) {
	b, err := os.ReadFile(devicetest.Root + "panos/equivalence.xml")
	if err != nil {
		t.Fatal(err)
	}
	b = []byte(strings.Replace(string(b), "<action>allow</action></entry>", "<action>allow</action><source-imsi><member>x</member></source-imsi></entry>", 1))
	c, err := Read("n.xml", b)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Notes) != 1 || !c.Notes[0].Affects || !strings.Contains(c.Notes[0].Msg, "<source-imsi> (not read)") {
		t.Errorf("notes: %v", c.Notes)
	}
	en, _ := c.Engine(device.Path{})
	if j := devicetest.Judge(en, devicetest.Flow(t, "10.1.0.2", "10.2.0.2", "tcp/80")); j.Verdict() != firewall.Unknown {
		t.Errorf("%s", j.Verdict())
	}
}

func FuzzRead(f *testing.F) {
	devicetest.Seed(f, "panos", "firewall.xml", "equivalence.xml")
	devicetest.Fuzz(f, "fuzz.xml", Read, func(c *Config, judge func(*firewall.Engine, error)) {
		judge(c.Engine(device.Path{}))
	})
}
