package iptables

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

func load(t testing.TB, file string, ipset string) *firewall.Ruleset {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := Parse(file, data, firewall.FamilyAny)
	if err != nil {
		t.Fatal(err)
	}
	if ipset != "" {
		d, err := os.ReadFile(ipset)
		if err != nil {
			t.Fatal(err)
		}
		if rs.Sets, err = ParseIPSet(ipset, d); err != nil {
			t.Fatal(err)
		}
	}
	return rs
}

const td = "../../../testdata/firewall/"

// TestVerdicts runs the engine over iptables-save fixtures: each case is a
// flow space and the verdict, with the rule that decided a witness.
func TestVerdicts(t *testing.T) {
	type tc struct {
		file, ipset string
		ifaces      firewall.Interfaces
		hook        firewall.Hook
		src, dst    string
		proto       uint8
		dports      firewall.PortSet
		verdict     firewall.Outcome
		rule        string // substring of the deciding rule: the blocked (or unknown) witness's, else the open one's
		witness     string // substring of the witness, when given
	}
	tcp, udp := firewall.ProtoTCP, firewall.ProtoUDP
	fwd, in, out := firewall.HookForward, firewall.HookInput, firewall.HookOutput
	p := firewall.Port
	cases := []tc{
		// user chain via multiport jump, accepted in WEB
		{"forward.rules", "", firewall.Interfaces{}, fwd, "10.1.0.5", "10.2.0.7", tcp, p(443), "allowed", "WEB rule 1", ""},
		{"forward.rules", "", firewall.Interfaces{}, fwd, "10.1.0.0/16", "10.2.0.0/24", tcp, firewall.Ports(8000, 8010), "partial", "BLOCKLIST rule 1", "10.1.66.0:32768 → 10.2.0.0:8000"},
		// port outside multiport: falls to policy
		{"forward.rules", "", firewall.Interfaces{}, fwd, "10.1.0.5", "10.2.0.7", tcp, p(8011), "blocked", "filter FORWARD policy DROP", ""},
		// WEB rule 2 only 443 for 10.3/16
		{"forward.rules", "", firewall.Interfaces{}, fwd, "10.3.0.1", "10.2.0.7", tcp, firewall.Ports(80, 443), "partial", "policy DROP", "10.3.0.1:32768 → 10.2.0.7:80"},
		// RETURN in BLOCKLIST skips its last DROP
		{"forward.rules", "", firewall.Interfaces{}, fwd, "10.1.5.5", "10.2.0.1", tcp, p(80), "allowed", "WEB rule 1", ""},
		// goto ADMIN: reject for 10.9.1/24, accept the rest; ADMIN's fall-through would return to FORWARD's caller
		{"forward.rules", "", firewall.Interfaces{}, fwd, "10.9.0.0/16", "10.5.0.1", tcp, p(22), "partial", "ADMIN rule 1", "10.9.1.0"},
		{"forward.rules", "", firewall.Interfaces{}, fwd, "10.9.2.1", "10.5.0.1", tcp, p(22), "allowed", "ADMIN rule 2", ""},
		// iprange: 10.1.0.10-20 only
		{"forward.rules", "", firewall.Interfaces{}, fwd, "10.1.0.0/24", "10.5.0.1", udp, p(53), "partial", "policy DROP", "10.1.0.0:32768"},
		{"forward.rules", "", firewall.Interfaces{}, fwd, "10.1.0.10-10.1.0.20", "10.5.0.1", udp, p(53), "allowed", "FORWARD rule 6", ""},
		// negated destination
		{"forward.rules", "", firewall.Interfaces{}, fwd, "10.1.0.1", "10.2.0.1", tcp, p(25), "blocked", "policy DROP", ""},
		{"forward.rules", "", firewall.Interfaces{}, fwd, "10.1.0.1", "8.8.8.8", tcp, p(25), "allowed", "FORWARD rule 7", ""},
		{"forward.rules", "", firewall.Interfaces{}, fwd, "10.1.0.1", "10.5.0.1", firewall.ProtoICMP, firewall.PortSet{}, "allowed", "FORWARD rule 8", ""},
		// IPv6
		{"forward6.rules", "", firewall.Interfaces{}, fwd, "2001:db8:1::5", "2001:db8:2::10", tcp, p(443), "allowed", "FORWARD rule 2", ""},
		{"forward6.rules", "", firewall.Interfaces{}, fwd, "2001:db8:1:66::1", "2001:db8:3::1", firewall.ProtoICMP, firewall.PortSet{}, "blocked", "FORWARD rule 3", ""},
		{"forward6.rules", "", firewall.Interfaces{}, fwd, "2001:db8:1::1", "2001:db8:3::1", firewall.ProtoICMP, firewall.PortSet{}, "allowed", "FORWARD rule 4", ""},
		{"forward6.rules", "", firewall.Interfaces{}, fwd, "2001:db8::/32", "2001:db8:3::1", tcp, p(22), "partial", "policy DROP", "[2001:db8:1::]:32768"},
		// v4 flow against a v6-only ruleset: unknown, never open
		{"forward6.rules", "", firewall.Interfaces{}, fwd, "10.0.0.1", "10.0.0.2", tcp, p(22), "unknown", "", ""},
		// INPUT: -i lo is not a flow from another host; established on both sides
		{"input.rules", "", firewall.Interfaces{}, in, "192.0.2.1", "192.0.2.100", tcp, p(22), "allowed", "INPUT rule 3", ""},
		{"input.rules", "", firewall.Interfaces{}, in, "192.0.2.1", "192.0.2.100", tcp, p(80), "blocked", "filter INPUT policy DROP", ""},
		// NEW-only accept with --syn: client's later packets meet ESTABLISHED rule; the OUTPUT rule excludes sport 8443
		{"input.rules", "", firewall.Interfaces{}, in, "192.0.2.1", "192.0.2.100", tcp, p(8443), "blocked", "filter OUTPUT policy DROP", "reply"},
		// raw and mangle drops
		{"input.rules", "", firewall.Interfaces{}, in, "198.51.100.0/23", "192.0.2.100", tcp, p(22), "partial", "raw PREROUTING rule 1", "198.51.100.0"},
		{"input.rules", "", firewall.Interfaces{}, in, "203.0.113.5", "192.0.2.100", tcp, p(443), "blocked", "mangle PREROUTING rule 1", ""},
		// interface assumed
		{"input.rules", "", firewall.Interfaces{}, in, "192.0.2.1", "192.0.2.100", tcp, p(5432), "allowed", "INPUT rule 6", ""},
		// NAT: translated destination allowed; port kept; range needs every target
		{"nat.rules", "", firewall.Interfaces{}, fwd, "192.0.2.1", "203.0.113.10", tcp, p(443), "allowed", "FORWARD rule 2", "DNAT to 10.2.0.10:8443"},
		{"nat.rules", "", firewall.Interfaces{}, fwd, "192.0.2.1", "203.0.113.11", tcp, p(80), "blocked", "policy DROP", "DNAT to 10.2.0.11:80"},
		{"nat.rules", "", firewall.Interfaces{}, fwd, "192.0.2.1", "203.0.113.12", tcp, p(80), "blocked", "policy DROP", "10.2.0.21:80"},
		{"nat.rules", "", firewall.Interfaces{}, fwd, "192.0.2.1", "10.2.0.10", tcp, p(8443), "allowed", "FORWARD rule 2", ""},
		// ipset given / not given; unknown match and target
		{"unmodelled.rules", "blocked.ipset", firewall.Interfaces{}, fwd, "10.1.0.0/16", "10.2.0.5", tcp, p(443), "partial", "FORWARD rule 2", "10.1.66.0"},
		{"unmodelled.rules", "blocked.ipset", firewall.Interfaces{}, fwd, "10.1.0.1", "10.2.0.5", tcp, p(443), "allowed", "FORWARD rule 3", ""},
		{"unmodelled.rules", "", firewall.Interfaces{}, fwd, "10.1.0.1", "10.2.0.5", tcp, p(443), "unknown", "FORWARD rule 2", ""},
		{"unmodelled.rules", "blocked.ipset", firewall.Interfaces{}, fwd, "10.1.0.1", "10.2.1.5", tcp, p(443), "unknown", "FORWARD rule 4", ""},
		{"unmodelled.rules", "blocked.ipset", firewall.Interfaces{}, fwd, "10.1.0.1", "10.2.2.5", tcp, p(443), "unknown", "NFQUEUE", ""},
		// the LOG rule with -m limit cannot change a verdict
		{"unmodelled.rules", "blocked.ipset", firewall.Interfaces{}, fwd, "10.1.0.1", "10.2.9.5", tcp, p(443), "blocked", "policy DROP", ""},
		// output hook: OUTPUT DROP with an established-only rule
		{"input.rules", "", firewall.Interfaces{}, out, "192.0.2.100", "198.51.100.1", tcp, p(443), "blocked", "filter OUTPUT policy DROP", "first packet"},
		// Docker: addrtype LOCAL and interfaces; with the interfaces given the DNAT and DOCKER accept apply
		{"docker.rules", "", firewall.Interfaces{In: "eth0", Out: "docker0"}, fwd, "192.0.2.1", "192.0.2.100", tcp, p(8080), "allowed", "DOCKER rule 1", "DNAT to 172.17.0.2:80"},
		{"docker.rules", "", firewall.Interfaces{In: "eth0", Out: "docker0"}, fwd, "192.0.2.1", "172.17.0.2", tcp, p(22), "blocked", "policy DROP", ""},
		// clients behind docker0 going out
		{"docker.rules", "", firewall.Interfaces{In: "docker0", Out: "eth0"}, fwd, "172.17.0.2", "192.0.2.1", tcp, p(443), "allowed", "FORWARD rule 4", ""},
		// nat OUTPUT DNAT (output hook), IPv6 with [addr]:port; PREROUTING DNAT to an address only
		{"nat6-output.rules", "blocked.ipset", firewall.Interfaces{}, out, "2001:db8:1::1", "2001:db8:aaaa::1", tcp, p(443), "allowed", "OUTPUT rule 2", "DNAT to [2001:db8:2::10]:8443"},
		{"nat6-output.rules", "blocked.ipset", firewall.Interfaces{}, out, "2001:db8:1::1", "2001:db8:2::10", tcp, firewall.Ports(80, 443), "partial", "OUTPUT policy DROP", "[2001:db8:2::10]:81"},
		{"nat6-output.rules", "", firewall.Interfaces{}, out, "2001:db8:1::1", "2001:db8:2::10", tcp, p(80), "unknown", "OUTPUT rule 3", ""},
		{"nat6-output.rules", "", firewall.Interfaces{}, fwd, "2001:db8:9::1", "2001:db8:aaaa::2", tcp, p(80), "allowed", "FORWARD rule 2", "DNAT to [2001:db8:2::20]:80"},
		// TCP flags: scan-blocking rules never meet a connection's packets; a SYN-only accept is the first packet
		{"hardening.rules", "", firewall.Interfaces{}, in, "192.0.2.1", "192.0.2.100", tcp, p(443), "allowed", "INPUT rule 8", ""},
		// "--tcp-flags ACK ACK" misses the SYN; later packets are ESTABLISHED and accepted before it
		{"hardening.rules", "", firewall.Interfaces{}, in, "192.0.2.1", "192.0.2.100", tcp, p(80), "allowed", "INPUT rule 10", ""},
		// "--tcp-flags PSH PSH" meets some of the client's later packets only: unknown, never a guess
		{"hardening.rules", "", firewall.Interfaces{}, in, "192.0.2.1", "192.0.2.100", tcp, p(8080), "unknown", "INPUT rule 5", "client's later packets"},
		// ip6tables "-p icmp" is not ICMPv6
		{"icmp-in-ip6tables.rules", "", firewall.Interfaces{}, fwd, "2001:db8:1::1", "2001:db8:2::1", firewall.ProtoICMP, firewall.PortSet{}, "blocked", "FORWARD policy DROP", "icmpv6"},
		// kernel-proven case (testdata/kernel/no-established)
		{"../kernel/no-established/iptables.rules", "", firewall.Interfaces{}, fwd, "10.1.0.2", "10.2.0.2", tcp, p(80), "blocked", "policy DROP", "reply"},
		{"../kernel/no-established/iptables.rules", "", firewall.Interfaces{}, fwd, "10.1.0.3", "10.2.0.3", tcp, p(80), "blocked", "policy DROP", "client's later packets"},
		{"../kernel/no-established/iptables.rules", "", firewall.Interfaces{}, fwd, "10.1.0.2-10.1.0.3", "10.2.0.4/31", tcp, p(443), "allowed", "", ""},
	}
	for _, c := range cases {
		name := c.file + " " + c.src + "→" + c.dst + " " + firewall.ProtoName(c.proto) + "/" + c.dports.String()
		t.Run(name, func(t *testing.T) {
			ipset := ""
			if c.ipset != "" {
				ipset = td + c.ipset
			}
			rs := load(t, td+c.file, ipset)
			en, err := firewall.NewEngine(rs, c.hook)
			if err != nil {
				t.Fatal(err)
			}
			en.SetInterfaces(c.ifaces)
			if c.file == "docker.rules" {
				en.SetLocalAddrs(firewall.MustPrefixSet("192.0.2.100", "172.17.0.1"))
			}
			src := mustAddrs(t, c.src)
			dst := mustAddrs(t, c.dst)
			fam := firewall.FamilyIPv4
			if strings.Contains(c.src, ":") {
				fam = firewall.FamilyIPv6
			}
			j := en.Judge(firewall.Space{Family: fam, Proto: c.proto, Src: src, Dst: dst, SrcPorts: firewall.Ports(32768, 60999), DstPorts: c.dports})
			if got := j.Verdict(); got != c.verdict {
				t.Fatalf("verdict %s, want %s (%s)", got, c.verdict, describe(j))
			}
			w := j.Closed
			if j.Verdict() == "unknown" {
				w = j.Unknown
			} else if w == nil {
				w = j.Open
			}
			if w == nil {
				t.Fatal("no witness")
			}
			text := w.String() + " " + w.Phase
			if !strings.Contains(w.Rule, c.rule) || !strings.Contains(text, c.witness) {
				t.Errorf("witness %s by %q (%s), want rule ~%q witness ~%q", text, w.Rule, w.Reason, c.rule, c.witness)
			}
		})
	}
}

