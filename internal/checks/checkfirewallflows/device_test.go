package checkfirewallflows

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device/devicetest"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/iptables"
	"github.com/guardrail-monitoring/guardrail/internal/flows"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

func TestParseOptionsDevice(t *testing.T) {
	for _, c := range []struct {
		args []string
		want DeviceOptions
	}{
		{[]string{"--cisco-acl", "r.cfg"}, DeviceOptions{Vendor: VendorIOS, File: "r.cfg"}},
		{[]string{"--cisco-acl", "r.cfg", "--acl", "101"}, DeviceOptions{Vendor: VendorIOS, File: "r.cfg", ACL: "101"}},
		{[]string{"--cisco-acl", "r.cfg", "--from-interface", "Gi0/0", "--to-interface", "Gi0/1"}, DeviceOptions{Vendor: VendorIOS, File: "r.cfg", From: "Gi0/0", To: "Gi0/1"}},
		{[]string{"--asa", "a.cfg", "--to-interface", "outside"}, DeviceOptions{Vendor: VendorASA, File: "a.cfg", To: "outside"}},
		{[]string{"--fortios", "f.conf", "--from-interface", "port1"}, DeviceOptions{Vendor: VendorFortiOS, File: "f.conf", From: "port1"}},
		{[]string{"--junos-srx", "s.set", "--from-zone", "trust", "--to-zone", "untrust"}, DeviceOptions{Vendor: VendorSRX, File: "s.set", From: "trust", To: "untrust"}},
		{[]string{"--panos", "p.xml", "--to-zone", "dmz"}, DeviceOptions{Vendor: VendorPANOS, File: "p.xml", To: "dmz"}},
		{[]string{"--aws-nacl", "n.json", "--aws-instances", "i.json", "--aws-sg", "sg.json"}, DeviceOptions{Vendor: VendorAWSNACL, File: "n.json"}},
		{[]string{"--aws-nacl", "n.json", "--aws-instances", "i.json"}, DeviceOptions{Vendor: VendorAWSNACL, File: "n.json"}},
	} {
		o, err := parse(t, c.args...)
		if err != nil || o.Device == nil || !reflect.DeepEqual(*o.Device, c.want) || o.Live() {
			t.Errorf("%v: %+v %v, want %+v", c.args, o.Device, err, c.want)
		}
	}
	if o, err := parse(t, "--iptables", "a"); err != nil || o.Device != nil {
		t.Errorf("no device: %+v %v", o.Device, err)
	}
}

func TestParseOptionsDeviceErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--acl", "101"}, "--acl names an access list of --cisco-acl FILE"},
		{[]string{"--asa", "a", "--acl", "101"}, "--acl is for --cisco-acl, not --asa"},
		{[]string{"--asa", "a", "--panos", "p"}, "--asa and --panos: give one device configuration at a time"},
		{[]string{"--cisco-acl", "r", "--aws-nacl", "n", "--aws-instances", "i"}, "--cisco-acl and --aws-nacl: give one"},
		{[]string{"--from-zone", "z"}, "--from-zone needs a device configuration"},
		{[]string{"--to-interface", "x"}, "--to-interface needs a device configuration"},
		{[]string{"--asa", "a", "--from-zone", "inside"}, "--from-zone: --asa paths are interfaces"},
		{[]string{"--fortios", "f", "--to-zone", "z"}, "--to-zone: --fortios paths are interfaces"},
		{[]string{"--panos", "p", "--from-interface", "ethernet1/1"}, "--from-interface: --panos paths are zones"},
		{[]string{"--junos-srx", "s", "--to-interface", "ge-0/0/0.0"}, "--to-interface: --junos-srx paths are zones"},
		{[]string{"--cisco-acl", "r", "--acl", "101", "--from-interface", "Gi0/0"}, "--acl judges that list alone"},
		{[]string{"--aws-nacl", "n"}, "--aws-nacl needs --aws-instances FILE"},
		{[]string{"--aws-nacl", "n", "--aws-instances", "i", "--from-interface", "x"}, "--from-interface does not apply to --aws-nacl"},
		{[]string{"--aws-nacl", "n", "--aws-instances", "i", "--aws-sg-ids", "sg-1"}, "--aws-sg-ids does not apply to --aws-nacl"},
		{[]string{"--asa", "a", "--aws-sg", "sg.json"}, "--aws-sg does not apply with --asa"},
		{[]string{"--panos", "p", "--iptables", "r"}, "--iptables does not apply with --panos"},
		{[]string{"--panos", "p", "--nftables", "r"}, "--nftables does not apply with --panos"},
		{[]string{"--asa", "a", "--hook", "forward"}, "--hook does not apply with --asa"},
		{[]string{"--asa", "a", "--in-iface", "eth0"}, "--in-iface does not apply with --asa"},
		{[]string{"--asa", "a", "--probe"}, "--probe does not apply with --asa"},
		{[]string{"--asa", "a", "--local-addrs", "192.0.2.1"}, "--local-addrs does not apply with --asa"},
		{[]string{"--asa", "-", "--flows", "-"}, "--asa -: stdin is already used by another flag"},
		{[]string{"--aws-nacl", "-", "--aws-instances", "-"}, "--aws-nacl -: stdin is already used by another flag"},
	} {
		_, err := parse(t, c.args...)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}

