package ciscoacl

import (
	"fmt"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device/devicetest"
)

func load(t testing.TB, name string) *Config {
	t.Helper()
	return devicetest.Load(t, ReadFile, "ciscoacl/"+name)
}

// TestVerdicts judges flows through the branch router. The expectations
// follow IOS's documented semantics: entries in sequence order, first
// match, the implicit deny, wildcard bits (a 0 bit must match, a 1 bit is
// free, non-contiguous masks too), "established" matching the packets with
// ACK (or RST) set, an ACL bound but not defined permitting everything,
// and no state: replies cross the other interface's inbound list.
func TestVerdicts(t *testing.T) {
	c := load(t, "router.cfg")
	devicetest.Verdicts(t, lists{c, ""}, []devicetest.Case{
		{Name: "web server via service and network groups; replies pass INSIDE-IN seq 20 (established)", Src: "192.0.2.50", Dst: "10.1.1.10,10.1.1.11", Svc: "tcp/80,tcp/443", Verdict: "allowed", Rule: "101 seq 10"},
		{Name: "not a web server: the established entry needs ACK, the SYN falls to deny ip any any", Src: "192.0.2.50", Dst: "10.1.1.12", Svc: "tcp/80", Verdict: "blocked", Rule: "101 seq 60: deny ip any any log"},
		{Name: "ssh out, replies established", Src: "10.1.2.20", Dst: "192.0.2.50", Svc: "tcp/22", Verdict: "allowed", Rule: "INSIDE-IN seq 10"},
		{Name: "seq 5 comes before seq 10 though written after it", Src: "10.1.1.66", Dst: "192.0.2.50", Svc: "tcp/22", Verdict: "blocked", Rule: "INSIDE-IN seq 5"},
		{Name: "DNS out: stateless, the udp reply meets deny ip any any", Src: "10.1.2.20", Dst: "192.0.2.53", Svc: "udp/53", Verdict: "blocked", Rule: "101 seq 60"},
		{Name: "non-contiguous wildcard 0.0.254.0: even third octet", Src: "10.1.2.5", Dst: "192.0.2.50", Svc: "tcp/8080", Verdict: "allowed", Rule: "INSIDE-IN seq 50"},
		{Name: "non-contiguous wildcard 0.0.254.0: odd third octet", Src: "10.1.3.5", Dst: "192.0.2.50", Svc: "tcp/8080", Verdict: "blocked", Rule: "INSIDE-IN: implicit deny"},
		{Name: "non-contiguous wildcard over a /16: some", Src: "10.1.0.0/16", Dst: "192.0.2.50", Svc: "tcp/8080", Verdict: "partial", Rule: "INSIDE-IN: implicit deny"},
		{Name: "udp range out and back (gt 1023 holds the ephemeral ports)", Src: "192.0.2.50", Dst: "10.1.1.10", Svc: "udp/5005", Verdict: "allowed", Rule: "101 seq 30"},
		{Name: "udp just past the range", Src: "192.0.2.50", Dst: "10.1.1.10", Svc: "udp/5011", Verdict: "blocked", Rule: "101 seq 60"},
		{Name: "time-range: depends on the time", Src: "192.0.2.50", Dst: "10.1.1.12", Svc: "tcp/22", Verdict: "unknown", Rule: "time-range WORKHOURS"},
		{Name: "icmp echo type is not modelled", Src: "10.1.2.20", Dst: "192.0.2.50", Svc: "icmp", Verdict: "unknown", Rule: "ICMP type"},
		{Name: "ACL NOPE bound but not defined: permits all", Src: "172.16.0.5", Dst: "10.1.1.10", Svc: "tcp/80", Verdict: "allowed", Rule: "NOPE is not defined"},
		{Name: "named interfaces give the path", Src: "10.9.9.9", Dst: "192.0.2.50", Svc: "tcp/22", From: "GigabitEthernet0/0", To: "GigabitEthernet0/1", Verdict: "blocked", Rule: "INSIDE-IN: implicit deny"},
		{Name: "outbound standard list TO-GUEST: only 10.1.1.10 may reach the guests", Src: "10.1.2.20", Dst: "172.16.0.5", Svc: "tcp/22", Verdict: "blocked", Rule: "TO-GUEST seq 20: deny any log"},
		{Name: "replies from the web server pass TO-GUEST seq 10 (a standard entry without a wildcard is a host)", Src: "172.16.0.5", Dst: "10.1.1.10", Svc: "tcp/80", Verdict: "allowed", Rule: ""},
		{Name: "shut down interface", Src: "172.17.0.5", Dst: "10.1.1.10", Svc: "tcp/80", Verdict: "blocked", Rule: "GigabitEthernet0/3 is shut down"},
	})
	devicetest.Verdicts(t, lists{c, "INSIDE-IN"}, []devicetest.Case{
		{Name: "DNS with --acl INSIDE-IN alone: the list permits the queries", Src: "10.1.2.20", Dst: "192.0.2.53", Svc: "udp/53", Verdict: "allowed", Rule: "INSIDE-IN seq 30"},
	})
}

// lists is the router judged on every bound list (acl empty), or on list
// acl alone (--acl), where the path is the list's own.
type lists struct {
	c   *Config
	acl string
}

func (l lists) Path(from, to string, src, dst firewall.AddrSet) (device.Path, error) {
	if l.acl != "" {
		return device.Path{}, nil
	}
	return l.c.Path(from, to, src, dst)
}

func (l lists) Engine(path device.Path) (*firewall.Engine, error) { return l.c.Engine(l.acl, path) }

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
	devicetest.Refuses(t, "r.cfg", Read, ReadFile, []devicetest.Refusal{
		{Name: "not a config", Text: "root:x:0:0:root:/root:/bin/bash\n", Want: "not a Cisco IOS configuration"},
		{Name: "empty", Text: "", Want: "not a Cisco IOS configuration"},
		{Name: "long line", Text: "interface Gi0/0\n " + strings.Repeat("x", device.MaxLine+1), Want: "line 2: line longer than"},
	})
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
