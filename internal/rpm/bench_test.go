package rpm

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/rpm/rpmtest"
)

// TestMain removes the benchmarks' shared generated host.
func TestMain(m *testing.M) {
	code := m.Run()
	if genDir != "" {
		os.RemoveAll(genDir)
	}
	os.Exit(code)
}

// Sizes of the generated host: a RHEL-like BaseOS and AppStream.
const (
	genInstalled  = 1500
	genNames      = 7000
	genAdvisories = 400
)

var genSeverities = []string{"Critical", "Important", "Moderate", "Low"}

// generatedHost is a root with genInstalled packages in a real rpm 4.18
// rpmdb and two repos of genNames names (several versions of a third of the
// installed ones, multilib copies, noarch, obsoletes) with genAdvisories
// advisories, its cache made by dnf makecache.
func generatedHost(tb testing.TB) *rpmtest.Host {
	return generatedHostIn(tb, tb.TempDir())
}

// sharedGeneratedHost is built once per test binary for the benchmarks
// and removed when the tests end.
func sharedGeneratedHost(b *testing.B) *rpmtest.Host {
	genOnce.Do(func() {
		dir, err := os.MkdirTemp("", "guardrail-rpm-bench")
		if err != nil {
			b.Fatal(err)
		}
		genDir = dir
		genHost = generatedHostIn(b, dir)
	})
	if genHost == nil {
		b.Fatal("no generated host")
	}
	return genHost
}

