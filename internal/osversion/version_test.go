package osversion

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// order is one ordering fact from a vendor's naming rules: a < b (want -1),
// a == b (0), a > b (1), or "x" when the two must not be compared.
type order struct {
	a, rel, b string
}

// orderings are per platform, at least ten facts each, from the vendors'
// release-naming documents (Cisco "IOS Reference Guide" and "IOS XE
// release naming", Juniper "Junos OS release numbering", Fortinet build
// strings, Palo Alto hotfix "-hN", Arista F/M trains, MikroTik beta/rc,
// Check Point Jumbo takes, os-release VERSION_ID).
var orderings = map[string][]order{
	"ios": {
		{"15.2(7)E4", "<", "15.2(7)E10"},
		{"12.4(21)", "<", "12.4(21a)"},
		{"12.4(21a)", "<", "12.4(22)"},
		{"15.2(7)E", "<", "15.2(7)E1"},
		{"15.1(4)M12", "<", "15.1(4)M12a"},
		{"15.1(4)M12a", "<", "15.1(4)M13"},
		{"12.2(55)SE12", "<", "12.2(58)SE2"},
		{"15.0(2)SE11", "<", "15.0(2)SE12"},
		{"15.2(7)E4", "=", "15.2(7)E4"},
		{"12.2(33)SXJ9", "<", "12.2(33)SXJ10"},
		{"15.2(4)E10", "<", "15.2(7)E4"},
		{"15.2(7)E4", "x", "15.2(4)M3"},
		{"12.4(24)T8", "x", "12.4(24)"},
		// Trains are incomparable only within one release: 12.1 < 12.2.
		{"15.2(7)E4", ">", "12.2(55)SE12"},
		{"12.1(22)EA14", "<", "12.2(50)SE3"},
		{"12.2(50)SE3", ">", "12.1(22)EA14"},
		{"12.2(55)SE12", "<", "15.0(2)SE11"},
		{"12.4(24)T8", "<", "15.1(4)M12a"},
		{"15.2(7)E", "x", "15.2(4)M"},
		{"15.0(2)SE11", "x", "15.0(1)M4"},
		{"15.2", "<", "15.2(7)E4"},
		{"15.2", ">", "15.1(4)M12a"},
	},
	"ios-xe": {
		{"17.9.4", "<", "17.9.4a"},
		{"17.9.4a", "<", "17.9.5"},
		{"17.09.04a", "=", "17.9.4a"},
		{"17.6.5", "<", "17.9.4a"},
		{"16.12.4", "<", "17.3.1a"},
		{"17.12.1", ">", "17.9.4a"},
		{"17.9", "=", "17.9.0"},
		{"17.9.4b", ">", "17.9.4a"},
		{"16.9.3", "<", "16.12.1"},
		{"3.16.8S", "<", "3.16.10S"},
		{"3.16.8S", "<", "16.3.1"},
		{"3.6.5E", "x", "3.16.8S"},
		// IOSd versions, as IOS-XE 3.x devices report them in sysDescr:
		// ordered by IOS's rules, older than any 16.x, not ordered
		// against IOS-XE's own 3.x numbers.
		{"15.5(3)S1", "<", "15.5(3)S8"},
		{"15.5(3)S1", "<", "16.3.1"},
		{"15.5(3)S1", "<", "17.9.4a"},
		{"15.4(3)S", "<", "15.5(3)S1"},
		{"15.5", "<", "15.5(3)S1"},
		{"15.5(3)S1", "x", "3.16.1S"},
		{"15.5(3)S1", "x", "3.16"},
		{"15.5(3)S1", "x", "15.5(3)M1"},
	},
	"nx-os": {
		{"9.3(9)", "<", "9.3(10)"},
		{"9.3(10)", "<", "10.2(5)M"},
		{"10.2(5)M", "=", "10.2(5)F"},
		{"10.3(4)M", "<", "10.3(4a)M"},
		{"7.0(3)I7(9)", "<", "7.0(3)I7(10)"},
		{"7.0(3)I7(9)", "<", "9.3(9)"},
		{"7.0(8)N1(1)", "<", "7.0(8)N1(1a)"},
		{"7.0(8)N1(1)", "x", "7.0(8)I7(1)"},
		{"6.0(2)U6(10)", ">", "6.0(2)U6(9)"},
		{"5.2(1)N1(9b)", "<", "7.0(8)N1(1)"},
		{"8.4(2c)", ">", "8.4(2b)"},
		{"9.3", "<", "9.3(1)"},
		// Image-file spellings (nxos.7.0.3.I7.8.bin).
		{"7.0.3.I7.8", "=", "7.0(3)I7(8)"},
		{"7.0.3.I7.8", "<", "7.0(3)I7(9)"},
		{"7.0.3.I7.10", ">", "7.0(3)I7(9)"},
		{"9.3.10", "=", "9.3(10)"},
		{"10.3.4a.M", "=", "10.3(4a)M"},
		{"7.0.8.N1.1", "=", "7.0(8)N1(1)"},
		{"7.0.3.I7.8", "x", "7.0(3)N7(8)"},
	},
	"junos": {
		{"21.4R3", "<", "21.4R3-S1"},
		{"21.4R3-S1", "<", "21.4R3-S5.4"},
		{"21.4R3-S5.4", "<", "21.4R3-S10"},
		{"21.4R3.15", "<", "21.4R3-S1"},
		{"21.4R2", "<", "21.4R3"},
		{"21.4B1", "<", "21.4R1"},
		{"20.4R3-S9", "<", "21.4R1"},
		{"12.3X48-D35.7", "<", "12.3X48-D40"},
		{"12.3X48-D35.7", "<", "15.1X49-D100.6"},
		{"12.3X48-D35", "<", "21.4R3"},
		{"21.4R3-S5-EVO", "=", "21.4R3-S5"},
		{"15.1X49-D100", "x", "15.1R7"},
		{"22.2R3-S2", ">", "21.4R3-S10"},
	},
	"fortios": {
		{"v7.2.8,build1639,240313 (GA.M)", "=", "7.2.8"},
		{"7.2.8", "<", "7.2.10"},
		{"v7.2.8", "=", "7.2.8"},
		{"7.0.15", "<", "7.2.0"},
		{"7.4.3", ">", "7.2.10"},
		{"6.4.15", "<", "7.0.0"},
		{"FortiOS v7.4.3", "=", "7.4.3"},
		{"7.2", "<", "7.2.1"},
		{"v7.4.4,build2662,240514 (GA.F)", ">", "7.4.3"},
		{"7.2.9", "<", "v7.2.10,build1706,240918 (GA.M)"},
	},
	"pan-os": {
		{"10.2.9", "<", "10.2.9-h1"},
		{"10.2.9-h1", "<", "10.2.10"},
		{"10.2.9-h1", "<", "10.2.9-h11"},
		{"10.1.14-h4", "<", "10.2.0"},
		{"11.1.2-h3", ">", "11.1.2"},
		{"9.1.17", "<", "10.0.0"},
		{"11.0.4-h2", "<", "11.1.0"},
		{"10.2.10", "=", "10.2.10"},
		{"10.2.10-h2", ">", "10.2.9-h12"},
		{"11.2.0", ">", "11.1.4-h7"},
	},
	"eos": {
		{"4.30.2F", "=", "4.30.2M"},
		{"4.30.2F", "<", "4.30.10F"},
		{"4.28.3M", "<", "4.30.2F"},
		{"4.21.1F", "<", "4.21.1.1F"},
		{"4.29.9M", "<", "4.30.0F"},
		{"4.31.1F", ">", "4.30.6M"},
		{"4.30.2", "=", "4.30.2F"},
		{"4.23.0.1F", "<", "4.23.1F"},
		{"4.9.1F", "<", "4.10.0F"},
		{"4.32.0F", ">", "4.31.9M"},
	},
	"routeros": {
		{"7.9", "<", "7.14.3"},
		{"7.9", "=", "7.9.0"},
		{"7.10beta3", "<", "7.10rc1"},
		{"7.10rc2", "<", "7.10"},
		{"7.10", "<", "7.10.1"},
		{"6.49.10", "<", "7.1"},
		{"6.48.6 (long-term)", "=", "6.48.6"},
		{"7.14.3 (stable)", ">", "7.14.2"},
		{"7.9.2", ">", "7.9"},
		{"7.15rc2", "<", "7.15"},
		{"7.1.5", "<", "7.1.10"},
	},
	"gaia": {
		{"R81.10", "<", "R81.20"},
		{"R81.20", "<", "R82"},
		{"R81", "<", "R81.10"},
		{"R80.40", "<", "R81"},
		{"R81.20", "<", "R81.20 Take 92"},
		{"R81.20 Take 92", "=", "R81.20 JHF T92"},
		{"R81.20 Take 89", "<", "R81.20 Take 92"},
		{"R81.20 Jumbo Hotfix Accumulator Take 92", "=", "R81.20 Take 92"},
		{"R81.10 Take 150", "<", "R81.20"},
		{"R77.30", "<", "R80.10"},
		{"r82 take 10", ">", "R82"},
		// Scalable Platform: a train of its own; management pre-releases
		// Mn come before their GA.
		{"R80.20SP", ">", "R80.10"},
		{"R80.20SP", "<", "R81.10"},
		{"R80.20SP Take 317", ">", "R80.20SP"},
		{"R80.20SP", "x", "R80.20"},
		{"R80.20SP Take 317", "x", "R80.20 Take 118"},
		{"R80.20M1", "<", "R80.20"},
		{"R80.20M1", "<", "R80.20M2"},
		{"R80.20.M2", "=", "R80.20M2"},
		{"R80.20M2", "<", "R80.20 Take 1"},
		{"R80.20M2", ">", "R80.10 Take 275"},
		{"R80.20M2", "<", "R80.30"},
	},
	"debian": {
		{"9.2", "<", "9.10"},
		{"11", "<", "12"},
		{"12", "=", "12.0"},
		{"12", "<", "12.1"},
		{"10.13", "<", "11"},
		{"8", "<", "10"},
		{"12.5", ">", "12.4"},
		{"13", ">", "12.9"},
		{"9.13", ">", "9.2"},
		{"11.0", "=", "11"},
	},
	"ubuntu": {
		{"22.04", ">", "20.04"},
		{"22.04", "=", "22.4"},
		{"22.10", ">", "22.04"},
		{"24.04", ">", "23.10"},
		{"18.04", "<", "20.04"},
		{"20.10", "<", "21.04"},
		{"16.04", "<", "16.10"},
		{"24.10", ">", "24.04"},
		{"14.04", "<", "22.04"},
		{"22.04", "<", "22.04.1"},
	},
	"rhel": {
		{"9.2", "<", "9.10"},
		{"8.10", ">", "8.9"},
		{"9", "<", "9.1"},
		{"7.9", "<", "8.0"},
		{"9.4", ">", "9.3"},
		{"8.6", "<", "9.0"},
		{"9.0", "=", "9"},
		{"10.0", ">", "9.6"},
		{"6.10", ">", "6.9"},
		{"8.1", "<", "8.10"},
	},
}

