// Package snmptest runs Debian's real snmpd on 127.0.0.1 for tests, with a
// fixed sysDescr, sysObjectID and any extra OID values, so SNMP code is
// tested against the agent devices actually talk like, not a mock.
package snmptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/snmp"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// SnmpdPath is Debian's snmpd (package snmpd).
const SnmpdPath = "/usr/sbin/snmpd"

// Value is one fixed OID value the agent serves, through snmpd's
// `override` directive. Type uses snmpset's letters: "s" (or "") string,
// "x" hex string, "i" integer, "u" unsigned (Gauge32), "c" Counter32,
// "t" TimeTicks, "o" OID, "a" IpAddress.
type Value struct {
	OID   string
	Type  string
	Value string
}

// Agent is a running snmpd. Its v2c community and its SHA/AES authPriv v3
// user are random per agent, so a test can only pass by using them.
type Agent struct {
	Host       string // always 127.0.0.1
	Port       int
	Community  string
	V3User     string
	V3AuthPass string // SHA
	V3PrivPass string // AES

	mu  sync.Mutex
	log bytes.Buffer
}

// Log returns what snmpd has logged so far (for failure messages).
func (a *Agent) Log() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.log.String()
}

func (a *Agent) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.log.Write(p)
}

// V2c returns a v2c Target for the agent with a short timeout.
func (a *Agent) V2c() snmp.Target {
	return snmp.Target{Host: a.Host, Port: a.Port, Version: "2c", Community: a.Community,
		Timeout: time.Second, Retries: 1}
}

// V3 returns an authPriv SHA/AES Target for the agent's v3 user.
func (a *Agent) V3() snmp.Target {
	return snmp.Target{Host: a.Host, Port: a.Port, Version: "3", User: a.V3User,
		SecurityLevel: "authPriv", AuthProtocol: "SHA", AuthPassphrase: a.V3AuthPass,
		PrivProtocol: "AES", PrivPassphrase: a.V3PrivPass, Timeout: time.Second, Retries: 1}
}

var overrideTypes = map[string]string{
	"": "octet_str", "s": "octet_str", "x": "octet_str", "i": "integer", "u": "unsigned",
	"c": "counter", "t": "timeticks", "o": "object_id", "a": "ipaddress",
}

// V3User is an extra SNMPv3 user for StartUsers. Auth and Priv use
// net-snmp's createUser names (MD5, SHA, SHA-224/256/384/512; DES, AES,
// AES192, AES256, AES192C, AES256C); Priv "" makes an authNoPriv user.
type V3User struct {
	Name, Auth, AuthPass, Priv, PrivPass string
}

// Start runs snmpd on a free UDP port of 127.0.0.1 with its own config and
// persistent dir in t.TempDir(), waits (at most 15 s) until it answers a v2c
// GET, and kills it at t.Cleanup. It skips without snmpd, and fails instead
// under GUARDRAIL_INTEGRATION=require. sysDescr may span lines ("\r\n").
func Start(t testing.TB, sysDescr, sysObjectID string, extra ...Value) *Agent {
	t.Helper()
	return StartUsers(t, sysDescr, sysObjectID, nil, extra...)
}

