package osversion

import (
	"fmt"
	"strings"
)

// Vendor version OIDs, read where sysDescr carries no version (verified
// against the vendors' MIBs as LibreNMS and others use them).
const (
	OIDFortiGateVersion  = "1.3.6.1.4.1.12356.101.4.1.1.0" // FORTINET-FORTIGATE-MIB fgSysVersion
	OIDPanOSVersion      = "1.3.6.1.4.1.25461.2.1.2.1.1.0" // PAN-COMMON-MIB panSysSwVersion
	OIDCheckPointVersion = "1.3.6.1.4.1.2620.1.6.4.1.0"    // CHECKPOINT-MIB svnVersion
	OIDMikroTikVersion   = "1.3.6.1.4.1.14988.1.1.4.4.0"   // MIKROTIK-MIB mtxrLicVersion
	OIDBigIPVersion      = "1.3.6.1.4.1.3375.2.1.4.2.0"    // F5-BIGIP-SYSTEM-MIB sysProductVersion
	OIDBigIPHotfix       = "1.3.6.1.4.1.3375.2.1.4.6.0"    // F5-BIGIP-SYSTEM-MIB sysProductHotfix
	OIDSonicOSVersion    = "1.3.6.1.4.1.8741.2.1.1.3.0"    // SNWL-COMMON-MIB snwlSysFirmwareVersion
	// NET-SNMP-EXTEND-MIB nsExtendOutput1Line."version", where OPNsense's
	// net-snmp plugin (and LibreNMS's detection) puts "OPNsense 24.7.9 ...".
	OIDOPNsenseVersion = "1.3.6.1.4.1.8072.1.3.2.3.1.2.7.118.101.114.115.105.111.110"
)

// OIDEntitySoftwareRev is ENTITY-MIB entPhysicalSoftwareRev; the column
// is indexed by entPhysicalIndex. entitySoftwareRevs are the indices
// asked for: 1 (the chassis of ASA and most single-chassis devices), 10
// and 22 (the chassis and the first supervisor of Nexus switches).
const OIDEntitySoftwareRev = "1.3.6.1.2.1.47.1.1.1.1.10"

var entitySoftwareRevs = []string{OIDEntitySoftwareRev + ".1", OIDEntitySoftwareRev + ".10", OIDEntitySoftwareRev + ".22"}

// versionOIDs maps a platform to the OID holding its version.
var versionOIDs = map[string]string{
	"fortios": OIDFortiGateVersion, "pan-os": OIDPanOSVersion,
	"gaia": OIDCheckPointVersion, "routeros": OIDMikroTikVersion,
	"bigip": OIDBigIPVersion, "sonicos": OIDSonicOSVersion,
}

// VersionOIDs are the vendor OIDs worth asking for in the same GET as
// sysDescr, so one round trip serves any platform.
func VersionOIDs() []string {
	return append([]string{OIDFortiGateVersion, OIDPanOSVersion, OIDCheckPointVersion, OIDMikroTikVersion,
		OIDBigIPVersion, OIDBigIPHotfix, OIDSonicOSVersion, OIDOPNsenseVersion}, entitySoftwareRevs...)
}

