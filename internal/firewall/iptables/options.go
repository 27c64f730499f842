// The table of iptables-save match options: each option's spellings, how
// many values it takes, and the condition it adds to the rule.

package iptables

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/protocol"
)

// optionSpec is one option: its spellings, the number of values that
// follow it, and what it does with them (opt is the spelling used).
type optionSpec struct {
	names []string
	args  int // at most len(ruleParser.vals), or reading them allocates
	apply func(rp *ruleParser, opt string, vals []string) error
}

// modelledModules are the -m modules whose options the table knows; any
// other module makes the rule unmodelled.
var modelledModules = map[string]bool{
	"tcp": true, "udp": true, "sctp": true, "multiport": true, "conntrack": true, "state": true,
	"iprange": true, "set": true, "comment": true, "icmp": true, "icmp6": true, "icmpv6": true, "addrtype": true,
}

// ctStateNames are the words of --ctstate and --state.
var ctStateNames = map[string]firewall.CtState{
	"NEW": firewall.CtNew, "ESTABLISHED": firewall.CtEstablished, "RELATED": firewall.CtRelated,
	"INVALID": firewall.CtInvalid, "UNTRACKED": firewall.CtUntracked, "DNAT": firewall.CtDNAT, "SNAT": firewall.CtSNAT,
}

var options = []optionSpec{
	{[]string{"-s", "--source", "--src"}, 1, addrOption(firewall.FieldSrcAddr)},
	{[]string{"-d", "--destination", "--dst"}, 1, addrOption(firewall.FieldDstAddr)},
	{[]string{"-p", "--protocol"}, 1, protoOption},
	{[]string{"-i", "--in-interface"}, 1, ifaceOption(firewall.FieldInIface)},
	{[]string{"-o", "--out-interface"}, 1, ifaceOption(firewall.FieldOutIface)},
	{[]string{"-f", "--fragment"}, 0, fragmentOption},
	{[]string{"-m", "--match"}, 1, matchOption},
	{[]string{"-j", "--jump", "-g", "--goto"}, 0, func(rp *ruleParser, opt string, _ []string) error { return rp.target(opt) }},
	{[]string{"--dport", "--destination-port", "--sport", "--source-port",
		"--dports", "--destination-ports", "--sports", "--source-ports"}, 1, portOption},
	{[]string{"--ctstate", "--state"}, 1, stateOption},
	{[]string{"--syn"}, 0, synOption},
	{[]string{"--tcp-flags"}, 2, tcpFlagsOption},
	{[]string{"--src-range"}, 1, rangeOption(firewall.FieldSrcAddr)},
	{[]string{"--dst-range"}, 1, rangeOption(firewall.FieldDstAddr)},
	{[]string{"--match-set"}, 2, matchSetOption},
	{[]string{"--src-type"}, 1, addrTypeOption(firewall.FieldSrcLocal)},
	{[]string{"--dst-type"}, 1, addrTypeOption(firewall.FieldDstLocal)},
	{[]string{"--comment"}, 1, func(*ruleParser, string, []string) error { return nil }},
	{[]string{"--icmp-type", "--icmpv6-type"}, 1, icmpTypeOption},
}

// optionByName finds the spec of each spelling.
var optionByName = map[string]*optionSpec{}

func init() {
	for i := range options {
		for _, n := range options[i].names {
			optionByName[n] = &options[i]
		}
	}
}

// option reads one option (and its values) of a rule.
func (rp *ruleParser) option(tok string) error {
	spec, ok := optionByName[tok]
	if !ok {
		if strings.HasPrefix(tok, "-") {
			rp.unmodelled(rp.neg() + tok + joinVals(rp.skipValues()))
			return nil
		}
		return rp.errorf("unexpected %q", tok)
	}
	vals := rp.vals[:0]
	for range spec.args {
		v, err := rp.next(tok)
		if err != nil {
			return err
		}
		vals = append(vals, v)
	}
	return spec.apply(rp, tok, vals)
}

// neg is "! " when the option is negated, for unmodelled labels.
func (rp *ruleParser) neg() string {
	if rp.not {
		return "! "
	}
	return ""
}

