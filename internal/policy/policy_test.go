package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExamplePolicyParses(t *testing.T) {
	p, err := Load("../../packaging/policy.example.yaml", true)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.SecurityUpdates.SLA.CriticalDays; d == nil || *d != 14 {
		t.Errorf("sla critical_days %v", d)
	}
	if p.OSVersions["ios-xe"].Target.Value != "17.9.4a" || p.OSVersions["ios-xe"].Target.Line == 0 {
		t.Errorf("ios-xe target %+v", p.OSVersions["ios-xe"].Target)
	}
	app := p.Flows.Applications[0]
	if app.Name != "Billing" || strings.Join(app.Order, ",") != "payroll-to-gateway,no-telnet-from-web" {
		t.Errorf("application %+v", app)
	}
	if f := app.Flows["no-telnet-from-web"]; f.Expect.Value != "deny" || f.Line == 0 {
		t.Errorf("flow %+v", f)
	}
}

func TestMissingFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "policy.yaml")
	p, err := Load(missing, false)
	if err != nil || p.Version != 1 || p.File != "" {
		t.Errorf("default path missing: %v %+v", err, p)
	}
	if _, err := Load(missing, true); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("explicit path missing: %v", err)
	}
	if _, err := Load(t.TempDir(), true); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("directory: %v", err)
	}
}

func TestUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads everything")
	}
	p := filepath.Join(t.TempDir(), "policy.yaml")
	os.WriteFile(p, []byte("version: 1\n"), 0)
	if _, err := Load(p, false); err == nil {
		t.Error("unreadable policy accepted")
	}
}

// Every error names the file, the line and the key.
func TestErrorsNameFileLineKey(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"empty", "", "policy P: empty policy"},
		{"no version", "security_updates: {}\n", "policy P, key version: unsupported or missing version 0"},
		{"version 2", "version: 2\n", "policy P, line 1, key version: unsupported or missing version 2"},
		{"syntax", "version: 1\nsecurity_updates:\n  sla: [\n", "policy P, line 3"},
		{"tab", "version: 1\n\tx: 1\n", "policy P, line 2"},
		{"unknown top", "version: 1\nsecurity_update: {}\n", "policy P, line 2, key security_update: field security_update not found"},
		{"unknown nested", "version: 1\nsecurity_updates:\n  sla:\n    warn_days: 3\n", "policy P, line 4, key security_updates.sla.warn_days: field warn_days not found"},
		{"bad days", "version: 1\nsecurity_updates:\n  sla:\n    critical_days: soon\n", `policy P, line 4, key security_updates.sla.critical_days: want a whole number of days from 0 to 36500, not "soon"`},
		{"negative days", "version: 1\nsecurity_updates:\n  max_list_age_days: -1\n", "line 3, key security_updates.max_list_age_days: want a whole number"},
		{"bad regexp", "version: 1\nsecurity_updates:\n  exclude: ['(']\n", "line 3, key security_updates.exclude: want a regular expression"},
		{"wrong type", "version: 1\nsecurity_updates: [1]\n", "line 2, key security_updates: cannot unmarshal !!seq into"},
		{"bad date", "version: 1\nos_versions:\n  ios:\n    eol:\n      - release: '15.2'\n        date: 31/12/2026\n", `line 6, key os_versions.ios.eol[0].date: want a date as YYYY-MM-DD, not "31/12/2026"`},
		{"list as version", "version: 1\nos_versions:\n  ios:\n    minimum: [1]\n", "line 4, key os_versions.ios.minimum: want a single value"},
		{"unknown platform key", "version: 1\nos_versions:\n  ios:\n    minimun: '15.2(7)E4'\n", "line 4, key os_versions.ios.minimun: field minimun not found"},
		{"flow unknown key", "version: 1\nflows:\n  applications:\n    - app_name: A\n      app_flows:\n        f:\n          source: [x]\n", "line 7, key flows.applications[0].app_flows.f.source: field source not found"},
		{"app without name", "version: 1\nflows:\n  applications:\n    - app_flows: {}\n", "line 4, key flows.applications[0]"},
		{"duplicate flow", "version: 1\nflows:\n  applications:\n    - app_name: A\n      app_flows:\n        f: {}\n        f: {}\n", "line 7"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("P", []byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v\nwant it to contain %q", err, c.want)
			}
		})
	}
}

