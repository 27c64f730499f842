package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/proctest"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const fixtures = "../../testdata/apt"

// A ledger as an earlier run would have left it: openssh first seen 20 days
// before GUARDRAIL_NOW, libssl 3 days before.
const ledger = `{"format":"guardrail-ledger/1","first_seen":{"openssh-client:amd64":"2025-05-01T08:00:00Z","libssl3:amd64":"2025-05-18T08:00:00Z"}}`

func TestGolden(t *testing.T) {
	bin := proctest.Build(t, "check_security_updates")
	abs := func(p string) string { a, _ := filepath.Abs(p); return a }
	policy := func(name string) string { return abs("../../testdata/securityupdates/" + name) }
	cases := []struct {
		name   string
		root   string
		ledger string
		args   []string
	}{
		{"debian-default", "debian", "", nil},
		{"debian-list", "debian", "", []string{"-l"}},
		{"debian-json", "debian", "", []string{"--format", "json"}},
		{"debian-sla", "debian", ledger, []string{"--policy", policy("sla.yaml")}},
		{"debian-only-critical-counts", "debian", "", []string{"-o", "-w", "2", "-c", "5"}},
		{"debian-include", "debian", "", []string{"-i", "^openssh", "-i", "^libc"}},
		{"debian-bad-policy", "debian", "", []string{"--policy", policy("bad.yaml")}},
		{"debian-missing-policy", "debian", "", []string{"--policy", policy("missing.yaml")}},
		{"debian-bad-range", "debian", "", []string{"-w", "5:1"}},
		{"debian-bad-regex", "debian", "", []string{"-e", "("}},
		{"keptback-held", "keptback", "", []string{"-l"}},
		{"multiarch", "multiarch", "", []string{"-l"}},
		{"pins", "pins", "", []string{"-l"}},
		{"ubuntu", "ubuntu", "", []string{"-l"}},
		{"missing-root", "nonexistent", "", nil},
		{"never-fetched", "../securityupdates/roots/never-fetched", "", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "guardrail.json")
			if c.ledger != "" {
				if err := os.WriteFile(state, []byte(c.ledger), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := append([]string{"--root", abs(filepath.Join(fixtures, c.root)), "--state-file", state, "--policy", policy("defaults.yaml")}, c.args...)
			r := proctest.Exec(t, bin, []string{"GUARDRAIL_NOW=2025-05-21T08:00:00Z"}, args...)
			out := strings.ReplaceAll(r.Stdout, abs("../.."), "$ROOT")
			out = strings.ReplaceAll(out, state, "$STATE")
			proctest.Golden(t, "../../testdata/securityupdates/golden/"+c.name+".txt", fmt.Sprintf("exit %d\n%s", r.Code, out), *update)
		})
	}
}

// A second run keeps first-seen times; a corrupt ledger is rebuilt and said.
func TestLedgerAcrossRuns(t *testing.T) {
	bin := proctest.Build(t, "check_security_updates")
	root, _ := filepath.Abs(filepath.Join(fixtures, "debian"))
	sla, _ := filepath.Abs("../../testdata/securityupdates/sla.yaml")
	state := filepath.Join(t.TempDir(), "guardrail.json")
	run := func(now string) proctest.Run {
		return proctest.Exec(t, bin, []string{"GUARDRAIL_NOW=" + now}, "--root", root, "--state-file", state, "--policy", sla, "-o")
	}
	if r := run("2025-05-10T00:00:00Z"); r.Code != 0 || !strings.Contains(r.Stdout, "(oldest 0 days, within SLA)") {
		t.Fatalf("first run: %d %s", r.Code, r.Stdout)
	}
	if r := run("2025-05-18T00:00:00Z"); r.Code != 1 || !strings.Contains(r.Stdout, "(oldest 8 days, past the 7-day warning)") {
		t.Fatalf("eight days later: %d %s", r.Code, r.Stdout)
	}
	if r := run("2025-05-25T00:00:00Z"); r.Code != 2 || !strings.Contains(r.Stdout, "(oldest 15 days, past the 14-day SLA)") {
		t.Fatalf("fifteen days later: %d %s", r.Code, r.Stdout)
	}
	os.WriteFile(state, []byte(`{"format":"guardrail-ledger/1","first_seen":{garbage`), 0o644) // ours, but torn
	r := run("2025-05-26T00:00:00Z")
	if r.Code != 0 || !strings.Contains(r.Stdout, "was corrupt") || !strings.Contains(r.Stdout, "(oldest 0 days, within SLA)") {
		t.Fatalf("after corruption: %d %s", r.Code, r.Stdout)
	}
}
