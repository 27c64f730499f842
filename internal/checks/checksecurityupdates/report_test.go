package checksecurityupdates

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/ledger"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func daysAgo(d int) time.Time { return now.Add(-time.Duration(d) * 24 * time.Hour) }

func ptr(d int) *policy.Days { v := policy.Days(d); return &v }

var (
	openssh = Pending{Package: "openssh-client", Arch: "amd64", Installed: "1:9.2p1-2+deb12u5", Candidate: "1:9.2p1-2+deb12u7", Security: true, Origin: "Debian:bookworm-security"}
	libssl  = Pending{Package: "libssl3", Arch: "amd64", Installed: "3.0.15-1~deb12u1", Candidate: "3.0.17-1~deb12u2", Security: true, Origin: "Debian:bookworm-security"}
	tzdata  = Pending{Package: "tzdata", Arch: "all", Installed: "2024a-0+deb12u1", Candidate: "2025b-0+deb12u1", Origin: "Debian:bookworm-updates"}
	heldK   = Pending{Package: "linux-image-amd64", Arch: "amd64", Installed: "6.1.115-1", Candidate: "6.1.140-1", Security: true, Held: true, Origin: "Debian:bookworm-security"}
	keptB   = Pending{Package: "libc6", Arch: "amd64", Installed: "2.36-9+deb12u9", Candidate: "2.36-9+deb12u10", Security: true, KeptBack: true, Origin: "Debian:bookworm-security"}
)

// scenario is a check's inputs in one value, for table tests: the
// observation, the policy's section and the options; Sources 0 stands for
// 2 in TestReport, -1 for none.
type scenario struct {
	Updates, Deferred []Pending
	FirstSeen         ledger.Times
	AgesUnrecorded    bool
	SLA               policy.SLA
	MaxListAgeDays    *policy.Days
	Counts            plugin.Thresholds
	OnlyCritical      bool
	ListAll           bool
	Lists             []List
	Sources           int
	Unfetched         []Source
	NoSecuritySource  bool
}

func (s scenario) judge() Verdict {
	obs := Observation{Now: now, Updates: s.Updates, Deferred: s.Deferred, FirstSeen: s.FirstSeen, AgesUnrecorded: s.AgesUnrecorded,
		Lists: s.Lists, Sources: s.Sources, Unfetched: s.Unfetched, NoSecuritySource: s.NoSecuritySource}
	sec := policy.SecurityUpdates{SLA: s.SLA, MaxListAgeDays: s.MaxListAgeDays}
	return Judge(obs, sec, Options{Counts: s.Counts, OnlyCritical: s.OnlyCritical})
}

func (s scenario) report() plugin.Result { return Report(s.judge(), s.ListAll) }