// Rocky Linux, AlmaLinux and CentOS have platform ids of their own (their
// policy entries are their own) and RHEL's ordering, since their versions
// track RHEL's.
func init() {
	for _, id := range []string{"rocky", "almalinux", "centos"} {
		orderings[id] = append(slices.Clip(orderings["rhel"]), order{"7.9.2009", ">", "7.9"})
	}
}

func TestOrderings(t *testing.T) {
	for _, id := range Platforms() {
		if _, ok := orderings[id]; !ok {
			switch id {
			case "ol", "fedora", "sles", "alpine":
				continue // same parser as rhel
			}
			t.Errorf("platform %s has no ordering table", id)
		}
	}
	for id, cases := range orderings {
		if len(cases) < 10 {
			t.Errorf("%s: only %d ordering cases", id, len(cases))
		}
		for _, c := range cases {
			a, err := Parse(id, c.a)
			if err != nil {
				t.Errorf("%s: %v", id, err)
				continue
			}
			b, err := Parse(id, c.b)
			if err != nil {
				t.Errorf("%s: %v", id, err)
				continue
			}
			got, err := Compare(a, b)
			back, errBack := Compare(b, a)
			if c.rel == "x" {
				if err == nil || errBack == nil {
					t.Errorf("%s: %s vs %s compared (%d), want an error", id, c.a, c.b, got)
				}
				continue
			}
			if err != nil || errBack != nil {
				t.Errorf("%s: %s %s %s: %v %v", id, c.a, c.rel, c.b, err, errBack)
				continue
			}
			want := map[string]int{"<": -1, "=": 0, ">": 1}[c.rel]
			if got != want || back != -want {
				t.Errorf("%s: Compare(%s, %s) = %d (reverse %d), want %s", id, c.a, c.b, got, back, c.rel)
			}
		}
	}
}

