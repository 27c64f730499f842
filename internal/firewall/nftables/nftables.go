// Package nftables reads `nft -j list ruleset` (libnftables JSON, schema
// version 1) into the firewall model. Expressions and statements it does not
// understand are kept as "unmodelled" on the rule, so the verdicts they could
// change become unknown; malformed JSON is an error naming the file and the
// table, chain and rule handle (JSON output has no useful line numbers).
//
// Mapping, in short:
//   - tables of family ip, ip6 and inet keep their family; netdev (and inet)
//     ingress chains run before every prerouting chain, egress chains after
//     every postrouting chain, with the device as an interface condition.
//     bridge and arp tables do not filter routed IP traffic and are skipped.
//   - base chains keep hook, type (filter, nat, route), priority and policy.
//   - payload matches on ip/ip6 saddr/daddr, tcp/udp/sctp/dccp/udplite and th
//     sport/dport, ip protocol, ip6 nexthdr, meta l4proto/nfproto/protocol,
//     iifname/oifname/iif/oif, ct state and ct status dnat/snat, with values,
//     prefixes, ranges, anonymous sets, named sets and comparisons.
//   - tcp flags (masked, one flag, or exact) and fib saddr/daddr type local.
//   - a header match this reader does not know (icmp type, ip ttl) still
//     implies its protocol and family, which narrows what becomes unknown.
//   - verdict maps are expanded into one rule per element, in order.
//   - named sets whose contents change at run time (timeout, dynamic, or
//     written by a rule's set statement) are unmodelled.
package nftables

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/protocol"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// maxObjects bounds the work on hostile input; real rulesets are far smaller.
const maxObjects = 4_000_000

// Priorities of the hooks this reader moves to the IP hooks: ingress runs
// before any prerouting chain, egress after any postrouting chain.
const (
	priorityIngress = math.MinInt32 / 2
	priorityEgress  = math.MaxInt32 / 2
)

type object = map[string]any

// table is a table being read, with its named sets.
type table struct {
	t      *firewall.Table
	family string // nft family name
	sets   map[string]*namedSet
}

// namedSet is a named set (or map) of a table.
type namedSet struct {
	name       string
	kind       valueKind
	isMap      bool
	addrs      firewall.AddrSet
	ports      firewall.PortSet
	protos     []uint8
	unmodelled string
	key        string // name in Ruleset.Sets (address sets only)
}

type parser struct {
	file   string
	rs     *firewall.Ruleset
	tables map[string]*table // "family name"
	chains map[*firewall.Chain]*chainInfo
}

type chainInfo struct {
	iface  string // ingress/egress device: every rule gets it as a condition
	out    bool   // egress: the device is the output interface
	policy firewall.VerdictKind
}

// Parse reads the output of `nft -j list ruleset`. An empty ruleset (no
// tables) describes a host where nothing filters: every family is described.
func Parse(file string, data []byte) (*firewall.Ruleset, error) {
	p := &parser{
		file:   file,
		rs:     &firewall.Ruleset{Source: "nft -j list ruleset " + file},
		tables: map[string]*table{},
		chains: map[*firewall.Chain]*chainInfo{},
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return nil, p.errorf("", "not JSON: %v", jsonErr(err, data))
	}
	if _, err := dec.Token(); err == nil {
		return nil, p.errorf("", "more than one JSON value (want the output of nft -j list ruleset)")
	}
	root, ok := top.(object)
	if !ok {
		return nil, p.errorf("", "want a JSON object with an \"nftables\" array")
	}
	list, ok := root["nftables"].([]any)
	if !ok {
		return nil, p.errorf("", "want a JSON object with an \"nftables\" array")
	}
	if len(list) > maxObjects {
		return nil, p.errorf("", "too many objects (%d)", len(list))
	}
	// Tables, chains and sets first: rules may refer to any of them.
	type item struct {
		i    int
		kind string
		o    object
	}
	var items []item
	for i, v := range list {
		o, ok := v.(object)
		if !ok || len(o) != 1 {
			return nil, p.errorf(fmt.Sprintf("nftables[%d]", i), "want an object with one key (table, chain, rule, set...)")
		}
		for k, body := range o {
			b, ok := body.(object)
			if !ok {
				return nil, p.errorf(fmt.Sprintf("nftables[%d]", i), "%s: want an object", k)
			}
			items = append(items, item{i, k, b})
		}
	}
	for _, pass := range []string{"table", "set", "chain", "written", "rule"} {
		if pass == "written" {
			for _, it := range items {
				if it.kind == "rule" {
					p.markWritten(it.o)
				}
			}
			continue
		}
		for _, it := range items {
			kind := it.kind
			if kind == "map" {
				kind = "set"
			}
			if kind != pass {
				continue
			}
			var err error
			switch it.kind {
			case "table":
				err = p.table(it.i, it.o)
			case "set", "map":
				err = p.set(it.i, it.o, it.kind == "map")
			case "chain":
				err = p.chain(it.i, it.o)
			case "rule":
				err = p.rule(it.i, it.o)
			}
			if err != nil {
				return nil, err
			}
		}
	}
	p.finishChains()
	return p.rs, nil
}

func jsonErr(err error, data []byte) string {
	if se, ok := err.(*json.SyntaxError); ok {
		return fmt.Sprintf("%v at byte %d", se, se.Offset)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return "empty input"
	}
	return err.Error()
}

func (p *parser) errorf(where, format string, args ...any) error {
	return &located.Error{Kind: "nftables", File: p.file, Key: where, Msg: fmt.Sprintf(format, args...)}
}

func str(o object, k string) (string, bool) {
	s, ok := o[k].(string)
	return s, ok
}

func num(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	return i, err == nil
}

// tableFamily maps an nft family to the model's; skip for families that do
// not filter routed IP packets.
func tableFamily(f string) (fam firewall.Family, skip, ok bool) {
	switch f {
	case "ip":
		return firewall.FamilyIPv4, false, true
	case "ip6":
		return firewall.FamilyIPv6, false, true
	case "inet", "netdev":
		return firewall.FamilyAny, false, true
	case "bridge", "arp":
		return 0, true, true
	}
	return 0, false, false
}

