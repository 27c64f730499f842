package asa

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
	for _, name := range []string{"asa.cfg", "equivalence.cfg"} {
		b, err := os.ReadFile(devicetest.Root + "asa/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("interface G0\n nameif a\n ip address 10.0.0.1 255.0.0.0\nobject network X\n range 10.0.0.1 10.0.0.9\n nat (a,any) static 11.0.0.1 service tcp www 8080\nobject-group service S tcp-udp\n port-object range 1 9\n group-object S\naccess-list L line 1 extended permit tcp any object X object-group S log 7 interval 3\naccess-group L global\n"))
	f.Add([]byte("nat (any,b) after-auto source static any any destination static A B service C D unidirectional\naccess-list L extended permit icmp any4 any6 echo\nroute b 0.0.0.0 0.0.0.0 1.1.1.1\n"))
	space := firewall.Space{Family: firewall.FamilyIPv4, Proto: firewall.ProtoTCP,
		Src: firewall.MustPrefixSet("10.0.0.0/8"), Dst: firewall.MustPrefixSet("0.0.0.0/0"),
		SrcPorts: firewall.Ports(1024, 65535), DstPorts: firewall.Ports(1, 1000)}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Read("fuzz.cfg", data)
		if err != nil {
			return
		}
		en, err := c.Engine(device.Path{})
		if err != nil {
			t.Fatal(err)
		}
		en.Judge(space)
		if len(c.Interfaces) >= 2 {
			en, _ := c.Engine(device.Path{From: c.Interfaces[0].Name, To: c.Interfaces[1].Name})
			en.Judge(space)
		}
	})
}
