package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/proctest"
)

// genASA writes an ASA config of about n lines: outside, inside and dmz
// interfaces with a default route, nested network object groups, and one
// inbound list on outside of host, subnet and group entries.
func genASA(n int) string {
	var b strings.Builder
	b.WriteString("hostname FW\ninterface G0\n nameif outside\n security-level 0\n ip address 203.0.113.1 255.255.255.0\n" +
		"interface G1\n nameif inside\n security-level 100\n ip address 10.0.0.1 255.0.0.0\n" +
		"interface G2\n nameif dmz\n security-level 50\n ip address 172.16.0.1 255.255.0.0\n" +
		"route outside 0.0.0.0 0.0.0.0 203.0.113.254\n")
	lines := 14
	for g := 0; lines < n/4; g++ {
		fmt.Fprintf(&b, "object-group network SRV%d\n", g)
		for k := 0; k < 6; k++ {
			fmt.Fprintf(&b, " network-object host 172.16.%d.%d\n", g%4, (g*6+k)%250+1)
		}
		lines += 7
		if g%8 != 0 {
			fmt.Fprintf(&b, " group-object SRV%d\n", g-1)
			lines++
		}
	}
	for i := 0; lines < n-1; i++ {
		switch i % 4 {
		case 0, 3:
			fmt.Fprintf(&b, "access-list OUTSIDE-IN extended permit tcp any host 172.16.%d.%d eq %d\n", i/250%100, i%250+1, 2000+i%3000)
		case 1:
			fmt.Fprintf(&b, "access-list OUTSIDE-IN extended deny ip 198.51.%d.0 255.255.255.0 any\n", i%256)
		case 2:
			fmt.Fprintf(&b, "access-list OUTSIDE-IN extended permit tcp any object-group SRV%d eq https\n", i%50)
		}
		lines++
	}
	b.WriteString("access-group OUTSIDE-IN in interface outside\n")
	return b.String()
}

// genPANOS writes a PAN-OS config of about n lines: untrust, trust and
// dmz zones with a default route, addresses, nested static groups,
// services and untrust → dmz rules of three lines each.
func genPANOS(n int) string {
	var b strings.Builder
	b.WriteString(`<config version="10.1.0"><devices><entry name="localhost.localdomain">
<network><interface><ethernet>
<entry name="ethernet1/1"><layer3><ip><entry name="203.0.113.1/24"/></ip></layer3></entry>
<entry name="ethernet1/2"><layer3><ip><entry name="10.0.0.1/8"/></ip></layer3></entry>
<entry name="ethernet1/3"><layer3><ip><entry name="172.16.0.1/16"/></ip></layer3></entry>
</ethernet></interface>
<virtual-router><entry name="default"><routing-table><ip><static-route>
<entry name="default"><interface>ethernet1/1</interface><destination>0.0.0.0/0</destination></entry>
</static-route></ip></routing-table></entry></virtual-router></network>
<vsys><entry name="vsys1">
<zone>
<entry name="untrust"><network><layer3><member>ethernet1/1</member></layer3></network></entry>
<entry name="trust"><network><layer3><member>ethernet1/2</member></layer3></network></entry>
<entry name="dmz"><network><layer3><member>ethernet1/3</member></layer3></network></entry>
</zone>
<address>
`)
	lines, hosts := 20, n/10
	for i := 0; i < hosts; i++ {
		fmt.Fprintf(&b, "<entry name=\"srv%d\"><ip-netmask>172.16.%d.%d</ip-netmask></entry>\n", i, i/250%100, i%250+1)
		lines++
	}
	b.WriteString("</address>\n<address-group>\n")
	for g := 0; g < n/40; g++ {
		fmt.Fprintf(&b, "<entry name=\"grp%d\"><static>\n", g)
		for k := 0; k < 6; k++ {
			fmt.Fprintf(&b, "<member>srv%d</member>\n", (g*6+k)%hosts)
		}
		if g%8 != 0 {
			fmt.Fprintf(&b, "<member>grp%d</member>\n", g-1)
		}
		b.WriteString("</static></entry>\n")
		lines += 9
	}
	b.WriteString("</address-group>\n<service>\n")
	for p := 0; p < 100; p++ {
		fmt.Fprintf(&b, "<entry name=\"tcp-%d\"><protocol><tcp><port>%d</port></tcp></protocol></entry>\n", 2000+p, 2000+p)
		lines++
	}
	b.WriteString("</service>\n<rulebase><security><rules>\n")
	for i := 0; lines < n-6; i++ {
		fmt.Fprintf(&b, "<entry name=\"rule%d\"><from><member>untrust</member></from><to><member>dmz</member></to>\n", i)
		src, dst, action := "any", fmt.Sprintf("srv%d", i%hosts), "allow"
		switch i % 3 {
		case 1:
			src, dst, action = fmt.Sprintf("198.51.%d.0/24", i%256), "any", "deny"
		case 2:
			dst = fmt.Sprintf("grp%d", i%(n/40))
		}
		fmt.Fprintf(&b, "<source><member>%s</member></source><destination><member>%s</member></destination>\n", src, dst)
		fmt.Fprintf(&b, "<application><member>any</member></application><service><member>tcp-%d</member></service><action>%s</action></entry>\n", 2000+i%100, action)
		lines += 3
	}
	b.WriteString("</rules></security></rulebase>\n</entry></vsys>\n</entry></devices></config>\n")
	return b.String()
}

