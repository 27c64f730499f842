package apt

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// instLine is apt-get's simulation line: "Inst pkg [old] (new origin [arch])".
var instLine = regexp.MustCompile(`^Inst (\S+) \[([^\]]+)\] \((\S+) `)

// aptGetUpgrades runs apt-get's simulated dist-upgrade (no lock, no root)
// and returns "pkg version" for each upgrade of an installed package.
func aptGetUpgrades(t *testing.T, args ...string) []string {
	t.Helper()
	aptGet := testenv.NeedCommand(t, "apt-get")
	cmd := exec.Command(aptGet, append([]string{"-s", "-o", "Debug::NoLocking=1", "-o", "APT::Get::Show-Versions=1"}, append(args, "dist-upgrade")...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("apt-get: %v\n%s", err, out)
	}
	var got []string
	for _, l := range strings.Split(string(out), "\n") {
		if m := instLine.FindStringSubmatch(l); m != nil {
			name := m[1]
			if i := strings.IndexByte(name, ':'); i >= 0 {
				name = name[:i]
			}
			got = append(got, name+" "+m[3])
		}
	}
	sort.Strings(got)
	return got
}

func pending(us []Update) []string {
	var out []string
	for _, u := range us {
		if !u.Held {
			out = append(out, u.Package+" "+u.Candidate)
		}
	}
	sort.Strings(out)
	return out
}

func liveLists() bool {
	m, _ := filepath.Glob("/var/lib/apt/lists/*_Packages*")
	return len(m) > 0
}

// TestAgreementWithAptGetOnThisHost: what we call pending is exactly what
// apt-get dist-upgrade would upgrade here.
func TestAgreementWithAptGetOnThisHost(t *testing.T) {
	testenv.Need(t, liveLists(), "populated /var/lib/apt/lists (apt-get update)")
	want := aptGetUpgrades(t)
	s, err := Load(context.Background(), "/")
	if err != nil {
		t.Fatal(err)
	}
	got := pending(s.Updates())
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("pending updates differ from apt-get -s dist-upgrade\n got: %q\nwant: %q", got, want)
	}
	t.Logf("%d pending updates agree with apt-get", len(got))
}

// TestSecurityCountAtLeastCheckApt: check_apt misses security fixes masked
// by a newer point release; we must find at least as many.
func TestSecurityCountAtLeastCheckApt(t *testing.T) {
	testenv.Need(t, liveLists(), "populated /var/lib/apt/lists (apt-get update)")
	const checkApt = "/usr/lib/nagios/plugins/check_apt"
	_, err := os.Stat(checkApt)
	testenv.Need(t, err == nil, checkApt+" (monitoring-plugins-basic)")
	out, _ := exec.Command(checkApt).CombinedOutput() // exits 1 or 2 when updates are pending
	m := regexp.MustCompile(`\((\d+) critical updates\)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("cannot read check_apt output: %s", out)
	}
	critical, _ := strconv.Atoi(string(m[1]))
	s, err := Load(context.Background(), "/")
	if err != nil {
		t.Fatal(err)
	}
	sec := 0
	for _, u := range s.Updates() {
		if u.Security && !u.Held {
			sec++
		}
	}
	if sec < critical {
		t.Errorf("security updates: we count %d, check_apt %d", sec, critical)
	}
	t.Logf("security updates: ours %d, check_apt critical %d (%s)", sec, critical, strings.TrimSpace(string(out)))
}
