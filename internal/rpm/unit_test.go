package rpm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ulikunitz/xz"

	"github.com/guardrail-monitoring/guardrail/internal/located"
	"github.com/guardrail-monitoring/guardrail/internal/rpm/rpmtest"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

const fixtures = "../../testdata/rpm"

// vercmpCases: rpmvercmp's traps, with the answer rpm 4.18 gives.
var vercmpCases = []struct {
	a, b string
	want int
}{
	{"1.0", "1.0", 0}, {"1.9", "1.10", -1}, {"1.10", "1.9", 1}, {"1.0", "1.0.1", -1},
	{"1.0~rc1", "1.0", -1}, {"1.0~rc1", "1.0~rc2", -1}, {"1.0~~", "1.0~", -1}, {"1.0~", "1.0", -1},
	{"1.0^", "1.0", 1}, {"1.0^git1", "1.0^git2", -1}, {"1.0^git1", "1.0.1", -1}, {"1.0^", "1.0~", 1},
	{"1.0^git1", "1.0~rc1", 1}, {"1.0~rc1^git1", "1.0~rc1", 1}, {"1.0~rc1^git1", "1.0", -1},
	{"a", "1", -1}, {"1a", "1b", -1}, {"1.a", "1.1", -1}, {"001", "1", 0}, {"1.0", "1_0", 0},
	{"2.0.1a", "2.0.1", 1}, {"5.5p1", "5.5p10", -1}, {"xyz.4", "xyz.4", 0}, {"1.el8", "1.el8_8", -1},
	{"10", "9", 1}, {"1.0010", "1.9", 1}, {"", "1", -1}, {"1", "", 1},
}

