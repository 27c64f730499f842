package checkfirewallflows

import (
	"errors"
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/flows"
	"github.com/guardrail-monitoring/guardrail/internal/located"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

// flags are check_firewall_flows's own flags; parseOptions reads each once.
func flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "flows", Usage: "application flows `FILE` (JSON or YAML, AlgoSec format; - for stdin); default: the policy's flows.applications"},
		&cli.StringSliceFlag{Name: "iptables", Usage: "iptables-save (or ip6tables-save) output `FILE`; repeat for IPv4 and IPv6 (- for stdin)"},
		&cli.StringSliceFlag{Name: "ip6tables", Usage: "ip6tables-save output `FILE`"},
		&cli.StringFlag{Name: "nftables", Usage: "`nft -j list ruleset` output FILE (- for stdin)"},
		&cli.StringFlag{Name: "aws-sg", Usage: "`aws ec2 describe-security-groups` output FILE"},
		&cli.StringFlag{Name: "aws-sg-ids", Usage: "the security groups that apply, comma-separated `IDS` (sg-...; an instance i-... or interface eni-... from --aws-instances stands for its groups); default: the only group of --aws-sg"},
		&cli.StringFlag{Name: "aws-instances", Usage: "`aws ec2 describe-network-interfaces` or describe-instances output FILE, to resolve rules that name other groups"},
		&cli.StringFlag{Name: "ipset", Usage: "ipset save output `FILE` for -m set matches (without it those rules are unknown)"},
		&cli.StringFlag{Name: "hook", Value: "forward", Usage: "where the flows meet the filter: input, forward or output"},
		&cli.StringFlag{Name: "in-iface", Usage: "interface `NAME` the flows' clients are behind (for -i/-o rules; without it those conditions are assumed to hold, and -v lists them)"},
		&cli.StringFlag{Name: "out-iface", Usage: "interface `NAME` the flows' servers are behind"},
		&cli.StringFlag{Name: "local-addrs", Usage: "this firewall host's own addresses, `LIST` of comma-separated addresses/CIDRs (for addrtype LOCAL rules, e.g. Docker's DNAT); default: the live host's when no ruleset file is given"},
		&cli.StringFlag{Name: "warning", Aliases: []string{"w"}, Usage: "Nagios `RANGE` on the number of failing flows (instead of any = CRITICAL)"},
		&cli.StringFlag{Name: "critical", Aliases: []string{"c"}, Usage: "Nagios `RANGE` on the number of failing flows"},
		&cli.BoolFlag{Name: "probe", Usage: "also connect for real (TCP, at most 64 connections, within -t) from this host's addresses that are flow sources, and report disagreements with the rules (WARNING)"},
	}
}

// Options are check_firewall_flows's flags, read and checked once. Files
// are paths as given ("-" is standard input, at most one of them).
type Options struct {
	Flows     string // "" takes the policy's flows.applications
	IPTables  []string
	IP6Tables []string
	NFTables  string
	AWSSG     string
	// AWSSGIDs are the groups, instances (i-...) and interfaces (eni-...)
	// that apply; empty means the only group of AWSSG.
	AWSSGIDs     []string
	AWSInstances string
	IPSet        string
	Hook         firewall.Hook
	Ifaces       firewall.Interfaces
	// LocalAddrs are --local-addrs; nil takes the live host's addresses
	// when no ruleset file is given.
	LocalAddrs *firewall.AddrSet
	// Failing are -w/-c on the number of failing flows.
	Failing plugin.Thresholds
	Probe   bool
}

// Live says no ruleset file was given, so the live host's rules are judged.
func (o Options) Live() bool {
	return len(o.IPTables) == 0 && len(o.IP6Tables) == 0 && o.NFTables == "" && o.AWSSG == ""
}

func parseOptions(c *cli.Context) (Options, error) {
	o := Options{
		Flows:        c.String("flows"),
		IPTables:     c.StringSlice("iptables"),
		IP6Tables:    c.StringSlice("ip6tables"),
		NFTables:     c.String("nftables"),
		AWSSG:        c.String("aws-sg"),
		AWSInstances: c.String("aws-instances"),
		IPSet:        c.String("ipset"),
		Ifaces:       firewall.Interfaces{In: c.String("in-iface"), Out: c.String("out-iface")},
		Probe:        c.Bool("probe"),
	}
	var err error
	if o.Failing, err = plugin.ParseThresholds(c.String("warning"), c.String("critical")); err != nil {
		return o, err
	}
	hook, ok := firewall.ParseHook(c.String("hook"))
	if !ok || (hook != firewall.HookInput && hook != firewall.HookForward && hook != firewall.HookOutput) {
		return o, fmt.Errorf("--hook %q: want input, forward or output", c.String("hook"))
	}
	o.Hook = hook
	if v := c.String("local-addrs"); v != "" {
		if o.LocalAddrs, err = parseAddrList(v); err != nil {
			return o, err
		}
	}
	ids := c.String("aws-sg-ids")
	if o.AWSSG == "" && (ids != "" || o.AWSInstances != "") {
		return o, errors.New("--aws-sg-ids and --aws-instances need --aws-sg FILE")
	}
	if o.AWSSGIDs, err = parseGroupIDs(ids, o.AWSInstances != ""); err != nil {
		return o, err
	}
	return o, o.stdinOnce()
}

// parseAddrList reads --local-addrs: comma-separated addresses or CIDRs.
func parseAddrList(v string) (*firewall.AddrSet, error) {
	var local firewall.AddrSet
	for _, part := range strings.Split(v, ",") {
		s, ok, err := flows.ParseAddrs(strings.TrimSpace(part))
		if err != nil || !ok {
			return nil, fmt.Errorf("--local-addrs %q: want addresses or CIDRs", part)
		}
		local = local.Union(s)
	}
	return &local, nil
}

// parseGroupIDs reads --aws-sg-ids; an instance or interface stands for its
// groups, which only --aws-instances can say.
func parseGroupIDs(v string, members bool) ([]string, error) {
	var ids []string
	for _, id := range strings.Split(v, ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if (strings.HasPrefix(id, "i-") || strings.HasPrefix(id, "eni-")) && !members {
			return nil, fmt.Errorf("--aws-sg-ids %s: an instance or interface needs --aws-instances", id)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// stdinOnce: standard input can be read by one flag only.
func (o Options) stdinOnce() error {
	var files []struct{ flag, file string }
	add := func(flag string, names ...string) {
		for _, n := range names {
			files = append(files, struct{ flag, file string }{flag, n})
		}
	}
	add("flows", o.Flows)
	add("iptables", o.IPTables...)
	add("ip6tables", o.IP6Tables...)
	add("nftables", o.NFTables)
	add("aws-sg", o.AWSSG)
	add("aws-instances", o.AWSInstances)
	add("ipset", o.IPSet)
	used := false
	for _, f := range files {
		if f.file != located.Stdin {
			continue
		}
		if used {
			return fmt.Errorf("--%s -: stdin is already used by another flag", f.flag)
		}
		used = true
	}
	return nil
}
