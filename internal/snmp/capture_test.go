package snmp_test

import (
	"context"
	"flag"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/snmp"
	"github.com/guardrail-monitoring/guardrail/internal/snmp/snmptest"
)

var update = flag.Bool("update", false, "recapture testdata/snmp/packets/*.bin from the real snmpd")

// relay forwards datagrams between one client and the agent on 127.0.0.1
// and keeps the agent's replies, to capture real packets as fixtures.
type relay struct {
	conn    *net.UDPConn
	mu      sync.Mutex
	replies [][]byte
}

func startRelay(t *testing.T, agentPort int) *relay {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	upstream, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: agentPort})
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{conn: conn}
	var client *net.UDPAddr
	var clientMu sync.Mutex
	go func() {
		buf := make([]byte, 65535)
		for {
			n, from, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			clientMu.Lock()
			client = from
			clientMu.Unlock()
			_, _ = upstream.Write(buf[:n])
		}
	}()
	go func() {
		buf := make([]byte, 65535)
		for {
			n, err := upstream.Read(buf)
			if err != nil {
				return
			}
			r.mu.Lock()
			r.replies = append(r.replies, append([]byte(nil), buf[:n]...))
			r.mu.Unlock()
			clientMu.Lock()
			to := client
			clientMu.Unlock()
			_, _ = conn.WriteToUDP(buf[:n], to)
		}
	}()
	t.Cleanup(func() { conn.Close(); upstream.Close() })
	return r
}

func (r *relay) port() int { return r.conn.LocalAddr().(*net.UDPAddr).Port }

func (r *relay) last(t *testing.T) []byte {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.replies) == 0 {
		t.Fatal("relay captured no reply")
	}
	return r.replies[len(r.replies)-1]
}

// TestCapturePackets re-records the packet fixtures with -update; without
// it, it only checks they exist (the fuzz seeds and decode tests use them).
func TestCapturePackets(t *testing.T) {
	dir := "../../testdata/snmp/packets"
	if !*update {
		for _, name := range []string{"v2c-iosxe-response.bin", "v2c-fortigate-response.bin", "v3-wrongdigest-report.bin", "v3-unknownuser-report.bin"} {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Errorf("fixture missing (run go test -run TestCapturePackets -update): %v", err)
			}
		}
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	capture := func(name, descr, objectID string, extra []snmptest.Value, target func(*snmptest.Agent) snmp.Target, oids ...string) {
		agent := snmptest.Start(t, descr, objectID, extra...)
		r := startRelay(t, agent.Port)
		tg := target(agent)
		tg.Port = r.port()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := snmp.ReadSystem(ctx, tg, oids...)
		t.Logf("%s: ReadSystem error: %v", name, err)
		if err := os.WriteFile(filepath.Join(dir, name), r.last(t), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	v2c := func(a *snmptest.Agent) snmp.Target { return a.V2c() }
	capture("v2c-iosxe-response.bin", readFixture(t, "sysdescr-iosxe.txt"), ciscoObjectID, nil, v2c)
	capture("v2c-fortigate-response.bin", "FortiGate-100F", "1.3.6.1.4.1.12356.101.1.1004",
		[]snmptest.Value{{OID: fgSysVersion, Value: "v7.2.5,build1517,230606 (GA.F)"}}, v2c, fgSysVersion, missingOID)
	capture("v3-wrongdigest-report.bin", "x", juniperObjectID, nil, func(a *snmptest.Agent) snmp.Target {
		tg := a.V3()
		tg.AuthPassphrase = "wrong-auth-passphrase"
		return tg
	})
	capture("v3-unknownuser-report.bin", "x", juniperObjectID, nil, func(a *snmptest.Agent) snmp.Target {
		tg := a.V3()
		tg.User = "nobody"
		return tg
	})
}
