package rpm

import (
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// The cache layouts a repo's rpm-md metadata may be found in. dnf 4 and
// dnf5 name a repo's folder alike (the id, a dash and 16 hex digits of the
// SHA-256 of its metalink, mirrorlist or first baseurl) and keep the files
// under repodata/ as repomd.xml names them; yum (RHEL/CentOS 7) keeps them
// flat in $cachedir/<repoid>/, each by the base name of its href.
const (
	LayoutDNF  = "dnf"  // /var/cache/dnf/<repoid>-<hash>/repodata/
	LayoutDNF5 = "dnf5" // /var/cache/libdnf5/<repoid>-<hash>/repodata/
	LayoutYum  = "yum"  // /var/cache/yum/$basearch/$releasever/<repoid>/
)

const dnf5CacheDir = "/var/cache/libdnf5"

type cacheCandidate struct {
	dir, layout string
}

// pickCache chooses where a repo's metadata is read from. A host may hold
// more than one cache of the same repo (dnf 4 and dnf5 side by side, or a
// yum cache left by an upgrade from RHEL 7): the one written last is the
// one the host's package manager last saw, so the newest wins. With none,
// the repo is reported under dnf's own folder, as unfetched.
func (s *System) pickCache(r Repo) (dir, layout string) {
	if s.Main.Manager == ManagerYum {
		// yum 3 keeps its repos flat in its own cachedir (as configured,
		// variables substituted): no other cache is its. Repo ids are
		// checked in readRepos: never a path.
		return filepath.Join(s.Root, s.Main.CacheDir, r.ID), LayoutYum
	}
	name := cacheDirName(r)
	cands := []cacheCandidate{{filepath.Join(s.Root, s.Main.CacheDir, name), LayoutDNF}}
	if d := filepath.Join(s.Root, dnf5CacheDir, name); d != cands[0].dir {
		cands = append(cands, cacheCandidate{d, LayoutDNF5})
	}
	if rv := s.Vars["releasever"]; rv != "" && !strings.ContainsAny(rv, "/\x00") {
		cands = append(cands, cacheCandidate{filepath.Join(s.Root, "var/cache/yum", s.Vars["basearch"], rv, r.ID), LayoutYum})
	}
	best, bestTime := cands[0], time.Time{}
	for _, c := range cands {
		if t := newestFile(metadataDir(c.dir, c.layout)); t.After(bestTime) {
			best, bestTime = c, t
		}
	}
	return best.dir, best.layout
}

// newestFile is the newest mtime among a metadata folder's files
// (zero when the folder is absent or holds no repomd.xml).
func newestFile(dir string) time.Time {
	if _, err := os.Stat(filepath.Join(dir, "repomd.xml")); err != nil {
		return time.Time{}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return time.Time{}
	}
	var t time.Time
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.ModTime().After(t) {
			t = fi.ModTime()
		}
	}
	return t
}

// metadataDir is the folder holding repomd.xml in a layout.
func metadataDir(cacheDir, layout string) string {
	if layout == LayoutYum {
		return cacheDir
	}
	return filepath.Join(cacheDir, "repodata")
}

// metaPath is where a layout keeps the file repomd.xml lists at href.
func (rs *RepoState) metaPath(href string) string {
	if rs.Layout == LayoutYum {
		return filepath.Join(rs.CacheDir, path.Base(cleanHref(href)))
	}
	return filepath.Join(rs.CacheDir, filepath.FromSlash(cleanHref(href)))
}
