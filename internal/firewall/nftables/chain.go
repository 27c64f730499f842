// Chains: base chain hooks, types, priorities and policies, and the
// ingress/egress chains moved to the IP hooks with their device.

package nftables

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

// Priorities of the hooks this reader moves to the IP hooks: ingress runs
// before any prerouting chain, egress after any postrouting chain.
const (
	priorityIngress = math.MinInt32 / 2
	priorityEgress  = math.MaxInt32 / 2
)

type chainInfo struct {
	iface  string // ingress/egress device: every rule gets it as a condition
	out    bool   // egress: the device is the output interface
	policy firewall.VerdictKind
}

var hooks = map[string]firewall.Hook{
	"prerouting":  firewall.HookPrerouting,
	"input":       firewall.HookInput,
	"forward":     firewall.HookForward,
	"output":      firewall.HookOutput,
	"postrouting": firewall.HookPostrouting,
}

// Standard priority names, as nft accepts them (JSON output prints numbers).
var priorityNames = map[string]int{
	"raw":      firewall.PriorityRaw,
	"mangle":   firewall.PriorityMangle,
	"dstnat":   firewall.PriorityDstNAT,
	"filter":   firewall.PriorityFilter,
	"security": firewall.PrioritySecurity,
	"srcnat":   firewall.PrioritySrcNAT,
}

func (p *parser) chain(i int, o chainObject) error {
	name := o.name
	t, where, skip, err := p.place(i, "chain", name, o.named, o.tableRef)
	if err != nil || skip {
		return err
	}
	if t.t.Chain(name) != nil {
		return p.errorf(where, "listed twice")
	}
	ch := &firewall.Chain{Name: name, Pos: firewall.Pos{File: p.file}}
	info := &chainInfo{}
	hook := o.hook
	if o.isBase {
		switch typ := o.typ; typ {
		case "filter", "":
			ch.Type = firewall.ChainFilter
		case "nat":
			ch.Type = firewall.ChainNAT
		case "route":
			ch.Type = firewall.ChainRoute
		default:
			return p.errorf(where, "unknown chain type %q", typ)
		}
		prio := 0
		switch v := o.prio.(type) {
		case nil:
		case json.Number:
			n, ok := num(v)
			if !ok || n < math.MinInt32 || n > math.MaxInt32 {
				return p.errorf(where, "bad priority %s", v)
			}
			prio = int(n)
		case string:
			n, ok := parsePriority(v)
			if !ok {
				return p.errorf(where, "bad priority %q", v)
			}
			prio = n
		default:
			return p.errorf(where, "bad priority")
		}
		switch pol := o.policy; pol {
		case "accept", "":
			info.policy = firewall.VerdictAccept
		case "drop":
			info.policy = firewall.VerdictDrop
		default:
			return p.errorf(where, "unknown policy %q", pol)
		}
		dev := devices(o.dev)
		switch {
		case hook == "ingress":
			// Runs for packets arriving on the device, before prerouting.
			ch.Hook, ch.Priority = firewall.HookPrerouting, priorityIngress+prio
			info.iface = dev
		case hook == "egress":
			ch.Hook, ch.Priority = firewall.HookPostrouting, priorityEgress+prio
			info.iface, info.out = dev, true
		case hooks[hook] != firewall.HookNone:
			if t.family == "netdev" {
				return p.errorf(where, "hook %s in a netdev table", hook)
			}
			ch.Hook, ch.Priority = hooks[hook], prio
		default:
			return p.errorf(where, "unknown hook %q", hook)
		}
		ch.Policy = info.policy
	}
	p.chains[ch] = info
	t.t.Chains = append(t.t.Chains, ch)
	return nil
}

// unknownDevice stands for the device of an ingress/egress chain when nft
// does not print it (nftables 1.0.6 does not).
const unknownDevice = "?"

// devices is the device (or the devices, as alternatives) of an
// ingress/egress chain.
func devices(dev any) string {
	switch v := dev.(type) {
	case string:
		if v != "" && !strings.Contains(v, alternatives) {
			return v
		}
	case []any:
		var s []string
		for _, d := range v {
			if x, ok := d.(string); ok && x != "" && !strings.Contains(x, alternatives) {
				s = append(s, x)
			}
		}
		if len(s) > 0 {
			sort.Strings(s)
			return strings.Join(s, alternatives)
		}
	}
	return unknownDevice
}

func parsePriority(s string) (int, bool) {
	s = strings.ReplaceAll(s, " ", "")
	for name, base := range priorityNames {
		if !strings.HasPrefix(s, name) {
			continue
		}
		rest := s[len(name):]
		if rest == "" {
			return base, true
		}
		n, err := strconv.Atoi(rest)
		if err != nil || (rest[0] != '+' && rest[0] != '-') || n < -1<<20 || n > 1<<20 {
			return 0, false
		}
		return base + n, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= math.MinInt32 && n <= math.MaxInt32
}

// finishChains makes ingress/egress device conditions and their policies
// explicit: the policy applies only to packets of the device, so it becomes
// a last rule with the device condition and the chain itself accepts.
func (p *parser) finishChains() {
	for _, t := range p.rs.Tables {
		for _, ch := range t.Chains {
			info := p.chains[ch]
			if info == nil || info.iface == "" {
				continue
			}
			cond := firewall.Cond{Field: firewall.FieldInIface, Iface: info.iface}
			if info.out {
				cond.Field = firewall.FieldOutIface
			}
			if ch.Policy == firewall.VerdictDrop {
				ch.Rules = append(ch.Rules, &firewall.Rule{
					Label:   fmt.Sprintf("%s %s policy drop (device %s)", t.Name, ch.Name, strings.ReplaceAll(info.iface, alternatives, ",")),
					Pos:     ch.Pos,
					Verdict: firewall.Drop,
				})
				ch.Policy = firewall.VerdictAccept
			}
			var rules []*firewall.Rule
			for _, r := range ch.Rules {
				if info.iface == unknownDevice {
					// Which packets the chain sees is not known.
					r.Unmodelled = append(r.Unmodelled, "the device of "+t.Name+" "+ch.Name+" (nft -j does not print it)")
					rules = append(rules, r)
					continue
				}
				r.Conds = append([]firewall.Cond{cond}, r.Conds...)
				rules = append(rules, expand(r)...)
			}
			ch.Rules = rules
		}
	}
}
