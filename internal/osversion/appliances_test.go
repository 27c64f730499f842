package osversion

import "testing"

// Ordering facts of the security appliances, from the vendors' release
// naming: Cisco ASA interim builds after their maintenance release
// ("9.16(4)48"), FTD patches as a fourth number, F5's point releases,
// hotfixes and engineering hotfixes, SonicOS builds, AOS-CX's platform
// letters, Huawei's V/R/C/SPC/SPH, OPNsense's _N hotfixes, pfSense CE and
// Plus.
func init() {
	orderings["asa"] = []order{
		{"9.16(4)", "<", "9.16(4)48"},
		{"9.16(4)48", "<", "9.16(4)57"},
		{"9.16(4)57", "<", "9.16(5)"},
		{"9.16(4)48", "=", "9.16.4.48"},
		{"9.16(4)", "=", "9.16.4"},
		{"9.8(4)", "<", "9.8(4)10"},
		{"9.12(4)", "<", "9.16(1)"},
		{"9.18(3)53", ">", "9.18(3)"},
		{"9.20(2)", ">", "9.18(4)22"},
		{"8.4(7)", "<", "9.1(7)32"},
		{"9.16", "<", "9.16(4)"},
	}
	orderings["ftd"] = []order{
		{"7.2.5", "<", "7.2.5.1"},
		{"7.2.5.1", "<", "7.2.5.2"},
		{"7.2.5.2", "<", "7.2.6"},
		{"7.4.1-172", "=", "7.4.1"},
		{"7.4.1-172", "<", "7.4.2"},
		{"7.2.5 (Build 208)", "=", "7.2.5"},
		{"6.7.0.3", "<", "7.0.0"},
		{"7.0.6.2", "<", "7.2.0"},
		{"7.2.8-25", "<", "7.4.1-172"},
		{"7.6.0", ">", "7.4.2.1"},
	}
	orderings["bigip"] = []order{
		{"15.1.10", "<", "15.1.10.2"},
		{"15.1.10.2", "<", "15.1.10.3"},
		{"15.1.10.2", "<", "15.1.10.2 EHF3"},
		{"15.1.10.2 EHF3", "<", "15.1.10.2 EHF4"},
		{"15.1.10.2 EHF4", "<", "15.1.10.3"},
		{"15.1.10.2-ENG", "=", "15.1.10.2 EHF1"},
		{"17.1.1.3", ">", "17.1.1"},
		{"17.1.1.3", "<", "17.1.2"},
		{"17.1.1.3 Build 0.0.5", "=", "17.1.1.3"},
		{"11.6.1", "<", "11.6.1 HF2"},
		{"11.6.1 HF2", "<", "11.6.2"},
		{"16.1.4.1", "<", "17.1.0"},
		{"BIG-IP 17.1.1.3", "=", "17.1.1.3"},
	}
	orderings["sonicos"] = []order{
		{"6.5.4.4-44n", ">", "6.5.4.3-40n"},
		{"6.5.4.4-44n", "<", "6.5.4.5-53n"},
		{"6.5.4.4-44n", "=", "6.5.4.4-44o"},
		{"7.0.1-5145", "<", "7.0.1-5161"},
		{"7.0.1-5161", "<", "7.1.1-7040"},
		{"6.5.4.15-116n", "<", "7.0.1-5145"},
		{"SonicOS Enhanced 5.8.1.9-58o", "=", "5.8.1.9-58o"},
		{"5.9.1.6-5o", "<", "5.9.1.7-2o"},
		{"7.0.1", "<", "7.0.1-5145"},
		{"7.1.1-7040-R5387", "=", "7.1.1-7040"},
	}
	orderings["aos-cx"] = []order{
		{"FL.10.10.1060", "=", "GL.10.10.1060"},
		{"FL.10.10.1060", "=", "10.10.1060"},
		{"FL.10.10.1060", "<", "FL.10.10.1070"},
		{"FL.10.10.1060", ">", "FL.10.09.1080"},
		{"GL.10.04.2000", "<", "GL.10.06.0001"},
		{"PL.10.13.1000", ">", "PL.10.12.1030"},
		{"10.10", "<", "10.10.1060"},
		{"LL.10.11.1021", ">", "LL.10.10.1110"},
		{"TL.10.06.0110", "<", "TL.10.06.0120"},
		{"DL.10.12.1000", "=", "10.12.1000"},
	}
	orderings["vrp"] = []order{
		{"V200R019C10SPC500", ">", "V200R019C10SPC300"},
		{"V200R019C10", "<", "V200R019C10SPC500"},
		{"V200R019C10SPC500", "<", "V200R019C20"},
		{"V200R019C10SPC500", "<", "V200R020C00SPC100"},
		{"V200R003C01SPC900", "<", "V200R005C10SPC800"},
		{"V200R019C10SPC500", "<", "V200R019C10SPC500SPH001"},
		{"V800R021C00SPC100", ">", "V200R021C00SPC100"},
		{"V200R019", "<", "V200R019C10"},
		{"v200r019c10spc500", "=", "V200R019C10SPC500"},
		{"V300R001C00", ">", "V200R022C00SPC500"},
	}
	orderings["opnsense"] = []order{
		{"24.7.9", "<", "25.1"},
		{"24.7", "<", "24.7.9"},
		{"24.7.9", "<", "24.7.9_1"},
		{"24.7.9_1", "<", "24.7.10"},
		{"24.1.10", "<", "24.7"},
		{"25.1", "<", "25.1.1"},
		{"23.7.12_5", "<", "24.1"},
		{"OPNsense 24.7.9", "=", "24.7.9"},
		{"25.7", ">", "25.1.12"},
		{"24.7.9", "=", "24.7.9_0"},
	}
	orderings["pfsense"] = []order{
		{"2.7.2", ">", "2.7.1"},
		{"2.7.2", "<", "2.8.0"},
		{"2.7.2-RELEASE", "=", "2.7.2"},
		{"2.4.4-RELEASE-p3", ">", "2.4.4"},
		{"2.4.4-RELEASE-p3", "<", "2.4.5"},
		{"CE 2.7.2", "=", "2.7.2"},
		{"Plus 24.03", "=", "24.03"},
		{"24.03", "<", "24.11"},
		{"23.09.1", "<", "24.03"},
		{"24.03", "x", "2.7.2"},
		{"pfSense Plus 23.09.1", ">", "23.09"},
	}
}

