// Command check_firewall_flows is a Nagios/NRPE/Icinga plugin: do the
// firewall rulesets allow the declared application flows?
package main

import (
	"os"

	"github.com/guardrail-monitoring/guardrail/internal/command/firewallflows"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

func main() { os.Exit(plugin.Main(firewallflows.Spec(), os.Args, os.Stdout, os.Stderr)) }
