// Rules: one nft rule's statements into model rules, in order, expanded
// over interface alternatives.

package nftables

import (
	"fmt"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

// Rule statements that neither match nor decide: the rule goes on.
var passStatements = map[string]bool{
	"counter": true, "log": true, "dup": true,
	"set": true, "map": true, "meter": false, "ct helper": true, "ct timeout": true,
	"ct expectation": true, "secmark": true, "xt": false, "last": true,
}

func (p *parser) rule(i int, o ruleObject) error {
	chName := o.chain
	where := fmt.Sprintf("nftables[%d] rule", i)
	t, skip, err := p.tableOf(where, o.tableRef)
	if err != nil || skip {
		return err
	}
	handle := o.handle
	where = fmt.Sprintf("%s chain %s rule handle %d", t.t.Name, chName, handle)
	ch := t.t.Chain(chName)
	if ch == nil {
		return p.errorf(where, "chain %s is not listed", chName)
	}
	exprs := o.expr
	if !o.hasExpr {
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
				addMatch(r, conds, unm)
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
					addMatch(r, lookups, lunm)
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
							if n := readNAT(b); n.hasFamily {
								if fam, ok := familyName(n.family); ok {
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
// addMatch adds the conditions of a match to r, and what of it is not
// modelled (unm, when not empty).
func addMatch(r *firewall.Rule, conds []firewall.Cond, unm string) {
	r.Conds = append(r.Conds, conds...)
	if unm != "" {
		r.Unmodelled = append(r.Unmodelled, unm)
	}
}

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
func (p *parser) markWritten(o ruleObject) {
	t, skip, err := p.tableOf("", o.tableRef)
	if err != nil || skip {
		return
	}
	for _, e := range o.expr {
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
