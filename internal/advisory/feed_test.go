package advisory

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// A bookworm host as it stood before the spring 2024 security updates:
// util-linux from the release (a binNMU, 2.38.1-5+b1 of source 2.38.1-5;
// bsdutils carries an epoch its source does not), glibc from 12.5.
var bookworm = Host{Distro: "debian", Release: "12", Codename: "bookworm", Packages: []Installed{
	{Name: "libc6", Version: "2.36-9+deb12u4", Source: "glibc"},
	{Name: "libc-bin", Version: "2.36-9+deb12u4", Source: "glibc"},
	{Name: "util-linux", Version: "2.38.1-5+b1", Source: "util-linux", SourceVersion: "2.38.1-5"},
	{Name: "bsdutils", Version: "1:2.38.1-5+b1", Source: "util-linux", SourceVersion: "2.38.1-5"},
	{Name: "mount", Version: "2.38.1-5+b1", Source: "util-linux", SourceVersion: "2.38.1-5"},
}}

var utilLinuxUpdates = []Pending{
	{Name: "util-linux", Candidate: "2.38.1-5+deb12u1"},
	{Name: "bsdutils", Candidate: "1:2.38.1-5+deb12u1", CandidateSource: "2.38.1-5+deb12u1"},
	{Name: "mount", Candidate: "2.38.1-5+deb12u1"},
}

// summary flattens a verdict for comparison.
func summary(v Verdict) []string {
	var out []string
	for _, f := range v.Fixes {
		out = append(out, fmt.Sprintf("fix %s %v %v %s(%s)", f.Package, f.CVEs, f.Advisories, f.Rating.Severity, f.Rating.Vendor))
	}
	for _, e := range v.Unreached {
		out = append(out, fmt.Sprintf("unreached %s %s %v fixed in %s", e.Source, e.Vuln.ID, e.Packages, e.FixedIn))
	}
	for _, e := range v.Open {
		out = append(out, fmt.Sprintf("open %s %s %v %s", e.Source, e.Vuln.ID, e.Packages, e.Vuln.Rating.Severity))
	}
	return out
}

