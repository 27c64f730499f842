package packaging

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

func dpkg(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("dpkg", args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("dpkg %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func installed(pkg string) bool {
	out, err := exec.Command("dpkg-query", "-W", "-f=${db:Status-Abbrev}", pkg).Output()
	return err == nil && strings.HasPrefix(string(out), "ii")
}

// The .deb as `make package` builds it installs, runs, passes lintian
// without errors, removes and purges cleanly.
func TestDebInstallLintRemovePurge(t *testing.T) {
	testenv.NeedRoot(t)
	testenv.NeedCommand(t, "dpkg")
	lintian := testenv.NeedCommand(t, "lintian")
	_, err := os.Stat("/etc/guardrail/policy.yaml")
	if err == nil && !installed("guardrail") {
		t.Fatalf("/etc/guardrail/policy.yaml exists and belongs to no package: not overwriting it")
	}

	dist := t.TempDir()
	makePackaging(t, dist, "deb", "package")
	debs, _ := filepath.Glob(filepath.Join(dist, "*.deb"))
	if len(debs) != 1 || filepath.Base(debs[0]) != "guardrail_"+testPkgVersion+"_amd64.deb" {
		t.Fatalf("make package built %v", debs)
	}
	deb := debs[0]

	info := dpkg(t, "-I", deb)
	for _, want := range []string{"Package: guardrail\n", "Version: " + testPkgVersion + "\n", "Architecture: amd64\n", "Recommends: monitoring-plugins-common\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("control lacks %q:\n%s", want, info)
		}
	}
	if strings.Contains(info, "Depends:") && !strings.Contains(info, "Pre-Depends") {
		t.Errorf("static binaries need no Depends:\n%s", info)
	}

	out, err := exec.Command(lintian, "--tag-display-limit", "0", deb).CombinedOutput()
	var errs []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "E: ") {
			errs = append(errs, l)
		}
	}
	if len(errs) > 0 || err != nil {
		t.Errorf("lintian errors (%v):\n%s", err, out)
	}
	t.Logf("lintian:\n%s", out)

	t.Cleanup(func() {
		if installed("guardrail") {
			exec.Command("dpkg", "-P", "guardrail").Run()
		}
	})
	dpkg(t, "--force-confdef", "--force-confold", "-i", deb)
	specs := specsByName()
	for name := range specs {
		bin := "/usr/lib/nagios/plugins/" + name
		st, err := os.Stat(bin)
		if err != nil || st.Mode().Perm() != 0o755 {
			t.Errorf("%s: %v %v", bin, st, err)
			continue
		}
		cmd := exec.Command(bin, "-V")
		got, _ := cmd.Output()
		if want := name + " version " + testVersion + "\n"; string(got) != want || cmd.ProcessState.ExitCode() != 3 {
			t.Errorf("%s -V: exit %d, %q; want 3, %q", bin, cmd.ProcessState.ExitCode(), got, want)
		}
		man, err := os.ReadFile("/usr/share/man/man1/" + name + ".1.gz")
		if err != nil {
			t.Error(err)
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(man))
		if err != nil {
			t.Errorf("%s man page: %v", name, err)
			continue
		}
		page, _ := io.ReadAll(zr)
		if !strings.Contains(string(page), ".TH "+name+" 1") {
			t.Errorf("%s man page starts %.80q", name, page)
		}
	}
	for _, f := range []string{
		"/etc/guardrail/policy.yaml",
		"/usr/share/doc/guardrail/copyright",
		"/usr/share/doc/guardrail/changelog.gz",
		"/usr/share/doc/guardrail/examples/nrpe/guardrail.cfg",
		"/usr/share/doc/guardrail/examples/icinga2/guardrail.conf",
		"/usr/share/doc/guardrail/examples/sudoers/guardrail",
		"/usr/share/doc/guardrail/examples/icinga2/zones.d/README",
		"/usr/share/doc/guardrail/examples/icinga2/zones.d/global-templates/guardrail-commands.conf",
		"/usr/share/doc/guardrail/examples/icinga2/zones.d/master/guardrail-services.conf",
		"/usr/share/doc/guardrail/examples/icinga2/zones.d/master/agents.conf.example",
		"/usr/share/doc/guardrail/examples/systemd/guardrail-textfile.service",
		"/usr/share/doc/guardrail/examples/systemd/guardrail-textfile.timer",
	} {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
	conffiles, _ := os.ReadFile("/var/lib/dpkg/info/guardrail.conffiles")
	if strings.TrimSpace(string(conffiles)) != "/etc/guardrail/policy.yaml" {
		t.Errorf("conffiles: %q", conffiles)
	}
	st, err := os.Stat("/var/lib/guardrail")
	if err != nil || !st.IsDir() {
		t.Fatalf("/var/lib/guardrail: %v", err)
	}
	if owner, ok := runAs(); ok {
		out, _ := exec.Command("stat", "-c", "%U", "/var/lib/guardrail").Output()
		if strings.TrimSpace(string(out)) != owner {
			t.Errorf("/var/lib/guardrail belongs to %q, want %s", out, owner)
		}
	}
	// A local edit of the policy survives reinstalling (it is a conffile).
	policy, err := os.ReadFile("/etc/guardrail/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	edited := append(policy, []byte("# local edit\n")...)
	if err := os.WriteFile("/etc/guardrail/policy.yaml", edited, 0o644); err != nil {
		t.Fatal(err)
	}
	dpkg(t, "-i", deb)
	if got, _ := os.ReadFile("/etc/guardrail/policy.yaml"); string(got) != string(edited) {
		t.Errorf("reinstalling replaced the edited policy")
	}

	// A local edit of the policy survives removal (it is a conffile) and a
	// state file in /var/lib/guardrail survives removal; purge takes both.
	if err := os.WriteFile("/var/lib/guardrail/security-updates.json", []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dpkg(t, "-r", "guardrail")
	for name := range specs {
		if _, err := os.Stat("/usr/lib/nagios/plugins/" + name); err == nil {
			t.Errorf("%s left after dpkg -r", name)
		}
	}
	if _, err := os.Stat("/etc/guardrail/policy.yaml"); err != nil {
		t.Errorf("conffile gone after dpkg -r (only purge removes it): %v", err)
	}
	dpkg(t, "-P", "guardrail")
	for _, p := range []string{"/etc/guardrail", "/var/lib/guardrail", "/usr/share/doc/guardrail"} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s left after dpkg -P", p)
		}
	}
	if installed("guardrail") {
		t.Error("still installed after purge")
	}
}
