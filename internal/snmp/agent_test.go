package snmp_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/snmp"
	"github.com/guardrail-monitoring/guardrail/internal/snmp/snmptest"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

const (
	ciscoObjectID   = "1.3.6.1.4.1.9.1.2494"
	juniperObjectID = "1.3.6.1.4.1.2636.1.1.1.2.25"
	// FortiGate fgSysVersion.0, served by the test agent as an extra value.
	fgSysVersion = "1.3.6.1.4.1.12356.101.4.1.1.0"
	// An OID no agent here has.
	missingOID = "1.3.6.1.4.1.99999.1.2.3.0"
)

func readFixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../testdata/snmp/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func withDeadline(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestReadSystemV2cRealAgent(t *testing.T) {
	tests := []struct {
		name, descrFile, objectID string
	}{
		{"cisco IOS-XE", "sysdescr-iosxe.txt", ciscoObjectID},
		{"juniper Junos", "sysdescr-junos.txt", juniperObjectID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			descr := readFixture(t, tc.descrFile)
			agent := snmptest.Start(t, descr, tc.objectID)
			sys, err := snmp.ReadSystem(withDeadline(t, 5*time.Second), agent.V2c())
			if err != nil {
				t.Fatalf("ReadSystem: %v\n%s", err, agent.Log())
			}
			if sys.Descr != descr {
				t.Errorf("Descr = %q, want %q", sys.Descr, descr)
			}
			if sys.ObjectID != tc.objectID {
				t.Errorf("ObjectID = %q, want %q", sys.ObjectID, tc.objectID)
			}
			if len(sys.Values) != 0 {
				t.Errorf("Values = %v, want none", sys.Values)
			}
		})
	}
}

func TestReadSystemExtraOIDs(t *testing.T) {
	agent := snmptest.Start(t, "FortiGate-100F", "1.3.6.1.4.1.12356.101.1.1004",
		snmptest.Value{OID: fgSysVersion, Value: "v7.2.5,build1517,230606 (GA.F)"},
		snmptest.Value{OID: "1.3.6.1.4.1.99998.1.0", Type: "i", Value: "-42"},
		snmptest.Value{OID: "1.3.6.1.4.1.99998.2.0", Type: "o", Value: "1.3.6.1.4.1.9.1.1"},
		snmptest.Value{OID: "1.3.6.1.4.1.99998.3.0", Type: "u", Value: "4294967295"},
	)
	for _, v := range []string{"2c", "3"} {
		t.Run("v"+v, func(t *testing.T) {
			target := agent.V2c()
			if v == "3" {
				target = agent.V3()
			}
			sys, err := snmp.ReadSystem(withDeadline(t, 5*time.Second), target,
				fgSysVersion, missingOID, ".1.3.6.1.4.1.99998.1.0", "1.3.6.1.4.1.99998.2.0", "1.3.6.1.4.1.99998.3.0")
			if err != nil {
				t.Fatalf("ReadSystem: %v\n%s", err, agent.Log())
			}
			want := map[string]string{
				fgSysVersion:            "v7.2.5,build1517,230606 (GA.F)",
				"1.3.6.1.4.1.99998.1.0": "-42",
				"1.3.6.1.4.1.99998.2.0": "1.3.6.1.4.1.9.1.1",
				"1.3.6.1.4.1.99998.3.0": "4294967295",
			}
			if len(sys.Values) != len(want) {
				t.Errorf("Values = %q, want %q", sys.Values, want)
			}
			for k, w := range want {
				if got, ok := sys.Values[k]; !ok || got != w {
					t.Errorf("Values[%s] = %q (present %v), want %q", k, got, ok, w)
				}
			}
			if _, ok := sys.Values[missingOID]; ok {
				t.Errorf("missing OID present in Values")
			}
			if sys.Descr != "FortiGate-100F" || sys.ObjectID != "1.3.6.1.4.1.12356.101.1.1004" {
				t.Errorf("system = %q %q", sys.Descr, sys.ObjectID)
			}
		})
	}
}

