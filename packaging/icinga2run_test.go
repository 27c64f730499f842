package packaging

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/checks"
	"github.com/guardrail-monitoring/guardrail/internal/icinga2conf"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

type checkResult struct {
	Command    []string `json:"command"`
	ExitStatus int      `json:"exit_status"`
	Output     string   `json:"output"`
	Perfdata   []any    `json:"performance_data"`
}

// icinga2State reads the last check results of services from Icinga 2's
// state file: records of "length:json,".
func icinga2State(t *testing.T, file string) map[string]checkResult {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]checkResult{}
	for len(data) > 0 {
		i := bytes.IndexByte(data, ':')
		if i < 0 {
			t.Fatalf("state file %s: no record length in %.40q", file, data)
		}
		n, err := strconv.Atoi(string(data[:i]))
		if err != nil || i+1+n+1 > len(data) {
			t.Fatalf("state file %s: bad record length %q", file, data[:i])
		}
		var rec struct {
			Name   string `json:"name"`
			Type   string `json:"type"`
			Update struct {
				LastCheckResult *checkResult `json:"last_check_result"`
			} `json:"update"`
		}
		if err := json.Unmarshal(data[i+1:i+1+n], &rec); err != nil {
			t.Fatalf("state file %s: %v", file, err)
		}
		if rec.Type == "Service" && rec.Update.LastCheckResult != nil {
			out[rec.Name] = *rec.Update.LastCheckResult
		}
		data = data[i+1+n+1:]
	}
	return out
}