func TestParseRejects(t *testing.T) {
	bad := map[string][]string{
		"ios":      {"15.2(7", "15.2(7)e4", "15.2.7", "IOS 15.2", "15", "(7)E4", "15.2()E4", "15.2(7)TOOLONG1"},
		"ios-xe":   {"17", "17.9.4A1", "17.9.4-a", "v17.9.4", "17.9.4.1.2", "17..9", "15.5.3", "4.1", "15.5(3", "15.5(3)S1.1"},
		"nx-os":    {"9.3(", "9.3(9)X", "7.0(3)I7(", "9.3.9.1", "7.0.3.I7.", "7.0.3I7.8", "7.0.3.I7(8)"},
		"junos":    {"21.4R", "21.4R3-S", "21.4R3-D1", "12.3X48-S35", "21", "21.4Q3", "21.4R3-S5.4.1"},
		"fortios":  {"7", "v7.2.8,build", "7.2.8 build1639", "7.2.8.1"},
		"pan-os":   {"10.2.9-h", "10.2.9-c1", "10.2.9h1", "10"},
		"eos":      {"4", "4.30.2f", "4.30.2.1.1F", "4.30.2-F"},
		"routeros": {"7", "7.10gamma1", "7.10rc", "7.14.3 (weird)"},
		"gaia":     {"81.20", "R", "R81.20 Take", "R81.20.1", "R81.20 T92", "R80.20M", "R80.20M1000", "R80.20SPM1", "R80.20 SP"},
		"debian":   {"bookworm", "12.x", "", "1.2.3.4.5", "-1", "12/sid"},
	}
	// Also the too long and the empty, for every platform.
	for _, id := range Platforms() {
		bad[id] = append(bad[id], "", "   ", strings.Repeat("1.", 60)+"1")
	}
	for id, list := range bad {
		for _, s := range list {
			if v, err := Parse(id, s); err == nil {
				t.Errorf("%s: Parse(%q) = %v (key %v), want an error", id, s, v, v.key)
			} else if s != "" && strings.TrimSpace(s) != "" && len(s) < 100 && !strings.Contains(err.Error(), id) {
				t.Errorf("%s: error %q does not name the platform", id, err)
			}
		}
	}
	if _, err := Parse("vms", "8.4"); err == nil || !strings.Contains(err.Error(), "unknown platform") {
		t.Errorf("unknown platform: %v", err)
	}
	if a, b := mustParse(t, "ios", "15.2(7)E4"), mustParse(t, "ios-xe", "17.9.4"); true {
		if _, err := Compare(a, b); err == nil {
			t.Error("compared versions of two platforms")
		}
	}
}

