package apt

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// Source-keyed advisory feeds compare source versions: dpkg's Source:
// field of installed packages (a binNMU's "(version)") and the candidate's
// source version must reach the check.
func TestSourceVersions(t *testing.T) {
	root := copyTree(t, filepath.Join(fixtures, "debian"))
	appendFile(t, filepath.Join(root, "var/lib/dpkg/status"), `
Package: libuuid1
Status: install ok installed
Architecture: amd64
Source: util-linux (2.38.1-5)
Version: 2.38.1-5+b1

Package: bsdutils
Status: install ok installed
Architecture: amd64
Source: util-linux
Version: 1:2.38.1-5+b1
`)
	appendFile(t, filepath.Join(root, "var/lib/apt/lists/security.example.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages"), `
Package: libuuid1
Source: util-linux
Version: 2.38.1-5+deb12u1
Architecture: amd64

Package: bsdutils
Source: util-linux (2.38.1-5+deb12u1)
Version: 1:2.38.1-5+deb12u1
Architecture: amd64
`)
	sys, err := Load(context.Background(), root)
	if err != nil {
		t.Fatal(err)
	}
	inst := map[string][2]string{}
	for _, p := range sys.Installed {
		inst[p.Package] = [2]string{p.Source, p.SourceVersion}
	}
	for name, want := range map[string][2]string{
		"libuuid1": {"util-linux", "2.38.1-5"}, "bsdutils": {"util-linux", ""}, "libssl3": {"openssl", ""}, "curl": {"", ""},
	} {
		if inst[name] != want {
			t.Errorf("installed %s: source %q, want %q", name, inst[name], want)
		}
	}
	cand := map[string]string{}
	for _, u := range sys.Updates() {
		cand[u.Package] = u.CandidateSource
	}
	for name, want := range map[string]string{"libuuid1": "", "bsdutils": "2.38.1-5+deb12u1", "libssl3": ""} {
		if got, ok := cand[name]; !ok || got != want {
			t.Errorf("update %s: candidate source %q (pending %v), want %q", name, got, ok, want)
		}
	}
}

func FuzzSplitSource(f *testing.F) {
	for _, s := range []string{"util-linux (2.38.1-5)", "openssl", "a (", " x ( 1 ) ", "(1)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, field string) {
		name, ver := splitSource(field)
		if len(name)+len(ver) > len(field) {
			t.Fatalf("%q split into more than it holds: %q %q", field, name, ver)
		}
		for _, c := range name {
			if c == '(' {
				t.Fatalf("%q: name %q keeps the version's parenthesis", field, name)
			}
		}
	})
}
