package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/proctest"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

func minimal(t *testing.T) string {
	p := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(p, []byte("version: 1\n"), 0o644)
	return p
}

func runHostile(t *testing.T, args ...string) proctest.Run {
	t.Helper()
	b := proctest.Build(t, "check_firewall_flows")
	return proctest.Exec(t, b, nil, append([]string{"-t", "10"}, args...)...)
}

// Issue 9: a file that is not a flows file is never quoted: as root,
// --flows /etc/shadow names the file, not its first line.
func TestFlowsNeverQuoteAForeignFile(t *testing.T) {
	testenv.NeedRoot(t)
	shadow, err := os.ReadFile("/etc/shadow")
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(shadow), "\n")
	user, _, _ := strings.Cut(first, ":")
	// A shadow-like file of our own too, so the test does not depend on the host's.
	fake := filepath.Join(t.TempDir(), "shadow")
	os.WriteFile(fake, []byte("root:$y$j9T$SECRETSALT$SECRETHASH:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"), 0o600)
	for _, file := range []string{"/etc/shadow", fake, "/etc/passwd", "/etc/os-release"} {
		r := runHostile(t, "--policy", minimal(t), "--iptables", fw+"forward.rules", "--flows", file)
		r2 := runHostile(t, "--policy", file)
		for _, out := range []string{r.Stdout, r2.Stdout} {
			if !strings.Contains(out, "UNKNOWN: ") || !strings.Contains(out, file) {
				t.Errorf("%s: %q", file, out)
			}
			rest := strings.ReplaceAll(out, file, "")
			for _, secret := range []string{"SECRET", "$y$", user + ":", "root:", "PRETTY_NAME", "/bin/"} {
				if strings.Contains(rest, secret) {
					t.Errorf("%s: output quotes the file (%q): %q", file, secret, out)
				}
			}
		}
	}
}

// Issue 9: the 54 KB alias bomb, in the policy's flows.applications and in
// a --flows file, is refused at once, with little memory.
func TestAliasBombRefused(t *testing.T) {
	for _, args := range [][]string{
		{"--policy", fl + "alias-bomb-policy.yaml", "--iptables", fw + "forward.rules"},
		{"--policy", minimal(t), "--iptables", fw + "forward.rules", "--flows", fl + "alias-bomb.yaml"},
	} {
		r := runHostile(t, args...)
		if r.Code != 3 || !strings.Contains(r.Stdout, "YAML aliases (*name) and merge keys are not accepted") || !strings.Contains(r.Stdout, "app_flows.f0.destinations: YAML aliases") {
			t.Errorf("%v: exit %d %q", args, r.Code, r.Stdout)
		}
		if r.Wall > 2*time.Second || r.MaxRSS > 128<<20 {
			t.Errorf("%v: %v, %d MiB", args, r.Wall, r.MaxRSS>>20)
		}
	}
}

// Issue 9: groups nested as diamonds (24 levels) resolve once each: fast,
// and the verdict is the one of the flattened flow.
func TestDiamondGroups(t *testing.T) {
	r := runHostile(t, "--policy", minimal(t), "--iptables", fw+"forward.rules", "--flows", fl+"diamond.yaml")
	flat := filepath.Join(t.TempDir(), "flat.yaml")
	os.WriteFile(flat, []byte("applications:\n  - app_name: Diamond\n    app_flows:\n      f:\n        sources: [10.0.0.0/24]\n        destinations: [10.9.0.1]\n        services: [tcp/22, tcp/443]\n"), 0o644)
	want := runHostile(t, "--policy", minimal(t), "--iptables", fw+"forward.rules", "--flows", flat)
	if r.Code != want.Code || strings.ReplaceAll(r.Stdout, fl+"diamond.yaml", "F") != strings.ReplaceAll(want.Stdout, flat, "F") || r.Code == 3 {
		t.Errorf("diamond: exit %d %q\nflat: exit %d %q", r.Code, r.Stdout, want.Code, want.Stdout)
	}
	if r.Wall > 2*time.Second {
		t.Errorf("took %v", r.Wall)
	}
}

// Issue 9: NUL and escape bytes in a flows file never reach the output.
func TestControlBytesFromAFlowsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ctl.json")
	os.WriteFile(file, []byte(`{"applications": [{"app_name": "A\u0000\u001b[2J", "app_flows": {"f\u0007": {"sources": ["x\u0000y"], "destinations": ["10.2.0.5"], "services": ["HTTPS"]}}}]}`), 0o644)
	for _, format := range []string{"text", "json"} {
		r := runHostile(t, "--policy", minimal(t), "--iptables", fw+"forward.rules", "--flows", file, "--format", format)
		if r.Code != 3 || !strings.Contains(r.Stdout, `unknown object`) {
			t.Errorf("%s: exit %d %q", format, r.Code, r.Stdout)
		}
		for _, c := range strings.TrimSuffix(r.Stdout, "\n") {
			if c < 0x20 || c == 0x7f {
				t.Errorf("%s: control byte %#x in %q", format, c, r.Stdout)
			}
		}
		if strings.Contains(r.Stdout, `\u0000`) || strings.Contains(r.Stdout, `\u001b`) {
			t.Errorf("%s: escaped control bytes in %q", format, r.Stdout)
		}
	}
}

