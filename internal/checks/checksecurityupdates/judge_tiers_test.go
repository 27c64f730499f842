package checksecurityupdates

import (
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/advisory"
	"github.com/guardrail-monitoring/guardrail/internal/ledger"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
	"github.com/guardrail-monitoring/guardrail/internal/reboot"
	"github.com/guardrail-monitoring/guardrail/internal/restart"
)

func rated(p Pending, severity string, cves ...string) Pending {
	p.Severity, p.CVEs = severity, cves
	return p
}

// TestJudgeTiers: each security update against its tier's deadline, the
// single sla for the rest; the worst tier group leads the status line.
func TestJudgeTiers(t *testing.T) {
	sla := policy.SLA{WarningDays: ptr(7), CriticalDays: ptr(14)}
	tiers := policy.SeveritySLA{Critical: policy.SLA{WarningDays: ptr(1), CriticalDays: ptr(3)}, High: policy.SLA{CriticalDays: ptr(14)}}
	critSSL := rated(libssl, "critical", "CVE-2026-1234")
	highSSH := rated(openssh, "high", "CVE-2025-26465")
	seen := func(ssl, ssh int) ledger.Times {
		return ledger.Times{"libssl3:amd64": daysAgo(ssl), "openssh-client:amd64": daysAgo(ssh)}
	}
	cases := []struct {
		name    string
		updates []Pending
		seen    ledger.Times
		sla     policy.SLA
		unrec   bool
		status  plugin.Status
		summary string // its start
	}{
		{"critical past 3 days", []Pending{critSSL, highSSH}, seen(4, 20), sla, false, plugin.Critical,
			"1 critical-severity fix pending past 3 days (CVE-2026-1234 in libssl3), 2 security updates, 2 upgrades"},
		{"critical past its warning only, high past 14", []Pending{critSSL, highSSH}, seen(2, 20), sla, false, plugin.Critical,
			"1 high-severity fix pending past 14 days (CVE-2025-26465 in openssh-client), 2 security updates"},
		{"critical past its warning", []Pending{critSSL, highSSH}, seen(2, 5), sla, false, plugin.Warning,
			"1 critical-severity fix pending past 1 day (CVE-2026-1234 in libssl3), 2 security updates"},
		{"all within", []Pending{critSSL, highSSH}, seen(0, 5), sla, false, plugin.OK,
			"2 security updates pending (within SLA), 2 upgrades"},
		{"no severity: the single sla", []Pending{libssl}, seen(8, 0), sla, false, plugin.Warning,
			"1 security update without severity data pending past 7 days, 1 security update"},
		{"no severity and no sla: as without an SLA", []Pending{libssl, highSSH}, seen(0, 0), policy.SLA{}, false, plugin.Critical,
			"1 security update without severity data pending (no SLA for them), 2 security updates"},
		{"an unmeasured age is never within", []Pending{critSSL}, ledger.Times{}, sla, true, plugin.Warning,
			"1 security update pending (within SLA), 1 of unknown age"},
	}
	for _, c := range cases {
		obs := Observation{Now: now, Updates: c.updates, FirstSeen: c.seen, AgesUnrecorded: c.unrec, Sources: 1}
		v := Judge(obs, policy.SecurityUpdates{SLA: c.sla, SLABySeverity: tiers}, Options{})
		got := summary(v)
		if v.Status != c.status || !strings.HasPrefix(got, c.summary) {
			t.Errorf("%s: %v %q, want %v %q", c.name, v.Status, got, c.status, c.summary)
		}
	}
}

