package advisory

import "testing"

// The worked examples of the CVSS v3.1 specification document (FIRST,
// "CVSS v3.1 Examples") and the vector of USN-6737-1 (CVE-2024-2961).
func TestCVSS3BaseScore(t *testing.T) {
	for _, c := range []struct {
		vector string
		want   float64
		sev    Severity
	}{
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, High},     // CVE-2014-0160 Heartbleed
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, Critical}, // CVE-2014-6271 Shellshock
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, Medium},   // CVE-2013-1937 phpMyAdmin XSS
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, Medium},   // CVE-2013-0375 MySQL
		{"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, Low},      // CVE-2014-3566 POODLE
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, Critical}, // CVE-2012-1516 VMware
		{"CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2, Medium},   // CVE-2009-0783 Tomcat
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8, High},     // CVE-2012-0384 Cisco IOS
		{"CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8, High},     // CVE-2015-1098 Apple iWork
		{"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4, High},     // CVE-2014-0224 OpenSSL CCS
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6, Critical}, // CVE-2012-5376 Chrome IPC
		{"CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:H", 7.3, High},     // CVE-2024-2961 glibc iconv (USN-6737-1)
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0, Negligible},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C", 9.8, Critical}, // temporal metrics leave the base alone
	} {
		got, err := CVSS3BaseScore(c.vector)
		if err != nil || got != c.want {
			t.Errorf("%s: got %v %v, want %v", c.vector, got, err, c.want)
			continue
		}
		if r, _ := CVSSRating(c.vector); r.Severity != c.sev {
			t.Errorf("%s: severity %v, want %v", c.vector, r.Severity, c.sev)
		}
	}
	for _, bad := range []string{"", "CVSS:2.0/AV:N", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:H", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:X/C:H/I:H/A:H",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A"} {
		if s, err := CVSS3BaseScore(bad); err == nil {
			t.Errorf("%q accepted as %v", bad, s)
		}
	}
}

func TestRoundup(t *testing.T) {
	for in, want := range map[float64]float64{4.0: 4.0, 4.02: 4.1, 4.000001: 4.0, 7.216: 7.3, 0.01: 0.1, 10: 10} {
		if got := roundup(in); got != want {
			t.Errorf("roundup(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestVendorMappings(t *testing.T) {
	for _, c := range []struct {
		r    Rating
		want Severity
	}{
		{DebianUrgency("unimportant"), Negligible}, {DebianUrgency("low"), Low}, {DebianUrgency("low**"), Low},
		{DebianUrgency("medium"), Medium}, {DebianUrgency("high"), High}, {DebianUrgency("not yet assigned"), Unknown},
		{DebianUrgency("end-of-life"), Unknown},
		{UbuntuPriority("negligible"), Negligible}, {UbuntuPriority("critical"), Critical}, {UbuntuPriority("untriaged"), Unknown},
		{RedHatImpact("Critical"), Critical}, {RedHatImpact("Important"), High}, {RedHatImpact("Moderate"), Medium}, {RedHatImpact("Low"), Low},
		{RedHatImpact("None"), Unknown},
	} {
		if c.r.Severity != c.want {
			t.Errorf("%s %q: %v, want %v", c.r.Scheme, c.r.Vendor, c.r.Severity, c.want)
		}
	}
	if r := DebianUrgency("low**"); r.Vendor != "low**" {
		t.Errorf("vendor word not kept: %+v", r)
	}
}

func FuzzCVSS3BaseScore(f *testing.F) {
	for _, s := range []string{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.0/AV:P/AC:H/PR:H/UI:R/S:C/C:N/I:N/A:L", "CVSS:3.1/", "CVSS:3.1/AV:N/AV:N"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		s, err := CVSS3BaseScore(v)
		if err == nil && (s < 0 || s > 10 || roundup(s) != s) {
			t.Fatalf("%q: score %v", v, s)
		}
	})
}
