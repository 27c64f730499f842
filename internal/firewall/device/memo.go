package device

import "github.com/guardrail-monitoring/guardrail/internal/firewall"

// Memo resolves the named groups of a configuration (address groups,
// service groups, application sets...) once each: a name asked again gets
// its first answer, so groups nested as diamonds cost one resolution
// each, and a name asked while it is being resolved (a group that
// contains itself) gets an error instead of recursing forever.
type Memo[V any] map[string]*memoEntry[V]

// Addresses is what an address name (an address object or group)
// resolves to: its addresses, and what of it the model lacks (an FQDN,
// a dynamic group...), which makes the verdicts that depend on it unknown.
type Addresses struct {
	Set        firewall.AddrSet
	Unmodelled []string
}

// Union unites the addresses names resolve to (resolve: a reader's
// lookup of an address name): their union, what of them the model lacks
// in order, and the error of the last name that has one ("" none).
func Union(names []string, resolve func(name string) (firewall.AddrSet, []string, string)) (set firewall.AddrSet, unmodelled []string, err string) {
	for _, n := range names {
		s, u, e := resolve(n)
		if e != "" {
			err = e
		}
		unmodelled = append(unmodelled, u...)
		set = set.Union(s)
	}
	return set, unmodelled, err
}

type memoEntry[V any] struct {
	value V
	err   string
	busy  bool
}

// Resolve is key's value and error: resolve's, computed the first time
// key is asked (resolve may ask m for other keys). Asked again while
// resolve runs, key gets cycle as its error. With an error the value is
// V's zero value.
func (m Memo[V]) Resolve(key, cycle string, resolve func() (V, string)) (V, string) {
	var zero V
	if e := m[key]; e != nil {
		if e.busy {
			return zero, cycle
		}
		return e.value, e.err
	}
	e := &memoEntry[V]{busy: true}
	m[key] = e
	defer func() { e.busy = false }()
	v, err := resolve()
	if err != "" {
		v = zero
	}
	e.value, e.err = v, err
	return v, err
}
