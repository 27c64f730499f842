package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/proctest"
)

// goldenNow is GUARDRAIL_NOW of the whole-binary goldens.
var goldenNow = time.Date(2025, 5, 21, 8, 0, 0, 0, time.UTC)

// advisoryHost copies testdata/securityupdates/roots/advisories into a
// temporary root, dates what git cannot (the kernels' info/*.list: the
// older installed 60 days, the newer 10 days before goldenNow; the feed
// two days before) and builds a proc/ running the older kernel with one
// sshd process on a deleted libcrypto.
func advisoryHost(t *testing.T) string {
	t.Helper()
	src, _ := filepath.Abs("../../testdata/securityupdates/roots/advisories")
	root := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		dst := filepath.Join(root, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	dates := map[string]time.Time{
		"var/lib/dpkg/info/linux-image-6.1.0-28-amd64.list": goldenNow.AddDate(0, 0, -60),
		"var/lib/dpkg/info/linux-image-6.1.0-31-amd64.list": goldenNow.AddDate(0, 0, -10),
		"var/lib/guardrail/feeds/debian-tracker.json":       goldenNow.AddDate(0, 0, -2),
	}
	for rel, at := range dates {
		if err := os.Chtimes(filepath.Join(root, rel), at, at); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"proc/sys/kernel/osrelease": "6.1.0-28-amd64\n",
		"proc/version":              "Linux version 6.1.0-28-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)\n",
		"proc/812/comm":             "sshd\n",
		"proc/812/cgroup":           "0::/system.slice/ssh.service\n",
		"proc/812/maps": "55d0c0a00000-55d0c0a9b000 r-xp 00000000 fe:01 131090 /usr/sbin/sshd\n" +
			"7f3a1c000000-7f3a1c28f000 r-xp 00000000 fe:01 262211 /usr/lib/x86_64-linux-gnu/libcrypto.so.3 (deleted)\n",
	}
	for rel, body := range files {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/usr/sbin/sshd", filepath.Join(root, "proc/812/exe")); err != nil {
		t.Fatal(err)
	}
	return root
}

func TestGoldenFeeds(t *testing.T) {
	bin := proctest.Build(t, "check_security_updates")
	policy := func(name string) string { p, _ := filepath.Abs("../../testdata/securityupdates/" + name); return p }
	cases := []struct {
		name string
		args []string
	}{
		{"feeds", []string{"--policy", policy("advisories.yaml")}},
		{"feeds-verbose", []string{"--policy", policy("advisories.yaml"), "-v"}},
		{"feeds-json", []string{"--policy", policy("advisories.yaml"), "--format", "json"}},
		{"feeds-upgrade-ranges", []string{"--policy", policy("advisories.yaml"), "--warning-upgrades", "5", "--critical-upgrades", "50"}},
		{"effect", []string{"--policy", policy("effect.yaml"), "-v", "-w", "5", "--warning-upgrades", "5"}},
		{"feeds-missing", []string{"--policy", policy("advisories-missing.yaml")}},
		{"feeds-malformed", []string{"--policy", policy("advisories-malformed.yaml")}},
		{"upgrade-ranges-with-o", []string{"-o", "--warning-upgrades", "5"}},
		{"restarts-only", []string{"--restarts-only", "--policy", policy("effect.yaml"), "-v"}},
		{"restarts-only-no-limits", []string{"--restarts-only", "--policy", policy("defaults.yaml")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := advisoryHost(t)
			state := filepath.Join(t.TempDir(), "guardrail.json")
			if err := os.WriteFile(state, []byte(ledger), 0o644); err != nil {
				t.Fatal(err)
			}
			args := append([]string{"--root", root, "--state-file", state}, c.args...)
			r := proctest.Exec(t, bin, []string{"GUARDRAIL_NOW=" + goldenNow.Format(time.RFC3339)}, args...)
			out := strings.ReplaceAll(r.Stdout, root, "$HOST")
			out = strings.ReplaceAll(out, state, "$STATE")
			out = strings.ReplaceAll(out, filepath.Dir(policy("x")), "$TESTDATA")
			proctest.Golden(t, "../../testdata/securityupdates/golden/"+c.name+".txt", fmt.Sprintf("exit %d\n%s", r.Code, out), *update)
		})
	}
}
