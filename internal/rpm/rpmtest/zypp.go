package rpmtest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// NeedZypper skips (or in CI fails) a test without root and the tools a
// SUSE host is made with: rpm, rpmbuild, createrepo_c and zypper.
func NeedZypper(t testing.TB) {
	t.Helper()
	testenv.NeedRoot(t)
	for _, c := range []string{"rpm", "rpmbuild", "createrepo_c", "modifyrepo_c", "zypper"} {
		testenv.NeedCommand(t, c)
	}
}

// NewZyppHost makes an openSUSE Leap 15.6-like root: os-release, an empty
// /etc/zypp/repos.d, an initialised rpmdb, no dnf configuration.
func NewZyppHost(t testing.TB) *Host {
	t.Helper()
	NeedZypper(t)
	dir := t.TempDir()
	h := &Host{t: t, Root: filepath.Join(dir, "root"), home: filepath.Join(dir, "home"),
		repos: filepath.Join(dir, "repos"), build: filepath.Join(dir, "build")}
	for _, d := range []string{h.home, h.repos, h.build, h.Root + "/etc/zypp/repos.d", h.Root + "/var/lib/rpm"} {
		must(t, os.MkdirAll(d, 0o755))
	}
	must(t, os.WriteFile(filepath.Join(h.home, ".rpmmacros"), []byte("%_dbpath /var/lib/rpm\n"), 0o644))
	h.WriteFile("etc/os-release", "NAME=\"openSUSE Leap\"\nVERSION=\"15.6\"\nID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"\nVERSION_ID=\"15.6\"\n")
	h.run("rpm", "--root", h.Root, "--initdb")
	return h
}

// ZyppRepo makes a local repo of pkgs (with advisories, if any) and its
// zypper .repo file with the extra option lines given; it returns the
// baseurl.
func (h *Host) ZyppRepo(alias, options string, pkgs []Pkg, advisories []Advisory) string {
	h.t.Helper()
	url := h.repoDir(alias, pkgs, advisories)
	h.WriteFile("etc/zypp/repos.d/"+alias+".repo", fmt.Sprintf("[%s]\nname=%s\nenabled=1\nautorefresh=0\nbaseurl=%s\ntype=rpm-md\ngpgcheck=0\n%s\n", alias, alias, url, options))
	return url
}

// zypperArgs run zypper on this root, non-interactive; zypp.conf is the
// root's (zypper would read the machine's otherwise).
func (h *Host) zypperArgs(extra ...string) []string {
	return append([]string{"--root", h.Root, "-n"}, extra...)
}

// Refresh lets the real zypper fill the root's metadata cache.
func (h *Host) Refresh() {
	h.t.Helper()
	if out, code := h.zypper("--gpg-auto-import-keys", "refresh"); code != 0 {
		h.t.Fatalf("zypper refresh: exit %d\n%s", code, out)
	}
}

// zypper runs zypper with the root's zypp.conf (else it reads the
// machine's /etc/zypp/zypp.conf) and returns its stdout, then stderr.
func (h *Host) zypper(args ...string) (string, int) {
	h.t.Helper()
	cmd := h.ZypperCommand(args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		h.t.Fatalf("zypper: %v", err)
	}
	if code != 0 {
		return stdout.String() + stderr.String(), code
	}
	return stdout.String(), code
}

// ZypperUpdate is one update of zypper's --xmlout list-updates or
// list-patches.
type ZypperUpdate struct {
	Kind     string `xml:"kind,attr"`
	Name     string `xml:"name,attr"`
	Edition  string `xml:"edition,attr"`
	Arch     string `xml:"arch,attr"`
	Old      string `xml:"edition-old,attr"`
	Status   string `xml:"status,attr"`
	Category string `xml:"category,attr"`
	Severity string `xml:"severity,attr"`
	Source   struct {
		Alias string `xml:"alias,attr"`
	} `xml:"source"`
}

// Zypper runs `zypper --no-refresh --xmlout` with args (list-updates,
// list-patches --category security) and returns the updates it lists.
func (h *Host) Zypper(args ...string) []ZypperUpdate {
	h.t.Helper()
	out, code := h.zypper(append([]string{"--no-refresh", "--xmlout"}, args...)...)
	// list-patches exits 100 when patches are needed, 101 for security
	// ones; 106: a repo was skipped (it could not be fetched)
	if code == 100 || code == 101 || code == 106 {
		out, _, _ = strings.Cut(out, "</stream>")
		out += "</stream>"
	} else if code != 0 {
		h.t.Fatalf("zypper %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	var doc struct {
		Updates []ZypperUpdate `xml:"update-status>update-list>update"`
	}
	if err := xml.Unmarshal([]byte(out), &doc); err != nil {
		h.t.Fatalf("zypper %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	sort.Slice(doc.Updates, func(i, j int) bool { return doc.Updates[i].Name < doc.Updates[j].Name })
	return doc.Updates
}

// ToZypp turns a dnf host into a SUSE one: the repos given (made by Repo
// or RawRepo) configured for zypper instead of dnf, and refreshed by the
// real zypper. (The generated host of the benchmarks is made so.)
func (h *Host) ToZypp(ids ...string) {
	h.t.Helper()
	must(h.t, os.RemoveAll(filepath.Join(h.Root, "etc/yum.repos.d")))
	for _, id := range ids {
		h.WriteFile("etc/zypp/repos.d/"+id+".repo", fmt.Sprintf("[%s]\nname=%s\nenabled=1\nautorefresh=0\nbaseurl=file://%s\ntype=rpm-md\ngpgcheck=0\n",
			id, id, filepath.Join(h.repos, id)))
	}
	h.Refresh()
}

// ZypperCommand is zypper with args on this root, as the tests run it.
func (h *Host) ZypperCommand(args ...string) *exec.Cmd {
	cmd := exec.Command("zypper", h.zypperArgs(args...)...)
	cmd.Env = append(h.env(), "ZYPP_CONF="+filepath.Join(h.Root, "etc/zypp/zypp.conf"))
	return cmd
}