func describe(j firewall.Judgement) string {
	var b strings.Builder
	for n, w := range map[string]*firewall.Witness{"open": j.Open, "closed": j.Closed, "unknown": j.Unknown} {
		if w != nil {
			b.WriteString(n + ": " + w.String() + " " + w.Phase + " by " + w.Rule + " " + w.Reason + "; ")
		}
	}
	return b.String()
}

func mustAddrs(t testing.TB, s string) firewall.AddrSet {
	if lo, hi, ok := strings.Cut(s, "-"); ok {
		a, b := mustAddrs(t, lo), mustAddrs(t, hi)
		x, _ := a.First()
		y, _ := b.First()
		r, err := firewall.RangeSet(x, y)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	return firewall.MustPrefixSet(s)
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{"-A INPUT -j ACCEPT\n", "iptables x.rules, line 1: rule outside a table"},
		{"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 10.0.0.300 -j ACCEPT\nCOMMIT\n", "iptables x.rules, line 3: bad address \"10.0.0.300\""},
		{"*filter\n:INPUT ACCEPT [0:0]\n-A FOO -j ACCEPT\nCOMMIT\n", "iptables x.rules, line 3: rule for chain FOO"},
		{"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j nochain\nCOMMIT\n", "iptables x.rules, line 3: jump to chain nochain"},
		{"*filter\n:INPUT ACCEPT [0:0]\n", "has no COMMIT"},
		{"*filter\n:INPUT MAYBE [0:0]\nCOMMIT\n", "iptables x.rules, line 2: chain INPUT: policy \"MAYBE\""},
		{"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 99999 -j ACCEPT\nCOMMIT\n", "iptables x.rules, line 3: --dport 99999"},
		{"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -s 2001:db8::1 -j ACCEPT\n-A INPUT -d 10.0.0.1 -j ACCEPT\nCOMMIT\n", "iptables x.rules, line 4: address 10.0.0.1 is not ipv6"},
		{"*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -m comment --comment \"open -j ACCEPT\nCOMMIT\n", "iptables x.rules, line 3: unterminated quote"},
		{":0 0", "iptables x.rules, line 1: chain declaration outside a table"},
		{"garbage\n", "iptables x.rules, line 1: rule outside a table"},
	}
	for _, c := range cases {
		_, err := Parse("x.rules", []byte(c.in), firewall.FamilyAny)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.in, err, c.want)
		}
		if e, ok := located.As(err); !ok || e.Kind != "iptables" || e.File != "x.rules" || e.Line == 0 {
			t.Errorf("%q: want a located iptables error with a line, got %#v", c.in, err)
		}
	}
}

