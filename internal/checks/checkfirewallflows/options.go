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
	return append([]cli.Flag{
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
	}, deviceFlags()...)
}

// deviceFlags are the firewall devices' flags: one configuration file of
// one vendor, and the ingress and egress of the flows through it.
func deviceFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "cisco-acl", Usage: "Cisco IOS / IOS-XE running-config `FILE`: its access lists, on the interfaces each flow crosses"},
		&cli.StringFlag{Name: "acl", Usage: "with --cisco-acl: judge the access list `NAME` alone, on the flows' packets (default: the lists bound on the interfaces each flow crosses)"},
		&cli.StringFlag{Name: "asa", Usage: "Cisco ASA running-config `FILE` (8.3 or later)"},
		&cli.StringFlag{Name: "junos-srx", Usage: "Juniper SRX configuration `FILE` (set commands or the curly-brace form)"},
		&cli.StringFlag{Name: "panos", Usage: "PAN-OS XML configuration `FILE` (as exported)"},
		&cli.StringFlag{Name: "fortios", Usage: "FortiOS configuration `FILE` (show full-configuration or a backup)"},
		&cli.StringFlag{Name: "aws-nacl", Usage: "`aws ec2 describe-network-acls` output FILE, with --aws-instances (describe-network-interfaces) and optionally --aws-sg"},
		&cli.StringFlag{Name: "from-interface", Usage: "with --cisco-acl, --asa or --fortios: the interface `NAME` the flows enter by (as in the config; nameif on ASA); default: from the interfaces' subnets"},
		&cli.StringFlag{Name: "to-interface", Usage: "with --cisco-acl, --asa or --fortios: the interface `NAME` the flows leave by; default: from the interfaces' subnets"},
		&cli.StringFlag{Name: "from-zone", Usage: "with --junos-srx or --panos: the zone `NAME` the flows come from; default: from the zones' networks"},
		&cli.StringFlag{Name: "to-zone", Usage: "with --junos-srx or --panos: the zone `NAME` the flows go to; default: from the zones' networks"},
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
	// Device is the firewall device whose configuration is judged; nil
	// without one.
	Device *DeviceOptions
}

// Vendor names a device configuration's format by its flag.
type Vendor string

// The vendors, by their flags.
const (
	VendorIOS     Vendor = "cisco-acl"
	VendorASA     Vendor = "asa"
	VendorSRX     Vendor = "junos-srx"
	VendorPANOS   Vendor = "panos"
	VendorFortiOS Vendor = "fortios"
	VendorAWSNACL Vendor = "aws-nacl"
)

var vendors = []Vendor{VendorIOS, VendorASA, VendorSRX, VendorPANOS, VendorFortiOS, VendorAWSNACL}

// zoned says whether the vendor's paths are zones (--from-zone) rather
// than interfaces (--from-interface).
func (v Vendor) zoned() bool { return v == VendorSRX || v == VendorPANOS }

// DeviceOptions are the device flags: the one configuration file, and
// the ingress and egress (interfaces or zones) when given.
type DeviceOptions struct {
	Vendor Vendor
	File   string
	// ACL is --acl (IOS only): that list alone judges the flows.
	ACL      string
	From, To string
}

// Live says no ruleset file was given, so the live host's rules are judged.
func (o Options) Live() bool {
	return len(o.IPTables) == 0 && len(o.IP6Tables) == 0 && o.NFTables == "" && o.AWSSG == "" && o.Device == nil
}

// parseDevice reads the device flags: at most one configuration, and the
// path flags its vendor understands.
func parseDevice(c *cli.Context) (*DeviceOptions, error) {
	var d *DeviceOptions
	for _, v := range vendors {
		file := c.String(string(v))
		if file == "" {
			continue
		}
		if d != nil {
			return nil, fmt.Errorf("--%s and --%s: give one device configuration at a time (run the check once per device)", d.Vendor, v)
		}
		d = &DeviceOptions{Vendor: v, File: file}
	}
	acl := c.String("acl")
	given := func(names ...string) string {
		for _, n := range names {
			if c.String(n) != "" {
				return n
			}
		}
		return ""
	}
	if d == nil {
		if acl != "" {
			return nil, errors.New("--acl names an access list of --cisco-acl FILE: give that file")
		}
		if f := given("from-interface", "to-interface", "from-zone", "to-zone"); f != "" {
			return nil, fmt.Errorf("--%s needs a device configuration (--cisco-acl, --asa, --fortios, --junos-srx or --panos FILE)", f)
		}
		return nil, nil
	}
	if acl != "" && d.Vendor != VendorIOS {
		return nil, fmt.Errorf("--acl is for --cisco-acl, not --%s", d.Vendor)
	}
	d.ACL = acl
	switch {
	case d.Vendor == VendorAWSNACL:
		if f := given("from-interface", "to-interface", "from-zone", "to-zone"); f != "" {
			return nil, fmt.Errorf("--%s does not apply to --aws-nacl: each end of a flow is found by its address in --aws-instances", f)
		}
		if c.String("aws-instances") == "" {
			return nil, errors.New("--aws-nacl needs --aws-instances FILE (describe-network-interfaces): it gives each end's subnet and groups")
		}
		if c.String("aws-sg-ids") != "" {
			return nil, errors.New("--aws-sg-ids does not apply to --aws-nacl: each end's groups come from --aws-instances")
		}
	case d.Vendor.zoned():
		if f := given("from-interface", "to-interface"); f != "" {
			return nil, fmt.Errorf("--%s: --%s paths are zones, give --from-zone/--to-zone", f, d.Vendor)
		}
		d.From, d.To = c.String("from-zone"), c.String("to-zone")
	default:
		if f := given("from-zone", "to-zone"); f != "" {
			return nil, fmt.Errorf("--%s: --%s paths are interfaces, give --from-interface/--to-interface", f, d.Vendor)
		}
		d.From, d.To = c.String("from-interface"), c.String("to-interface")
	}
	if acl != "" && (d.From != "" || d.To != "") {
		return nil, errors.New("--acl judges that list alone: --from-interface/--to-interface do not apply")
	}
	return d, nil
}

// deviceAlone refuses what does not apply to a device's configuration:
// other rulesets (one verdict, one source) and this host's own conditions.
func (o Options) deviceAlone(c *cli.Context) error {
	flag := "--" + string(o.Device.Vendor)
	for _, n := range []string{"iptables", "ip6tables", "nftables", "ipset", "hook", "in-iface", "out-iface", "local-addrs", "probe"} {
		if c.IsSet(n) {
			return fmt.Errorf("--%s does not apply with %s: the device's configuration is judged alone, on the path each flow takes through it", n, flag)
		}
	}
	if o.AWSSG != "" && o.Device.Vendor != VendorAWSNACL {
		return fmt.Errorf("--aws-sg does not apply with %s (it goes with --aws-nacl)", flag)
	}
	return nil
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
	if o.Device, err = parseDevice(c); err != nil {
		return o, err
	}
	if o.Device != nil {
		if err := o.deviceAlone(c); err != nil {
			return o, err
		}
	}
	if o.AWSSG == "" && (ids != "" || o.AWSInstances != "") && (o.Device == nil || o.Device.Vendor != VendorAWSNACL) {
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
	if o.Device != nil {
		add(string(o.Device.Vendor), o.Device.File)
	}
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