func TestInCycle(t *testing.T) {
	cases := []struct {
		platform, version, cycle string
		in                       bool
	}{
		{"ios-xe", "17.6.5", "17.6", true},
		{"ios-xe", "17.6", "17.6", true},
		{"ios-xe", "17.16.1", "17.6", false},
		{"ios-xe", "17.9.4a", "17.9.4", true},
		{"junos", "21.4R3-S5", "21.4", true},
		{"junos", "21.4R3-S5.4", "21.4R3", true},
		{"junos", "21.2R3", "21.4", false},
		{"junos", "12.3X48-D35", "12.3", true},
		{"ios", "15.2(7)E4", "15.2", true},
		{"ios", "15.2(7)E4", "15.2(7)E", true},
		{"ios", "15.2(7)M4", "15.2(7)E", false},
		{"ios", "15.2(7)E4", "15.2(7)E4", true},
		{"nx-os", "9.3(10)", "9.3", true},
		{"gaia", "R81.20 Take 92", "R81.20", true},
		{"gaia", "R81.10", "R81", false},
		{"gaia", "R81 Take 44", "R81", true},
		{"debian", "12.5", "12", true},
		{"debian", "11.9", "12", false},
		{"routeros", "7.14.3", "7.14", true},
		{"routeros", "7.1.4", "7.14", false},
		{"pan-os", "10.2.9-h1", "10.2", true},
		{"fortios", "v7.2.8,build1639,240313 (GA.M)", "7.2", true},
		{"ios", "12.2(50)SE3", "12.1", false},
		{"ios-xe", "15.5(3)S1", "15.5", true},
		{"ios-xe", "15.5(3)S1", "15.5(3)S", true},
		{"ios-xe", "15.5(3)S1", "17.6", false},
		{"ios-xe", "17.6.5", "15.5", false},
		{"nx-os", "7.0.3.I7.8", "7.0(3)I7", true},
		{"gaia", "R80.20M2", "R80.20", true},
		{"gaia", "R80.20SP Take 317", "R80.20SP", true},
		{"gaia", "R80.20SP", "R80.20", false},
		{"gaia", "R80.20 Take 118", "R80.20SP", false},
	}
	for _, c := range cases {
		v, cy := mustParse(t, c.platform, c.version), mustParse(t, c.platform, c.cycle)
		if got := v.InCycle(cy); got != c.in {
			t.Errorf("%s %s in cycle %s = %v", c.platform, c.version, c.cycle, got)
		}
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"IOS-XE": "ios-xe", "iosxe": "ios-xe", " NXOS ": "nx-os",
		"PanOS": "pan-os", "Junos": "junos", "checkpoint": "gaia", "mikrotik": "routeros", "fortigate": "fortios",
		"rocky": "rocky", "RockyLinux": "rocky", "almalinux": "almalinux", "alma": "almalinux"} {
		if got, ok := Normalize(in); !ok || got != want {
			t.Errorf("Normalize(%q) = %q %v", in, got, ok)
		}
	}
	if _, ok := Normalize("windows"); ok {
		t.Error("windows known")
	}
}

