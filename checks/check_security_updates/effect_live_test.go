package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/proctest"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// On this host, as root, the whole check with reboot_pending and
// restart_pending names a process started on a copied executable that is
// then replaced the way dpkg does (written beside it, renamed over it),
// and gives needrestart's kernel verdict (-b -k
// NEEDRESTART-KSTA) in the same moment.
func TestEffectLive(t *testing.T) {
	testenv.NeedRoot(t)
	needrestart := testenv.NeedCommand(t, "needrestart")
	bin := proctest.Build(t, "check_security_updates")
	policy, _ := filepath.Abs("../../testdata/securityupdates/effect.yaml")

	dir, err := os.MkdirTemp("/var/lib", "guardrail-effect-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "sleep")
	copyExe(t, sleep, exe)
	cmd := exec.Command(exe, "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if l, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", cmd.Process.Pid)); l == exe {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d never ran %s", cmd.Process.Pid, exe)
		}
	}
	copyExe(t, sleep, exe+".new")
	if err := os.Rename(exe+".new", exe); err != nil {
		t.Fatal(err)
	}

	r := proctest.Exec(t, bin, nil, "--root", "/", "--no-state", "--policy", policy, "-v")
	kout, err := exec.Command(needrestart, "-b", "-k").Output()
	if err != nil {
		t.Fatalf("needrestart -b -k: %v", err)
	}
	if want := fmt.Sprintf("outdated: pid %d sleep [", cmd.Process.Pid); !strings.Contains(r.Stdout, want) {
		t.Errorf("the replaced process is not named (%q):\n%s", want, r.Stdout)
	}
	if !strings.Contains(r.Stdout, fmt.Sprintf("%s (deleted)", exe)) {
		t.Errorf("its executable is not named:\n%s", r.Stdout)
	}
	// --restarts-only, as the shipped sudoers file runs it: the same
	// process, replaced just now: within restart_pending's first day.
	ro := proctest.Exec(t, bin, nil, "--restarts-only", "--policy", policy, "-v")
	if want := fmt.Sprintf("outdated: pid %d sleep [", cmd.Process.Pid); ro.Code != 0 || !strings.Contains(ro.Stdout, want) {
		t.Errorf("--restarts-only: exit %d, want 0 naming %q:\n%s", ro.Code, want, ro.Stdout)
	}
	ksta := ""
	for _, line := range strings.Split(string(kout), "\n") {
		if v, ok := strings.CutPrefix(line, "NEEDRESTART-KSTA: "); ok {
			ksta = strings.TrimSpace(v)
		}
	}
	ours := map[string]string{
		": unknown\n": "0", ": current\n": "1", ": rebuilt (same ABI, newer package)\n": "2", ": newer kernel installed\n": "3",
	}
	got := ""
	for _, line := range strings.SplitAfter(r.Stdout, "\n") {
		if strings.HasPrefix(line, "kernel: ") {
			for suffix, k := range ours {
				if strings.HasSuffix(line, suffix) {
					got = k
				}
			}
		}
	}
	if got != ksta {
		t.Errorf("kernel state %q, needrestart KSTA %q\n%s\n%s", got, ksta, r.Stdout, kout)
	}
	t.Logf("KSTA %s; %s", ksta, strings.SplitN(r.Stdout, "\n", 2)[0])
}

func copyExe(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}