func TestParseFlowsFile(t *testing.T) {
	json := `{"applications": [{"app_name": "Billing", "app_flows": {
  "flow1": {"sources": ["HR Payroll server", "192.168.0.0/16"], "destinations": ["16.47.71.62"], "services": ["HTTPS"]},
  "flow2": {"sources": ["10.0.0.1"], "destinations": ["10.0.0.2"], "services": ["udp/501"], "expect": "deny"}}}]}`
	f, err := ParseFlows("flows.json", []byte(json))
	if err != nil {
		t.Fatal(err)
	}
	a := f.Applications[0]
	if strings.Join(a.Order, ",") != "flow1,flow2" || a.Flows["flow1"].Sources[1].Value != "192.168.0.0/16" || a.Flows["flow2"].Line != 3 {
		t.Errorf("%+v", a)
	}
	if _, err := ParseFlows("f.json", []byte(`{"applications": [{"app_name": "A", "app_flows": {"f": {"sorces": []}}}]}`)); err == nil || !strings.Contains(err.Error(), "f.json, line 1") {
		t.Errorf("typo accepted: %v", err)
	}
	if _, err := ParseFlows("f.json", []byte(`{"applications": []}`)); err == nil {
		t.Error("no applications accepted")
	}
}

func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("../../packaging/policy.example.yaml"); err == nil {
		f.Add(data)
	}
	for _, s := range []string{"version: 1\n", "version: 1\nsecurity_updates:\n  sla:\n    warning_days: 3\n", "{", "version: 1\nflows:\n  applications:\n    - app_name: A\n      app_flows: {f: {sources: [a]}}\n", "&a [*a]",
		"version: 1.0\n", "version: 1\n---\nversion: 1\n", "version: 1\nx: &a [1]\ny: *a\n", "root:$y$x:1:::\n",
		"version: 1\nflows:\n  applications:\n    - app_name: A\n      app_flows: {f: {expect: null}}\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err == nil && p.Version != 1 {
			t.Fatalf("accepted version %d", p.Version)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "policy fuzz.yaml") {
			t.Fatalf("error without file: %v", err)
		}
		if _, err := ParseFlows("fuzz.yaml", data); err != nil && !strings.HasPrefix(err.Error(), "flows fuzz.yaml") {
			t.Fatalf("flows error without file: %v", err)
		}
	})
}

// Issue 9: what the policy and flows files have no use for is refused.
func TestStrictness(t *testing.T) {
	flow := func(expect string) string {
		return "version: 1\nflows:\n  applications:\n    - app_name: A\n      app_flows:\n        f:\n          sources: [10.0.0.1]\n          destinations: [10.0.0.2]\n          services: [tcp/22]\n" + expect
	}
	cases := []struct{ name, yaml, want string }{
		{"version 1.0", "version: 1.0\n", "policy P, line 1, key version: version must be the integer 1"},
		{"version 0x1", "version: 0x1\n", "policy P, line 1, key version: version must be the integer 1"},
		{"second document", "version: 1\n---\nversion: 1\n", "policy P, line 2: a second YAML document"},
		{"alias", "version: 1\nsecurity_updates:\n  exclude: &x ['a']\n  include: *x\n", "policy P, line 4, key security_updates.include: YAML aliases"},
		{"merge key", "version: 1\nos_versions:\n  ios: &d {target: '15.2(7)E4'}\n  nx-os:\n    <<: *d\n", "policy P, line 5"},
		{"expect null", flow("          expect: null\n"), "policy P, line 10, key flows.applications[0].app_flows.f.expect: expect: want exactly allow or deny"},
		{"expect ALLOW", flow("          expect: ALLOW\n"), "expect: want exactly allow or deny"},
		{"expect list", flow("          expect: [deny]\n"), "expect: want exactly allow or deny"},
		{"not a mapping", "root:$y$j9T$secret:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\n", "policy P: not a policy file"},
		{"key is content", "version: 1\nroot:$y$secret:1:\n", "policy P, line 2, key ?: an unknown field in section Policy"},
		{"quoted value dropped", "version: 1\nflows:\n  objects: hunter2\n", "cannot unmarshal !!str into"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("P", []byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v\nwant it to contain %q", err, c.want)
			}
			if err != nil && (strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "hunter2")) {
				t.Errorf("error quotes the file: %v", err)
			}
		})
	}
	for _, ok := range []string{flow("          expect: allow\n"), flow("          expect: deny\n"), flow(""), "version: 1\n"} {
		if _, err := Parse("P", []byte(ok)); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
}

