package reboot

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/advisory"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

const (
	debianProcVersion = "Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)\n"
	ubuntuProcVersion = "Linux version 5.15.0-91-generic (buildd@lcy02-amd64-045) (gcc (Ubuntu 11.4.0-1ubuntu1~22.04) 11.4.0, GNU ld (GNU Binutils for Ubuntu) 2.38) #101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023\n"
)

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReadRunning(t *testing.T) {
	for _, c := range []struct {
		name, osrelease, version string
		want                     Running
	}{
		{"debian", "6.1.0-18-amd64\n", debianProcVersion, Running{Release: "6.1.0-18-amd64", PackageVersion: "6.1.76-1"}},
		{"ubuntu", "5.15.0-91-generic\n", ubuntuProcVersion, Running{Release: "5.15.0-91-generic"}},
		{"rocky", "5.14.0-362.8.1.el9_3.x86_64\n", "Linux version 5.14.0-362.8.1.el9_3.x86_64 (mockbuild@iad1-prod-build001.bld.equ.rockylinux.org) (gcc (GCC) 11.4.1 20230605 (Red Hat 11.4.1-2), GNU ld version 2.35.2-42.el9) #1 SMP PREEMPT_DYNAMIC Wed Nov 8 17:36:32 UTC 2023\n",
			Running{Release: "5.14.0-362.8.1.el9_3.x86_64"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			writeFiles(t, root, map[string]string{"proc/sys/kernel/osrelease": c.osrelease, "proc/version": c.version})
			got, err := ReadRunning(root)
			if err != nil || got != c.want {
				t.Errorf("got %+v %v, want %+v", got, err, c.want)
			}
		})
	}
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"proc/sys/kernel/osrelease": "root:x:0:0 secret\n"})
	if _, err := ReadRunning(root); err == nil || strings.Contains(err.Error(), "secret") || !strings.Contains(err.Error(), "osrelease") {
		t.Errorf("bad osrelease: %v", err)
	}
	if _, err := ReadRunning(t.TempDir()); err == nil {
		t.Error("missing osrelease accepted")
	}
}

func TestReadRequired(t *testing.T) {
	root := t.TempDir()
	if r, err := ReadRequired(root); err != nil || r.Exists {
		t.Fatalf("absent: %+v %v", r, err)
	}
	writeFiles(t, root, map[string]string{"run/reboot-required": "*** System restart required ***\n", "run/reboot-required.pkgs": "linux-image-6.1.0-18-amd64\nlibc6\nlinux-image-6.1.0-18-amd64\n"})
	r, err := ReadRequired(root)
	if err != nil || !r.Exists || strings.Join(r.Packages, ",") != "libc6,linux-image-6.1.0-18-amd64" || r.Since.IsZero() {
		t.Fatalf("%+v %v", r, err)
	}
	writeFiles(t, root, map[string]string{"run/reboot-required.pkgs": "libc6\nbad name\n"})
	if _, err := ReadRequired(root); err == nil || !strings.Contains(err.Error(), "reboot-required.pkgs, line 2") {
		t.Fatalf("bad pkgs: %v", err)
	}
}

func TestDpkgInstallTime(t *testing.T) {
	admin := t.TempDir()
	writeFiles(t, admin, map[string]string{"info/linux-image-6.1.0-18-amd64.list": "/boot/vmlinuz-6.1.0-18-amd64\n", "info/libc6:amd64.list": "/lib\n"})
	when := time.Date(2024, 2, 10, 6, 0, 0, 0, time.UTC)
	os.Chtimes(filepath.Join(admin, "info/linux-image-6.1.0-18-amd64.list"), when, when)
	if got, err := DpkgInstallTime(admin, "linux-image-6.1.0-18-amd64", "amd64"); err != nil || !got.Equal(when) {
		t.Errorf("%v %v", got, err)
	}
	if _, err := DpkgInstallTime(admin, "libc6", "amd64"); err != nil {
		t.Errorf("multi-arch name: %v", err)
	}
	if _, err := DpkgInstallTime(admin, "none", ""); err == nil || !strings.Contains(err.Error(), "none.list") {
		t.Errorf("missing: %v", err)
	}
	if _, err := DpkgInstallTime(admin, "../../etc/passwd", ""); err == nil {
		t.Error("path in a package name accepted")
	}
}

