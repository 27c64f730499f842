// Targets (-j, -g): verdicts, jumps, DNAT, and the targets the engine
// does not model.

package iptables

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

func (rp *ruleParser) target(tok string) error {
	if rp.not {
		return rp.errorf("\"!\" before %s", tok)
	}
	if rp.hasTarget {
		return rp.errorf("two targets")
	}
	rp.hasTarget = true
	name, err := rp.next(tok)
	if err != nil {
		return err
	}
	args := rp.targetArgs()
	if tok == "-g" || tok == "--goto" {
		rp.r.Verdict = firewall.Goto(name)
		return nil
	}
	v := &rp.r.Verdict
	switch name {
	case "ACCEPT":
		*v = firewall.Accept
	case "DROP":
		*v = firewall.Drop
	case "REJECT":
		*v = firewall.Reject
	case "RETURN":
		*v = firewall.Return
	case "LOG", "NFLOG", "ULOG", "MARK", "CONNMARK", "TCPMSS", "TRACE", "AUDIT", "CHECKSUM", "CLASSIFY", "DSCP", "TOS", "TTL", "HL", "SET", "SECMARK", "CONNSECMARK", "IDLETIMER", "LED", "RATEEST":
		*v = firewall.Continue
	case "CT":
		if containsTok(args, "--notrack") {
			*v = firewall.UnknownTarget("-j CT --notrack (untracked connections)")
		} else {
			*v = firewall.Continue
		}
	case "NOTRACK":
		*v = firewall.UnknownTarget("-j NOTRACK (untracked connections)")
	case "SNAT", "MASQUERADE", "NETMAP":
		if rp.p.table.Name != "nat" {
			return rp.errorf("-j %s outside the nat table", name)
		}
		*v = firewall.Accept // source NAT ends the nat chain; filtering is done
	case "DNAT":
		if rp.p.table.Name != "nat" {
			return rp.errorf("-j DNAT outside the nat table")
		}
		to := argValue(args, "--to-destination")
		if to == "" {
			*v = firewall.UnknownTarget("-j DNAT without --to-destination")
			return nil
		}
		if i := strings.LastIndexAny(to, "]:"); i >= 0 && to[i] == ':' && strings.Contains(to[i:], "/") {
			// "ADDR:LO-HI/BASE": ports shifted by the packet's port
			// (iptables 1.8.6, Linux 5.9); which port results depends
			// on the packet.
			*v = firewall.UnknownTarget("-j DNAT --to-destination " + to + " (port shift)")
			return nil
		}
		d, err := parseDNAT(to, rp.p.fam)
		if err != nil {
			return rp.errorf("-j DNAT --to-destination %s: %v", to, err)
		}
		*v = d
	default:
		if rp.p.table.Chain(name) != nil || !isUpper(name) {
			*v = firewall.Jump(name)
			return nil
		}
		if _, builtinChain := builtin[rp.p.table.Name].chains[name]; builtinChain {
			return rp.errorf("-j %s: cannot jump to a built-in chain", name)
		}
		// An upper-case name that is no chain (yet): a target we do not know.
		if rp.p.table.Chain(name) == nil {
			*v = firewall.UnknownTarget("-j " + name + joinVals(args))
		}
	}
	return nil
}

func isUpper(s string) bool {
	for _, r := range s {
		if r >= 'a' && r <= 'z' {
			return false
		}
	}
	return true
}

// targetArgs collects the target's options (everything up to a core option).
func (rp *ruleParser) targetArgs() []string {
	var vals []string
	for rp.i < len(rp.toks) && !isCore(rp.toks[rp.i]) {
		vals = append(vals, rp.toks[rp.i])
		rp.i++
	}
	return vals
}

func containsTok(toks []string, t string) bool {
	for _, x := range toks {
		if x == t {
			return true
		}
	}
	return false
}

func argValue(toks []string, opt string) string {
	for i := 0; i+1 < len(toks); i++ {
		if toks[i] == opt {
			return toks[i+1]
		}
	}
	return ""
}

// parseDNAT reads ADDR[-ADDR][:PORT[-PORT]] ([ADDR] brackets for IPv6).
func parseDNAT(s string, fam firewall.Family) (firewall.Verdict, error) {
	v := firewall.Verdict{Kind: firewall.VerdictDNAT}
	addr, port := s, ""
	if strings.HasPrefix(s, "[") {
		end := strings.Index(s, "]")
		if end < 0 {
			return v, fmt.Errorf("unclosed [")
		}
		addr, port = s[1:end], strings.TrimPrefix(s[end+1:], ":")
		if strings.Contains(addr, "]-[") {
			addr = strings.ReplaceAll(addr, "]-[", "-")
		}
	} else if fam == firewall.FamilyIPv4 || strings.Count(s, ":") == 1 {
		if i := strings.LastIndex(s, ":"); i >= 0 {
			addr, port = s[:i], s[i+1:]
		}
	}
	if addr != "" {
		lo, hi, isRange := strings.Cut(addr, "-")
		a, err := netip.ParseAddr(lo)
		if err != nil {
			return v, fmt.Errorf("bad address %q", lo)
		}
		b := a
		if isRange {
			if b, err = netip.ParseAddr(hi); err != nil {
				return v, fmt.Errorf("bad address %q", hi)
			}
		}
		set, err := firewall.RangeSet(a, b)
		if err != nil {
			return v, err
		}
		if (fam == firewall.FamilyIPv4) != a.Unmap().Is4() {
			return v, fmt.Errorf("address %s is not %s", a, fam)
		}
		v.ToAddrs = set
	}
	if port != "" {
		ps, err := parsePorts(port, "-")
		if err != nil {
			return v, err
		}
		v.ToPorts = ps
	}
	return v, nil
}
