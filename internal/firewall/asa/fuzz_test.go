package asa

import (
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device/devicetest"
)

// FuzzRead: any input is read or refused with an error, and what is read
// builds a ruleset the engine judges, without a panic.
func FuzzRead(f *testing.F) {
	devicetest.Seed(f, "asa", "asa.cfg", "equivalence.cfg")
	f.Add([]byte("interface G0\n nameif a\n ip address 10.0.0.1 255.0.0.0\nobject network X\n range 10.0.0.1 10.0.0.9\n nat (a,any) static 11.0.0.1 service tcp www 8080\nobject-group service S tcp-udp\n port-object range 1 9\n group-object S\naccess-list L line 1 extended permit tcp any object X object-group S log 7 interval 3\naccess-group L global\n"))
	f.Add([]byte("nat (any,b) after-auto source static any any destination static A B service C D unidirectional\naccess-list L extended permit icmp any4 any6 echo\nroute b 0.0.0.0 0.0.0.0 1.1.1.1\n"))
	devicetest.Fuzz(f, "fuzz.cfg", Read, func(c *Config, judge func(*firewall.Engine, error)) {
		judge(c.Engine(device.Path{}))
		if len(c.Interfaces) >= 2 {
			judge(c.Engine(device.Path{From: c.Interfaces[0].Name, To: c.Interfaces[1].Name}))
		}
	})
}