// TestReport is the whole text output of judged scenarios.
func TestReport(t *testing.T) {
	fresh := daysAgo(1)
	cases := []struct {
		name string
		in   scenario
		code plugin.Status
		want string // the whole text output
	}{
		{"nothing pending", scenario{Lists: []List{{Date: fresh}}}, plugin.OK,
			"X OK: no security updates pending, 0 upgrades | available_upgrades=0;;;0 critical_updates=0;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=0;;;0 list_age_days=1;7;;0\n"},
		{"check_apt behaviour: any security update is critical", scenario{Updates: []Pending{libssl, openssh, tzdata}}, plugin.Critical,
			"X CRITICAL: 2 security updates pending, 3 upgrades | available_upgrades=3;;;0 critical_updates=2;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=0;;;0\n" +
				"security: libssl3:amd64 3.0.15-1~deb12u1 -> 3.0.17-1~deb12u2 (Debian:bookworm-security)\n" +
				"security: openssh-client:amd64 1:9.2p1-2+deb12u5 -> 1:9.2p1-2+deb12u7 (Debian:bookworm-security)\n"},
		{"other upgrades warn", scenario{Updates: []Pending{tzdata}, ListAll: true}, plugin.Warning,
			"X WARNING: no security updates pending, 1 upgrade | available_upgrades=1;;;0 critical_updates=0;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=0;;;0\n" +
				"upgrade: tzdata:all 2024a-0+deb12u1 -> 2025b-0+deb12u1 (Debian:bookworm-updates)\n"},
		{"only critical ignores other upgrades", scenario{Updates: []Pending{tzdata}, OnlyCritical: true}, plugin.OK,
			"X OK: no security updates pending, 1 upgrade (others ignored) | available_upgrades=1;;;0 critical_updates=0;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=0;;;0\n"},
		{"within SLA", scenario{Updates: []Pending{openssh}, SLA: policy.SLA{WarningDays: ptr(7), CriticalDays: ptr(14)},
			FirstSeen: ledger.Times{"openssh-client:amd64": daysAgo(6)}}, plugin.OK,
			"X OK: 1 security update pending (oldest 6 days, within SLA), 1 upgrade | available_upgrades=1;;;0 critical_updates=1;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=6;6;13;0\n" +
				"security: openssh-client:amd64 1:9.2p1-2+deb12u5 -> 1:9.2p1-2+deb12u7 (Debian:bookworm-security) pending 6 days\n"},
		{"past SLA warning, oldest first", scenario{Updates: []Pending{libssl, openssh}, SLA: policy.SLA{WarningDays: ptr(7), CriticalDays: ptr(14)},
			FirstSeen: ledger.Times{"openssh-client:amd64": daysAgo(7), "libssl3:amd64": daysAgo(2)}}, plugin.Warning,
			"X WARNING: 2 security updates pending (oldest 7 days, past the 7-day warning), 2 upgrades | available_upgrades=2;;;0 critical_updates=2;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=7;6;13;0\n" +
				"security: openssh-client:amd64 1:9.2p1-2+deb12u5 -> 1:9.2p1-2+deb12u7 (Debian:bookworm-security) pending 7 days\n" +
				"security: libssl3:amd64 3.0.15-1~deb12u1 -> 3.0.17-1~deb12u2 (Debian:bookworm-security) pending 2 days\n"},
		{"past SLA", scenario{Updates: []Pending{openssh}, SLA: policy.SLA{CriticalDays: ptr(14)},
			FirstSeen: ledger.Times{"openssh-client:amd64": daysAgo(30)}}, plugin.Critical,
			"X CRITICAL: 1 security update pending (oldest 30 days, past the 14-day SLA), 1 upgrade | available_upgrades=1;;;0 critical_updates=1;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=30;;13;0\n" +
				"security: openssh-client:amd64 1:9.2p1-2+deb12u5 -> 1:9.2p1-2+deb12u7 (Debian:bookworm-security) pending 30 days\n"},
		{"zero-day SLA", scenario{Updates: []Pending{openssh}, SLA: policy.SLA{CriticalDays: ptr(0)}}, plugin.Critical,
			"X CRITICAL: 1 security update pending (oldest 0 days, past the 0-day SLA), 1 upgrade | available_upgrades=1;;;0 critical_updates=1;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=0;;@0:;0\n" +
				"security: openssh-client:amd64 1:9.2p1-2+deb12u5 -> 1:9.2p1-2+deb12u7 (Debian:bookworm-security) pending 0 days\n"},
		{"--no-state: ages never recorded are unknown, not 0 days", scenario{Updates: []Pending{openssh}, SLA: policy.SLA{WarningDays: ptr(7), CriticalDays: ptr(14)}, AgesUnrecorded: true}, plugin.Warning,
			"X WARNING: 1 security update pending, 1 of unknown age (--no-state and no first-seen time recorded), 1 upgrade | available_upgrades=1;;;0 critical_updates=1;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0\n" +
				"security: openssh-client:amd64 1:9.2p1-2+deb12u5 -> 1:9.2p1-2+deb12u7 (Debian:bookworm-security) pending since an unknown time\n"},
		{"--no-state: a recorded age still decides", scenario{Updates: []Pending{libssl, openssh}, SLA: policy.SLA{CriticalDays: ptr(14)}, AgesUnrecorded: true,
			FirstSeen: ledger.Times{"openssh-client:amd64": daysAgo(30)}}, plugin.Critical,
			"X CRITICAL: 2 security updates pending (oldest 30 days, past the 14-day SLA), 1 of unknown age (--no-state and no first-seen time recorded), 2 upgrades | available_upgrades=2;;;0 critical_updates=2;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=30;;13;0\n" +
				"security: openssh-client:amd64 1:9.2p1-2+deb12u5 -> 1:9.2p1-2+deb12u7 (Debian:bookworm-security) pending 30 days\n" +
				"security: libssl3:amd64 3.0.15-1~deb12u1 -> 3.0.17-1~deb12u2 (Debian:bookworm-security) pending since an unknown time\n"},
		{"--no-state: every age recorded and within SLA is OK", scenario{Updates: []Pending{openssh}, SLA: policy.SLA{CriticalDays: ptr(14)}, AgesUnrecorded: true,
			FirstSeen: ledger.Times{"openssh-client:amd64": daysAgo(3)}}, plugin.OK,
			"X OK: 1 security update pending (oldest 3 days, within SLA), 1 upgrade | available_upgrades=1;;;0 critical_updates=1;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=3;;13;0\n" +
				"security: openssh-client:amd64 1:9.2p1-2+deb12u5 -> 1:9.2p1-2+deb12u7 (Debian:bookworm-security) pending 3 days\n"},
		{"held is reported apart, not actionable", scenario{Updates: []Pending{heldK}}, plugin.OK,
			"X OK: no security updates pending, 0 upgrades, 1 held | available_upgrades=0;;;0 critical_updates=0;;;0 held=1;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=0;;;0\n" +
				"held: linux-image-amd64:amd64 6.1.115-1 -> 6.1.140-1 (Debian:bookworm-security)\n"},
		{"kept back is still pending", scenario{Updates: []Pending{keptB}}, plugin.Critical,
			"X CRITICAL: 1 security update pending, 1 upgrade, 1 kept back (dist-upgrade needed) | available_upgrades=1;;;0 critical_updates=1;;;0 held=0;;;0 kept_back=1;;;0 phased=0;;;0 oldest_security_update_days=0;;;0\n" +
				"security: libc6:amd64 2.36-9+deb12u9 -> 2.36-9+deb12u10 (Debian:bookworm-security) [kept back]\n"},
		{"count thresholds soften", scenario{Updates: []Pending{libssl, openssh}, Counts: plugin.Thresholds{Warn: plugin.MustRange("2"), Crit: plugin.MustRange("5")}}, plugin.OK,
			"X OK: 2 security updates pending, 2 upgrades | available_upgrades=2;;;0 critical_updates=2;2;5;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=0;;;0\n" +
				"security: libssl3:amd64 3.0.15-1~deb12u1 -> 3.0.17-1~deb12u2 (Debian:bookworm-security)\n" +
				"security: openssh-client:amd64 1:9.2p1-2+deb12u5 -> 1:9.2p1-2+deb12u7 (Debian:bookworm-security)\n"},
		{"stale lists", scenario{Lists: []List{{File: "/var/lib/apt/lists/x_InRelease", Date: daysAgo(9)}}}, plugin.Warning,
			"X WARNING: no security updates pending, 0 upgrades, package lists are 9 days old: run apt-get update | available_upgrades=0;;;0 critical_updates=0;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=0;;;0 list_age_days=9;7;;0\n" +
				"newest list: /var/lib/apt/lists/x_InRelease dated Sat, 14 Nov 2026 12:00:00 UTC\n"},
		{"expired lists", scenario{Lists: []List{{File: "/l/sec_InRelease", Date: fresh, ValidUntil: time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)}}}, plugin.Warning,
			"X WARNING: no security updates pending, 0 upgrades, package lists expired (Valid-Until): run apt-get update | available_upgrades=0;;;0 critical_updates=0;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=0;;;0 list_age_days=1;7;;0\n" +
				"expired: /l/sec_InRelease valid until Mon, 16 Nov 2026 00:00:00 UTC\n"},
	}
	cases = append(cases, []struct {
		name string
		in   scenario
		code plugin.Status
		want string
	}{
		{"a source never fetched", scenario{Sources: 3, Unfetched: []Source{{File: "/etc/apt/sources.list", Line: 4, URI: "http://security.debian.org/", Suite: "bookworm-security"}}}, plugin.Warning,
			"X WARNING: no security updates pending, 0 upgrades, 1 source never fetched: run apt-get update | available_upgrades=0;;;0 critical_updates=0;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=0;;;0\n" +
				"never fetched: /etc/apt/sources.list:4: http://security.debian.org/ bookworm-security\n"},
		{"no lists at all is no answer, not OK", scenario{Sources: 1, Unfetched: []Source{{File: "/etc/apt/sources.list", Line: 1, URI: "http://deb.debian.org/debian/", Suite: "bookworm"}}}, plugin.Unknown,
			"X UNKNOWN: no package lists for any apt source: run apt-get update | available_upgrades=0;;;0 critical_updates=0;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=0;;;0\n" +
				"never fetched: /etc/apt/sources.list:1: http://deb.debian.org/debian/ bookworm\n"},
		{"no sources is no answer, not OK", scenario{Sources: -1}, plugin.Unknown,
			"X UNKNOWN: no apt sources configured: cannot tell which updates are pending | available_upgrades=0;;;0 critical_updates=0;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=0;;;0\n"},
		{"no security source is said", scenario{Sources: 1, NoSecuritySource: true}, plugin.OK,
			"X OK: no security updates pending, 0 upgrades | available_upgrades=0;;;0 critical_updates=0;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=0;;;0\n" +
				"note: no -security source is configured; security fixes can only be seen where another suite carries them\n"},
	}...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			switch c.in.Sources {
			case 0:
				c.in.Sources = 2
			case -1:
				c.in.Sources = 0
			}
			r := c.in.report()
			var b bytes.Buffer
			plugin.Write(&b, "check_security_updates", "X", r, plugin.Text)
			if r.Status != c.code || b.String() != c.want {
				t.Errorf("status %v, got\n%s\nwant %v\n%s", r.Status, b.String(), c.code, c.want)
			}
		})
	}
}

