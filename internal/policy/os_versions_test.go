package policy

import (
	"strings"
	"testing"
)

func TestTargetForms(t *testing.T) {
	p, err := Parse("P", []byte(`version: 1
os_versions:
  ios-xe:
    target: {version: "17.9.5", since: 2026-11-01, within_days: 30}
    blocked:
      - {from: "16.1.1", to: "17.9.3", reason: "CVE-2023-20198", published: 2023-10-16, within_days: 14}
      - {version: "17.9.1"}
    eol_file: /etc/guardrail/eol/cisco-ios-xe.json
  junos:
    target: "21.4R3-S5"
  debian:
    target:
      version: "12"
    eol_tier: lts
`))
	if err != nil {
		t.Fatal(err)
	}
	x := p.OSVersions["ios-xe"]
	if x.Target.Value != "17.9.5" || x.Target.Line != 4 || !x.Target.HasDeadline() ||
		x.Target.Since.Format("2006-01-02") != "2026-11-01" || *x.Target.WithinDays != 30 {
		t.Errorf("ios-xe target %+v", x.Target)
	}
	b := x.Blocked[0]
	if b.Published == nil || b.Published.Format("2006-01-02") != "2023-10-16" || b.WithinDays == nil || *b.WithinDays != 14 || b.Published.Line != 6 {
		t.Errorf("blocked window %+v", b)
	}
	if x.Blocked[1].Published != nil || x.Blocked[1].WithinDays != nil {
		t.Errorf("blocked without window %+v", x.Blocked[1])
	}
	if x.EOLFile == nil || x.EOLFile.Value != "/etc/guardrail/eol/cisco-ios-xe.json" || x.EOLFile.Line != 8 {
		t.Errorf("eol_file %+v", x.EOLFile)
	}
	if j := p.OSVersions["junos"].Target; j.Value != "21.4R3-S5" || j.Line != 10 || j.HasDeadline() {
		t.Errorf("plain target %+v", j)
	}
	d := p.OSVersions["debian"]
	if d.Target.Value != "12" || d.Target.HasDeadline() || d.EOLTier.Value != "lts" || d.EOLTier.Line != 14 {
		t.Errorf("debian %+v %+v", d.Target, d.EOLTier)
	}
}

func TestOSVersionsErrors(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"target unknown key", "version: 1\nos_versions:\n  ios-xe:\n    target:\n      version: '17.9.5'\n      deadline: 2026-12-01\n",
			"policy P, line 6, key os_versions.ios-xe.target.deadline: field deadline not found in target (want version, since, within_days)"},
		{"target without version", "version: 1\nos_versions:\n  ios-xe:\n    target: {since: 2026-11-01, within_days: 30}\n",
			"policy P, line 4, key os_versions.ios-xe.target|: target without version"},
		{"since alone", "version: 1\nos_versions:\n  ios-xe:\n    target: {version: '17.9.5', since: 2026-11-01}\n",
			"policy P, line 4, key os_versions.ios-xe.target|: since and within_days go together"},
		{"bad since", "version: 1\nos_versions:\n  ios-xe:\n    target:\n      version: '17.9.5'\n      since: 1.11.2026\n      within_days: 30\n",
			`policy P, line 6, key os_versions.ios-xe.target.since: want a date as YYYY-MM-DD, not "1.11.2026"`},
		{"bad within_days", "version: 1\nos_versions:\n  ios-xe:\n    target:\n      version: '17.9.5'\n      since: 2026-11-01\n      within_days: thirty\n",
			`policy P, line 7, key os_versions.ios-xe.target.within_days: want a whole number of days`},
		{"target a list", "version: 1\nos_versions:\n  ios-xe:\n    target: ['17.9.5']\n",
			"policy P, line 4, key os_versions.ios-xe.target: want a version, or {version, since, within_days}"},
		{"target key twice", "version: 1\nos_versions:\n  ios-xe:\n    target:\n      version: '17.9.5'\n      version: '17.9.6'\n",
			"line 6"},
		{"blocked bad published", "version: 1\nos_versions:\n  ios-xe:\n    blocked:\n      - version: '17.9.1'\n        published: yesterday\n",
			`policy P, line 6, key os_versions.ios-xe.blocked[0].published: want a date as YYYY-MM-DD, not "yesterday"`},
		{"blocked bad window", "version: 1\nos_versions:\n  ios-xe:\n    blocked:\n      - version: '17.9.1'\n        within_days: -3\n",
			"policy P, line 6, key os_versions.ios-xe.blocked[0].within_days: want a whole number of days"},
		{"blocked unknown key", "version: 1\nos_versions:\n  ios-xe:\n    blocked:\n      - version: '17.9.1'\n        publish: 2023-10-16\n",
			"policy P, line 6, key os_versions.ios-xe.blocked[0].publish: field publish not found"},
		{"eol_tier a list", "version: 1\nos_versions:\n  debian:\n    eol_tier: [lts]\n",
			"policy P, line 4, key os_versions.debian.eol_tier: want a single value"},
		{"eol_file typo", "version: 1\nos_versions:\n  fortios:\n    eol_files: f.json\n",
			"policy P, line 4, key os_versions.fortios.eol_files: field eol_files not found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("P", []byte(c.yaml))
			for _, want := range strings.Split(c.want, "|") {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("got %v\nwant it to contain %q", err, want)
				}
			}
		})
	}
}

