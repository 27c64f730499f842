package plugin

import "testing"

// TestRangesFromIntegers: Above and AtLeast are the ranges their text parses
// to, on every value around their bound.
func TestRangesFromIntegers(t *testing.T) {
	cases := []struct {
		got  *Range
		text string
	}{
		{Above(0), "0"}, {Above(7), "7"}, {Above(36500), "36500"},
		{AtLeast(0), "@0:"}, {AtLeast(-3), "@0:"}, {AtLeast(1), "0"}, {AtLeast(14), "13"},
	}
	for _, c := range cases {
		want, err := ParseRange(c.text)
		if err != nil {
			t.Fatal(err)
		}
		if c.got.String() != c.text {
			t.Errorf("text %q, want %q", c.got, c.text)
		}
		for v := -2.0; v <= 36502; v++ {
			if c.got.Alert(v) != want.Alert(v) {
				t.Errorf("%q: Alert(%v) = %v, want %v", c.text, v, c.got.Alert(v), want.Alert(v))
				break
			}
		}
	}
	if AtLeast(14).Alert(13) || !AtLeast(14).Alert(14) {
		t.Error("AtLeast(14) must alert from 14, not before")
	}
}