func TestLabelsAndUnmodelled(t *testing.T) {
	rs := load(t, td+"unmodelled.rules", "")
	fwd := rs.Tables[0].Chain("FORWARD")
	want := []struct{ label, unmodelled string }{
		{"filter FORWARD rule 1: -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", ""},
		{"filter FORWARD rule 2: -A FORWARD -m set --match-set blocked src -j DROP", ""},
		{"filter FORWARD rule 3: -A FORWARD -d 10.2.0.0/24 -p tcp -m tcp --dport 443 -j ACCEPT", ""},
		{"filter FORWARD rule 4: -A FORWARD -d 10.2.1.0/24 -p tcp -m tcp --dport 443 -m recent --name ssh --rcheck --seconds 60 -j ACCEPT", "-m recent --name ssh --rcheck --seconds 60"},
		{"filter FORWARD rule 5: -A FORWARD -d 10.2.2.0/24 -p tcp -m tcp --dport 443 -j NFQUEUE --queue-num 1", ""},
		{"filter FORWARD rule 6: -A FORWARD -m limit --limit 5/min -j LOG --log-prefix \"drop \"", "-m limit --limit 5/min"},
	}
	for i, w := range want {
		r := fwd.Rules[i]
		if r.Label != w.label || strings.Join(r.Unmodelled, ";") != w.unmodelled || r.Pos.Line != 7+i {
			t.Errorf("rule %d: %q %q line %d", i+1, r.Label, r.Unmodelled, r.Pos.Line)
		}
	}
	if k := fwd.Rules[4].Verdict; k.Kind != firewall.VerdictUnknown || !strings.Contains(k.Reason, "NFQUEUE") {
		t.Errorf("NFQUEUE verdict %+v", k)
	}
}

