package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// The sudoers example grants exactly the three ruleset dumps and
// check_security_updates --restarts-only, with their exact arguments (""
// for none: a bare command in sudoers takes any) and no wildcard, and
// sudo's own parser accepts it.
func TestSudoersExample(t *testing.T) {
	file := filepath.Join("sudoers", "guardrail")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "#") || strings.TrimSpace(l) == "" {
			continue
		}
		if strings.ContainsAny(l, "*?[]\\") {
			t.Errorf("wildcard or escape in sudoers line %q", l)
		}
		for _, alias := range []string{"Cmnd_Alias GUARDRAIL_RULESETS = ", "Cmnd_Alias GUARDRAIL_RESTARTS = "} {
			if rest, ok := strings.CutPrefix(l, alias); ok {
				for _, c := range strings.Split(rest, ",") {
					cmds = append(cmds, strings.TrimSpace(c))
				}
			}
		}
		if regexp.MustCompile(`\bALL\s*$`).MatchString(l) || strings.Contains(l, "NOPASSWD: ALL") {
			t.Errorf("sudoers line grants everything: %q", l)
		}
	}
	for _, c := range cmds {
		if !strings.Contains(c, " ") {
			t.Errorf("%q without arguments allows any arguments; add \"\"", c)
		}
	}
	want := []string{"/usr/sbin/nft -j list ruleset", `/usr/sbin/iptables-save ""`, `/usr/sbin/ip6tables-save ""`,
		"/usr/lib/nagios/plugins/check_security_updates --restarts-only"}
	if strings.Join(cmds, "|") != strings.Join(want, "|") {
		t.Errorf("commands %q, want %q", cmds, want)
	}

	visudo := testenv.NeedCommand(t, "visudo")
	out, err := exec.Command(visudo, "-c", "-f", file).CombinedOutput()
	if err != nil {
		t.Errorf("visudo -c: %v\n%s", err, out)
	}
}
