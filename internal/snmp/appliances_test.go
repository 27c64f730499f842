package snmp_test

import (
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/osversion"
	"github.com/guardrail-monitoring/guardrail/internal/snmp"
	"github.com/guardrail-monitoring/guardrail/internal/snmp/snmptest"
)

// The security appliances through a real snmpd: one GET of sysDescr,
// sysObjectID and osversion.VersionOIDs, then detection and the version
// as check_os_version reads them. The agents serve what the devices do
// (sysDescr and sysObjectID as in LibreNMS's snmpsim data, the vendor
// OIDs of their MIBs, ENTITY-MIB where ASA's sysDescr has no version).
func TestApplianceDetectionRealAgent(t *testing.T) {
	cases := []struct {
		name, descr, objectID string
		values                []snmptest.Value
		platform, version     string // platform "": not detected
	}{
		{"bigip engineering hotfix", "Linux F5_device 2.6.32-431.56.1.el6.f5.x86_64 #1 SMP Thu Dec 13 14:25:45 PST 2018 x86_64", "1.3.6.1.4.1.3375.2.1.3.4.94",
			[]snmptest.Value{{OID: osversion.OIDBigIPVersion, Value: "15.1.10.2"}, {OID: osversion.OIDBigIPHotfix, Value: "EHF3"}},
			"bigip", "15.1.10.2 EHF3"},
		{"sonicos firmware OID", "SonicWALL TZ 210 (SonicOS Enhanced 5.9.1.6-5o)", "1.3.6.1.4.1.8741.1",
			[]snmptest.Value{{OID: osversion.OIDSonicOSVersion, Value: "SonicOS Enhanced 5.9.1.7-2o"}},
			"sonicos", "SonicOS Enhanced 5.9.1.7-2o"},
		{"asa from ENTITY-MIB", "Cisco Adaptive Security Appliance", "1.3.6.1.4.1.9.1",
			[]snmptest.Value{{OID: osversion.OIDEntitySoftwareRev + ".1", Value: "9.16(4)48"}},
			"asa", "9.16(4)48"},
		{"aos-cx sysDescr", "Aruba JL635A 8325 GL.10.04.2000", "1.3.6.1.4.1.47196.4.1.1.1.50", nil,
			"aos-cx", "GL.10.04.2000"},
		{"vrp sysDescr", "Huawei AR1220 Huawei Versatile Routing Platform Software  VRP (R) software,Version 5.120 (AR1220 V200R003C01SPC900) Copyright (C) 2011-2013 Huawei Technologies Co., Ltd", "1.3.6.1.4.1.2011.2.224.1", nil,
			"vrp", "V200R003C01SPC900"},
		{"opnsense from nsExtend", "FreeBSD fw.example.org 14.1-RELEASE-p6 FreeBSD 14.1-RELEASE-p6 amd64", "1.3.6.1.4.1.8072.3.2.8",
			[]snmptest.Value{{OID: osversion.OIDOPNsenseVersion, Value: "OPNsense 24.7.9_1 (amd64)"}},
			"opnsense", "24.7.9_1"},
		{"plain FreeBSD is not OPNsense", "FreeBSD host.example.org 14.1-RELEASE-p6 FreeBSD 14.1-RELEASE-p6 amd64", "1.3.6.1.4.1.8072.3.2.8", nil, "", ""},
		{"pfsense sysDescr", "pfSense 2.3.2-RELEASE pfSense FreeBSD 10.3-RELEASE-p5 amd64", "1.3.6.1.4.1.12325.1.1.2.1.1", nil,
			"pfsense", "2.3.2-RELEASE"},
		{"ftd sysDescr", "Cisco Firepower Threat Defense, Version 7.2.5 (Build 208), ASA Version 9.18(3)53", "1.3.6.1.4.1.9.1", nil,
			"ftd", "7.2.5-208"},
		{"SonicWall SMA is not SonicOS", "SonicWall SMA 500v", "1.3.6.1.4.1.8741.6", nil, "", ""},
		{"F5OS is not BIG-IP", "Linux appliance-1 4.18.0-372.9.1.el8.x86_64 #1 SMP x86_64", "1.3.6.1.4.1.12276.1.3.1.1", nil, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			agent := snmptest.Start(t, c.descr, c.objectID, c.values...)
			sys, err := snmp.ReadSystem(withDeadline(t, 5*time.Second), agent.V2c(), osversion.VersionOIDs()...)
			if err != nil {
				t.Fatalf("ReadSystem: %v\n%s", err, agent.Log())
			}
			platform, ok := osversion.DetectWith(sys.Descr, sys.ObjectID, sys.Values)
			if c.platform == "" {
				if ok {
					t.Fatalf("detected %s, want none", platform)
				}
				return
			}
			if !ok || platform != c.platform {
				t.Fatalf("detected %q %v, want %s", platform, ok, c.platform)
			}
			version, err := osversion.VersionFrom(platform, sys.Descr, sys.Values)
			if err != nil || version != c.version {
				t.Fatalf("version %q %v, want %q (values %v)", version, err, c.version, sys.Values)
			}
			if _, err := osversion.Parse(platform, version); err != nil {
				t.Fatal(err)
			}
		})
	}
}
