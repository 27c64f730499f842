// Package rpmtest builds fake RPM hosts for tests: tiny packages made with
// rpmbuild, installed into a root's rpmdb with rpm --justdb, local repos
// made with createrepo_c (updateinfo added with modifyrepo_c), the cache
// filled by the real `dnf makecache`, and dnf's own answers read back from
// `dnf -C check-update`. It needs root (dnf keeps its cache in the
// installroot only for root) and Debian's rpm, dnf and createrepo-c.
package rpmtest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// Pkg is one package to build. Arch defaults to x86_64, Release to 1.
type Pkg struct {
	Name, Version, Release, Arch string
	Epoch                        int
	Obsoletes, Provides          []string
	Vendor                       string // rpm's Vendor tag; none when empty
}

func (p Pkg) norm() Pkg {
	if p.Arch == "" {
		p.Arch = "x86_64"
	}
	if p.Release == "" {
		p.Release = "1"
	}
	return p
}

// EVR is [epoch:]version-release.
func (p Pkg) EVR() string {
	p = p.norm()
	s := p.Version + "-" + p.Release
	if p.Epoch != 0 {
		s = fmt.Sprint(p.Epoch) + ":" + s
	}
	return s
}

// Advisory is one updateinfo entry.
type Advisory struct {
	ID, Type, Severity string
	Status             string // default final
	Packages           []Pkg
}

// Host is one fake root with its own HOME (Debian's rpm keeps its database
// under ~/.rpmdb unless %_dbpath says otherwise).
type Host struct {
	t       testing.TB
	plugins []string
	Root    string
	// SQLite makes Repo write the SQLite databases too (createrepo_c
	// --database), as repos for yum (RHEL/CentOS 7) carry them.
	SQLite bool
	// Zchunk makes Repo write the .zck copies too (createrepo_c and
	// modifyrepo_c --zck), as Fedora's repos carry them.
	Zchunk bool
	home   string
	repos  string
	build  string
}

// Need skips (or in CI fails) a test without root and the reference tools.
func Need(t testing.TB) {
	t.Helper()
	testenv.NeedRoot(t)
	for _, c := range []string{"rpm", "rpmbuild", "dnf", "createrepo_c", "modifyrepo_c"} {
		testenv.NeedCommand(t, c)
	}
}

// NewHost makes an empty root with dnf.conf and a releasever of 9.
func NewHost(t testing.TB) *Host {
	t.Helper()
	Need(t)
	return NewHostIn(t, t.TempDir())
}

// NewHostIn is NewHost in a directory the caller removes (a benchmark's
// host outlives the runs of one benchmark, each with its own TempDir).
func NewHostIn(t testing.TB, dir string) *Host {
	t.Helper()
	Need(t)
	h := &Host{t: t, Root: filepath.Join(dir, "root"), home: filepath.Join(dir, "home"),
		repos: filepath.Join(dir, "repos"), build: filepath.Join(dir, "build")}
	for _, d := range []string{h.home, h.repos, h.build, h.Root + "/etc/yum.repos.d", h.Root + "/etc/dnf/vars", h.Root + "/var/lib/rpm"} {
		must(t, os.MkdirAll(d, 0o755))
	}
	must(t, os.WriteFile(filepath.Join(h.home, ".rpmmacros"), []byte("%_dbpath /var/lib/rpm\n"), 0o644))
	h.WriteFile("etc/dnf/dnf.conf", "[main]\ngpgcheck=0\n")
	h.WriteFile("etc/dnf/vars/releasever", "9\n")
	return h
}