func TestVercmp(t *testing.T) {
	for _, c := range vercmpCases {
		if got := vercmp(c.a, c.b); got != c.want {
			t.Errorf("vercmp(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// TestVercmpAgainstRPM asks rpm's own rpm.vercmp about every case.
func TestVercmpAgainstRPM(t *testing.T) {
	rpmBin := testenv.NeedCommand(t, "rpm")
	var lua strings.Builder
	lua.WriteString("%{lua: ")
	var cases = vercmpCases[:0:0]
	for _, c := range vercmpCases {
		if c.a != "" && c.b != "" { // rpm.vercmp refuses empty versions
			cases = append(cases, c)
		}
	}
	for _, c := range cases {
		fmt.Fprintf(&lua, "print(rpm.vercmp(%q, %q)); print(' ');", c.a, c.b)
	}
	lua.WriteString("}")
	out, err := exec.Command(rpmBin, "--eval", lua.String()).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Fields(string(out))
	if len(got) != len(cases) {
		t.Fatalf("rpm printed %d answers for %d cases: %q", len(got), len(cases), out)
	}
	for i, c := range cases {
		if got[i] != fmt.Sprint(c.want) {
			t.Errorf("rpm says vercmp(%q, %q) = %s, the table %d", c.a, c.b, got[i], c.want)
		}
	}
}

func TestEVR(t *testing.T) {
	if s := (EVR{Epoch: 1, Version: "2.0", Release: "3.el9"}).String(); s != "1:2.0-3.el9" {
		t.Error(s)
	}
	if s := (EVR{Version: "2.0", Release: "3"}).String(); s != "2.0-3" {
		t.Error(s)
	}
	if c := (EVR{Epoch: 1, Version: "1"}).Compare(EVR{Version: "9"}); c != 1 {
		t.Error("epoch does not win", c)
	}
	if c := (EVR{Version: "1", Release: "10"}).Compare(EVR{Version: "1", Release: "9"}); c != 1 {
		t.Error("release 10 < 9", c)
	}
	if e := parseEVR("2:1.0-3.el9"); e != (EVR{2, "1.0", "3.el9"}) {
		t.Error(e)
	}
}

// headerBlob writes an rpmdb header blob with the given string tags.
func headerBlob(strs map[uint32]string, epoch int) []byte {
	var idx, data bytes.Buffer
	entry := func(tag, typ, off, count uint32) {
		binary.Write(&idx, binary.BigEndian, [4]uint32{tag, typ, off, count})
	}
	for _, tag := range []uint32{tagName, tagVersion, tagRelease, tagArch} {
		if s, ok := strs[tag]; ok {
			entry(tag, typeString, uint32(data.Len()), 1)
			data.WriteString(s + "\x00")
		}
	}
	if epoch >= 0 {
		for data.Len()%4 != 0 {
			data.WriteByte(0)
		}
		entry(tagEpoch, typeInt32, uint32(data.Len()), 1)
		binary.Write(&data, binary.BigEndian, int32(epoch))
	}
	entry(tagProvideName, typeStringArray, uint32(data.Len()), 2)
	data.WriteString("system-release\x00system-release(releasever)\x00")
	entry(tagProvideVersion, typeStringArray, uint32(data.Len()), 2)
	data.WriteString("9.3-1\x009\x00")
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, [2]uint32{uint32(idx.Len() / 16), uint32(data.Len())})
	b.Write(idx.Bytes())
	b.Write(data.Bytes())
	return b.Bytes()
}

func TestParseHeader(t *testing.T) {
	b := headerBlob(map[uint32]string{tagName: "rocky-release", tagVersion: "9.3", tagRelease: "1.el9", tagArch: "noarch"}, 2)
	h, err := parseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	want := &header{Name: "rocky-release", EVR: EVR{2, "9.3", "1.el9"}, Arch: "noarch",
		Provides: []provide{{"system-release", "9.3-1"}, {"system-release(releasever)", "9"}}}
	if !reflect.DeepEqual(h, want) {
		t.Errorf("got %+v", h)
	}
	if rv := detectReleasever([]*Installed{{Name: h.Name, EVR: h.EVR, Provides: h.Provides}}); rv != "9" {
		t.Errorf("releasever %q", rv)
	}
	for name, bad := range map[string][]byte{
		"short":     b[:5],
		"truncated": b[:len(b)-3],
		"no name":   headerBlob(map[uint32]string{tagVersion: "1"}, -1),
		"huge":      append([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1}, b[8:]...),
	} {
		if _, err := parseHeader(bad); !errors.Is(err, errHeader) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestStorageFormats reads a BerkeleyDB rpmdb (RHEL 8) and an NDB one
// (SLE 15), fixtures from go-rpmdb's test data; the facts checked are
// those its tests list.
func TestStorageFormats(t *testing.T) {
	dir := t.TempDir()
	zr, err := os.Open(filepath.Join(fixtures, "rpmdb/sle15-bci.Packages.db.xz"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	x, err := xz.NewReader(zr)
	if err != nil {
		t.Fatal(err)
	}
	var ndbBytes bytes.Buffer
	if _, err := ndbBytes.ReadFrom(x); err != nil {
		t.Fatal(err)
	}
	ndbRoot := filepath.Join(dir, "sle")
	os.MkdirAll(ndbRoot+"/usr/lib/sysimage/rpm", 0o755)
	os.WriteFile(ndbRoot+"/usr/lib/sysimage/rpm/Packages.db", ndbBytes.Bytes(), 0o644)
	bdbRoot := filepath.Join(dir, "el8")
	os.MkdirAll(bdbRoot+"/var/lib/rpm", 0o755)
	b, _ := os.ReadFile(filepath.Join(fixtures, "rpmdb/libuuid-el8.Packages"))
	os.WriteFile(bdbRoot+"/var/lib/rpm/Packages", b, 0o644)

	for _, c := range []struct {
		root   string
		format DBFormat
		n      int
		some   string
	}{
		{ndbRoot, NDB, 35, "rpm-ndb-4.14.3-40.1.x86_64"},
		{bdbRoot, BerkeleyDB, 1, "libuuid-2.32.1-42.el8_8.x86_64"},
	} {
		db, ok := Detect(c.root)
		if !ok || db.Format != c.format {
			t.Fatalf("%s: detected %+v %v", c.root, db, ok)
		}
		pkgs, err := ReadInstalled(context.Background(), db)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range pkgs {
			found = found || p.NEVRA() == c.some
			// RPMTAG_INSTALLTIME dates a pending reboot: every header has one.
			if p.InstallTime.Year() < 2000 || p.InstallTime.After(time.Now()) {
				t.Errorf("%s: %s installed at %v", c.format, p.NEVRA(), p.InstallTime)
			}
		}
		if len(pkgs) != c.n || !found {
			t.Errorf("%s: %d packages (want %d), %s found: %v", c.format, len(pkgs), c.n, c.some, found)
		}
	}
	if _, ok := Detect(dir); ok {
		t.Error("an rpmdb detected where there is none")
	}
	// a database that is not one is an error naming the file
	junk := filepath.Join(dir, "junk")
	os.MkdirAll(junk+"/var/lib/rpm", 0o755)
	os.WriteFile(junk+"/var/lib/rpm/Packages", bytes.Repeat([]byte{7}, 4096), 0o644)
	db, _ := Detect(junk)
	_, err = ReadInstalled(context.Background(), db)
	if e, ok := located.As(err); !ok || e.File != db.Path {
		t.Errorf("junk rpmdb: %v", err)
	}
}

func TestRepoFile(t *testing.T) {
	vars := map[string]string{"releasever": "9", "basearch": "x86_64", "contentdir": "pub/rocky"}
	in := `# comment
[baseos]
name=Rocky Linux $releasever - BaseOS
mirrorlist=https://mirrors.rockylinux.org/mirrorlist?arch=$basearch&repo=BaseOS-$releasever
#baseurl=http://dl.rockylinux.org/$contentdir/$releasever/BaseOS/$basearch/os/
enabled=1
priority = 10
excludepkgs=kernel* , foo
  bar

[appstream]
baseurl=http://a.example/${contentdir}/$releasever/
	http://b.example/$releasever/
enabled=0
module_hotfixes=true
includepkgs=nginx*
cost=500
`
	repos, err := parseRepoFile([]byte(in), "rocky.repo", vars)
	if err != nil {
		t.Fatal(err)
	}
	want := []Repo{
		{ID: "baseos", File: "rocky.repo", Line: 2, Enabled: true, Priority: 10, Cost: 1000,
			Mirrorlist: "https://mirrors.rockylinux.org/mirrorlist?arch=x86_64&repo=BaseOS-9", Exclude: []string{"kernel*", "foo", "bar"}},
		{ID: "appstream", File: "rocky.repo", Line: 11, Enabled: false, Priority: 99, Cost: 500,
			BaseURL: []string{"http://a.example/pub/rocky/9/", "http://b.example/9/"}, Include: []string{"nginx*"}, ModuleHotfixes: true},
	}
	if !reflect.DeepEqual(repos, want) {
		t.Errorf("got  %+v\nwant %+v", repos, want)
	}
	if n := cacheDirName(repos[0]); n != "baseos-"+sha16(want[0].Mirrorlist) {
		t.Error(n)
	}
	if n := cacheDirName(repos[1]); n != "appstream-"+sha16("http://a.example/pub/rocky/9/") {
		t.Error(n)
	}
	for _, c := range []struct{ in, line, key string }{
		{"[a]\nenabled=maybe\n", "2", "a.enabled"},
		{"[a]\npriority=high\n", "2", "a.priority"},
		{"key=value\n", "1", ""},
		{"[a\n", "1", ""},
		{"[a]\njust words\n", "2", ""},
		{"  indented\n", "1", ""},
	} {
		_, err := parseRepoFile([]byte(c.in), "x.repo", vars)
		e, ok := located.As(err)
		if !ok || fmt.Sprint(e.Line) != c.line || e.Key != c.key || e.File != "x.repo" {
			t.Errorf("%q: %v", c.in, err)
		}
	}
}

func sha16(s string) string {
	return cacheDirName(Repo{ID: "x", BaseURL: []string{s}})[2:]
}

func TestSubstitute(t *testing.T) {
	vars := map[string]string{"releasever": "9", "basearch": "x86_64"}
	for in, want := range map[string]string{
		"$releasever/$basearch": "9/x86_64", "${releasever}x": "9x", "$unknown": "$unknown",
		"$": "$", "${releasever": "${releasever", "a$$releasever": "a$9", "$releaseverx": "$releaseverx",
	} {
		if got := substitute(in, vars); got != want {
			t.Errorf("substitute(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMatch(t *testing.T) {
	e := EVR{Epoch: 1, Version: "2.0", Release: "3"}
	for pat, want := range map[string]bool{
		"foo": true, "fo*": true, "foo.x86_64": true, "foo-2.0": true, "foo-2.0-3": true, "foo-1:2.0-3.x86_64": true,
		"foo.i686": false, "bar": false, "foo-2.1": false, "f?o-2.0-3.*": true,
	} {
		if got := matchesAny([]string{pat}, "foo", "x86_64", e); got != want {
			t.Errorf("%s: %v", pat, got)
		}
	}
	if n := lockName("foo-bar-1:2.0-3.el9.*"); n != "foo-bar" {
		t.Error(n)
	}
}

func TestVersionlock(t *testing.T) {
	s := &System{Versionlock: []string{"foo-0:1.1-1.*", "!bar-2.0-1.*"}}
	for _, c := range []struct {
		name, evr string
		excluded  bool
	}{
		{"foo", "1.1-1", false}, {"foo", "1.2-1", true}, {"bar", "2.0-1", true}, {"bar", "2.1-1", false}, {"baz", "9-1", false},
	} {
		if got := s.lockExcluded(c.name, "x86_64", c.evr); got != c.excluded {
			t.Errorf("%s-%s: excluded %v", c.name, c.evr, got)
		}
	}
}

func TestDepMatches(t *testing.T) {
	for _, c := range []struct {
		d    Dep
		evr  EVR
		want bool
	}{
		{Dep{Name: "old"}, EVR{Version: "9"}, true},
		{Dep{Name: "old", Flags: "LT", EVR: EVR{Version: "2.0"}}, EVR{Version: "1.0", Release: "1"}, true},
		{Dep{Name: "old", Flags: "LT", EVR: EVR{Version: "2.0"}}, EVR{Version: "2.0", Release: "1"}, false},
		{Dep{Name: "old", Flags: "LE", EVR: EVR{Version: "2.0", Release: "1"}}, EVR{Version: "2.0", Release: "1"}, true},
		{Dep{Name: "old", Flags: "GT", EVR: EVR{Version: "2.0"}}, EVR{Version: "2.0", Release: "1"}, false},
		{Dep{Name: "other"}, EVR{Version: "1"}, false},
	} {
		if got := c.d.Matches("old", c.evr); got != c.want {
			t.Errorf("%+v vs %v: %v", c.d, c.evr, got)
		}
	}
}

func TestColorMatch(t *testing.T) {
	if !colorMatch("x86_64", "noarch") || colorMatch("x86_64", "i686") || !colorMatch("i686", "i386") {
		t.Error("colors")
	}
}

func TestModulesParse(t *testing.T) {
	in := rpmtest.ModuleStream("nginx", "1.20", "nginx-1:1.20.1-1.el9.x86_64", "nginx-1:1.20.1-1.el9.src") +
		"---\ndocument: modulemd\nversion: 2\ndata:\n  name: php\n  stream: 8.10\n...\n" + rpmtest.ModuleDefaults("nginx", "1.20") +
		"---\ndocument: modulemd-obsoletes\nversion: 1\ndata:\n  module: x\n...\n"
	streams, defaults, err := scanModules(strings.NewReader(in), "modules.yaml", "appstream")
	if err != nil {
		t.Fatal(err)
	}
	want := []ModuleStream{{Name: "nginx", Stream: "1.20", Repo: "appstream", Artifacts: []string{"nginx-1:1.20.1-1.el9.x86_64", "nginx-1:1.20.1-1.el9.src"}},
		{Name: "php", Stream: "8.10", Repo: "appstream"}}
	if !reflect.DeepEqual(streams, want) || defaults["nginx"] != "1.20" || len(defaults) != 1 {
		t.Errorf("%+v %v", streams, defaults)
	}
	if _, _, err := scanModules(strings.NewReader("---\ndocument: modulemd\ndata: [\n"), "m.yaml", "r"); err == nil || !strings.Contains(err.Error(), "m.yaml") {
		t.Errorf("bad yaml: %v", err)
	}
	if n, rest, ok := splitNEVRA("python3-foo-bar-1:2.0-3.el9.noarch"); !ok || n != "python3-foo-bar" || rest != "1:2.0-3.el9.noarch" {
		t.Error(n, rest, ok)
	}
}