func TestDecide(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2024, 2, d, 0, 0, 0, 0, time.UTC) }
	bookworm := DebianKernels([]Package{
		{Name: "linux-image-amd64", Version: "6.1.76-1", Installed: day(10)},
		{Name: "linux-image-6.1.0-17-amd64", Version: "6.1.69-1", Installed: day(1)},
		{Name: "linux-image-6.1.0-18-amd64", Version: "6.1.76-1", Installed: day(10)},
	})
	rebuilt := DebianKernels([]Package{{Name: "linux-image-6.1.0-18-amd64", Version: "6.1.76-1+deb12u1", Installed: day(12)}})
	rocky := RPMKernels([]Package{
		{Name: "kernel-core", Version: "5.14.0-362.8.1.el9_3", Arch: "x86_64", Installed: day(3)},
		{Name: "kernel-core", Version: "5.14.0-362.13.1.el9_3", Arch: "x86_64", Installed: day(9)},
		{Name: "kernel-tools", Version: "5.14.0-362.13.1.el9_3", Arch: "x86_64", Installed: day(9)},
	})
	rpmCompare := func(a, b string) (int, error) { return numericCompare(a, b), nil } // rpmvercmp agrees on these
	cases := []struct {
		name    string
		run     Running
		kernels []Kernel
		flag    Required
		cmp     Compare
		state   State
		pending bool
		since   time.Time
	}{
		{"newer ABI installed", Running{"6.1.0-17-amd64", "6.1.69-1"}, bookworm, Required{}, advisory.DebianCompare, Newer, true, day(10)},
		{"running the newest", Running{"6.1.0-18-amd64", "6.1.76-1"}, bookworm, Required{}, advisory.DebianCompare, Current, false, time.Time{}},
		{"same ABI rebuilt", Running{"6.1.0-18-amd64", "6.1.76-1"}, rebuilt, Required{}, advisory.DebianCompare, Rebuilt, true, day(12)},
		{"ubuntu, no package version", Running{"5.15.0-91-generic", ""}, DebianKernels([]Package{{Name: "linux-image-5.15.0-91-generic", Version: "5.15.0-91.101"}}), Required{}, advisory.DebianCompare, Current, false, time.Time{}},
		{"no kernel package (container)", Running{"6.18.44", ""}, nil, Required{}, advisory.DebianCompare, Unknown, false, time.Time{}},
		{"flag only (libc6)", Running{"6.1.0-18-amd64", "6.1.76-1"}, bookworm, Required{Exists: true, Since: day(15), Packages: []string{"libc6"}}, advisory.DebianCompare, Current, true, day(15)},
		{"flag older than the kernel", Running{"6.1.0-17-amd64", "6.1.69-1"}, bookworm, Required{Exists: true, Since: day(5)}, advisory.DebianCompare, Newer, true, day(5)},
		{"rocky newer kernel-core", Running{"5.14.0-362.8.1.el9_3.x86_64", ""}, rocky, Required{}, rpmCompare, Newer, true, day(9)},
		{"rocky current", Running{"5.14.0-362.13.1.el9_3.x86_64", ""}, rocky, Required{}, rpmCompare, Current, false, time.Time{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := Decide(c.run, c.kernels, c.flag, c.cmp)
			if err != nil || v.State != c.state || v.Pending != c.pending || !v.Since.Equal(c.since) {
				t.Errorf("got %v pending=%v since %v (%v), want %v %v %v", v.State, v.Pending, v.Since, err, c.state, c.pending, c.since)
			}
		})
	}
	v, _ := Decide(Running{"6.1.0-17-amd64", "6.1.69-1"}, bookworm, Required{}, advisory.DebianCompare)
	if v.Days(day(17)) != 7 || v.Newest.Package != "linux-image-6.1.0-18-amd64" {
		t.Errorf("days %d newest %+v", v.Days(day(17)), v.Newest)
	}
}

