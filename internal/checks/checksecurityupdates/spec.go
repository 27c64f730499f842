package checksecurityupdates

import (
	"context"

	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

// Spec is check_security_updates.
func Spec() plugin.Spec {
	return plugin.Spec{
		Name:  "check_security_updates",
		Label: "SECURITY UPDATES",
		Usage: "pending (security) package updates on Debian/Ubuntu, RHEL-family/Fedora (dnf, yum) and SUSE (zypper) hosts, judged against a patch SLA",
		Description: "Reads dpkg's status, apt's sources, lists, Release files and pins, read-only and without root or apt's lock,\n" +
			"and computes apt's candidates. A security update is any newer version up to the candidate from a -security\n" +
			"archive (a fix masked by a newer point release counts). Without an SLA in the policy: any security update\n" +
			"is CRITICAL, other upgrades WARNING (as check_apt). With security_updates.sla: the oldest pending security\n" +
			"update's age decides, per severity tier with sla_by_severity. Lists older than max_list_age_days (7) are WARNING.\n" +
			"On an RPM host (an rpmdb under --root) it reads the rpmdb, dnf's repo files and its metadata cache instead,\n" +
			"and decides as dnf check-update (--security) does; repos without updateinfo are said, never taken as no fixes.\n" +
			"dnf5's cache and zchunk-only metadata (Fedora) are read too; a yum 3 host (RHEL/CentOS 7, Amazon Linux 2) is\n" +
			"read with /etc/yum.conf, yum's plugins and its cache, SQLite primary included.\n" +
			"On a SUSE host (os-release, or /etc/zypp/repos.d without /etc/yum.repos.d) zypper's repos, locks, zypp.conf and\n" +
			"its cache /var/cache/zypp/raw, decided as zypper list-updates and list-patches (needed security patches) do.\n" +
			"With security_updates.advisories (local feed files, never downloaded by the check): CVEs, advisory ids and\n" +
			"severity per update, open vulnerabilities counted apart. With reboot_pending / restart_pending: the running\n" +
			"kernel and the processes under /proc (of --root) against the installed packages.",
		Flags:   flags(),
		Options: plugin.Bind(parseOptions, Options.check),
	}
}

// check is the three steps: gather (apt or dnf, the ledger), judge, report.
func (o Options) check(ctx context.Context, env *plugin.Env) (plugin.Result, error) {
	pol, err := policy.Load(env.PolicyPath, env.PolicyExplicit)
	if err != nil {
		return plugin.Result{}, err
	}
	sec := pol.SecurityUpdates
	if o.RestartsOnly {
		scan, err := o.scanProcesses()
		if err != nil {
			return plugin.Result{}, err
		}
		return ReportRestarts(JudgeRestarts(scan, sec, env.Now)), nil
	}
	obs, err := o.gather(ctx, sec, env.Now)
	if err != nil {
		return plugin.Result{}, err
	}
	return Report(Judge(obs, sec, o), o.List || env.Verbose > 0), nil
}