// StartUsers is Start with more SNMPv3 users, to test other protocols.
func StartUsers(t testing.TB, sysDescr, sysObjectID string, users []V3User, extra ...Value) *Agent {
	t.Helper()
	bin := testenv.NeedCommand(t, SnmpdPath)
	oid, err := snmp.NormalizeOID(sysObjectID)
	if err != nil {
		t.Fatalf("snmptest: sysObjectID: %v", err)
	}
	dir := t.TempDir()
	persist := filepath.Join(dir, "persist")
	if err := os.Mkdir(persist, 0o700); err != nil {
		t.Fatal(err)
	}
	a := &Agent{
		Host:       "127.0.0.1",
		Community:  "c-" + randomHex(t, 8),
		V3User:     "guardrail",
		V3AuthPass: "auth-" + randomHex(t, 8),
		V3PrivPass: "priv-" + randomHex(t, 8),
	}

	var conf strings.Builder
	conf.WriteString("[snmp] persistentDir " + persist + "\n")
	fmt.Fprintf(&conf, "rocommunity %s 127.0.0.1\n", a.Community)
	fmt.Fprintf(&conf, "createUser %s SHA \"%s\" AES \"%s\"\n", a.V3User, a.V3AuthPass, a.V3PrivPass)
	fmt.Fprintf(&conf, "rouser %s authpriv\n", a.V3User)
	for _, u := range users {
		if !safeWord(u.Name) || !safeWord(u.Auth) || !safeWord(u.AuthPass) || (u.Priv != "" && (!safeWord(u.Priv) || !safeWord(u.PrivPass))) {
			t.Fatalf("snmptest: V3User %q: fields must be single words", u.Name)
		}
		if u.Priv == "" {
			fmt.Fprintf(&conf, "createUser %s %s \"%s\"\nrouser %s authnopriv\n", u.Name, u.Auth, u.AuthPass, u.Name)
			continue
		}
		fmt.Fprintf(&conf, "createUser %s %s \"%s\" %s \"%s\"\nrouser %s authpriv\n", u.Name, u.Auth, u.AuthPass, u.Priv, u.PrivPass, u.Name)
	}
	fmt.Fprintf(&conf, "sysObjectID %s\n", oid)
	// override takes the rest of the line; hex ("0x...") keeps CR/LF and
	// any other byte of the description intact.
	fmt.Fprintf(&conf, "override %s octet_str 0x%s\n", snmp.OIDSysDescr, hex.EncodeToString([]byte(sysDescr)))
	for _, v := range extra {
		line, err := overrideLine(v)
		if err != nil {
			t.Fatalf("snmptest: %v", err)
		}
		conf.WriteString(line)
	}

	// The free port can be taken between FreePort and snmpd's bind; retry.
	for attempt := 1; ; attempt++ {
		a.Port = testenv.FreePort(t, "udp")
		err := a.run(t, bin, dir, conf.String())
		if err == nil {
			return a
		}
		if attempt == 3 {
			t.Fatalf("snmptest: snmpd did not start: %v\n--- snmpd log ---\n%s", err, a.Log())
		}
	}
}

func (a *Agent) run(t testing.TB, bin, dir, conf string) error {
	t.Helper()
	confPath := filepath.Join(dir, "snmpd.conf")
	full := fmt.Sprintf("agentAddress udp:127.0.0.1:%d\n%s", a.Port, conf)
	if err := os.WriteFile(confPath, []byte(full), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-f", "-Lo", "-C", "-c", confPath, "-p", filepath.Join(dir, "snmpd.pid"), "-M", dir, "-m", "")
	cmd.Env = []string{
		"SNMP_PERSISTENT_DIR=" + filepath.Join(dir, "persist"),
		"SNMPCONFPATH=" + dir,
		"MIBDIRS=" + dir,
		"MIBS=",
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	}
	cmd.Stdout, cmd.Stderr = a, a
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = cmd.Process.Kill()
		<-exited
	}

	deadline := time.Now().Add(15 * time.Second)
	probe := a.V2c()
	probe.Timeout, probe.Retries = 200*time.Millisecond, 0
	for {
		select {
		case <-exited:
			return fmt.Errorf("snmpd exited early")
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := snmp.ReadSystem(ctx, probe)
		cancel()
		if err == nil {
			t.Cleanup(stop)
			return nil
		}
		if time.Now().After(deadline) {
			stop()
			return fmt.Errorf("snmpd on 127.0.0.1:%d not answering after 15s: %v", a.Port, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func overrideLine(v Value) (string, error) {
	oid, err := snmp.NormalizeOID(v.OID)
	if err != nil {
		return "", err
	}
	typ, ok := overrideTypes[v.Type]
	if !ok {
		return "", fmt.Errorf("value %s: unsupported type %q", oid, v.Type)
	}
	val := v.Value
	switch v.Type {
	case "", "s":
		val = "0x" + hex.EncodeToString([]byte(v.Value))
	case "x":
		val = "0x" + strings.ReplaceAll(v.Value, " ", "")
	default:
		if val == "" || strings.ContainsAny(val, " \t\r\n\"") {
			return "", fmt.Errorf("value %s: %q must be one word", oid, val)
		}
	}
	return fmt.Sprintf("override %s %s %s\n", oid, typ, val), nil
}

func safeWord(s string) bool {
	return s != "" && !strings.ContainsAny(s, " \t\r\n\"\\#")
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
