package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/proctest"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// freshRoot is a host where the binary was copied in, not installed: the
// fixture's dpkg and apt files, no /var/lib/guardrail, no /etc/guardrail.
func freshRoot(t *testing.T, policy string) string {
	t.Helper()
	testenv.NeedRoot(t)
	bin := proctest.Build(t, "check_security_updates")
	root := t.TempDir()
	fixture, _ := filepath.Abs(filepath.Join(fixtures, "debian"))
	if out, err := exec.Command("cp", "-a", fixture+"/.", root).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	os.MkdirAll(filepath.Join(root, "usr/local/bin"), 0o755)
	if out, err := exec.Command("cp", bin, filepath.Join(root, "usr/local/bin")).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	if _, err := os.Stat(filepath.Join(root, "var/lib/guardrail")); err == nil {
		t.Fatal("the fixture has /var/lib/guardrail")
	}
	if policy != "" {
		os.MkdirAll(filepath.Join(root, "etc/guardrail"), 0o755)
		os.WriteFile(filepath.Join(root, "etc/guardrail/policy.yaml"), []byte(policy), 0o644)
	}
	return root
}

func runChrooted(t *testing.T, root string, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command("/usr/local/bin/check_security_updates", args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root}
	cmd.Dir = "/"
	cmd.Env = []string{"GUARDRAIL_NOW=2025-05-21T08:00:00Z"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if cmd.ProcessState == nil {
		t.Fatalf("run: %v", err)
	}
	return cmd.ProcessState.ExitCode(), out.String()
}

const slaPolicy = "version: 1\nsecurity_updates:\n  sla:\n    warning_days: 7\n    critical_days: 14\n  max_list_age_days: 30\n"

// Issue 8: the binary runs out of the box; the state is only needed (and
// only touched) for an SLA.
func TestOutOfTheBoxWithoutStateFolder(t *testing.T) {
	want, err := os.ReadFile("../../testdata/securityupdates/golden/debian-default.txt")
	if err != nil {
		t.Fatal(err)
	}
	wantLine := strings.SplitN(string(want), "\n", 3)[1]
	for _, args := range [][]string{nil, {"--no-state"}} {
		root := freshRoot(t, "")
		code, out := runChrooted(t, root, args...)
		if code != 2 || !strings.HasPrefix(out, wantLine+"\n") || strings.Contains(out, "state") {
			t.Errorf("%v: exit %d\n%s\nwant exit 2 and %s", args, code, out, wantLine)
		}
		if _, err := os.Lstat(filepath.Join(root, "var/lib/guardrail")); err == nil {
			t.Errorf("%v: created /var/lib/guardrail", args)
		}
	}

	// With an SLA and nowhere to keep first-seen times: UNKNOWN, saying how to fix it.
	root := freshRoot(t, slaPolicy)
	code, out := runChrooted(t, root)
	if code != 3 || !strings.Contains(out, "folder /var/lib/guardrail does not exist: create it") || !strings.Contains(out, "--state-file") {
		t.Errorf("SLA without a state folder: exit %d\n%s", code, out)
	}

	// With an SLA and --no-state: ages are unknown, never "0 days, OK".
	code, out = runChrooted(t, root, "--no-state", "-o")
	if code != 1 || !strings.Contains(out, "2 of unknown age (--no-state and no first-seen time recorded)") || strings.Contains(out, "0 days") {
		t.Errorf("SLA with --no-state: exit %d\n%s", code, out)
	}
	if _, err := os.Lstat(filepath.Join(root, "var/lib/guardrail")); err == nil {
		t.Errorf("--no-state created /var/lib/guardrail")
	}
}

// Issue 9: --state-file on a file that is not a ledger is refused, whatever
// its name, and the file stays as it was.
func TestStateFileRefusesForeignFiles(t *testing.T) {
	bin := proctest.Build(t, "check_security_updates")
	root, _ := filepath.Abs(filepath.Join(fixtures, "debian"))
	sla, _ := filepath.Abs("../../testdata/securityupdates/sla.yaml")
	flowsJSON, _ := os.ReadFile("../../testdata/flows/flows.json")
	if len(flowsJSON) == 0 {
		flowsJSON = []byte(`{"applications":[{"app_name":"web","app_flows":{}}]}`)
	}
	for name, content := range map[string][]byte{
		"flows JSON":   flowsJSON,
		"over 8 MiB":   append([]byte(`{"format":"guardrail-ledger/1","first_seen":{}}`), bytes.Repeat([]byte(" "), 8<<20)...),
		"other format": []byte(`{"format":"x/1"}`),
	} {
		t.Run(name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "guardrail", "security-updates.json")
			os.MkdirAll(filepath.Dir(state), 0o755)
			os.WriteFile(state, content, 0o644)
			r := proctest.Exec(t, bin, []string{"GUARDRAIL_NOW=2025-05-21T08:00:00Z"}, "--root", root, "--state-file", state, "--policy", sla)
			if r.Code != 3 || !strings.Contains(r.Stdout, "refusing to overwrite it") {
				t.Errorf("exit %d %s", r.Code, r.Stdout)
			}
			if got, _ := os.ReadFile(state); !bytes.Equal(got, content) {
				t.Errorf("the file was changed")
			}
		})
	}
}