// WriteFile writes a file under the root.
func (h *Host) WriteFile(rel, content string) {
	h.t.Helper()
	p := filepath.Join(h.Root, rel)
	must(h.t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(h.t, os.WriteFile(p, []byte(content), 0o644))
}

var specTemplate = `Name: %s
Version: %s
Release: %s
Summary: guardrail test package
License: MIT
%s
%%description
guardrail test package
%%files
`

// buildMu serialises rpmbuild: its _topdir is shared per host.
var buildMu sync.Mutex

// Build makes the package's .rpm and returns its path.
func (h *Host) Build(p Pkg) string {
	h.t.Helper()
	p = p.norm()
	var extra []string
	if p.Arch == "noarch" {
		// BuildArch only for noarch: for another arch rpmbuild refuses it
		// ("no compatible architectures"), --target alone makes it.
		extra = append(extra, "BuildArch: noarch")
	}
	if p.Epoch != 0 {
		extra = append(extra, fmt.Sprintf("Epoch: %d", p.Epoch))
	}
	if p.Vendor != "" {
		extra = append(extra, "Vendor: "+p.Vendor)
	}
	for _, o := range p.Obsoletes {
		extra = append(extra, "Obsoletes: "+o)
	}
	for _, o := range p.Provides {
		extra = append(extra, "Provides: "+o)
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	spec := filepath.Join(h.build, p.Name+".spec")
	must(h.t, os.WriteFile(spec, []byte(fmt.Sprintf(specTemplate, p.Name, p.Version, p.Release, strings.Join(extra, "\n"))), 0o644))
	top := filepath.Join(h.build, "top")
	h.run("rpmbuild", "-bb", "--quiet", "--define", "_topdir "+top, "--target", p.Arch, spec)
	out := filepath.Join(top, "RPMS", p.Arch, fmt.Sprintf("%s-%s-%s.%s.rpm", p.Name, p.Version, p.Release, p.Arch))
	if _, err := os.Stat(out); err != nil {
		h.t.Fatalf("rpmbuild made no %s: %v", out, err)
	}
	return out
}

// Install puts packages into the root's rpmdb (database only, no scripts).
func (h *Host) Install(pkgs ...Pkg) {
	h.t.Helper()
	args := []string{"--root", h.Root, "--justdb", "--nodeps", "--noscripts", "--ignorearch", "-i"}
	if len(pkgs) == 0 {
		// an empty but initialised rpmdb
		h.run("rpm", "--root", h.Root, "--initdb")
		return
	}
	for _, p := range pkgs {
		args = append(args, h.Build(p))
	}
	h.run("rpm", args...)
}

// RepoDir is the folder of the repo Repo made.
func (h *Host) RepoDir(id string) string { return filepath.Join(h.repos, id) }

// Repo makes a local repo of pkgs (with advisories, if any) and its .repo
// file with the extra option lines given; it returns the baseurl.
func (h *Host) Repo(id string, options string, pkgs []Pkg, advisories []Advisory) string {
	h.t.Helper()
	url := h.repoDir(id, pkgs, advisories)
	h.WriteFile("etc/yum.repos.d/"+id+".repo", fmt.Sprintf("[%s]\nname=%s\nbaseurl=%s\ngpgcheck=0\n%s\n", id, id, url, options))
	return url
}

// repoDir makes the local repo of pkgs and advisories; it returns its URL.
func (h *Host) repoDir(id string, pkgs []Pkg, advisories []Advisory) string {
	h.t.Helper()
	dir := filepath.Join(h.repos, id)
	must(h.t, os.MkdirAll(dir, 0o755))
	for _, p := range pkgs {
		built := h.Build(p)
		b, err := os.ReadFile(built)
		must(h.t, err)
		must(h.t, os.WriteFile(filepath.Join(dir, filepath.Base(built)), b, 0o644))
	}
	db := "--no-database"
	if h.SQLite {
		db = "--database"
	}
	zck := []string{}
	if h.Zchunk {
		zck = []string{"--zck"}
	}
	h.run("createrepo_c", append(append([]string{"--quiet", db}, zck...), dir)...)
	if len(advisories) > 0 {
		ui := filepath.Join(h.build, "updateinfo.xml")
		must(h.t, os.WriteFile(ui, []byte(UpdateinfoXML(advisories)), 0o644))
		h.run("modifyrepo_c", append(append([]string{"--mdtype=updateinfo"}, zck...), ui, filepath.Join(dir, "repodata"))...)
	}
	return "file://" + dir
}

// UpdateinfoXML writes advisories in the updateinfo format.
func UpdateinfoXML(advisories []Advisory) string {
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<updates>\n")
	for _, a := range advisories {
		status := a.Status
		if status == "" {
			status = "final"
		}
		fmt.Fprintf(&b, "  <update from=\"test@guardrail\" status=\"%s\" type=\"%s\" version=\"2.0\">\n    <id>%s</id>\n    <title>%s</title>\n    <issued date=\"2026-01-01 00:00:00\"/>\n", status, a.Type, a.ID, a.ID)
		if a.Severity != "" {
			fmt.Fprintf(&b, "    <severity>%s</severity>\n", a.Severity)
		}
		b.WriteString("    <description>test</description>\n    <pkglist>\n      <collection short=\"c\">\n        <name>c</name>\n")
		for _, p := range a.Packages {
			p = p.norm()
			fmt.Fprintf(&b, "        <package name=\"%s\" version=\"%s\" release=\"%s\" epoch=\"%d\" arch=\"%s\">\n          <filename>%s-%s-%s.%s.rpm</filename>\n        </package>\n",
				p.Name, p.Version, p.Release, p.Epoch, p.Arch, p.Name, p.Version, p.Release, p.Arch)
		}
		b.WriteString("      </collection>\n    </pkglist>\n  </update>\n")
	}
	b.WriteString("</updates>\n")
	return b.String()
}

// DNFArgs are dnf's arguments isolating this root, then extra.
func (h *Host) DNFArgs(extra ...string) []string { return h.dnfArgs(extra...) }

// EnablePlugin lets dnf load one plugin (from Debian's dnf-plugins-core),
// configured from the root's /etc/dnf/plugins; all others stay off.
func (h *Host) EnablePlugin(name string) { h.plugins = append(h.plugins, name) }

func (h *Host) dnfArgs(extra ...string) []string {
	args := []string{"--installroot=" + h.Root, "--config=" + h.Root + "/etc/dnf/dnf.conf",
		"--setopt=reposdir=" + h.Root + "/etc/yum.repos.d", "--assumeno"}
	if len(h.plugins) == 0 {
		args = append(args, "--noplugins")
	} else {
		args = append(args, "--setopt=pluginconfpath="+h.Root+"/etc/dnf/plugins", "--disableplugin=*")
		for _, p := range h.plugins {
			args = append(args, "--enableplugin="+p)
		}
	}
	return append(args, extra...)
}

// Makecache lets the real dnf fill the root's metadata cache.
func (h *Host) Makecache() {
	h.t.Helper()
	h.run("dnf", h.dnfArgs("makecache")...)
}

// Line is one package line of check-update: name.arch, EVR, repo.
type Line struct{ NA, EVR, Repo string }

// CheckUpdate is what `dnf -C check-update [args]` lists: the updates and
// the "Obsoleting Packages" pairs (new, then the installed one).
type CheckUpdate struct {
	Updates   []Line
	Obsoletes [][2]Line
}

// CheckUpdate runs `dnf -C check-update` with extra arguments (--security).
func (h *Host) CheckUpdate(extra ...string) CheckUpdate {
	h.t.Helper()
	out, code := h.output("dnf", h.dnfArgs(append([]string{"-C", "check-update"}, extra...)...)...)
	if code != 0 && code != 100 {
		h.t.Fatalf("dnf check-update exit %d:\n%s", code, out)
	}
	return ParseCheckUpdate(out)
}

// ParseCheckUpdate reads check-update's listing; lines may wrap, so the
// words are taken three at a time.
func ParseCheckUpdate(out string) CheckUpdate {
	var cu CheckUpdate
	upd, obs, _ := strings.Cut(out, "\nObsoleting Packages\n")
	var words []string
	for _, l := range strings.Split(upd, "\n") {
		if strings.HasPrefix(l, "Last metadata expiration check") || strings.HasPrefix(l, "No security updates needed") {
			continue
		}
		words = append(words, strings.Fields(l)...)
	}
	for i := 0; i+2 < len(words); i += 3 {
		cu.Updates = append(cu.Updates, Line{words[i], words[i+1], words[i+2]})
	}
	words = strings.Fields(obs)
	for i := 0; i+5 < len(words); i += 6 {
		cu.Obsoletes = append(cu.Obsoletes, [2]Line{{words[i], words[i+1], words[i+2]}, {words[i+3], words[i+4], words[i+5]}})
	}
	sort.Slice(cu.Updates, func(i, j int) bool { return cu.Updates[i].NA < cu.Updates[j].NA })
	return cu
}

func (h *Host) env() []string {
	return append(os.Environ(), "HOME="+h.home, "LC_ALL=C.UTF-8", "COLUMNS=200")
}

func (h *Host) run(name string, args ...string) {
	h.t.Helper()
	if out, code := h.output(name, args...); code != 0 {
		h.t.Fatalf("%s %s: exit %d\n%s", name, strings.Join(args, " "), code, out)
	}
}

func (h *Host) output(name string, args ...string) (string, int) {
	h.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = h.env()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		h.t.Fatalf("%s: %v", name, err)
	}
	if code != 0 && code != 100 {
		return stdout.String() + stderr.String(), code
	}
	return stdout.String(), code
}

// process runs a command to its end with its output discarded and returns
// its state (exit code, rusage: peak RSS).
func (h *Host) process(name string, args ...string) *os.ProcessState {
	h.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = h.env()
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			h.t.Fatalf("%s: %v", name, err)
		}
	}
	return cmd.ProcessState
}

// Env is the environment the reference tools run with in this host.
func (h *Host) Env() []string { return h.env() }

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
