package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/proctest"
)

var checks = []string{"check_os_version", "check_security_updates", "check_firewall_flows"}

// Issue 9: a character device as --policy is read up to the bound, not
// without end: UNKNOWN at once, naming the file and the limit.
func TestPolicyFromDevZeroEndsFast(t *testing.T) {
	for _, name := range checks {
		b := proctest.Build(t, name)
		r := proctest.Exec(t, b, nil, "--policy", "/dev/zero", "-t", "10")
		if r.Code != 3 || !strings.HasSuffix(r.Stdout, "UNKNOWN: policy /dev/zero: larger than the 4 MiB limit for a policy file\n") {
			t.Errorf("%s: exit %d %q", name, r.Code, r.Stdout)
		}
		if r.Wall > 2*time.Second || r.MaxRSS > 256<<20 {
			t.Errorf("%s: %v, %d MiB", name, r.Wall, r.MaxRSS>>20)
		}
	}
}

// endless is a FIFO whose writer sends a YAML comment every 20 ms for ever:
// the read never ends and never reaches a bound.
func endless(t *testing.T) string {
	t.Helper()
	fifo := filepath.Join(t.TempDir(), "endless.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		for {
			if _, err := w.Write([]byte("# still writing\n")); err != nil {
				return // the reader exited
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return fifo
}

// Issue 8: -t is honoured within 10 %, for a read that never ends and for a
// FIFO with no writer (stuck in open(2)), and the message names the file.
func TestTimeoutHonouredWithinTenPercent(t *testing.T) {
	valid := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(valid, []byte("version: 1\n"), 0o644)
	for _, name := range checks {
		b := proctest.Build(t, name)
		for _, input := range []string{"endless", "no writer"} {
			for _, secs := range []int{1, 3} {
				var file string
				if input == "endless" {
					file = endless(t)
				} else {
					file = filepath.Join(t.TempDir(), "nowriter.yaml")
					if err := syscall.Mkfifo(file, 0o600); err != nil {
						t.Fatal(err)
					}
				}
				args := [][]string{{"--policy", file}}
				if name == "check_firewall_flows" {
					args = append(args, []string{"--policy", valid, "--iptables", "../../testdata/firewall/forward.rules", "--flows", file})
				}
				for _, a := range args {
					r := proctest.Exec(t, b, nil, append(a, "-t", strconv.Itoa(secs))...)
					want := time.Duration(secs) * time.Second
					if r.Wall < want*9/10 || r.Wall > want*11/10 {
						t.Errorf("%s %v -t %d (%s): ended after %v", name, a, secs, input, r.Wall)
					}
					if r.Code != 3 || !strings.Contains(r.Stdout, "UNKNOWN: timed out after "+strconv.Itoa(secs)+" s while reading "+file+"\n") {
						t.Errorf("%s %v (%s): exit %d %q", name, a, input, r.Code, r.Stdout)
					}
				}
			}
		}
	}
}
