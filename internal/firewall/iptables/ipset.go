package iptables

import (
	"net/netip"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// ParseIPSet reads "ipset save" output: the address sets that "-m set
// --match-set NAME src|dst" rules refer to. Set types holding more than
// addresses (hash:ip,port...) are kept but marked unmodelled, so the rules
// using them become unknown rather than guessed.
func ParseIPSet(file string, data []byte) (map[string]*firewall.Set, error) {
	sets := map[string]*firewall.Set{}
	fams := map[string]firewall.Family{}
	lines := strings.Split(string(data), "\n")
	if len(lines) > maxLines {
		return nil, &located.Error{Kind: "ipset", File: file, Line: maxLines, Msg: "too many lines"}
	}
	for i, line := range lines {
		n := i + 1
		f := strings.Fields(line)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		bad := func(msg string) error { return &located.Error{Kind: "ipset", File: file, Line: n, Msg: msg} }
		switch f[0] {
		case "create", "-N", "-exist":
			if len(f) < 3 {
				return nil, bad("create: want create NAME TYPE [options]")
			}
			name, typ := f[1], f[2]
			if _, dup := sets[name]; dup {
				return nil, bad("set " + name + " created twice")
			}
			s := &firewall.Set{Name: name, Pos: firewall.Pos{File: file, Line: n}}
			fam := firewall.FamilyIPv4
			for j := 3; j+1 < len(f); j++ {
				if f[j] == "family" {
					switch f[j+1] {
					case "inet":
					case "inet6":
						fam = firewall.FamilyIPv6
					default:
						return nil, bad("family " + f[j+1] + ": want inet or inet6")
					}
				}
			}
			switch typ {
			case "hash:ip", "hash:net", "bitmap:ip":
			default:
				s.Unmodelled = "ipset type " + typ
			}
			sets[name], fams[name] = s, fam
		case "add", "-A":
			if len(f) < 3 {
				return nil, bad("add: want add NAME ENTRY")
			}
			s := sets[f[1]]
			if s == nil {
				return nil, bad("add to set " + f[1] + " before its create line")
			}
			if s.Unmodelled != "" {
				continue
			}
			for _, opt := range f[3:] {
				if opt == "nomatch" {
					s.Unmodelled = "nomatch entries"
				}
			}
			entry := f[2]
			var a firewall.AddrSet
			if lo, hi, isRange := strings.Cut(entry, "-"); isRange {
				x, err1 := netip.ParseAddr(lo)
				y, err2 := netip.ParseAddr(hi)
				if err1 != nil || err2 != nil {
					return nil, bad("bad range " + entry)
				}
				r, err := firewall.RangeSet(x, y)
				if err != nil {
					return nil, bad(err.Error())
				}
				a = r
			} else {
				p, err := firewall.ParsePrefixOrAddr(entry)
				if err != nil {
					return nil, bad(err.Error())
				}
				a = firewall.PrefixSet(p)
			}
			if a.Only(fams[f[1]]).IsEmpty() {
				return nil, bad("entry " + entry + " is not of the set's family " + fams[f[1]].String())
			}
			s.Addrs = s.Addrs.Union(a)
		default:
			return nil, bad("unexpected " + f[0] + " (want ipset save output: create/add lines)")
		}
	}
	return sets, nil
}