func TestReportItems(t *testing.T) {
	r := scenario{Sources: 1, Updates: []Pending{openssh, heldK}, SLA: policy.SLA{CriticalDays: ptr(14)},
		FirstSeen: ledger.Times{"openssh-client:amd64": daysAgo(3)}}.report()
	var b bytes.Buffer
	plugin.Write(&b, "check_security_updates", "X", r, plugin.JSON)
	for _, want := range []string{
		`{"package":"openssh-client","arch":"amd64","installed":"1:9.2p1-2+deb12u5","candidate":"1:9.2p1-2+deb12u7","security":true,"held":false,"kept_back":false,"origin":"Debian:bookworm-security","first_seen":"2026-11-20T12:00:00Z","age_days":3}`,
		`{"package":"linux-image-amd64","arch":"amd64","installed":"6.1.115-1","candidate":"6.1.140-1","security":true,"held":true,"kept_back":false,"origin":"Debian:bookworm-security"}`,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("JSON lacks %s\n%s", want, b.String())
		}
	}
}

// TestJudgeItemsSayWhyKeptBack: a kept-back item carries apt's reason, and
// says when not even dist-upgrade would move it.
func TestReportItemsSayWhyKeptBack(t *testing.T) {
	needsNew := keptB
	needsNew.Reason = "it needs libnew2, not installed"
	blocked := openssh
	blocked.KeptBack, blocked.Blocked, blocked.Reason = true, true, "it needs libssl3 (>= 3.0.17), whose newer version is held"
	r := scenario{Sources: 1, Updates: []Pending{needsNew, blocked}}.report()
	var b bytes.Buffer
	plugin.Write(&b, "check_security_updates", "X", r, plugin.JSON)
	for _, want := range []string{
		`"kept_back":true,"reason":"kept back: it needs libnew2, not installed","origin":"Debian:bookworm-security"}`,
		`"kept_back":true,"reason":"kept back: it needs libssl3 (>= 3.0.17), whose newer version is held; apt-get dist-upgrade would not upgrade it either","origin":"Debian:bookworm-security"}`,
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("JSON lacks %s\n%s", want, b.String())
		}
	}
}

