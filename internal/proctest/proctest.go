// Package proctest builds a check binary once per test process and runs it
// as a whole process: the golden tests and whole-process benchmarks of every
// check go through it, so the binary is tested exactly as Nagios runs it.
package proctest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	mu    sync.Mutex
	built = map[string]string{}
	dir   string
)

// Build compiles ./checks/<name> (found from the module root) and returns the
// binary's path; later calls reuse it.
func Build(t testing.TB, name string) string {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if p, ok := built[name]; ok {
		return p
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "guardrail-bin-")
		if err != nil {
			t.Fatal(err)
		}
		dir = d
	}
	root := moduleRoot(t)
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", out, "./checks/"+name)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, msg)
	}
	built[name] = out
	return out
}

func moduleRoot(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found from %s", file)
	}
	return root
}

// Run is one whole-process run.
type Run struct {
	Code   int
	Stdout string
	Stderr string
	Wall   time.Duration
	CPU    time.Duration // user + system: steadier than wall time on a busy machine
	MaxRSS int64         // bytes
}

// Exec runs bin with args and the extra environment, never through a shell.
func Exec(t testing.TB, bin string, env []string, args ...string) Run {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := Run{Wall: time.Since(start), Stdout: out.String(), Stderr: errb.String()}
	if cmd.ProcessState == nil {
		t.Fatalf("%s: %v", bin, err)
	}
	r.Code = cmd.ProcessState.ExitCode()
	r.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.MaxRSS = ru.Maxrss * 1024
	}
	return r
}

// gnuTime is Debian's time package; Measure needs it.
const gnuTime = "/usr/bin/time"

// Measure is Exec for the whole-process benchmarks: the same run, with the
// command's own peak RSS taken by GNU time. Exec's figure cannot be: a Go
// parent starts its child with vfork, and Linux carries the parent's
// high-water mark into the child's ru_maxrss, so it is at least the test
// process's own. CPU time is GNU time's rusage, its child included.
func Measure(t testing.TB, bin string, env []string, args ...string) Run {
	t.Helper()
	if _, err := os.Stat(gnuTime); err != nil {
		t.Fatalf("%s (Debian package time) is needed to measure %s: %v", gnuTime, bin, err)
	}
	out := filepath.Join(t.TempDir(), "maxrss")
	r := Exec(t, gnuTime, env, append([]string{"-f", "%M", "-o", out, bin}, args...)...)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	// "Command exited with non-zero status N" may come first.
	fields := strings.Fields(string(data))
	if len(fields) == 0 {
		t.Fatalf("%s wrote nothing for %s", gnuTime, bin)
	}
	kib, err := strconv.ParseInt(fields[len(fields)-1], 10, 64)
	if err != nil {
		t.Fatalf("%s said %q for %s", gnuTime, data, bin)
	}
	r.MaxRSS = kib << 10
	return r
}

// Golden compares got with the file, or rewrites the file when update is set.
func Golden(t testing.TB, file string, got string, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("golden file: %v (run the test with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("output differs from %s (-update rewrites it)\n--- got\n%s\n--- want\n%s", file, got, want)
	}
}