func generatedHostIn(tb testing.TB, dir string) *rpmtest.Host {
	h := rpmtest.NewHostIn(tb, dir)
	r := rand.New(rand.NewSource(12))
	name := func(i int) string {
		prefixes := []string{"lib", "python3-", "perl-", "", "golang-", "texlive-", "rust-"}
		return fmt.Sprintf("%sgen%04d", prefixes[i%len(prefixes)], i)
	}
	var inst []rpmtest.Pkg
	for i := 0; i < genInstalled; i++ {
		inst = append(inst, rpmtest.Pkg{Name: name(i), Version: fmt.Sprintf("1.%d", i%7), Release: fmt.Sprintf("%d.el9", i%3+1),
			Vendor: "Rocky Enterprise Software Foundation"}) // as primary's: zypper's updates keep to the vendor
	}
	h.InstallFiles(h.BuildAll(inst))

	type offer struct {
		rpmtest.Pkg
		obsoletes string
	}
	repos := [2][]offer{}
	newer := map[string][]rpmtest.Pkg{}
	for i := 0; i < genNames; i++ {
		repo := 0
		if i%2 == 1 {
			repo = 1
		}
		if i < genInstalled {
			p := inst[i]
			repos[repo] = append(repos[repo], offer{Pkg: p})
			for k := 1; k <= 2; k++ {
				if r.Intn(3) != 0 {
					break
				}
				q := p
				q.Release = fmt.Sprintf("%d.el9_%d", i%3+1, k)
				repos[repo] = append(repos[repo], offer{Pkg: q})
				newer[p.Name] = append(newer[p.Name], q)
			}
			if i%10 == 0 {
				q := p
				q.Arch = "i686"
				repos[repo] = append(repos[repo], offer{Pkg: q})
			}
			continue
		}
		p := rpmtest.Pkg{Name: name(i), Version: fmt.Sprintf("%d.%d", 1+i%4, i%11), Release: "1.el9", Arch: "x86_64"}
		if i%6 == 0 {
			p.Arch = "noarch"
		}
		o := offer{Pkg: p}
		if i%350 == 0 {
			o.obsoletes = name(i % genInstalled)
		}
		repos[repo] = append(repos[repo], o)
	}
	var ids [2][]string
	var ui [2]strings.Builder
	for a := 0; a < genAdvisories; a++ {
		repo := a % 2
		typ, sev := "security", genSeverities[r.Intn(4)]
		if a%5 >= 3 {
			typ, sev = []string{"bugfix", "enhancement"}[a%2], ""
		}
		id := fmt.Sprintf("RLSA-2026:%05d", a)
		ids[repo] = append(ids[repo], id)
		fmt.Fprintf(&ui[repo], `<update from="releng@example.com" status="final" type="%s" version="2.0"><id>%s</id><title>%s: update</title><issued date="2026-01-%02d 00:00:00"/><updated date="2026-01-%02d 00:00:00"/><rights>Copyright 2026</rights><release>Rocky Linux 9</release><pushcount>1</pushcount><severity>%s</severity><summary>An update</summary><description>This update fixes several issues, among them a flaw that allowed a remote attacker to do things it should not be able to do in some configurations of the package.</description><solution>Update the packages.</solution><references><reference href="https://errata.example.com/%s" id="%s" type="self" title="%s"/><reference href="https://cve.example.com/CVE-2026-%05d" id="CVE-2026-%05d" type="cve" title="CVE-2026-%05d"/></references><pkglist><collection short="rocky-9"><name>Rocky Linux 9</name>`,
			typ, id, id, a%28+1, a%28+1, sev, id, id, id, a, a, a)
		for k := 0; k < 1+r.Intn(4); k++ {
			i := r.Intn(genNames)
			if r.Intn(10) < 7 {
				i = r.Intn(genInstalled) // most advisories fix installed packages
			}
			if i%2 != repo {
				i = (i + 1) % genNames
			}
			var p rpmtest.Pkg
			if vs := newer[name(i)]; len(vs) > 0 && i < genInstalled {
				p = vs[r.Intn(len(vs))]
			} else if i < genInstalled {
				p = inst[i]
			} else {
				p = rpmtest.Pkg{Name: name(i), Version: "1.0", Release: "1.el9", Arch: "x86_64"}
			}
			if p.Arch == "" {
				p.Arch = "x86_64"
			}
			fmt.Fprintf(&ui[repo], `<package name="%s" version="%s" release="%s" epoch="0" arch="%s" src="%s-%s-%s.src.rpm"><filename>%s-%s-%s.%s.rpm</filename><sum type="sha256">%064x</sum></package>`,
				p.Name, p.Version, p.Release, p.Arch, p.Name, p.Version, p.Release, p.Name, p.Version, p.Release, p.Arch, a*7+k)
		}
		ui[repo].WriteString("</collection></pkglist></update>\n")
	}
	for repo, offers := range repos {
		var b strings.Builder
		fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata xmlns=\"http://linux.duke.edu/metadata/common\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" packages=\"%d\">\n", len(offers))
		for n, o := range offers {
			p := o.Pkg
			if p.Arch == "" {
				p.Arch = "x86_64"
			}
			fmt.Fprintf(&b, `<package type="rpm">
  <name>%s</name>
  <arch>%s</arch>
  <version epoch="0" ver="%s" rel="%s"/>
  <checksum type="sha256" pkgid="YES">%064x</checksum>
  <summary>The %s package &amp; its tools</summary>
  <description>%s provides a library and command line tools. This description is about as long as the ones of real packages, so that the primary file has a realistic size to read.</description>
  <packager>Rocky Linux Build System (Peridot) &lt;releng@rockylinux.org&gt;</packager>
  <url>https://example.com/%s</url>
  <time file="1700000000" build="1699990000"/>
  <size package="123456" installed="456789" archive="460000"/>
  <location href="Packages/%c/%s-%s-%s.%s.rpm"/>
  <format>
    <rpm:license>MIT AND BSD-3-Clause</rpm:license>
    <rpm:vendor>Rocky Enterprise Software Foundation</rpm:vendor>
    <rpm:group>Unspecified</rpm:group>
    <rpm:buildhost>build.example.com</rpm:buildhost>
    <rpm:sourcerpm>%s-%s-%s.src.rpm</rpm:sourcerpm>
    <rpm:header-range start="4504" end="25465"/>
    <rpm:provides>
      <rpm:entry name="%s" flags="EQ" epoch="0" ver="%s" rel="%s"/>
      <rpm:entry name="%s(x86-64)" flags="EQ" epoch="0" ver="%s" rel="%s"/>
      <rpm:entry name="lib%s.so.1()(64bit)"/>
    </rpm:provides>
    <rpm:requires>
      <rpm:entry name="libc.so.6(GLIBC_2.34)(64bit)"/>
      <rpm:entry name="libc.so.6()(64bit)"/>
      <rpm:entry name="rtld(GNU_HASH)"/>
      <rpm:entry name="glibc" flags="GE" epoch="0" ver="2.34"/>
    </rpm:requires>
`, p.Name, p.Arch, p.Version, p.Release, repo*1000000+n, p.Name, p.Name, p.Name, p.Name[0], p.Name, p.Version, p.Release, p.Arch,
				p.Name, p.Version, p.Release, p.Name, p.Version, p.Release, p.Name, p.Name, p.Version, p.Release)
			if o.obsoletes != "" {
				fmt.Fprintf(&b, "    <rpm:obsoletes>\n      <rpm:entry name=\"%s\" flags=\"LT\" epoch=\"0\" ver=\"9\"/>\n    </rpm:obsoletes>\n", o.obsoletes)
			}
			fmt.Fprintf(&b, "    <file>/usr/bin/%s</file>\n    <file type=\"dir\">/usr/share/doc/%s</file>\n  </format>\n</package>\n", p.Name, p.Name)
		}
		b.WriteString("</metadata>\n")
		docs := map[string][]byte{"primary": []byte(b.String()),
			"updateinfo": []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<updates>\n" + ui[repo].String() + "</updates>\n")}
		h.RawRepo([]string{"baseos", "appstream"}[repo], docs)
	}
	h.Makecache()
	return h
}

