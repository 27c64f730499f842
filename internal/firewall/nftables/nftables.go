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

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// maxObjects bounds the work on hostile input; real rulesets are far smaller.
const maxObjects = 4_000_000

// table is a table being read, with its named sets.
type table struct {
	t      *firewall.Table
	family string // nft family name
	sets   map[string]*namedSet
}

type parser struct {
	file   string
	rs     *firewall.Ruleset
	tables map[string]*table // "family name"
	chains map[*firewall.Chain]*chainInfo
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
					p.markWritten(readRule(it.o))
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
				err = p.table(it.i, readTable(it.o))
			case "set", "map":
				err = p.set(it.i, readSet(it.o), it.kind == "map")
			case "chain":
				err = p.chain(it.i, readChain(it.o))
			case "rule":
				err = p.rule(it.i, readRule(it.o))
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

func (p *parser) table(i int, o tableObject) error {
	where := fmt.Sprintf("nftables[%d] table", i)
	fam, name := o.family, o.name
	if !o.named {
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

// place finds the table of the chain or set (kind) named name at
// nftables[i], and the key its errors name from then on ("inet fw chain
// input"); skip when the table's family is skipped.
func (p *parser) place(i int, kind, name string, named bool, ref tableRef) (t *table, where string, skip bool, err error) {
	where = fmt.Sprintf("nftables[%d] %s", i, kind)
	if !named {
		return nil, where, false, p.errorf(where, "no name")
	}
	t, skip, err = p.tableOf(where+" "+name, ref)
	if err != nil || skip {
		return nil, where, skip, err
	}
	return t, t.t.Name + " " + kind + " " + name, false, nil
}

// tableOf finds the table of a chain, set or rule; skip when it belongs to
// a skipped family.
func (p *parser) tableOf(where string, o tableRef) (*table, bool, error) {
	fam, name := o.family, o.table
	if !o.hasTable {
		return nil, false, p.errorf(where, "no table")
	}
	_, skip, ok := tableFamily(fam)
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