// Icinga 2 really runs every CheckCommand: custom variables become the
// expected options (set_if for booleans, repeat_key for lists), and the
// plugin's status line and perfdata come back as the check result.
func TestIcinga2RunsEveryCheckCommand(t *testing.T) {
	testenv.NeedRoot(t)
	bin := testenv.NeedCommand(t, "icinga2")
	runUser, ok := runAs()
	testenv.Need(t, ok, "user nagios (from icinga2)")
	bins := binaries(t)
	root := fakeRoot(t, 20)

	dir := worldReadableDir(t, "guardrail-icinga2-run-")
	node := newIcinga2Node(t, bin, dir, "icinga2", runUser)

	data, err := os.ReadFile(filepath.Join("icinga2", "guardrail.conf"))
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "guardrail.conf")
	if err := os.WriteFile(conf, data, 0o644); err != nil {
		t.Fatal(err)
	}
	logFile := node.path("log/icinga2.log")

	// Checks get inputs of their own (snapshots, fixtures) and every kind of
	// variable; a check not listed here runs with its defaults and must at
	// least answer in shape.
	copyFixture := func(rel string) string {
		data, err := os.ReadFile(filepath.Join(moduleRoot(t), rel))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.Base(rel))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%q", p)
	}
	vars := map[string]map[string]string{
		"check_security_updates": {
			"root":          fmt.Sprintf("%q", root),
			"policy":        fmt.Sprintf("%q", root+"/policy.yaml"),
			"state_file":    fmt.Sprintf("%q", root+"/state.json"),
			"no_state":      "true",
			"list":          "true",
			"only_critical": "false",
			"include":       `[ "^libguardrail-fake00", "^libguardrail-fake01" ]`,
			"exclude":       `[ "7$$" ]`, // Icinga macro syntax: $$ is a literal $
			"timeout":       "15",
		},
		"check_os_version": {
			"root":     fmt.Sprintf("%q", root),
			"policy":   fmt.Sprintf("%q", root+"/policy.yaml"),
			"platform": `"debian"`,
		},
		"check_firewall_flows": {
			"policy":   fmt.Sprintf("%q", root+"/policy.yaml"),
			"flows":    copyFixture("testdata/flows/router.json"),
			"iptables": "[ " + copyFixture("testdata/firewall/forward.rules") + " ]",
			"hook":     `"forward"`,
			"warning":  `"5"`,
			"verbose":  "true",
		},
	}
	var b strings.Builder
	fmt.Fprintf(&b, "const PluginDir = %q\nconst NodeName = \"guardrail-test\"\nconst ZoneName = NodeName\n", bins)
	fmt.Fprintf(&b, "include <itl>\ninclude <plugins>\ninclude %q\n", conf)
	b.WriteString("object CheckerComponent \"checker\" {}\n")
	fmt.Fprintf(&b, "object FileLogger \"file\" {\n\tpath = %q\n\tseverity = \"notice\"\n}\n", logFile)
	b.WriteString("object Host \"guardrail-test\" {\n\tcheck_command = \"dummy\"\n\taddress = \"127.0.0.1\"\n}\n")
	for _, s := range checks.All() {
		fmt.Fprintf(&b, "object Service %q {\n\thost_name = \"guardrail-test\"\n\tcheck_command = %q\n\tcheck_interval = 2s\n", icinga2conf.Name(s), icinga2conf.Name(s))
		for k, v := range vars[s.Name] {
			fmt.Fprintf(&b, "\tvars.%s = %s\n", icinga2conf.Var(s, k), v)
		}
		b.WriteString("}\n")
		// The CheckCommand alone must leave the plugin at its own defaults.
		fmt.Fprintf(&b, "object Service %q {\n\thost_name = \"guardrail-test\"\n\tcheck_command = %q\n\tcheck_interval = 2s\n}\n", icinga2conf.Name(s)+"-defaults", icinga2conf.Name(s))
	}
	node.write("etc/icinga2.conf", b.String())
	node.start()

	// Readiness, not timing: wait until both services of every check have
	// run, i.e. two different command lines of each plugin have ended.
	ran := regexp.MustCompile(`PID \d+ \('([^']+)'(.*)\) terminated with exit code`)
	for i := 0; ; i++ {
		l, _ := os.ReadFile(logFile)
		lines := map[string]map[string]bool{}
		for _, m := range ran.FindAllStringSubmatch(string(l), -1) {
			if lines[m[1]] == nil {
				lines[m[1]] = map[string]bool{}
			}
			lines[m[1]][m[2]] = true
		}
		done := 0
		for _, s := range checks.All() {
			if len(lines[bins+"/"+s.Name]) >= 2 {
				done++
			}
		}
		if done == len(checks.All()) {
			break
		}
		node.alive()
		if i > 600 {
			t.Fatalf("icinga2 ran both services of %d of %d checks in 60 s", done, len(checks.All()))
		}
		time.Sleep(100 * time.Millisecond)
	}
	node.stop() // dumps the state file

	results := icinga2State(t, node.path("data/icinga2.state"))
	for _, s := range checks.All() {
		r, ok := results["guardrail-test!"+icinga2conf.Name(s)]
		if !ok {
			t.Errorf("%s: no check result", s.Name)
			continue
		}
		if len(r.Command) == 0 || r.Command[0] != bins+"/"+s.Name {
			t.Errorf("%s: ran %q", s.Name, r.Command)
		}
		want := s.Label + " " + plugin.StatusText(plugin.Status(r.ExitStatus)) + ": "
		if !strings.HasPrefix(r.Output, want) {
			t.Errorf("%s: exit %d, output %q; want prefix %q", s.Name, r.ExitStatus, r.Output, want)
		}
		t.Logf("%s: %q -> %d %.120q perfdata %v", s.Name, r.Command, r.ExitStatus, r.Output, r.Perfdata)
		if vars[s.Name] == nil || len(r.Command) == 0 {
			continue
		}
		// The same command line run directly gives the same status line.
		direct := exec.Command(r.Command[0], r.Command[1:]...)
		out, _ := direct.Output()
		first, _, _ := strings.Cut(string(out), "\n")
		summary, _, _ := strings.Cut(first, " | ")
		if direct.ProcessState.ExitCode() != r.ExitStatus || !strings.HasPrefix(r.Output, summary) {
			t.Errorf("%s: Icinga gave %d %q, the same command directly %d %q", s.Name, r.ExitStatus, r.Output, direct.ProcessState.ExitCode(), first)
		}
	}

	for _, s := range checks.All() {
		r := results["guardrail-test!"+icinga2conf.Name(s)+"-defaults"]
		if want := []string{bins + "/" + s.Name, "--timeout", "10"}; fmt.Sprint(r.Command) != fmt.Sprint(want) {
			t.Errorf("%s with the CheckCommand's defaults ran %q, want %q", s.Name, r.Command, want)
		}
	}

	r := results["guardrail-test!security_updates"]
	got := optionValues(r.Command)
	wantOpts := map[string][]string{
		"--root": {root}, "--policy": {root + "/policy.yaml"}, "--state-file": {root + "/state.json"},
		"--no-state": {""}, "--list": {""}, "--timeout": {"15"},
		"--include": {"^libguardrail-fake00", "^libguardrail-fake01"}, "--exclude": {"7$"},
	}
	if fmt.Sprint(got) != fmt.Sprint(wantOpts) {
		t.Errorf("security_updates options\n got %v\nwant %v", got, wantOpts)
	}
	// 20 packages, 00-19, of which 07 and 17 excluded: 18 security updates.
	if r.ExitStatus != int(plugin.Critical) || !strings.HasPrefix(r.Output, "SECURITY UPDATES CRITICAL: 18 security updates") || len(r.Perfdata) == 0 {
		t.Errorf("security_updates: exit %d, %q, perfdata %v", r.ExitStatus, r.Output, r.Perfdata)
	}
	r = results["guardrail-test!firewall_flows"]
	got = optionValues(r.Command)
	if h := got["--hook"]; len(h) != 1 || h[0] != "forward" || len(got["--iptables"]) != 1 || len(got["--verbose"]) != 1 {
		t.Errorf("firewall_flows options %v", got)
	}
}

// optionValues groups a command line's options with their values; a flag
// without a value maps to "".
func optionValues(argv []string) map[string][]string {
	out := map[string][]string{}
	for i := 1; i < len(argv); i++ {
		opt := argv[i]
		if i+1 < len(argv) && !strings.HasPrefix(argv[i+1], "--") {
			out[opt] = append(out[opt], argv[i+1])
			i++
			continue
		}
		out[opt] = append(out[opt], "")
	}
	return out
}
