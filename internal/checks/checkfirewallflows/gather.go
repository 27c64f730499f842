package checkfirewallflows

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/asa"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/awsnacl"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/awssg"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/ciscoacl"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/fortios"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/iptables"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/live"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/nftables"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/panos"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/srx"
	"github.com/guardrail-monitoring/guardrail/internal/flows"
	"github.com/guardrail-monitoring/guardrail/internal/located"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

// limits bound each input as read (counted, so /dev/zero or a FIFO ends at
// the bound): a flows file is hand-made or exported, a ruleset may be large
// (tens of thousands of Kubernetes rules are a few MiB).
var limits = map[string]located.Limit{
	"flows":         {Kind: "flows", Bytes: 16 << 20},
	"iptables":      {Kind: "iptables", Bytes: 64 << 20},
	"ip6tables":     {Kind: "ip6tables", Bytes: 64 << 20},
	"nftables":      {Kind: "nftables", Bytes: 64 << 20},
	"aws-sg":        {Kind: "aws-sg", Bytes: 64 << 20},
	"aws-instances": {Kind: "aws-instances", Bytes: 64 << 20},
	"ipset":         {Kind: "ipset", Bytes: 64 << 20},
	"cisco-acl":     {Kind: ciscoacl.Kind, Bytes: device.MaxConfig},
	"asa":           {Kind: asa.Kind, Bytes: device.MaxConfig},
	"junos-srx":     {Kind: srx.Kind, Bytes: device.MaxConfig},
	"panos":         {Kind: panos.Kind, Bytes: device.MaxConfig},
	"fortios":       {Kind: fortios.Kind, Bytes: device.MaxConfig},
	"aws-nacl":      {Kind: awsnacl.Kind, Bytes: awsnacl.MaxInput},
}

// read reads the file of a flag ("-" is stdin, which parseOptions lets one
// flag at most use) up to the flag's limit.
func read(flag, name string) ([]byte, error) {
	limit, ok := limits[flag]
	if !ok {
		limit = located.Limit{Kind: flag, Bytes: 64 << 20}
	}
	r, err := located.Open(name, limit)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return readChunks(r)
}

