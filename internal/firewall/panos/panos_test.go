package panos

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device/devicetest"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

func load(t testing.TB, name string) *Config {
	t.Helper()
	c, err := ReadFile(devicetest.Root + "panos/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestVerdicts: the documented PAN-OS semantics — security rules top
// down, first match; destination NAT: pre-NAT address and port, post-NAT
// zone; disabled rules skipped; negated destination; intrazone traffic
// allowed and interzone denied by the default rules; App-ID and user
// dependence unknown, never a guess; stateful.
func TestVerdicts(t *testing.T) {
	c := load(t, "firewall.xml")
	cases := []struct {
		name, src, dst, svc string
		verdict, rule       string
	}{
		{"first match: block-bad", "10.1.66.66", "172.16.1.10", "tcp/443", "blocked", "rule block-bad: deny"},
		{"group and service group", "10.1.2.3", "172.16.1.10,172.16.1.25", "tcp/443,tcp/8080", "allowed", "rule lan-to-dmz"},
		{"destination NAT: pre-NAT address, post-NAT zone dmz", "198.51.100.7", "203.0.113.10", "tcp/80", "allowed", "rule publish-web"},
		{"destination NAT on another port: interzone-default", "198.51.100.7", "203.0.113.10", "tcp/443", "blocked", "interzone-default: drop"},
		{"App-ID: web-browsing on application-default", "10.1.2.3", "198.51.100.7", "tcp/80", "unknown", "App-ID: application web-browsing"},
		{"negated destination", "172.16.1.10", "198.51.100.53", "udp/53", "allowed", "rule dmz-dns-out"},
		{"dmz to trust: interzone-default", "172.16.1.10", "10.1.2.3", "udp/53", "blocked", "interzone-default"},
		{"source-user: depends on the user", "10.1.2.3", "172.16.1.50", "tcp/22", "unknown", "source-user corp\\admins"},
		{"within a zone: intrazone-default", "10.1.2.3", "10.1.9.9", "tcp/22", "allowed", "intrazone-default"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := devicetest.Flow(t, tc.src, tc.dst, tc.svc)
			p, err := c.Path("", "", f.Src, f.Dst)
			if err != nil {
				t.Fatal(err)
			}
			en, err := c.Engine(p)
			if err != nil {
				t.Fatal(err)
			}
			j := devicetest.Judge(en, f)
			if got := string(j.Verdict()); got != tc.verdict || !strings.Contains(devicetest.Deciding(j), tc.rule) {
				t.Errorf("%s by %q, want %s by %q", got, devicetest.Deciding(j), tc.verdict, tc.rule)
			}
		})
	}
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
	for _, tc := range []struct{ name, text, want string }{
		{"not XML", "root:x:0:0:root:/root:/bin/bash\n", "not XML"},
		{"other XML", "<html><body/></html>", "not a PAN-OS configuration"},
		{"two vsys", "<config><devices><entry name=\"d\"><vsys><entry name=\"a\"/><entry name=\"b\"/></vsys></entry></devices></config>", "want one vsys, have 2"},
		{"deep", strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100), "nested deeper than 64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read("p.xml", []byte(tc.text))
			var le *located.Error
			if err == nil || !errors.As(err, &le) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "root:x") {
				t.Fatalf("%v, want %q", err, tc.want)
			}
		})
	}
	if _, err := ReadFile("/dev/zero"); err == nil || !strings.Contains(err.Error(), "MiB") {
		t.Errorf("/dev/zero: %v", err)
	}
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
	for _, name := range []string{"firewall.xml", "equivalence.xml"} {
		b, err := os.ReadFile(devicetest.Root + "panos/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	space := firewall.Space{Family: firewall.FamilyIPv4, Proto: firewall.ProtoTCP,
		Src: firewall.MustPrefixSet("10.0.0.0/8"), Dst: firewall.MustPrefixSet("0.0.0.0/0"),
		SrcPorts: firewall.Ports(1024, 65535), DstPorts: firewall.Ports(1, 1000)}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Read("fuzz.xml", data)
		if err != nil {
			return
		}
		en, err := c.Engine(device.Path{})
		if err != nil {
			t.Fatal(err)
		}
		en.Judge(space)
	})
}
