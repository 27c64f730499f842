// Package packaging holds the tests of what ships: the .deb, the NRPE and
// Icinga 2 definitions, against the real dpkg, lintian, nrpe and icinga2.
package packaging

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/checks"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// testVersion is stamped into the binaries the tests build; -V must show it
// and the package version derived from it (package.mk) is 9.8.7+test.
const (
	testVersion    = "9.8.7-test"
	testPkgVersion = "9.8.7+test"
)

func moduleRoot(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Dir(filepath.Dir(file))
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found from %s", file)
	}
	return root
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "/usr/local/go/bin/go" // where .ci/run adds Go to PATH from
}

// worldReadableDir is a temporary directory that the nagios user can enter,
// for binaries and configuration that NRPE runs as nagios.
func worldReadableDir(t testing.TB, prefix string) string {
	t.Helper()
	d, err := os.MkdirTemp("", prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

// makePackaging runs a target of packaging/package.mk through the top-level
// Makefile, for amd64 and one package format: the same build `make package`
// does.
func makePackaging(t testing.TB, dist, format string, targets ...string) {
	t.Helper()
	mk := testenv.NeedCommand(t, "make")
	args := append([]string{"-C", moduleRoot(t), "--no-print-directory"}, targets...)
	args = append(args, "ARCHS=amd64", "FORMATS="+format, "DIST="+dist, "VERSION="+testVersion, "GO="+goTool())
	cmd := exec.Command(mk, args...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make %s: %v\n%s", strings.Join(targets, " "), err, out)
	}
}

var (
	binOnce sync.Once
	binRoot string
	binDir  string
	binErr  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binRoot != "" {
		os.RemoveAll(binRoot)
	}
	os.Exit(code)
}

// binaries builds every check once with package.mk's package-binaries and
// returns the directory holding them (world-readable).
func binaries(t *testing.T) string {
	t.Helper()
	testenv.NeedCommand(t, "make")
	binOnce.Do(func() {
		d, err := os.MkdirTemp("", "guardrail-pkgtest-")
		if err != nil {
			binErr = err.Error()
			return
		}
		os.Chmod(d, 0o755)
		binRoot = d
		mk, err := exec.LookPath("make")
		if err != nil {
			binErr = "make not found"
			return
		}
		cmd := exec.Command(mk, "-C", moduleRoot(t), "--no-print-directory", "package-binaries",
			"ARCHS=amd64", "DIST="+d, "VERSION="+testVersion, "GO="+goTool())
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = err.Error() + "\n" + string(out)
			return
		}
		binDir = filepath.Join(d, "amd64")
	})
	if binErr != "" {
		t.Fatalf("building the checks: %s", binErr)
	}
	return binDir
}

// specsByName are the checks that ship, by binary name.
func specsByName() map[string]plugin.Spec {
	m := map[string]plugin.Spec{}
	for _, s := range checks.All() {
		m[s.Name] = s
	}
	return m
}

// runAs is the user NRPE and the plugins run as: nagios where it exists.
func runAs() (name string, ok bool) {
	if _, err := user.Lookup("nagios"); err == nil {
		return "nagios", true
	}
	return "", false
}
