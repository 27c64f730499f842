package restart

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// replace puts a new copy at path the way dpkg and rpm do: write beside
// it, rename over it.
func replace(t *testing.T, from, path string) {
	t.Helper()
	copyFile(t, from, path+".new", 0o755)
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

func libm(t *testing.T) string {
	for _, pattern := range []string{"/lib/x86_64-linux-gnu/libm.so.6", "/usr/lib/*-linux-gnu*/libm.so.6", "/lib64/libm.so.6", "/usr/lib64/libm.so.6"} {
		if m, _ := filepath.Glob(pattern); len(m) > 0 {
			return m[0]
		}
	}
	testenv.Need(t, false, "libm.so.6")
	return ""
}

// start runs cmd and waits until /proc/PID/maps maps want.
func start(t *testing.T, cmd *exec.Cmd, want string) int {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	pid := cmd.Process.Pid
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid)); err == nil && strings.Contains(string(b), want) {
			return pid
		}
	}
	t.Fatalf("process %d never mapped %s", pid, want)
	return 0
}

// under keeps the outdated processes with a stale file below dir.
func under(s Scan, dir string) map[int][]string {
	out := map[int][]string{}
	for _, p := range s.Outdated {
		for _, f := range p.Files {
			if strings.HasPrefix(f.Path, dir+"/") {
				out[p.PID] = append(out[p.PID], filepath.Base(f.Path)+" "+f.Reason)
			}
		}
	}
	return out
}

