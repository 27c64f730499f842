package osversion

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

func TestParseOSRelease(t *testing.T) {
	dir := filepath.Join("..", "..", "testdata", "osversion", "os-release")
	cases := []struct {
		file, id, like, version, codename, err string
	}{
		{"debian12", "debian", "", "12", "bookworm", ""},
		{"ubuntu2004", "ubuntu", "debian", "20.04", "focal", ""},
		{"rhel9", "rhel", "fedora", "9.2", "", ""},
		{"debian-sid", "debian", "", "", "", ""},
		{"mint", "linuxmint", "ubuntu debian", "21.3", "", ""},
		{"broken", "", "", "", "", "broken, line 2, key VERSION_ID: unbalanced double quotes"},
	}
	for _, c := range cases {
		path := filepath.Join(dir, c.file)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ParseOSRelease(path, data)
		if c.err != "" {
			if err == nil || !strings.HasSuffix(err.Error(), c.err) {
				t.Errorf("%s: %v, want %s", c.file, err, c.err)
			}
			continue
		}
		if err != nil || r.ID != c.id || strings.Join(r.IDLike, " ") != c.like || r.VersionID != c.version || r.Codename != c.codename {
			t.Errorf("%s: %+v %v", c.file, r, err)
		}
	}
	for in, want := range map[string]string{
		"ID=x\nVERSION_ID='1.2'": "1.2",
		`VERSION_ID="a\"b"`:      `a"b`,
		"# c\n\nVERSION_ID=3 ":   "3",
		"VERSION_ID=\"1\" x":     "error",
		"VERSION_ID=1 2":         "error",
		"just words":             "error",
		"VERSION_ID='1":          "error",
		"=1":                     "error",
		"1X=1":                   "error",
		"A-B=1":                  "error",
		"PRETTY_NAME=\"a\x00b\"": "error",
		"PRETTY_NAME=\"a\x1bb\"": "error",
		"VERSION=\"24.04.1 LTS\"\nVERSION_ID=24.04": "24.04",
	} {
		r, err := ParseOSRelease("f", []byte(in))
		got := r.VersionID
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("%q: %q (%v), want %q", in, got, err, want)
		}
	}
}

// FuzzParseOSRelease: any file gives a value or an error naming the file.
func FuzzParseOSRelease(f *testing.F) {
	dir := filepath.Join("..", "..", "testdata", "osversion", "os-release")
	entries, err := os.ReadDir(dir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseOSRelease("os-release", data)
		if err == nil && strings.ContainsFunc(r.ID+r.VersionID+r.Version+r.Pretty+strings.Join(r.IDLike, ""), isControl) {
			t.Fatalf("control character in %+v", r)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "os-release os-release, line ") {
			t.Fatalf("error without file and line: %v", err)
		}
	})
}

