// The typed top-level objects of `nft -j list ruleset` (libnftables-json(5)):
// {"nftables": [{"metainfo": ...}, {"table": ...}, {"chain": ...},
// {"set": ...}, {"map": ...}, {"rule": ...}, ...]}. They are read from the
// one generic decode of the document, so that every field is typed here and
// the rest of the reader never looks keys up; only a rule's "expr" array
// stays polymorphic (its statements are objects of many shapes). A field of
// the wrong JSON type reads as absent, as the parser always did: the
// messages then name what is missing.

package nftables

import (
	"encoding/json"
	"strconv"
)

// object is a JSON object of the generic decode.
type object = map[string]any

// tableRef is the family and table that a chain, set or rule belongs to.
type tableRef struct {
	family   string
	table    string
	hasTable bool // "table" is a string
}

// tableObject is {"table": {"family": "inet", "name": "fw", "handle": 1}}.
type tableObject struct {
	family string
	name   string
	named  bool
}

// chainObject is {"chain": {"family", "table", "name", "handle", and for a
// base chain "type", "hook", "prio", "policy", "dev"}}.
type chainObject struct {
	tableRef
	name   string
	named  bool
	hook   string
	isBase bool // "hook" is a string
	typ    string
	prio   any // a number, a standard priority name ("filter + 10"), or absent
	policy string
	dev    any // a device name or a list of them (ingress/egress)
}

// ruleObject is {"rule": {"family", "table", "chain", "handle", "expr": [...]}}.
type ruleObject struct {
	tableRef
	chain   string
	handle  int64
	expr    []any
	hasExpr bool // "expr" is an array
}

// setObject is {"set": {...}} or {"map": {...}}: "type" is a type name or a
// list of them (concatenations), "flags" a list of words, "elem" the
// elements.
type setObject struct {
	tableRef
	name    string
	named   bool
	typ     any
	flags   []any
	timeout bool // has a "timeout"
	elem    []any
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

func readTableRef(o object) tableRef {
	var r tableRef
	r.family, _ = str(o, "family")
	r.table, r.hasTable = str(o, "table")
	return r
}

func readTable(o object) tableObject {
	var t tableObject
	t.family, _ = str(o, "family")
	t.name, t.named = str(o, "name")
	return t
}

func readChain(o object) chainObject {
	c := chainObject{tableRef: readTableRef(o), prio: o["prio"], dev: o["dev"]}
	c.name, c.named = str(o, "name")
	c.hook, c.isBase = str(o, "hook")
	c.typ, _ = str(o, "type")
	c.policy, _ = str(o, "policy")
	return c
}

func readRule(o object) ruleObject {
	r := ruleObject{tableRef: readTableRef(o)}
	r.chain, _ = str(o, "chain")
	r.handle, _ = num(o["handle"])
	r.expr, r.hasExpr = o["expr"].([]any)
	return r
}

func readSet(o object) setObject {
	s := setObject{tableRef: readTableRef(o), typ: o["type"]}
	s.name, s.named = str(o, "name")
	s.flags, _ = o["flags"].([]any)
	_, s.timeout = o["timeout"]
	s.elem, _ = o["elem"].([]any)
	return s
}

// Statements of a rule's "expr" array whose bodies have a fixed shape are
// read into these; a body of the wrong JSON type reads as empty.

// jumpStatement is {"jump": {"target": CHAIN}} or {"goto": {...}}.
type jumpStatement struct {
	target string
	ok     bool // "target" is a string
}

// natStatement is {"dnat": {"addr": ..., "port": ..., "family": "ip"}}:
// addr and port are values (an address, a set, a map lookup...).
type natStatement struct {
	addr, port       any
	hasAddr, hasPort bool
	family           string
	hasFamily        bool
}

// xtStatement is {"xt": {"type": "match" | "target", "name": N}}, an
// iptables-nft extension nft prints but cannot translate.
type xtStatement struct {
	typ, name string
}

// mangleStatement is {"mangle": {"key": EXPR, "value": ...}}; key is the
// expression written (meta mark, ct mark, a payload field...).
type mangleStatement struct {
	key object
}

func readJump(body any) jumpStatement {
	b, ok := body.(object)
	var j jumpStatement
	j.target, j.ok = str(b, "target")
	j.ok = j.ok && ok
	return j
}

func readNAT(b object) natStatement {
	var n natStatement
	n.addr, n.hasAddr = b["addr"]
	n.port, n.hasPort = b["port"]
	n.family, n.hasFamily = str(b, "family")
	return n
}

func readXT(body any) xtStatement {
	b, _ := body.(object)
	var x xtStatement
	x.typ, _ = str(b, "type")
	x.name, _ = str(b, "name")
	return x
}

func readMangle(body any) mangleStatement {
	b, _ := body.(object)
	k, _ := b["key"].(object)
	return mangleStatement{key: k}
}
