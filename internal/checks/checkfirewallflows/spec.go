// Package firewallflows is check_firewall_flows: do the host's (or given)
// packet-filter rulesets really allow the declared application flows, and
// keep the forbidden ones closed?
package checkfirewallflows

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/awssg"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/iptables"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/live"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/nftables"
	"github.com/guardrail-monitoring/guardrail/internal/flows"
	"github.com/guardrail-monitoring/guardrail/internal/located"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

// maxInput bounds every file and command output read.
const maxInput = 256 << 20

// Spec is check_firewall_flows.
func Spec() plugin.Spec {
	return plugin.Spec{
		Name:  "check_firewall_flows",
		Label: "FIREWALL FLOWS",
		Usage: "do iptables/nftables/AWS security-group rulesets allow the declared application flows (and block the forbidden ones)",
		Description: "Reads application flows (AlgoSec format: sources, destinations, services; expect allow or deny) and rulesets,\n" +
			"and decides over address and port intervals, not samples, whether every connection of a flow gets through:\n" +
			"its first packet (NEW), the replies and the client's later packets (ESTABLISHED) must all be accepted.\n" +
			"A flow is allowed, blocked or partial (with a witness connection and the rule that decided it), or unknown\n" +
			"where rules the engine does not model could change the answer. With no ruleset given, the live host's\n" +
			"iptables-save and ip6tables-save output is read (needs root). Any blocked or partial required flow, or open\n" +
			"forbidden flow, is CRITICAL; -w/-c ranges on the number of failing flows soften that.",
		Flags: []cli.Flag{
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
		},
		Options: func(c *cli.Context) (plugin.Check, error) {
			return func(ctx context.Context, env *plugin.Env) (plugin.Result, error) { return check(ctx, env, c) }, nil
		},
	}
}

func check(ctx context.Context, env *plugin.Env, c *cli.Context) (plugin.Result, error) {
	th, err := plugin.ParseThresholds(c.String("warning"), c.String("critical"))
	if err != nil {
		return plugin.Result{}, fmt.Errorf("bad arguments: %v", err)
	}
	hook, ok := firewall.ParseHook(c.String("hook"))
	if !ok || (hook != firewall.HookInput && hook != firewall.HookForward && hook != firewall.HookOutput) {
		return plugin.Result{}, fmt.Errorf("bad arguments: --hook %q: want input, forward or output", c.String("hook"))
	}
	pol, err := policy.Load(env.PolicyPath, env.PolicyExplicit)
	if err != nil {
		return plugin.Result{}, err
	}
	in := &inputs{}
	fl, err := readFlows(in, c.String("flows"), pol)
	if err != nil {
		return plugin.Result{}, err
	}
	rs, notes, err := readRulesets(ctx, in, c)
	if err != nil {
		return plugin.Result{}, err
	}
	en, err := firewall.NewEngine(rs, hook)
	if err != nil {
		return plugin.Result{}, err
	}
	en.SetInterfaces(firewall.Interfaces{In: c.String("in-iface"), Out: c.String("out-iface")})
	if liveRead(c) {
		// Live: interfaces come from the host's routes, not assumptions.
		if routes, err := live.Read(); err == nil {
			en.SetRouter(routes.Iface)
		} else {
			notes = append(notes, "interfaces assumed: "+err.Error())
		}
	}
	if v := c.String("local-addrs"); v != "" {
		var local firewall.AddrSet
		for _, part := range strings.Split(v, ",") {
			s, ok, err := flows.ParseAddrs(strings.TrimSpace(part))
			if err != nil || !ok {
				return plugin.Result{}, fmt.Errorf("bad arguments: --local-addrs %q: want addresses or CIDRs", part)
			}
			local = local.Union(s)
		}
		en.SetLocalAddrs(local)
	} else if liveRead(c) {
		var local firewall.AddrSet
		for _, a := range localAddrs() {
			local = local.Union(firewall.AddrOf(a))
		}
		en.SetLocalAddrs(local)
	}
	results := Judge(en, fl)
	if err := ctx.Err(); err != nil {
		return plugin.Result{}, err
	}
	notes = append(notes, "ruleset: "+rs.Source+", hook "+hook.String())
	var dis []Disagreement
	if c.Bool("probe") {
		targets := probeTargets(en, results, localAddrs())
		each := 2 * time.Second
		if dl, ok := ctx.Deadline(); ok && len(targets) > 0 {
			if share := time.Until(dl) / time.Duration(len(targets)+1); share < each {
				each = share
			}
		}
		dis = probe(ctx, targets, each)
		notes = append(notes, fmt.Sprintf("probe: %d connections tried, %d disagree with the rules", len(targets), len(dis)))
		for _, d := range dis {
			notes = append(notes, fmt.Sprintf("PROBE DISAGREES %s: %s: rules say %s, connect %s", d.Flow, d.Conn, d.Engine, d.Kernel))
		}
	}
	res := Report(results, th, env.Verbose, notes)
	if c.Bool("probe") {
		res.Perf = append(res.Perf, plugin.Count("probe_disagree", len(dis), plugin.Thresholds{}))
		if len(dis) > 0 {
			res.Status = plugin.Worse(res.Status, plugin.Warning)
			res.Summary += fmt.Sprintf("; %d probe %s", len(dis), plural(len(dis), "disagrees with the rules", "disagree with the rules"))
		}
	}
	return res, nil
}

