package packaging

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// The textfile-collector example as systemd would run it: the units pass
// systemd-analyze verify (with the checks and the folder where the units
// say, moved into a temporary folder), each ExecStart, run without a shell,
// writes its own .prom file, and promtool accepts every file.
func TestSystemdTextfileExample(t *testing.T) {
	testenv.NeedRoot(t)
	analyze := testenv.NeedCommand(t, "systemd-analyze")
	promtool := testenv.NeedCommand(t, "promtool")
	bins := binaries(t)
	dir := t.TempDir()
	collector := filepath.Join(dir, "node-exporter")
	if err := os.Mkdir(collector, 0o755); err != nil {
		t.Fatal(err)
	}
	move := strings.NewReplacer("/usr/lib/nagios/plugins", bins, "/var/lib/prometheus/node-exporter", collector, "/var/lib/guardrail", dir)
	var execs [][]string
	for _, name := range []string{"guardrail-textfile.service", "guardrail-textfile.timer"} {
		data, err := os.ReadFile(filepath.Join("systemd", name))
		if err != nil {
			t.Fatal(err)
		}
		unit := move.Replace(string(data))
		if err := os.WriteFile(filepath.Join(dir, name), []byte(unit), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(unit, "\n") {
			if cmd, ok := strings.CutPrefix(l, "ExecStart="); ok {
				execs = append(execs, strings.Fields(cmd))
			}
		}
	}
	cmd := exec.Command(analyze, "verify", "--man=no", filepath.Join(dir, "guardrail-textfile.service"), filepath.Join(dir, "guardrail-textfile.timer"))
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	if len(execs) != 3 {
		t.Fatalf("%d ExecStart lines, want one per check", len(execs))
	}
	for _, argv := range execs {
		out, _ := exec.Command(argv[0], argv[1:]...).Output()
		file := argv[len(argv)-1]
		data, err := os.ReadFile(file)
		if err != nil || !strings.Contains(string(data), "guardrail_check_status{check=\""+filepath.Base(argv[0])+"\"}") {
			t.Errorf("%s wrote %q (%v); stdout %q", filepath.Base(argv[0]), data, err, out)
			continue
		}
		check := exec.Command(promtool, "check", "metrics")
		check.Stdin = strings.NewReader(string(data))
		if msg, err := check.CombinedOutput(); err != nil {
			t.Errorf("promtool check metrics on %s: %v\n%s", file, err, msg)
		}
		t.Logf("%s: %.100q", filepath.Base(file), out)
	}
}
