package checksecurityupdates

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
	"github.com/guardrail-monitoring/guardrail/internal/rpm"
)

// TestFromRPMCopiesEveryField: each field rpm.Update shares with Pending by
// name is carried over (a field added to both and forgotten here fails).
// TestFromRPMSeverity: updateinfo's impact words on the one scale the
// tiers use, the word kept beside it.
func TestFromRPMSeverity(t *testing.T) {
	for word, want := range map[string]string{"Critical": "critical", "Important": "high", "Moderate": "medium", "Low": "low", "": "", "Whatever": "unknown"} {
		p := fromRPM(rpm.Update{Severity: word})
		if p.Severity != want || p.VendorSeverity != word {
			t.Errorf("%q: severity %q (vendor %q), want %q", word, p.Severity, p.VendorSeverity, want)
		}
	}
}

func TestFromRPMCopiesEveryField(t *testing.T) {
	var u rpm.Update
	uv := reflect.ValueOf(&u).Elem()
	for i := 0; i < uv.NumField(); i++ {
		switch f := uv.Field(i); f.Kind() {
		case reflect.String:
			f.SetString(uv.Type().Field(i).Name + "-value")
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{uv.Type().Field(i).Name + "-value"}))
		}
	}
	p := reflect.ValueOf(fromRPM(u))
	shared := 0
	for i := 0; i < uv.NumField(); i++ {
		name := uv.Type().Field(i).Name
		pf := p.FieldByName(name)
		if !pf.IsValid() || name == "Severity" {
			continue // rpm's own (HeldBy); Severity is mapped (TestFromRPMSeverity)
		}
		shared++
		if !reflect.DeepEqual(pf.Interface(), uv.Field(i).Interface()) {
			t.Errorf("%s: %v, want %v", name, pf.Interface(), uv.Field(i).Interface())
		}
	}
	if shared < 11 {
		t.Errorf("only %d fields shared", shared)
	}
}

var (
	sslRPM = Pending{Package: "openssl-libs", Arch: "x86_64", Installed: "1:3.0.7-27.el9", Candidate: "1:3.0.7-28.el9", Security: true,
		Origin: "baseos", Advisories: []string{"RLSA-2026:0101"}, Severity: "high", VendorSeverity: "Important", SeverityScheme: "red hat impact"}
	tarRPM    = Pending{Package: "tar", Arch: "x86_64", Installed: "1.34-6.el9", Candidate: "1.34-7.el9", Origin: "appstream", Unclassified: true}
	bashRPM   = Pending{Package: "bash", Arch: "x86_64", Installed: "5.1.8-6.el9", Candidate: "5.1.8-9.el9", Origin: "baseos"}
	rpmFresh  = List{File: "/var/cache/dnf/baseos-0123456789abcdef", Date: now.Add(-2 * time.Hour)}
	rpmRepoNF = Source{File: "/etc/yum.repos.d/epel.repo", Line: 1, URI: "https://mirrors.fedoraproject.org/metalink?repo=epel-9&arch=x86_64", Suite: "epel"}
)