func mustRead(t testing.TB, h Host, paths ...string) *Set {
	t.Helper()
	set, err := Read(paths, h)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func TestDecideDebianTracker(t *testing.T) {
	set := mustRead(t, bookworm, "testdata/debian-tracker.json")
	if f := set.Files[0]; f.Format != "debian-tracker" || f.Records != 5 {
		t.Errorf("files %+v, want the tracker with 5 bookworm entries of installed sources", set.Files)
	}
	open := []string{
		"open glibc CVE-2010-4756 [libc6 libc-bin] negligible",
		"open glibc CVE-2016-20013 [libc6 libc-bin] negligible",
		"open glibc CVE-2026-4438 [libc6 libc-bin] unknown",
	}
	cases := []struct {
		name    string
		pending []Pending
		want    []string
	}{
		{
			// The glibc fix of DSA-5673-1 is in bookworm-security, which
			// this host's pinning keeps away: no pending update reaches it.
			name:    "util-linux pending, glibc fix masked",
			pending: utilLinuxUpdates,
			want: append([]string{
				"fix util-linux [CVE-2024-28085] [] unknown(not yet assigned)",
				"fix bsdutils [CVE-2024-28085] [] unknown(not yet assigned)",
				"fix mount [CVE-2024-28085] [] unknown(not yet assigned)",
				"unreached glibc CVE-2024-2961 [libc6 libc-bin] fixed in 2.36-9+deb12u6",
			}, open...),
		},
		{
			name: "glibc point release below the fix",
			pending: []Pending{
				{Name: "libc6", Candidate: "2.36-9+deb12u5"},
				{Name: "libc-bin", Candidate: "2.36-9+deb12u5"},
			},
			want: append([]string{
				"unreached glibc CVE-2024-2961 [libc6 libc-bin] fixed in 2.36-9+deb12u6",
				"unreached util-linux CVE-2024-28085 [util-linux bsdutils mount] fixed in 2.38.1-5+deb12u1",
			}, open...),
		},
		{
			name: "glibc from bookworm-security",
			pending: []Pending{
				{Name: "libc6", Candidate: "2.36-9+deb12u7"},
				{Name: "libc-bin", Candidate: "2.36-9+deb12u7"},
			},
			want: append([]string{
				"fix libc6 [CVE-2024-2961] [] unknown(not yet assigned)",
				"fix libc-bin [CVE-2024-2961] [] unknown(not yet assigned)",
				"unreached util-linux CVE-2024-28085 [util-linux bsdutils mount] fixed in 2.38.1-5+deb12u1",
			}, open...),
		},
		{
			// A binNMU rebuild changes the binary version, not the source:
			// it fixes nothing.
			name: "binNMU rebuild",
			pending: []Pending{
				{Name: "util-linux", Candidate: "2.38.1-5+b2", CandidateSource: "2.38.1-5"},
			},
			want: append([]string{
				"unreached glibc CVE-2024-2961 [libc6 libc-bin] fixed in 2.36-9+deb12u6",
				"unreached util-linux CVE-2024-28085 [util-linux bsdutils mount] fixed in 2.38.1-5+deb12u1",
			}, open...),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := Decide(set, bookworm.Packages, c.pending, DebianCompare)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(v); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

// bsdutils' epoch (1:2.38.1-…) is not its source's: compared as a binary
// version it would read as newer than every util-linux fix.
func TestSourceVersionsNotBinaryVersions(t *testing.T) {
	set := mustRead(t, bookworm, "testdata/debian-tracker.json")
	noSource := []Installed{{Name: "bsdutils", Version: "1:2.38.1-5+b1", Source: "util-linux"}}
	v, _ := Decide(set, noSource, nil, DebianCompare)
	if len(v.Unreached) != 0 {
		t.Fatalf("without the source version the epoch hides the CVE (the reason for SourceVersion): %v", summary(v))
	}
	v, _ = Decide(set, bookworm.Packages[3:4], nil, DebianCompare)
	if got := summary(v); len(got) != 1 || got[0] != "unreached util-linux CVE-2024-28085 [bsdutils] fixed in 2.38.1-5+deb12u1" {
		t.Fatalf("with it: %v", got)
	}
}

// Two feeds about one fix: the tracker gives the CVE, Debian's OSV the DSA.
func TestDecideDebianOSVWithTracker(t *testing.T) {
	set := mustRead(t, bookworm, "testdata/debian-tracker.json", "testdata/osv-debian.json")
	v, err := Decide(set, bookworm.Packages, utilLinuxUpdates[1:2], DebianCompare)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Fixes) != 1 || !reflect.DeepEqual(v.Fixes[0].CVEs, []string{"CVE-2024-28085"}) || !reflect.DeepEqual(v.Fixes[0].Advisories, []string{"DSA-5650-1"}) {
		t.Fatalf("%v", summary(v))
	}
	if set.Files[1].Format != "osv" || set.Files[1].Records != 2 {
		t.Errorf("osv file %+v", set.Files[1])
	}
}

var jammy = Host{Distro: "ubuntu", Release: "22.04", Codename: "jammy", Packages: []Installed{
	{Name: "libc6", Version: "2.35-0ubuntu3.6", Source: "glibc"},
	{Name: "libc-bin", Version: "2.35-0ubuntu3.6", Source: "glibc"},
	{Name: "libc6-dbg", Version: "2.35-0ubuntu3.6", Source: "glibc"},
}}

// USN-6737-1 lists the binaries it ships; libc6-dbg, built from glibc too,
// is not among them. The Ubuntu priority (medium) is kept over the CVSS
// band (7.3, high); UBUNTU-CVE-2016-20013 has no fix for 22.04, and its
// Ubuntu Pro 18.04 entry is not this host's.
func TestDecideUbuntuOSV(t *testing.T) {
	pending := []Pending{
		{Name: "libc6", Candidate: "2.35-0ubuntu3.7"},
		{Name: "libc6-dbg", Candidate: "2.35-0ubuntu3.7"},
	}
	want := []string{
		"fix libc6 [CVE-2024-2961] [USN-6737-1] medium(medium)",
		"unreached glibc USN-6737-1 [libc-bin] fixed in 2.35-0ubuntu3.7",
		"open glibc UBUNTU-CVE-2016-20013 [libc6 libc-bin libc6-dbg] negligible",
	}
	for _, path := range []string{"testdata/osv-dir", "testdata/osv.zip"} {
		t.Run(path, func(t *testing.T) {
			set := mustRead(t, jammy, path)
			if set.Files[0].Format != "osv" || set.Files[0].Records != 2 {
				t.Errorf("files %+v", set.Files)
			}
			v, err := Decide(set, jammy.Packages, pending, DebianCompare)
			if err != nil {
				t.Fatal(err)
			}
			if got := summary(v); !reflect.DeepEqual(got, want) {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
	// One record file alone is detected as OSV too.
	set := mustRead(t, jammy, "testdata/osv-dir/2024/USN-6737-1.json")
	if vs := set.For("glibc"); len(vs) != 1 || vs[0].Rating.Scheme != "ubuntu priority" || !reflect.DeepEqual(vs[0].Binaries, []string{"libc-bin", "libc6", "locales", "nscd"}) {
		t.Errorf("%+v", vs)
	}
}

// RPM hosts pass their own comparison.
func TestDecideTakesTheCompareFunc(t *testing.T) {
	rec := `{"id": "RLSA-2024:2722", "upstream": ["CVE-2024-2961"], "affected": [{"package": {"ecosystem": "Rocky Linux:9", "name": "glibc"},
	  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.34-100.el9_4.2"}]}], "database_specific": {"severity": "Important"}}]}`
	p := filepath.Join(t.TempDir(), "rlsa.json")
	os.WriteFile(p, []byte(rec), 0o600)
	h := Host{Distro: "rocky", Release: "9.4", Packages: []Installed{{Name: "glibc", Version: "2.34-100.el9"}}}
	set := mustRead(t, h, p)
	calls := 0
	cmp := func(a, b string) (int, error) { calls++; return strings.Compare(a, b), nil }
	v, err := Decide(set, h.Packages, []Pending{{Name: "glibc", Candidate: "2.34-100.el9_4.2"}}, cmp)
	if err != nil || calls == 0 || len(v.Fixes) != 1 || v.Fixes[0].Rating.Severity != High || v.Fixes[0].Rating.Vendor != "Important" ||
		!reflect.DeepEqual(v.Fixes[0].Advisories, []string{"RLSA-2024:2722"}) {
		t.Fatalf("%v %v calls=%d", summary(v), err, calls)
	}
}

func TestMalformedFeeds(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o600)
		return p
	}
	cases := []struct {
		path, want string
	}{
		{"testdata/malformed-tracker.json", "advisory feed testdata/malformed-tracker.json, line 3, key glibc: not valid JSON (byte offset 85)"},
		{"testdata/truncated-tracker.json", "advisory feed testdata/truncated-tracker.json, line "},
		{write("status.json", `{"glibc": {"CVE-1": {"releases": {"bookworm": {"status": "fixed"}}}}}`), "key glibc.CVE-1.releases.bookworm.status: unknown status"},
		{write("shadow.json", "root:$y$secret:19000:0:99999:7:::\n"), "line 1: not a feed"},
		{write("number.json", "42"), "not a feed"},
		{write("empty.json", "{}"), "an empty JSON object"},
		{write("noid.json", `[{"affected": []}]`), "an OSV record without id"},
		{write("type.json", `{"glibc": {"CVE-1": {"releases": "x"}}}`), "line 1, key glibc.CVE-1.releases: want a JSON object, not a string"},
		{write("two.json", `[] []`), "data after the JSON value"},
		{filepath.Join(dir, "missing.json"), "no such file"},
		// In sources not installed, only the structure is checked.
		{write("unpaired.json", "{\"zabbix\": {\"CVE-1\": [}}\n}"), "line 1, key zabbix: not valid JSON (a bracket that does not pair) (byte offset 22)"},
		{write("cut.json", "{\"zabbix\": {\"CVE-1\": {\"description\": \"a \\\" {"), "key zabbix: the JSON ends early"},
		{write("trailing.json", "{\"zabbix\": {}}\n{}"), "line 2: data after the JSON value"},
		{write("comma.json", "{\"zabbix\": {} \"glibc\": {}}"), "not valid JSON (want a comma or a closing brace)"},
		{write("notobject.json", "{\"zabbix\": []}"), "key zabbix: want a JSON object of CVEs"},
		{write("kept.json", "{\"zabbix\": {},\n \"glibc\": {\"CVE-1\": {\"releases\": {\"bookworm\": {\"status\": open}}}}}"), "line 2, key glibc: not valid JSON (byte offset 72)"},
	}
	for _, c := range cases {
		_, err := Read([]string{c.path}, bookworm)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v\nwant it to contain %q", c.path, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error quotes the file: %v", c.path, err)
		}
		if _, ok := located.As(err); err != nil && !ok {
			t.Errorf("%s: not a located.Error: %T", c.path, err)
		}
	}
	// A bad zip entry is named inside the archive.
	if _, err := Read([]string{"testdata/osv.zip"}, bookworm); err != nil {
		t.Fatal(err)
	}
}

// Strings in sources passed over may hold quotes, backslashes and
// brackets.
func TestTrackerSkipsStrings(t *testing.T) {
	p := filepath.Join(t.TempDir(), "t.json")
	os.WriteFile(p, []byte(`{"zabbix": {"CVE-1": {"description": "a \"quoted\" {bracket] and \\", "releases": {}}},
 "glibc": {"CVE-2024-2961": {"releases": {"bookworm": {"status": "resolved", "fixed_version": "2.36-9+deb12u6", "urgency": "high**"}}}}}`), 0o644)
	set := mustRead(t, bookworm, p)
	if vs := set.For("glibc"); len(vs) != 1 || vs[0].Rating.Severity != High || vs[0].Rating.Vendor != "high**" {
		t.Fatalf("%+v", vs)
	}
}

func TestFeedBounded(t *testing.T) {
	old := FeedLimit
	FeedLimit.Bytes = 1000
	defer func() { FeedLimit = old }()
	_, err := Read([]string{"testdata/debian-tracker.json"}, bookworm)
	if !errors.Is(err, located.ErrTooLarge) || !strings.Contains(err.Error(), "testdata/debian-tracker.json") {
		t.Fatalf("%v", err)
	}
	_, err = Read([]string{"/dev/zero"}, bookworm)
	if err == nil || !strings.Contains(err.Error(), "/dev/zero") {
		t.Fatalf("/dev/zero: %v", err)
	}
}

func TestGlob(t *testing.T) {
	if m, err := Glob("testdata/osv-dir/*/*.json"); err != nil || len(m) != 2 {
		t.Errorf("%v %v", m, err)
	}
	if _, err := Glob("testdata/none-*.json"); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "testdata/none-*.json") {
		t.Errorf("%v", err)
	}
}

func TestEcosystemMatches(t *testing.T) {
	for _, c := range []struct {
		eco  string
		h    Host
		want bool
	}{
		{"Debian:12", bookworm, true}, {"Debian:11", bookworm, false}, {"Ubuntu:22.04:LTS", jammy, true},
		{"Ubuntu:Pro:22.04:LTS", jammy, true}, {"Ubuntu:Pro:18.04:LTS", jammy, false}, {"Ubuntu:22.04:LTS", bookworm, false},
		{"Rocky Linux:9", Host{Distro: "rocky", Release: "9.4"}, true}, {"AlmaLinux:8", Host{Distro: "almalinux", Release: "9.4"}, false},
		{"Red Hat:enterprise_linux:9::appstream", Host{Distro: "rhel", Release: "9.4"}, true}, {"npm", bookworm, false},
	} {
		if got := ecosystemMatches(c.eco, c.h); got != c.want {
			t.Errorf("%s on %s %s: %v", c.eco, c.h.Distro, c.h.Release, got)
		}
	}
}

func FuzzReadJSON(f *testing.F) {
	for _, p := range []string{"testdata/debian-tracker.json", "testdata/osv-debian.json", "testdata/osv-dir/2024/USN-6737-1.json", "testdata/malformed-tracker.json"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(`[{"id":"X","affected":[{"package":{"ecosystem":"Debian:12","name":"glibc"},"ranges":[{"type":"ECOSYSTEM","events":[{"fixed":"1"},{"introduced":"2"}]}]}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		set := &Set{}
		file := File{Path: "fuzz"}
		err := readJSON(bytes.NewReader(data), &file, bookworm, wantedOf(bookworm), set)
		if err != nil {
			var fe *feedError
			if !errors.As(err, &fe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if json.Valid(data) && strings.Contains(fe.msg, "not valid JSON") {
				t.Fatalf("valid JSON refused: %v", err)
			}
			return
		}
		if _, err := Decide(set, bookworm.Packages, utilLinuxUpdates, DebianCompare); err != nil && !strings.Contains(err.Error(), "fuzz") {
			t.Fatalf("decide error without the feed: %v", err)
		}
	})
}

func writeZip(t *testing.T, entries map[string]string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "feed.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range entries {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

func TestZipEntries(t *testing.T) {
	bad := writeZip(t, map[string]string{"good.json": `{"id": "X", "affected": []}`, "osv/bad.json": "{\n  \"id\": \"Y\",\n  oops\n}"})
	_, err := Read([]string{bad}, jammy)
	if err == nil || !strings.Contains(err.Error(), "feed.zip!osv/bad.json") || !strings.Contains(err.Error(), "not valid JSON") {
		t.Fatalf("bad entry: %v", err)
	}
	old := RecordLimit
	RecordLimit.Bytes = 100
	defer func() { RecordLimit = old }()
	big := writeZip(t, map[string]string{"big.json": `{"id": "X", "details": "` + strings.Repeat("a", 1000) + `"}`})
	if _, err := Read([]string{big}, jammy); !errors.Is(err, located.ErrTooLarge) || !strings.Contains(err.Error(), "feed.zip!big.json") {
		t.Fatalf("big entry: %v", err)
	}
	tracker := writeZip(t, map[string]string{"t.json": `{"glibc": {}}`})
	if _, err := Read([]string{tracker}, jammy); err == nil || !strings.Contains(err.Error(), "not an OSV record") {
		t.Fatalf("tracker in a zip: %v", err)
	}
}

// An Ubuntu Pro record keeps its availability: the fix exists, apt sees it
// only with a Pro subscription.
func TestUbuntuProAvailability(t *testing.T) {
	p := filepath.Join(t.TempDir(), "usn.json")
	os.WriteFile(p, []byte(`{"id": "USN-6737-2", "upstream": ["UBUNTU-CVE-2024-2961"], "affected": [{"package": {"ecosystem": "Ubuntu:Pro:22.04:LTS", "name": "glibc"},
	  "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.35-0ubuntu3.7+esm1"}]}],
	  "ecosystem_specific": {"availability": "Available with Ubuntu Pro"}}]}`), 0o644)
	set := mustRead(t, jammy, p)
	v, err := Decide(set, jammy.Packages[:1], nil, DebianCompare)
	if err != nil || len(v.Unreached) != 1 || v.Unreached[0].Vuln.Subscription != "Available with Ubuntu Pro" ||
		!reflect.DeepEqual(v.Unreached[0].Vuln.CVEs, []string{"CVE-2024-2961"}) || set.Files[0].Modified.IsZero() {
		t.Fatalf("%v %+v %v", summary(v), v.Unreached, err)
	}
}

func TestVulnerabilitiesCountedOnce(t *testing.T) {
	set := mustRead(t, bookworm, "testdata/debian-tracker.json", "testdata/osv-debian.json")
	v, err := Decide(set, bookworm.Packages, nil, DebianCompare)
	if err != nil {
		t.Fatal(err)
	}
	// CVE-2024-2961 and CVE-2024-28085 each twice (tracker and DSA), and
	// three open glibc CVEs.
	if len(v.Unreached) != 4 || Vulnerabilities(v.Unreached) != 2 || Vulnerabilities(v.Open) != 3 {
		t.Fatalf("%v", summary(v))
	}
}