func TestApplianceRejects(t *testing.T) {
	bad := map[string][]string{
		"asa":      {"9.16(4", "9.16(4)a", "ASA 9.16", "9", "9.16(4)48.1"},
		"ftd":      {"7", "7.2.5.1.1", "7.2.5 Build 208", "v7.2.5"},
		"bigip":    {"17", "17.1.1.3.4", "17.1.1 HF", "F5OS-A 1.5.1"},
		"sonicos":  {"7", "7.0.1-", "SonicOS", "SMA 10.2.1.9-57sv", "7.0.1-5145-"},
		"aos-cx":   {"WC.16.10.0012", "KB.16.11.0005", "8.10.0.5", "FL.10", "F.10.10.1060", "10"},
		"vrp":      {"V200", "V20R019C10", "V200R019C10SPC5000", "5.170", "R019C10"},
		"opnsense": {"24", "24.7.9_", "24.7.9-1", "v24.7"},
		"pfsense":  {"2", "2.7.2-p", "CE 24.03", "Plus 2.7.2", "10.3", "2.7.2-RELEASE-p"},
	}
	for id, list := range bad {
		for _, s := range list {
			if v, err := Parse(id, s); err == nil {
				t.Errorf("%s: Parse(%q) = key %v, want an error", id, s, v.key)
			}
		}
	}
}

