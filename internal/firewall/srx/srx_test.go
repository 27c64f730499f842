package srx

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
	c, err := ReadFile(devicetest.Root + "srx/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestVerdicts: Junos's documented semantics — zone-pair policies in
// order, first match; then global policies; then the default policy
// (deny-all); destination NAT before the policy lookup (policies match
// the translated address, port and zone); zone address books before the
// global one; deactivated statements off; stateful.
func TestVerdicts(t *testing.T) {
	c := load(t, "srx.set")
	cases := []struct {
		name, src, dst, svc string
		verdict, rule       string
	}{
		{"deny-bad comes first", "10.1.66.66", "172.16.1.10", "tcp/443", "blocked", "policy deny-bad: deny"},
		{"zone address book, application set with junos-https", "10.1.2.3", "172.16.1.10", "tcp/443,tcp/8080", "allowed", "policy lan-web"},
		{"destination NAT 203.0.113.10:8080 to 172.16.1.10:80 in zone dmz", "198.51.100.7", "203.0.113.10", "tcp/8080", "allowed", "from-zone untrust to-zone dmz policy publish"},
		{"no NAT on port 80: untrust to untrust, default policy", "198.51.100.7", "203.0.113.10", "tcp/80", "blocked", "default-policy deny-all"},
		{"the deactivated policy is off", "10.1.2.3", "198.51.100.7", "tcp/80", "blocked", "default-policy deny-all"},
		{"out-https", "10.1.2.3", "198.51.100.7", "tcp/443", "allowed", "policy out-https"},
		{"reject", "172.16.1.10", "10.1.2.3", "tcp/22", "blocked", "policy none: reject"},
		{"address set with a range", "10.1.2.3", "172.16.1.25", "tcp/3306", "allowed", "policy lan-db"},
		{"a dns-name address decides", "10.1.2.3", "172.16.1.50", "tcp/443", "unknown", "DNS-name address updates"},
		{"global policy after the zone policies", "172.16.1.10", "198.51.100.53", "udp/53", "allowed", "global policy g-dns"},
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
	for _, tc := range []struct{ name, text, want string }{
		{"not a config", "root:x:0:0:root:/root:/bin/bash\n", "line 1: statement without ; or {"},
		{"no set commands", "hello;\n", "not a Junos configuration"},
		{"unbalanced", "security {\n policies {\n", "{ without }"},
		{"mixed", "set security policies default-policy permit-all\nsecurity { }\n", "mixed"},
		{"quote", "set system host-name \"x\n", "unterminated quote"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read("j.conf", []byte(tc.text))
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

func FuzzRead(f *testing.F) {
	for _, name := range []string{"srx.set", "equivalence.conf"} {
		b, err := os.ReadFile(devicetest.Root + "srx/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	space := firewall.Space{Family: firewall.FamilyIPv4, Proto: firewall.ProtoTCP,
		Src: firewall.MustPrefixSet("10.0.0.0/8"), Dst: firewall.MustPrefixSet("0.0.0.0/0"),
		SrcPorts: firewall.Ports(1024, 65535), DstPorts: firewall.Ports(1, 1000)}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Read("fuzz.conf", data)
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
