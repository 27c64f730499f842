package policy

import (
	"bytes"
	"fmt"

	"gopkg.in/yaml.v3"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Flows is the section of check_firewall_flows: named objects and services,
// and optionally the application flows themselves (AlgoSec's format).
type Flows struct {
	// Objects: name → addresses, CIDRs, ranges or other object names.
	Objects map[string][]Text `yaml:"objects"`
	// Services: name → services such as tcp/443 or other service names.
	Services     map[string][]Text `yaml:"services"`
	Applications []Application     `yaml:"applications"`
	// EphemeralPorts is the clients' source port range (default 32768-60999).
	EphemeralPorts *Text `yaml:"ephemeral_ports"`
}

// Application is one AlgoSec application with its named flows.
type Application struct {
	Name  string          `yaml:"app_name"`
	Flows map[string]Flow `yaml:"app_flows"`
	// Order keeps the flows in file order (maps do not).
	Order []string `yaml:"-"`
}

// Flow is one AlgoSec application flow, with our "expect" extension.
type Flow struct {
	Sources      []Text `yaml:"sources"`
	Destinations []Text `yaml:"destinations"`
	Services     []Text `yaml:"services"`
	// Expect is "allow" (default) or "deny" (the flow must stay closed).
	Expect              *Text  `yaml:"expect"`
	Comment             string `yaml:"comment"`
	NetworkApplications []Text `yaml:"network_applications"`
	Line                int    `yaml:"-"`
}

// UnmarshalYAML keeps the flows' order and lines; the fields are decoded
// strictly by decodeStrict.
func (a *Application) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return errorAt(n, "want an application (app_name, app_flows)")
	}
	a.Flows = map[string]Flow{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "app_name":
			if v.Kind != yaml.ScalarNode {
				return errorAt(v, "app_name: want a name")
			}
			a.Name = v.Value
		case "app_flows":
			if v.Kind != yaml.MappingNode {
				return errorAt(v, "app_flows: want a mapping of flow name to flow")
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				fk, fv := v.Content[j], v.Content[j+1]
				if _, dup := a.Flows[fk.Value]; dup {
					return errorAt(fk, "flow %q given twice", fk.Value)
				}
				var f Flow
				if err := decodeStrict(fv, &f); err != nil {
					return err
				}
				f.Line = fk.Line
				a.Flows[fk.Value] = f
				a.Order = append(a.Order, fk.Value)
			}
		default:
			return errorAt(k, "field %s not found in application (want app_name, app_flows)", k.Value)
		}
	}
	if a.Name == "" {
		return errorAt(n, "application without app_name")
	}
	return nil
}

// decodeStrict decodes a flow with unknown keys refused: yaml.v3's
// Node.Decode does not honour KnownFields, so the keys are checked here.
func decodeStrict(n *yaml.Node, v any) error {
	for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if !hasField(v, k.Value) {
			return errorAt(k, "field %s not found", k.Value)
		}
		// expect is exactly allow or deny: a null, ALLOW or typo must not
		// read as the default allow.
		if _, isFlow := v.(*Flow); isFlow && k.Value == "expect" &&
			(val.Kind != yaml.ScalarNode || val.Tag != "!!str" || val.Value != "allow" && val.Value != "deny") {
			return errorAt(val, "expect: want exactly allow or deny")
		}
	}
	return n.Decode(v)
}

func hasField(v any, key string) bool {
	switch v.(type) {
	case *Flow:
		switch key {
		case "sources", "destinations", "services", "expect", "comment", "network_applications":
			return true
		}
	}
	return false
}

// ParseFlows reads an AlgoSec application-flows file (JSON or YAML):
// {"applications": [...]}; objects and services may sit beside them.
func ParseFlows(file string, data []byte) (*Flows, error) {
	root, err := parseDocument("flows", file, data, "not a flows file: want a JSON or YAML mapping with applications",
		"applications", "objects", "services")
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, &located.Error{Kind: "flows", File: file, Msg: "empty flows file"}
	}
	var f Flows
	if err := decodeKnown(data, &f); err != nil {
		return nil, yamlError("flows", file, root, err)
	}
	if len(f.Applications) == 0 {
		return nil, &located.Error{Kind: "flows", File: file, Key: "applications", Msg: "no applications"}
	}
	return &f, nil
}

func decodeKnown(data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return err
	}
	return nil
}

// String is for messages.
func (t Text) String() string {
	if t.Line > 0 {
		return fmt.Sprintf("%q (line %d)", t.Value, t.Line)
	}
	return fmt.Sprintf("%q", t.Value)
}