// Issue 9: every flows and ruleset input, standard input too, is read up to
// its bound: /dev/zero ends at once with the file and limit named.
func TestInputsAreBounded(t *testing.T) {
	b := proctest.Build(t, "check_firewall_flows")
	pol := minimal(t)
	for _, tc := range []struct {
		args  []string
		stdin bool
		want  string
	}{
		{[]string{"--flows", "/dev/zero", "--iptables", fw + "forward.rules"}, false, "flows /dev/zero: larger than the 16 MiB limit for flows files"},
		{[]string{"--flows", "-", "--iptables", fw + "forward.rules"}, true, "flows -: larger than the 16 MiB limit for flows files"},
		{[]string{"--flows", fl + "router.json", "--iptables", "/dev/zero"}, false, "iptables /dev/zero: larger than the 64 MiB limit"},
		{[]string{"--flows", fl + "router.json", "--nftables", "-"}, true, "nftables -: larger than the 64 MiB limit"},
		{[]string{"--flows", fl + "router.json", "--iptables", fw + "forward.rules", "--ipset", "/dev/zero"}, false, "ipset /dev/zero: larger than the 64 MiB limit"},
		{[]string{"--flows", fl + "vendors.json", "--asa", "/dev/zero"}, false, "Cisco ASA config /dev/zero: larger than the 64 MiB limit"},
		{[]string{"--flows", fl + "vendors.json", "--panos", "-"}, true, "PAN-OS config -: larger than the 64 MiB limit"},
		{[]string{"--flows", fl + "vendors.json", "--cisco-acl", "/dev/zero"}, false, "Cisco IOS config /dev/zero: larger than the 64 MiB limit"},
		{[]string{"--flows", fl + "vendors.json", "--junos-srx", "/dev/zero"}, false, "Junos config /dev/zero: larger than the 64 MiB limit"},
		{[]string{"--flows", fl + "vendors.json", "--fortios", "/dev/zero"}, false, "FortiOS config /dev/zero: larger than the 64 MiB limit"},
		{[]string{"--flows", fl + "aws-nacl.json", "--aws-nacl", "/dev/zero", "--aws-instances", fw + "aws-nacl/network-interfaces.json"}, false, "describe-network-acls /dev/zero: larger than the 64 MiB limit"},
		{[]string{"--flows", fl + "aws-nacl.json", "--aws-nacl", fw + "aws-nacl/network-acls.json", "--aws-instances", "/dev/zero"}, false, "aws-instances /dev/zero: larger than the 64 MiB limit"},
	} {
		cmd := exec.Command(b, append([]string{"--policy", pol, "-t", "10"}, tc.args...)...)
		if tc.stdin {
			z, err := os.Open("/dev/zero")
			if err != nil {
				t.Fatal(err)
			}
			defer z.Close()
			cmd.Stdin = z
		}
		start := time.Now()
		out, _ := cmd.Output()
		if cmd.ProcessState.ExitCode() != 3 || !strings.Contains(string(out), "UNKNOWN: "+tc.want) {
			t.Errorf("%v: exit %d %q", tc.args, cmd.ProcessState.ExitCode(), out)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%v: took %v", tc.args, d)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > 256<<10 {
			t.Errorf("%v: %d MiB", tc.args, ru.Maxrss>>10)
		}
	}
}

// A file that is not a device configuration is never quoted, whichever
// device flag names it.
func TestDeviceNeverQuotesAForeignFile(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "shadow")
	os.WriteFile(fake, []byte("root:$y$j9T$SECRETSALT$SECRETHASH:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"), 0o600)
	for _, args := range [][]string{
		{"--cisco-acl", fake}, {"--asa", fake}, {"--junos-srx", fake}, {"--panos", fake}, {"--fortios", fake},
		{"--aws-nacl", fake, "--aws-instances", fw + "aws-nacl/network-interfaces.json"},
		{"--aws-nacl", fw + "aws-nacl/network-acls.json", "--aws-instances", fake},
	} {
		r := runHostile(t, append([]string{"--policy", minimal(t), "--flows", fl + "vendors.json"}, args...)...)
		if r.Code != 3 || !strings.Contains(r.Stdout, "UNKNOWN: ") || !strings.Contains(r.Stdout, fake) {
			t.Errorf("%v: exit %d %q", args, r.Code, r.Stdout)
		}
		rest := strings.ReplaceAll(r.Stdout, fake, "")
		for _, secret := range []string{"SECRET", "$y$", "root:", "daemon"} {
			if strings.Contains(rest, secret) {
				t.Errorf("%v: output quotes the file (%q): %q", args, secret, r.Stdout)
			}
		}
	}
}
