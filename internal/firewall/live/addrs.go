package live

import (
	"net"
	"net/netip"
)

// LocalAddrs are this host's own addresses (for addrtype LOCAL rules and
// the probe's sources); none when the interfaces cannot be listed.
func LocalAddrs() []netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr().Unmap())
		}
	}
	return out
}
