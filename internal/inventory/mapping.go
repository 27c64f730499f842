package inventory

import (
	"fmt"
	"sort"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
	"github.com/guardrail-monitoring/guardrail/internal/osversion"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

// Mapping says how a CMDB export names things: its column names (CSV
// header, matched case-insensitively, or JSON keys) for name, platform,
// version, site and owner; its platform spellings (lower-cased spelling →
// platform id); and, for NetBox exports, the dotted path of the field
// holding the version ("" for the default order: custom_fields.os_version,
// custom_fields.software_version, software_version).
type Mapping struct {
	Name, Platform, Version, Site, Owner string
	Platforms                            map[string]string
	NetBoxVersionField                   string
	// custom: site/owner columns named by the policy are required.
	siteSet, ownerSet bool
}

// DefaultMapping reads the plain name,platform,version[,site,owner] form.
var DefaultMapping = Mapping{Name: "name", Platform: "platform", Version: "version", Site: "site", Owner: "owner"}

func (m Mapping) withDefaults() Mapping {
	for _, f := range []struct {
		to  *string
		def string
	}{
		{&m.Name, "name"}, {&m.Platform, "platform"}, {&m.Version, "version"}, {&m.Site, "site"}, {&m.Owner, "owner"},
	} {
		if strings.TrimSpace(*f.to) == "" {
			*f.to = f.def
		}
	}
	return m
}

// isDefault reports whether the JSON keys are the plain ones (the fast
// decode path serves them).
func (m Mapping) isDefault() bool {
	return m.Name == "name" && m.Platform == "platform" && m.Version == "version" && m.Site == "site" && m.Owner == "owner"
}

// MappingFrom builds a Mapping from the policy's inventory section; every
// platform it maps to must be a platform id, else an error naming the
// policy file, line and key.
func MappingFrom(policyFile string, inv policy.Inventory) (Mapping, error) {
	m := DefaultMapping
	for _, c := range []struct {
		t   *policy.Text
		to  *string
		set *bool
		key string
	}{
		{inv.Columns.Name, &m.Name, nil, "name"}, {inv.Columns.Platform, &m.Platform, nil, "platform"},
		{inv.Columns.Version, &m.Version, nil, "version"}, {inv.Columns.Site, &m.Site, &m.siteSet, "site"},
		{inv.Columns.Owner, &m.Owner, &m.ownerSet, "owner"},
	} {
		if c.t == nil {
			continue
		}
		v := strings.TrimSpace(c.t.Value)
		if v == "" {
			return Mapping{}, &located.Error{Kind: "policy", File: policyFile, Line: c.t.Line, Key: "inventory.columns." + c.key, Msg: "empty column name"}
		}
		*c.to = v
		if c.set != nil {
			*c.set = true
		}
	}
	spellings := make([]string, 0, len(inv.Platforms))
	for s := range inv.Platforms {
		spellings = append(spellings, s)
	}
	sort.Strings(spellings)
	m.Platforms = make(map[string]string, len(spellings))
	for _, s := range spellings {
		t := inv.Platforms[s]
		id, ok := osversion.Normalize(t.Value)
		if !ok {
			return Mapping{}, &located.Error{Kind: "policy", File: policyFile, Line: t.Line, Key: "inventory.platforms." + s,
				Msg: fmt.Sprintf("%q is not a platform id (known: %s)", t.Value, strings.Join(osversion.Platforms(), ", "))}
		}
		m.Platforms[strings.ToLower(strings.TrimSpace(s))] = id
	}
	if inv.NetBoxVersionField != nil {
		f := strings.TrimSpace(inv.NetBoxVersionField.Value)
		if f == "" || strings.HasPrefix(f, ".") || strings.HasSuffix(f, ".") || strings.Contains(f, "..") {
			return Mapping{}, &located.Error{Kind: "policy", File: policyFile, Line: inv.NetBoxVersionField.Line, Key: "inventory.netbox_version_field",
				Msg: "want a dotted field path such as custom_fields.os_version"}
		}
		m.NetBoxVersionField = f
	}
	return m, nil
}
