package eol

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func fixture(name string) string { return filepath.Join("..", "..", "testdata", "eol", name) }

// debian.csv and ubuntu.csv are distro-info-data 0.58+deb12u6's, as
// installed on the Debian 12 CI host.
func TestDistroInfoTiers(t *testing.T) {
	cases := []struct {
		file, distro, version, tier, want string // want "": no date for the tier
	}{
		{"debian.csv", "debian", "11", "standard", "2024-08-14"},
		{"debian.csv", "debian", "11", "lts", "2026-08-31"},
		{"debian.csv", "debian", "11", "elts", "2031-06-30"},
		{"debian.csv", "debian", "12", "standard", "2026-07-11"},
		{"debian.csv", "debian", "12", "elts", "2033-06-30"},
		{"debian.csv", "debian", "12", "lts", "2028-06-30"},
		{"debian.csv", "debian", "14", "standard", ""},
		{"ubuntu.csv", "ubuntu", "22.04", "standard", "2027-06-01"},
		{"ubuntu.csv", "ubuntu", "22.04", "esm", "2032-04-21"},
		{"ubuntu.csv", "ubuntu", "22.04", "legacy", "2034-04-25"},
		{"ubuntu.csv", "ubuntu", "14.04", "esm", "2024-04-25"},
		{"ubuntu.csv", "ubuntu", "23.10", "esm", ""},
	}
	rels := map[string][]DistroRelease{}
	for _, f := range []string{"debian.csv", "ubuntu.csv"} {
		r, err := ReadDistroInfo(fixture(f))
		if err != nil {
			t.Fatal(err)
		}
		rels[f] = r
	}
	for _, c := range cases {
		var found *DistroRelease
		for i := range rels[c.file] {
			if rels[c.file][i].Version == c.version {
				found = &rels[c.file][i]
			}
		}
		if found == nil {
			t.Errorf("%s: no release %s", c.file, c.version)
			continue
		}
		got, ok, err := found.EndOfLife(c.distro, c.tier)
		if err != nil {
			t.Errorf("%s %s %s: %v", c.file, c.version, c.tier, err)
			continue
		}
		if c.want == "" {
			if ok {
				t.Errorf("%s %s %s: %s, want no date", c.file, c.version, c.tier, got.Format(time.DateOnly))
			}
			continue
		}
		if !ok || !got.Equal(day(c.want)) {
			t.Errorf("%s %s %s: %v %v, want %s", c.file, c.version, c.tier, got, ok, c.want)
		}
	}
	if _, _, err := rels["debian.csv"][0].EndOfLife("debian", "esm"); err == nil || !strings.Contains(err.Error(), "standard, lts, elts") {
		t.Errorf("unknown tier: %v", err)
	}
}

// Ubuntu's standard tier takes eol-server where it is set (older LTS
// servers had five years, their desktops three).
func TestDistroInfoUbuntuServerColumn(t *testing.T) {
	data := "version,codename,series,created,release,eol,eol-server,eol-esm\n" +
		"10.04 LTS,Lucid Lynx,lucid,2009-10-29,2010-04-29,2013-05-09,2015-04-30\n" +
		"12.10,Quantal Quetzal,quantal,2012-04-26,2012-10-18,2014-05-16\n"
	rels, err := ParseDistroInfo("u.csv", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if got, _, _ := rels[0].EndOfLife("ubuntu", "standard"); !got.Equal(day("2015-04-30")) {
		t.Errorf("10.04 standard = %v, want eol-server 2015-04-30", got)
	}
	if got, _, _ := rels[1].EndOfLife("ubuntu", "standard"); !got.Equal(day("2014-05-16")) {
		t.Errorf("12.10 standard = %v, want eol 2014-05-16", got)
	}
	if rels[0].Version != "10.04" || rels[0].Line != 2 || rels[1].Line != 3 {
		t.Errorf("rows %+v", rels)
	}
}

func TestDistroInfoErrors(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"empty", "", "distro-info F: empty"},
		{"no eol column", "version,codename,series\n12,Bookworm,bookworm\n", "distro-info F, line 1, key eol: header has no eol column"},
		{"bad date", "version,codename,series,created,release,eol\n12,Bookworm,bookworm,2021-08-14,2023-06-10,2026-13-10\n", "distro-info F, line 2, key eol: not a date"},
		{"too many fields", "version,codename,series,eol\n12,Bookworm,bookworm,2026-06-10,x\n", "distro-info F, line 2: 5 fields"},
		{"bad quote", "version,codename,series,eol\n12,\"Book\"worm,bookworm,2026-06-10\n", "distro-info F, line 2:"},
		{"no releases", "version,codename,series,eol\n,Sid,sid,\n", "distro-info F: no releases"},
		{"not utf-8", "version,codename,series,eol\n12,\xff,bookworm,\n", "distro-info F: not UTF-8"},
		{"duplicate column", "version,eol,codename,series,eol\n", "distro-info F, line 1, key eol: column twice"},
	}
	for _, c := range cases {
		_, err := ParseDistroInfo("F", []byte(c.data))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := ReadDistroInfo(filepath.Join(t.TempDir(), "none.csv")); err == nil {
		t.Error("missing file read")
	}
}