// Issue 9: a planted lock link is never followed by a root run.
func TestStateLockLinkNotFollowed(t *testing.T) {
	testenv.NeedRoot(t)
	bin := proctest.Build(t, "check_security_updates")
	root, _ := filepath.Abs(filepath.Join(fixtures, "debian"))
	sla, _ := filepath.Abs("../../testdata/securityupdates/sla.yaml")
	dir := t.TempDir()
	state := filepath.Join(dir, "state", "security-updates.json")
	os.MkdirAll(filepath.Dir(state), 0o755)
	victim := filepath.Join(dir, "created-by-root")
	os.Symlink(victim, state+".lock")
	if out, err := exec.Command("chown", "-h", "nobody", state+".lock").CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
	r := proctest.Exec(t, bin, []string{"GUARDRAIL_NOW=2025-05-21T08:00:00Z"}, "--root", root, "--state-file", state, "--policy", sla)
	if r.Code != 3 || !strings.Contains(r.Stdout, "symbolic link") || !strings.Contains(r.Stdout, "give --state-file FILE") {
		t.Errorf("exit %d %s", r.Code, r.Stdout)
	}
	if _, err := os.Lstat(victim); err == nil {
		t.Errorf("the link's target was created")
	}
}

// Issue 9: a state folder others control is refused, naming it, and nothing
// is created in it.
func TestStateFolderOthersControl(t *testing.T) {
	testenv.NeedRoot(t)
	bin := proctest.Build(t, "check_security_updates")
	root, _ := filepath.Abs(filepath.Join(fixtures, "debian"))
	sla, _ := filepath.Abs("../../testdata/securityupdates/sla.yaml")
	for _, tc := range []struct {
		name, chown string
		mode        os.FileMode
		want        string
	}{
		{"owned by nobody", "nobody", 0o755, "not by the running user (uid 0) or root"},
		{"0777 without sticky", "root", 0o777, "writable by group or others (mode 0777) without the sticky bit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "state")
			os.Mkdir(dir, 0o755)
			os.Chmod(dir, tc.mode)
			if out, err := exec.Command("chown", tc.chown, dir).CombinedOutput(); err != nil {
				t.Fatalf("chown: %v %s", err, out)
			}
			r := proctest.Exec(t, bin, []string{"GUARDRAIL_NOW=2025-05-21T08:00:00Z"}, "--root", root, "--state-file", filepath.Join(dir, "s.json"), "--policy", sla)
			if r.Code != 3 || !strings.Contains(r.Stdout, "refusing folder "+dir) || !strings.Contains(r.Stdout, tc.want) {
				t.Errorf("exit %d %s", r.Code, r.Stdout)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("created %v", entries)
			}
		})
	}
}
