package packaging

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// The .rpm as `make package` builds it: its metadata, its files with the
// policy as %config(noreplace), the copyright as %license, and the scripts.
// Read with rpm -qp; it is not installed on this Debian host.
func TestRpmContents(t *testing.T) {
	rpm := testenv.NeedCommand(t, "rpm")
	dist := t.TempDir()
	makePackaging(t, dist, "rpm", "package")
	rpms, _ := filepath.Glob(filepath.Join(dist, "*.rpm"))
	if len(rpms) != 1 || filepath.Base(rpms[0]) != "guardrail-"+testPkgVersion+"-1.x86_64.rpm" {
		t.Fatalf("make package built %v", rpms)
	}
	query := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(rpm, append(append([]string{"-qp"}, args...), rpms[0])...).CombinedOutput()
		if err != nil {
			t.Fatalf("rpm -qp %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if got := query("--qf", "%{NAME} %{VERSION} %{RELEASE} %{ARCH} %{LICENSE}"); got != "guardrail "+testPkgVersion+" 1 x86_64 Apache-2.0" {
		t.Errorf("rpm header: %q", got)
	}
	files := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(query("--qf", "[%{FILENAMES} %{FILEFLAGS:fflags} %{FILEMODES:perms}\n]")), "\n") {
		f := strings.Fields(l)
		if len(f) == 2 {
			f = []string{f[0], "", f[1]}
		}
		if len(f) != 3 {
			t.Fatalf("rpm file line %q", l)
		}
		files[f[0]] = f[1] + " " + f[2]
	}
	want := map[string]string{
		"/etc/guardrail/policy.yaml":         "cn -rw-r--r--",
		"/usr/share/doc/guardrail/copyright": "l -rw-r--r--",
		"/var/lib/guardrail":                 " drwxr-xr-x",
	}
	for name := range specsByName() {
		want["/usr/lib/nagios/plugins/"+name] = " -rwxr-xr-x"
		want["/usr/share/man/man1/"+name+".1.gz"] = " -rw-r--r--"
	}
	for f, w := range want {
		if files[f] != w {
			t.Errorf("%s: flags and mode %q, want %q", f, files[f], w)
		}
	}
	if s := query("--scripts"); !strings.Contains(s, "chown \"$owner:$group\" /var/lib/guardrail") {
		t.Errorf("scripts:\n%s", s)
	}
	if r := query("--requires"); strings.Contains(r, "monitoring-plugins") || strings.Contains(r, "libc.so") {
		t.Errorf("static binaries need nothing:\n%s", r)
	}
}
