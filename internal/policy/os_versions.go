package policy

import (
	"strings"

	"gopkg.in/yaml.v3"
)

// OSVersions maps a platform id (ios, ios-xe, junos, debian, ...) to what is
// supported on it. The ids and versions are checked by package osversion,
// which knows each platform's version syntax.
//
// The keys, as README's policy reference shows them:
//
//	os_versions:            # keyed by platform id
//	  ios-xe:
//	    minimum: "17.6.1"   # below: CRITICAL
//	    target: "17.9.4a"   # at/above minimum but below: WARNING
//	    # or with a deadline: WARNING with the days left until since +
//	    # within_days, CRITICAL with the days overdue after it
//	    # target: {version: "17.9.5", since: 2026-11-01, within_days: 30}
//	    blocked:            # CRITICAL, with the reason in the output
//	      - version: "17.9.1"                 # one version
//	        reason: "CSCwe12345"
//	      - {from: "16.1.1", to: "17.6.3", reason: "CVE-2023-20198"}  # inclusive
//	      - {to: "16.9.9", reason: "too old"}  # either end may be left open
//	      # with a window: WARNING until published + within_days, then CRITICAL
//	      - {from: "16.1.1", to: "17.9.3", reason: "CVE-2023-20198", published: 2023-10-16, within_days: 14}
//	    eol:                # end of life per release cycle
//	      - {release: "17.6", date: 2027-10-31}
//	    eol_warning_days: 180   # WARNING this many days before (default 90)
//	    # end-of-life dates from an endoflife.date product file the admin
//	    # downloaded (v0 /api/cisco-ios-xe.json or v1
//	    # /api/v1/products/cisco-ios-xe/); eol entries above override it
//	    eol_file: /etc/guardrail/eol/cisco-ios-xe.json
//	  debian:
//	    # which support ends the end of life, from distro-info-data's
//	    # debian.csv: standard (eol), lts (eol-lts), elts (eol-elts);
//	    # ubuntu.csv: standard (eol-server, else eol), esm, legacy;
//	    # endoflife.date files: standard (eol), extended (extendedSupport)
//	    eol_tier: lts
//
// Platform ids: ios ios-xe nx-os junos fortios pan-os eos routeros gaia,
// the security appliances asa ftd bigip sonicos aos-cx vrp opnsense
// pfsense, and os-release IDs debian ubuntu rhel centos rocky almalinux ol
// fedora sles alpine (inventories may also say iosxe, nxos, panos,
// fortigate, mikrotik, checkpoint, arista_eos, f5, sonicwall, arubaos-cx).
// Every version is parsed with its platform's rules when the check starts;
// one that does not parse, a target below the minimum, a from above its
// to, or an IOS target on another train than the minimum is UNKNOWN naming
// the policy file and line. A version is in an eol release cycle when the
// cycle's version is a prefix of it ("17.6" covers 17.6.x, junos "21.4"
// covers 21.4R3-S5, gaia "R81.20" covers "R81.20 Take 92" but "R81" does
// not cover R81.10). Past the date (from 00:00 UTC on it) is CRITICAL. IOS
// trains are never compared with each other: a 15.2(4)M device against a
// 15.2(7)E minimum is UNKNOWN, not a guess. A device whose platform has no
// entry here is UNKNOWN ("no policy for platform x").
// GUARDRAIL_NOW=YYYY-MM-DD fixes "now" for tests.
type OSVersions map[string]Platform

// Platform is the supported-version policy of one platform.
type Platform struct {
	// Minimum: below it is CRITICAL.
	Minimum *Text `yaml:"minimum"`
	// Target: at or above minimum but below target is WARNING, or with a
	// deadline WARNING before it and CRITICAL after it.
	Target *Target `yaml:"target"`
	// Blocked versions or ranges (known vulnerable): CRITICAL, or with a
	// window WARNING until it closes.
	Blocked []Blocked `yaml:"blocked"`
	// EOL dates per release cycle.
	EOL []EOL `yaml:"eol"`
	// EOLWarningDays: WARNING this many days before an end-of-life date
	// (default 90).
	EOLWarningDays *Days `yaml:"eol_warning_days"`
	// EOLTier chooses which end of support counts (default standard);
	// the valid tiers depend on the platform and are checked by osversion.
	EOLTier *Text `yaml:"eol_tier"`
	// EOLFile names an endoflife.date product file (JSON, v0 or v1 API).
	EOLFile *Text `yaml:"eol_file"`
}

// Target is the version every device should reach, optionally by a
// deadline: Since (the day it was announced) plus WithinDays. The plain
// form `target: "17.9.4a"` is a Target without a deadline.
type Target struct {
	Text
	Since      *Date
	WithinDays *Days
}

