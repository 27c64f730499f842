package iptables

import (
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

// oneRule parses one filter FORWARD rule of an iptables-save file.
func oneRule(t *testing.T, rule string) *firewall.Rule {
	t.Helper()
	rs, err := Parse("x.rules", []byte("*filter\n:FORWARD DROP [0:0]\n-A FORWARD "+rule+"\nCOMMIT\n"), firewall.FamilyIPv4)
	if err != nil {
		t.Fatalf("%s: %v", rule, err)
	}
	return rs.Tables[0].Chain("FORWARD").Rules[0]
}

// TestProtocolNames: -p takes every name of the one protocol table, as
// iptables-save prints them (issue 8: ipip was 4; issue 10: ipcomp refused).
func TestProtocolNames(t *testing.T) {
	for name, want := range map[string]uint8{"ipip": 94, "ipencap": 4, "ipcomp": 108, "gre": 47, "mh": 135, "ipv6-mh": 135, "l2tp": 115, "108": 108} {
		r := oneRule(t, "-p "+name+" -j ACCEPT")
		if len(r.Conds) != 1 || r.Conds[0].Field != firewall.FieldProto || !slices.Equal(r.Conds[0].Protos, []uint8{want}) {
			t.Errorf("-p %s: conds %+v, want protocol %d", name, r.Conds, want)
		}
	}
}

// TestDiamondChains: 25 chains that each jump twice to the next (issue 9)
// are 2^24 paths; each chain is run once per distinct piece, so the verdicts
// come at once.
func TestDiamondChains(t *testing.T) {
	rs := load(t, td+"diamond-chains.rules", "")
	en, err := firewall.NewEngine(rs, firewall.HookForward)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for _, c := range []struct {
		dports  firewall.PortSet
		verdict firewall.Outcome
	}{{firewall.Port(443), firewall.Allowed}, {firewall.Port(80), firewall.Blocked}, {firewall.Ports(80, 443), firewall.Partial}} {
		j := en.Judge(firewall.Space{Family: firewall.FamilyIPv4, Proto: firewall.ProtoTCP, Src: firewall.MustPrefixSet("10.1.0.0/16"), Dst: firewall.MustPrefixSet("10.2.0.1"), SrcPorts: firewall.Ports(32768, 60999), DstPorts: c.dports})
		if got := j.Verdict(); got != c.verdict {
			t.Errorf("dport %v: %s, want %s", c.dports, got, c.verdict)
		}
	}
	// memoised, the diamond takes milliseconds; walked per path it would
	// never end: a bound far from both cannot flake on a loaded machine
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("diamond chains took %v", d)
	}
}

// TestNonContiguousMask: iptables-save prints a mask that is no prefix as
// given ("-s 10.0.0.0/255.0.255.0"); it was refused with the whole file.
func TestNonContiguousMask(t *testing.T) {
	r := oneRule(t, "-s 10.0.0.0/255.0.255.0 -j ACCEPT")
	s := r.Conds[0].Addrs
	for addr, want := range map[string]bool{"10.0.0.1": true, "10.77.0.255": true, "10.0.1.0": false, "11.0.0.0": false} {
		if got := s.Contains(netip.MustParseAddr(addr)); got != want {
			t.Errorf("10.0.0.0/255.0.255.0 contains %s: %v, want %v", addr, got, want)
		}
	}
	if r := oneRule(t, "-d 10.1.0.0/255.255.0.0 -j ACCEPT"); r.Conds[0].Addrs.String() != "10.1.0.0/16" {
		t.Errorf("contiguous dotted mask: %s", r.Conds[0].Addrs)
	}
}

// TestDNATPortShift: "--to-destination 1.1.1.1:1000-2000/3000" (a port
// shift) is a valid target the engine does not model, not a refusal.
func TestDNATPortShift(t *testing.T) {
	for _, to := range []string{"1.1.1.1:1000-2000/3000", "1.1.1.1:10-20/21"} {
		rs, err := Parse("x.rules", []byte("*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -j DNAT --to-destination "+to+"\nCOMMIT\n"), firewall.FamilyIPv4)
		if err != nil {
			t.Errorf("%s: %v", to, err)
			continue
		}
		if v := rs.Tables[0].Chain("PREROUTING").Rules[0].Verdict; v.Kind != firewall.VerdictUnknown {
			t.Errorf("%s: verdict %v", to, v.Kind)
		}
	}
}