var (
	genOnce sync.Once
	genHost *rpmtest.Host
	genDir  string
)

// TestGeneratedAgainstDNF: on the generated host, our answer is dnf's.
func TestGeneratedAgainstDNF(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a host of thousands of packages")
	}
	h := generatedHost(t)
	s, ok, err := Load(context.Background(), h.Root, Options{})
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	ups := s.Updates()
	want := h.CheckUpdate()
	got := pendingLines(ups, func(Update) bool { return true })
	if len(got) < 300 {
		t.Fatalf("only %d updates generated", len(got))
	}
	secWant := h.CheckUpdate("--security").Updates
	t.Logf("dnf: %d updates, %d security, %d obsoletions", len(want.Updates), len(secWant), len(want.Obsoletes))
	compareQuiet(t, "check-update", got, want.Updates)
	compareQuiet(t, "check-update --security", pendingLines(ups, func(u Update) bool { return u.Security }), secWant)
	if len(s.Obsoletes()) != len(want.Obsoletes) || len(want.Obsoletes) == 0 {
		t.Errorf("obsoletes: we %d, dnf %d", len(s.Obsoletes()), len(want.Obsoletes))
	}
}

func compareQuiet(t *testing.T, what string, got, want []rpmtest.Line) {
	t.Helper()
	g, w := map[rpmtest.Line]bool{}, map[rpmtest.Line]bool{}
	for _, l := range got {
		g[l] = true
	}
	for _, l := range want {
		w[l] = true
	}
	var extra, missing []string
	for l := range g {
		if !w[l] {
			extra = append(extra, fmt.Sprint(l))
		}
	}
	for l := range w {
		if !g[l] {
			missing = append(missing, fmt.Sprint(l))
		}
	}
	sort.Strings(extra)
	sort.Strings(missing)
	if len(extra)+len(missing) > 0 {
		t.Errorf("%s: %d lines agree; only we say %d %v; only dnf says %d %v", what, len(got)-len(extra), len(extra), first(extra), len(missing), first(missing))
	}
}

func first(s []string) []string { return s[:min(len(s), 5)] }

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLoadUpdatesGenerated: gather and judge the generated host in
// process. heap-MiB is the Go heap obtained from the OS: a bound on the peak.
func BenchmarkLoadUpdatesGenerated(b *testing.B) {
	h := sharedGeneratedHost(b)
	b.ReportAllocs()
	cpu0 := cpuTime()
	n := 0
	for i := 0; i < b.N; i++ {
		s, ok, err := Load(context.Background(), h.Root, Options{})
		if err != nil || !ok {
			b.Fatal(ok, err)
		}
		n = len(s.Updates())
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(n), "updates")
}

