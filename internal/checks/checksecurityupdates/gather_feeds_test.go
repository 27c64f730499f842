package checksecurityupdates

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

func fixtureRoot(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("../../../testdata", rel))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Feeds are per release: a host whose release is unknown is UNKNOWN, not
// "no advisories".
func TestGatherFeedsNeedOSRelease(t *testing.T) {
	o := Options{Root: fixtureRoot(t, "apt/debian"), StateFile: filepath.Join(t.TempDir(), "s.json")}
	sec := policy.SecurityUpdates{Advisories: []policy.Glob{{Pattern: "/var/lib/guardrail/feeds/*.json"}}}
	_, err := o.gather(context.Background(), sec, now)
	if err == nil || !strings.Contains(err.Error(), "etc/os-release") || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("no os-release: %v", err)
	}
}

// Tiers alone are an SLA: first-seen times are kept, and the feed's
// findings reach the pending updates.
func TestGatherTiersKeepLedger(t *testing.T) {
	state := filepath.Join(t.TempDir(), "s.json")
	o := Options{Root: fixtureRoot(t, "securityupdates/roots/advisories"), StateFile: state}
	sec := policy.SecurityUpdates{SLABySeverity: policy.SeveritySLA{High: policy.SLA{CriticalDays: ptr(2)}},
		Advisories: []policy.Glob{{Pattern: "/var/lib/guardrail/feeds/*.json"}}}
	obs, err := o.gather(context.Background(), sec, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(state); err != nil || obs.FirstSeen == nil {
		t.Errorf("ledger not kept under sla_by_severity alone: %v", err)
	}
	got := map[string]string{}
	for _, u := range obs.Updates {
		got[u.Package] = u.Severity + " " + strings.Join(u.CVEs, ",")
	}
	want := map[string]string{"libssl3": "high CVE-2025-9230,CVE-2025-9232", "openssh-client": "medium CVE-2025-32728",
		"libc6": "unknown CVE-2025-4802", "tzdata": " "}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
	if obs.Feeds == nil || len(obs.Feeds.Open) != 1 || len(obs.Feeds.Unreached) != 1 || obs.Reboot != nil || obs.Restart != nil {
		t.Errorf("feeds %+v, reboot %v, restart %v (not asked for)", obs.Feeds, obs.Reboot, obs.Restart)
	}
}
