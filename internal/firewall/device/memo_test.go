package device

import (
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

// TestMemo: a name is resolved once, a name asked while it resolves is a
// cycle, and a failed name answers the zero value every time it is asked.
func TestMemo(t *testing.T) {
	m := Memo[[]int]{}
	calls := map[string]int{}
	groups := map[string][]string{"top": {"a", "b"}, "a": {"leaf"}, "b": {"leaf"}, "loop": {"x"}, "x": {"leaf", "loop"}}
	var resolve func(name string) ([]int, string)
	resolve = func(name string) ([]int, string) {
		return m.Resolve(name, "group "+name+" contains itself", func() ([]int, string) {
			calls[name]++
			if name == "leaf" {
				return []int{1}, ""
			}
			var out []int
			for _, g := range groups[name] {
				v, err := resolve(g)
				if err != "" {
					return out, err
				}
				out = append(out, v...)
			}
			return out, ""
		})
	}
	if v, err := resolve("top"); err != "" || len(v) != 2 {
		t.Errorf("top: %v %q", v, err)
	}
	if calls["leaf"] != 1 || calls["top"] != 1 {
		t.Errorf("resolved more than once: %v", calls)
	}
	for i := 0; i < 2; i++ {
		if v, err := resolve("loop"); err != "group loop contains itself" || v != nil {
			t.Errorf("ask %d: loop: %v %q", i, v, err)
		}
		if v, err := resolve("x"); err != "group loop contains itself" || v != nil {
			t.Errorf("ask %d: x (partly resolved before the cycle): %v %q", i, v, err)
		}
	}
}

// TestUnion: the union of what the names resolve to, their unmodelled
// parts in order, and the last name's error.
func TestUnion(t *testing.T) {
	resolve := func(name string) (firewall.AddrSet, []string, string) {
		switch name {
		case "a":
			return firewall.MustPrefixSet("10.0.0.0/8"), []string{"a is dynamic"}, ""
		case "b":
			return firewall.MustPrefixSet("192.0.2.0/24"), []string{"b is an FQDN"}, ""
		}
		return firewall.AddrSet{}, nil, name + " is not defined"
	}
	s, u, err := Union([]string{"x", "a", "y", "b"}, resolve)
	if !s.Equal(firewall.MustPrefixSet("10.0.0.0/8").Union(firewall.MustPrefixSet("192.0.2.0/24"))) || strings.Join(u, "; ") != "a is dynamic; b is an FQDN" || err != "y is not defined" {
		t.Errorf("%v %q %q", s, u, err)
	}
	if s, u, err := Union(nil, resolve); !s.IsEmpty() || u != nil || err != "" {
		t.Errorf("no names: %v %q %q", s, u, err)
	}
}