func TestInventorySection(t *testing.T) {
	inv, err := ParseInventory("I", []byte(`inventory:
  columns: {name: hostname, platform: os, version: os_version, site: location, owner: team}
  platforms:
    "Cisco IOS XE": ios-xe
    Cisco Adaptive Security Appliance: asa
  netbox_version_field: custom_fields.os_version
`))
	if err != nil {
		t.Fatal(err)
	}
	if inv.Columns.Name.Value != "hostname" || inv.Columns.Owner.Value != "team" || inv.Columns.Site.Line != 2 {
		t.Errorf("columns %+v", inv.Columns)
	}
	m := inv.PlatformMap()
	if m["cisco ios xe"] != "ios-xe" || m["cisco adaptive security appliance"] != "asa" || inv.Platforms["Cisco IOS XE"].Line != 4 {
		t.Errorf("platforms %v", m)
	}
	if inv.NetBoxVersionField.Value != "custom_fields.os_version" {
		t.Errorf("netbox field %+v", inv.NetBoxVersionField)
	}
	cases := []struct{ name, yaml, want string }{
		{"unknown column", "inventory:\n  columns:\n    hostname: name\n", "I, line 3, key inventory.columns.hostname: field hostname not found in inventory.columns"},
		{"unknown key", "inventory:\n  colums: {}\n", "I, line 2, key inventory.colums: field colums not found in inventory"},
		{"spelling twice", "inventory:\n  platforms:\n    Cisco IOS XE: ios-xe\n    cisco ios xe: ios\n", "I, line 4, key inventory.platforms.cisco ios xe: platform spelling \"cisco ios xe\" given twice"},
		{"platform a list", "inventory:\n  platforms:\n    Cisco IOS XE: [ios-xe]\n", "I, line 3"},
		{"not a mapping", "inventory: [1]\n", "I, line 1, key inventory: want a mapping"},
	}
	for _, c := range cases {
		if _, err := ParseInventory("I", []byte(c.yaml)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v\nwant it to contain %q", c.name, err, c.want)
		}
	}
}

func FuzzParseInventory(f *testing.F) {
	f.Add([]byte("inventory:\n  columns: {name: hostname}\n  platforms: {\"Cisco IOS XE\": ios-xe}\n"))
	f.Add([]byte("inventory: {netbox_version_field: software_version}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := ParseInventory("fuzz.yaml", data); err != nil && !strings.HasPrefix(err.Error(), "policy fuzz.yaml") {
			t.Fatalf("error without file: %v", err)
		}
	})
}

// FuzzParseOSVersions: the target and blocked forms with deadlines, any
// mutation, give a policy or an error naming the file.
func FuzzParseOSVersions(f *testing.F) {
	f.Add([]byte("version: 1\nos_versions:\n  ios-xe:\n    target: {version: \"17.9.5\", since: 2026-11-01, within_days: 30}\n"))
	f.Add([]byte("version: 1\nos_versions:\n  ios-xe:\n    blocked:\n      - {from: \"16.1.1\", to: \"17.9.3\", published: 2023-10-16, within_days: 14}\n"))
	f.Add([]byte("version: 1\nos_versions:\n  debian:\n    eol_tier: lts\n    eol_file: /x.json\n    target:\n      version: '12'\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "policy fuzz.yaml") {
				t.Fatalf("error without file: %v", err)
			}
			return
		}
		for id, pl := range p.OSVersions {
			if pl.Target != nil && (pl.Target.Since == nil) != (pl.Target.WithinDays == nil) {
				t.Fatalf("%s: target deadline half given: %+v", id, pl.Target)
			}
		}
	})
}

// The inventory section is read from the top level of a whole policy.
func TestPolicyInventoryKey(t *testing.T) {
	p, err := Parse("p.yaml", []byte("version: 1\ninventory:\n  columns: {name: hostname}\n  platforms: {\"Cisco IOS XE\": ios-xe}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c := p.Inventory.Columns.Name; c == nil || c.Value != "hostname" || c.Line != 3 || p.Inventory.PlatformMap()["cisco ios xe"] != "ios-xe" {
		t.Errorf("inventory %+v", p.Inventory)
	}
}