// A 54 KB alias bomb inside flows.applications (where yaml.v3's alias budget
// restarts in each custom unmarshaler) is refused before it expands.
func TestAliasBombRefused(t *testing.T) {
	_, err := Load("../../testdata/flows/alias-bomb-policy.yaml", true)
	if err == nil || !strings.Contains(err.Error(), "alias-bomb-policy.yaml, line 9, key flows.applications[0].app_flows.f0.destinations: YAML aliases") {
		t.Fatalf("policy: %v", err)
	}
	data, err := os.ReadFile("../../testdata/flows/alias-bomb.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParseFlows("F", data)
	if err == nil || !strings.HasPrefix(err.Error(), "flows F, line ") || !strings.Contains(err.Error(), "YAML aliases") {
		t.Fatalf("flows file: %v", err)
	}
}

func TestLoadIsBounded(t *testing.T) {
	_, err := Load("/dev/zero", true)
	if err == nil || err.Error() != "policy /dev/zero: larger than the 4 MiB limit for policy files" {
		t.Fatalf("/dev/zero: %v", err)
	}
}

func TestSecurityUpdatesTiersAndFeeds(t *testing.T) {
	p, err := Load("../../packaging/policy.example.yaml", true)
	if err != nil {
		t.Fatal(err)
	}
	su := p.SecurityUpdates
	if d := su.SLABySeverity.For("critical", su.SLA).CriticalDays; d == nil || *d != 3 {
		t.Errorf("critical tier %v", d)
	}
	if d := su.SLABySeverity.For("low", su.SLA).CriticalDays; d == nil || *d != 14 {
		t.Errorf("low tier falls back to sla: %v", d)
	}
	if d := su.SLABySeverity.For("unknown", su.SLA).WarningDays; d == nil || *d != 7 {
		t.Errorf("unknown falls back to sla: %v", d)
	}
	if d := su.RebootPending.CriticalDays; d == nil || *d != 30 {
		t.Errorf("reboot_pending %v", d)
	}
	if d := su.RestartPending.WarningDays; d == nil || *d != 3 {
		t.Errorf("restart_pending %v", d)
	}
	ok, err := Parse("P", []byte("version: 1\nsecurity_updates:\n  advisories: [/var/lib/f.json, '/var/lib/osv/*.zip']\n"))
	if err != nil || len(ok.SecurityUpdates.Advisories) != 2 || ok.SecurityUpdates.Advisories[1].Pattern != "/var/lib/osv/*.zip" || ok.SecurityUpdates.Advisories[1].Line != 3 {
		t.Errorf("advisories: %v %+v", err, ok)
	}
	for _, c := range []struct{ name, yaml, want string }{
		{"relative feed", "version: 1\nsecurity_updates:\n  advisories: [feeds/a.json]\n", "policy P, line 3, key security_updates.advisories: want an absolute path"},
		{"bad glob", "version: 1\nsecurity_updates:\n  advisories:\n    - '/f/[a'\n", "policy P, line 4, key security_updates.advisories: not a valid glob"},
		{"feed not a string", "version: 1\nsecurity_updates:\n  advisories: [{a: 1}]\n", "policy P, line 3, key security_updates.advisories[0].a: want a file path or glob"},
		{"unknown tier", "version: 1\nsecurity_updates:\n  sla_by_severity:\n    urgent:\n      warning_days: 1\n", "policy P, line 4, key security_updates.sla_by_severity.urgent: field urgent not found"},
		{"bad tier days", "version: 1\nsecurity_updates:\n  sla_by_severity:\n    high: {critical_days: -1}\n", "policy P, line 4, key security_updates.sla_by_severity.high.critical_days: want a whole number of days"},
		{"unknown reboot key", "version: 1\nsecurity_updates:\n  reboot_pending:\n    days: 3\n", "policy P, line 4, key security_updates.reboot_pending.days: field days not found"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("P", []byte(c.yaml))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v\nwant it to contain %q", err, c.want)
			}
		})
	}
}
