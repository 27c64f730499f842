package iptables

import (
	"slices"
	"testing"

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