// TestJudgeOtherUpgrades: --warning-upgrades/--critical-upgrades replace
// "any other upgrade warns"; -w/-c still judge security updates.
func TestJudgeOtherUpgrades(t *testing.T) {
	others := []Pending{tzdata, {Package: "curl", Arch: "amd64", Installed: "1", Candidate: "2"}, {Package: "vim", Arch: "amd64", Installed: "1", Candidate: "2"}}
	for _, c := range []struct {
		name   string
		o      Options
		status plugin.Status
	}{
		{"default: any warns", Options{}, plugin.Warning},
		{"within --warning-upgrades", Options{OtherCounts: plugin.Thresholds{Warn: plugin.MustRange("5")}}, plugin.OK},
		{"past --warning-upgrades", Options{OtherCounts: plugin.Thresholds{Warn: plugin.MustRange("2")}}, plugin.Warning},
		{"past --critical-upgrades", Options{OtherCounts: plugin.Thresholds{Warn: plugin.MustRange("1"), Crit: plugin.MustRange("2")}}, plugin.Critical},
		{"-o ignores them", Options{OnlyCritical: true}, plugin.OK},
	} {
		v := Judge(Observation{Now: now, Updates: others, Sources: 1}, policy.SecurityUpdates{}, c.o)
		if v.Status != c.status {
			t.Errorf("%s: %v, want %v", c.name, v.Status, c.status)
		}
	}
	v := Judge(Observation{Now: now, Updates: append([]Pending{libssl}, others...), Sources: 1}, policy.SecurityUpdates{},
		Options{OtherCounts: plugin.Thresholds{Warn: plugin.MustRange("5")}})
	if v.Status != plugin.Critical {
		t.Errorf("a security update under --warning-upgrades: %v, want CRITICAL", v.Status)
	}
}

// TestJudgeFeeds: a stale feed warns; open vulnerabilities are counted
// and never change the status or enter an SLA.
func TestJudgeFeeds(t *testing.T) {
	open := advisory.Exposure{Source: "glibc", Packages: []string{"libc6"}, Vuln: advisory.Vuln{ID: "CVE-2010-4756", CVEs: []string{"CVE-2010-4756"}}}
	feeds := func(age int) *Feeds {
		return &Feeds{Files: []advisory.File{{Path: "/f.json", Format: "debian-tracker", Modified: daysAgo(age)}}, Open: []advisory.Exposure{open}}
	}
	v := Judge(Observation{Now: now, Sources: 1, Feeds: feeds(2)}, policy.SecurityUpdates{}, Options{})
	if v.Status != plugin.OK || len(v.StaleFeeds) != 0 || !strings.Contains(summary(v), "1 open vulnerability without a fix") {
		t.Errorf("fresh feed, one open CVE: %v %q", v.Status, summary(v))
	}
	v = Judge(Observation{Now: now, Sources: 1, Feeds: feeds(8)}, policy.SecurityUpdates{}, Options{})
	if v.Status != plugin.Warning || !strings.Contains(summary(v), "advisory feed /f.json is 8 days old (more than 7): refresh it") {
		t.Errorf("feed 8 days old: %v %q", v.Status, summary(v))
	}
	v = Judge(Observation{Now: now, Sources: 1, Feeds: feeds(8)}, policy.SecurityUpdates{MaxAdvisoryAgeDays: ptr(10)}, Options{})
	if v.Status != plugin.OK {
		t.Errorf("feed 8 days old, 10 allowed: %v", v.Status)
	}
	var labels []string
	for _, p := range perf(v) {
		labels = append(labels, p.Label)
	}
	if got := strings.Join(labels, " "); !strings.Contains(got, "security_updates_critical security_updates_high security_updates_medium security_updates_low security_updates_negligible security_updates_unknown open_vulnerabilities unreached_fixes") {
		t.Errorf("perfdata %s", got)
	}
}