// VersionFrom for the appliances: vendor OIDs first, sysDescr next,
// ENTITY-MIB last; what it returns parses with the platform's parser.
func TestApplianceVersionFrom(t *testing.T) {
	ent1 := OIDEntitySoftwareRev + ".1"
	ent22 := OIDEntitySoftwareRev + ".22"
	cases := []struct {
		platform, descr string
		values          map[string]string
		want            string // "" : an error
	}{
		{"bigip", "Linux f5 x86_64", map[string]string{OIDBigIPVersion: "17.1.1.3"}, "17.1.1.3"},
		{"bigip", "Linux f5 x86_64", map[string]string{OIDBigIPVersion: "15.1.10.2", OIDBigIPHotfix: "EHF3"}, "15.1.10.2 EHF3"},
		{"bigip", "Linux f5 x86_64", map[string]string{OIDBigIPHotfix: "EHF3"}, ""},
		{"bigip", "Linux f5 x86_64", map[string]string{OIDBigIPVersion: "17.1.1.3", OIDBigIPHotfix: "none"}, "17.1.1.3"},
		{"bigip", "Linux f5 x86_64", map[string]string{OIDBigIPVersion: "11.6.1", OIDBigIPHotfix: "HF2"}, "11.6.1 HF2"},
		{"sonicos", "SonicWALL TZ 210 (SonicOS Enhanced 5.9.1.6-5o)", map[string]string{OIDSonicOSVersion: "SonicOS Enhanced 5.9.1.7-2o"}, "SonicOS Enhanced 5.9.1.7-2o"},
		{"sonicos", "SonicWall NSa 2700", nil, ""},
		{"asa", "Cisco Adaptive Security Appliance", map[string]string{ent1: "9.16(4)48"}, "9.16(4)48"},
		{"asa", "Cisco Adaptive Security Appliance", nil, ""},
		{"asa", "Cisco Adaptive Security Appliance Version 9.18(4)22", map[string]string{ent1: "9.16(4)48"}, "9.18(4)22"},
		{"nx-os", "Cisco NX-OS(tm) n9000, Software (n9000-dk9)", map[string]string{ent22: "9.3(10)"}, "9.3(10)"},
		{"opnsense", "FreeBSD fw.example.org 14.1-RELEASE-p6 FreeBSD 14.1-RELEASE-p6 amd64", map[string]string{OIDOPNsenseVersion: "OPNsense 24.7.9_1 (amd64)"}, "24.7.9_1"},
		{"opnsense", "FreeBSD fw.example.org 14.1-RELEASE-p6 FreeBSD 14.1-RELEASE-p6 amd64", nil, ""},
		{"vrp", "Huawei Versatile Routing Platform Software\r\nVRP (R) software, Version 5.170 (S5720 V200R019C10SPC500)\r\nCopyright (C) 2000-2020 HUAWEI TECH Co., Ltd.", nil, "V200R019C10SPC500"},
		{"aos-cx", "Aruba JL658A 6300M 24SFP+ 4SFP56 Swch FL.10.10.1060", nil, "FL.10.10.1060"},
		{"ftd", "Cisco Firepower Threat Defense, Version 7.4.1 (Build 172), ASA Version 9.20(2)", nil, "7.4.1-172"},
		{"pfsense", "pfSense fw.example.org 2.7.2-RELEASE pfSense FreeBSD 14.0-CURRENT amd64", nil, "2.7.2-RELEASE"},
	}
	for _, c := range cases {
		got, err := VersionFrom(c.platform, c.descr, c.values)
		if c.want == "" {
			if err == nil {
				t.Errorf("%s %q: version %q, want an error", c.platform, c.descr, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %q: %q %v, want %q", c.platform, c.descr, got, err, c.want)
			continue
		}
		if _, err := Parse(c.platform, got); err != nil {
			t.Errorf("%s: %v", c.platform, err)
		}
	}
}

func TestDetectWithOPNsenseExtend(t *testing.T) {
	freebsd := "FreeBSD fw.example.org 14.1-RELEASE-p6 FreeBSD 14.1-RELEASE-p6 amd64"
	if p, ok := DetectWith(freebsd, "1.3.6.1.4.1.8072.3.2.8", map[string]string{OIDOPNsenseVersion: "OPNsense 25.1 (amd64)"}); !ok || p != "opnsense" {
		t.Errorf("OPNsense by its extend: %q %v", p, ok)
	}
	for _, c := range []struct {
		oid    string
		values map[string]string
	}{
		{"1.3.6.1.4.1.8072.3.2.8", nil},
		{"1.3.6.1.4.1.8072.3.2.8", map[string]string{OIDOPNsenseVersion: "pfSense 2.7.2"}},
		{"1.3.6.1.4.1.8072.3.2.10", map[string]string{OIDOPNsenseVersion: "OPNsense 25.1"}},
	} {
		if p, ok := DetectWith(freebsd, c.oid, c.values); ok {
			t.Errorf("%s %v: detected %s", c.oid, c.values, p)
		}
	}
	if p, ok := DetectWith("Cisco Adaptive Security Appliance Version 9.16(4)48", "1.3.6.1.4.1.9.1", nil); !ok || p != "asa" {
		t.Errorf("falls back to Detect: %q %v", p, ok)
	}
}

func TestNormalizeApplianceAliases(t *testing.T) {
	for in, want := range map[string]string{
		"ASA": "asa", "cisco-asa": "asa", "Firepower": "ftd", "F5": "bigip", "BIG-IP": "bigip", "f5-bigip": "bigip",
		"SonicWall": "sonicos", "ArubaOS-CX": "aos-cx", "VRP": "vrp", "OPNsense": "opnsense", "pfSense": "pfsense",
		"cisco-ios-xe": "ios-xe", "Cisco-NX-OS": "nx-os", "juniper-junos": "junos", "paloalto-panos": "pan-os",
	} {
		if got, ok := Normalize(in); !ok || got != want {
			t.Errorf("Normalize(%q) = %q %v, want %s", in, got, ok, want)
		}
	}
	for _, in := range []string{"f5os", "arubaos", "aos-s", "procurve", "sma"} {
		if got, ok := Normalize(in); ok {
			t.Errorf("look-alike %q normalized to %s", in, got)
		}
	}
}
