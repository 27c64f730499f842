package flows

import "github.com/guardrail-monitoring/guardrail/internal/firewall"

// Judge is how engine en treats flow f: each family that both its sources
// and destinations have, each of its services, merged into one judgement.
// The check and every reader's verdict tables judge flows through it, so
// the tables test what the check reports.
func Judge(en *firewall.Engine, f Flow) firewall.Judgement {
	var j firewall.Judgement
	for _, fam := range []firewall.Family{firewall.FamilyIPv4, firewall.FamilyIPv6} {
		src, dst := f.Src.Only(fam), f.Dst.Only(fam)
		if src.IsEmpty() || dst.IsEmpty() {
			continue
		}
		for _, s := range f.Services {
			j.Merge(en.Judge(firewall.Space{Family: fam, Proto: s.Proto, Src: src, Dst: dst, SrcPorts: f.SrcPorts, DstPorts: s.Ports}))
		}
	}
	return j
}
