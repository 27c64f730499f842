package checks

import (
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/proctest"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/openmetrics")

const td = "../../testdata/"

// stateRun is one check in one state: OK, WARNING, CRITICAL, UNKNOWN, a
// usage error and a timeout (a FIFO with no writer).
type stateRun struct {
	check, state string
	code         int
	env          []string
	args         []string
}

func stateRuns(t *testing.T) []stateRun {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	su := func(args ...string) []string {
		return append([]string{"--root", abs(td + "apt/debian"), "--no-state", "--policy", td + "securityupdates/defaults.yaml"}, args...)
	}
	suNow := []string{"GUARDRAIL_NOW=2025-05-21T08:00:00Z"}
	ov := func(args ...string) []string {
		return append([]string{"--policy", td + "osversion/policy.yaml"}, args...)
	}
	ovNow := []string{"GUARDRAIL_NOW=2026-06-01"}
	ff := func(args ...string) []string {
		if len(args) == 0 || args[0] != "--policy" {
			args = append(args, "--policy", td+"flows/empty-policy.yaml")
		}
		return args
	}
	fw, fl := td+"firewall/", td+"flows/"
	ffNow := []string{"GUARDRAIL_NOW=2026-01-01"}
	return []stateRun{
		{"check_security_updates", "ok", 0, suNow, su("-o", "-w", "2", "-c", "5")},
		{"check_security_updates", "warning", 1, suNow, su("-o", "-w", "1", "-c", "5")},
		{"check_security_updates", "critical", 2, suNow, su()},
		{"check_security_updates", "unknown", 3, suNow, []string{"--root", abs(td + "apt/nonexistent"), "--no-state", "--policy", td + "securityupdates/defaults.yaml"}},
		{"check_security_updates", "usage", 3, suNow, su("-w", "5:1")},
		{"check_security_updates", "timeout", 3, suNow, []string{"--root", abs(td + "apt/debian"), "--no-state", "--policy", fifo, "-t", "1"}},
		{"check_os_version", "ok", 0, ovNow, ov("--inventory", td+"osversion/fleet-clean.csv", "-w", "3", "-c", "5")},
		{"check_os_version", "warning", 1, ovNow, ov("--inventory", td+"osversion/fleet-clean.csv", "-w", "1", "-c", "5")},
		{"check_os_version", "critical", 2, ovNow, ov("--inventory", td+"inventory/fleet.csv")},
		{"check_os_version", "unknown", 3, ovNow, ov("--inventory", td+"inventory/header-only.csv")},
		{"check_os_version", "usage", 3, ovNow, ov("--platform", "vms")},
		{"check_os_version", "timeout", 3, ovNow, []string{"--policy", fifo, "--inventory", td + "osversion/fleet-clean.csv", "-t", "1"}},
		{"check_firewall_flows", "ok", 0, ffNow, ff("--policy", fl+"policy-flows.yaml", "--iptables", fw+"forward.rules")},
		{"check_firewall_flows", "warning", 1, ffNow, ff("--iptables", fw+"forward.rules", "--flows", fl+"router.json", "-w", "1", "-c", "5")},
		{"check_firewall_flows", "critical", 2, ffNow, ff("--iptables", fw+"forward.rules", "--flows", fl+"router.json")},
		{"check_firewall_flows", "unknown", 3, ffNow, ff("--iptables", fw+"unmodelled.rules", "--flows", fl+"sets.json")},
		{"check_firewall_flows", "usage", 3, ffNow, ff("--iptables", fw+"forward.rules", "--flows", fl+"router.json", "--hook", "sideways")},
		{"check_firewall_flows", "timeout", 3, ffNow, ff("--iptables", fw+"forward.rules", "--flows", fifo, "-t", "1")},
	}
}

var built = map[string]string{}

func binary(t *testing.T, name string) string {
	if built[name] == "" {
		built[name] = proctest.Build(t, name)
	}
	return built[name]
}