func (p *parser) table(i int, o object) error {
	where := fmt.Sprintf("nftables[%d] table", i)
	fam, _ := str(o, "family")
	name, ok := str(o, "name")
	if !ok {
		return p.errorf(where, "no name")
	}
	f, skip, ok := tableFamily(fam)
	if !ok {
		return p.errorf(where, "table %s: unknown family %q", name, fam)
	}
	if skip {
		return nil
	}
	key := fam + " " + name
	if p.tables[key] != nil {
		return p.errorf(where, "table %s listed twice", key)
	}
	t := &firewall.Table{Family: f, Name: key, Pos: firewall.Pos{File: p.file}}
	p.tables[key] = &table{t: t, family: fam, sets: map[string]*namedSet{}}
	p.rs.Tables = append(p.rs.Tables, t)
	return nil
}

// tableOf finds the table of a chain, set or rule; skip when it belongs to
// a skipped family.
func (p *parser) tableOf(where string, o object) (*table, bool, error) {
	fam, _ := str(o, "family")
	name, ok := str(o, "table")
	if !ok {
		return nil, false, p.errorf(where, "no table")
	}
	f, skip, ok := tableFamily(fam)
	_ = f
	if !ok {
		return nil, false, p.errorf(where, "unknown family %q", fam)
	}
	if skip {
		return nil, true, nil
	}
	t := p.tables[fam+" "+name]
	if t == nil {
		return nil, false, p.errorf(where, "table %s %s is not listed", fam, name)
	}
	return t, false, nil
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

func (p *parser) chain(i int, o object) error {
	name, ok := str(o, "name")
	where := fmt.Sprintf("nftables[%d] chain", i)
	if !ok {
		return p.errorf(where, "no name")
	}
	t, skip, err := p.tableOf(where+" "+name, o)
	if err != nil || skip {
		return err
	}
	where = t.t.Name + " chain " + name
	if t.t.Chain(name) != nil {
		return p.errorf(where, "listed twice")
	}
	ch := &firewall.Chain{Name: name, Pos: firewall.Pos{File: p.file}}
	info := &chainInfo{}
	hook, isBase := str(o, "hook")
	if isBase {
		typ, _ := str(o, "type")
		switch typ {
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
		switch v := o["prio"].(type) {
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
		switch pol, _ := str(o, "policy"); pol {
		case "accept", "":
			info.policy = firewall.VerdictAccept
		case "drop":
			info.policy = firewall.VerdictDrop
		default:
			return p.errorf(where, "unknown policy %q", pol)
		}
		dev := devices(o)
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
func devices(o object) string {
	switch v := o["dev"].(type) {
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

// Rule statements that neither match nor decide: the rule goes on.
var passStatements = map[string]bool{
	"counter": true, "log": true, "dup": true,
	"set": true, "map": true, "meter": false, "ct helper": true, "ct timeout": true,
	"ct expectation": true, "secmark": true, "xt": false, "last": true,
}

func (p *parser) rule(i int, o object) error {
	chName, _ := str(o, "chain")
	where := fmt.Sprintf("nftables[%d] rule", i)
	t, skip, err := p.tableOf(where, o)
	if err != nil || skip {
		return err
	}
	handle, _ := num(o["handle"])
	where = fmt.Sprintf("%s chain %s rule handle %d", t.t.Name, chName, handle)
	ch := t.t.Chain(chName)
	if ch == nil {
		return p.errorf(where, "chain %s is not listed", chName)
	}
	exprs, ok := o["expr"].([]any)
	if !ok {
		return p.errorf(where, "no expr array")
	}
	rb := &ruleBuilder{p: p, t: t, ch: ch, where: where}
	rules, err := rb.build(exprs)
	if err != nil {
		return err
	}
	label := fmt.Sprintf("%s %s #%d: %s", t.t.Name, chName, handle, renderRule(exprs))
	for _, r := range rules {
		r.Label = label
		r.Pos = firewall.Pos{File: p.file}
		ch.Rules = append(ch.Rules, r)
	}
	return nil
}

// ruleBuilder turns one nft rule into model rules (one, or one per element
// of a verdict map).
type ruleBuilder struct {
	p     *parser
	t     *table
	ch    *firewall.Chain
	where string
}

func (rb *ruleBuilder) errorf(format string, args ...any) error {
	return rb.p.errorf(rb.where, format, args...)
}

func (rb *ruleBuilder) build(exprs []any) ([]*firewall.Rule, error) {
	r := &firewall.Rule{Verdict: firewall.Continue}
	decided := false
	var expanded []*firewall.Rule
	for _, e := range exprs {
		st, ok := e.(object)
		if !ok || len(st) != 1 {
			return nil, rb.errorf("statement: want an object with one key")
		}
		for key, body := range st {
			if decided {
				// nft prints nothing after a verdict; tolerate it as
				// unreachable.
				continue
			}
			switch key {
			case "match":
				m, ok := body.(object)
				if !ok {
					return nil, rb.errorf("match: want an object")
				}
				conds, unm, err := rb.match(m)
				if err != nil {
					return nil, err
				}
				r.Conds = append(r.Conds, conds...)
				if unm != "" {
					r.Unmodelled = append(r.Unmodelled, unm)
				}
			case "vmap":
				rs, err := rb.vmap(r, body)
				if err != nil {
					return nil, err
				}
				expanded = rs
				decided = true
			case "set", "map":
				// Adds to a set (see markWritten); no effect on this rule.
			default:
				// A map lookup in a statement ("mark set ip saddr map
				// {...}") stops the rule when no key matches.
				v, isVerdict, unm, err := rb.verdict(key, body)
				if err != nil {
					return nil, err
				}
				if !isVerdict {
					lookups, lunm, err := rb.mapLookups(body)
					if err != nil {
						return nil, err
					}
					r.Conds = append(r.Conds, lookups...)
					if lunm != "" {
						r.Unmodelled = append(r.Unmodelled, lunm)
					}
				}
				if isVerdict {
					r.Verdict = v
					decided = true
					if key == "reject" {
						// "reject with icmpv6 ..." (and "meta nfproto ipv6
						// reject", printed the same) carries a meta nfproto
						// match that nft does not print.
						if fam, ok := rejectFamily(body); ok {
							r.Conds = append(r.Conds, firewall.Cond{Field: firewall.FieldFamily, Family: fam})
						}
					}
					if v.Kind == firewall.VerdictDNAT {
						if b, ok := body.(object); ok {
							if f, ok := str(b, "family"); ok {
								if fam, ok := familyName(f); ok {
									r.Conds = append(r.Conds, firewall.Cond{Field: firewall.FieldFamily, Family: fam})
								}
							}
						}
					}
					continue
				}
				if unm != "" {
					r.Unmodelled = append(r.Unmodelled, unm)
				}
			}
		}
	}
	if expanded == nil {
		expanded = []*firewall.Rule{r}
	}
	var out []*firewall.Rule
	for _, x := range expanded {
		x.Conds = dedupe(x.Conds)
		out = append(out, expand(x)...)
	}
	return out, nil
}

// dedupe drops repeated protocol and family conditions ("tcp sport 1 tcp
// dport 2" implies tcp twice).
func dedupe(conds []firewall.Cond) []firewall.Cond {
	seen := map[string]bool{}
	out := conds[:0:0]
	for _, c := range conds {
		if (c.Field == firewall.FieldProto || c.Field == firewall.FieldFamily) && !c.Not {
			k := fmt.Sprint(c.Field, c.Family, c.Protos)
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		out = append(out, c)
	}
	return out
}

// markWritten marks the sets a rule adds elements to ("update @set { ip
// saddr }"): their contents change at run time.
func (p *parser) markWritten(o object) {
	t, skip, err := p.tableOf("", o)
	if err != nil || skip {
		return
	}
	exprs, _ := o["expr"].([]any)
	for _, e := range exprs {
		st, _ := e.(object)
		for _, key := range []string{"set", "map"} {
			b, _ := st[key].(object)
			name, _ := str(b, "set")
			if name == "" {
				name, _ = str(b, "map")
			}
			s := t.sets[strings.TrimPrefix(name, "@")]
			if s == nil || s.unmodelled != "" {
				continue
			}
			s.unmodelled = "rules add elements at run time"
			if m := p.rs.Sets[s.key]; m != nil {
				m.Unmodelled = s.unmodelled
			}
		}
	}
}

func familyName(s string) (firewall.Family, bool) {
	switch s {
	case "ip", "ipv4":
		return firewall.FamilyIPv4, true
	case "ip6", "ipv6":
		return firewall.FamilyIPv6, true
	}
	return 0, false
}

// verdict reads a statement that is not a match: a verdict (isVerdict), a
// statement without effect on the verdict, or one the engine does not model
// (unm).
func (rb *ruleBuilder) verdict(key string, body any) (v firewall.Verdict, isVerdict bool, unm string, err error) {
	switch key {
	case "accept":
		return firewall.Accept, true, "", nil
	case "drop":
		return firewall.Drop, true, "", nil
	case "reject":
		return firewall.Reject, true, "", nil
	case "continue":
		return firewall.Continue, true, "", nil
	case "return":
		return firewall.Return, true, "", nil
	case "jump", "goto":
		b, ok := body.(object)
		target, ok2 := str(b, "target")
		if !ok || !ok2 {
			return v, false, "", rb.errorf("%s: want {\"target\": CHAIN}", key)
		}
		if key == "jump" {
			return firewall.Jump(target), true, "", nil
		}
		return firewall.Goto(target), true, "", nil
	case "dnat":
		v, err := rb.dnat(body)
		return v, true, "", err
	case "snat", "masquerade":
		// Source NAT ends the nat chain for this connection; the packet goes
		// on. Filtering does not depend on the new source in the hooks the
		// engine runs after postrouting.
		if rb.ch.Type != firewall.ChainNAT {
			return firewall.UnknownTarget(key + " outside a nat chain"), true, "", nil
		}
		return firewall.Accept, true, "", nil
	case "redirect":
		return firewall.UnknownTarget("redirect to a local address"), true, "", nil
	case "queue":
		return firewall.UnknownTarget("queue to user space"), true, "", nil
	case "tproxy", "synproxy", "fwd":
		return firewall.UnknownTarget(key), true, "", nil
	case "xt":
		b, _ := body.(object)
		typ, _ := str(b, "type")
		name, _ := str(b, "name")
		if typ == "target" {
			return firewall.UnknownTarget("iptables-nft target " + name), true, "", nil
		}
		return v, false, "iptables-nft " + typ + " " + name, nil
	case "limit", "quota", "meter", "ct count", "numgen":
		return v, false, key, nil
	case "notrack":
		// Untracked packets never become ESTABLISHED: what the rule
		// matches is judged by rules the engine cannot follow.
		return firewall.UnknownTarget("notrack (no connection tracking)"), true, "", nil
	case "mangle":
		// Setting a mark or a conntrack field leaves the packet alone;
		// rewriting a header (stateless NAT) does not.
		b, _ := body.(object)
		k, _ := b["key"].(object)
		if _, ok := k["payload"]; ok {
			return firewall.UnknownTarget("rewrites " + render(k)), true, "", nil
		}
		if _, ok := k["exthdr"]; ok {
			return firewall.UnknownTarget("rewrites " + render(k)), true, "", nil
		}
		return v, false, "", nil
	}
	if passStatements[key] {
		return v, false, "", nil
	}
	return v, false, "statement " + key, nil
}

func (rb *ruleBuilder) dnat(body any) (firewall.Verdict, error) {
	b, ok := body.(object)
	if !ok {
		return firewall.Verdict{}, rb.errorf("dnat: want an object")
	}
	v := firewall.Verdict{Kind: firewall.VerdictDNAT}
	if a, ok := b["addr"]; ok {
		set, unm, err := rb.addrValue(a, firewall.FamilyAny)
		if err != nil {
			return v, err
		}
		if unm != "" || set.IsEmpty() {
			return firewall.UnknownTarget("dnat to a computed address"), nil
		}
		v.ToAddrs = set
	}
	if pv, ok := b["port"]; ok {
		ports, unm, err := rb.portValue(pv)
		if err != nil {
			return v, err
		}
		if unm != "" || ports.IsEmpty() {
			return firewall.UnknownTarget("dnat to a computed port"), nil
		}
		v.ToPorts = ports
	}
	if v.ToAddrs.IsEmpty() && v.ToPorts.IsEmpty() {
		return firewall.UnknownTarget("dnat without address or port"), nil
	}
	return v, nil
}

// vmap expands "KEY vmap { V1 : verdict1, ... }" into one rule per element,
// each with the rule's conditions so far and KEY == Vi.
func (rb *ruleBuilder) vmap(r *firewall.Rule, body any) ([]*firewall.Rule, error) {
	b, ok := body.(object)
	if !ok {
		return nil, rb.errorf("vmap: want an object")
	}
	key := b["key"]
	data, ok := b["data"].(object)
	if !ok {
		// a named map ("@name"): its contents are not expanded.
		c := *r
		c.Unmodelled = append(append([]string(nil), r.Unmodelled...), "verdict map "+render(b["data"]))
		c.Verdict = firewall.UnknownTarget("verdict map " + render(b["data"]))
		return []*firewall.Rule{&c}, nil
	}
	elems, ok := data["set"].([]any)
	if !ok {
		return nil, rb.errorf("vmap: data: want {\"set\": [[key, verdict], ...]}")
	}
	var out []*firewall.Rule
	// The catch-all element "*" applies when no other key matches: it
	// comes last, with the condition that the key is none of the others.
	var keys []any
	var catchAll []any
	for _, e := range elems {
		pair, ok := e.([]any)
		if !ok || len(pair) != 2 {
			return nil, rb.errorf("vmap: element: want [key, verdict]")
		}
		if pair[0] == "*" {
			catchAll = pair
		} else {
			keys = append(keys, pair[0])
		}
	}
	if catchAll != nil {
		elems = append(slices.DeleteFunc(slices.Clone(elems), func(e any) bool {
			p, _ := e.([]any)
			return len(p) == 2 && p[0] == "*"
		}), catchAll)
	}
	for _, e := range elems {
		pair, _ := e.([]any)
		c := &firewall.Rule{Conds: append([]firewall.Cond(nil), r.Conds...), Unmodelled: append([]string(nil), r.Unmodelled...)}
		m := object{"op": "==", "left": key, "right": pair[0]}
		if pair[0] == "*" {
			m = object{"op": "!=", "left": key, "right": object{"set": keys}}
		}
		var conds []firewall.Cond
		var unm string
		var err error
		if pair[0] != "*" || len(keys) > 0 {
			conds, unm, err = rb.match(m)
		}
		if err != nil {
			return nil, err
		}
		c.Conds = append(c.Conds, conds...)
		if unm != "" {
			c.Unmodelled = append(c.Unmodelled, unm)
		}
		vo, ok := pair[1].(object)
		if !ok || len(vo) != 1 {
			return nil, rb.errorf("vmap: element verdict: want an object with one key")
		}
		for k, vb := range vo {
			v, isVerdict, unm, err := rb.verdict(k, vb)
			if err != nil {
				return nil, err
			}
			if !isVerdict {
				v = firewall.UnknownTarget("verdict map element " + k)
				if unm != "" {
					v.Reason = unm
				}
			}
			c.Verdict = v
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		// An empty map matches nothing: a condition no protocol meets.
		c := *r
		c.Conds = append(append([]firewall.Cond(nil), r.Conds...), firewall.Protos())
		out = append(out, &c)
	}
	return out, nil
}

// rejectFamily is the family a reject statement is limited to: ICMP types
// exist in one family only; "icmpx" and "tcp reset" serve both.
func rejectFamily(body any) (firewall.Family, bool) {
	b, _ := body.(object)
	switch typ, _ := str(b, "type"); typ {
	case "icmp":
		return firewall.FamilyIPv4, true
	case "icmpv6":
		return firewall.FamilyIPv6, true
	}
	return firewall.FamilyAny, false
}

// mapLookups are the conditions of the map lookups inside a statement: the
// lookup's key is one of the map's keys (a "*" element matches every key).
// The kernel stops evaluating the rule when the lookup finds nothing.
func (rb *ruleBuilder) mapLookups(body any) ([]firewall.Cond, string, error) {
	var conds []firewall.Cond
	var unms []string
	var walk func(v any, depth int) error
	walk = func(v any, depth int) error {
		if depth > 8 {
			return nil
		}
		switch x := v.(type) {
		case object:
			if m, ok := x["map"].(object); ok {
				if _, hasKey := m["key"]; hasKey {
					c, unm, err := rb.mapKeyMatch(m)
					if err != nil {
						return err
					}
					conds = append(conds, c...)
					if unm != "" {
						unms = append(unms, unm)
					}
					return nil
				}
			}
			for _, k := range sortedKeys(x) {
				if err := walk(x[k], depth+1); err != nil {
					return err
				}
			}
		case []any:
			for _, e := range x {
				if err := walk(e, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(body, 0); err != nil {
		return nil, "", err
	}
	return conds, strings.Join(unms, "; "), nil
}

// mapKeyMatch is "KEY in the keys of the map m" ({"key": K, "data": D}).
func (rb *ruleBuilder) mapKeyMatch(m object) ([]firewall.Cond, string, error) {
	data, ok := m["data"].(object)
	if !ok {
		return nil, "map lookup " + render(m["data"]), nil
	}
	elems, ok := data["set"].([]any)
	if !ok {
		return nil, "map lookup " + render(m["data"]), nil
	}
	var keys []any
	for _, e := range elems {
		pair, ok := e.([]any)
		if !ok || len(pair) != 2 {
			return nil, "", rb.errorf("map: element: want [key, value]")
		}
		if pair[0] == "*" {
			return nil, "", nil // every key is found
		}
		keys = append(keys, pair[0])
	}
	if len(keys) == 0 {
		return []firewall.Cond{firewall.Protos()}, "", nil // finds nothing
	}
	return rb.match(object{"op": "==", "left": m["key"], "right": object{"set": keys}})
}

func sortedKeys(o object) []string {
	ks := make([]string, 0, len(o))
	for k := range o {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// valueKind is what a match's left side is.
type valueKind uint8

const (
	kindOther valueKind = iota
	kindAddr
	kindPort
	kindProto
	kindCtState
	kindCtStatus
	kindIface
	kindNfproto
	kindTCPFlags
	kindLocal
)

// left is a decoded left-hand side of a match.
type left struct {
	kind   valueKind
	field  firewall.Field
	family firewall.Family // of the header the value comes from
	// implied conditions (protocol of the header read).
	implied []firewall.Cond
	// unm: the left side is not modelled (its name).
	unm  string
	mask uint8 // kindTCPFlags: the bits compared ("tcp flags & (syn|ack)")
}

var portProtos = map[string]uint8{
	"tcp": firewall.ProtoTCP, "udp": firewall.ProtoUDP, "sctp": firewall.ProtoSCTP,
	"dccp": 33, "udplite": 136,
}

func (rb *ruleBuilder) left(v any) left {
	o, ok := v.(object)
	if !ok || len(o) != 1 {
		return left{unm: "match on " + render(v)}
	}
	if and, ok := o["&"].([]any); ok && len(and) == 2 {
		// "tcp flags & (syn | ack)": the only masked value modelled.
		l := rb.left(and[0])
		mask, ok := tcpFlagBits(and[1])
		if l.kind != kindTCPFlags || !ok {
			return left{unm: render(v) + " & " + render(and[1]), implied: l.implied, family: l.family}
		}
		l.mask = mask
		return l
	}
	if fib, ok := o["fib"].(object); ok {
		// "fib daddr type local": the address is one of this host's.
		result, _ := str(fib, "result")
		flags, _ := fib["flags"].([]any)
		if result == "type" && len(flags) == 1 {
			switch flags[0] {
			case "daddr":
				return left{kind: kindLocal, field: firewall.FieldDstLocal}
			case "saddr":
				return left{kind: kindLocal, field: firewall.FieldSrcLocal}
			}
		}
		return left{unm: "fib " + render(flags) + " " + result}
	}
	if pl, ok := o["payload"].(object); ok {
		proto, _ := str(pl, "protocol")
		field, _ := str(pl, "field")
		name := proto + " " + field
		if proto == "" {
			return left{unm: "raw payload " + render(v)}
		}
		l := left{unm: name}
		switch proto {
		case "ip":
			l.family = firewall.FamilyIPv4
		case "ip6":
			l.family = firewall.FamilyIPv6
		case "icmp":
			l.family = firewall.FamilyIPv4
			l.implied = []firewall.Cond{firewall.Protos(firewall.ProtoICMP)}
		case "icmpv6":
			l.family = firewall.FamilyIPv6
			l.implied = []firewall.Cond{firewall.Protos(firewall.ProtoICMPv6)}
		default:
			if ipv6Headers[proto] {
				l.family = firewall.FamilyIPv6
			}
		}
		if pn, ok := portProtos[proto]; ok {
			l.implied = []firewall.Cond{firewall.Protos(pn)}
		}
		switch {
		case (proto == "ip" || proto == "ip6") && field == "saddr":
			l.kind, l.field, l.unm = kindAddr, firewall.FieldSrcAddr, ""
		case (proto == "ip" || proto == "ip6") && field == "daddr":
			l.kind, l.field, l.unm = kindAddr, firewall.FieldDstAddr, ""
		case proto == "ip" && field == "protocol", proto == "ip6" && field == "nexthdr":
			l.kind, l.field, l.unm = kindProto, firewall.FieldProto, ""
		case proto == "tcp" && field == "flags":
			l.kind, l.field, l.unm, l.mask = kindTCPFlags, firewall.FieldTCPFlags, "", 0xff
		case (portProtos[proto] != 0 || proto == "th") && field == "sport":
			l.kind, l.field, l.unm = kindPort, firewall.FieldSrcPort, ""
		case (portProtos[proto] != 0 || proto == "th") && field == "dport":
			l.kind, l.field, l.unm = kindPort, firewall.FieldDstPort, ""
		}
		return l
	}
	if m, ok := o["meta"].(object); ok {
		key, _ := str(m, "key")
		switch key {
		case "l4proto":
			return left{kind: kindProto, field: firewall.FieldProto}
		case "nfproto", "protocol":
			return left{kind: kindNfproto, field: firewall.FieldFamily}
		case "iifname", "iif":
			return left{kind: kindIface, field: firewall.FieldInIface}
		case "oifname", "oif":
			return left{kind: kindIface, field: firewall.FieldOutIface}
		}
		return left{unm: "meta " + key}
	}
	if c, ok := o["ct"].(object); ok {
		key, _ := str(c, "key")
		if _, hasDir := c["dir"]; !hasDir {
			switch key {
			case "state":
				return left{kind: kindCtState, field: firewall.FieldCtState}
			case "status":
				// The engine does not track NAT status bits (CtDNAT/CtSNAT
				// never match): unmodelled, as the iptables reader does.
				return left{unm: "ct status"}
			}
		}
		return left{unm: "ct " + render(c["dir"]) + key}
	}
	if x, ok := o["exthdr"].(object); ok {
		// IPv6 extension headers: never found in an IPv4 packet.
		name, _ := str(x, "name")
		field, _ := str(x, "field")
		return left{unm: strings.TrimSpace("exthdr " + name + " " + field), family: firewall.FamilyIPv6}
	}
	for k := range o {
		return left{unm: k + " " + render(v)}
	}
	return left{unm: render(v)}
}

// ipv6Headers are the payload protocols of IPv6 extension headers.
var ipv6Headers = map[string]bool{"hbh": true, "rt": true, "rt0": true, "rt2": true, "srh": true, "frag": true, "dst": true, "mh": true}

// match turns a match expression into conditions; unm is not empty when the
// match (or part of it) is not modelled.
func (rb *ruleBuilder) match(m object) ([]firewall.Cond, string, error) {
	op, _ := str(m, "op")
	if op == "" {
		op = "=="
	}
	l := rb.left(m["left"])
	right := m["right"]
	var conds []firewall.Cond
	for _, c := range l.implied {
		conds = append(conds, firewall.InFamily(c, l.family))
	}
	if l.family != firewall.FamilyAny && len(l.implied) == 0 {
		conds = append(conds, firewall.Cond{Field: firewall.FieldFamily, Family: l.family})
	}
	text := render(m["left"]) + " " + op + " " + render(right)
	if l.unm != "" {
		return conds, l.unm, nil
	}
	not := false
	switch op {
	case "==":
	case "!=":
		not = true
	case "in":
		if l.kind != kindCtState && l.kind != kindCtStatus && l.kind != kindTCPFlags {
			return conds, text, nil
		}
	case "<", ">", "<=", ">=":
		if l.kind != kindPort && l.kind != kindAddr && l.kind != kindProto {
			return conds, text, nil
		}
	default:
		return conds, text, nil
	}
	c := firewall.Cond{Field: l.field, Not: not, Family: l.family}
	var unm string
	var err error
	switch l.kind {
	case kindAddr:
		if s, ok := right.(string); ok && strings.HasPrefix(s, "@") {
			ns := rb.t.sets[s[1:]]
			switch {
			case ns == nil:
				return nil, "", rb.errorf("set %s is not listed in table %s", s, rb.t.t.Name)
			case ns.kind != kindAddr || ns.isMap:
				unm = "set " + s + " is not an address set"
			default:
				c.SetName = ns.key
			}
			break
		}
		var set firewall.AddrSet
		set, unm, err = rb.addrValue(right, l.family)
		if err == nil && unm == "" && op != "==" && op != "!=" {
			set, err = rb.addrCompare(op, set, l.family)
		}
		c.Addrs = set
	case kindPort:
		var ports firewall.PortSet
		ports, unm, err = rb.portValue(right)
		if err == nil && unm == "" && op != "==" && op != "!=" {
			ports, err = rb.portCompare(op, ports)
		}
		c.Ports = ports
	case kindProto:
		var protos []uint8
		protos, unm, err = rb.protoValue(right)
		if err == nil && unm == "" && op != "==" && op != "!=" {
			protos, err = protoCompare(op, protos)
			if err != nil {
				err = rb.errorf("%s: %v", text, err)
			}
		}
		c.Protos = protos // empty: no protocol (a comparison nothing meets)
	case kindCtState, kindCtStatus:
		c.CtStates, unm, err = rb.ctValue(right, l.kind)
	case kindIface:
		var names []string
		names, unm = rb.ifaceValue(right)
		if unm == "" && not {
			// not any of them: each one is a condition
			for _, n := range names {
				conds = append(conds, firewall.Cond{Field: l.field, Not: true, Iface: n})
			}
			return conds, "", nil
		}
		c.Iface = strings.Join(names, alternatives)
	case kindTCPFlags:
		bits, ok := tcpFlagBits(right)
		switch {
		case !ok:
			unm = text
		case op == "in":
			// "tcp flags syn": any of the bits set; one bit is a mask.
			if l.mask != 0xff || bits&(bits-1) != 0 || bits == 0 {
				unm = text
			}
			c.TCPMask, c.TCPComp = bits, bits
		default:
			c.TCPMask, c.TCPComp = l.mask, bits
			if bits&^l.mask != 0 {
				// can never be equal: matches nothing (or, negated,
				// every tcp packet)
				c = firewall.Cond{Field: firewall.FieldProto, Not: not}
			}
		}
	case kindLocal:
		typ, ok := right.(string)
		if !ok || typ != "local" {
			return conds, text, nil
		}
	case kindNfproto:
		fam, ok := right.(string)
		f, known := familyName(fam)
		if !ok || !known {
			return conds, text, nil
		}
		if not {
			f = otherFamily(f)
		}
		conds = append(conds, firewall.Cond{Field: firewall.FieldFamily, Family: f})
		return conds, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	if unm != "" {
		return conds, unm, nil
	}
	if c.Family != firewall.FamilyAny && len(l.implied) == 0 {
		conds = nil // c itself only matches its family
	}
	return append(conds, c), "", nil
}

func (rb *ruleBuilder) addrCompare(op string, s firewall.AddrSet, fam firewall.Family) (firewall.AddrSet, error) {
	a, ok := s.First()
	if !ok || !s.Equal(firewall.AddrOf(a)) {
		return s, rb.errorf("%s: want one address", op)
	}
	var lo, hi netip.Addr
	all := firewall.AllAddrs(familyOf(a))
	min, _ := all.First()
	max := lastAddr(familyOf(a))
	switch op {
	case "<":
		if a == min {
			return firewall.AddrSet{}, nil
		}
		lo, hi = min, a.Prev()
	case "<=":
		lo, hi = min, a
	case ">":
		if a == max {
			return firewall.AddrSet{}, nil
		}
		lo, hi = a.Next(), max
	case ">=":
		lo, hi = a, max
	}
	return firewall.RangeSet(lo, hi)
}

func otherFamily(f firewall.Family) firewall.Family {
	if f == firewall.FamilyIPv4 {
		return firewall.FamilyIPv6
	}
	return firewall.FamilyIPv4
}

func familyOf(a netip.Addr) firewall.Family {
	if a.Is4() {
		return firewall.FamilyIPv4
	}
	return firewall.FamilyIPv6
}

func lastAddr(f firewall.Family) netip.Addr {
	if f == firewall.FamilyIPv4 {
		return netip.AddrFrom4([4]byte{255, 255, 255, 255})
	}
	var b [16]byte
	for i := range b {
		b[i] = 0xff
	}
	return netip.AddrFrom16(b)
}

func (rb *ruleBuilder) portCompare(op string, s firewall.PortSet) (firewall.PortSet, error) {
	p, ok := s.First()
	if !ok || !s.Equal(firewall.Port(p)) {
		return s, rb.errorf("%s: want one port", op)
	}
	switch op {
	case "<":
		if p == 0 {
			return firewall.PortSet{}, nil
		}
		return firewall.Ports(0, p-1), nil
	case "<=":
		return firewall.Ports(0, p), nil
	case ">":
		if p == 65535 {
			return firewall.PortSet{}, nil
		}
		return firewall.Ports(p+1, 65535), nil
	}
	return firewall.Ports(p, 65535), nil
}

func protoCompare(op string, ps []uint8) ([]uint8, error) {
	if len(ps) != 1 {
		return nil, fmt.Errorf("want one protocol")
	}
	var out []uint8
	for i := 0; i < 256; i++ {
		p := int(ps[0])
		if (op == "<" && i < p) || (op == "<=" && i <= p) || (op == ">" && i > p) || (op == ">=" && i >= p) {
			out = append(out, uint8(i))
		}
	}
	return out, nil
}

// elemValue unwraps {"elem": {"val": V, ...}} as nft prints elements with
// timeouts or comments.
func elemValue(v any) any {
	if o, ok := v.(object); ok && len(o) == 1 {
		if e, ok := o["elem"].(object); ok {
			return e["val"]
		}
	}
	return v
}

// addrValue reads an address, prefix, range or anonymous set of them; fam
// is the family the header has (FamilyAny: either).
func (rb *ruleBuilder) addrValue(v any, fam firewall.Family) (firewall.AddrSet, string, error) {
	v = elemValue(v)
	switch x := v.(type) {
	case string:
		if strings.HasPrefix(x, "@") {
			return firewall.AddrSet{}, "set reference " + x, nil
		}
		a, err := netip.ParseAddr(x)
		if err != nil || a.Zone() != "" {
			return firewall.AddrSet{}, "", rb.errorf("bad address %q", x)
		}
		if err := rb.checkFamily(a, fam); err != nil {
			return firewall.AddrSet{}, "", err
		}
		return firewall.AddrOf(a), "", nil
	case object:
		if pr, ok := x["prefix"].(object); ok {
			as, _ := str(pr, "addr")
			n, ok := num(pr["len"])
			a, err := netip.ParseAddr(as)
			if err != nil || !ok || a.Zone() != "" || n < 0 || n > int64(a.BitLen()) {
				return firewall.AddrSet{}, "", rb.errorf("bad prefix %s", render(x))
			}
			if err := rb.checkFamily(a, fam); err != nil {
				return firewall.AddrSet{}, "", err
			}
			return firewall.PrefixSet(netip.PrefixFrom(a, int(n)).Masked()), "", nil
		}
		if r, ok := x["range"].([]any); ok && len(r) == 2 {
			s1, _ := elemValue(r[0]).(string)
			s2, _ := elemValue(r[1]).(string)
			a, err1 := netip.ParseAddr(s1)
			b, err2 := netip.ParseAddr(s2)
			if err1 != nil || err2 != nil || a.Zone() != "" || b.Zone() != "" {
				return firewall.AddrSet{}, "", rb.errorf("bad address range %s", render(x))
			}
			if err := rb.checkFamily(a, fam); err != nil {
				return firewall.AddrSet{}, "", err
			}
			s, err := firewall.RangeSet(a, b)
			if err != nil {
				return firewall.AddrSet{}, "", rb.errorf("bad address range %s: %v", render(x), err)
			}
			return s, "", nil
		}
		if elems, ok := x["set"].([]any); ok {
			var out firewall.AddrSet
			for _, e := range elems {
				s, unm, err := rb.addrValue(e, fam)
				if err != nil || unm != "" {
					return s, unm, err
				}
				out = out.Union(s)
			}
			return out, "", nil
		}
	}
	return firewall.AddrSet{}, "address " + render(v), nil
}

func (rb *ruleBuilder) checkFamily(a netip.Addr, fam firewall.Family) error {
	if fam != firewall.FamilyAny && familyOf(a.Unmap()) != fam && !(fam == firewall.FamilyIPv6 && a.Is4In6()) {
		return rb.errorf("address %s in a %s match", a, fam)
	}
	return nil
}

func (rb *ruleBuilder) portValue(v any) (firewall.PortSet, string, error) {
	v = elemValue(v)
	switch x := v.(type) {
	case json.Number:
		n, ok := num(x)
		if !ok || n < 0 || n > 65535 {
			return firewall.PortSet{}, "", rb.errorf("bad port %s", x)
		}
		return firewall.Port(uint16(n)), "", nil
	case string:
		if strings.HasPrefix(x, "@") {
			ns := rb.t.sets[x[1:]]
			switch {
			case ns == nil:
				return firewall.PortSet{}, "", rb.errorf("set %s is not listed in table %s", x, rb.t.t.Name)
			case ns.unmodelled != "":
				return firewall.PortSet{}, "set " + x + ": " + ns.unmodelled, nil
			case ns.kind != kindPort || ns.isMap:
				return firewall.PortSet{}, "set " + x + " is not a port set", nil
			}
			return ns.ports, "", nil
		}
		if n, err := strconv.ParseUint(x, 10, 16); err == nil {
			return firewall.Port(uint16(n)), "", nil
		}
		return firewall.PortSet{}, "service name " + strconv.Quote(x), nil
	case object:
		if r, ok := x["range"].([]any); ok && len(r) == 2 {
			a, _, err1 := rb.portValue(r[0])
			b, _, err2 := rb.portValue(r[1])
			lo, ok1 := a.First()
			hi, ok2 := b.First()
			if err1 != nil || err2 != nil || !ok1 || !ok2 || lo > hi {
				return firewall.PortSet{}, "", rb.errorf("bad port range %s", render(x))
			}
			return firewall.Ports(lo, hi), "", nil
		}
		if elems, ok := x["set"].([]any); ok {
			var out firewall.PortSet
			for _, e := range elems {
				s, unm, err := rb.portValue(e)
				if err != nil || unm != "" {
					return s, unm, err
				}
				out = out.Union(s)
			}
			return out, "", nil
		}
	}
	return firewall.PortSet{}, "port " + render(v), nil
}

func (rb *ruleBuilder) protoValue(v any) ([]uint8, string, error) {
	v = elemValue(v)
	switch x := v.(type) {
	case json.Number:
		n, ok := num(x)
		if !ok || n < 0 || n > 255 {
			return nil, "", rb.errorf("bad protocol %s", x)
		}
		return []uint8{uint8(n)}, "", nil
	case string:
		if strings.HasPrefix(x, "@") {
			ns := rb.t.sets[x[1:]]
			switch {
			case ns == nil:
				return nil, "", rb.errorf("set %s is not listed in table %s", x, rb.t.t.Name)
			case ns.unmodelled != "":
				return nil, "set " + x + ": " + ns.unmodelled, nil
			case ns.kind != kindProto || ns.isMap:
				return nil, "set " + x + " is not a protocol set", nil
			}
			return ns.protos, "", nil
		}
		if p, ok := protocol.Number(x); ok {
			return []uint8{p}, "", nil
		}
		return nil, "protocol " + strconv.Quote(x), nil
	case object:
		if elems, ok := x["set"].([]any); ok {
			var out []uint8
			for _, e := range elems {
				s, unm, err := rb.protoValue(e)
				if err != nil || unm != "" {
					return s, unm, err
				}
				out = append(out, s...)
			}
			return out, "", nil
		}
		if r, ok := x["range"].([]any); ok && len(r) == 2 {
			a, u1, err1 := rb.protoValue(r[0])
			b, u2, err2 := rb.protoValue(r[1])
			if err1 != nil || err2 != nil || u1 != "" || u2 != "" || len(a) != 1 || len(b) != 1 || a[0] > b[0] {
				return nil, "", rb.errorf("bad protocol range %s", render(x))
			}
			var out []uint8
			for i := int(a[0]); i <= int(b[0]); i++ {
				out = append(out, uint8(i))
			}
			return out, "", nil
		}
	}
	return nil, "protocol " + render(v), nil
}

var tcpFlagNames = map[string]uint8{
	"fin": firewall.TCPFin, "syn": firewall.TCPSyn, "rst": firewall.TCPRst, "psh": firewall.TCPPsh,
	"ack": firewall.TCPAck, "urg": firewall.TCPUrg, "ecn": 0x40, "cwr": 0x80,
}

// tcpFlagBits reads "syn", ["syn", "ack"] (an OR of flags) or a number.
func tcpFlagBits(v any) (uint8, bool) {
	switch x := v.(type) {
	case string:
		b, ok := tcpFlagNames[x]
		return b, ok
	case json.Number:
		n, ok := num(x)
		return uint8(n), ok && n >= 0 && n <= 255
	case []any:
		var out uint8
		for _, e := range x {
			b, ok := tcpFlagBits(e)
			if !ok {
				return 0, false
			}
			out |= b
		}
		return out, true
	case object:
		if elems, ok := x["|"].([]any); ok {
			return tcpFlagBits(elems)
		}
	}
	return 0, false
}

var ctStates = map[string]firewall.CtState{
	"new": firewall.CtNew, "established": firewall.CtEstablished, "related": firewall.CtRelated,
	"invalid": firewall.CtInvalid, "untracked": firewall.CtUntracked,
}

var ctStatuses = map[string]firewall.CtState{"dnat": firewall.CtDNAT, "snat": firewall.CtSNAT}

func (rb *ruleBuilder) ctValue(v any, kind valueKind) (firewall.CtState, string, error) {
	names := ctStates
	if kind == kindCtStatus {
		names = ctStatuses
	}
	v = elemValue(v)
	switch x := v.(type) {
	case string:
		if s, ok := names[x]; ok {
			return s, "", nil
		}
		if strings.HasPrefix(x, "@") {
			return 0, "ct set " + x, nil
		}
		return 0, "ct value " + strconv.Quote(x), nil
	case []any:
		var out firewall.CtState
		for _, e := range x {
			s, unm, err := rb.ctValue(e, kind)
			if err != nil || unm != "" {
				return 0, unm, err
			}
			out |= s
		}
		return out, "", nil
	case object:
		if elems, ok := x["set"].([]any); ok {
			return rb.ctValue(elems, kind)
		}
	}
	return 0, "ct value " + render(v), nil
}

// ifaceValue reads an interface name or an anonymous set of names; unm is
// not empty for what cannot be compared with names (interface indexes).
func (rb *ruleBuilder) ifaceValue(v any) (names []string, unm string) {
	v = elemValue(v)
	switch x := v.(type) {
	case string:
		// nft's "eth*" wildcard is iptables' "eth+".
		if strings.HasSuffix(x, "*") && !strings.HasSuffix(x, "\\*") {
			x = strings.TrimSuffix(x, "*") + "+"
		}
		if x == "" || strings.ContainsRune(x, 0) {
			return nil, "interface " + strconv.Quote(x)
		}
		return []string{x}, ""
	case object:
		if elems, ok := x["set"].([]any); ok {
			for _, e := range elems {
				n, unm := rb.ifaceValue(e)
				if unm != "" {
					return nil, unm
				}
				names = append(names, n...)
			}
			sort.Strings(names)
			return names, ""
		}
	}
	return nil, "interface " + render(v)
}

// alternatives separates the names of a condition on one of several
// interfaces ("iifname { eth0, eth1 }"); expand makes one rule of each.
const alternatives = "\x00"

// maxExpansion bounds the rules one nft rule may become.
const maxExpansion = 256

// expand turns a rule whose interface conditions list alternatives into one
// rule per combination, in order: a packet has one input and one output
// interface, so first-match order is kept.
func expand(r *firewall.Rule) []*firewall.Rule {
	out := []*firewall.Rule{r}
	for i, c := range r.Conds {
		if (c.Field != firewall.FieldInIface && c.Field != firewall.FieldOutIface) || !strings.Contains(c.Iface, alternatives) {
			continue
		}
		names := strings.Split(c.Iface, alternatives)
		if len(out)*len(names) > maxExpansion {
			cp := *r
			cp.Conds = nil
			for _, c := range r.Conds {
				if !strings.Contains(c.Iface, alternatives) {
					cp.Conds = append(cp.Conds, c)
				}
			}
			cp.Unmodelled = append(append([]string(nil), r.Unmodelled...), "more than 256 interface combinations")
			return []*firewall.Rule{&cp}
		}
		var next []*firewall.Rule
		for _, o := range out {
			for _, n := range names {
				cp := *o
				cp.Conds = append([]firewall.Cond(nil), o.Conds...)
				cp.Conds[i].Iface = n
				next = append(next, &cp)
			}
		}
		out = next
	}
	return out
}

// set reads a named set or map.
func (p *parser) set(i int, o object, isMap bool) error {
	name, ok := str(o, "name")
	where := fmt.Sprintf("nftables[%d] set", i)
	if !ok {
		return p.errorf(where, "no name")
	}
	t, skip, err := p.tableOf(where+" "+name, o)
	if err != nil || skip {
		return err
	}
	where = t.t.Name + " set " + name
	if t.sets[name] != nil {
		return p.errorf(where, "listed twice")
	}
	ns := &namedSet{name: name, isMap: isMap}
	t.sets[name] = ns
	rb := &ruleBuilder{p: p, t: t, where: where}
	typ, _ := o["type"].(string)
	var fam firewall.Family
	switch typ {
	case "ipv4_addr":
		ns.kind, fam = kindAddr, firewall.FamilyIPv4
	case "ipv6_addr":
		ns.kind, fam = kindAddr, firewall.FamilyIPv6
	case "inet_service":
		ns.kind = kindPort
	case "inet_proto":
		ns.kind = kindProto
	default:
		ns.unmodelled = "type " + render(o["type"])
	}
	if isMap {
		ns.unmodelled = "a map"
	}
	if flags, ok := o["flags"].([]any); ok {
		for _, f := range flags {
			if f == "dynamic" || f == "timeout" {
				ns.unmodelled = "its elements change at run time (flags " + render(f) + ")"
			}
		}
	}
	if _, ok := o["timeout"]; ok && ns.unmodelled == "" {
		ns.unmodelled = "its elements time out"
	}
	elems, _ := o["elem"].([]any)
	if ns.unmodelled == "" {
		switch ns.kind {
		case kindAddr:
			for _, e := range elems {
				s, unm, err := rb.addrValue(e, fam)
				if err != nil {
					return err
				}
				if unm != "" {
					ns.unmodelled = unm
					break
				}
				ns.addrs = ns.addrs.Union(s)
			}
		case kindPort:
			for _, e := range elems {
				s, unm, err := rb.portValue(e)
				if err != nil {
					return err
				}
				if unm != "" {
					ns.unmodelled = unm
					break
				}
				ns.ports = ns.ports.Union(s)
			}
		case kindProto:
			for _, e := range elems {
				s, unm, err := rb.protoValue(e)
				if err != nil {
					return err
				}
				if unm != "" {
					ns.unmodelled = unm
					break
				}
				ns.protos = append(ns.protos, s...)
			}
		}
	}
	if ns.kind == kindAddr && !isMap {
		ns.key = "nft " + t.t.Name + " @" + name
		if p.rs.Sets == nil {
			p.rs.Sets = map[string]*firewall.Set{}
		}
		p.rs.Sets[ns.key] = &firewall.Set{Name: ns.key, Addrs: ns.addrs, Unmodelled: ns.unmodelled, Pos: firewall.Pos{File: p.file}}
	}
	return nil
}