func mustParse(t testing.TB, platform, s string) Version {
	t.Helper()
	v, err := Parse(platform, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// FuzzParse: any platform and string give a version or an error, and a
// parsed version compares equal to itself and is in its own cycle.
func FuzzParse(f *testing.F) {
	for id, cases := range orderings {
		for _, c := range cases {
			f.Add(id, c.a)
			f.Add(id, c.b)
		}
	}
	// Versions as devices report them (testdata/osversion/versions.txt,
	// "platform<TAB>version" lines).
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "osversion", "versions.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if id, v, ok := strings.Cut(line, "\t"); ok {
			f.Add(id, v)
		}
	}
	f.Fuzz(func(t *testing.T, id, s string) {
		v, err := Parse(id, s)
		if err != nil {
			return
		}
		if c, err := Compare(v, v); err != nil || c != 0 {
			t.Fatalf("%s %q: Compare with itself = %d, %v", id, s, c, err)
		}
		if !v.InCycle(v) {
			t.Fatalf("%s %q not in its own cycle", id, s)
		}
		w, err := Parse(id, v.Text)
		if err != nil || compareKeys(v.key, w.key) != 0 {
			t.Fatalf("%s %q: reparse gives %v, %v", id, s, w, err)
		}
	})
}

// Every platform id is in the table once (index keeps the last of two),
// and every example parses with its own parser.
func TestPlatformTable(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range platformTable {
		if seen[p.id] {
			t.Errorf("platform %s twice in platformTable", p.id)
		}
		seen[p.id] = true
	}
	if len(platforms) != len(platformTable) {
		t.Errorf("index has %d platforms, table %d", len(platforms), len(platformTable))
	}
}
