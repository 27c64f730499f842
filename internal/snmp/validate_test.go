package snmp_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/snmp"
)

func v2c(host string) snmp.Target {
	return snmp.Target{Host: host, Port: 161, Version: "2c", Community: "s3cret-community"}
}

func v3(level string) snmp.Target {
	return snmp.Target{Host: "router1.example.net", Version: "3", User: "monitor", SecurityLevel: level,
		AuthProtocol: "SHA", AuthPassphrase: "auth-s3cret-pass", PrivProtocol: "AES", PrivPassphrase: "priv-s3cret-pass"}
}

func TestValidate(t *testing.T) {
	huge := strings.Repeat("a", 10<<20)
	tests := []struct {
		name    string
		target  snmp.Target
		wantErr string // "" = valid
	}{
		{"IPv4", v2c("192.0.2.10"), ""},
		{"host name", v2c("core-sw1.example.net"), ""},
		{"host name trailing dot", v2c("core-sw1.example.net."), ""},
		{"underscore inside label", v2c("fw_dmz1"), ""},
		{"IPv6 loopback", v2c("::1"), ""},
		{"IPv6 in brackets", v2c("[2001:db8::1]"), ""},
		{"port 0 means 161", func() snmp.Target { t := v2c("r1"); t.Port = 0; return t }(), ""},
		{"port 65535", func() snmp.Target { t := v2c("r1"); t.Port = 65535; return t }(), ""},
		{"empty host", v2c(""), "empty host"},
		{"shell command", v2c("fw1; rm -rf /"), "not a valid IP address or host name"},
		{"command substitution", v2c("$(id)"), "not a valid IP address or host name"},
		{"backticks", v2c("`id`"), "not a valid"},
		{"space", v2c("core sw1"), "not a valid"},
		{"newline", v2c("r1\nX-Injected: 1"), "not a valid"},
		{"10 MB host", v2c(huge), "longer than 253"},
		{"label too long", v2c(strings.Repeat("a", 64) + ".example.net"), "not a valid"},
		{"leading hyphen", v2c("-r1"), "not a valid"},
		{"bad IPv4", v2c("10.0.0.300"), "not a valid IP address"},
		{"short numeric", v2c("10.1"), "not a valid IP address"},
		{"brackets around IPv4", v2c("[10.0.0.1]"), "brackets only around an IPv6"},
		{"IPv6 zone", v2c("fe80::1%eth0"), "zones are not supported"},
		{"host with port", v2c("10.0.0.1:161"), "not a valid"},
		{"port negative", func() snmp.Target { t := v2c("r1"); t.Port = -1; return t }(), "port -1 out of range"},
		{"port too big", func() snmp.Target { t := v2c("r1"); t.Port = 65536; return t }(), "port 65536 out of range"},
		{"retries negative", func() snmp.Target { t := v2c("r1"); t.Retries = -1; return t }(), "retries"},
		{"timeout negative", func() snmp.Target { t := v2c("r1"); t.Timeout = -1; return t }(), "negative timeout"},
		{"version 1", func() snmp.Target { t := v2c("r1"); t.Version = "1"; return t }(), `SNMP version "1"`},
		{"version empty", func() snmp.Target { t := v2c("r1"); t.Version = ""; return t }(), "SNMP version"},
		{"v2c no community", func() snmp.Target { t := v2c("r1"); t.Community = ""; return t }(), "needs a community"},
		{"v2c community with newline", func() snmp.Target { t := v2c("r1"); t.Community = "a\nb"; return t }(), "community must be"},
		{"v2c with v3 user", func() snmp.Target { t := v2c("r1"); t.User = "monitor"; return t }(), "v3 user/security fields set on a v2c"},
		{"v3 authPriv", v3("authPriv"), ""},
		{"v3 level case-insensitive", v3("AUTHPRIV"), ""},
		{"v3 authNoPriv", func() snmp.Target { t := v3("authNoPriv"); t.PrivProtocol, t.PrivPassphrase = "", ""; return t }(), ""},
		{"v3 noAuthNoPriv", snmp.Target{Host: "r1", Version: "3", User: "monitor", SecurityLevel: "noAuthNoPriv"}, ""},
		{"v3 every auth protocol", func() snmp.Target {
			t := v3("authPriv")
			t.AuthProtocol = "SHA512"
			t.PrivProtocol = "AES256C"
			return t
		}(), ""},
		{"v3 no user", func() snmp.Target { t := v3("authPriv"); t.User = ""; return t }(), "needs a user"},
		{"v3 user too long", func() snmp.Target { t := v3("authPriv"); t.User = strings.Repeat("u", 33); return t }(), "1-32 printable"},
		{"v3 bad level", v3("authpriv; id"), "security level"},
		{"v3 missing level", v3(""), "security level"},
		{"v3 bad auth protocol", func() snmp.Target { t := v3("authPriv"); t.AuthProtocol = "SHA1024"; return t }(), "auth protocol"},
		{"v3 bad priv protocol", func() snmp.Target { t := v3("authPriv"); t.PrivProtocol = "3DES"; return t }(), "priv protocol"},
		{"v3 short auth passphrase", func() snmp.Target { t := v3("authPriv"); t.AuthPassphrase = "1234567"; return t }(), "auth passphrase must be at least 8"},
		{"v3 short priv passphrase", func() snmp.Target { t := v3("authPriv"); t.PrivPassphrase = "1234567"; return t }(), "priv passphrase must be at least 8"},
		{"v3 priv with authNoPriv", v3("authNoPriv"), "priv settings given with security level authNoPriv"},
		{"v3 auth with noAuthNoPriv", v3("noAuthNoPriv"), "auth/priv settings given"},
		{"v3 with community", func() snmp.Target { t := v3("authPriv"); t.Community = "public"; return t }(), "community set on an SNMPv3"},
		{"v3 10 MB passphrase", func() snmp.Target { t := v3("authPriv"); t.AuthPassphrase = huge; return t }(), "at most 256"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.target.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want error containing %q", tc.wantErr)
			}
			if !errors.Is(err, snmp.ErrInvalidTarget) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Validate() = %v, want ErrInvalidTarget containing %q", err, tc.wantErr)
			}
			if len(err.Error()) > 300 {
				t.Errorf("error is %d bytes long; hostile input must be clipped", len(err.Error()))
			}
			assertNoSecrets(t, err, tc.target)
		})
	}
}

