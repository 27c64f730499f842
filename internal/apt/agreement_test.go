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
	return aptGetSimulate(t, "dist-upgrade", args...)
}

// aptGetSimulate runs apt-get -s MODE (upgrade or dist-upgrade) and returns
// "pkg version" for each upgrade of an installed package.
func aptGetSimulate(t *testing.T, mode string, args ...string) []string {
	t.Helper()
	aptGet := testenv.NeedCommand(t, "apt-get")
	cmd := exec.Command(aptGet, append([]string{"-s", "-o", "Debug::NoLocking=1", "-o", "APT::Get::Show-Versions=1"}, append(args, mode)...)...)
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
		// apt-get dist-upgrade installs new dependencies and removes
		// what is in the way, but moves nothing Blocked.
		if !u.Blocked {
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

// TestKeptBackAgreementWithAptGetOnThisHost: what we do not call kept
// back or held is exactly what apt-get upgrade would upgrade here.
func TestKeptBackAgreementWithAptGetOnThisHost(t *testing.T) {
	testenv.Need(t, liveLists(), "populated /var/lib/apt/lists (apt-get update)")
	want := aptGetSimulate(t, "upgrade")
	s, err := Load(context.Background(), "/")
	if err != nil {
		t.Fatal(err)
	}
	got := upgraded(s.Updates())
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("upgrades differ from apt-get -s upgrade\n got: %q\nwant: %q", got, want)
	}
	t.Logf("%d upgrades agree with apt-get upgrade", len(got))
}

// TestSecurityCountAtLeastCheckApt: check_apt misses security fixes masked
// by a newer point release; we must find at least as many.
func TestSecurityCountAtLeastCheckApt(t *testing.T) {
	testenv.Need(t, liveLists(), "populated /var/lib/apt/lists (apt-get update)")
	const checkApt = "/usr/lib/nagios/plugins/check_apt"
	_, err := os.Stat(checkApt)
	testenv.Need(t, err == nil, checkApt+" (monitoring-plugins-basic)")
	out, _ := exec.Command(checkApt, "-t", "120").CombinedOutput() // exits 1 or 2 when updates are pending; the host is shared, allow it time
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

// copyTree copies a fixture root so a test may change it.
func copyTree(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// foldJournal does what dpkg does on its next run: apply
// var/lib/dpkg/updates to status. apt-get does not read the journal.
func foldJournal(t testing.TB, root string) {
	t.Helper()
	statusPath := filepath.Join(root, "var/lib/dpkg/status")
	type id struct{ name, arch string }
	var order []id
	byID := map[id]*stanza{}
	add := func(path string) {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		err = readStanzas(f, path, controlOptions{}, 0, func(s *stanza) error {
			k := id{s.value("Package"), s.value("Architecture")}
			if byID[k] == nil {
				order = append(order, k)
			}
			byID[k] = s
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	add(statusPath)
	journal, err := journalFiles(filepath.Join(root, "var/lib/dpkg/updates"))
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range journal {
		add(j)
		os.Remove(j)
	}
	var b strings.Builder
	for _, k := range order {
		for _, f := range byID[k].Fields {
			b.WriteString(f.Name + ": " + strings.ReplaceAll(f.Value, "\n", "\n ") + "\n")
		}
		b.WriteString("\n")
	}
	if err := os.WriteFile(statusPath, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// upgraded is what apt-get upgrade moves: neither held nor kept back.
func upgraded(us []Update) []string {
	var out []string
	for _, u := range us {
		if !u.Held && !u.KeptBack {
			out = append(out, u.Package+" "+u.Candidate)
		}
	}
	sort.Strings(out)
	return out
}

// aptGetInRoot asks apt-get dist-upgrade about a fake root, as apt -o
// Dir= would see it.
func aptGetInRoot(t *testing.T, root string, s *System) []string {
	t.Helper()
	return aptGetModeInRoot(t, "dist-upgrade", root, s)
}

func aptGetModeInRoot(t *testing.T, mode, root string, s *System) []string {
	t.Helper()
	root = copyTree(t, root)
	foldJournal(t, root)
	addFilenames(t, root)
	cache := t.TempDir()
	arches := strings.Join(append([]string{s.NativeArch}, s.ForeignArches...), ",")
	args := []string{
		"-o", "Dir=" + root,
		"-o", "Dir::State::status=" + filepath.Join(root, "var/lib/dpkg/status"),
		"-o", "Dir::Cache=" + cache, "-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache=",
		"-o", "Dir::Etc::Parts=" + filepath.Join(root, "etc/apt/apt.conf.d"),
		"-o", "APT::Architecture=" + s.NativeArch, "-o", "APT::Architectures=" + arches,
	}
	return aptGetSimulate(t, mode, append(args, confFiles(t, root)...)...)
}

// confFiles gives apt-get the fake root's apt.conf.d/* and apt.conf (-c,
// read after the -o above: relative Dir:: values land under Dir=root).
// apt-get itself reads only the host's files from their fixed place.
func confFiles(t *testing.T, root string) []string {
	t.Helper()
	var args []string
	parts, _ := filepath.Glob(filepath.Join(root, "etc/apt/apt.conf.d/*"))
	sort.Strings(parts)
	for _, p := range parts {
		if ext := filepath.Ext(p); ext == "" || ext == ".conf" {
			args = append(args, "-c", p)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "etc/apt/apt.conf")); err == nil {
		args = append(args, "-c", filepath.Join(root, "etc/apt/apt.conf"))
	}
	return args
}

// TestFixturesAgreeWithAptGet: on every fake root, what we call pending
// is what apt-get itself would upgrade there.
func TestFixturesAgreeWithAptGet(t *testing.T) {
	for _, dir := range fixtureCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			s, err := Load(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			want := aptGetInRoot(t, dir, s)
			got := pending(s.Updates())
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("pending differs from apt-get -o Dir=%s\n got: %q\nwant: %q", dir, got, want)
			}
		})
	}
}

// addFilenames gives every stanza of the (plain) lists a Filename, which
// apt-get needs to simulate an install and the fixtures leave out.
func addFilenames(t testing.TB, root string) {
	t.Helper()
	lists, _ := filepath.Glob(filepath.Join(root, "var/lib/apt/*/*Packages"))
	for _, l := range lists {
		b, err := os.ReadFile(l)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, line := range strings.Split(string(b), "\n") {
			out = append(out, line)
			if name, ok := strings.CutPrefix(line, "Package: "); ok {
				out = append(out, "Filename: pool/"+name+".deb", "Size: 1")
			}
		}
		if err := os.WriteFile(l, []byte(strings.Join(out, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFixturesKeptBackAgreeWithAptGetUpgrade: on every fake root, what we
// do not call kept back (or held) is exactly what apt-get upgrade moves.
func TestFixturesKeptBackAgreeWithAptGetUpgrade(t *testing.T) {
	for _, dir := range fixtureCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			s, err := Load(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			want := aptGetModeInRoot(t, "upgrade", dir, s)
			got := upgraded(s.Updates())
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("upgraded differs from apt-get -s upgrade -o Dir=%s\n got: %q\nwant: %q\n%s", dir, got, want, describe(s))
			}
		})
	}
}
