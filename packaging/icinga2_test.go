package packaging

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/guardrail-monitoring/guardrail/internal/checks"
	"github.com/guardrail-monitoring/guardrail/internal/icinga2conf"
	"github.com/guardrail-monitoring/guardrail/internal/proctest"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite packaging/icinga2/guardrail.conf from the checks' flags")

// The committed CheckCommands must be what the checks' flags generate, so a
// new flag (or a new check in checks.All) cannot be forgotten.
func TestIcinga2ConfIsGenerated(t *testing.T) {
	got, err := icinga2conf.Render(checks.All())
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join("icinga2", "guardrail.conf")
	if *update {
		proctest.Golden(t, file, got, true)
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got == string(want) {
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Fatalf("packaging/%s is stale from line %d: the checks' flags give\n\t%q\nthe file has\n\t%q\nrun: go run ./packaging/gen", file, i+1, gl, wl)
		}
	}
}

// Every flag of every check is an argument of its CheckCommand, bound to the
// prefixed custom variable; and every check has a CheckCommand.
func TestIcinga2ConfCoversEveryFlag(t *testing.T) {
	conf, err := os.ReadFile(filepath.Join("icinga2", "guardrail.conf"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range checks.All() {
		if !strings.Contains(string(conf), fmt.Sprintf("object CheckCommand %q {\n\tcommand = [ PluginDir + \"/%s\" ]", icinga2conf.Name(s), s.Name)) {
			t.Errorf("no CheckCommand for %s", s.Name)
		}
		for _, f := range s.Flags {
			name := f.Names()[0]
			asArg := strings.Contains(string(conf), fmt.Sprintf("\"--%s\" = {", name))
			asEnv := strings.Contains(string(conf), fmt.Sprintf("$%s$\" // --%s\n", icinga2conf.Var(s, name), name))
			if !asArg && !asEnv || !strings.Contains(string(conf), "$"+icinga2conf.Var(s, name)+"$") {
				t.Errorf("%s: flag --%s missing from the CheckCommand", s.Name, name)
			}
		}
	}
}

// icinga2Main is a whole Icinga 2 configuration using the guardrail
// CheckCommands: one service per check, booleans and lists set so set_if and
// repeat_key are exercised.
func icinga2Main(t *testing.T, dir, conf string, extra string) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "const PluginDir = %q\nconst NodeName = \"guardrail-test\"\nconst ZoneName = NodeName\n", "/usr/lib/nagios/plugins")
	b.WriteString("include <itl>\ninclude <plugins>\n")
	fmt.Fprintf(&b, "include %q\n", conf)
	b.WriteString("object Host \"guardrail-test\" {\n\tcheck_command = \"hostalive\"\n\taddress = \"127.0.0.1\"\n}\n")
	for _, s := range checks.All() {
		fmt.Fprintf(&b, "object Service %q {\n\thost_name = \"guardrail-test\"\n\tcheck_command = %q\n", icinga2conf.Name(s), icinga2conf.Name(s))
		for _, f := range s.Flags {
			v := icinga2conf.Var(s, f.Names()[0])
			switch f.(type) {
			case *cli.BoolFlag:
				fmt.Fprintf(&b, "\tvars.%s = true\n", v)
			case *cli.StringSliceFlag:
				fmt.Fprintf(&b, "\tvars.%s = [ \"^a\", \"^b\" ]\n", v)
			}
		}
		fmt.Fprintf(&b, "\tvars.%s = 20\n", icinga2conf.Var(s, "timeout"))
		b.WriteString("}\n")
	}
	b.WriteString(extra)
	p := filepath.Join(dir, "icinga2.conf")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func icinga2Validate(t *testing.T, bin, main string) (string, error) {
	out, err := exec.Command(bin, "daemon", "-C", "-c", main).CombinedOutput()
	return string(out), err
}

// Icinga 2 itself accepts the CheckCommands with the ITL, and rejects the
// configuration when a service names a command that does not exist (so the
// validation really reads our file).
func TestIcinga2ValidatesConfig(t *testing.T) {
	testenv.NeedRoot(t)
	bin := testenv.NeedCommand(t, "icinga2")
	// icinga2 reads its configuration as the nagios user even for -C: copy
	// everything into a directory that user can read.
	dir := worldReadableDir(t, "guardrail-icinga2-")
	data, err := os.ReadFile(filepath.Join("icinga2", "guardrail.conf"))
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "guardrail.conf")
	if err := os.WriteFile(conf, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := icinga2Validate(t, bin, icinga2Main(t, dir, conf, ""))
	if err != nil {
		t.Fatalf("icinga2 daemon -C: %v\n%s", err, out)
	}
	if want := fmt.Sprintf("Instantiated %d Service", len(checks.All())); !strings.Contains(out, want) {
		t.Errorf("validation output lacks %q:\n%s", want, out)
	}

	bad := "object Service \"bogus\" {\n\thost_name = \"guardrail-test\"\n\tcheck_command = \"security_update\"\n}\n"
	out, err = icinga2Validate(t, bin, icinga2Main(t, dir, conf, bad))
	if err == nil || !strings.Contains(out, "security_update") {
		t.Errorf("a service with an unknown check command validated: %v\n%s", err, out)
	}

	// A broken copy of the CheckCommands must fail, too.
	broken := filepath.Join(dir, "broken.conf")
	os.WriteFile(broken, []byte(strings.Replace(string(data), "arguments = {", "arguments = {{", 1)), 0o644)
	if out, err := icinga2Validate(t, bin, icinga2Main(t, dir, broken, "")); err == nil {
		t.Errorf("a broken CheckCommand file validated:\n%s", out)
	}
}