// TestReportRPM: an RPM host's verdicts in its own words (dnf repos, dnf
// makecache), and an update whose security cannot be told is never an OK,
// not even with -o.
func TestReportRPM(t *testing.T) {
	perf0 := "available_upgrades=0;;;0 critical_updates=0;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=0;;;0"
	cases := []struct {
		name string
		obs  Observation
		o    Options
		code plugin.Status
		want string
	}{
		{"security with advisory and severity", Observation{Sources: 2, Updates: []Pending{sslRPM, bashRPM}, Lists: []List{rpmFresh}}, Options{OnlyCritical: true}, plugin.Critical,
			"X CRITICAL: 1 security update pending, 2 upgrades (others ignored) | available_upgrades=2;;;0 critical_updates=1;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=0;;;0 list_age_days=0;7;;0\n" +
				"security: openssl-libs:x86_64 1:3.0.7-27.el9 -> 1:3.0.7-28.el9 (baseos) [high (red hat impact Important): RLSA-2026:0101]\n"},
		{"an update from a repo without updateinfo warns under -o", Observation{Sources: 2, Updates: []Pending{tarRPM, bashRPM}, Lists: []List{rpmFresh}, WithoutUpdateinfo: []string{"appstream"}}, Options{OnlyCritical: true}, plugin.Warning,
			"X WARNING: no security updates pending, 2 upgrades (others ignored), 1 from repos without updateinfo (security not known) | available_upgrades=2;;;0 critical_updates=0;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=0;;;0 list_age_days=0;7;;0\n" +
				"note: no updateinfo (advisories) in repo appstream: its updates cannot be told security ones\n"},
		{"no repo publishes updateinfo: never a silent no security updates", Observation{Sources: 1, Lists: []List{rpmFresh}, WithoutUpdateinfo: []string{"base"}}, Options{}, plugin.OK,
			"X OK: security updates cannot be told: no repo publishes updateinfo, 0 upgrades | " + perf0 + " list_age_days=0;7;;0\n" +
				"note: no updateinfo (advisories) in repo base: its updates cannot be told security ones\n"},
		{"stale metadata", Observation{Sources: 1, Lists: []List{{File: rpmFresh.File, Date: now.Add(-9 * 24 * time.Hour)}}}, Options{}, plugin.Warning,
			"X WARNING: no security updates pending, 0 upgrades, repo metadata are 9 days old: run dnf makecache | " + perf0 + " list_age_days=9;7;;0\n" +
				"newest metadata: /var/cache/dnf/baseos-0123456789abcdef fetched Sat, 14 Nov 2026 12:00:00 UTC\n"},
		{"stale yum caches (RHEL/CentOS 7): refreshed with yum", Observation{Sources: 1, Refresh: "yum makecache", Lists: []List{{File: rpmFresh.File, Date: now.Add(-9 * 24 * time.Hour)}}}, Options{}, plugin.Warning,
			"X WARNING: no security updates pending, 0 upgrades, repo metadata are 9 days old: run yum makecache | " + perf0 + " list_age_days=9;7;;0\n" +
				"newest metadata: /var/cache/dnf/baseos-0123456789abcdef fetched Sat, 14 Nov 2026 12:00:00 UTC\n"},
		{"a repo never fetched", Observation{Sources: 2, Lists: []List{rpmFresh}, Unfetched: []Source{rpmRepoNF}}, Options{}, plugin.Warning,
			"X WARNING: no security updates pending, 0 upgrades, 1 repo never fetched: run dnf makecache | " + perf0 + " list_age_days=0;7;;0\n" +
				"never fetched: /etc/yum.repos.d/epel.repo:1: repo epel (https://mirrors.fedoraproject.org/metalink?repo=epel-9&arch=x86_64)\n"},
		{"no cache at all is no answer", Observation{Sources: 1, Unfetched: []Source{rpmRepoNF}}, Options{}, plugin.Unknown,
			"X UNKNOWN: no metadata cache for any enabled dnf repo: run dnf makecache | " + perf0 + "\n" +
				"never fetched: /etc/yum.repos.d/epel.repo:1: repo epel (https://mirrors.fedoraproject.org/metalink?repo=epel-9&arch=x86_64)\n"},
		{"no repo enabled is no answer", Observation{}, Options{}, plugin.Unknown,
			"X UNKNOWN: no dnf repos enabled: cannot tell which updates are pending | " + perf0 + "\n"},
		{"replaced by an obsoleting package", Observation{Sources: 1, Lists: []List{rpmFresh}, Updates: []Pending{{Package: "oldtool", Arch: "x86_64", Installed: "1.0-1.el9", Candidate: "2.0-1.el9", Origin: "appstream", ReplacedBy: "newtool"}}}, Options{List: true}, plugin.Warning,
			"X WARNING: no security updates pending, 1 upgrade | available_upgrades=1;;;0 critical_updates=0;;;0 held=0;;;0 kept_back=0;;;0 phased=0;;;0 oldest_security_update_days=0;;;0 list_age_days=0;7;;0\n" +
				"upgrade: oldtool:x86_64 1.0-1.el9 -> 2.0-1.el9 (appstream; replaced by newtool)\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.obs.Now, c.obs.Family = now, RPM
			r := Report(Judge(c.obs, policy.SecurityUpdates{}, c.o), c.o.List)
			var b bytes.Buffer
			plugin.Write(&b, "check_security_updates", "X", r, plugin.Text)
			if r.Status != c.code || b.String() != c.want {
				t.Errorf("status %v, got\n%s\nwant %v\n%s", r.Status, b.String(), c.code, c.want)
			}
		})
	}
}

// TestRPMRefreshCommand: yum's caches are refreshed with yum, dnf's and
// dnf5's with dnf makecache (the report's default).
func TestRPMRefreshCommand(t *testing.T) {
	repo := func(layout string) *rpm.RepoState {
		return &rpm.RepoState{Repo: rpm.Repo{ID: layout, Enabled: true}, Layout: layout, Cached: true}
	}
	for _, c := range []struct {
		layouts []string
		want    string
	}{
		{[]string{rpm.LayoutYum, rpm.LayoutYum}, "yum makecache"},
		{[]string{rpm.LayoutYum, rpm.LayoutDNF}, ""},
		{[]string{rpm.LayoutDNF5}, ""},
		{nil, ""},
	} {
		sys := &rpm.System{}
		for _, l := range c.layouts {
			sys.Repos = append(sys.Repos, repo(l))
		}
		if got := rpmObservation(sys, nil, nil).Refresh; got != c.want {
			t.Errorf("%v: refresh %q, want %q", c.layouts, got, c.want)
		}
	}
}

func TestSeverityScheme(t *testing.T) {
	cases := []struct {
		ids  []string
		want string
	}{
		{nil, "red hat impact"},
		{[]string{"RHSA-2026:0101"}, "red hat impact"},
		{[]string{"RLSA-2026:0101", "RLSA-2026:0102"}, "red hat impact"},
		{[]string{"FEDORA-2026-4d5e6f7a81"}, "fedora severity"},
		{[]string{"FEDORA-EPEL-2026-1a2b3c"}, "fedora severity"},
		{[]string{"ALAS2-2026-2001"}, "amazon severity"},
		{[]string{"ALAS2-2026-2001", "RHSA-2026:0101"}, "updateinfo severity"},
	}
	for _, c := range cases {
		if got := severityScheme(c.ids, "red hat impact"); got != c.want {
			t.Errorf("%v: %q, want %q", c.ids, got, c.want)
		}
	}
}
