// Package protocol is the one table of IP protocol names and numbers that
// every ruleset reader (iptables, nftables, AWS security groups) and the
// flows parser use, so that a name means the same protocol everywhere. The
// names are those of netbase's /etc/protocols (what iptables-save and nft
// print through getprotobynumber), plus the few iptables and nft know on
// their own; a test holds the table against the host's /etc/protocols.
package protocol

import (
	"strconv"
	"strings"
)

// entry is one protocol: its number and its names, the usual one first.
type entry struct {
	number uint8
	names  []string
}

// table is /etc/protocols (netbase 6.4), numbers 0-255, aliases lowercased.
var table = []entry{
	{0, []string{"ip"}},
	{0, []string{"hopopt"}},
	{1, []string{"icmp"}},
	{2, []string{"igmp"}},
	{3, []string{"ggp"}},
	{4, []string{"ipencap", "ip-encap"}},
	{5, []string{"st"}},
	{6, []string{"tcp"}},
	{8, []string{"egp"}},
	{9, []string{"igp"}},
	{12, []string{"pup"}},
	{17, []string{"udp"}},
	{20, []string{"hmp"}},
	{22, []string{"xns-idp"}},
	{27, []string{"rdp"}},
	{29, []string{"iso-tp4"}},
	{33, []string{"dccp"}},
	{36, []string{"xtp"}},
	{37, []string{"ddp"}},
	{38, []string{"idpr-cmtp"}},
	{41, []string{"ipv6"}},
	{43, []string{"ipv6-route"}},
	{44, []string{"ipv6-frag"}},
	{45, []string{"idrp"}},
	{46, []string{"rsvp"}},
	{47, []string{"gre"}},
	{50, []string{"esp", "ipsec-esp"}},
	{51, []string{"ah", "ipsec-ah"}},
	{57, []string{"skip"}},
	{58, []string{"ipv6-icmp"}},
	{59, []string{"ipv6-nonxt"}},
	{60, []string{"ipv6-opts"}},
	{73, []string{"rspf", "cphb"}},
	{81, []string{"vmtp"}},
	{88, []string{"eigrp"}},
	{89, []string{"ospf", "ospfigp"}},
	{93, []string{"ax.25"}},
	{94, []string{"ipip"}},
	{97, []string{"etherip"}},
	{98, []string{"encap"}},
	{103, []string{"pim"}},
	{108, []string{"ipcomp"}},
	{112, []string{"vrrp"}},
	{115, []string{"l2tp"}},
	{124, []string{"isis"}},
	{132, []string{"sctp"}},
	{133, []string{"fc"}},
	{135, []string{"mobility-header"}},
	{136, []string{"udplite"}},
	{137, []string{"mpls-in-ip"}},
	{138, []string{"manet"}},
	{139, []string{"hip"}},
	{140, []string{"shim6"}},
	{141, []string{"wesp"}},
	{142, []string{"rohc"}},
	{143, []string{"ethernet"}}}

// extra are names the tools know besides /etc/protocols: iptables'
// built-in "icmpv6", "ipv6-mh" and "mh" (xtables_chain_protos).
var extra = []entry{
	{58, []string{"icmpv6"}},
	{135, []string{"ipv6-mh", "mh"}},
}

var (
	byName   = map[string]uint8{}
	byNumber [256]string
)

func init() {
	for _, tab := range [][]entry{table, extra} {
		for _, e := range tab {
			for _, n := range e.names {
				if _, dup := byName[n]; !dup {
					byName[n] = e.number
				}
			}
			if byNumber[e.number] == "" {
				byNumber[e.number] = e.names[0]
			}
		}
	}
}

// Number is the protocol number of a name ("tcp", "ipcomp", "IPIP": case does
// not matter) or of a decimal number 0-255.
func Number(s string) (uint8, bool) {
	if n, ok := byName[strings.ToLower(s)]; ok {
		return n, true
	}
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 8)
	return uint8(n), err == nil
}

// Name is the usual name of protocol p ("ipip" for 94), or "" when
// /etc/protocols has none.
func Name(p uint8) string { return byNumber[p] }
