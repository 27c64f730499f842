// Package testenv lets tests that need the real thing (root, a Debian
// package, a daemon, network namespaces) skip on a developer's laptop but
// fail in CI, where `make test` sets GUARDRAIL_INTEGRATION=require.
package testenv

import (
	"net"
	"os"
	"os/exec"
	"testing"
)

// Required reports whether real-daemon tests must run (CI, make test).
func Required() bool { return os.Getenv("GUARDRAIL_INTEGRATION") == "require" }

// Need skips the test when ok is false, or fails it when integration tests
// are required; what names the missing prerequisite.
func Need(t testing.TB, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if Required() {
		t.Fatalf("integration prerequisite missing: %s (GUARDRAIL_INTEGRATION=require)", what)
	}
	t.Skipf("skipped: %s (run `make test` as root to install and run it)", what)
}

// NeedRoot needs uid 0.
func NeedRoot(t testing.TB) { t.Helper(); Need(t, os.Geteuid() == 0, "root") }

// NeedCommand needs an executable, by name on PATH or absolute path, and
// returns its path.
func NeedCommand(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	Need(t, err == nil, "command "+name)
	return p
}

// FreePort returns a TCP (or UDP, with network "udp") port on 127.0.0.1 that
// was free a moment ago.
func FreePort(t testing.TB, network string) int {
	t.Helper()
	switch network {
	case "udp":
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	default:
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
}
