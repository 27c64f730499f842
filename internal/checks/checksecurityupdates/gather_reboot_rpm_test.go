package checksecurityupdates

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/reboot"
	"github.com/guardrail-monitoring/guardrail/internal/rpm"
)

// TestRPMReboot: on an RPM host the running kernel (uname -r) is compared
// with the newest installed kernel-core, dated by rpm's INSTALLTIME; an
// epoch never reaches uname -r.
func TestRPMReboot(t *testing.T) {
	old := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	newer := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	kernels := []*rpm.Installed{
		{Name: "kernel-core", Arch: "x86_64", EVR: rpm.EVR{Version: "5.14.0", Release: "362.el9"}, InstallTime: old},
		{Name: "kernel-core", Arch: "x86_64", EVR: rpm.EVR{Version: "5.14.0", Release: "427.el9"}, InstallTime: newer},
		{Name: "bash", Arch: "x86_64", EVR: rpm.EVR{Epoch: 1, Version: "5.1.8", Release: "9.el9"}, InstallTime: newer},
	}
	for _, c := range []struct {
		running string
		state   reboot.State
		pending bool
	}{
		{"5.14.0-362.el9.x86_64", reboot.Newer, true},
		{"5.14.0-427.el9.x86_64", reboot.Current, false},
	} {
		root := t.TempDir()
		if err := os.MkdirAll(filepath.Join(root, "proc/sys/kernel"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "proc/sys/kernel/osrelease"), []byte(c.running+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		v, err := rpmReboot(root, kernels)
		if err != nil {
			t.Fatal(err)
		}
		if v.State != c.state || v.Pending != c.pending || v.Newest.Release != "5.14.0-427.el9.x86_64" {
			t.Errorf("running %s: state %v pending %v newest %q; want %v %v", c.running, v.State, v.Pending, v.Newest.Release, c.state, c.pending)
		}
		if c.pending && !v.Since.Equal(newer) {
			t.Errorf("running %s: pending since %v, want the newer kernel's install time %v", c.running, v.Since, newer)
		}
	}
}

// TestSUSEReboot: SUSE's kernel-FLAVOR packages boot as
// VERSION-RELEASE-FLAVOR, the release's rebuild number dropped.
func TestSUSEReboot(t *testing.T) {
	old := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	newer := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	kernels := []*rpm.Installed{
		{Name: "kernel-default", Arch: "x86_64", EVR: rpm.EVR{Version: "6.4.0", Release: "150600.23.7.3"}, InstallTime: old},
		{Name: "kernel-default", Arch: "x86_64", EVR: rpm.EVR{Version: "6.4.0", Release: "150600.23.25.1"}, InstallTime: newer},
		{Name: "kernel-default-devel", Arch: "x86_64", EVR: rpm.EVR{Version: "6.4.0", Release: "150600.23.30.1"}, InstallTime: newer},
		{Name: "kernel-firmware-all", Arch: "noarch", EVR: rpm.EVR{Version: "20250101", Release: "1.1"}, InstallTime: newer},
	}
	for _, c := range []struct {
		running string
		state   reboot.State
	}{
		{"6.4.0-150600.23.7-default", reboot.Newer},
		{"6.4.0-150600.23.25-default", reboot.Current},
	} {
		root := t.TempDir()
		if err := os.MkdirAll(filepath.Join(root, "proc/sys/kernel"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "proc/sys/kernel/osrelease"), []byte(c.running+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		v, err := rpmReboot(root, kernels)
		if err != nil {
			t.Fatal(err)
		}
		if v.State != c.state || v.Newest.Release != "6.4.0-150600.23.25-default" {
			t.Errorf("running %s: state %v newest %q; want %v", c.running, v.State, v.Newest.Release, c.state)
		}
	}
}
