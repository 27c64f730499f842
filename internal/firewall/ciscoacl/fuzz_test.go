package ciscoacl

import (
	"os"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device/devicetest"
)

// FuzzRead: any input is read or refused with an error, and what is read
// builds a ruleset the engine judges, without a panic.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"router.cfg", "equivalence.cfg"} {
		b, err := os.ReadFile(devicetest.Root + "ciscoacl/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("access-list 10 permit 10.0.0.0 0.255.0.255\ninterface X\n ip address 10.0.0.1 255.0.0.0\n ip access-group 10 out\n"))
	f.Add([]byte("object-group service S\n tcp-udp source range 1 2 eq 53\n group-object S\nip access-list extended A\n 1 permit object-group S any any log x\n"))
	f.Add([]byte("banner exec #\ninterface Y\n#\naccess-list 101 permit icmp any any 8 0 dscp ef\n"))
	space := firewall.Space{Family: firewall.FamilyIPv4, Proto: firewall.ProtoTCP,
		Src: firewall.MustPrefixSet("10.0.0.0/8"), Dst: firewall.MustPrefixSet("0.0.0.0/0"),
		SrcPorts: firewall.Ports(1024, 65535), DstPorts: firewall.Ports(1, 1000)}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Read("fuzz.cfg", data)
		if err != nil {
			return
		}
		en, err := c.Engine("", device.Path{})
		if err != nil {
			t.Fatal(err)
		}
		en.Judge(space)
		for name := range c.ACLs {
			en, err := c.Engine(name, device.Path{})
			if err != nil {
				t.Fatal(err)
			}
			en.Judge(space)
			break
		}
	})
}