func TestParseIPSet(t *testing.T) {
	data, _ := os.ReadFile(td + "blocked.ipset")
	sets, err := ParseIPSet("blocked.ipset", data)
	if err != nil {
		t.Fatal(err)
	}
	if s := sets["blocked"].Addrs.String(); s != "10.1.66.0/24,10.1.77.7" {
		t.Errorf("blocked = %s", s)
	}
	if s := sets["web6"].Addrs.String(); s != "2001:db8:2::10" {
		t.Errorf("web6 = %s", s)
	}
	if sets["svc"].Unmodelled == "" {
		t.Error("hash:ip,port not marked unmodelled")
	}
	for _, bad := range []string{"add x 10.0.0.1\n", "create a hash:ip family inet6\nadd a 10.0.0.1\n", "create a hash:ip\nadd a 10.0.0.300\n", "flush\n"} {
		if _, err := ParseIPSet("b", []byte(bad)); err == nil || !strings.HasPrefix(err.Error(), "ipset b, line ") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(td + "*.rules")
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := Parse("fuzz", data, firewall.FamilyAny)
		if err != nil {
			return
		}
		// Whatever parses must evaluate without panicking.
		for _, h := range []firewall.Hook{firewall.HookInput, firewall.HookForward} {
			en, err := firewall.NewEngine(rs, h)
			if err != nil {
				t.Fatal(err)
			}
			for _, fam := range []firewall.Family{firewall.FamilyIPv4, firewall.FamilyIPv6} {
				en.Judge(firewall.Space{Family: fam, Proto: firewall.ProtoTCP, Src: firewall.AllAddrs(fam), Dst: firewall.AllAddrs(fam), SrcPorts: firewall.Ports(32768, 60999), DstPorts: firewall.Ports(1, 1024)})
			}
		}
	})
}

func FuzzParseIPSet(f *testing.F) {
	if data, err := os.ReadFile(td + "blocked.ipset"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ParseIPSet("fuzz", data)
	})
}