func TestReadSystemRejectsBadInputWithoutSending(t *testing.T) {
	tests := []struct {
		name   string
		target snmp.Target
		oids   []string
		want   string
	}{
		{"hostile host", v2c("$(id)"), nil, "not a valid"},
		{"non-numeric OID", v2c("127.0.0.1"), []string{"sysDescr.0"}, "OID"},
		{"OID with empty part", v2c("127.0.0.1"), []string{"1.3..6"}, "OID"},
		{"OID part too big", v2c("127.0.0.1"), []string{"1.3.6.4294967296"}, "OID"},
		{"too many OIDs", v2c("127.0.0.1"), make([]string, snmp.MaxExtraOIDs+1), "extra OIDs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := snmp.ReadSystem(t.Context(), tc.target, tc.oids...)
			if !errors.Is(err, snmp.ErrInvalidTarget) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadSystem = %v, want ErrInvalidTarget containing %q", err, tc.want)
			}
			assertNoSecrets(t, err, tc.target)
		})
	}
}

func TestNormalizeOID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.1.0"},
		{".1.3.6.1.4.1.12356.101.4.1.1.0", "1.3.6.1.4.1.12356.101.4.1.1.0"},
		{"2.999.1", "2.999.1"},
		{"1.3.6.1.4294967295", "1.3.6.1.4294967295"},
		{"", ""}, {".", ""}, {"1", ""}, {"1.3.", ""}, {"1.03.6", ""}, {"3.1", ""}, {"1.40", ""},
		{"1.3.-6", ""}, {"1.3.+6", ""}, {"iso.3.6", ""}, {"1.3.6 ", ""},
	}
	for _, tc := range tests {
		got, err := snmp.NormalizeOID(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("NormalizeOID(%q) = %q, want error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeOID(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestAddress(t *testing.T) {
	for in, want := range map[string]string{"10.0.0.1": "10.0.0.1:161", "::1": "[::1]:161", "[2001:db8::1]": "[2001:db8::1]:161", "r1": "r1:161"} {
		if got := (snmp.Target{Host: in}).Address(); got != want {
			t.Errorf("Address(%q) = %q, want %q", in, got, want)
		}
	}
}