func TestEndOfLifeV0AndV1(t *testing.T) {
	v0, err := ReadEndOfLife(fixture("fortios-v0.json"))
	if err != nil {
		t.Fatal(err)
	}
	v1, err := ReadEndOfLife(fixture("fortios-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(v0) != 6 || len(v1) != 3 {
		t.Fatalf("%d v0 cycles, %d v1 cycles", len(v0), len(v1))
	}
	want := map[string][2]string{"7.4": {"2027-11-11", "2026-05-11"}, "7.2": {"2026-09-30", "2025-03-31"}, "6.0": {"2022-09-29", "2021-03-29"}}
	for _, cycles := range [][]Cycle{v0, v1} {
		for _, c := range cycles {
			w, ok := want[c.Name]
			if !ok {
				continue
			}
			if !c.EOL.When.Equal(day(w[0])) || !c.Support.When.Equal(day(w[1])) || c.Extended.Known() {
				t.Errorf("cycle %s: %+v, want eol %s support %s", c.Name, c, w[0], w[1])
			}
		}
	}
	if v0[0].Line != 2 || v0[1].Line != 9 || v1[0].Line != 24 {
		t.Errorf("lines: v0 %d %d, v1 %d", v0[0].Line, v0[1].Line, v1[0].Line)
	}
	rhel, err := ReadEndOfLife(fixture("rhel-v0.json"))
	if err != nil {
		t.Fatal(err)
	}
	if c := rhel[2]; c.Name != "7" || !c.EOL.When.Equal(day("2024-06-30")) || !c.Extended.When.Equal(day("2028-06-30")) {
		t.Errorf("rhel 7: %+v", c)
	}
}

// eol true/false and v1's isEol without a date.
func TestEndOfLifeBooleans(t *testing.T) {
	g, err := ReadEndOfLife(fixture("grafana-v0.json"))
	if err != nil {
		t.Fatal(err)
	}
	if g[0].EOL.Known() || !g[0].Support.Reached || !g[2].Support.When.Equal(day("2022-06-13")) || g[2].EOL.Known() {
		t.Errorf("booleans: %+v", g)
	}
	v1 := `{"result": {"releases": [{"name": "6.0", "isEol": true, "eolFrom": null}, {"name": "7.2", "isEol": false, "eolFrom": "2026-09-30"}]}}`
	cs, err := ParseEndOfLife("F", []byte(v1))
	if err != nil {
		t.Fatal(err)
	}
	if !cs[0].EOL.Reached || !cs[0].EOL.When.IsZero() || cs[1].EOL.Reached || !cs[1].EOL.When.Equal(day("2026-09-30")) {
		t.Errorf("v1 flags: %+v", cs)
	}
	v0 := `[{"cycle": "6.0", "eol": true}, {"cycle": 7, "eol": "2024-06-30"}]`
	if cs, err = ParseEndOfLife("F", []byte(v0)); err != nil || !cs[0].EOL.Reached || cs[1].Name != "7" {
		t.Errorf("v0 true / numeric cycle: %+v %v", cs, err)
	}
}

func TestEndOfLifeErrors(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"empty", "  ", "endoflife.date F: empty"},
		{"not json", "cycle: 7.2\n", "endoflife.date F, line 1: not endoflife.date's product JSON"},
		{"no cycles", "[]", "endoflife.date F: no release cycles"},
		{"bad date", "[\n{\"cycle\": \"7.2\",\n \"eol\": \"30.09.2026\"}]", "endoflife.date F, line 2, key [0].eol: not a date"},
		{"eol a number", "[{\"cycle\": \"7.2\", \"eol\": 2026}]", "endoflife.date F, line 1, key [0].eol: want a date"},
		{"no cycle name", "[{\"eol\": false},\n {\"cycle\": \"7.2\"}]", "endoflife.date F, line 1, key [0]: release cycle without \"cycle\""},
		{"second bad", "[{\"cycle\": \"7.4\"},\n {\"cycle\": \"7.2\", \"support\": \"x\"}]", "endoflife.date F, line 2, key [1].support: not a date"},
		{"v1 no releases", "{\"result\": {\"name\": \"fortios\"}}", "endoflife.date F, line 1, key result.releases: missing"},
		{"v1 bad flag", "{\"result\": {\"releases\": [\n{\"name\": \"7.2\", \"isEol\": \"yes\"}]}}", "endoflife.date F, line 2, key result.releases[0].isEol: want true or false"},
		{"truncated", "[{\"cycle\": \"7.2\", \"eol\": fal", "endoflife.date F"},
		{"element not object", "[\"7.2\"]", "endoflife.date F"},
		{"not utf-8", "[{\"cycle\": \"\xff\"}]", "endoflife.date F: not UTF-8"},
	}
	for _, c := range cases {
		_, err := ParseEndOfLife("F", []byte(c.data))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func FuzzParseDistroInfo(f *testing.F) {
	for _, name := range []string{"debian.csv", "ubuntu.csv"} {
		data, err := os.ReadFile(fixture(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("version,codename,series,eol\n12,B,b,2026-06-10\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rels, err := ParseDistroInfo("F", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "distro-info F") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, r := range rels {
			if r.Version == "" || r.Line < 2 {
				t.Fatalf("release %+v", r)
			}
			for _, tier := range Tiers("debian") {
				_, _, _ = r.EndOfLife("debian", tier)
			}
		}
	})
}

func FuzzParseEndOfLife(f *testing.F) {
	for _, name := range []string{"fortios-v0.json", "fortios-v1.json", "rhel-v0.json", "grafana-v0.json"} {
		data, err := os.ReadFile(fixture(name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"result": {"releases": [{"name": "6.0", "isEol": true, "eolFrom": null}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		cycles, err := ParseEndOfLife("F", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "endoflife.date F") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, c := range cycles {
			if c.Name == "" || c.Line < 1 {
				t.Fatalf("cycle %+v", c)
			}
		}
	})
}

// A file of the largest size with the most cycles parses in linear time
// (lines are counted once, not from the start for every cycle).
func TestEndOfLifeManyCyclesLinear(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("[")
	for i := 0; sb.Len() < int(EndOfLifeLimit.Bytes)-64; i++ {
		if i > 0 {
			sb.WriteString(",\n")
		}
		sb.WriteString(`{"cycle":"1","eol":false}`)
	}
	sb.WriteString("]")
	start := time.Now()
	cycles, err := ParseEndOfLife("F", []byte(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("%d cycles took %v", len(cycles), took)
	}
	if last := cycles[len(cycles)-1]; last.Line != len(cycles) {
		t.Errorf("last cycle on line %d, want %d", last.Line, len(cycles))
	}
}
