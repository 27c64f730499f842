package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/proctest"
)

// TestProbe connects for real on 127.0.0.1 only: with rules that allow the
// flow the probe agrees; with rules that drop it (not loaded in this host's
// kernel, which lets it through) the probe must report the disagreement.
func TestProbe(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flows := write("flows.json", fmt.Sprintf(`{"applications": [{"app_name": "Local", "app_flows": {"loop": {"sources": ["127.0.0.1"], "destinations": ["127.0.0.1"], "services": ["tcp/%d"]}}}]}`, port))
	pol := write("policy.yaml", "version: 1\n")
	open := write("open.rules", "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n")
	closed := write("closed.rules", fmt.Sprintf("*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A OUTPUT -p tcp -m tcp --dport %d -j DROP\nCOMMIT\n", port))
	bin := proctest.Build(t, "check_firewall_flows")

	r := proctest.Exec(t, bin, nil, "--iptables", open, "--flows", flows, "--policy", pol, "--hook", "output", "--probe")
	if r.Code != 0 || !strings.Contains(r.Stdout, "probe_disagree=0") || !strings.Contains(r.Stdout, "probe: 1 connections tried, 0 disagree") {
		t.Errorf("open: exit %d\n%s", r.Code, r.Stdout)
	}
	r = proctest.Exec(t, bin, nil, "--iptables", closed, "--flows", flows, "--policy", pol, "--hook", "output", "--probe")
	want := fmt.Sprintf("PROBE DISAGREES Local/loop: 127.0.0.1 → 127.0.0.1:%d/tcp: rules say closed, connect connected", port)
	if r.Code != 2 || !strings.Contains(r.Stdout, want) || !strings.Contains(r.Stdout, "probe_disagree=1") {
		t.Errorf("closed: exit %d\n%s\nwant %q", r.Code, r.Stdout, want)
	}
}
