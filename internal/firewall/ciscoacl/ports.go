package ciscoacl

import (
	"strconv"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
)

// Port names as Cisco IOS and ASA accept them in access lists and service
// object groups (their keyword tables for tcp and udp; a name of both
// protocols is in both).
var (
	tcpNames = map[string]uint16{
		"aol": 5190, "bgp": 179, "chargen": 19, "cifs": 3020, "citrix-ica": 1494, "cmd": 514,
		"ctiqbe": 2748, "daytime": 13, "discard": 9, "domain": 53, "drip": 3949, "echo": 7,
		"exec": 512, "finger": 79, "ftp": 21, "ftp-data": 20, "gopher": 70, "h323": 1720,
		"hostname": 101, "http": 80, "https": 443, "ident": 113, "imap4": 143, "irc": 194,
		"kerberos": 750, "klogin": 543, "kshell": 544, "ldap": 389, "ldaps": 636, "login": 513,
		"lotusnotes": 1352, "lpd": 515, "netbios-ssn": 139, "nfs": 2049, "nntp": 119,
		"onep-plain": 15001, "onep-tls": 15002, "pcanywhere-data": 5631, "pim-auto-rp": 496,
		"pop2": 109, "pop3": 110, "pptp": 1723, "rsh": 514, "rtsp": 554, "sip": 5060,
		"smtp": 25, "sqlnet": 1521, "ssh": 22, "sunrpc": 111, "tacacs": 49, "talk": 517,
		"telnet": 23, "time": 37, "uucp": 540, "whois": 43, "www": 80,
	}
	udpNames = map[string]uint16{
		"biff": 512, "bootpc": 68, "bootps": 67, "cifs": 3020, "discard": 9, "dnsix": 195,
		"domain": 53, "echo": 7, "http": 80, "isakmp": 500, "kerberos": 750,
		"mobile-ip": 434, "nameserver": 42, "netbios-dgm": 138, "netbios-ns": 137,
		"netbios-ss": 139, "nfs": 2049, "non500-isakmp": 4500, "ntp": 123, "pcanywhere-status": 5632,
		"pim-auto-rp": 496, "radius": 1645, "radius-acct": 1646, "rip": 520, "secureid-udp": 5510,
		"sip": 5060, "snmp": 161, "snmptrap": 162, "sunrpc": 111, "syslog": 514, "tacacs": 49,
		"talk": 517, "tftp": 69, "time": 37, "vxlan": 4789, "who": 513, "www": 80, "xdmcp": 177,
	}
)

// PortNumber reads a port as a number or as the IOS/ASA name for proto
// (tcp, udp, or both for tcp-udp: the name must mean one port for both).
func PortNumber(s string, protos []uint8) (uint16, bool) {
	if n, err := strconv.ParseUint(s, 10, 16); err == nil {
		return uint16(n), true
	}
	var port uint16
	found := false
	for _, p := range protos {
		var table map[string]uint16
		switch p {
		case firewall.ProtoTCP, firewall.ProtoSCTP:
			table = tcpNames
		case firewall.ProtoUDP:
			table = udpNames
		default:
			return 0, false
		}
		n, ok := table[s]
		if !ok || (found && n != port) {
			return 0, false
		}
		port, found = n, true
	}
	return port, found
}

// PortOp reads an operator and its ports from words ("eq 80 443", "range
// 1024 2048", "gt 1023"...): the ports and the words it used.
func PortOp(words []string, protos []uint8) (firewall.PortSet, int, bool) {
	if len(words) < 2 {
		return firewall.PortSet{}, 0, false
	}
	port := func(i int) (uint16, bool) {
		if i >= len(words) {
			return 0, false
		}
		return PortNumber(words[i], protos)
	}
	switch words[0] {
	case "eq", "neq":
		var s firewall.PortSet
		n := 1
		for ; n < len(words); n++ {
			p, ok := port(n)
			if !ok {
				break
			}
			s = s.Union(firewall.Port(p))
		}
		if n == 1 {
			return s, 0, false
		}
		if words[0] == "neq" {
			s = s.Complement()
		}
		return s, n, true
	case "lt":
		p, ok := port(1)
		switch {
		case !ok:
			return firewall.PortSet{}, 0, false
		case p == 0:
			return firewall.PortSet{}, 2, true // no port is below 0
		}
		return firewall.Ports(0, p-1), 2, true
	case "gt":
		p, ok := port(1)
		switch {
		case !ok:
			return firewall.PortSet{}, 0, false
		case p == 65535:
			return firewall.PortSet{}, 2, true
		}
		return firewall.Ports(p+1, 65535), 2, true
	case "range":
		lo, ok1 := port(1)
		hi, ok2 := port(2)
		if !ok1 || !ok2 || lo > hi {
			return firewall.PortSet{}, 0, false
		}
		return firewall.Ports(lo, hi), 3, true
	}
	return firewall.PortSet{}, 0, false
}

// IsPortOp reports whether w starts a port match.
func IsPortOp(w string) bool {
	switch w {
	case "eq", "neq", "lt", "gt", "range":
		return true
	}
	return false
}