// UnmarshalYAML accepts a version, or {version, since, within_days} with
// since and within_days given together.
func (t *Target) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		return t.Text.UnmarshalYAML(n)
	case yaml.MappingNode:
	default:
		return errorAt(n, "want a version, or {version, since, within_days}")
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if seen[k.Value] {
			return errorAt(k, "field %s given twice", k.Value)
		}
		seen[k.Value] = true
		var err error
		switch k.Value {
		case "version":
			err = t.Text.UnmarshalYAML(v)
		case "since":
			t.Since = new(Date)
			err = t.Since.UnmarshalYAML(v)
		case "within_days":
			t.WithinDays = new(Days)
			err = t.WithinDays.UnmarshalYAML(v)
		default:
			return errorAt(k, "field %s not found in target (want version, since, within_days)", k.Value)
		}
		if err != nil {
			return err
		}
	}
	switch {
	case !seen["version"]:
		return errorAt(n, "target without version")
	case (t.Since == nil) != (t.WithinDays == nil):
		return errorAt(n, "since and within_days go together (the deadline is since + within_days)")
	}
	return nil
}

// HasDeadline reports whether the target carries since and within_days.
func (t *Target) HasDeadline() bool { return t != nil && t.Since != nil && t.WithinDays != nil }

// Blocked is one version (Version) or an inclusive range (From, To; either
// may be left open) that must not run. With Published and WithinDays the
// devices have that long to leave it (WARNING), CRITICAL after.
type Blocked struct {
	Version    *Text  `yaml:"version"`
	From       *Text  `yaml:"from"`
	To         *Text  `yaml:"to"`
	Reason     string `yaml:"reason"`
	Published  *Date  `yaml:"published"`
	WithinDays *Days  `yaml:"within_days"`
}

// EOL is the end of life of one release cycle (e.g. "17.6" or "21.4").
type EOL struct {
	Release Text `yaml:"release"`
	Date    Date `yaml:"date"`
}

// Inventory maps the columns and platform spellings of a CMDB export to
// check_os_version's: columns name, platform and version (site and owner
// optional, carried into the items), platforms "Cisco IOS XE" → ios-xe
// (matched case-insensitively). It belongs at the top of the policy:
//
//	inventory:
//	  columns: {name: hostname, platform: os, version: os_version, site: location, owner: team}
//	  platforms: {"Cisco IOS XE": ios-xe, "Cisco Adaptive Security Appliance": asa}
//	  # NetBox device exports: the custom field holding the version
//	  # (default: the device's software_version, else custom_fields.os_version)
//	  netbox_version_field: custom_fields.os_version
type Inventory struct {
	Columns            InventoryColumns `yaml:"columns"`
	Platforms          map[string]Text  `yaml:"platforms"`
	NetBoxVersionField *Text            `yaml:"netbox_version_field"`
}

// InventoryColumns names the export's columns (CSV header or JSON keys);
// an empty name keeps the default (name, platform, version, site, owner).
type InventoryColumns struct {
	Name     *Text `yaml:"name"`
	Platform *Text `yaml:"platform"`
	Version  *Text `yaml:"version"`
	Site     *Text `yaml:"site"`
	Owner    *Text `yaml:"owner"`
}

// PlatformMap returns the platform spellings lower-cased, for a
// case-insensitive lookup (UnmarshalYAML refuses two spellings equal but
// for case).
func (i Inventory) PlatformMap() map[string]string {
	m := make(map[string]string, len(i.Platforms))
	for k, v := range i.Platforms {
		m[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v.Value)
	}
	return m
}

// UnmarshalYAML decodes the section strictly and refuses platform
// spellings that differ only by case (they would match the same rows).
func (i *Inventory) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errorAt(n, "want a mapping with columns, platforms, netbox_version_field")
	}
	type plain Inventory
	var p plain
	for j := 0; j+1 < len(n.Content); j += 2 {
		k, v := n.Content[j], n.Content[j+1]
		switch k.Value {
		case "columns":
			for c := 0; v.Kind == yaml.MappingNode && c+1 < len(v.Content); c += 2 {
				switch v.Content[c].Value {
				case "name", "platform", "version", "site", "owner":
				default:
					return errorAt(v.Content[c], "field %s not found in inventory.columns (want name, platform, version, site, owner)", v.Content[c].Value)
				}
			}
		case "platforms":
			seen := map[string]bool{}
			for c := 0; v.Kind == yaml.MappingNode && c+1 < len(v.Content); c += 2 {
				key := strings.ToLower(strings.TrimSpace(v.Content[c].Value))
				if key == "" {
					return errorAt(v.Content[c], "empty platform spelling")
				}
				if seen[key] {
					return errorAt(v.Content[c], "platform spelling %q given twice (spellings match case-insensitively)", v.Content[c].Value)
				}
				seen[key] = true
			}
		case "netbox_version_field":
		default:
			return errorAt(k, "field %s not found in inventory (want columns, platforms, netbox_version_field)", k.Value)
		}
	}
	if err := n.Decode(&p); err != nil {
		return err
	}
	*i = Inventory(p)
	return nil
}

// ParseInventory reads an inventory section given as its own YAML
// document (for flags and tests; in the policy file it is the top-level
// key inventory), strictly and with lines in its errors.
func ParseInventory(file string, data []byte) (*Inventory, error) {
	var doc struct {
		Inventory Inventory `yaml:"inventory"`
	}
	err := decodeKnown(data, &doc)
	if err == nil {
		return &doc.Inventory, nil
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root)
	// The line and key of the error, in yaml.v3's words.
	e, _ := locateYAML("policy", file, &root, err)
	return nil, e
}