// BenchmarkVersusDNF times whole processes side by side on the generated
// host: this package (rpmtest/checkupdate, a static binary that loads the
// root and prints its updates) against `dnf -C check-update` plus `dnf -C
// updateinfo list --security`, which a check needs both. Medians of 5
// runs; peak RSS is the largest VmHWM seen.
func BenchmarkVersusDNF(b *testing.B) {
	h := sharedGeneratedHost(b)
	self := filepath.Join(b.TempDir(), "checkupdate")
	build := exec.Command("go", "build", "-o", self, "./rpmtest/checkupdate")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	ours := func(env ...string) int64 {
		cmd := exec.Command(self, h.Root)
		cmd.Env = append(os.Environ(), env...)
		rss, code := runPeak(b, cmd)
		if code != 0 {
			b.Fatalf("load exit %d", code)
		}
		return rss
	}
	dnf := func() int64 {
		var peak int64
		for _, args := range [][]string{{"-C", "check-update"}, {"-C", "updateinfo", "list", "--security"}} {
			cmd := exec.Command("dnf", h.DNFArgs(args...)...)
			cmd.Env = h.Env()
			rss, code := runPeak(b, cmd)
			if code != 0 && code != 100 {
				b.Fatalf("dnf %v: exit %d", args, code)
			}
			peak = max(peak, rss)
		}
		return peak
	}
	ours()
	dnf() // warm both: page cache, dnf's solv files
	b.ResetTimer()
	var oursWall, dnfWall, oursCPU, dnfCPU []time.Duration
	var oursRSS, dnfRSS, gogc50RSS int64
	for i := 0; i < 5; i++ {
		t0, c0 := time.Now(), childCPU
		oursRSS = max(oursRSS, ours())
		oursWall = append(oursWall, time.Since(t0))
		oursCPU = append(oursCPU, childCPU-c0)
		// a check may lower GOGC: its heap is small and short-lived
		gogc50RSS = max(gogc50RSS, ours("GOGC=50"))
		t0, c0 = time.Now(), childCPU
		dnfRSS = max(dnfRSS, dnf())
		dnfWall = append(dnfWall, time.Since(t0))
		dnfCPU = append(dnfCPU, childCPU-c0)
	}
	b.StopTimer()
	ow, dw := median(oursWall), median(dnfWall)
	b.ReportMetric(float64(ow)/float64(time.Millisecond), "ours-ms")
	b.ReportMetric(float64(dw)/float64(time.Millisecond), "dnf-ms")
	b.ReportMetric(float64(dw)/float64(ow), "wall-ratio")
	// CPU time too: on a shared machine wall time mostly measures the queue
	b.ReportMetric(float64(median(oursCPU))/float64(time.Millisecond), "ours-cpu-ms")
	b.ReportMetric(float64(median(dnfCPU))/float64(time.Millisecond), "dnf-cpu-ms")
	b.ReportMetric(float64(oursRSS)/1024, "ours-MiB")
	b.ReportMetric(float64(dnfRSS)/1024, "dnf-MiB")
	b.ReportMetric(float64(dnfRSS)/float64(oursRSS), "rss-ratio")
	b.ReportMetric(float64(gogc50RSS)/1024, "ours-GOGC50-MiB")
}

// childCPU sums the CPU time of the processes runPeak ran.
var childCPU time.Duration

// runPeak runs cmd (output discarded) and returns the largest VmHWM (KiB)
// read from /proc while it ran, and its exit code. rusage's maxrss is no
// use here: a child the Go runtime starts with vfork carries the parent's
// peak RSS into its own.
func runPeak(b *testing.B, cmd *exec.Cmd) (int64, int) {
	defer func() {
		if cmd.ProcessState != nil {
			childCPU += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		}
	}()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
	done := make(chan struct{})
	var peak int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if kib := vmHWM(status); kib > peak {
				peak = kib
			}
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	wg.Wait()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		b.Fatal(err)
	}
	return peak, cmd.ProcessState.ExitCode()
}

// vmHWM reads the peak resident set of a process, in KiB (0 once gone).
func vmHWM(status string) int64 {
	b, err := os.ReadFile(status)
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var n int64
			fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &n)
			return n
		}
	}
	return 0
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
