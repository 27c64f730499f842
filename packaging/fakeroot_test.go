package packaging

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeRoot is a host snapshot for check_security_updates --root: n installed
// packages, each with a newer version in bookworm-security, in the files apt
// and dpkg keep (status, sources.list, Release, Packages). It is readable by
// the nagios user.
func fakeRoot(t *testing.T, n int) string {
	t.Helper()
	root := worldReadableDir(t, "guardrail-root-")
	write := func(rel, content string) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var status, packages strings.Builder
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("libguardrail-fake%03d", i)
		fmt.Fprintf(&status, "Package: %s\nStatus: install ok installed\nPriority: optional\nSection: libs\nInstalled-Size: 10\nMaintainer: Nobody <nobody@example.org>\nArchitecture: amd64\nVersion: 1.0-1\nDescription: fake library %d\n\n", name, i)
		fmt.Fprintf(&packages, "Package: %s\nSource: guardrail-fake\nVersion: 1.0-1+deb12u1\nArchitecture: amd64\nMaintainer: Nobody <nobody@example.org>\nInstalled-Size: 10\nFilename: pool/updates/main/g/guardrail-fake/%s_1.0-1+deb12u1_amd64.deb\nSize: 1000\nSHA256: %064x\nSection: libs\nPriority: optional\nDescription: fake library %d\n\n", name, name, i, i)
	}
	date := time.Now().UTC().Add(-time.Hour).Format(time.RFC1123Z)
	release := "Origin: Debian\nLabel: Debian-Security\nSuite: stable-security\nVersion: 12\nCodename: bookworm-security\nDate: " + date +
		"\nValid-Until: " + time.Now().UTC().Add(7*24*time.Hour).Format(time.RFC1123Z) +
		"\nAcquire-By-Hash: yes\nArchitectures: amd64\nComponents: updates/main\nDescription: Debian 12 - Security Updates\n"
	const list = "var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_"
	write("policy.yaml", "version: 1\n")
	write("var/lib/dpkg/status", status.String())
	write("var/lib/dpkg/arch", "amd64\n")
	write("etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n")
	write("etc/apt/sources.list", "deb http://deb.debian.org/debian-security bookworm-security main\n")
	write(list+"InRelease", release)
	write(list+"main_binary-amd64_Packages", packages.String())
	return root
}
