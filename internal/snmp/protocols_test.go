package snmp_test

import (
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/snmp"
	"github.com/guardrail-monitoring/guardrail/internal/snmp/snmptest"
)

// Every auth and priv protocol Target accepts, against net-snmp's own
// implementation (names differ: gosnmp "SHA256" is net-snmp "SHA-256").
func TestReadSystemV3Protocols(t *testing.T) {
	users := []struct {
		level, auth, priv        string // our names
		netsnmpAuth, netsnmpPriv string
	}{
		{"authPriv", "MD5", "DES", "MD5", "DES"},
		{"authPriv", "SHA", "AES", "SHA", "AES"},
		{"authPriv", "SHA224", "AES", "SHA-224", "AES"},
		{"authPriv", "SHA256", "AES", "SHA-256", "AES"},
		{"authPriv", "SHA384", "AES", "SHA-384", "AES"},
		{"authPriv", "SHA512", "AES", "SHA-512", "AES"},
		{"authPriv", "SHA256", "AES192", "SHA-256", "AES-192"},
		{"authPriv", "SHA256", "AES256", "SHA-256", "AES-256"},
		{"authNoPriv", "SHA512", "", "SHA-512", ""},
	}
	var v3users []snmptest.V3User
	for i, u := range users {
		v3users = append(v3users, snmptest.V3User{Name: "u" + string(rune('a'+i)), Auth: u.netsnmpAuth,
			AuthPass: "authpass-" + u.auth, Priv: u.netsnmpPriv, PrivPass: "privpass-" + u.priv})
	}
	agent := snmptest.StartUsers(t, "Linux proto", "1.3.6.1.4.1.8072.3.2.10", v3users)
	for i, u := range users {
		t.Run(u.level+"/"+u.auth+"/"+u.priv, func(t *testing.T) {
			target := snmp.Target{Host: agent.Host, Port: agent.Port, Version: "3", User: v3users[i].Name,
				SecurityLevel: u.level, AuthProtocol: u.auth, AuthPassphrase: v3users[i].AuthPass, Timeout: time.Second}
			if u.priv != "" {
				target.PrivProtocol, target.PrivPassphrase = u.priv, v3users[i].PrivPass
			}
			sys, err := snmp.ReadSystem(withDeadline(t, 5*time.Second), target)
			if err != nil {
				t.Fatalf("ReadSystem: %v", err)
			}
			if sys.Descr != "Linux proto" {
				t.Errorf("Descr = %q", sys.Descr)
			}
		})
	}
}
