package plugin

import "testing"

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "flows", 1: "flow", 2: "flows", -1: "flows"} {
		if got := Plural(n, "flow", "flows"); got != want {
			t.Errorf("Plural(%d) = %q, want %q", n, got, want)
		}
	}
}
