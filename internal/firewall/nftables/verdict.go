// Verdict statements: accept, drop, jump, dnat, reject, and verdict maps
// expanded into one rule per element.

package nftables

import (
	"slices"
	"sort"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

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
		j := readJump(body)
		if !j.ok {
			return v, false, "", rb.errorf("%s: want {\"target\": CHAIN}", key)
		}
		if key == "jump" {
			return firewall.Jump(j.target), true, "", nil
		}
		return firewall.Goto(j.target), true, "", nil
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
		x := readXT(body)
		if x.typ == "target" {
			return firewall.UnknownTarget("iptables-nft target " + x.name), true, "", nil
		}
		return v, false, "iptables-nft " + x.typ + " " + x.name, nil
	case "limit", "quota", "meter", "ct count", "numgen":
		return v, false, key, nil
	case "notrack":
		// Untracked packets never become ESTABLISHED: what the rule
		// matches is judged by rules the engine cannot follow.
		return firewall.UnknownTarget("notrack (no connection tracking)"), true, "", nil
	case "mangle":
		// Setting a mark or a conntrack field leaves the packet alone;
		// rewriting a header (stateless NAT) does not.
		k := readMangle(body).key
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
	n := readNAT(b)
	v := firewall.Verdict{Kind: firewall.VerdictDNAT}
	if n.hasAddr {
		set, unm, err := rb.addrValue(n.addr, firewall.FamilyAny)
		if err != nil {
			return v, err
		}
		if unm != "" || set.IsEmpty() {
			return firewall.UnknownTarget("dnat to a computed address"), nil
		}
		v.ToAddrs = set
	}
	if n.hasPort {
		ports, unm, err := rb.portValue(n.port)
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
