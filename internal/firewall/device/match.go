package device

import "github.com/guardrail-monitoring/guardrail/internal/firewall"

// Service is what a service (or one entry of a service group) matches:
// protocols (nil: every protocol) and ports (nil: any), and what of it the
// model lacks (an ICMP type...), which makes the verdicts that depend on
// it unknown.
type Service struct {
	Protos             []uint8
	SrcPorts, DstPorts *firewall.PortSet
	Unmodelled         string
}

// Conds are the conditions of the service on any addresses.
func (s Service) Conds() []firewall.Cond {
	return MatchConds(s.Protos, all4, all4, s.SrcPorts, s.DstPorts)
}

// Match is one combination of protocols, addresses and ports that an
// access-list entry (Cisco IOS, ASA) matches: one for each service of the
// service group it names.
type Match struct {
	Protos             []uint8 // nil: every IP protocol
	Src, Dst           firewall.AddrSet
	SrcPorts, DstPorts *firewall.PortSet
}

// Conds are the match's conditions.
func (m Match) Conds() []firewall.Cond {
	return MatchConds(m.Protos, m.Src, m.Dst, m.SrcPorts, m.DstPorts)
}

// Matches are an entry's matches, one for each service of svcs, from src
// to dst, with the entry's own ports (srcPorts, dstPorts where not nil)
// in place of the service's; unmodelled is what of the services the model
// lacks.
func Matches(svcs []Service, src, dst firewall.AddrSet, srcPorts, dstPorts *firewall.PortSet) (ms []Match, unmodelled []string) {
	for _, s := range svcs {
		if s.Unmodelled != "" {
			unmodelled = append(unmodelled, s.Unmodelled)
		}
		m := Match{Protos: s.Protos, Src: src, Dst: dst, SrcPorts: s.SrcPorts, DstPorts: s.DstPorts}
		if srcPorts != nil {
			m.SrcPorts = srcPorts
		}
		if dstPorts != nil {
			m.DstPorts = dstPorts
		}
		ms = append(ms, m)
	}
	return ms, unmodelled
}
