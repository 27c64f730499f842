// Command check_firewall_flows is a Nagios/NRPE/Icinga plugin: do the
// firewall rulesets allow the declared application flows?
package main

import (
	"os"

	"github.com/guardrail-monitoring/guardrail/internal/checks/checkfirewallflows"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

func main() { os.Exit(plugin.Main(checkfirewallflows.Spec(), os.Args, os.Stdout, os.Stderr)) }