// TestReportItemsNoFutureAge: under --no-state a first-seen time after now
// (the clock went back) is no age: the item carries none, as the long output
// says "unknown time" (it used to show that time and age 0).
func TestReportItemsNoFutureAge(t *testing.T) {
	r := scenario{Sources: 1, Updates: []Pending{openssh}, SLA: policy.SLA{CriticalDays: ptr(14)}, AgesUnrecorded: true,
		FirstSeen: ledger.Times{"openssh-client:amd64": now.Add(24 * time.Hour)}}.report()
	var b bytes.Buffer
	plugin.Write(&b, "check_security_updates", "X", r, plugin.JSON)
	want := `{"package":"openssh-client","arch":"amd64","installed":"1:9.2p1-2+deb12u5","candidate":"1:9.2p1-2+deb12u7","security":true,"held":false,"kept_back":false,"origin":"Debian:bookworm-security"}`
	if !strings.Contains(b.String(), want) {
		t.Errorf("JSON lacks %s\n%s", want, b.String())
	}
}

// TestReportItemsAdvisories: a family that names advisories (rpm, feeds)
// adds them to the item; apt's items stay as they were (TestReportItems).
func TestReportItemsAdvisories(t *testing.T) {
	p := Pending{Package: "openssl-libs", Arch: "x86_64", Installed: "1:3.0.7-27.el9", Candidate: "1:3.0.7-28.el9", Security: true, Origin: "baseos",
		Advisories: []string{"RHSA-2024:1234"}, CVEs: []string{"CVE-2024-0727"}, Severity: "Important"}
	r := scenario{Sources: 1, Updates: []Pending{p}}.report()
	var b bytes.Buffer
	plugin.Write(&b, "check_security_updates", "X", r, plugin.JSON)
	want := `"origin":"baseos","advisories":["RHSA-2024:1234"],"cves":["CVE-2024-0727"],"severity":"Important"}`
	if !strings.Contains(b.String(), want) {
		t.Errorf("JSON lacks %s\n%s", want, b.String())
	}
}
