package ciscoacl

import (
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device/devicetest"
)

// FuzzRead: any input is read or refused with an error, and what is read
// builds a ruleset the engine judges, without a panic.
func FuzzRead(f *testing.F) {
	devicetest.Seed(f, "ciscoacl", "router.cfg", "equivalence.cfg")
	f.Add([]byte("access-list 10 permit 10.0.0.0 0.255.0.255\ninterface X\n ip address 10.0.0.1 255.0.0.0\n ip access-group 10 out\n"))
	f.Add([]byte("object-group service S\n tcp-udp source range 1 2 eq 53\n group-object S\nip access-list extended A\n 1 permit object-group S any any log x\n"))
	f.Add([]byte("banner exec #\ninterface Y\n#\naccess-list 101 permit icmp any any 8 0 dscp ef\n"))
	devicetest.Fuzz(f, "fuzz.cfg", Read, func(c *Config, judge func(*firewall.Engine, error)) {
		judge(c.Engine("", device.Path{}))
		for name := range c.ACLs {
			judge(c.Engine(name, device.Path{}))
			break
		}
	})
}