// inputs reads files, with "-" meaning stdin (once).
type inputs struct{ stdinUsed bool }

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
}

func (in *inputs) read(flag, name string) ([]byte, error) {
	if name == located.Stdin {
		if in.stdinUsed {
			return nil, fmt.Errorf("bad arguments: --%s -: stdin is already used by another flag", flag)
		}
		in.stdinUsed = true
	}
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

func readFlows(in *inputs, file string, pol *policy.Policy) ([]flows.Flow, error) {
	eph, err := flows.Ephemeral(&pol.Flows)
	if e, ok := located.As(err); ok {
		e.File = pol.File
		return nil, e
	}
	if file == "" {
		if len(pol.Flows.Applications) == 0 {
			return nil, errors.New("no flows: give --flows FILE or flows.applications in the policy")
		}
		return flows.Resolve("policy", pol.File, pol.Flows.Applications, flows.NewNames(&pol.Flows), eph)
	}
	data, err := in.read("flows", file)
	if err != nil {
		return nil, err
	}
	name := file
	if file == "-" {
		name = "(stdin)"
	}
	pf, err := policy.ParseFlows(name, data)
	if err != nil {
		return nil, err
	}
	return flows.Resolve("flows", name, pf.Applications, flows.NewNames(pf, &pol.Flows), eph)
}

func readRulesets(ctx context.Context, in *inputs, c *cli.Context) (*firewall.Ruleset, []string, error) {
	var parts []*firewall.Ruleset
	var notes []string
	add := func(flag string, fam firewall.Family) error {
		for _, file := range c.StringSlice(flag) {
			data, err := in.read(flag, file)
			if err != nil {
				return err
			}
			rs, err := iptables.Parse(displayName(file), data, fam)
			if err != nil {
				return err
			}
			parts = append(parts, rs)
		}
		return nil
	}
	if err := add("iptables", firewall.FamilyAny); err != nil {
		return nil, nil, err
	}
	if err := add("ip6tables", firewall.FamilyIPv6); err != nil {
		return nil, nil, err
	}
	if f := c.String("nftables"); f != "" {
		data, err := in.read("nftables", f)
		if err != nil {
			return nil, nil, err
		}
		rs, err := nftables.Parse(displayName(f), data)
		if err != nil {
			return nil, nil, err
		}
		parts = append(parts, rs)
	}
	if f := c.String("aws-sg"); f != "" {
		rs, err := readAWS(in, c, f)
		if err != nil {
			return nil, nil, err
		}
		parts = append(parts, rs)
	} else if c.String("aws-sg-ids") != "" || c.String("aws-instances") != "" {
		return nil, nil, errors.New("bad arguments: --aws-sg-ids and --aws-instances need --aws-sg FILE")
	}
	if len(parts) == 0 {
		live, err := readLive(ctx)
		if err != nil {
			return nil, nil, err
		}
		parts = live
	}
	rs := merge(parts)
	if f := c.String("ipset"); f != "" {
		data, err := in.read("ipset", f)
		if err != nil {
			return nil, nil, err
		}
		sets, err := iptables.ParseIPSet(displayName(f), data)
		if err != nil {
			return nil, nil, err
		}
		if rs.Sets == nil {
			rs.Sets = map[string]*firewall.Set{}
		}
		for k, v := range sets {
			rs.Sets[k] = v
		}
	}
	return rs, notes, nil
}

// readAWS builds the model of the security groups that apply.
func readAWS(in *inputs, c *cli.Context, file string) (*firewall.Ruleset, error) {
	data, err := in.read("aws-sg", file)
	if err != nil {
		return nil, err
	}
	groups, err := awssg.Parse(displayName(file), data)
	if err != nil {
		return nil, err
	}
	var members *awssg.Members
	if f := c.String("aws-instances"); f != "" {
		d, err := in.read("aws-instances", f)
		if err != nil {
			return nil, err
		}
		if members, err = awssg.ParseMembers(displayName(f), d); err != nil {
			return nil, err
		}
	}
	var ids []string
	for _, id := range strings.Split(c.String("aws-sg-ids"), ",") {
		id = strings.TrimSpace(id)
		switch {
		case id == "":
		case strings.HasPrefix(id, "i-") || strings.HasPrefix(id, "eni-"):
			if members == nil {
				return nil, fmt.Errorf("bad arguments: --aws-sg-ids %s: an instance or interface needs --aws-instances", id)
			}
			g := members.GroupsOf(id)
			if g == nil {
				return nil, fmt.Errorf("--aws-sg-ids %s: not in %s", id, members.File)
			}
			ids = append(ids, g...)
		default:
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		if len(groups.List) != 1 {
			return nil, fmt.Errorf("bad arguments: %s holds %d security groups: say which apply with --aws-sg-ids", file, len(groups.List))
		}
		ids = []string{groups.List[0].ID}
	}
	return groups.Ruleset(ids, members)
}

// liveRead: no ruleset file was given, so the live host's rules are judged.
func liveRead(c *cli.Context) bool {
	return len(c.StringSlice("iptables")) == 0 && len(c.StringSlice("ip6tables")) == 0 && c.String("nftables") == "" && c.String("aws-sg") == ""
}

func displayName(file string) string {
	if file == "-" {
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

// live commands: fixed names under /usr/sbin, argument slices, no shell.
var liveCommands = []struct {
	path      string
	fam       firewall.Family
	nftFamily string
}{
	{"/usr/sbin/iptables-save", firewall.FamilyIPv4, "ip"},
	{"/usr/sbin/ip6tables-save", firewall.FamilyIPv6, "ip6"},
}

// readLive reads the live host's rules (root needed: see the sudoers example
// in packaging/): nft -j list ruleset, with iptables-nft's tables taken from
// iptables-save and ip6tables-save; without nft, those two alone.
func readLive(ctx context.Context) ([]*firewall.Ruleset, error) {
	if err := refuseLegacy(ctx); err != nil {
		return nil, err
	}
	// nft first: it shows every table, iptables-nft's included.
	if _, err := os.Stat(nftPath); err == nil {
		if data, err := runBounded(ctx, nftPath, "-j", "list", "ruleset"); err == nil {
			var out []*firewall.Ruleset
			if hasXT(data) {
				// iptables-nft tables: exact from iptables-save, the rest from nft.
				drop := map[[2]string]bool{}
				saved, err := readIPTablesSave(ctx)
				if err != nil {
					return nil, err
				}
				for _, s := range saved {
					for _, t := range savedTables(s.raw) {
						if iptablesTables[t] {
							drop[[2]string{s.nftFamily, t}] = true
						}
					}
					out = append(out, s.rs)
				}
				if data, err = withoutTables(data, drop); err != nil {
					return nil, err
				}
			}
			rs, err := nftables.Parse(nftPath, data)
			if err != nil {
				return nil, err
			}
			rs.Source = nftPath + " -j list ruleset"
			return append(out, rs), nil
		}
	}
	saved, err := readIPTablesSave(ctx)
	if err != nil {
		return nil, err
	}
	var out []*firewall.Ruleset
	for _, s := range saved {
		out = append(out, s.rs)
	}
	return out, nil
}

type saved struct {
	rs        *firewall.Ruleset
	raw       []byte
	nftFamily string
}

// readIPTablesSave runs iptables-save and ip6tables-save.
func readIPTablesSave(ctx context.Context) ([]saved, error) {
	var out []saved
	for _, lc := range liveCommands {
		data, err := runBounded(ctx, lc.path)
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(data)) == 0 {
			// No tables loaded: nothing filters this family.
			out = append(out, saved{rs: &firewall.Ruleset{Source: lc.path + " (empty)", Families: []firewall.Family{lc.fam}}, nftFamily: lc.nftFamily})
			continue
		}
		rs, err := iptables.Parse(lc.path, data, lc.fam)
		if err != nil {
			return nil, err
		}
		rs.Source = lc.path
		out = append(out, saved{rs: rs, raw: data, nftFamily: lc.nftFamily})
	}
	return out, nil
}

// nftPath is nft's fixed place on Debian and Ubuntu.
const nftPath = "/usr/sbin/nft"

// runBounded runs path with fixed arguments: directly as root, else through
// "sudo -n" (packaging/sudoers/guardrail grants exactly these commands).
func runBounded(ctx context.Context, path string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	if os.Geteuid() != 0 {
		cmd = exec.CommandContext(ctx, "/usr/bin/sudo", append([]string{"-n", path}, args...)...)
	}
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	var stderr bytes.Buffer
	cmd.Stderr = &limitWriter{w: &stderr, n: 4096}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %v (give --iptables FILE, or install iptables)", path, err)
	}
	data, rerr := io.ReadAll(io.LimitReader(stdout, maxInput+1))
	if len(data) > maxInput {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return nil, fmt.Errorf("%s: output larger than %d MiB", path, maxInput>>20)
	}
	werr := cmd.Wait()
	if rerr != nil {
		return nil, fmt.Errorf("%s: %v", path, rerr)
	}
	if werr != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = werr.Error()
		}
		return nil, fmt.Errorf("%s: %s (needs root: see the sudoers example)", path, msg)
	}
	return data, nil
}

type limitWriter struct {
	w io.Writer
	n int
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		q := p
		if len(q) > l.n {
			q = q[:l.n]
		}
		l.n -= len(q)
		_, _ = l.w.Write(q)
	}
	return len(p), nil
}
