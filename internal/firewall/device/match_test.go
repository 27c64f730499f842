package device

import (
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

// TestMatches: one match per service, the entry's own ports in place of
// the service's, and what the model lacks collected in order.
func TestMatches(t *testing.T) {
	web, dns := firewall.Port(80), firewall.Port(53)
	svcs := []Service{
		{Protos: []uint8{firewall.ProtoTCP}, DstPorts: &web},
		{Protos: []uint8{firewall.ProtoICMP}, Unmodelled: "ICMP type 8"},
		{Protos: []uint8{firewall.ProtoUDP}, SrcPorts: &dns, DstPorts: &dns},
	}
	src, dst := firewall.MustPrefixSet("10.0.0.0/8"), firewall.MustPrefixSet("192.0.2.1")
	ms, unm := Matches(svcs, src, dst, nil, nil)
	if len(ms) != 3 || ms[0].DstPorts != &web || ms[2].SrcPorts != &dns || !ms[1].Src.Equal(src) || !ms[1].Dst.Equal(dst) {
		t.Errorf("matches: %+v", ms)
	}
	if len(unm) != 1 || unm[0] != "ICMP type 8" {
		t.Errorf("unmodelled: %q", unm)
	}
	high := firewall.Ports(1024, 65535)
	ms, _ = Matches(svcs, src, dst, &high, nil)
	for i, m := range ms {
		if m.SrcPorts != &high || m.DstPorts != svcs[i].DstPorts {
			t.Errorf("match %d: the entry's source ports replace the service's, its destination ports stay: %+v", i, m)
		}
	}
	if cs := ms[0].Conds(); len(cs) != 5 { // protocol, source, destination, source and destination ports
		t.Errorf("conds: %v", cs)
	}
}
