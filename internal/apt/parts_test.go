package apt

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestPartNames: apt's rule for the files of a parts directory, for each
// of the three directories that use it.
func TestPartNames(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"70debconf", "b.conf", "a.pref", "x.list", "y.sources", "z.disabled", "w.dpkg-old", ".hidden", "bad~name", "a b"} {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.conf"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		exts []string
		want []string
	}{
		{[]string{"", ".conf"}, []string{"70debconf", "b.conf"}},
		{[]string{"", ".pref"}, []string{"70debconf", "a.pref"}},
		{[]string{".list", ".sources"}, []string{"x.list", "y.sources"}},
	} {
		got, err := partNames(dir, tc.exts...)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: %q, %v; want %q", tc.exts, got, err, tc.want)
		}
	}
	if got, err := partNames(filepath.Join(dir, "missing")); err != nil || got != nil {
		t.Errorf("missing directory: %q, %v", got, err)
	}
	if _, err := partNames(filepath.Join(dir, "70debconf")); err == nil {
		t.Errorf("a file as the directory: no error")
	}
}