// Every check in every state, with and without -v, is OpenMetrics text
// that promtool accepts (as Prometheus and node_exporter's textfile
// collector read it), equal to its golden file, with the exit code of the
// state; --output writes the same text to a file.
func TestOpenMetricsGoldenEveryCheckEveryState(t *testing.T) {
	promtool := testenv.NeedCommand(t, "promtool")
	out := t.TempDir()
	for _, r := range stateRuns(t) {
		for _, verbose := range []bool{false, true} {
			name := r.check + "-" + r.state
			args := append(r.args, "--format", "openmetrics")
			if verbose {
				name += "-v"
				args = append(args, "-v")
			}
			t.Run(name, func(t *testing.T) {
				run := proctest.Exec(t, binary(t, r.check), r.env, args...)
				if run.Code != r.code {
					t.Errorf("exit %d, want %d\n%s%s", run.Code, r.code, run.Stdout, run.Stderr)
				}
				if want := fmt.Sprintf("guardrail_check_status{check=%q} %d\n", r.check, r.code); !strings.Contains(run.Stdout, want) {
					t.Errorf("no %q in\n%s", want, run.Stdout)
				}
				proctest.Golden(t, filepath.Join(td, "openmetrics", name+".prom"), run.Stdout, *update)
				cmd := exec.Command(promtool, "check", "metrics")
				cmd.Stdin = strings.NewReader(run.Stdout)
				if msg, err := cmd.CombinedOutput(); err != nil {
					t.Errorf("promtool check metrics: %v\n%s\non\n%s", err, msg, run.Stdout)
				}
				file := filepath.Join(out, name+".prom")
				viaFile := proctest.Exec(t, binary(t, r.check), r.env, append(args, "--output", file)...)
				data, err := os.ReadFile(file)
				if err != nil || string(data) != run.Stdout || viaFile.Code != r.code {
					t.Errorf("--output: exit %d, %v, file differs from stdout:\n%s", viaFile.Code, err, data)
				}
			})
		}
	}
}

// junitReport is the JUnit XML as GitLab and Jenkins read it.
type junitReport struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name    string   `xml:"name,attr"`
			Class   string   `xml:"classname,attr"`
			Failure *problem `xml:"failure"`
			Error   *problem `xml:"error"`
			Skipped *problem `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

type problem struct {
	Message string `xml:"message,attr"`
}

// Every check in every state is JUnit XML whose counts (in testsuites and
// testsuite) are the counts of its test cases; the "status" case fails
// with the exit code; check_firewall_flows has one case per flow of its
// JSON items, failing exactly where a flow fails (with the deciding rule
// and witness), skipped where it is unknown.
func TestJUnitEveryCheckEveryState(t *testing.T) {
	for _, r := range stateRuns(t) {
		t.Run(r.check+"-"+r.state, func(t *testing.T) {
			run := proctest.Exec(t, binary(t, r.check), r.env, append(r.args, "--format", "junit")...)
			if run.Code != r.code {
				t.Errorf("exit %d, want %d", run.Code, r.code)
			}
			var rep junitReport
			if err := xml.Unmarshal([]byte(run.Stdout), &rep); err != nil {
				t.Fatalf("%v\n%s", err, run.Stdout)
			}
			if len(rep.Suites) != 1 || rep.Suites[0].Name != r.check {
				t.Fatalf("suites %+v", rep.Suites)
			}
			s := rep.Suites[0]
			var tests, failures, errors, skipped int
			for _, c := range s.Cases {
				tests++
				n := 0
				if c.Failure != nil {
					failures++
					n++
				}
				if c.Error != nil {
					errors++
					n++
				}
				if c.Skipped != nil {
					skipped++
					n++
				}
				if n > 1 {
					t.Errorf("case %s: %d outcomes", c.Name, n)
				}
			}
			for _, got := range [][4]int{{rep.Tests, rep.Failures, rep.Errors, rep.Skipped}, {s.Tests, s.Failures, s.Errors, s.Skipped}} {
				if got != [4]int{tests, failures, errors, skipped} {
					t.Errorf("counts %v, cases say %v", got, [4]int{tests, failures, errors, skipped})
				}
			}
			st := s.Cases[0]
			if st.Name != "status" || (st.Failure != nil) != (r.code == 1 || r.code == 2) || (st.Error != nil) != (r.code == 3) {
				t.Errorf("status case %+v for exit %d", st, r.code)
			}
			if r.check != "check_firewall_flows" {
				return
			}
			js := proctest.Exec(t, binary(t, r.check), r.env, append(r.args, "--format", "json")...)
			var res struct {
				Items []struct {
					Application, Flow, Verdict, Rule, Witness string
					Failing                                   bool
				}
			}
			if err := json.Unmarshal([]byte(js.Stdout), &res); err != nil {
				t.Fatalf("%v\n%s", err, js.Stdout)
			}
			if len(s.Cases) != 1+len(res.Items) {
				t.Fatalf("%d cases, %d flows", len(s.Cases), len(res.Items))
			}
			for i, it := range res.Items {
				c := s.Cases[i+1]
				if c.Name != it.Flow || c.Class != r.check+"."+it.Application {
					t.Errorf("case %d %s/%s, flow %s/%s", i, c.Class, c.Name, it.Application, it.Flow)
				}
				if (c.Failure != nil) != it.Failing || (c.Skipped != nil) != (!it.Failing && it.Verdict == "unknown") {
					t.Errorf("flow %s: failing %v verdict %s, case %+v", it.Flow, it.Failing, it.Verdict, c)
				}
				if c.Failure != nil && (!strings.Contains(c.Failure.Message, it.Witness) || !strings.Contains(c.Failure.Message, it.Rule)) {
					t.Errorf("flow %s: failure %q lacks witness %q or rule %q", it.Flow, c.Failure.Message, it.Witness, it.Rule)
				}
			}
		})
	}
}
