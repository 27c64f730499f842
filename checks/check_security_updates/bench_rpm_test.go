package main

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/proctest"
	"github.com/guardrail-monitoring/guardrail/internal/rpm/rpmtest"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// Sizes of the benchmark's RHEL 9-like host: installed packages, names in
// BaseOS and AppStream together, advisories.
const (
	benchInstalled  = 1200
	benchNames      = 6000
	benchAdvisories = 400
)

// benchHost is a root with benchInstalled packages in a real rpmdb and two
// repos whose primary and updateinfo have the size and fields of real ones
// (a third of the installed packages have newer builds, most advisories
// fix installed packages), its cache made by dnf makecache.
func benchHost(t *testing.T) *rpmtest.Host {
	h := rpmtest.NewHost(t)
	r := rand.New(rand.NewSource(7))
	name := func(i int) string {
		return fmt.Sprintf("%spkg%04d", []string{"lib", "python3-", "perl-", "", "golang-"}[i%5], i)
	}
	var inst []rpmtest.Pkg
	for i := 0; i < benchInstalled; i++ {
		inst = append(inst, rpmtest.Pkg{Name: name(i), Version: fmt.Sprintf("2.%d", i%9), Release: fmt.Sprintf("%d.el9", i%4+1)})
	}
	h.InstallFiles(h.BuildAll(inst))

	var primary [2][]rpmtest.Pkg
	newer := map[int]rpmtest.Pkg{}
	for i := 0; i < benchNames; i++ {
		if i < benchInstalled {
			p := inst[i]
			primary[i%2] = append(primary[i%2], p)
			if r.Intn(3) == 0 {
				q := p
				q.Release += "_1"
				primary[i%2] = append(primary[i%2], q)
				newer[i] = q
			}
			continue
		}
		primary[i%2] = append(primary[i%2], rpmtest.Pkg{Name: name(i), Version: "1.0", Release: "1.el9", Arch: "x86_64"})
	}
	var ui [2]strings.Builder
	for a := 0; a < benchAdvisories; a++ {
		typ, sev := "security", []string{"Critical", "Important", "Moderate", "Low"}[r.Intn(4)]
		if a%4 == 3 {
			typ, sev = "bugfix", "None"
		}
		repo := a % 2
		fmt.Fprintf(&ui[repo], `<update from="releng@rockylinux.org" status="final" type="%s" version="2"><id>RLSA-2026:%04d</id><title>Update</title><issued date="2026-01-01 00:00:00"/><updated date="2026-01-02 00:00:00"/><rights>Copyright 2026 RESF</rights><release>Rocky Linux 9</release><pushcount>1</pushcount><severity>%s</severity><summary>An update for several packages.</summary><description>This update fixes a flaw that allowed a remote attacker to cause a denial of service or possibly execute code, and other bugs.</description><solution>Update the affected packages.</solution><references><reference href="https://errata.rockylinux.org/RLSA-2026:%04d" id="RLSA-2026:%04d" type="self" title="RLSA-2026:%04d"/><reference href="https://access.redhat.com/security/cve/CVE-2026-%05d" id="CVE-2026-%05d" type="cve" title="CVE-2026-%05d"/></references><pkglist><collection short="rocky-linux-9"><name>rocky-linux-9</name>`,
			typ, a, sev, a, a, a, a, a, a)
		for k := 0; k < 1+r.Intn(3); k++ {
			i := r.Intn(benchInstalled/2)*2 + repo
			p, ok := newer[i]
			if !ok {
				p = inst[i]
			}
			fmt.Fprintf(&ui[repo], `<package name="%s" version="%s" release="%s" epoch="0" arch="x86_64" src="%s-%s-%s.src.rpm"><filename>%s-%s-%s.x86_64.rpm</filename><sum type="sha256">%064x</sum></package>`,
				p.Name, p.Version, p.Release, p.Name, p.Version, p.Release, p.Name, p.Version, p.Release, a*10+k)
		}
		ui[repo].WriteString("</collection></pkglist></update>\n")
	}
	for repo, pkgs := range primary {
		var b strings.Builder
		fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata xmlns=\"http://linux.duke.edu/metadata/common\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" packages=\"%d\">\n", len(pkgs))
		for n, p := range pkgs {
			fmt.Fprintf(&b, `<package type="rpm"><name>%s</name><arch>x86_64</arch><version epoch="0" ver="%s" rel="%s"/><checksum type="sha256" pkgid="YES">%064x</checksum><summary>The %s package</summary><description>%s provides a library and its command line tools; a description about as long as real ones.</description><packager>Rocky Linux Build System (Peridot) &lt;releng@rockylinux.org&gt;</packager><url>https://example.org/%s</url><time file="1700000000" build="1699990000"/><size package="123456" installed="456789" archive="460000"/><location href="Packages/%c/%s-%s-%s.x86_64.rpm"/><format><rpm:license>MIT</rpm:license><rpm:vendor>Rocky Enterprise Software Foundation</rpm:vendor><rpm:group>Unspecified</rpm:group><rpm:buildhost>build.example.org</rpm:buildhost><rpm:sourcerpm>%s-%s-%s.src.rpm</rpm:sourcerpm><rpm:header-range start="4504" end="25465"/><rpm:provides><rpm:entry name="%s" flags="EQ" epoch="0" ver="%s" rel="%s"/><rpm:entry name="%s(x86-64)" flags="EQ" epoch="0" ver="%s" rel="%s"/></rpm:provides><rpm:requires><rpm:entry name="libc.so.6()(64bit)"/><rpm:entry name="glibc" flags="GE" epoch="0" ver="2.34"/></rpm:requires><file>/usr/bin/%s</file></format></package>
`, p.Name, p.Version, p.Release, repo*1000000+n, p.Name, p.Name, p.Name, p.Name[0], p.Name, p.Version, p.Release,
				p.Name, p.Version, p.Release, p.Name, p.Version, p.Release, p.Name, p.Version, p.Release, p.Name)
		}
		b.WriteString("</metadata>\n")
		h.RawRepo([]string{"baseos", "appstream"}[repo], map[string][]byte{"primary": []byte(b.String()),
			"updateinfo": []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<updates>\n" + ui[repo].String() + "</updates>\n")})
	}
	h.Makecache()
	return h
}

// TestWholeProcessSecurityUpdatesRPM times this check on an RPM root
// against what a check built on dnf runs for the same two answers: `dnf -C
// check-update` and `dnf -C updateinfo list --security` (make bench;
// GUARDRAIL_BENCH=1).
func TestWholeProcessSecurityUpdatesRPM(t *testing.T) {
	if os.Getenv("GUARDRAIL_BENCH") == "" {
		t.Skip("a benchmark: make bench runs it")
	}
	rpmtest.Need(t)
	testenv.NeedCommand(t, "/usr/bin/time") // Debian's time
	bin := proctest.Build(t, "check_security_updates")
	h := benchHost(t)
	state := filepath.Join(t.TempDir(), "guardrail.json")
	ours := []string{"--root", h.Root, "--state-file", state, "-t", "60", "--format", "json"}
	dnf := func() proctest.Run {
		cu := proctest.Measure(t, "dnf", h.Env(), h.DNFArgs("-C", "check-update")...)
		ui := proctest.Measure(t, "dnf", h.Env(), h.DNFArgs("-C", "updateinfo", "list", "--security")...)
		if cu.Code != 100 || ui.Code != 0 {
			t.Fatalf("dnf: exit %d and %d", cu.Code, ui.Code)
		}
		return proctest.Run{Wall: cu.Wall + ui.Wall, CPU: cu.CPU + ui.CPU, MaxRSS: max(cu.MaxRSS, ui.MaxRSS)}
	}
	const runs = 7
	dnf() // warm both: the page cache, dnf's .solv files
	proctest.Measure(t, bin, nil, ours...)
	var a, b []proctest.Run
	for i := 0; i < runs; i++ {
		a = append(a, proctest.Measure(t, bin, nil, ours...))
		b = append(b, dnf())
	}
	items := jsonItems(t, a[0].Stdout)
	security := 0
	for _, it := range items {
		if it["security"] == true {
			security++
		}
	}
	ma, mb := summarize(a), summarize(b)
	t.Logf("RPM root: %d installed, %d names in 2 repos, %d advisories; the check finds %d updates, %d security (%d runs each)",
		benchInstalled, benchNames, benchAdvisories, len(items), security, runs)
	t.Logf("%-40s %12s %12s %12s %12s", "", "median wall", "min wall", "median CPU", "peak RSS")
	t.Logf("%-40s %12s %12s %12s %9.1f MiB", "check_security_updates", ma.median, ma.min, ma.cpu, ma.rss)
	t.Logf("%-40s %12s %12s %12s %9.1f MiB", "dnf check-update + updateinfo --security", mb.median, mb.min, mb.cpu, mb.rss)
	t.Logf("ratio: wall 1/%.1f (median), CPU 1/%.1f, memory 1/%.1f", float64(mb.median)/float64(ma.median), float64(mb.cpu)/float64(ma.cpu), mb.rss/ma.rss)
	if len(items) < 300 || security == 0 {
		t.Errorf("an unrealistic root: %d updates, %d security", len(items), security)
	}
}