// needrestart's kernel verdict on this host, in the same moment, equals
// ours: NEEDRESTART-KCUR is the running release; KSTA 0 (unknown) when no
// kernel image is installed, 1 current, 2 ABI-compatible upgrade, 3 newer.
func TestAgainstNeedrestart(t *testing.T) {
	testenv.NeedRoot(t)
	bin := testenv.NeedCommand(t, "needrestart")
	out, err := exec.Command(bin, "-b", "-k").Output()
	if err != nil {
		t.Fatalf("needrestart -b -k: %v", err)
	}
	got := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ": "); ok {
			got[k] = v
		}
	}
	run, err := ReadRunning("/")
	if err != nil {
		t.Fatal(err)
	}
	if got["NEEDRESTART-KCUR"] != run.Release {
		t.Errorf("running kernel %q, needrestart %q", run.Release, got["NEEDRESTART-KCUR"])
	}
	pkgs := installedPackages(t)
	flag, err := ReadRequired("/")
	if err != nil {
		t.Fatal(err)
	}
	v, err := Decide(run, DebianKernels(pkgs), flag, advisory.DebianCompare)
	if err != nil {
		t.Fatal(err)
	}
	want := map[State]string{Unknown: "0", Current: "1", Rebuilt: "2", Newer: "3"}[v.State]
	if got["NEEDRESTART-KSTA"] != want {
		t.Errorf("kernel state %v (KSTA %s), needrestart KSTA %s (expected kernel %s)", v.State, want, got["NEEDRESTART-KSTA"], got["NEEDRESTART-KEXP"])
	}
	t.Logf("running %s, state %v, needrestart %v", run.Release, v.State, got)
}

// installedPackages asks dpkg-query, the reference, for the installed
// linux-image packages and their .list mtimes.
func installedPackages(t *testing.T) []Package {
	out, err := exec.Command(testenv.NeedCommand(t, "dpkg-query"), "-W", "-f", "${db:Status-Abbrev} ${Package} ${Version} ${Architecture}\n", "linux-image-*").Output()
	if err != nil && len(out) == 0 {
		return nil // no linux-image package known to dpkg at all
	}
	var pkgs []Package
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) != 4 || f[0] != "ii" {
			continue
		}
		when, _ := DpkgInstallTime("/var/lib/dpkg", f[1], f[3])
		pkgs = append(pkgs, Package{Name: f[1], Version: f[2], Arch: f[3], Installed: when})
	}
	return pkgs
}

func FuzzDebianPackageVersion(f *testing.F) {
	f.Add([]byte(debianProcVersion))
	f.Add([]byte(ubuntuProcVersion))
	f.Add([]byte("Debian 1 (2024-01-01)"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v := DebianPackageVersion(b)
		if v != "" && (strings.ContainsAny(v, " ()") || !strings.Contains(string(b), "Debian "+v)) {
			t.Fatalf("%q from %q", v, b)
		}
	})
}

// numericCompare compares runs of digits as numbers and the rest as text,
// which is what rpmvercmp does on versions like 5.14.0-362.13.1.el9_3.
func numericCompare(a, b string) int {
	split := func(s string) []string {
		var out []string
		for len(s) > 0 {
			i := 1
			digit := s[0] >= '0' && s[0] <= '9'
			for i < len(s) && (s[i] >= '0' && s[i] <= '9') == digit {
				i++
			}
			out = append(out, s[:i])
			s = s[i:]
		}
		return out
	}
	x, y := split(a), split(b)
	for i := 0; i < len(x) && i < len(y); i++ {
		if x[i] == y[i] {
			continue
		}
		if x[i][0] >= '0' && x[i][0] <= '9' && y[i][0] >= '0' && y[i][0] <= '9' {
			xi, _ := strconv.Atoi(x[i])
			yi, _ := strconv.Atoi(y[i])
			if xi != yi {
				return xi - yi
			}
		}
		return strings.Compare(x[i], y[i])
	}
	return len(x) - len(y)
}