// TestLocalVersion: the exact version each distribution's files give, and
// UNKNOWN (an error naming the file and, where one is at fault, the key)
// where they give none.
func TestLocalVersion(t *testing.T) {
	const debian12 = "ID=debian\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\n"
	cases := []struct {
		name      string
		osRelease string
		exact     *ReleaseFile // nil: the ID has no exact file
		platform  string
		version   string
		err       string // prefix of the error ("" for none)
	}{
		{"debian point release", debian12, &ReleaseFile{Path: "/etc/debian_version", Data: []byte("12.11\n")}, "debian", "12.11", ""},
		{"debian first release", debian12, &ReleaseFile{Path: "/etc/debian_version", Data: []byte("12.0\n")}, "debian", "12.0", ""},
		{"debian 9", "ID=debian\nVERSION_ID=\"9\"\n", &ReleaseFile{Path: "/etc/debian_version", Data: []byte("9.13\n")}, "debian", "9.13", ""},
		{"debian sid", "ID=debian\nPRETTY_NAME=\"Debian GNU/Linux trixie/sid\"\n", &ReleaseFile{Path: "/etc/debian_version", Data: []byte("trixie/sid\n")}, "", "",
			"debian_version /etc/debian_version, line 1: trixie/sid is Debian testing or unstable, which has no release version to judge"},
		{"debian bare sid", "ID=debian\n", &ReleaseFile{Path: "/etc/debian_version", Data: []byte("sid\n")}, "", "",
			"debian_version /etc/debian_version, line 1: sid is Debian testing"},
		{"debian testing numbered", "ID=debian\n", &ReleaseFile{Path: "/etc/debian_version", Data: []byte("13.0\n")}, "", "",
			"os-release /etc/os-release, key VERSION_ID: none"},
		{"debian disagree", debian12, &ReleaseFile{Path: "/etc/debian_version", Data: []byte("13.1\n")}, "", "",
			"debian_version /etc/debian_version, line 1: release 13.1 is not os-release's VERSION_ID 12"},
		{"debian 1 is not 12", "ID=debian\nVERSION_ID=1\n", &ReleaseFile{Path: "/etc/debian_version", Data: []byte("12.1\n")}, "", "",
			"debian_version /etc/debian_version, line 1: release 12.1 is not"},
		{"debian garbage", debian12, &ReleaseFile{Path: "/etc/debian_version", Data: []byte("root:x:0:0\n")}, "", "",
			"debian_version /etc/debian_version, line 1: not a Debian release number"},
		{"debian two lines", debian12, &ReleaseFile{Path: "/etc/debian_version", Data: []byte("12.11\n12.12\n")}, "", "",
			"debian_version /etc/debian_version, line 1: not a Debian release number"},
		{"debian missing", debian12, &ReleaseFile{Path: "/etc/debian_version", Missing: true}, "", "",
			"debian_version /etc/debian_version: missing"},
		{"ubuntu point release", "ID=ubuntu\nVERSION_ID=\"24.04\"\nVERSION=\"24.04.1 LTS (Noble Numbat)\"\n", nil, "ubuntu", "24.04.1", ""},
		{"ubuntu first release", "ID=ubuntu\nVERSION_ID=\"24.04\"\nVERSION=\"24.04 LTS (Noble Numbat)\"\n", nil, "ubuntu", "24.04", ""},
		{"ubuntu interim", "ID=ubuntu\nVERSION_ID=\"24.10\"\nVERSION=\"24.10 (Oracular Oriole)\"\n", nil, "ubuntu", "24.10", ""},
		{"ubuntu no VERSION", "ID=ubuntu\nVERSION_ID=\"22.04\"\n", nil, "ubuntu", "22.04", ""},
		{"ubuntu disagree", "ID=ubuntu\nVERSION_ID=\"24.04\"\nVERSION=\"22.04.5 LTS\"\n", nil, "", "",
			"os-release /etc/os-release, key VERSION: release 22.04.5 is not VERSION_ID 24.04"},
		{"ubuntu odd VERSION", "ID=ubuntu\nVERSION_ID=\"24.04\"\nVERSION=\"Noble\"\n", nil, "", "",
			"os-release /etc/os-release, key VERSION: does not begin with the release number"},
		{"rhel", "ID=\"rhel\"\nVERSION_ID=\"9.4\"\n", &ReleaseFile{Path: "/etc/redhat-release", Data: []byte("Red Hat Enterprise Linux release 9.4 (Plow)\n")}, "rhel", "9.4", ""},
		{"rhel 7 server", "ID=\"rhel\"\nVERSION_ID=\"7.9\"\n", &ReleaseFile{Path: "/etc/redhat-release", Data: []byte("Red Hat Enterprise Linux Server release 7.9 (Maipo)\n")}, "rhel", "7.9", ""},
		{"rocky", "ID=\"rocky\"\nVERSION_ID=\"9.4\"\n", &ReleaseFile{Path: "/etc/redhat-release", Data: []byte("Rocky Linux release 9.4 (Blue Onyx)\n")}, "rocky", "9.4", ""},
		{"almalinux", "ID=\"almalinux\"\nVERSION_ID=\"8.10\"\n", &ReleaseFile{Path: "/etc/redhat-release", Data: []byte("AlmaLinux release 8.10 (Cerulean Leopard)\n")}, "almalinux", "8.10", ""},
		{"centos 7 minor from redhat-release", "ID=\"centos\"\nVERSION_ID=\"7\"\n", &ReleaseFile{Path: "/etc/redhat-release", Data: []byte("CentOS Linux release 7.9.2009 (Core)\n")}, "centos", "7.9.2009", ""},
		{"centos stream", "ID=\"centos\"\nVERSION_ID=\"9\"\n", &ReleaseFile{Path: "/etc/redhat-release", Data: []byte("CentOS Stream release 9\n")}, "centos", "9", ""},
		{"rhel redhat-release missing", "ID=\"rhel\"\nVERSION_ID=\"9.4\"\n", &ReleaseFile{Path: "/etc/redhat-release", Missing: true}, "rhel", "9.4", ""},
		{"rhel disagree", "ID=\"rhel\"\nVERSION_ID=\"9.4\"\n", &ReleaseFile{Path: "/etc/redhat-release", Data: []byte("Red Hat Enterprise Linux release 9.2 (Plow)\n")}, "", "",
			"redhat-release /etc/redhat-release, line 1: release 9.2 is not os-release's VERSION_ID 9.4"},
		{"rhel garbage", "ID=\"rhel\"\nVERSION_ID=\"9.4\"\n", &ReleaseFile{Path: "/etc/redhat-release", Data: []byte("\x00\x01\n")}, "", "",
			"redhat-release /etc/redhat-release, line 1: not NAME release N.N (CODENAME)"},
		{"alpine", "ID=alpine\nVERSION_ID=3.19.1\n", nil, "alpine", "3.19.1", ""},
		{"mint: unknown id, VERSION_ID", "ID=linuxmint\nVERSION_ID=\"21.3\"\nID_LIKE=\"ubuntu debian\"\n", nil, "", "21.3", ""},
		{"arch: rolling", "ID=arch\n", nil, "", "", "os-release /etc/os-release, key VERSION_ID: none"},
	}
	for _, c := range cases {
		rel, err := ParseOSRelease("/etc/os-release", []byte(c.osRelease))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		l, err := LocalVersion(rel, "/etc/os-release", c.exact)
		if c.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), c.err) {
				t.Errorf("%s: %+v, %v\nwant error %s", c.name, l, err, c.err)
			}
			if _, ok := located.As(err); !ok {
				t.Errorf("%s: %T is not a located.Error", c.name, err)
			}
			continue
		}
		if err != nil || l.Platform != c.platform || l.Version != c.version {
			t.Errorf("%s: %+v, %v\nwant %s %s", c.name, l, err, c.platform, c.version)
			continue
		}
		if l.Platform != "" {
			if _, err := Parse(l.Platform, l.Version); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		if c.exact != nil && !c.exact.Missing && (len(l.Sources) != 2 || l.Sources[1] != c.exact.Path) {
			t.Errorf("%s: sources %v", c.name, l.Sources)
		}
	}
}

