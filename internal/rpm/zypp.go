package rpm

// SUSE hosts (openSUSE Leap, SLES, SLED, Tumbleweed) are read with
// zypper's configuration and cache. The facts relied on, each checked
// against the real zypper 1.14 / libzypp 17.25 (Debian 12's zypper) in the
// tests of zypp_test.go, or by running it in a fake root:
//
//   - Repos are /etc/zypp/repos.d/*.repo (zypp.conf reposdir), ini files
//     whose section name is the repo's alias; enabled (default 1),
//     priority (default 99, 0 also meaning 99; the lower number wins),
//     baseurl (+ path), type (rpm-md; an empty type is probed, and the
//     cache then tells), autorefresh (only when zypper itself refreshes).
//   - `zypper refresh` keeps the rpm-md files under
//     /var/cache/zypp/raw/<alias>/repodata/ (zypp.conf metadatadir,
//     default {cachedir}/raw), as repomd.xml names them: repomd.xml,
//     primary and updateinfo only (no filelists, no other). A refresh that
//     finds the repo up to date rewrites repomd.xml and nothing else, so
//     repomd.xml's mtime is zypper's "last checked". The .solv files under
//     /var/cache/zypp/solv are zypper's own index of the same data.
//   - zypp.conf is /etc/zypp/zypp.conf of the host (its [main] section);
//     multiversion (names, or provides:CAP; openSUSE ships
//     provides:multiversion(kernel)) makes packages install-only,
//     solver.allowVendorChange (default false) lets updates cross vendors.
//     repo.refresh.delay and the metadata expiry apply only when zypper
//     refreshes by itself (autorefresh): the age the check goes by is the
//     policy's max_list_age_days against repomd.xml's mtime.
//   - $releasever is /etc/zypp/vars.d/releasever, else the base product's
//     version (/etc/products.d/baseproduct); vars.d files give further
//     variables; $arch and $basearch as for dnf.
//   - /etc/zypp/locks holds packages (zypper addlock): see ZyppLock.
//   - /etc/zypp/vendors.d adds vendor classes: see vendorClasses.
//
// The rules that differ from dnf's are zyppJudge's and zyppSecurity's.

import (
	"context"
	"encoding/xml"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// LayoutZypp is zypper's raw metadata cache, /var/cache/zypp/raw/<alias>/repodata/.
const LayoutZypp = "zypp"

const (
	zyppConfKind = "zypp.conf"
	zyppRepoKind = "zypper repo file"
)

// Zypp is what zypper's configuration adds to a System on a SUSE host.
type Zypp struct {
	ConfFile           string
	MultiVersion       []string // names, or provides:CAP
	AllowVendorChange  bool
	Locks              []*ZyppLock
	LocksFile          string
	vendors            *vendorClasses
	reposDir, metadata string // inside the root
	varsDir            string
	locksPath          string
}

// IsZyppRoot tells a SUSE root: os-release names a SUSE distribution, or
// zypper is configured (/etc/zypp/repos.d) and dnf is not (no
// /etc/yum.repos.d).
func IsZyppRoot(root string) bool {
	for _, f := range []string{"etc/os-release", "usr/lib/os-release"} {
		b, err := located.ReadFile(filepath.Join(root, f), located.Limit{Kind: "os-release", Bytes: 64 << 10})
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(l), "=")
			if !ok || (k != "ID" && k != "ID_LIKE") {
				continue
			}
			for _, w := range strings.Fields(strings.ToLower(strings.Trim(v, `"'`))) {
				switch w {
				case "opensuse-leap", "opensuse-tumbleweed", "opensuse", "sles", "sled", "sles_sap", "suse", "sle-micro", "opensuse-microos":
					return true
				}
			}
		}
		break
	}
	if st, err := os.Stat(filepath.Join(root, "etc/zypp/repos.d")); err != nil || !st.IsDir() {
		return false
	}
	_, err := os.Stat(filepath.Join(root, "etc/yum.repos.d"))
	return isNotExist(err)
}

