package flows

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

func read(t testing.TB, name string) ([]Flow, error) {
	t.Helper()
	file := filepath.Join("../../testdata/flows", name)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pf, err := policy.ParseFlows(file, data)
	if err != nil {
		return nil, err
	}
	return Resolve("flows", file, pf.Applications, NewNames(pf), DefaultEphemeral)
}

func TestResolve(t *testing.T) {
	type want struct{ id, expect, src, dst, svc string }
	tests := []struct {
		file string
		want []want
	}{
		{"billing.json", []want{
			{"Billing/flow1", "allow", "10.20.0.5,192.168.0.0/16", "16.47.71.62", "tcp/443 udp/501"},
			{"Billing/web", "allow", "0.0.0.0/0,::/0", "10.30.0.0/24,2001:db8:30::/64", "tcp/443,8443"},
			{"Billing/no-telnet", "deny", "10.0.0.1-10.0.0.9", "10.30.0.0/24,2001:db8:30::/64", "icmp tcp/23"},
		}},
		{"billing.yaml", []want{
			{"Billing/flow1", "allow", "10.20.0.5,192.168.0.0/16", "16.47.71.62", "tcp/443 udp/501"},
			{"Billing/v6", "deny", "2001:db8:1::/48", "2001:db8:30::10", "tcp/22,8000-8010"},
		}},
	}
	for _, tc := range tests {
		got, err := read(t, tc.file)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if len(got) != len(tc.want) {
			t.Fatalf("%s: %d flows, want %d", tc.file, len(got), len(tc.want))
		}
		for i, w := range tc.want {
			g := got[i]
			var svcs []string
			for _, s := range g.Services {
				svcs = append(svcs, s.String())
			}
			gw := want{g.ID(), g.Expect.String(), g.Src.String(), g.Dst.String(), strings.Join(svcs, " ")}
			if gw != w {
				t.Errorf("%s flow %d:\n got %+v\nwant %+v", tc.file, i, gw, w)
			}
			if g.Line == 0 || g.SrcPorts.String() != "32768-60999" {
				t.Errorf("%s: line %d, src ports %s", g.ID(), g.Line, g.SrcPorts)
			}
		}
	}
}

func TestResolveErrors(t *testing.T) {
	tests := []struct{ file, want string }{
		{"cycle.yaml", "cycle.yaml, line 8, key applications[0].app_flows.f.sources: flow Loop/f: object \"A\" refers to itself: A → B → A"},
		{"unknown-name.yaml", "unknown-name.yaml, line 6, key applications[0].app_flows.f.destinations: flow App/f: unknown object \"Somewhere\""},
		{"unknown-service.yaml", "unknown-service.yaml, line 7, key applications[0].app_flows.f.services: flow App/f: unknown service \"Gopher-ish\""},
		{"diamond-cycle.yaml", "key applications[0].app_flows.f.sources: flow Loop/f: object \"O0\" refers to itself: O0 → O1 → O2 → O0"},
		{"service-cycle.yaml", "key applications[0].app_flows.f.services: flow Loop/f: service \"S1\" refers to itself"},
	}
	for _, tc := range tests {
		_, err := read(t, tc.file)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", tc.file, err, tc.want)
		}
	}
}

func TestParseService(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"tcp/443", "tcp/443", ""},
		{"UDP/500-510", "udp/500-510", ""},
		{"tcp/any", "tcp/1-65535", ""},
		{"icmp", "icmp", ""},
		{"any", "tcp/1-65535 udp/1-65535 icmp", ""},
		{"tcp/70000", "", "bad port"},
		{"tcp/0", "", "port 0 is not a service port"},
		{"udp/0-10", "", "port 0 is not a service port"},
		{"tcp/510-500", "", "backwards"},
		{"gre/1", "", "unknown protocol"},
		{"icmp/8", "", "has no ports"},
		{"HTTPS", "", ""}, // a name: not a literal
	}
	for _, tc := range tests {
		s, ok, err := ParseService(tc.in)
		var parts []string
		for _, x := range s {
			parts = append(parts, x.String())
		}
		got := strings.Join(parts, " ")
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: got %q ok=%v err=%v, want %q", tc.in, got, ok, err, tc.want)
		}
	}
}

func TestParseAddrs(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
		err      bool
	}{
		{"10.0.0.1", "10.0.0.1", true, false},
		{"10.0.0.0/8", "10.0.0.0/8", true, false},
		{"10.0.0.1-10.0.0.3", "10.0.0.1-10.0.0.3", true, false},
		{"2001:db8::1", "2001:db8::1", true, false},
		{"any", "0.0.0.0/0,::/0", true, false},
		{"HR Payroll", "none", false, false},
		{"web-01", "none", false, false},
		{"10.0.0.300", "none", false, true},
		{"10.0.0.1-web", "none", false, true},
		{"10.0.0.9-10.0.0.1", "none", false, true},
		{"10.0.0.1-::1", "none", false, true},
	}
	for _, tc := range tests {
		s, ok, err := ParseAddrs(tc.in)
		if s.String() != tc.want || ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("%s: got %s ok=%v err=%v", tc.in, s, ok, err)
		}
	}
}

func FuzzResolve(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/flows/*")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		pf, err := policy.ParseFlows("fuzz", data)
		if err != nil {
			return
		}
		flows, err := Resolve("flows", "fuzz", pf.Applications, NewNames(pf), DefaultEphemeral)
		if err != nil {
			return
		}
		for _, fl := range flows {
			if fl.Src.IsEmpty() || fl.Dst.IsEmpty() || len(fl.Services) == 0 {
				t.Fatalf("flow %s resolved empty without an error", fl.ID())
			}
		}
	})
}

// Issue 9: object and service groups nested as diamonds (each level names
// the next twice) resolve each group once: 24 levels are 2^24 paths but 24
// groups, and the answer is exact.
func TestDiamondGroupsResolveOnce(t *testing.T) {
	start := time.Now()
	got, err := read(t, "diamond.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	if len(got) != 1 || got[0].Src.String() != "10.0.0.0/24" || got[0].Dst.String() != "10.9.0.1" || got[0].Services[0].String() != "tcp/22,443" {
		t.Errorf("%+v", got)
	}
}

// Issue 9: expect is exactly allow or deny, also in a flows file.
func TestExpectIsExact(t *testing.T) {
	for _, v := range []string{"null", "ALLOW", "Deny", "''", "yes"} {
		data := "applications:\n  - app_name: A\n    app_flows:\n      f:\n        sources: [10.0.0.1]\n        destinations: [10.0.0.2]\n        services: [tcp/22]\n        expect: " + v + "\n"
		_, err := policy.ParseFlows("F", []byte(data))
		if err == nil || !strings.Contains(err.Error(), "flows F, line 8, key applications[0].app_flows.f.expect: expect: want exactly allow or deny") {
			t.Errorf("expect %s: %v", v, err)
		}
	}
}