// readChunks reads r to its end in 1 MiB chunks joined once at the end, so
// a read that ends at its limit costs about twice the limit, not the four
// times a doubling buffer would.
func readChunks(r io.Reader) ([]byte, error) {
	var chunks [][]byte
	total := 0
	for {
		buf := make([]byte, 1<<20)
		n, err := io.ReadFull(r, buf)
		chunks = append(chunks, buf[:n])
		total += n
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	out := make([]byte, 0, total)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return out, nil
}

// readFlows reads the flows of --flows, or else the policy's.
func (o Options) readFlows(pol *policy.Policy) ([]flows.Flow, error) {
	eph, err := flows.Ephemeral(&pol.Flows)
	if e, ok := located.As(err); ok {
		e.File = pol.File
		return nil, e
	}
	if o.Flows == "" {
		if len(pol.Flows.Applications) == 0 {
			return nil, errors.New("no flows: give --flows FILE or flows.applications in the policy")
		}
		return flows.Resolve("policy", pol.File, pol.Flows.Applications, flows.NewNames(&pol.Flows), eph)
	}
	data, err := read("flows", o.Flows)
	if err != nil {
		return nil, err
	}
	name := displayName(o.Flows)
	pf, err := policy.ParseFlows(name, data)
	if err != nil {
		return nil, err
	}
	return flows.Resolve("flows", name, pf.Applications, flows.NewNames(pf, &pol.Flows), eph)
}

// readRulesets reads the ruleset files given, or else the live host's, and
// the ipset file; all of them make one ruleset.
func (o Options) readRulesets(ctx context.Context) (*firewall.Ruleset, error) {
	var parts []*firewall.Ruleset
	add := func(flag string, files []string, parse func(name string, data []byte) (*firewall.Ruleset, error)) error {
		for _, file := range files {
			data, err := read(flag, file)
			if err != nil {
				return err
			}
			rs, err := parse(displayName(file), data)
			if err != nil {
				return err
			}
			parts = append(parts, rs)
		}
		return nil
	}
	family := func(fam firewall.Family) func(string, []byte) (*firewall.Ruleset, error) {
		return func(name string, data []byte) (*firewall.Ruleset, error) { return iptables.Parse(name, data, fam) }
	}
	if err := add("iptables", o.IPTables, family(firewall.FamilyAny)); err != nil {
		return nil, err
	}
	if err := add("ip6tables", o.IP6Tables, family(firewall.FamilyIPv6)); err != nil {
		return nil, err
	}
	if o.NFTables != "" {
		if err := add("nftables", []string{o.NFTables}, nftables.Parse); err != nil {
			return nil, err
		}
	}
	if o.AWSSG != "" {
		rs, err := o.readAWS()
		if err != nil {
			return nil, err
		}
		parts = append(parts, rs)
	}
	if o.Live() {
		lv, err := live.Rulesets(ctx)
		if err != nil {
			return nil, err
		}
		parts = lv
	}
	rs := merge(parts)
	if f := o.IPSet; f != "" {
		data, err := read("ipset", f)
		if err != nil {
			return nil, err
		}
		sets, err := iptables.ParseIPSet(displayName(f), data)
		if err != nil {
			return nil, err
		}
		if rs.Sets == nil {
			rs.Sets = map[string]*firewall.Set{}
		}
		for k, v := range sets {
			rs.Sets[k] = v
		}
	}
	return rs, nil
}

// readAWS builds the model of the security groups that apply.
func (o Options) readAWS() (*firewall.Ruleset, error) {
	file := o.AWSSG
	data, err := read("aws-sg", file)
	if err != nil {
		return nil, err
	}
	groups, err := awssg.Parse(displayName(file), data)
	if err != nil {
		return nil, err
	}
	var members *awssg.Members
	if f := o.AWSInstances; f != "" {
		d, err := read("aws-instances", f)
		if err != nil {
			return nil, err
		}
		if members, err = awssg.ParseMembers(displayName(f), d); err != nil {
			return nil, err
		}
	}
	var ids []string
	for _, id := range o.AWSSGIDs {
		if strings.HasPrefix(id, "i-") || strings.HasPrefix(id, "eni-") {
			g := members.GroupsOf(id) // parseOptions saw --aws-instances
			if g == nil {
				return nil, fmt.Errorf("--aws-sg-ids %s: not in %s", id, members.File)
			}
			ids = append(ids, g...)
			continue
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		if len(groups.List) != 1 {
			return nil, plugin.Usagef("%s holds %d security groups: say which apply with --aws-sg-ids", file, len(groups.List))
		}
		ids = []string{groups.List[0].ID}
	}
	return groups.Ruleset(ids, members)
}

func displayName(file string) string {
	if file == located.Stdin {
		return "(stdin)"
	}
	return file
}

// merge puts rulesets for different families (or layers) side by side.
func merge(parts []*firewall.Ruleset) *firewall.Ruleset {
	if len(parts) == 1 {
		return parts[0]
	}
	out := &firewall.Ruleset{Sets: map[string]*firewall.Set{}}
	var sources []string
	all := false
	for _, p := range parts {
		sources = append(sources, p.Source)
		out.Tables = append(out.Tables, p.Tables...)
		for k, v := range p.Sets {
			out.Sets[k] = v
		}
		if len(p.Families) == 0 {
			all = true
		}
		out.Families = append(out.Families, p.Families...)
		out.Stateless = out.Stateless || p.Stateless
	}
	if all {
		out.Families = nil
	}
	out.Source = strings.Join(sources, " + ")
	return out
}

// readDevice reads the device configuration of --cisco-acl, --asa, ...
// (and for --aws-nacl the interfaces and groups beside it).
func (o Options) readDevice() (*Device, error) {
	d := o.Device
	data, err := read(string(d.Vendor), d.File)
	if err != nil {
		return nil, err
	}
	name := displayName(d.File)
	fixed := func(kind string, ifaces []device.Interface, path func(from, to string, src, dst firewall.AddrSet) (device.Path, error), engine func(device.Path) (*firewall.Engine, error), notes []device.Note) (*Device, error) {
		zones := d.Vendor.zoned()
		if err := named(d, ifaces, name); err != nil {
			return nil, err
		}
		return &Device{
			Source: kind + " " + name,
			Notes:  fileNotes(name, notes),
			route: func(src, dst firewall.AddrSet) (Route, error) {
				p, err := path(d.From, d.To, src, dst)
				return Route{Path: p, Zones: zones}, err
			},
			judge: func(r Route) (*firewall.Engine, error) { return engine(r.Path) },
		}, nil
	}
	switch d.Vendor {
	case VendorIOS:
		c, err := ciscoacl.Read(name, data)
		if err != nil {
			return nil, err
		}
		if d.ACL != "" {
			if c.ACLs[d.ACL] == nil {
				return nil, plugin.Usagef("--acl %s: no access list %s in %s", d.ACL, d.ACL, name)
			}
			// The list alone judges the flows' packets, on no path.
			return &Device{Source: ciscoacl.Kind + " " + name + ", access list " + d.ACL, Notes: fileNotes(name, c.Notes),
				route: func(_, _ firewall.AddrSet) (Route, error) { return Route{}, nil },
				judge: func(Route) (*firewall.Engine, error) { return c.Engine(d.ACL, device.Path{}) }}, nil
		}
		return fixed(ciscoacl.Kind, c.Ifaces(), c.Path, func(p device.Path) (*firewall.Engine, error) { return c.Engine("", p) }, c.Notes)
	case VendorASA:
		c, err := asa.Read(name, data)
		if err != nil {
			return nil, err
		}
		return fixed(asa.Kind, c.Ifaces(), c.Path, c.Engine, c.Notes)
	case VendorSRX:
		c, err := srx.Read(name, data)
		if err != nil {
			return nil, err
		}
		return fixed(srx.Kind, c.Ifaces(), c.Path, c.Engine, c.Notes)
	case VendorPANOS:
		c, err := panos.Read(name, data)
		if err != nil {
			return nil, err
		}
		return fixed(panos.Kind, c.Ifaces(), c.Path, c.Engine, c.Notes)
	case VendorFortiOS:
		c, err := fortios.Read(name, data)
		if err != nil {
			return nil, err
		}
		return fixed(fortios.Kind, c.Ifaces(), c.Path, c.Engine, c.Notes)
	case VendorAWSNACL:
		return o.readNACL(name, data)
	}
	return nil, fmt.Errorf("--%s: no reader", d.Vendor) // parseOptions knows every vendor
}

// readNACL reads the network ACLs, the interfaces of --aws-instances
// (each end's subnet and groups) and, with --aws-sg, the groups.
func (o Options) readNACL(name string, data []byte) (*Device, error) {
	acls, err := awsnacl.Read(name, data)
	if err != nil {
		return nil, err
	}
	eniData, err := read("aws-instances", o.AWSInstances)
	if err != nil {
		return nil, err
	}
	eniName := displayName(o.AWSInstances)
	enis, err := awsnacl.ReadInterfaces(eniName, eniData)
	if err != nil {
		return nil, err
	}
	source := awsnacl.Kind + " " + name + " on " + awsnacl.KindENI + " " + eniName
	var groups *awssg.Groups
	var members *awssg.Members
	if o.AWSSG != "" {
		sg, err := read("aws-sg", o.AWSSG)
		if err != nil {
			return nil, err
		}
		if groups, err = awssg.Parse(displayName(o.AWSSG), sg); err != nil {
			return nil, err
		}
		if members, err = awssg.ParseMembers(eniName, eniData); err != nil {
			return nil, err
		}
		source += " with security groups " + displayName(o.AWSSG)
	}
	return &Device{
		Source: source,
		route: func(src, dst firewall.AddrSet) (Route, error) {
			p, err := enis.PathOf(src, dst)
			return Route{NACL: p}, err
		},
		judge: func(r Route) (*firewall.Engine, error) { return acls.Engine(r.NACL, groups, members) },
	}, nil
}

// named checks that the interfaces or zones the path flags name are in
// the configuration: a name that is not is a bad argument, not a question
// about every flow.
func named(d *DeviceOptions, ifaces []device.Interface, file string) error {
	what, flag := "interface", "interface"
	if d.Vendor.zoned() {
		what, flag = "zone", "zone"
	}
	var have []string
	for _, i := range ifaces {
		have = append(have, i.Name)
	}
	for _, n := range []struct{ dir, name string }{{"from", d.From}, {"to", d.To}} {
		if n.name == "" || slices.Contains(have, n.name) {
			continue
		}
		sort.Strings(have)
		list := strings.Join(have, ", ")
		if list == "" {
			list = "none"
		}
		return plugin.Usagef("--%s-%s %s: no %s %s in %s (have %s)", n.dir, flag, n.name, what, n.name, file, list)
	}
	return nil
}

func fileNotes(file string, notes []device.Note) []FileNote {
	out := make([]FileNote, 0, len(notes))
	for _, n := range notes {
		out = append(out, FileNote{File: file, Note: n})
	}
	return out
}
