package checksecurityupdates

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/advisory"
	"github.com/guardrail-monitoring/guardrail/internal/apt"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
	"github.com/guardrail-monitoring/guardrail/internal/reboot"
	"github.com/guardrail-monitoring/guardrail/internal/restart"
	"github.com/guardrail-monitoring/guardrail/internal/rpm"
)

// gatherEffect asks whether the installed fixes are in effect, only where
// the policy sets a limit: the kernel (security_updates.reboot_pending)
// and the processes still running replaced files (restart_pending). Both
// read root/proc, the live host's unless --root names a snapshot, so a
// check without those keys stays a pure function of the package state.
// kernel is the package family's kernel reader.
func (o Options) gatherEffect(obs *Observation, sec policy.SecurityUpdates, kernel func() (reboot.Verdict, error)) error {
	if sec.RebootPending.IsSet() {
		v, err := kernel()
		if err != nil {
			return err
		}
		obs.Reboot = &v
	}
	if sec.RestartPending.IsSet() {
		s, err := o.scanProcesses()
		if err != nil {
			return err
		}
		obs.Restart = &s
	}
	return nil
}

// scanProcesses scans root/proc, without the check's own process.
func (o Options) scanProcesses() (restart.Scan, error) {
	opt := restart.Options{IgnorePrefixes: restart.DefaultIgnore}
	if o.Root == "/" {
		opt.SkipPIDs = []int{os.Getpid()}
	}
	return restart.ScanProc(o.Root, opt)
}

// aptReboot is the kernel verdict of a Debian/Ubuntu host: the running
// kernel under root/proc against dpkg's kernel image packages, each dated
// by its info/PKG.list, and run/reboot-required.
func aptReboot(root string, sys *apt.System) (reboot.Verdict, error) {
	run, err := reboot.ReadRunning(root)
	if err != nil {
		return reboot.Verdict{}, err
	}
	var pkgs []reboot.Package
	for _, p := range sys.Installed {
		if p.Version != "" {
			pkgs = append(pkgs, reboot.Package{Name: p.Package, Version: p.Version, Arch: p.Arch})
		}
	}
	kernels := reboot.DebianKernels(pkgs)
	admin := filepath.Join(root, "var/lib/dpkg")
	for i, k := range kernels {
		arch := ""
		for _, p := range sys.Installed {
			if p.Package == k.Package && p.Version == k.Version {
				arch = p.Arch
			}
		}
		// No install time is no age: an error, never a pending reboot of 0 days.
		if kernels[i].Installed, err = reboot.DpkgInstallTime(admin, k.Package, arch); err != nil {
			return reboot.Verdict{}, err
		}
	}
	flag, err := reboot.ReadRequired(root)
	if err != nil {
		return reboot.Verdict{}, err
	}
	return reboot.Decide(run, kernels, flag, advisory.DebianCompare)
}

// rpmReboot is the kernel verdict of an RPM host: the running kernel
// (uname -r under root/proc) against the newest installed kernel or
// kernel-core package, each dated by rpm's INSTALLTIME, and
// run/reboot-required where a tool writes it.
func rpmReboot(root string, installed []*rpm.Installed) (reboot.Verdict, error) {
	run, err := reboot.ReadRunning(root)
	if err != nil {
		return reboot.Verdict{}, err
	}
	var pkgs []reboot.Package
	var suse []reboot.Kernel
	for _, p := range installed {
		if k, ok := suseKernel(p); ok {
			suse = append(suse, k)
			continue
		}
		if p.Name == "kernel" || p.Name == "kernel-core" {
			// uname -r is VERSION-RELEASE.ARCH: the epoch is not in it.
			vr := p.EVR
			vr.Epoch = 0
			pkgs = append(pkgs, reboot.Package{Name: p.Name, Version: vr.String(), Arch: p.Arch, Installed: p.InstallTime})
		}
	}
	flag, err := reboot.ReadRequired(root)
	if err != nil {
		return reboot.Verdict{}, err
	}
	return reboot.Decide(run, append(reboot.RPMKernels(pkgs), suse...), flag, func(a, b string) (int, error) { return rpm.CompareEVR(a, b), nil })
}

// suseFlavors are the kernel-FLAVOR packages of SUSE's kernels.
var suseFlavors = map[string]bool{"default": true, "64kb": true, "azure": true, "rt": true, "preempt": true, "kvmsmall": true, "vanilla": true, "zfcpdump": true, "lpae": true, "longterm": true}

// suseKernel is a SUSE kernel package as the kernel it boots: uname -r is
// VERSION-RELEASE-FLAVOR with the release's last (rebuild) number dropped
// (kernel-default 6.4.0-150600.23.25.1 boots as 6.4.0-150600.23.25-default;
// SUSE's KB 000019126: the build counter is build service bookkeeping, not
// in uname -r).
func suseKernel(p *rpm.Installed) (reboot.Kernel, bool) {
	flavor, ok := strings.CutPrefix(p.Name, "kernel-")
	if !ok || !suseFlavors[flavor] {
		return reboot.Kernel{}, false
	}
	i := strings.LastIndexByte(p.EVR.Release, '.')
	if i <= 0 {
		return reboot.Kernel{}, false
	}
	vr := p.EVR
	vr.Epoch = 0
	return reboot.Kernel{Package: p.Name, Version: vr.String(), Release: p.EVR.Version + "-" + p.EVR.Release[:i] + "-" + flavor, Installed: p.InstallTime}, true
}