// A device of two interfaces, one iptables rule per way; the routes are
// counted, so the test sees one engine per distinct route.
func testDevice(t *testing.T, built *int) *Device {
	t.Helper()
	rs, err := iptables.Parse("r.rules", []byte("*filter\n:FORWARD DROP [0:0]\n-A FORWARD -i a -o b -p tcp --dport 80 -j ACCEPT\n-A FORWARD -i b -o a -m state --state ESTABLISHED -j ACCEPT\nCOMMIT\n"), firewall.FamilyIPv4)
	if err != nil {
		t.Fatal(err)
	}
	ifaces := []device.Interface{{Name: "a", Routes: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/24")}}, {Name: "b", Routes: []netip.Prefix{netip.MustParsePrefix("10.2.0.0/24")}}}
	return &Device{
		Source: "test device",
		route: func(src, dst firewall.AddrSet) (Route, error) {
			p, err := device.Select(ifaces, "interface", "", "", src, dst)
			return Route{Path: p}, err
		},
		judge: func(r Route) (*firewall.Engine, error) {
			*built++
			if r.Path.From == "b" {
				return nil, errors.New("no engine for b")
			}
			en, err := firewall.NewEngine(rs, firewall.HookForward)
			if err != nil {
				return nil, err
			}
			en.SetInterfaces(r.Path.Interfaces())
			return en, nil
		},
	}
}

func TestEvaluateDevice(t *testing.T) {
	built := 0
	d := testDevice(t, &built)
	fl := []flows.Flow{
		devicetest.Flow(t, "10.1.0.2", "10.2.0.2", "tcp/80"),
		devicetest.Flow(t, "10.1.0.3", "10.2.0.2", "tcp/22"),
		devicetest.Flow(t, "10.1.0.2", "10.1.0.3", "tcp/80"),
		devicetest.Flow(t, "10.2.0.2", "10.1.0.2", "tcp/80"),
		devicetest.Flow(t, "10.2.0.3", "10.1.0.2", "tcp/80"),
	}
	rs := EvaluateDevice(d, fl)
	var got []string
	for _, r := range rs {
		got = append(got, string(r.Verdict)+" "+r.Route+" "+r.NoPath)
	}
	want := []string{
		"allowed interface a → b ",
		"blocked interface a → b ",
		"unknown  sources and destinations are both on interface a: the flow does not cross the device",
		"unknown  no engine for b",
		"unknown  no engine for b",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if built != 2 {
		t.Errorf("%d engines built for 2 routes", built)
	}
	if v := Judge(rs[2:], plugin.Thresholds{}, nil); v.Status != plugin.Unknown || v.Counts.UnknownOnly != 3 || v.Counts.Failing != 0 {
		t.Errorf("a flow without a path is unknown, never allowed or blocked: %+v", v)
	}
}

// A flow without a path says why, in the long output, JSON and JUnit; a
// note that can change a verdict shows with file:line, others with -v.
func TestReportDevice(t *testing.T) {
	built := 0
	rs := EvaluateDevice(testDevice(t, &built), []flows.Flow{devicetest.Flow(t, "10.1.0.2", "10.2.0.2", "tcp/80"), devicetest.Flow(t, "10.1.0.2", "10.1.0.3", "tcp/80")})
	scope := Scope{Ruleset: "Cisco ASA config a.cfg", Device: true, Notes: []FileNote{
		{File: "a.cfg", Note: device.Note{Line: 7, Affects: true, Msg: "time-range WORKHOURS is not modelled"}},
		{File: "a.cfg", Note: device.Note{Line: 3, Msg: "ntp server is not read"}},
	}}
	v := Judge(rs, plugin.Thresholds{}, nil)
	res := Report(v, scope, 0)
	want := "UNKNOWN test/10.1.0.2 → 10.1.0.3 tcp/80: unknown (expect allow): no path through the device: sources and destinations are both on interface a: the flow does not cross the device\n" +
		"OK test/10.1.0.2 → 10.2.0.2 tcp/80: allowed (expect allow)\n" +
		"device: Cisco ASA config a.cfg\n" +
		"config line not modelled: a.cfg:7: time-range WORKHOURS is not modelled (verdicts that depend on it are unknown)"
	if got := strings.Join(res.Long, "\n"); got != want {
		t.Errorf("long output:\n%s\nwant\n%s", got, want)
	}
	res = Report(v, scope, 1)
	if got := res.Long[len(res.Long)-1]; got != "config line not modelled: a.cfg:3: ntp server is not read (cannot change a verdict)" {
		t.Errorf("-v: %s", got)
	}
	if !strings.Contains(res.Long[1], " via interface a → b: 10.1.0.2:") {
		t.Errorf("-v shows the path: %s", res.Long[1])
	}
	items := res.Items.([]Item)
	if items[0].Path != "interface a → b" || items[1].NoPath == "" || items[1].Path != "" {
		t.Errorf("items %+v", items)
	}
	if tc := items[1].TestCase(); !tc.Skipped || !strings.Contains(tc.Message, "no path through the device: sources and destinations") {
		t.Errorf("JUnit %+v", tc)
	}
}