func addrOption(f firewall.Field) func(*ruleParser, string, []string) error {
	return func(rp *ruleParser, _ string, vals []string) error {
		set, err := rp.addrs(vals[0])
		if err != nil {
			return err
		}
		rp.add(firewall.Cond{Field: f, Addrs: set})
		return nil
	}
}

func protoOption(rp *ruleParser, _ string, vals []string) error {
	v := strings.ToLower(vals[0])
	if v == "all" || v == "0" {
		if rp.not { // "! -p all" matches no protocol
			rp.r.Conds = append(rp.r.Conds, firewall.Cond{Field: firewall.FieldProto, Family: rp.p.fam})
		}
		return nil
	}
	n, ok := protocol.Number(v)
	if !ok {
		return rp.errorf("unknown protocol %q", v)
	}
	rp.proto = v
	rp.add(firewall.Protos(n))
	return nil
}

func ifaceOption(f firewall.Field) func(*ruleParser, string, []string) error {
	return func(rp *ruleParser, _ string, vals []string) error {
		rp.add(firewall.Cond{Field: f, Iface: vals[0]})
		return nil
	}
}

// fragmentOption: -f matches only second and later fragments, never a
// connection's packets.
func fragmentOption(rp *ruleParser, _ string, _ []string) error {
	if !rp.not {
		rp.add(firewall.Cond{Field: firewall.FieldProto}) // matches no protocol
	}
	return nil
}

func matchOption(rp *ruleParser, _ string, vals []string) error {
	if rp.not {
		return rp.errorf("\"!\" before -m")
	}
	if !modelledModules[vals[0]] {
		rp.unmodelled("-m " + vals[0] + joinVals(rp.moduleArgs()))
	}
	return nil
}

func portOption(rp *ruleParser, opt string, vals []string) error {
	ports, err := parsePorts(vals[0], ":")
	if err != nil {
		return rp.errorf("%s %s: %v", opt, vals[0], err)
	}
	rp.add(portCond(opt, ports))
	return nil
}

func stateOption(rp *ruleParser, opt string, vals []string) error {
	v := vals[0]
	var st firewall.CtState
	for _, s := range strings.Split(v, ",") {
		bit, ok := ctStateNames[strings.ToUpper(s)]
		if !ok {
			return rp.errorf("%s: unknown state %q", opt, s)
		}
		st |= bit
	}
	if st&(firewall.CtDNAT|firewall.CtSNAT) != 0 {
		rp.unmodelled(rp.neg() + opt + " " + v)
		return nil
	}
	rp.add(firewall.CtStates(st))
	return nil
}

// synOption: SYN set, ACK/RST/FIN clear: of a connection's packets only
// the client's first one, which is the one in state NEW.
func synOption(rp *ruleParser, _ string, _ []string) error {
	rp.add(firewall.CtStates(firewall.CtNew))
	return nil
}

func tcpFlagsOption(rp *ruleParser, _ string, vals []string) error {
	mask, comp := vals[0], vals[1]
	m, err1 := tcpFlagList(mask)
	c, err2 := tcpFlagList(comp)
	if err1 != nil || err2 != nil {
		return rp.errorf("--tcp-flags %s %s: want flag lists like SYN,ACK (or ALL, NONE)", mask, comp)
	}
	rp.add(firewall.Cond{Field: firewall.FieldTCPFlags, TCPMask: m, TCPComp: c})
	return nil
}

func rangeOption(f firewall.Field) func(*ruleParser, string, []string) error {
	return func(rp *ruleParser, opt string, vals []string) error {
		v := vals[0]
		lo, hi, ok := strings.Cut(v, "-")
		a, errA := netip.ParseAddr(lo)
		b, errB := netip.ParseAddr(hi)
		if !ok || errA != nil || errB != nil {
			return rp.errorf("%s %s: want ADDR-ADDR", opt, v)
		}
		set, err := firewall.RangeSet(a, b)
		if err != nil {
			return rp.errorf("%s: %v", opt, err)
		}
		if err := rp.checkFamily(set, v); err != nil {
			return err
		}
		rp.add(firewall.Cond{Field: f, Addrs: set})
		return nil
	}
}