// Enterprise numbers (IANA PEN) under 1.3.6.1.4.1.
var enterprises = map[string]string{
	"9": "cisco", "2636": "junos", "12356": "fortios", "25461": "pan-os",
	"30065": "eos", "14988": "routeros", "2620": "gaia",
	"3375": "f5", "12276": "f5os", "8741": "sonicwall", "47196": "aruba",
	"14823": "aruba-aos8", "11": "hp", "2011": "huawei",
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

// underOID reports whether objectID is prefix or below it, arc by arc
// (1.3.6.1.4.1.8741.1 is not under 1.3.6.1.4.1.8741.10).
func underOID(objectID, prefix string) bool {
	oid := strings.TrimPrefix(strings.TrimSpace(objectID), ".")
	return oid == prefix || strings.HasPrefix(oid, prefix+".")
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
//
// Look-alikes stay apart: FTD's sysDescr names an ASA version too, but
// says "Firepower Threat Defense" first; F5OS (enterprise 12276) is not
// BIG-IP (3375.2.1.3.4.*); SonicWall's SMA/SRA remote-access appliances
// are not SonicOS; AOS-S (HP, enterprise 11) and AOS-8 (14823) are not
// AOS-CX (47196.4.1.1.*). Those are reported as unknown.
func Detect(sysDescr, sysObjectID string) (string, bool) {
	ent := enterprise(sysObjectID)
	switch {
	case strings.Contains(sysDescr, "Firepower Threat Defense"):
		return "ftd", true
	case strings.HasPrefix(sysDescr, "Cisco Adaptive Security Appliance"), strings.HasPrefix(sysDescr, "Cisco Industrial Security Appliance"):
		return "asa", true
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
	case ent == "f5":
		if underOID(sysObjectID, "1.3.6.1.4.1.3375.2.1.3.4") {
			return "bigip", true
		}
		return "", false
	case ent == "sonicwall":
		if sonicwallOtherRE.MatchString(sysDescr) {
			return "", false
		}
		if underOID(sysObjectID, "1.3.6.1.4.1.8741.1") || strings.Contains(sysDescr, "SonicOS") {
			return "sonicos", true
		}
		return "", false
	case ent == "aruba":
		if underOID(sysObjectID, "1.3.6.1.4.1.47196.4.1.1") {
			return "aos-cx", true
		}
		return "", false
	case ent == "huawei":
		if containsAny(sysDescr, "VRP", "Versatile Routing Platform") {
			return "vrp", true
		}
		return "", false
	case strings.Contains(sysDescr, "OPNsense"):
		return "opnsense", true
	case strings.Contains(strings.ToLower(sysDescr), "pfsense"):
		return "pfsense", true
	}
	return "", false
}

// DetectWith is Detect with the vendor OID values read in the same GET
// (VersionOIDs): an OPNsense whose sysDescr is FreeBSD's is recognised, as
// LibreNMS does, by net-snmp's FreeBSD sysObjectID (8072.3.2.8) and the
// "version" extend naming OPNsense.
func DetectWith(sysDescr, sysObjectID string, values map[string]string) (string, bool) {
	if p, ok := Detect(sysDescr, sysObjectID); ok {
		return p, true
	}
	if underOID(sysObjectID, "1.3.6.1.4.1.8072.3.2.8") && strings.Contains(values[OIDOPNsenseVersion], "OPNsense") {
		return "opnsense", true
	}
	return "", false
}

var (
	ciscoVersionRE = lazy(`Version ([^ ,]{1,60})`)
	junosVersionRE = lazy(`JUNOS (?:EVO )?([^ ,\[\]]{1,60})`)
	eosVersionRE   = lazy(`EOS version ([^ ,]{1,60})`)
	ftdVersionRE   = lazy(`Threat Defense, Version (\d[\d.]{0,30})(?: \(Build (\d{1,9})\))?`)
	sonicosDescrRE = lazy(`\((SonicOS [^()]{1,60})\)`)
	aoscxVersionRE = lazy(`\b([A-Z]{2}\.10\.\d{1,4}\.\d{1,6})\b`)
	vrpVersionRE   = lazy(`\b(V\d{3}R\d{3}(?:C\d{2})?(?:SPC\d{3})?(?:SPH\d{3})?)\b`)
	// OPNsense's version only where it follows the product name (sysDescr
	// also carries the FreeBSD release, which is not it).
	opnsenseVersionRE = lazy(`OPNsense\s+(\d{2}\.\d{1,2}(?:\.\d{1,3})?(?:_\d{1,3})?)\b`)
	opnsenseExtendRE  = lazy(`^\s*(?:OPNsense\s+)?(\d{2}\.\d{1,2}(?:\.\d{1,3})?(?:_\d{1,3})?)\b`)
	// SonicWall products that do not run SonicOS.
	sonicwallOtherRE = lazy(`\b(?:SMA|SRA|SSL-?VPN|Secure Mobile Access|Email Security|Capture Security)\b`)
	pfsenseVersionRE = lazy(`\b(\d{1,2}\.\d{1,2}(?:\.\d{1,3})?-RELEASE(?:-p\d{1,3})?)\b`)
)

// descrVersion finds the version in a sysDescr, per platform.
var descrVersion = map[string]func(descr string) (string, bool){
	"ios": firstGroup(ciscoVersionRE), "ios-xe": firstGroup(ciscoVersionRE), "nx-os": firstGroup(ciscoVersionRE),
	"asa": firstGroup(ciscoVersionRE), "junos": firstGroup(junosVersionRE), "eos": firstGroup(eosVersionRE),
	"ftd": func(descr string) (string, bool) {
		m := ftdVersionRE.FindStringSubmatch(descr)
		if m == nil {
			return "", false
		}
		v := strings.TrimRight(m[1], ".")
		if m[2] != "" {
			v += "-" + m[2]
		}
		return v, true
	},
	"sonicos": firstGroup(sonicosDescrRE), "aos-cx": firstGroup(aoscxVersionRE), "vrp": firstGroup(vrpVersionRE),
	"opnsense": firstGroup(opnsenseVersionRE),
	"pfsense":  firstGroup(pfsenseVersionRE),
}

func firstGroup(re *lazyRegexp) func(string) (string, bool) {
	return func(s string) (string, bool) {
		m := re.FindStringSubmatch(s)
		if m == nil {
			return "", false
		}
		return m[1], true
	}
}

// noHotfix reports whether sysProductHotfix says there is none.
func noHotfix(s string) bool {
	switch strings.ToLower(s) {
	case "", "0", "none", "n/a", "-":
		return true
	}
	return false
}

// entityFallback lists the platforms whose sysDescr may lack the version
// (ASA's "Cisco Adaptive Security Appliance", some NX-OS releases): then
// ENTITY-MIB entPhysicalSoftwareRev holds it.
var entityFallback = map[string]bool{"asa": true, "nx-os": true}

// VersionFrom picks the version string of a platform out of what the
// agent said (values maps dotted OIDs to their text, as ReadSystem returns
// them for VersionOIDs): the vendor OID where the platform has one
// (BIG-IP's sysProductVersion with sysProductHotfix appended when set),
// else sysDescr, else ENTITY-MIB for ASA and NX-OS. It does not parse the
// version; Parse does.
func VersionFrom(platform, sysDescr string, values map[string]string) (string, error) {
	if oid, ok := versionOIDs[platform]; ok {
		if v := strings.TrimSpace(values[oid]); v != "" {
			if hf := strings.TrimSpace(values[OIDBigIPHotfix]); platform == "bigip" && !noHotfix(hf) {
				v += " " + hf // whatever it says; Parse refuses what it cannot order
			}
			return v, nil
		}
		if find := descrVersion[platform]; find != nil {
			if v, ok := find(sysDescr); ok {
				return v, nil
			}
		}
		return "", fmt.Errorf("the agent has no %s version at OID %s", platform, oid)
	}
	if platform == "opnsense" {
		if v, ok := firstGroup(opnsenseExtendRE)(values[OIDOPNsenseVersion]); ok {
			return v, nil
		}
	}
	find, ok := descrVersion[platform]
	if !ok {
		return "", fmt.Errorf("SNMP gives no %s version (sysDescr carries none and there is no version OID)", platform)
	}
	if v, ok := find(sysDescr); ok {
		return v, nil
	}
	if entityFallback[platform] {
		for _, oid := range entitySoftwareRevs {
			if v := strings.TrimSpace(values[oid]); v != "" {
				return v, nil
			}
		}
		return "", fmt.Errorf("no %s version in sysDescr %q nor in ENTITY-MIB entPhysicalSoftwareRev (%s.1, .10, .22)", platform, clip(sysDescr), OIDEntitySoftwareRev)
	}
	return "", fmt.Errorf("no %s version in sysDescr %q", platform, clip(sysDescr))
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