// TestJudgeEffect: a pending reboot by its days; outdated processes by
// the oldest replacement; unreadable ones counted, never "0 outdated".
func TestJudgeEffect(t *testing.T) {
	limits := policy.SecurityUpdates{RebootPending: policy.SLA{WarningDays: ptr(7), CriticalDays: ptr(30)},
		RestartPending: policy.SLA{WarningDays: ptr(1), CriticalDays: ptr(7)}}
	run := reboot.Running{Release: "6.1.0-28-amd64"}
	newer := reboot.Verdict{State: reboot.Newer, Running: run, Pending: true, Since: daysAgo(10),
		Newest: reboot.Kernel{Package: "linux-image-6.1.0-31-amd64", Version: "6.1.128-1", Release: "6.1.0-31-amd64"}}
	proc := func(replaced time.Time) restart.Process {
		return restart.Process{PID: 812, Comm: "sshd", Unit: "ssh.service", Files: []restart.Stale{{Path: "/usr/lib/x86_64-linux-gnu/libcrypto.so.3", Reason: "replaced", ReplacedAt: replaced}}}
	}
	cases := []struct {
		name    string
		reboot  *reboot.Verdict
		scan    *restart.Scan
		status  plugin.Status
		summary string
	}{
		{"reboot pending 10 days", &newer, nil, plugin.Warning, "reboot pending 10 days (running 6.1.0-28-amd64, installed linux-image-6.1.0-31-amd64 6.1.128-1)"},
		{"kernel current", &reboot.Verdict{State: reboot.Current, Running: run}, nil, plugin.OK, ""},
		{"no kernel package: said, not judged", &reboot.Verdict{State: reboot.Unknown, Running: run}, nil, plugin.OK, "kernel not compared (no installed kernel package)"},
		{"restart pending 8 days", nil, &restart.Scan{Outdated: []restart.Process{proc(daysAgo(8))}, Scanned: 40}, plugin.Critical, "1 process runs replaced files (1 service) for 8 days"},
		{"restart pending today", nil, &restart.Scan{Outdated: []restart.Process{proc(now.Add(-time.Hour))}, Scanned: 40}, plugin.OK, "1 process runs replaced files (1 service) for 0 days"},
		{"deleted, no date: at least WARNING", nil, &restart.Scan{Outdated: []restart.Process{proc(time.Time{})}, Scanned: 40}, plugin.Warning, "1 process runs replaced files (1 service), 1 since an unknown time"},
		{"unreadable counted", nil, &restart.Scan{Scanned: 12, Unreadable: 80}, plugin.OK, "80 processes not checked (unreadable)"},
	}
	for _, c := range cases {
		obs := Observation{Now: now, Sources: 1, Reboot: c.reboot, Restart: c.scan}
		v := Judge(obs, limits, Options{})
		got := strings.Join(effectSummary(v.Effect), ", ")
		if v.Status != c.status || got != c.summary {
			t.Errorf("%s: %v %q, want %v %q", c.name, v.Status, got, c.status, c.summary)
		}
	}
}

// TestRestartsOnly: --restarts-only judges the processes alone; without
// restart_pending any outdated process warns, none is OK and says how many
// were scanned.
func TestRestartsOnly(t *testing.T) {
	stale := restart.Process{PID: 7, Comm: "nginx", Unit: "nginx.service", Files: []restart.Stale{{Path: "/usr/lib/libssl.so.3", Reason: "replaced", ReplacedAt: daysAgo(9)}}}
	limits := policy.SecurityUpdates{RestartPending: policy.SLA{WarningDays: ptr(3), CriticalDays: ptr(14)}}
	for _, c := range []struct {
		name   string
		scan   restart.Scan
		sec    policy.SecurityUpdates
		status plugin.Status
		want   string
	}{
		{"none", restart.Scan{Scanned: 30}, policy.SecurityUpdates{}, plugin.OK, "no process runs replaced files (30 processes scanned)"},
		{"none, some unreadable", restart.Scan{Scanned: 30, Unreadable: 2}, limits, plugin.OK, "no process runs replaced files (30 processes scanned), 2 processes not checked (unreadable)"},
		{"no limits: any warns", restart.Scan{Scanned: 30, Outdated: []restart.Process{stale}}, policy.SecurityUpdates{}, plugin.Warning, "1 process runs replaced files (1 service) for 9 days"},
		{"past the warning limit", restart.Scan{Scanned: 30, Outdated: []restart.Process{stale}}, limits, plugin.Warning, "1 process runs replaced files (1 service) for 9 days"},
	} {
		r := ReportRestarts(JudgeRestarts(c.scan, c.sec, now))
		if r.Status != c.status || r.Summary != c.want {
			t.Errorf("%s: %v %q, want %v %q", c.name, r.Status, r.Summary, c.status, c.want)
		}
	}
}
