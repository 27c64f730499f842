package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/proctest"
	"github.com/guardrail-monitoring/guardrail/internal/rpm/rpmtest"
)

// leap is a package of an openSUSE Leap 15.6-like host, of SUSE's vendor.
func leap(name, version, release string) rpmtest.Pkg {
	return rpmtest.Pkg{Name: name, Version: version, Release: release, Vendor: "SUSE LLC <https://www.suse.com/>"}
}

// suseHost is an openSUSE Leap-like root with repo-oss (no updateinfo)
// and repo-update (patches): a security patch, a fix masked by a newer
// build, multiversion kernels, a locked package with a needed patch, an
// update from a repo of better priority, a build of another vendor that
// is no update, and an update from the repo without patches.
func suseHost(t *testing.T) *rpmtest.Host {
	h := rpmtest.NewZyppHost(t)
	kernel := func(release string) rpmtest.Pkg {
		k := leap("kernel-default", "6.4.0", release)
		k.Provides = []string{"multiversion(kernel)"}
		return k
	}
	h.Install(leap("openssl-3", "3.1.4", "150600.5.7.1"), leap("curl", "8.6.0", "150600.4.3.1"), kernel("150600.21.2"), kernel("150600.23.7.3"),
		leap("vim", "9.1.0330", "150500.20.9.1"), leap("tar", "1.34", "150000.3.31.1"), leap("zstd", "1.5.5", "150600.1.3"), leap("sudo", "1.9.15p5", "150600.3.3.2"))
	h.ZyppRepo("repo-oss", "", []rpmtest.Pkg{leap("tar", "1.34", "150000.3.34.1")}, nil)
	h.ZyppRepo("repo-update", "", []rpmtest.Pkg{leap("openssl-3", "3.1.4", "150600.5.10.1"), leap("curl", "8.6.0", "150600.4.6.1"),
		leap("curl", "8.6.0", "150600.4.9.1"), kernel("150600.23.14.2"), leap("vim", "9.1.0836", "150500.20.15.1"), leap("sudo", "1.9.15p5", "150600.3.9.1")},
		[]rpmtest.Advisory{
			{ID: "SUSE-SU-2026:0101-1", Type: "security", Severity: "important", Packages: []rpmtest.Pkg{leap("openssl-3", "3.1.4", "150600.5.10.1")}},
			{ID: "SUSE-SU-2026:0102-1", Type: "security", Severity: "moderate", Packages: []rpmtest.Pkg{leap("curl", "8.6.0", "150600.4.6.1")}},
			{ID: "SUSE-SU-2026:0103-1", Type: "security", Severity: "critical", Packages: []rpmtest.Pkg{kernel("150600.23.14.2")}},
			{ID: "SUSE-SU-2026:0104-1", Type: "security", Severity: "important", Packages: []rpmtest.Pkg{leap("vim", "9.1.0836", "150500.20.15.1")}},
			{ID: "SUSE-RU-2026:0105-1", Type: "recommended", Severity: "low", Packages: []rpmtest.Pkg{leap("curl", "8.6.0", "150600.4.9.1")}},
		})
	h.ZyppRepo("backports", "priority=90", []rpmtest.Pkg{leap("sudo", "1.9.15p5", "150600.3.12.1"),
		{Name: "zstd", Version: "1.5.6", Release: "1.1", Vendor: "obs://build.opensuse.org/home:someone"}}, nil)
	h.ZyppRepo("repo-debug", "enabled=0", []rpmtest.Pkg{leap("tar", "9.0", "1")}, nil)
	h.WriteFile("etc/zypp/zypp.conf", "[main]\nmultiversion = provides:multiversion(kernel)\n")
	h.Refresh()
	h.WriteFile("etc/zypp/locks", "type: package\nmatch_type: glob\ncase_sensitive: on\nsolvable_name: vim\n")
	dateZyppCache(t, h.Root, fetched)
	return h
}

// dateZyppCache sets the mtime of every file of the root's zypper cache.
func dateZyppCache(t *testing.T, root string, when time.Time) {
	t.Helper()
	err := filepath.Walk(filepath.Join(root, "var/cache/zypp"), func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			return nil // zypper's .repo_gpgcheck links point nowhere
		}
		return os.Chtimes(p, when, when)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestGoldenSUSE: the whole binary on SUSE roots filled by the real
// zypper refresh.
func TestGoldenSUSE(t *testing.T) {
	bin := proctest.Build(t, "check_security_updates")
	mixed := suseHost(t)
	stale := suseHost(t)
	dateZyppCache(t, stale.Root, fetched.AddDate(0, 0, -40))

	noCache := rpmtest.NewZyppHost(t)
	noCache.Install(leap("bash", "4.4", "150400.27.3.2"))
	noCache.ZyppRepo("repo-oss", "", []rpmtest.Pkg{leap("bash", "4.4", "150400.27.6.1")}, nil)

	partly := suseHost(t)
	partly.ZyppRepo("packman", "", []rpmtest.Pkg{leap("ffmpeg-7", "7.1", "1.1")}, nil) // configured after the refresh

	badLocks := suseHost(t)
	badLocks.WriteFile("etc/zypp/locks", "type: package\nmatch_type: words\nsolvable_name: vim\n")

	runGoldens(t, bin, []rpmGolden{
		{"suse-default", mixed.Root, nil},
		{"suse-list", mixed.Root, []string{"-l"}},
		{"suse-json", mixed.Root, []string{"--format", "json"}},
		{"suse-stale", stale.Root, []string{"-o"}},
		{"suse-no-cache", noCache.Root, nil},
		{"suse-partly-fetched", partly.Root, []string{"-o"}},
		{"suse-bad-locks", badLocks.Root, nil},
	})
}

// TestSUSEAgreesWithZypper: the binary's items on the SUSE root, not
// held, are exactly `zypper list-updates`; their advisories exactly the
// security patches `zypper list-patches` calls needed.
func TestSUSEAgreesWithZypper(t *testing.T) {
	bin := proctest.Build(t, "check_security_updates")
	h := suseHost(t)
	_, out := runRPM(t, bin, h.Root, "--format", "json")
	var got, advisories []string
	seen := map[string]bool{}
	for _, it := range jsonItems(t, out) {
		arch := it["arch"]
		if a, ok := it["candidate_arch"]; ok {
			arch = a
		}
		if adv, ok := it["advisories"].([]any); ok {
			for _, a := range adv {
				if s := fmt.Sprint(a); !seen[s] {
					seen[s] = true
					advisories = append(advisories, s)
				}
			}
		}
		if it["held"] == true || it["replaced_by"] != nil {
			continue
		}
		got = append(got, fmt.Sprintf("%s.%s %s %s", it["package"], arch, it["candidate"], it["origin"]))
	}
	var want, patches []string
	for _, u := range h.Zypper("list-updates") {
		want = append(want, fmt.Sprintf("%s.%s %s %s", u.Name, u.Arch, u.Edition, u.Source.Alias))
	}
	for _, p := range h.Zypper("list-patches", "--category", "security") {
		if p.Status == "needed" && p.Category == "security" {
			patches = append(patches, p.Name)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	sort.Strings(advisories)
	sort.Strings(patches)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("items:\n%s\nzypper list-updates:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Join(advisories, " ") != strings.Join(patches, " ") || len(patches) < 3 {
		t.Errorf("advisories %v, zypper's needed security patches %v", advisories, patches)
	}
}