// loadZypp fills s, whose rpmdb is read, from zypper's configuration
// and cache.
func (s *System) loadZypp(ctx context.Context, opt Options) error {
	z, err := readZyppConf(s.Root)
	if err != nil {
		return err
	}
	s.Zypp = z
	if s.Vars, err = zyppVars(s.Root, z.varsDir, s.Arch, opt.Releasever, s.Installed); err != nil {
		return err
	}
	if err := z.vendors.read(filepath.Join(s.Root, "etc/zypp/vendors.d")); err != nil {
		return err
	}
	z.LocksFile = filepath.Join(s.Root, z.locksPath)
	b, err := located.ReadFile(z.LocksFile, located.Limit{Kind: locksKind, Bytes: maxConfFile})
	switch {
	case err == nil:
		if z.Locks, err = parseZyppLocks(b, z.LocksFile); err != nil {
			return err
		}
	case isNotExist(err):
		z.LocksFile = ""
	default:
		return err
	}
	repos, dups, err := readZyppRepos(filepath.Join(s.Root, z.reposDir), s.Vars)
	if err != nil {
		return err
	}
	s.Duplicates = dups
	for _, r := range repos {
		rs := &RepoState{Repo: r, Layout: LayoutZypp}
		if r.ID != "." && r.ID != ".." && !strings.ContainsAny(r.ID, "/\x00") {
			rs.CacheDir = filepath.Join(s.Root, z.metadata, r.ID)
		}
		s.Repos = append(s.Repos, rs)
		if !r.Enabled || rs.CacheDir == "" {
			continue
		}
		if err := s.readCache(ctx, rs); err != nil {
			return err
		}
		if rs.Cached {
			// zypper rewrites only repomd.xml when the repo is up to date
			if st, err := os.Stat(filepath.Join(rs.CacheDir, "repodata", "repomd.xml")); err == nil {
				rs.Fetched = st.ModTime()
			}
		}
	}
	return nil
}

// readZyppConf reads the root's zypp.conf; a missing file means
// libzypp's defaults.
func readZyppConf(root string) (*Zypp, error) {
	file := filepath.Join(root, "etc/zypp/zypp.conf")
	b, err := located.ReadFile(file, located.Limit{Kind: zyppConfKind, Bytes: maxConfFile})
	switch {
	case isNotExist(err):
		return parseZyppConf(nil, "")
	case err != nil:
		return nil, err
	}
	return parseZyppConf(b, file)
}

// parseZyppConf reads the [main] keys of zypp.conf that decide updates
// and where zypper keeps things ({cachedir} expanded as libzypp does).
func parseZyppConf(b []byte, file string) (*Zypp, error) {
	z := &Zypp{ConfFile: file, vendors: defaultVendorClasses(), reposDir: "/etc/zypp/repos.d", varsDir: "/etc/zypp/vars.d", locksPath: "/etc/zypp/locks"}
	cacheDir, metadata := "/var/cache/zypp", "{cachedir}/raw"
	secs, err := parseINI(b, zyppConfKind, file)
	if err != nil {
		return nil, err
	}
	for _, sec := range secs {
		if sec.name != "main" {
			continue
		}
		for _, key := range sortedKeys(sec.values) {
			v := sec.values[key]
			if v.value == "" {
				continue // an empty value keeps libzypp's default
			}
			switch key {
			case "multiversion":
				z.MultiVersion = listValue(v.value)
			case "solver.allowvendorchange":
				if z.AllowVendorChange, err = boolValue(v, zyppConfKind, file, "main."+key); err != nil {
					return nil, err
				}
			case "reposdir":
				z.reposDir = v.value
			case "cachedir":
				cacheDir = v.value
			case "metadatadir":
				metadata = v.value
			case "varsdir":
				z.varsDir = v.value
			case "locksfile.path":
				z.locksPath = v.value
			}
		}
	}
	z.metadata = strings.ReplaceAll(metadata, "{cachedir}", cacheDir)
	return z, nil
}

