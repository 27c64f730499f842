package srx

import (
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device/devicetest"
)

func load(t testing.TB, name string) *Config {
	t.Helper()
	return devicetest.Load(t, ReadFile, "srx/"+name)
}

// TestVerdicts: Junos's documented semantics — zone-pair policies in
// order, first match; then global policies; then the default policy
// (deny-all); destination NAT before the policy lookup (policies match
// the translated address, port and zone); zone address books before the
// global one; deactivated statements off; stateful.
func TestVerdicts(t *testing.T) {
	c := load(t, "srx.set")
	devicetest.Verdicts(t, c, []devicetest.Case{
		{Name: "deny-bad comes first", Src: "10.1.66.66", Dst: "172.16.1.10", Svc: "tcp/443", Verdict: "blocked", Rule: "policy deny-bad: deny"},
		{Name: "zone address book, application set with junos-https", Src: "10.1.2.3", Dst: "172.16.1.10", Svc: "tcp/443,tcp/8080", Verdict: "allowed", Rule: "policy lan-web"},
		{Name: "destination NAT 203.0.113.10:8080 to 172.16.1.10:80 in zone dmz", Src: "198.51.100.7", Dst: "203.0.113.10", Svc: "tcp/8080", Verdict: "allowed", Rule: "from-zone untrust to-zone dmz policy publish"},
		{Name: "no NAT on port 80: untrust to untrust, default policy", Src: "198.51.100.7", Dst: "203.0.113.10", Svc: "tcp/80", Verdict: "blocked", Rule: "default-policy deny-all"},
		{Name: "the deactivated policy is off", Src: "10.1.2.3", Dst: "198.51.100.7", Svc: "tcp/80", Verdict: "blocked", Rule: "default-policy deny-all"},
		{Name: "out-https", Src: "10.1.2.3", Dst: "198.51.100.7", Svc: "tcp/443", Verdict: "allowed", Rule: "policy out-https"},
		{Name: "reject", Src: "172.16.1.10", Dst: "10.1.2.3", Svc: "tcp/22", Verdict: "blocked", Rule: "policy none: reject"},
		{Name: "address set with a range", Src: "10.1.2.3", Dst: "172.16.1.25", Svc: "tcp/3306", Verdict: "allowed", Rule: "policy lan-db"},
		{Name: "a dns-name address decides", Src: "10.1.2.3", Dst: "172.16.1.50", Svc: "tcp/443", Verdict: "unknown", Rule: "DNS-name address updates"},
		{Name: "global policy after the zone policies", Src: "172.16.1.10", Dst: "198.51.100.53", Svc: "udp/53", Verdict: "allowed", Rule: "global policy g-dns"},
	})
}

// TestEquivalence: the curly-brace form (with an inactive policy and a
// list) gives the iptables form's verdicts.
func TestEquivalence(t *testing.T) {
	eq := devicetest.LoadEquivalence(t, "vendor-stateful")
	en, err := load(t, "equivalence.conf").Engine(device.Path{})
	if err != nil {
		t.Fatal(err)
	}
	eq.Check(t, "SRX", en)
}

// TestBraceForm: the brace form converts to the set commands it stands for.
func TestBraceForm(t *testing.T) {
	got, err := statements("b.conf", []byte(`security {
    policies {
        from-zone a to-zone b {
            inactive: policy p {
                match { application [ junos-http junos-https ]; }
            }
        }
    }
    zones { security-zone "a b" { interfaces ge-0/0/0.0; } } # comment
}
`))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, s := range got {
		l := strings.Join(s.words, " ")
		if s.inactive {
			l = "(inactive) " + l
		}
		lines = append(lines, l)
	}
	want := "(inactive) security policies from-zone a to-zone b policy p match application junos-http\n" +
		"(inactive) security policies from-zone a to-zone b policy p match application junos-https\n" +
		"security zones security-zone a b interfaces ge-0/0/0.0"
	if strings.Join(lines, "\n") != want {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(lines, "\n"), want)
	}
}

func TestErrors(t *testing.T) {
	devicetest.Refuses(t, "j.conf", Read, ReadFile, []devicetest.Refusal{
		{Name: "not a config", Text: "root:x:0:0:root:/root:/bin/bash\n", Want: "line 1: statement without ; or {"},
		{Name: "no set commands", Text: "hello;\n", Want: "not a Junos configuration"},
		{Name: "unbalanced", Text: "security {\n policies {\n", Want: "{ without }"},
		{Name: "mixed", Text: "set security policies default-policy permit-all\nsecurity { }\n", Want: "mixed"},
		{Name: "quote", Text: "set system host-name \"x\n", Want: "unterminated quote"},
	})
}

func FuzzRead(f *testing.F) {
	devicetest.Seed(f, "srx", "srx.set", "equivalence.conf")
	devicetest.Fuzz(f, "fuzz.conf", Read, func(c *Config, judge func(*firewall.Engine, error)) {
		judge(c.Engine(device.Path{}))
	})
}
