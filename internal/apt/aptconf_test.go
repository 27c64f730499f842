package apt

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAptConfSyntax(t *testing.T) {
	for _, c := range []struct {
		name, text string
		want       map[string]string // key -> String value ("<unset>" for none)
	}{
		{"flat", `APT::Install-Recommends "false";`, map[string]string{"apt::install-recommends": "false"}},
		{"nested", "APT {\n Get {\n  Never-Include-Phased-Updates \"1\";\n };\n Default-Release \"bookworm\";\n};",
			map[string]string{"APT::Get::Never-Include-Phased-Updates": "1", "APT::Default-Release": "bookworm"}},
		{"scope with ::", `APT::Get { Always-Include-Phased-Updates "yes"; };`, map[string]string{"APT::Get::Always-Include-Phased-Updates": "yes"}},
		{"comments", "// c1\n/* c2 \"x\";\n */ # c3 A::B \"y\";\nA::B \"v\"; // tail\n", map[string]string{"A::B": "v"}},
		{"quoted // kept", `A::B "http://x/y";`, map[string]string{"A::B": "http://x/y"}},
		{"unquoted value", `A::B true;`, map[string]string{"A::B": "true"}},
		{"last wins", "A::B \"1\";\nA::B \"2\";", map[string]string{"A::B": "2"}},
		{"clear", "A::B::C \"1\";\nA::B \"2\";\n#clear A::B;\nA::D \"3\";", map[string]string{"A::B": "<unset>", "A::B::C": "<unset>", "A::D": "3"}},
		{"list", `A::L { "x"; "y"; }; A::M "m";`, map[string]string{"A::M": "m", "A::L::": "y"}},
		{"case", `apt::install-RECOMMENDS "0";`, map[string]string{"APT::Install-Recommends": "0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			conf := &Config{}
			if err := conf.parse(c.text, "f", "/", 0); err != nil {
				t.Fatal(err)
			}
			for k, want := range c.want {
				if got := conf.String(k, "<unset>"); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestAptConfErrorsNameFileAndLine(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"A::B \"v\"", "apt.conf f, line 1: statement without ';' at the end of the file"},
		{"A {\n B \"v\";\n", "apt.conf f, line 2: block A not closed with '}'"},
		{"\n}", "apt.conf f, line 2: '}' without '{'"},
		{"A::B \"v", "apt.conf f, line 1: quote not closed"},
		{"/* x", "apt.conf f, line 1: comment /* not closed"},
		{"\nA B C;", "apt.conf f, line 2: more than a tag and a value before ';'"},
		{"A;", "apt.conf f, line 1: tag \"A\" has no value"},
		{"A { B \"v\" };", "apt.conf f, line 1: missing ';' before '}'"},
	} {
		err := (&Config{}).parse(c.text, "f", "/", 0)
		if err == nil || err.Error() != c.want {
			t.Errorf("%q: got %v, want %q", c.text, err, c.want)
		}
	}
}

func TestAptConfIncludeLoopIsBounded(t *testing.T) {
	dir := t.TempDir()
	loop := filepath.Join(dir, "loop")
	os.WriteFile(loop, []byte("#include \"loop\";\n"), 0o644)
	err := (&Config{}).readFile(loop, "/", 0)
	if err == nil || !strings.Contains(err.Error(), "nested deeper than") || !strings.Contains(err.Error(), loop) {
		t.Fatalf("include loop: %v", err)
	}
}

// TestAptConfPaths: Dir:: values are resolved as apt's FindFile does and
// placed under the root.
func TestAptConfPaths(t *testing.T) {
	c := newConfig()
	for k, want := range map[string]string{
		"Dir::State::status": "/r/var/lib/dpkg/status", "Dir::State::lists": "/r/var/lib/apt/lists",
		"Dir::Etc::sourcelist": "/r/etc/apt/sources.list", "Dir::Etc::parts": "/r/etc/apt/apt.conf.d",
	} {
		if got := c.File("/r", k); got != want {
			t.Errorf("default %s = %q, want %q", k, got, want)
		}
	}
	if err := c.parse(`Dir "/srv/sys/"; Dir::State "state"; Dir::Etc::sourcelist "/etc/other.list";`, "f", "/", 0); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		"Dir::State::lists": "/r/srv/sys/state/lists", "Dir::Etc::sourcelist": "/r/etc/other.list",
		"Dir::Etc::preferences": "/r/srv/sys/etc/apt/preferences",
	} {
		if got := c.File("/r", k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

// TestDefaultReleaseNotOffered: apt-get refuses a Default-Release no
// source offers; so do we, naming the key.
func TestDefaultReleaseNotOffered(t *testing.T) {
	root := copyTree(t, filepath.Join(fixtures, "aptconf"))
	os.WriteFile(filepath.Join(root, "etc/apt/apt.conf.d/60release"), []byte(`APT::Default-Release "sid";`), 0o644)
	_, err := Load(context.Background(), root)
	if err == nil || !strings.Contains(err.Error(), "key APT::Default-Release") {
		t.Fatalf("got %v", err)
	}
}

// TestMachineIDFromAptConf: APT::Machine-ID replaces /etc/machine-id in
// the phasing draw.
func TestMachineIDFromAptConf(t *testing.T) {
	v := &Version{Source: "s", SourceVersion: "1", Phased: 50}
	var in, out string
	for i := 0; i < 200 && (in == "" || out == ""); i++ {
		id := strings.Repeat("0", 30) + string(rune('a'+i%26)) + string(rune('a'+i/26))
		if phasedOut(v, id) {
			out = id
		} else {
			in = id
		}
	}
	s := &System{MachineID: out, Config: newConfig()}
	if !s.phasedOut(v) {
		t.Fatal("machine-id alone should phase it out")
	}
	s.Config.set("APT::Machine-ID", in)
	if s.phasedOut(v) {
		t.Fatal("APT::Machine-ID was not used")
	}
	s.Config.set("APT::Get::Never-Include-Phased-Updates", "true")
	if !s.phasedOut(v) {
		t.Fatal("Never-Include-Phased-Updates was not used")
	}
	s.Config.set("APT::Get::Always-Include-Phased-Updates", "true")
	if s.phasedOut(v) {
		t.Fatal("Always-Include-Phased-Updates was not used")
	}
}

// TestAptConfMainFromParts: the parts are read first and may move the main
// file (Dir::Etc::main), as apt's ReadConfigFiles does; files with other
// extensions are ignored.
func TestAptConfMainFromParts(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/apt/apt.conf.d"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/apt/apt.conf.d/10main"), []byte(`Dir::Etc::main "guardrail.conf";`), 0o644)
	os.WriteFile(filepath.Join(root, "etc/apt/apt.conf.d/20x.conf"), []byte(`A::B "parts";`), 0o644)
	os.WriteFile(filepath.Join(root, "etc/apt/apt.conf.d/30x.dpkg-old"), []byte(`A::C "ignored";`), 0o644)
	os.WriteFile(filepath.Join(root, "etc/apt/apt.conf"), []byte(`A::B "apt.conf";`), 0o644)
	os.WriteFile(filepath.Join(root, "etc/apt/guardrail.conf"), []byte(`A::B "main";`), 0o644)
	c, err := readConfig(root)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.String("A::B", ""); got != "main" {
		t.Errorf("A::B = %q, want the moved main file's", got)
	}
	if got := c.String("A::C", "unset"); got != "unset" {
		t.Errorf("a .dpkg-old part was read: %q", got)
	}
}
