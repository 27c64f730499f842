package ciscoacl

import (
	"errors"
	"fmt"
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
	c, err := ReadFile(devicetest.Root + "ciscoacl/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestVerdicts judges flows through the branch router. The expectations
// follow IOS's documented semantics: entries in sequence order, first
// match, the implicit deny, wildcard bits (a 0 bit must match, a 1 bit is
// free, non-contiguous masks too), "established" matching the packets with
// ACK (or RST) set, an ACL bound but not defined permitting everything,
// and no state: replies cross the other interface's inbound list.
func TestVerdicts(t *testing.T) {
	c := load(t, "router.cfg")
	cases := []struct {
		name, src, dst, svc string
		from, to, acl       string
		verdict, rule       string
	}{
		{"web server via service and network groups; replies pass INSIDE-IN seq 20 (established)",
			"192.0.2.50", "10.1.1.10,10.1.1.11", "tcp/80,tcp/443", "", "", "", "allowed", "101 seq 10"},
		{"not a web server: the established entry needs ACK, the SYN falls to deny ip any any",
			"192.0.2.50", "10.1.1.12", "tcp/80", "", "", "", "blocked", "101 seq 60: deny ip any any log"},
		{"ssh out, replies established", "10.1.2.20", "192.0.2.50", "tcp/22", "", "", "", "allowed", "INSIDE-IN seq 10"},
		{"seq 5 comes before seq 10 though written after it", "10.1.1.66", "192.0.2.50", "tcp/22", "", "", "", "blocked", "INSIDE-IN seq 5"},
		{"DNS out: stateless, the udp reply meets deny ip any any", "10.1.2.20", "192.0.2.53", "udp/53", "", "", "", "blocked", "101 seq 60"},
		{"DNS with --acl INSIDE-IN alone: the list permits the queries", "10.1.2.20", "192.0.2.53", "udp/53", "", "", "INSIDE-IN", "allowed", "INSIDE-IN seq 30"},
		{"non-contiguous wildcard 0.0.254.0: even third octet", "10.1.2.5", "192.0.2.50", "tcp/8080", "", "", "", "allowed", "INSIDE-IN seq 50"},
		{"non-contiguous wildcard 0.0.254.0: odd third octet", "10.1.3.5", "192.0.2.50", "tcp/8080", "", "", "", "blocked", "INSIDE-IN: implicit deny"},
		{"non-contiguous wildcard over a /16: some", "10.1.0.0/16", "192.0.2.50", "tcp/8080", "", "", "", "partial", "INSIDE-IN: implicit deny"},
		{"udp range out and back (gt 1023 holds the ephemeral ports)", "192.0.2.50", "10.1.1.10", "udp/5005", "", "", "", "allowed", "101 seq 30"},
		{"udp just past the range", "192.0.2.50", "10.1.1.10", "udp/5011", "", "", "", "blocked", "101 seq 60"},
		{"time-range: depends on the time", "192.0.2.50", "10.1.1.12", "tcp/22", "", "", "", "unknown", "time-range WORKHOURS"},
		{"icmp echo type is not modelled", "10.1.2.20", "192.0.2.50", "icmp", "", "", "", "unknown", "ICMP type"},
		{"ACL NOPE bound but not defined: permits all", "172.16.0.5", "10.1.1.10", "tcp/80", "", "", "", "allowed", "NOPE is not defined"},
		{"named interfaces give the path", "10.9.9.9", "192.0.2.50", "tcp/22", "GigabitEthernet0/0", "GigabitEthernet0/1", "", "blocked", "INSIDE-IN: implicit deny"},
		{"outbound standard list TO-GUEST: only 10.1.1.10 may reach the guests", "10.1.2.20", "172.16.0.5", "tcp/22", "", "", "", "blocked", "TO-GUEST seq 20: deny any log"},
		{"replies from the web server pass TO-GUEST seq 10 (a standard entry without a wildcard is a host)", "172.16.0.5", "10.1.1.10", "tcp/80", "", "", "", "allowed", ""},
		{"shut down interface", "172.17.0.5", "10.1.1.10", "tcp/80", "", "", "", "blocked", "GigabitEthernet0/3 is shut down"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := devicetest.Flow(t, tc.src, tc.dst, tc.svc)
			path, err := c.Path(tc.from, tc.to, f.Src, f.Dst)
			if err != nil && tc.acl == "" {
				t.Fatal(err)
			}
			if tc.acl != "" {
				path = device.Path{}
			}
			en, err := c.Engine(tc.acl, path)
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

func TestRouterInfersPath(t *testing.T) {
	c := load(t, "router.cfg")
	f := devicetest.Flow(t, "192.0.2.50", "10.1.1.10", "tcp/443")
	en, err := c.Engine("", device.Path{})
	if err != nil {
		t.Fatal(err)
	}
	if v := devicetest.Judge(en, f).Verdict(); v != firewall.Allowed {
		t.Errorf("from the subnets: %s", v)
	}
	for _, tc := range []struct{ src, dst, want string }{
		{"10.1.2.20", "10.1.3.30", "both on interface GigabitEthernet0/0"},
		{"10.1.2.20,192.0.2.7", "172.16.0.9", "not all routed through one interface"},
	} {
		f := devicetest.Flow(t, tc.src, tc.dst, "tcp/80")
		if _, err := c.Path("", "", f.Src, f.Dst); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: %v, want %q", tc.src, tc.dst, err, tc.want)
		}
	}
	// The default route leaves by GigabitEthernet0/1 (its next hop is there).
	f = devicetest.Flow(t, "203.0.113.1", "10.1.1.10", "tcp/80")
	if p, err := c.Path("", "", f.Src, f.Dst); err != nil || p != (device.Path{From: "GigabitEthernet0/1", To: "GigabitEthernet0/0"}) {
		t.Errorf("through the default route: %+v %v", p, err)
	}
	if _, err := c.Path("Gi9/9", "", firewall.AddrSet{}, firewall.AddrSet{}); err == nil || !strings.Contains(err.Error(), "no interface \"Gi9/9\"") {
		t.Errorf("unknown interface: %v", err)
	}
}

func TestModel(t *testing.T) {
	c := load(t, "router.cfg")
	in := c.ACLs["INSIDE-IN"]
	var seqs []int
	for _, e := range in.Entries {
		seqs = append(seqs, e.Seq)
	}
	if got := fmt.Sprint(seqs); got != "[5 10 20 30 40 50 60]" {
		t.Errorf("sequence order: %s", got)
	}
	if a := c.ACLs["101"]; a == nil || len(a.Entries) != 6 || a.Entries[0].Seq != 10 || a.Entries[5].Seq != 60 {
		t.Errorf("numbered list 101: %+v", a)
	}
	if len(c.Interfaces) != 4 || c.Interfaces[0].Name != "GigabitEthernet0/0" || c.Interfaces[0].In != "INSIDE-IN" {
		t.Errorf("interfaces: %+v", c.Interfaces[0])
	}
	// The banner's text is not read as an interface.
	for _, i := range c.Interfaces {
		if i.Name == "Fake0" {
			t.Error("banner text read as config")
		}
	}
	var affects []int
	for _, n := range c.Notes {
		if n.Affects {
			affects = append(affects, n.Line)
		}
	}
	if got := fmt.Sprint(affects); got != "[45 54 55]" {
		t.Errorf("lines that could change a verdict: %s (%v)", got, c.Notes)
	}
}

// TestEquivalence: the policy of testdata/kernel/vendor-stateless, as IOS
// access lists on the kernel topology's two interfaces, gives the
// iptables form's verdict (which the kernel harness proves) for every flow.
func TestEquivalence(t *testing.T) {
	eq := devicetest.LoadEquivalence(t, "vendor-stateless")
	c := load(t, "equivalence.cfg")
	en, err := c.Engine("", device.Path{})
	if err != nil {
		t.Fatal(err)
	}
	eq.Check(t, "IOS", en)
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text, want string
	}{
		{"not a config", "root:x:0:0:root:/root:/bin/bash\n", "not a Cisco IOS configuration"},
		{"empty", "", "not a Cisco IOS configuration"},
		{"long line", "interface Gi0/0\n " + strings.Repeat("x", device.MaxLine+1), "line 2: line longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read("r.cfg", []byte(tc.text))
			var le *located.Error
			if err == nil || !errors.As(err, &le) || !strings.Contains(err.Error(), tc.want) || le.File != "r.cfg" {
				t.Fatalf("%v, want a located error with %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "root:x") {
				t.Error("the message quotes the file")
			}
		})
	}
	if _, err := ReadFile("/dev/zero"); err == nil || !strings.Contains(err.Error(), "MiB") {
		t.Errorf("/dev/zero: %v", err)
	}
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip(err)
	}
}

// TestUnderstood: entries that do not parse are unknown rules that name
// their line; groups nested as a cycle are named.
func TestUnderstood(t *testing.T) {
	cfg := `interface Gi0/0
 ip address 10.0.0.1 255.255.255.0
 ip access-group A in
interface Gi0/1
 ip address 10.9.0.1 255.255.255.0
object-group network LOOP
 group-object LOOP2
object-group network LOOP2
 group-object LOOP
ip access-list extended A
 10 permit tcp any any eq 99999
 20 permit ip object-group LOOP any
 30 permit tcp any any eq 22
`
	c, err := Read("a.cfg", []byte(cfg))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, n := range c.Notes {
		lines = append(lines, n.String())
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{"line 11: destination port not understood (verdicts that depend on it are unknown)", "line 12: object-group LOOP contains itself"} {
		if !strings.Contains(got, want) {
			t.Errorf("notes:\n%s\nwant %q", got, want)
		}
	}
	en, _ := c.Engine("", device.Path{})
	j := devicetest.Judge(en, devicetest.Flow(t, "10.0.0.5", "10.9.0.5", "tcp/22"))
	if j.Verdict() != firewall.Unknown || j.Unknown.Pos.Line != 11 {
		t.Errorf("%s at %v, want unknown at line 11", j.Verdict(), j.Unknown)
	}
}