// genDeviceFlows writes n flows from the internet (a host or a /24) to
// one server or a /24 of the dmz, on the ports the rules name and others.
func genDeviceFlows(n int) string {
	var b strings.Builder
	b.WriteString(`{"applications": [{"app_name": "Bench", "app_flows": {` + "\n")
	for k := 0; k < n; k++ {
		src := fmt.Sprintf("192.0.%d.%d", k%200, k%250+1)
		if k%4 == 0 {
			src = fmt.Sprintf("198.51.%d.0/24", k%256)
		}
		dst := fmt.Sprintf("172.16.%d.%d", k/250%100, k%250+1)
		if k%10 == 0 {
			dst = fmt.Sprintf("172.16.%d.0/24", k%100)
		}
		// An ASA host entry's port, a PAN-OS service's, https, and ssh.
		port := []int{2000 + k%3000, 2000 + k%100, 443, 22}[k%4]
		expect := "allow"
		if k%7 == 0 {
			expect = "deny"
		}
		sep := ","
		if k == n-1 {
			sep = ""
		}
		fmt.Fprintf(&b, `"f%04d": {"sources": [%q], "destinations": [%q], "services": ["tcp/%d"], "expect": %q}%s`+"\n", k, src, dst, port, expect, sep)
	}
	b.WriteString("}}]}\n")
	return b.String()
}

// TestWholeProcessDevices times the built binary on a 20,000-line ASA
// and a 20,000-line PAN-OS config with 1,000 flows each (GUARDRAIL_BENCH=1
// only; figures in the log). The issue asks for under 1 s: the best of
// three runs must be.
func TestWholeProcessDevices(t *testing.T) {
	if os.Getenv("GUARDRAIL_BENCH") != "1" {
		t.Skip("GUARDRAIL_BENCH=1 runs the whole-process benchmark")
	}
	bin := proctest.Build(t, "check_firewall_flows")
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flowsFile := write("flows.json", genDeviceFlows(1000))
	policyFile := write("policy.yaml", "version: 1\n")
	for _, c := range []struct{ flag, name, data string }{
		{"--asa", "asa.cfg", genASA(20000)},
		{"--panos", "panos.xml", genPANOS(20000)},
	} {
		file := write(c.name, c.data)
		best := proctest.Run{}
		for i := 0; i < 3; i++ {
			r := proctest.Measure(t, bin, nil, c.flag, file, "--flows", flowsFile, "--policy", policyFile, "-t", "60")
			if r.Code > 2 {
				t.Fatalf("%s: exit %d: %s", c.flag, r.Code, r.Stdout)
			}
			if i == 0 || r.Wall < best.Wall {
				best = r
			}
		}
		status, _, _ := strings.Cut(best.Stdout, "\n")
		t.Logf("%s %d lines, 1000 flows: wall %v, peak RSS %.1f MiB; %s", c.flag, strings.Count(c.data, "\n"), best.Wall.Round(time.Millisecond), float64(best.MaxRSS)/(1<<20), status)
		if !strings.Contains(status, "unknown=0;") || strings.Contains(status, "allowed=0;") || strings.Contains(status, "blocked=0;") {
			t.Errorf("%s: want allowed and blocked flows, none unknown: %s", c.flag, status)
		}
		if best.Wall >= time.Second {
			t.Errorf("%s: %v for 20,000 lines × 1,000 flows, want under 1 s", c.flag, best.Wall)
		}
	}
}