func TestReadSystemV3(t *testing.T) {
	descr := readFixture(t, "sysdescr-junos.txt")
	agent := snmptest.Start(t, descr, juniperObjectID)

	t.Run("authPriv SHA/AES", func(t *testing.T) {
		sys, err := snmp.ReadSystem(withDeadline(t, 5*time.Second), agent.V3())
		if err != nil {
			t.Fatalf("ReadSystem: %v\n%s", err, agent.Log())
		}
		if sys.Descr != descr || sys.ObjectID != juniperObjectID {
			t.Errorf("got %q %q", sys.Descr, sys.ObjectID)
		}
	})

	bad := []struct {
		name   string
		change func(*snmp.Target)
		want   string
	}{
		{"wrong auth passphrase", func(t *snmp.Target) { t.AuthPassphrase = "wrong-auth-passphrase" }, "usmStatsWrongDigests"},
		{"wrong auth protocol", func(t *snmp.Target) { t.AuthProtocol = "SHA256" }, "usmStatsWrongDigests"},
		{"unknown user", func(t *snmp.Target) { t.User = "nobody" }, "usmStatsUnknownUserNames"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			target := agent.V3()
			tc.change(&target)
			_, err := snmp.ReadSystem(withDeadline(t, 5*time.Second), target)
			if err == nil {
				t.Fatal("ReadSystem succeeded with bad credentials")
			}
			t.Logf("error: %v", err)
			if !errors.Is(err, snmp.ErrAuth) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want ErrAuth mentioning %s", err, tc.want)
			}
			if !strings.Contains(err.Error(), target.Address()) {
				t.Errorf("error %q does not name %s", err, target.Address())
			}
			assertNoSecrets(t, err, target)
		})
	}

	t.Run("wrong priv passphrase", func(t *testing.T) {
		// USM authenticates before it decrypts; a wrong priv key yields a
		// scopedPDU that does not decode, which net-snmp drops silently or
		// reports as a decryption error. Either way: an error, never data.
		target := agent.V3()
		target.PrivPassphrase = "wrong-priv-passphrase"
		target.Timeout, target.Retries = 500*time.Millisecond, 0
		_, err := snmp.ReadSystem(withDeadline(t, 5*time.Second), target)
		if err == nil {
			t.Fatal("ReadSystem succeeded with a wrong priv passphrase")
		}
		t.Logf("error: %v", err)
		if !errors.Is(err, snmp.ErrTimeout) && !errors.Is(err, snmp.ErrAuth) {
			t.Errorf("error = %v, want ErrTimeout or ErrAuth", err)
		}
		if strings.Contains(err.Error(), "usmStatsUnknownEngineIDs") {
			t.Errorf("error %q blames the discovery report", err)
		}
		assertNoSecrets(t, err, target)
	})
}

func TestReadSystemWrongCommunityTimesOut(t *testing.T) {
	agent := snmptest.Start(t, "Linux test", "1.3.6.1.4.1.8072.3.2.10")
	target := agent.V2c()
	target.Community = "wrong-" + agent.Community
	target.Timeout, target.Retries = 300*time.Millisecond, 1
	const deadline = 3 * time.Second
	start := time.Now()
	_, err := snmp.ReadSystem(withDeadline(t, deadline), target)
	elapsed := time.Since(start)
	if !errors.Is(err, snmp.ErrTimeout) {
		t.Fatalf("error = %v, want ErrTimeout", err)
	}
	t.Logf("error after %v: %v", elapsed, err)
	if elapsed > deadline+time.Second {
		t.Errorf("returned after %v, past the %v deadline", elapsed, deadline)
	}
	if !strings.Contains(err.Error(), "127.0.0.1:") || !strings.Contains(err.Error(), "community") {
		t.Errorf("error %q should name the address and hint at the community", err)
	}
	assertNoSecrets(t, err, target)
	if strings.Contains(err.Error(), agent.Community) {
		t.Errorf("error %q contains the real community", err)
	}
}

func TestReadSystemCtxDeadlineBeatsRetries(t *testing.T) {
	agent := snmptest.Start(t, "Linux test", "1.3.6.1.4.1.8072.3.2.10")
	target := agent.V2c()
	target.Community = "not-the-community"
	target.Timeout, target.Retries = 2*time.Second, 5 // 12 s without a deadline
	const deadline = 700 * time.Millisecond
	start := time.Now()
	_, err := snmp.ReadSystem(withDeadline(t, deadline), target)
	if elapsed := time.Since(start); elapsed > deadline+time.Second {
		t.Errorf("returned after %v, past the %v ctx deadline", elapsed, deadline)
	}
	if !errors.Is(err, snmp.ErrTimeout) {
		t.Errorf("error = %v, want ErrTimeout", err)
	}
}

func TestReadSystemNoAgent(t *testing.T) {
	// No skip: nothing but the loopback interface is needed.
	port := testenv.FreePort(t, "udp")
	target := snmp.Target{Host: "127.0.0.1", Port: port, Version: "2c", Community: "secret-community",
		Timeout: 400 * time.Millisecond, Retries: 1}
	const deadline = 3 * time.Second
	start := time.Now()
	_, err := snmp.ReadSystem(withDeadline(t, deadline), target)
	if elapsed := time.Since(start); elapsed > deadline+time.Second {
		t.Errorf("returned after %v, past the %v deadline", elapsed, deadline)
	}
	if err == nil {
		t.Fatal("ReadSystem succeeded with no agent")
	}
	t.Logf("error: %v", err)
	if !errors.Is(err, snmp.ErrUnreachable) && !errors.Is(err, snmp.ErrTimeout) {
		t.Errorf("error = %v, want ErrUnreachable or ErrTimeout", err)
	}
	if !strings.Contains(err.Error(), target.Address()) {
		t.Errorf("error %q does not name %s", err, target.Address())
	}
	assertNoSecrets(t, err, target)
}

func assertNoSecrets(t *testing.T, err error, target snmp.Target) {
	t.Helper()
	for _, s := range []string{target.Community, target.AuthPassphrase, target.PrivPassphrase} {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains a secret", err)
		}
	}
}
