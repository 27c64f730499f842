package icinga2conf

import (
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

func spec(flags ...cli.Flag) plugin.Spec {
	return plugin.Spec{Name: "check_demo_thing", Label: "DEMO", Usage: "a demo\n check", Flags: flags}
}

func TestRender(t *testing.T) {
	s := spec(
		&cli.StringFlag{Name: "root", Value: "/", Usage: "treat `DIR` as /"},
		&cli.StringFlag{Name: "warning", Aliases: []string{"w"}, Usage: `a "quoted" \ RANGE`},
		&cli.BoolFlag{Name: "only-critical", Aliases: []string{"o"}, Usage: "judge security only"},
		&cli.StringSliceFlag{Name: "include", Usage: "only `REGEX`"},
		&cli.StringSliceFlag{Name: "site", Value: cli.NewStringSlice("a", "b"), Usage: "sites"},
		&cli.StringFlag{Name: "host", Usage: "device to ask"},
		&cli.IntFlag{Name: "port", Value: 161, Usage: "SNMP port"},
		&cli.DurationFlag{Name: "max-age", Value: 90 * time.Second, Usage: "age"},
		&cli.StringFlag{Name: "community", EnvVars: []string{"GUARDRAIL_SNMP_COMMUNITY"}, Usage: "SNMP community"},
	)
	got, err := Render([]plugin.Spec{s})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\n// check_demo_thing: a demo check\nobject CheckCommand \"demo_thing\" {\n",
		"\tcommand = [ PluginDir + \"/check_demo_thing\" ]\n",
		"\ttimeout = 30s\n",
		"\t\t\"--timeout\" = {\n\t\t\tvalue = \"$demo_thing_timeout$\"\n\t\t\tdescription = \"seconds before the check gives up with UNKNOWN\"\n\t\t}\n",
		"\t\t\"--verbose\" = {\n\t\t\tset_if = \"$demo_thing_verbose$\"\n",
		"\t\t\"--policy\" = {\n\t\t\tvalue = \"$demo_thing_policy$\"\n\t\t\tdescription = \"the shared guardrail policy file (YAML) (default /etc/guardrail/policy.yaml)\"\n",
		"\t\t\"--root\" = {\n\t\t\tvalue = \"$demo_thing_root$\"\n\t\t\tdescription = \"treat DIR as / (default /)\"\n",
		`description = "a \"quoted\" \\ RANGE"`,
		"\t\t\"--only-critical\" = {\n\t\t\tset_if = \"$demo_thing_only_critical$\"\n",
		"\t\t\"--include\" = {\n\t\t\tvalue = \"$demo_thing_include$\"\n\t\t\trepeat_key = true\n\t\t\tdescription = \"only REGEX (an array)\"\n",
		"\t\t\"--host\" = {\n\t\t\tvalue = \"$demo_thing_host$\"\n\t\t\tdescription = \"device to ask (e.g. \\\"$address$\\\" to poll the Icinga host)\"\n",
		"\t\t\tdescription = \"SNMP port (default 161)\"\n",
		"\t\t\tdescription = \"age (default 1m30s)\"\n",
		"\t\t\tdescription = \"sites (an array) (default a, b)\"\n",
		"\t}\n\n\t// read by the plugin from its environment, so they stay out of ps(1)\n\tenv = {\n\t\t\"GUARDRAIL_SNMP_COMMUNITY\" = \"$demo_thing_community$\" // --community\n\t}\n\n\tvars.demo_thing_timeout = 10\n}\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	for _, bad := range []string{`"--community" =`, "--format", "--help", "--version", "vars.demo_thing_policy", "vars.demo_thing_host", "vars.demo_thing_port", "vars.demo_thing_root", "vars.demo_thing_site", "vars.demo_thing_max_age", "vars.demo_thing_include", "vars.demo_thing_warning", "vars.demo_thing_only_critical"} {
		if strings.Contains(got, bad) {
			t.Errorf("unexpected %q in\n%s", bad, got)
		}
	}
}

type oddFlag struct{ cli.StringFlag }

func TestRenderRefuses(t *testing.T) {
	cases := map[string]plugin.Spec{
		"not check_":   {Name: "demo", Usage: "x"},
		"unknown type": spec(&oddFlag{cli.StringFlag{Name: "odd", Value: "x"}}),
		"twice":        spec(&cli.StringFlag{Name: "root"}, &cli.StringFlag{Name: "root"}),
		"bool in env":  spec(&cli.BoolFlag{Name: "secret", EnvVars: []string{"X"}}),
	}
	for name, s := range cases {
		if _, err := Render([]plugin.Spec{s}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// Any usage text becomes one well-formed Icinga 2 string literal: no raw
// line break and no quote that ends it early.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", `a "b" c`, `back\slash`, "line\nbreak", "$macro$", "tab\there", `\"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := quote(s)
		if len(q) < 2 || q[0] != '"' || q[len(q)-1] != '"' || strings.ContainsAny(q, "\n\r\t") {
			t.Fatalf("quote(%q) = %s", s, q)
		}
		body := q[1 : len(q)-1]
		for i := 0; i < len(body); i++ {
			switch body[i] {
			case '\\':
				if i == len(body)-1 {
					t.Fatalf("quote(%q) = %s: ends in an escape", s, q)
				}
				i++ // the escaped character
			case '"':
				t.Fatalf("quote(%q) = %s: bare quote", s, q)
			}
		}
	})
}
