package rpm

import (
	"path/filepath"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// yum 3 (RHEL/CentOS 7) is configured apart from dnf, and its rules differ
// where it decides updates. The facts below are yum 3.4.3's (yum/config.py,
// rpmUtils/miscutils.py) and yum-utils' plugins (versionlock, priorities),
// as RHEL 7 ships them:
//   - /etc/yum.conf [main] (the yum command's default -c), repos in it and in
//     reposdir (default /etc/yum/repos.d and /etc/yum.repos.d);
//   - cachedir (default /var/cache/yum; RHEL 7 sets
//     /var/cache/yum/$basearch/$releasever) is substituted with the same
//     variables, /etc/yum/vars included, and holds one flat folder per repo;
//   - exclude/includepkgs apply to the repos only, never to the rpmdb;
//   - installonly_limit defaults to 0 (off), installonlypkgs to yum's list;
//   - plugins defaults to 0: with it off no plugin runs; a plugin runs when
//     /etc/yum/pluginconf.d/<name>.conf says [main] enabled=1;
//   - repo priority is no core option: only the priorities plugin reads it
//     (default 99, by package name, lower wins), so without that plugin every
//     repo competes on version alone;
//   - the versionlock plugin reads its locklist as EPOCH:NAME-VERSION-RELEASE.ARCH
//     entries, lowercased, the arch ignored ("archless"): a locked name keeps
//     only the listed EVRs; a "!" entry excludes exactly that EVR.

// The package managers whose configuration a System follows.
const (
	ManagerDNF = "dnf" // dnf 4 and dnf5 (RHEL/Rocky/Alma 8+, Fedora, Amazon Linux 2023)
	ManagerYum = "yum" // yum 3 (RHEL/CentOS 7, Amazon Linux 2)
)

const (
	yumConfKind   = "yum.conf"
	yumPluginKind = "yum plugin configuration"
	yumPluginDir  = "etc/yum/pluginconf.d"
)

// yumConfFiles are where yum 3 looks for its configuration, first found wins.
var yumConfFiles = []string{"etc/yum.conf", "etc/yum/yum.conf"}

// managerOf tells a yum 3 host from a dnf one by the rpmdb: yum of a
// version before 4 and no dnf means yum's rules (RHEL 8's "yum" is dnf's
// alias, version 4, and comes with dnf).
func managerOf(installed []*Installed) string {
	yum := false
	for _, p := range installed {
		switch p.Name {
		case "dnf", "dnf5", "microdnf":
			return ManagerDNF
		case "yum":
			v, _, _ := strings.Cut(p.EVR.Version, ".")
			if v == "3" || v == "2" {
				yum = true
			}
		}
	}
	if yum {
		return ManagerYum
	}
	return ManagerDNF
}

func defaultYumMain() Main {
	return Main{
		InstallOnly: []string{"kernel", "kernel-bigmem", "kernel-enterprise", "kernel-smp", "kernel-modules",
			"kernel-debug", "kernel-unsupported", "kernel-source", "kernel-devel", "kernel-PAE", "kernel-PAE-debug"},
		CacheDir: "/var/cache/yum",
		ReposDir: []string{"/etc/yum/repos.d", "/etc/yum.repos.d"},
		Manager:  ManagerYum,
	}
}

// yumPluginEnabled reads /etc/yum/pluginconf.d/<name>.conf: the plugin runs
// when plugins=1 and its [main] enabled is true; the sections are returned
// for the plugin's own keys.
func (m *Main) yumPluginEnabled(root, name string) (bool, []*iniSection, string, error) {
	if !m.Plugins {
		return false, nil, "", nil
	}
	file := filepath.Join(root, yumPluginDir, name+".conf")
	b, err := located.ReadFile(file, located.Limit{Kind: yumPluginKind, Bytes: maxConfFile})
	if isNotExist(err) {
		return false, nil, file, nil
	}
	if err != nil {
		return false, nil, file, err
	}
	secs, err := parseINI(b, yumPluginKind, file)
	if err != nil {
		return false, nil, file, err
	}
	enabled := false
	for _, s := range secs {
		if v, ok := s.values["enabled"]; ok && s.name == "main" {
			if enabled, err = boolValue(v, yumPluginKind, file, "main.enabled"); err != nil {
				return false, nil, file, err
			}
		}
	}
	return enabled, secs, file, nil
}

// readYumPlugins settles what yum's plugins change in [main]: priorities.
func (m *Main) readYumPlugins(root string) error {
	on, _, _, err := m.yumPluginEnabled(root, "priorities")
	m.Priorities = on
	return err
}

// readYumVersionlock is yum's versionlock plugin: locklist in its
// configuration, entries as yum-utils writes them.
func (s *System) readYumVersionlock() error {
	on, secs, conf, err := s.Main.yumPluginEnabled(s.Root, "versionlock")
	if err != nil || !on {
		return err
	}
	list := ""
	for _, sec := range secs {
		if v, ok := sec.values["locklist"]; ok && sec.name == "main" {
			list = v.value
		}
	}
	if list == "" {
		return &located.Error{Kind: yumPluginKind, File: conf, Key: "main.locklist", Msg: "not set: yum stops with \"Locklist not set\""}
	}
	b, file, err := s.readLocklist(list)
	if err != nil || b == nil {
		return err
	}
	s.VersionlockFile = file
	lock := &yumLock{names: map[string]bool{}, keep: map[string]bool{}, drop: map[string]bool{}}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(l) == "" || l[0] == '#' {
			continue
		}
		l = strings.TrimRight(l, " \t\r")
		neg := l[0] == '!'
		if neg {
			l = l[1:]
		}
		n, e, v, r := splitYumEntry(strings.ToLower(l))
		key := n + "-" + e + ":" + v + "-" + r
		if neg {
			lock.drop[key] = true
			continue
		}
		lock.names[n] = true
		lock.keep[key] = true
	}
	s.yumLock = lock
	return nil
}

// yumLock is the versionlock plugin's state: names locked, the
// name-epoch:version-release it keeps of them, and those it excludes.
type yumLock struct {
	names, keep, drop map[string]bool
}

func (l *yumLock) excludes(name string, e EVR) bool {
	if l == nil {
		return false
	}
	n := strings.ToLower(name)
	key := n + "-" + strings.ToLower(e.withEpoch())
	return l.drop[key] || l.names[n] && !l.keep[key]
}

// splitYumEntry splits EPOCH:NAME-VERSION-RELEASE.ARCH as rpmUtils'
// splitFilename does (the arch, then release and version at the last
// dashes, the epoch before the first colon; a missing epoch is 0).
func splitYumEntry(s string) (name, epoch, version, release string) {
	s = strings.TrimSuffix(s, ".rpm")
	archAt := strings.LastIndexByte(s, '.')
	if archAt < 0 {
		archAt = len(s)
	}
	relAt := strings.LastIndexByte(s[:archAt], '-')
	verAt := -1
	if relAt >= 0 {
		release = s[relAt+1 : archAt]
		verAt = strings.LastIndexByte(s[:relAt], '-')
		if verAt >= 0 {
			version = s[verAt+1 : relAt]
		}
	}
	epochAt := strings.IndexByte(s, ':')
	if epochAt >= 0 {
		epoch = s[:epochAt]
	}
	if start, end := epochAt+1, verAt; end >= start {
		name = s[start:end]
	}
	if epoch == "" {
		epoch = "0"
	}
	return name, epoch, version, release
}