func matchSetOption(rp *ruleParser, _ string, vals []string) error {
	name, dirs := vals[0], vals[1]
	switch dirs {
	case "src":
		rp.add(firewall.Cond{Field: firewall.FieldSrcAddr, SetName: name})
	case "dst":
		rp.add(firewall.Cond{Field: firewall.FieldDstAddr, SetName: name})
	default:
		rp.unmodelled(rp.neg() + "--match-set " + name + " " + dirs)
	}
	return nil
}

func addrTypeOption(f firewall.Field) func(*ruleParser, string, []string) error {
	return func(rp *ruleParser, opt string, vals []string) error {
		if vals[0] != "LOCAL" {
			rp.unmodelled(rp.neg() + opt + " " + vals[0])
			return nil
		}
		rp.add(firewall.Cond{Field: f})
		return nil
	}
}

func icmpTypeOption(rp *ruleParser, opt string, vals []string) error {
	if vals[0] != "any" || rp.not {
		rp.unmodelled(rp.neg() + opt + " " + vals[0])
	}
	return nil
}

// moduleArgs skips the options of an unmodelled match module.
func (rp *ruleParser) moduleArgs() []string {
	var vals []string
	for rp.i < len(rp.toks) {
		t := rp.toks[rp.i]
		if isCore(t) {
			break
		}
		if t == "!" && rp.i+1 < len(rp.toks) && isCore(rp.toks[rp.i+1]) {
			break
		}
		vals = append(vals, t)
		rp.i++
	}
	return vals
}

func isCore(t string) bool {
	switch t {
	case "-s", "--source", "--src", "-d", "--destination", "--dst", "-p", "--protocol", "-i", "--in-interface", "-o", "--out-interface", "-f", "--fragment", "-m", "--match", "-j", "--jump", "-g", "--goto":
		return true
	}
	return false
}

func portCond(tok string, ports firewall.PortSet) firewall.Cond {
	if strings.HasPrefix(tok, "--sport") || strings.HasPrefix(tok, "--source") {
		return firewall.SrcPorts(ports)
	}
	return firewall.DstPorts(ports)
}

// tcpFlagNames are the words of --tcp-flags lists.
var tcpFlagNames = map[string]uint8{
	"FIN": firewall.TCPFin, "SYN": firewall.TCPSyn, "RST": firewall.TCPRst, "PSH": firewall.TCPPsh,
	"ACK": firewall.TCPAck, "URG": firewall.TCPUrg, "ALL": 0x3f, "NONE": 0,
}

func tcpFlagList(s string) (uint8, error) {
	var f uint8
	for _, n := range strings.Split(s, ",") {
		bit, ok := tcpFlagNames[n]
		if !ok {
			return 0, fmt.Errorf("unknown TCP flag %q", n)
		}
		f |= bit
	}
	return f, nil
}

// parsePorts reads "80", "80:90" (or sep "-"), comma lists, and ":90" / "80:"
// open ends as iptables allows.
func parsePorts(s, sep string) (firewall.PortSet, error) {
	var set firewall.PortSet
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, sep)
		if !isRange && sep == ":" {
			lo, hi, isRange = strings.Cut(part, "-") // some tools print a-b
		}
		a, b := uint64(0), uint64(65535)
		var err error
		if lo != "" || !isRange {
			if a, err = portNumber(lo); err != nil {
				return set, err
			}
		}
		if !isRange {
			b = a
		} else if hi != "" {
			if b, err = portNumber(hi); err != nil {
				return set, err
			}
		}
		if a > b {
			a, b = b, a // iptables swaps a reversed range
		}
		set = set.Union(firewall.Ports(uint16(a), uint16(b)))
	}
	return set, nil
}

func portNumber(s string) (uint64, error) {
	if n, ok := serviceNames[s]; ok {
		return n, nil
	}
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("bad port %q", s)
	}
	return n, nil
}
