package checkfirewallflows

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

// parse runs the check's flags through urfave/cli and parseOptions.
func parse(t *testing.T, args ...string) (Options, error) {
	t.Helper()
	var o Options
	var perr error
	app := &cli.App{Name: "check_firewall_flows", Flags: flags(), UseShortOptionHandling: true,
		Action: func(c *cli.Context) error { o, perr = parseOptions(c); return nil }}
	if err := app.Run(append([]string{"check_firewall_flows"}, args...)); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return o, perr
}

func TestParseOptionsErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--hook", "sideways"}, `--hook "sideways": want input, forward or output`},
		{[]string{"--hook", "prerouting"}, `--hook "prerouting": want input, forward or output`},
		{[]string{"-w", "foo"}, `warning: invalid range "foo"`},
		{[]string{"--local-addrs", "192.0.2.1,nope"}, `--local-addrs "nope": want addresses or CIDRs`},
		{[]string{"--aws-sg-ids", "sg-1"}, "--aws-sg-ids and --aws-instances need --aws-sg FILE"},
		{[]string{"--aws-instances", "ni.json"}, "--aws-sg-ids and --aws-instances need --aws-sg FILE"},
		{[]string{"--aws-sg", "sg.json", "--aws-sg-ids", "sg-1, i-0abc"}, "--aws-sg-ids i-0abc: an instance or interface needs --aws-instances"},
		{[]string{"--flows", "-", "--iptables", "a.rules", "--iptables", "-"}, "--iptables -: stdin is already used by another flag"},
		{[]string{"--nftables", "-", "--ipset", "-"}, "--ipset -: stdin is already used by another flag"},
	} {
		_, err := parse(t, c.args...)
		if err == nil || len(err.Error()) < len(c.want) || err.Error()[:len(c.want)] != c.want {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}

func TestParseOptions(t *testing.T) {
	o, err := parse(t, "--iptables", "a.rules", "--iptables", "-", "--hook", "input", "--in-iface", "eth0",
		"--aws-sg", "sg.json", "--aws-sg-ids", " sg-1,,eni-2 ", "--aws-instances", "ni.json", "--local-addrs", "192.0.2.1, 10.0.0.0/8", "-w", "1", "--probe")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(o.IPTables, []string{"a.rules", "-"}) || o.Hook != firewall.HookInput || o.Ifaces.In != "eth0" ||
		!reflect.DeepEqual(o.AWSSGIDs, []string{"sg-1", "eni-2"}) || !o.Failing.IsSet() || !o.Probe || o.Live() {
		t.Errorf("%+v", o)
	}
	if o.LocalAddrs == nil || !o.LocalAddrs.Contains(netip.MustParseAddr("10.1.2.3")) || o.LocalAddrs.Contains(netip.MustParseAddr("192.0.2.2")) {
		t.Errorf("local addrs %v", o.LocalAddrs)
	}
	o, err = parse(t, "--ipset", "s.ipset")
	if err != nil || !o.Live() || o.Hook != firewall.HookForward || o.LocalAddrs != nil || o.Failing.IsSet() {
		t.Errorf("defaults: %+v %v", o, err)
	}
}

// Every flag reaches its field: a flag name misspelt in parseOptions would
// read as unset and fail here.
func TestParseOptionsEveryFlag(t *testing.T) {
	for _, c := range []struct {
		args []string
		set  func(Options) bool
	}{
		{[]string{"--flows", "f.yaml"}, func(o Options) bool { return o.Flows == "f.yaml" }},
		{[]string{"--iptables", "a"}, func(o Options) bool { return len(o.IPTables) == 1 && !o.Live() }},
		{[]string{"--ip6tables", "a"}, func(o Options) bool { return len(o.IP6Tables) == 1 && !o.Live() }},
		{[]string{"--nftables", "a"}, func(o Options) bool { return o.NFTables == "a" && !o.Live() }},
		{[]string{"--aws-sg", "a"}, func(o Options) bool { return o.AWSSG == "a" && !o.Live() }},
		{[]string{"--aws-sg", "a", "--aws-sg-ids", "sg-1"}, func(o Options) bool { return len(o.AWSSGIDs) == 1 }},
		{[]string{"--aws-sg", "a", "--aws-instances", "b"}, func(o Options) bool { return o.AWSInstances == "b" }},
		{[]string{"--ipset", "s"}, func(o Options) bool { return o.IPSet == "s" && o.Live() }},
		{[]string{"--hook", "output"}, func(o Options) bool { return o.Hook == firewall.HookOutput }},
		{[]string{"--in-iface", "eth0"}, func(o Options) bool { return o.Ifaces.In == "eth0" }},
		{[]string{"--out-iface", "eth1"}, func(o Options) bool { return o.Ifaces.Out == "eth1" }},
		{[]string{"--local-addrs", "192.0.2.1"}, func(o Options) bool { return o.LocalAddrs != nil }},
		{[]string{"-w", "3"}, func(o Options) bool { return o.Failing.IsSet() }},
		{[]string{"-c", "3"}, func(o Options) bool { return o.Failing.IsSet() }},
		{[]string{"--probe"}, func(o Options) bool { return o.Probe }},
	} {
		o, err := parse(t, c.args...)
		if err != nil || !c.set(o) {
			t.Errorf("%v: %+v %v", c.args, o, err)
		}
	}
}

func FuzzParseOptionLists(f *testing.F) {
	for _, s := range []string{"192.0.2.1, 10.0.0.0/8", "::1,fe80::/10", "sg-1,,i-0abc, eni-2", ",", "10.0.0.0/33", "sg-1;i-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if set, err := parseAddrList(s); (err == nil) != (set != nil) {
			t.Errorf("parseAddrList(%q) = %v, %v", s, set, err)
		}
		ids, err := parseGroupIDs(s, false)
		for _, id := range ids {
			if id == "" || id != strings.TrimSpace(id) || strings.Contains(id, ",") {
				t.Errorf("parseGroupIDs(%q) gave %q", s, id)
			}
		}
		if err == nil {
			for _, id := range ids {
				if strings.HasPrefix(id, "i-") || strings.HasPrefix(id, "eni-") {
					t.Errorf("parseGroupIDs(%q) took %q without --aws-instances", s, id)
				}
			}
		}
	})
}
