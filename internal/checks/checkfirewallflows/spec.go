// Package checkfirewallflows is check_firewall_flows: do the host's (or given)
// packet-filter rulesets really allow the declared application flows, and
// keep the forbidden ones closed?
package checkfirewallflows

import (
	"context"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/live"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

// Spec is check_firewall_flows.
func Spec() plugin.Spec {
	return plugin.Spec{
		Name:  "check_firewall_flows",
		Label: "FIREWALL FLOWS",
		Usage: "do iptables/nftables rulesets, firewall configurations (Cisco IOS and ASA, Juniper SRX, PAN-OS, FortiOS) or AWS security groups and network ACLs allow the declared application flows (and block the forbidden ones)",
		Description: "Reads application flows (AlgoSec format: sources, destinations, services; expect allow or deny) and rulesets,\n" +
			"and decides over address and port intervals, not samples, whether every connection of a flow gets through:\n" +
			"its first packet (NEW), the replies and the client's later packets (ESTABLISHED) must all be accepted.\n" +
			"A flow is allowed, blocked or partial (with a witness connection and the rule that decided it), or unknown\n" +
			"where rules the engine does not model could change the answer. With no ruleset given, the live host's\n" +
			"iptables-save and ip6tables-save output is read (needs root). A device configuration (--cisco-acl, --asa,\n" +
			"--junos-srx, --panos, --fortios, --aws-nacl) is judged on the path each flow takes through it: the interfaces\n" +
			"or zones its addresses select, or --from-interface/--to-interface, --from-zone/--to-zone; a flow with no such\n" +
			"path is unknown, and so is one that depends on a line the reader did not understand (listed with file:line).\n" +
			"Any blocked or partial required flow, or open forbidden flow, is CRITICAL; -w/-c ranges on the number of\n" +
			"failing flows soften that.",
		Flags:   flags(),
		Options: plugin.Bind(parseOptions, Options.check),
	}
}

// check gathers (flows, rulesets, the live host's routes and addresses, the
// probe's connects), judges (the engine's answer per flow, then the
// status) and reports.
func (o Options) check(ctx context.Context, env *plugin.Env) (plugin.Result, error) {
	pol, err := policy.Load(env.PolicyPath, env.PolicyExplicit)
	if err != nil {
		return plugin.Result{}, err
	}
	fl, err := o.readFlows(pol)
	if err != nil {
		return plugin.Result{}, err
	}
	if o.Device != nil {
		d, err := o.readDevice()
		if err != nil {
			return plugin.Result{}, err
		}
		results := EvaluateDevice(d, fl)
		if err := ctx.Err(); err != nil {
			return plugin.Result{}, err
		}
		return Report(Judge(results, o.Failing, nil), Scope{Ruleset: d.Source, Device: true, Notes: d.Notes}, env.Verbose), nil
	}
	rs, err := o.readRulesets(ctx)
	if err != nil {
		return plugin.Result{}, err
	}
	en, err := firewall.NewEngine(rs, o.Hook)
	if err != nil {
		return plugin.Result{}, err
	}
	scope := Scope{Ruleset: rs.Source, Hook: o.Hook}
	en.SetInterfaces(o.Ifaces)
	if o.Live() {
		// Live: interfaces come from the host's routes, not assumptions.
		if routes, err := live.Read(); err == nil {
			en.SetRouter(routes.Iface)
		} else {
			scope.RoutesErr = err
		}
	}
	switch {
	case o.LocalAddrs != nil:
		en.SetLocalAddrs(*o.LocalAddrs)
	case o.Live():
		var local firewall.AddrSet
		for _, a := range live.LocalAddrs() {
			local = local.Union(firewall.AddrOf(a))
		}
		en.SetLocalAddrs(local)
	}
	results := Evaluate(en, fl)
	if err := ctx.Err(); err != nil {
		return plugin.Result{}, err
	}
	var probe *ProbeOutcome
	if o.Probe {
		probe = runProbe(ctx, en, results)
	}
	return Report(Judge(results, o.Failing, probe), scope, env.Verbose), nil
}