// zyppVars are zypper's repo variables: $arch, $basearch, $releasever
// (the base product's version, overridden by vars.d), then vars.d.
func zyppVars(root, varsDir, arch, releasever string, installed []*Installed) (map[string]string, error) {
	v := map[string]string{"arch": arch, "basearch": basearch(arch)}
	if rv := baseproductVersion(root); rv != "" {
		v["releasever"] = rv
	} else if rv := detectReleasever(installed); rv != "" {
		v["releasever"] = rv
	}
	if err := readVarDir(filepath.Join(root, varsDir), "zypp variable", v); err != nil {
		return nil, err
	}
	if releasever != "" {
		v["releasever"] = releasever
	}
	return v, nil
}

// baseproductVersion is the <version> of /etc/products.d/baseproduct.
func baseproductVersion(root string) string {
	b, err := located.ReadFile(filepath.Join(root, "etc/products.d/baseproduct"), located.Limit{Kind: "product file", Bytes: 1 << 20})
	if err != nil {
		return ""
	}
	var p struct {
		Version string `xml:"version"`
	}
	if xml.Unmarshal(b, &p) != nil {
		return ""
	}
	return strings.TrimSpace(p.Version)
}

// readZyppRepos reads every *.repo of zypper's repos dir. An alias
// defined again is ignored after its first definition.
func readZyppRepos(dir string, vars map[string]string) ([]Repo, []Duplicate, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*.repo"))
	sort.Strings(files)
	var repos []Repo
	var dups []Duplicate
	seen := map[string]Repo{}
	for _, f := range files {
		b, err := located.ReadFile(f, located.Limit{Kind: zyppRepoKind, Bytes: maxConfFile})
		if err != nil {
			return nil, nil, err
		}
		secs, err := parseINI(b, zyppRepoKind, f)
		if err != nil {
			return nil, nil, err
		}
		for _, sec := range secs {
			r, err := zyppRepo(sec, f, vars)
			if err != nil {
				return nil, nil, err
			}
			if prev, dup := seen[r.ID]; dup {
				dups = append(dups, Duplicate{ID: r.ID, File: r.File, Line: r.Line, First: prev.File, FirstLine: prev.Line})
				continue
			}
			seen[r.ID] = r
			repos = append(repos, r)
		}
	}
	return repos, dups, nil
}

// zyppRepo is one section of a zypper repo file.
func zyppRepo(sec *iniSection, file string, vars map[string]string) (Repo, error) {
	r := Repo{ID: sec.name, File: file, Line: sec.line, Enabled: true, Priority: 99, Cost: 1000}
	var sub string
	for _, key := range sortedKeys(sec.values) {
		v := sec.values[key]
		val := substitute(v.value, vars)
		k := sec.name + "." + key
		var err error
		switch key {
		case "enabled":
			r.Enabled, err = boolValue(v, zyppRepoKind, file, k)
		case "priority":
			r.Priority, err = intValue(v, zyppRepoKind, file, k, 0, 1<<31-1)
			if r.Priority == 0 {
				r.Priority = 99 // libzypp: 0 is the default
			}
		case "baseurl":
			r.BaseURL = listValue(val)
		case "mirrorlist":
			r.Mirrorlist = strings.TrimSpace(val)
		case "metalink":
			r.Metalink = strings.TrimSpace(val)
		case "path":
			sub = strings.TrimSpace(val)
		case "type":
			switch strings.ToLower(val) {
			case "rpm-md", "rpm", "rpmmd", "repomd", "yum", "up2date", "", "none", "nu":
			default:
				err = &located.Error{Kind: zyppRepoKind, File: file, Line: v.line, Key: k, Msg: "repo type not read (rpm-md is)"}
			}
		}
		if err != nil {
			return r, err
		}
	}
	if sub != "" && sub != "/" {
		for i, u := range r.BaseURL {
			r.BaseURL[i] = strings.TrimSuffix(u, "/") + "/" + strings.TrimPrefix(path.Clean("/"+sub), "/")
		}
	}
	return r, nil
}
