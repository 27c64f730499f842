package checksecurityupdates

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDetectFamily: the database under the root decides; with both, the
// distribution os-release names does, and a host it cannot place is an
// error (UNKNOWN), never a guess.
func TestDetectFamily(t *testing.T) {
	const (
		dpkg   = "var/lib/dpkg/status"
		rpmdb  = "var/lib/rpm/rpmdb.sqlite"
		sysimg = "usr/lib/sysimage/rpm/rpmdb.sqlite"
		bdb    = "var/lib/rpm/Packages"
	)
	cases := []struct {
		name      string
		files     map[string]string
		want      Family
		note, err string // substrings; "" none
	}{
		{"dpkg only", map[string]string{dpkg: ""}, Debian, "", ""},
		{"neither: apt says what is missing", nil, Debian, "", ""},
		{"rpmdb sqlite", map[string]string{rpmdb: ""}, RPM, "", ""},
		{"sysimage rpmdb (Fedora 36+)", map[string]string{sysimg: ""}, RPM, "", ""},
		{"BerkeleyDB (RHEL 7/8)", map[string]string{bdb: ""}, RPM, "", ""},
		{"both, Debian with rpm installed", map[string]string{dpkg: "", rpmdb: "", "etc/os-release": "ID=debian\nVERSION_ID=\"12\"\n"}, Debian, "checked as Debian", ""},
		{"both, Ubuntu by ID_LIKE", map[string]string{dpkg: "", rpmdb: "", "etc/os-release": "ID=pop\nID_LIKE=\"ubuntu debian\"\n"}, Debian, "(pop ubuntu debian)", ""},
		{"both, Rocky with EPEL's dpkg", map[string]string{dpkg: "", rpmdb: "", "etc/os-release": "ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n"}, RPM, "checked as RPM", ""},
		{"both, Amazon Linux", map[string]string{dpkg: "", sysimg: "", "usr/lib/os-release": "ID=\"amzn\"\nID_LIKE=\"fedora\"\n"}, RPM, "usr/lib/os-release", ""},
		{"both, os-release names neither", map[string]string{dpkg: "", rpmdb: "", "etc/os-release": "ID=nixos\n"}, Debian, "", "names neither family"},
		{"both, no os-release", map[string]string{dpkg: "", rpmdb: ""}, Debian, "", "os-release cannot say"},
		{"both, os-release malformed", map[string]string{dpkg: "", rpmdb: "", "etc/os-release": "ID=debian\ngarbage\n"}, Debian, "", "os-release"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			for rel, content := range c.files {
				p := filepath.Join(root, rel)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			f, note, err := detectFamily(root)
			switch {
			case c.err != "":
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one saying %q", err, c.err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if f != c.want || !strings.Contains(note, c.note) || (c.note == "") != (note == "") {
				t.Errorf("family %v note %q, want %v note with %q", f, note, c.want, c.note)
			}
		})
	}
}

// TestDetectFamilyMalformedNamesLine: a broken os-release is named with
// its line, its contents never quoted.
func TestDetectFamilyMalformedNamesLine(t *testing.T) {
	root := t.TempDir()
	for rel, content := range map[string]string{"var/lib/dpkg/status": "", "var/lib/rpm/rpmdb.sqlite": "", "etc/os-release": "ID=debian\nsecret-garbage\n"} {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(content), 0o644)
	}
	_, _, err := detectFamily(root)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(root, "etc/os-release")+", line 2") || strings.Contains(err.Error(), "secret") {
		t.Errorf("error %v", err)
	}
}

// FuzzOSReleaseIDs: any os-release is IDs or an error naming the file and
// a line, never a panic, never its contents quoted.
func FuzzOSReleaseIDs(f *testing.F) {
	for _, s := range []string{
		"ID=debian\nVERSION_ID=\"12\"\n",
		"ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n",
		"# comment\n\nID='amzn'\nID_LIKE=fedora\n",
		"ID=\"\n", "garbage\n", "ID_LIKE=\"ubuntu debian\"\r\n", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := osReleaseIDs(strings.NewReader(s), "/etc/os-release")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "os-release /etc/os-release") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(ids) == 0 {
			t.Fatal("no ID slot")
		}
	})
}
