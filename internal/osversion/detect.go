package osversion

import (
	"fmt"
	"regexp"
	"strings"
)

// Vendor version OIDs, read where sysDescr carries no version (verified
// against the vendors' MIBs as LibreNMS and others use them).
const (
	OIDFortiGateVersion  = "1.3.6.1.4.1.12356.101.4.1.1.0" // FORTINET-FORTIGATE-MIB fgSysVersion
	OIDPanOSVersion      = "1.3.6.1.4.1.25461.2.1.2.1.1.0" // PAN-COMMON-MIB panSysSwVersion
	OIDCheckPointVersion = "1.3.6.1.4.1.2620.1.6.4.1.0"    // CHECKPOINT-MIB svnVersion
	OIDMikroTikVersion   = "1.3.6.1.4.1.14988.1.1.4.4.0"   // MIKROTIK-MIB mtxrLicVersion
)

// versionOIDs maps a platform to the OID holding its version.
var versionOIDs = map[string]string{
	"fortios": OIDFortiGateVersion, "pan-os": OIDPanOSVersion,
	"gaia": OIDCheckPointVersion, "routeros": OIDMikroTikVersion,
}

// VersionOIDs are the vendor OIDs worth asking for in the same GET as
// sysDescr, so one round trip serves any platform.
func VersionOIDs() []string {
	return []string{OIDFortiGateVersion, OIDPanOSVersion, OIDCheckPointVersion, OIDMikroTikVersion}
}

// Enterprise numbers (IANA PEN) under 1.3.6.1.4.1.
var enterprises = map[string]string{
	"9": "cisco", "2636": "junos", "12356": "fortios", "25461": "pan-os",
	"30065": "eos", "14988": "routeros", "2620": "gaia",
}

func enterprise(objectID string) string {
	oid := strings.TrimPrefix(strings.TrimSpace(objectID), ".")
	rest, ok := strings.CutPrefix(oid, "1.3.6.1.4.1.")
	if !ok {
		return ""
	}
	pen, _, _ := strings.Cut(rest, ".")
	return enterprises[pen]
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// Detect names the platform of an SNMP agent from sysDescr and sysObjectID,
// after LibreNMS's rules (includes/definitions/*.yaml): Cisco's sysDescr
// says which IOS it is ("IOS-XE"/"IOSXE"/"LINUX_IOSD" is IOS-XE: the
// image names of IOS-XE 3.x, X86_64_LINUX_IOSD-UNIVERSALK9-M or
// PPC_LINUX_IOSD-ADVENTERPRISEK9-M, whose sysDescr gives the IOSd version
// such as 15.5(3)S1, which Parse reads as ios-xe's "iosd" scheme;
// "NX-OS" NX-OS, "IOS Software"/"IOS (tm)" IOS; a 16.x/17.x IOS Software
// version without parentheses is IOS-XE as well), the other vendors by
// enterprise number or their sysDescr's opening words.
func Detect(sysDescr, sysObjectID string) (string, bool) {
	ent := enterprise(sysObjectID)
	switch {
	case containsAny(sysDescr, "NX-OS"):
		return "nx-os", true
	case containsAny(sysDescr, "IOS-XE", "IOS XE", "IOSXE", "LINUX_IOSD"):
		return "ios-xe", true
	case containsAny(sysDescr, "IOS XR"):
		return "", false
	case containsAny(sysDescr, "Cisco IOS Software", "IOS (tm)", "Cisco Internetwork Operating System Software"):
		if m := ciscoVersionRE.FindStringSubmatch(sysDescr); m != nil && !strings.Contains(m[1], "(") {
			return "ios-xe", true
		}
		return "ios", true
	case ent == "junos" || strings.Contains(sysDescr, "JUNOS"):
		return "junos", true
	case ent == "eos" || strings.HasPrefix(sysDescr, "Arista Networks EOS"):
		return "eos", true
	case ent == "fortios" || strings.HasPrefix(sysDescr, "FortiGate") || strings.HasPrefix(sysDescr, "FortiOS"):
		return "fortios", true
	case ent == "pan-os" || strings.HasPrefix(sysDescr, "Palo Alto Networks"):
		return "pan-os", true
	case ent == "routeros" || strings.HasPrefix(sysDescr, "RouterOS"):
		return "routeros", true
	case ent == "gaia":
		return "gaia", true
	}
	return "", false
}

var (
	ciscoVersionRE = regexp.MustCompile(`Version ([^ ,]{1,60})`)
	junosVersionRE = regexp.MustCompile(`JUNOS (?:EVO )?([^ ,\[\]]{1,60})`)
	eosVersionRE   = regexp.MustCompile(`EOS version ([^ ,]{1,60})`)
)

// VersionFrom picks the version string of a platform out of what the
// agent said: sysDescr for Cisco, Juniper and Arista, the vendor OID for
// the others (values maps dotted OIDs to their text). It does not parse the
// version; Parse does.
func VersionFrom(platform, sysDescr string, values map[string]string) (string, error) {
	if oid, ok := versionOIDs[platform]; ok {
		v := strings.TrimSpace(values[oid])
		if v == "" {
			return "", fmt.Errorf("the agent has no %s version at OID %s", platform, oid)
		}
		return v, nil
	}
	var re *regexp.Regexp
	switch platform {
	case "ios", "ios-xe", "nx-os":
		re = ciscoVersionRE
	case "junos":
		re = junosVersionRE
	case "eos":
		re = eosVersionRE
	default:
		return "", fmt.Errorf("SNMP gives no %s version (sysDescr carries none and there is no version OID)", platform)
	}
	m := re.FindStringSubmatch(sysDescr)
	if m == nil {
		return "", fmt.Errorf("no %s version in sysDescr %q", platform, clip(sysDescr))
	}
	return m[1], nil
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
