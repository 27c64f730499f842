package main

import (
	"compress/bzip2"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/proctest"
	"github.com/guardrail-monitoring/guardrail/internal/rpm/rpmtest"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// el7 is a package of a RHEL/CentOS 7-like host.
func el7(name, version, release string) rpmtest.Pkg {
	return rpmtest.Pkg{Name: name, Version: version, Release: release}
}

// centos7Host is a stock CentOS 7 as yum 3 leaves it: yum.conf, base and
// updates without updateinfo (CentOS never published it), EPEL with it,
// each repo's primary only as yum's SQLite database (the .bz2 download and
// its gen/ copy), flat in /var/cache/yum/x86_64/7/<repo>/. The metadata is
// what dnf makecache fetched from createrepo_c --database repos, so the
// check's items are first held to dnf's check-update on the same repos.
func centos7Host(t *testing.T, bin string) *rpmtest.Host {
	h := rpmtest.NewHost(t)
	h.SQLite = true
	yum := rpmtest.Pkg{Name: "yum", Version: "3.4.3", Release: "168.el7.centos", Arch: "noarch"}
	ssl := rpmtest.Pkg{Name: "openssl-libs", Version: "1.0.2k", Release: "25.el7_9", Epoch: 1}
	ssl2 := ssl
	ssl2.Release = "26.el7_9"
	release := rpmtest.Pkg{Name: "centos-release", Version: "7", Release: "9.2009.1.el7.centos",
		Provides: []string{"system-release(releasever) = 7", "redhat-release = 7.9.2009"}}
	h.Install(release, ssl, el7("bash", "4.2.46", "34.el7"), el7("kernel", "3.10.0", "1160.el7"), el7("htop", "2.2.0", "3.el7"), el7("tzdata", "2024a", "1.el7"))
	h.Repo("base", "", []rpmtest.Pkg{el7("bash", "4.2.46", "34.el7"), el7("kernel", "3.10.0", "1160.el7")}, nil)
	h.Repo("updates", "", []rpmtest.Pkg{el7("bash", "4.2.46", "35.el7_9"), ssl2, el7("kernel", "3.10.0", "1160.119.1.el7")}, nil)
	h.Repo("epel", "", []rpmtest.Pkg{el7("htop", "3.2.1", "1.el7")},
		[]rpmtest.Advisory{{ID: "FEDORA-EPEL-2026-1a2b3c", Type: "security", Severity: "Moderate", Packages: []rpmtest.Pkg{el7("htop", "3.2.1", "1.el7")}}})
	h.Makecache()
	dateCache(t, h.Root, fetched)
	_, out := runRPM(t, bin, h.Root, "--format", "json")
	dnfItems := jsonItems(t, out)
	agreeWithDNF(t, h, dnfItems)

	// as yum keeps it (yum 3 in the rpmdb makes it a yum host)
	h.Install(yum)
	h.WriteFile("etc/yum.conf", "[main]\ncachedir=/var/cache/yum/$basearch/$releasever\nkeepcache=0\ndebuglevel=2\nlogfile=/var/log/yum.log\n"+
		"exactarch=1\nobsoletes=1\ngpgcheck=1\nplugins=1\ninstallonly_limit=5\ndistroverpkg=centos-release\n")
	os.Remove(filepath.Join(h.Root, "etc/dnf/dnf.conf"))
	for _, id := range []string{"base", "updates", "epel"} {
		src := filepath.Join(h.RepoDir(id), "repodata")
		to := filepath.Join(h.Root, "var/cache/yum/x86_64/7", id)
		files, _ := filepath.Glob(filepath.Join(src, "*"))
		for _, f := range files {
			base := filepath.Base(f)
			if strings.Contains(base, "primary.xml") || strings.Contains(base, "filelists") || strings.Contains(base, "other") {
				continue // yum's sqlite policy fetches primary_db, not these
			}
			copyFile(t, f, filepath.Join(to, base))
			if strings.HasSuffix(base, "-primary.sqlite.bz2") {
				unbzip(t, f, filepath.Join(to, "gen", "primary_db.sqlite"))
			}
		}
	}
	os.RemoveAll(filepath.Join(h.Root, "var/cache/dnf"))
	dateTree(t, filepath.Join(h.Root, "var/cache/yum"))
	_, out = runRPM(t, bin, h.Root, "--format", "json")
	if yumItems := jsonItems(t, out); !reflect.DeepEqual(yumItems, dnfItems) {

		t.Fatalf("yum's cache gives\n%v\ndnf's\n%v", yumItems, dnfItems)
	}
	return h
}

// fedoraHost is a Fedora-like host whose dnf (built with zchunk) keeps only
// the .zck copies of primary and updateinfo; its items are held to dnf's
// check-update on the XML copies first.
func fedoraHost(t *testing.T, bin string) *rpmtest.Host {
	testenv.NeedCommand(t, "zck")
	h := rpmtest.NewHost(t)
	h.Zchunk = true
	fc := func(name, version, release string) rpmtest.Pkg {
		return rpmtest.Pkg{Name: name, Version: version, Release: release}
	}
	h.Install(fc("dnf", "4.21.1", "1.fc40"), fc("curl", "8.6.0", "8.fc40"), fc("glibc", "2.39", "17.fc40"), fc("kernel-core", "6.8.5", "301.fc40"))
	h.Repo("fedora", "", []rpmtest.Pkg{fc("curl", "8.6.0", "8.fc40"), fc("glibc", "2.39", "17.fc40")}, nil)
	h.Repo("updates", "", []rpmtest.Pkg{fc("curl", "8.6.0", "10.fc40"), fc("glibc", "2.39", "22.fc40"), fc("kernel-core", "6.11.9", "100.fc40")},
		[]rpmtest.Advisory{
			{ID: "FEDORA-2026-4d5e6f7a81", Type: "security", Severity: "Important", Packages: []rpmtest.Pkg{fc("curl", "8.6.0", "10.fc40")}},
			{ID: "FEDORA-2026-0b1c2d3e4f", Type: "bugfix", Severity: "None", Packages: []rpmtest.Pkg{fc("glibc", "2.39", "22.fc40")}},
		})
	h.Makecache()
	dateCache(t, h.Root, fetched)
	_, out := runRPM(t, bin, h.Root, "--format", "json")
	xmlItems := jsonItems(t, out)
	agreeWithDNF(t, h, xmlItems)

	// as dnf with zchunk keeps it: the .zck copies in place of the others
	dirs, _ := filepath.Glob(filepath.Join(h.Root, "var/cache/dnf/*-*/repodata"))
	for _, d := range dirs {
		id := filepath.Base(filepath.Dir(d))
		id = id[:strings.LastIndexByte(id, '-')]
		for _, kind := range []string{"primary", "updateinfo"} {
			zcks, _ := filepath.Glob(filepath.Join(h.RepoDir(id), "repodata", "*"+kind+"*.zck"))
			if len(zcks) != 1 && kind == "primary" {
				t.Fatalf("repo %s: %d primary .zck files", id, len(zcks))
			}
			for _, z := range zcks {
				copyFile(t, z, filepath.Join(d, filepath.Base(z)))
			}
			plain, _ := filepath.Glob(filepath.Join(d, "*"+kind+".xml.*"))
			for _, p := range plain {
				if !strings.HasSuffix(p, ".zck") {
					os.Remove(p)
				}
			}
		}
	}
	dateCache(t, h.Root, fetched)
	_, out = runRPM(t, bin, h.Root, "--format", "json")
	if zckItems := jsonItems(t, out); !reflect.DeepEqual(zckItems, xmlItems) {
		t.Fatalf("the zchunk cache gives\n%v\nthe XML one\n%v", zckItems, xmlItems)
	}
	return h
}

// TestGoldenRPMFamilies: the whole binary on a stock CentOS 7 (yum 3, SQLite
// primary) and on a Fedora host (zchunk-only metadata).
func TestGoldenRPMFamilies(t *testing.T) {
	rpmtest.Need(t)
	bin := proctest.Build(t, "check_security_updates")
	runGoldens(t, bin, []rpmGolden{
		{"rpm-centos7", centos7Host(t, bin).Root, []string{"-l"}},
		{"rpm-fedora-zchunk", fedoraHost(t, bin).Root, []string{"-l"}},
	})
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(to), 0o755)
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func unbzip(t *testing.T, from, to string) {
	t.Helper()
	f, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(bzip2.NewReader(f))
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(to), 0o755)
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// dateTree dates every file below dir fetched, as dateCache does dnf's.
func dateTree(t *testing.T, dir string) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, fetched, fetched)
	})
	if err != nil {
		t.Fatal(err)
	}
}