func scanAll(t *testing.T) Scan {
	t.Helper()
	s, err := ScanProc("/", Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A process on a copied library, the library replaced (old inode
// deleted), one on a replaced executable, and (as root) one whose library
// path is bind-mounted over: exactly those processes, nothing before.
func TestReplacedFiles(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	lib := filepath.Join(dir, "libm.so.6")
	copyFile(t, libm(t), lib, 0o755)
	sleep, _ := exec.LookPath("sleep")
	exe := filepath.Join(dir, "sleep")
	copyFile(t, sleep, exe, 0o755)

	a := exec.Command(sleep, "60")
	a.Env = append(os.Environ(), "LD_PRELOAD="+lib)
	pidA := start(t, a, lib)
	b := exec.Command(exe, "60")
	pidB := start(t, b, exe)
	if got := under(scanAll(t), dir); len(got) != 0 {
		t.Fatalf("before any replacement: %v", got)
	}

	replace(t, libm(t), lib)
	replace(t, sleep, exe)
	want := map[int][]string{pidA: {"libm.so.6 deleted"}, pidB: {"sleep deleted"}}
	s := scanAll(t)
	if got := under(s, dir); !reflect.DeepEqual(got, want) {
		t.Fatalf("after replacing: got %v, want %v", got, want)
	}
	for _, p := range s.Outdated {
		if p.PID == pidB && (p.Exe != exe || p.Comm != "sleep" || p.Since().IsZero()) {
			t.Errorf("process %+v", p)
		}
	}

	// A path that now holds another file while the mapped one is still
	// linked (a bind mount here; an overlay or a chroot in the field): only
	// the inode tells.
	if os.Geteuid() != 0 {
		return
	}
	lib2 := filepath.Join(dir, "libm2.so.6")
	copyFile(t, libm(t), lib2, 0o755)
	c := exec.Command(sleep, "60")
	c.Env = append(os.Environ(), "LD_PRELOAD="+lib2)
	pidC := start(t, c, lib2)
	other := filepath.Join(dir, "other.so")
	copyFile(t, libm(t), other, 0o755)
	err := syscall.Mount(other, lib2, "", syscall.MS_BIND, "")
	testenv.Need(t, err == nil, fmt.Sprintf("a bind mount (%v)", err))
	defer syscall.Unmount(lib2, syscall.MNT_DETACH)
	want[pidC] = []string{"libm2.so.6 replaced"}
	if got := under(scanAll(t), dir); !reflect.DeepEqual(got, want) {
		t.Fatalf("after the bind mount: got %v, want %v", got, want)
	}
}

// Without root, other users' processes cannot be read: they are counted,
// never taken for up to date.
func TestUnreadableCounted(t *testing.T) {
	if os.Getenv("GUARDRAIL_RESTART_SCAN") == "1" {
		s, err := ScanProc("/", Options{})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		json.NewEncoder(os.Stdout).Encode(map[string]int{"scanned": s.Scanned, "unreadable": s.Unreadable})
		os.Exit(0)
	}
	testenv.NeedRoot(t)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Dir(dir), 0o755)
	bin := filepath.Join(dir, "restart.test")
	copyFile(t, self, bin, 0o755)
	cmd := exec.Command(bin, "-test.run", "^TestUnreadableCounted$")
	cmd.Env = append(os.Environ(), "GUARDRAIL_RESTART_SCAN=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scan as nobody: %v %s", err, out)
	}
	var got map[string]int
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got["unreadable"] == 0 || got["scanned"] == 0 {
		t.Fatalf("as nobody: %v (root's processes must count as unreadable, its own as scanned)", got)
	}
}

// needrestart -b on this host, in the same moment (our scan before and
// after it), finds the same outdated processes and names the same
// services (NEEDRESTART-SVC). Its interpreter scan (scripts of Python,
// Perl…) is switched off: guardrail does not look into scripts. One
// difference on purpose: an executable that is a sealed memfd (runc and
// container runtimes) is no package file and not reported here.
func TestAgainstNeedrestart(t *testing.T) {
	testenv.NeedRoot(t)
	bin := testenv.NeedCommand(t, "needrestart")
	conf := filepath.Join(t.TempDir(), "needrestart.conf")
	base, err := os.ReadFile("/etc/needrestart/needrestart.conf")
	testenv.Need(t, err == nil, "/etc/needrestart/needrestart.conf")
	os.WriteFile(conf, append(base, "\n$nrconf{interpscan} = 0;\n$nrconf{kernelhints} = 0;\n$nrconf{ucodehints} = 0;\n"...), 0o644)

	// An outdated process outside the temporary directories needrestart
	// ignores, so both have something to find.
	dir, err := os.MkdirTemp("/var/lib", "guardrail-restart-test-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sleep, _ := exec.LookPath("sleep")
	exe := filepath.Join(dir, "sleep")
	copyFile(t, sleep, exe, 0o755)
	pid := start(t, exec.Command(exe, "60"), exe)
	replace(t, sleep, exe)

	before, err := ScanProc("/", Options{IgnorePrefixes: DefaultIgnore})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-b", "-v", "-r", "l", "-c", conf)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("needrestart: %v\n%s", err, stderr.String())
	}
	after, err := ScanProc("/", Options{IgnorePrefixes: DefaultIgnore})
	if err != nil {
		t.Fatal(err)
	}
	theirs := map[int]bool{}
	re := regexp.MustCompile(`(?m)^\[main\] #(\d+) uses (?:obsolete binary|deleted|obsolete) (.*)$`)
	for _, m := range re.FindAllStringSubmatch(stderr.String(), -1) {
		if strings.HasPrefix(m[2], "/memfd:") {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		theirs[n] = true
	}
	inBoth := map[int]bool{}
	for _, p := range after.Outdated {
		inBoth[p.PID] = true
	}
	var ours, their []int
	// needrestart's own blacklist: binaries it never restarts.
	blacklist := regexp.MustCompile(`^(/usr/bin/sudo|/sbin/(dhclient|dhcpcd5|pump|udhcpc)|/usr/bin/apt-get)(\.dpkg-new)?$`)
	for _, p := range before.Outdated {
		if inBoth[p.PID] && !blacklist.MatchString(p.Exe) {
			ours = append(ours, p.PID)
		}
	}
	for p := range theirs {
		if pidAlive(p) {
			their = append(their, p)
		}
	}
	sort.Ints(their)
	if !reflect.DeepEqual(ours, their) {
		t.Errorf("outdated processes: ours %v, needrestart %v\n%s", ours, their, stderr.String())
	}
	if !theirs[pid] {
		t.Errorf("needrestart did not see the test process %d", pid)
	}
	var svc []string
	for _, line := range strings.Split(string(out), "\n") {
		if u, ok := strings.CutPrefix(line, "NEEDRESTART-SVC: "); ok {
			svc = append(svc, u)
		}
	}
	sort.Strings(svc)
	if units := after.Units(); !reflect.DeepEqual(units, svc) && !(len(units) == 0 && len(svc) == 0) {
		t.Errorf("services: ours %v, needrestart %v", units, svc)
	}
	t.Logf("outdated %v, services %v, scanned %d, unreadable %d", ours, svc, after.Scanned, after.Unreadable)
}

func pidAlive(pid int) bool { return syscall.Kill(pid, 0) == nil }

func TestParseMapsLine(t *testing.T) {
	for _, c := range []struct {
		line string
		want mapping
		ok   bool
	}{
		{"7f2c1c200000-7f2c1c226000 r-xp 00028000 fd:01 1837512                    /usr/lib/x86_64-linux-gnu/libc.so.6",
			mapping{"r-xp", 0xfd, 1, 1837512, "/usr/lib/x86_64-linux-gnu/libc.so.6"}, true},
		{"55d0c0a00000-55d0c0a02000 r-xp 00002000 08:02 393233     /opt/app/bin/my app (deleted)",
			mapping{"r-xp", 8, 2, 393233, "/opt/app/bin/my app (deleted)"}, true},
		{"7ffc8a3f0000-7ffc8a411000 rw-p 00000000 00:00 0                          [stack]", mapping{"rw-p", 0, 0, 0, "[stack]"}, true},
		{"7f2c1c000000-7f2c1c021000 rw-p 00000000 00:00 0 ", mapping{"rw-p", 0, 0, 0, ""}, true},
		{"garbage", mapping{}, false},
		{"a b c zz:01 1 /x", mapping{}, false},
		{"a b c 08:01 -1 /x", mapping{}, false},
	} {
		got, ok := parseMapsLine([]byte(c.line))
		if ok != c.ok || ok && got != c.want {
			t.Errorf("%q: got %+v %v, want %+v %v", c.line, got, ok, c.want, c.ok)
		}
	}
}

func TestUnitFromCgroup(t *testing.T) {
	for _, c := range []struct {
		cgroup, unit string
		user         bool
	}{
		{"0::/system.slice/ssh.service\n", "ssh.service", false},
		{"0::/user.slice/user-1000.slice/session-4.scope\n", "session-4.scope", true},
		{"0::/user.slice/user-1000.slice/user@1000.service/app.slice/pipewire.service\n", "pipewire.service", true},
		{"12:pids:/system.slice/cron.service\n1:name=systemd:/system.slice/cron.service\n0::/system.slice/cron.service\n", "cron.service", false},
		{"9:name=systemd:/\n0::/\n", "", false},
		{"0::/system.slice/docker-0123abcd.scope\n", "docker-0123abcd.scope", false},
		{"", "", false},
	} {
		unit, user := UnitFromCgroup([]byte(c.cgroup))
		if unit != c.unit || user != c.user {
			t.Errorf("%q: %q %v, want %q %v", c.cgroup, unit, user, c.unit, c.user)
		}
	}
	s := Scan{Outdated: []Process{{Unit: "ssh.service"}, {Unit: "ssh.service"}, {Unit: "cron.service"}, {Unit: "session-4.scope", UserUnit: true}, {Unit: "pipewire.service", UserUnit: true}}}
	if u := s.Units(); !reflect.DeepEqual(u, []string{"cron.service", "ssh.service"}) {
		t.Errorf("units %v", u)
	}
}

// A fake /proc: a kernel thread (no exe) is skipped, a process whose maps
// vanished between reads is not counted at all.
func TestScanFakeProc(t *testing.T) {
	root := t.TempDir()
	mk := func(pid int, exe, maps, cgroup string) {
		d := filepath.Join(root, "proc", strconv.Itoa(pid))
		os.MkdirAll(filepath.Join(d, "root"), 0o755)
		if exe != "" {
			os.Symlink(exe, filepath.Join(d, "exe"))
		}
		if maps != "" {
			os.WriteFile(filepath.Join(d, "maps"), []byte(maps), 0o644)
		}
		os.WriteFile(filepath.Join(d, "cgroup"), []byte(cgroup), 0o644)
		os.WriteFile(filepath.Join(d, "comm"), []byte("demo\n"), 0o644)
	}
	mk(2, "", "", "0::/\n")
	mk(100, "/usr/sbin/sshd (deleted)", "5600-5700 r-xp 0 fd:01 42 /usr/sbin/sshd (deleted)\n5700-5800 r-xp 0 fd:01 43 /usr/lib/libcrypto.so.3 (deleted)\n", "0::/system.slice/ssh.service\n")
	mk(101, "/usr/bin/python3", "5600-5700 r-xp 0 fd:01 44 /usr/bin/python3\n5700-5800 r-xp 0 00:05 7 /memfd:x (deleted)\n5800-5900 r--p 0 fd:01 45 /usr/lib/locale/locale-archive (deleted)\n", "0::/system.slice/cron.service\n")
	mk(102, "/usr/bin/gone", "", "")
	s, err := ScanProc(root, Options{IgnorePrefixes: DefaultIgnore})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Outdated) != 1 || s.Outdated[0].PID != 100 || s.Outdated[0].Unit != "ssh.service" || len(s.Outdated[0].Files) != 2 ||
		s.Outdated[0].Files[1].Path != "/usr/lib/libcrypto.so.3" || s.Scanned != 2 || s.Unreadable != 0 {
		t.Fatalf("%+v", s)
	}
}

func FuzzParseMapsLine(f *testing.F) {
	f.Add([]byte("7f2c1c200000-7f2c1c226000 r-xp 00028000 fd:01 1837512    /usr/lib/x86_64-linux-gnu/libc.so.6"))
	f.Add([]byte("a b c 0:0 0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, ok := parseMapsLine(b)
		if ok && m.path != "" && !strings.Contains(string(b), m.path) {
			t.Fatalf("path %q not from %q", m.path, b)
		}
	})
}

func FuzzUnitFromCgroup(f *testing.F) {
	f.Add([]byte("0::/system.slice/ssh.service\n"))
	f.Add([]byte("1:name=systemd:/user.slice/user-1000.slice/session-2.scope\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		u, _ := UnitFromCgroup(b)
		if u != "" && (strings.Contains(u, "/") || !strings.Contains(string(b), u)) {
			t.Fatalf("unit %q from %q", u, b)
		}
	})
}