// TestReadLocal reads the fixture roots, and planted endless inputs (a
// symlink to /dev/zero for each file, which stats as size 0) end at once
// in an error naming the file and its limit.
func TestReadLocal(t *testing.T) {
	roots := filepath.Join("..", "..", "testdata", "osversion", "roots")
	for root, want := range map[string]string{
		"debian12": "debian 12.11", "ubuntu2404": "ubuntu 24.04.1", "ubuntu2004": "ubuntu 20.04.6",
		"rhel9": "rhel 9.4", "rocky9": "rocky 9.4", "almalinux9": "almalinux 9.3", "centos7": "centos 7.9.2009",
	} {
		l, err := ReadLocal(filepath.Join(roots, root))
		if err != nil || l.Platform+" "+l.Version != want {
			t.Errorf("%s: %+v %v, want %s", root, l, err, want)
		}
	}
	if _, err := ReadLocal(filepath.Join(roots, "sid")); err == nil || !strings.Contains(err.Error(), "trixie/sid is Debian testing") {
		t.Errorf("sid: %v", err)
	}
	if _, err := ReadLocal(filepath.Join(roots, "missing")); err == nil || !strings.HasPrefix(err.Error(), "os-release "+filepath.Join(roots, "missing", "usr/lib/os-release")+": no such file") {
		t.Errorf("no os-release at all: %v", err)
	}

	debian, err := os.ReadFile(filepath.Join(roots, "debian12", "etc", "os-release"))
	if err != nil {
		t.Fatal(err)
	}
	rhel, err := os.ReadFile(filepath.Join(roots, "rhel9", "etc", "os-release"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		osRelease []byte // written to etc/os-release; nil: the link is it
		link      string
		want      string
	}{
		{nil, "etc/os-release", "os-release ROOT/etc/os-release: larger than the 64 KiB limit"},
		{nil, "usr/lib/os-release", "os-release ROOT/usr/lib/os-release: larger than the 64 KiB limit"},
		{debian, "etc/debian_version", "debian_version ROOT/etc/debian_version: larger than the 4 KiB limit"},
		{rhel, "etc/redhat-release", "redhat-release ROOT/etc/redhat-release: larger than the 4 KiB limit"},
	} {
		root := t.TempDir()
		for _, dir := range []string{"etc", "usr/lib"} {
			if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if c.osRelease != nil {
			if err := os.WriteFile(filepath.Join(root, "etc", "os-release"), c.osRelease, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Symlink("/dev/zero", filepath.Join(root, c.link)); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err := ReadLocal(root)
		took := time.Since(start)
		want := strings.ReplaceAll(c.want, "ROOT", root)
		if err == nil || !strings.HasPrefix(err.Error(), want) || !errors.Is(err, located.ErrTooLarge) {
			t.Errorf("%s: %v\nwant %s", c.link, err, want)
		}
		if took > time.Second {
			t.Errorf("%s: took %v", c.link, took)
		}
	}
}

// FuzzLocalVersion: any os-release and exact file give a version its
// platform parses, or a located error; never a panic, and never a version
// from a Debian testing/unstable debian_version.
func FuzzLocalVersion(f *testing.F) {
	roots := filepath.Join("..", "..", "testdata", "osversion", "roots")
	dirs, err := os.ReadDir(roots)
	if err != nil {
		f.Fatal(err)
	}
	for _, d := range dirs {
		osr, _ := os.ReadFile(filepath.Join(roots, d.Name(), "etc", "os-release"))
		if osr == nil {
			osr, _ = os.ReadFile(filepath.Join(roots, d.Name(), "usr", "lib", "os-release"))
		}
		exact, _ := os.ReadFile(filepath.Join(roots, d.Name(), "etc", "debian_version"))
		if exact == nil {
			exact, _ = os.ReadFile(filepath.Join(roots, d.Name(), "etc", "redhat-release"))
		}
		f.Add(osr, exact, exact == nil)
	}
	f.Add([]byte("ID=debian\nVERSION_ID=12\n"), []byte("bookworm/sid\n"), false)
	f.Fuzz(func(t *testing.T, osRelease, exact []byte, missing bool) {
		rel, err := ParseOSRelease("os-release", osRelease)
		if err != nil {
			return
		}
		var file *ReleaseFile
		if _, _, ok := exactFile(rel.ID); ok {
			file = &ReleaseFile{Path: "exact", Data: exact, Missing: missing}
		}
		l, err := LocalVersion(rel, "os-release", file)
		if err != nil {
			if _, ok := located.As(err); !ok {
				t.Fatalf("%T is not a located.Error: %v", err, err)
			}
			return
		}
		if l.Version == "" {
			t.Fatalf("no version and no error: %+v", l)
		}
		if rel.ID == "debian" && debianTestingRE.MatchString(onlyLine(exact)) {
			t.Fatalf("a version for Debian testing: %+v", l)
		}
		if l.Platform != "" && l.Version != rel.VersionID {
			if _, err := Parse(l.Platform, l.Version); err != nil {
				t.Fatalf("%+v: %v", l, err)
			}
		}
	})
}
