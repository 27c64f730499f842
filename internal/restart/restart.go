// Package restart finds the processes that still run a deleted or replaced
// executable or shared library — an installed fix they do not have until
// they restart — with the systemd unit each belongs to. It reads /proc
// (under a root directory, for tests), bounded, and says how many
// processes it could not read instead of counting them as up to date.
package restart

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Stale is one file a process runs whose copy on disk is gone or another.
type Stale struct {
	Path   string
	Reason string // "deleted" or "replaced"
	// ReplacedAt is the change time of the file now at Path (the moment the
	// package manager renamed the new copy into place); zero if none.
	ReplacedAt time.Time
}

// Process is one process running stale files.
type Process struct {
	PID  int
	UID  int
	Comm string
	Exe  string
	// Unit is the systemd unit from /proc/PID/cgroup ("ssh.service",
	// "session-4.scope"); UserUnit when it sits under user.slice.
	Unit     string
	UserUnit bool
	Files    []Stale
}

// Since is when the process became outdated: the earliest replacement
// time of its files (zero when unknown).
func (p Process) Since() time.Time {
	var t time.Time
	for _, f := range p.Files {
		if !f.ReplacedAt.IsZero() && (t.IsZero() || f.ReplacedAt.Before(t)) {
			t = f.ReplacedAt
		}
	}
	return t
}

// Scan is the result of one pass over /proc.
type Scan struct {
	Outdated []Process // by PID
	Scanned  int       // processes whose files were read
	// Unreadable counts processes whose exe or maps could not be read
	// (other users' processes without root): not known to be up to date.
	Unreadable int
}

// Units are the systemd system units (not user units) of the outdated
// processes, sorted, unique: what a restart would name.
func (s Scan) Units() []string {
	seen := map[string]bool{}
	for _, p := range s.Outdated {
		if p.Unit != "" && !p.UserUnit && strings.HasSuffix(p.Unit, ".service") {
			seen[p.Unit] = true
		}
	}
	out := make([]string, 0, len(seen))
	for u := range seen {
		out = append(out, u)
	}
	sort.Strings(out)
	return out
}

// Options shape a scan.
type Options struct {
	// IgnorePrefixes: mapped libraries under these paths are not package
	// files (needrestart's defaults: devices, memfd, SysV shared memory,
	// temporary directories). The executable is judged wherever it lives.
	IgnorePrefixes []string
	// SkipPIDs are not scanned (the check itself).
	SkipPIDs []int
}

// DefaultIgnore mirrors needrestart's blacklist_mappings defaults.
var DefaultIgnore = []string{"/dev/", "/memfd:", "/SYSV", "/[aio]", "/drm", "/tmp/", "/var/tmp/", "/run/", "/var/run/"}

// Limits: a Java or browser process maps thousands of files, each line
// at most a path (PATH_MAX 4096) and some fields.
var (
	mapsLimit = located.Limit{Kind: "process maps", Bytes: 16 << 20}
	smallFile = located.Limit{Kind: "process", Bytes: 64 << 10}
)

// ScanProc scans every process under root/proc.
func ScanProc(root string, opt Options) (Scan, error) {
	proc := filepath.Join(root, "proc")
	entries, err := os.ReadDir(proc)
	if err != nil {
		return Scan{}, &located.Error{Kind: "process table", File: proc, Msg: "unreadable", Err: err}
	}
	var s Scan
	skip := map[int]bool{}
	for _, p := range opt.SkipPIDs {
		skip[p] = true
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 || skip[pid] {
			continue
		}
		p, state := scanPID(root, pid, opt)
		switch state {
		case outdated:
			s.Outdated = append(s.Outdated, p)
			s.Scanned++
		case current:
			s.Scanned++
		case unreadable:
			s.Unreadable++
		}
	}
	sort.Slice(s.Outdated, func(i, j int) bool { return s.Outdated[i].PID < s.Outdated[j].PID })
	return s, nil
}

type pidState int

const (
	gone pidState = iota // vanished, or a kernel thread: no files of its own
	current
	outdated
	unreadable
)

func scanPID(root string, pid int, opt Options) (Process, pidState) {
	dir := filepath.Join(root, "proc", strconv.Itoa(pid))
	p := Process{PID: pid, UID: -1}
	if st, err := os.Stat(dir); err == nil {
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			p.UID = int(sys.Uid)
		}
	}
	exe, err := os.Readlink(filepath.Join(dir, "exe"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return p, gone // kernel thread (no exe) or exited
	case errors.Is(err, fs.ErrPermission):
		return p, unreadable
	case err != nil:
		return p, gone
	}
	if b, err := located.ReadFile(filepath.Join(dir, "comm"), smallFile); err == nil {
		p.Comm = strings.TrimSpace(string(b))
	}
	p.Unit, p.UserUnit = unitOf(dir)
	// The executable itself counts wherever it lived (needrestart does the
	// same), except a sealed memfd: container runtimes run from one, and no
	// package update replaces it.
	if path, ok := strings.CutSuffix(exe, " (deleted)"); ok && !strings.HasPrefix(path, "/memfd:") {
		p.Exe = path
		p.Files = append(p.Files, Stale{Path: path, Reason: "deleted", ReplacedAt: ctime(root, dir, path)})
	} else {
		p.Exe = exe
	}
	files, err := staleMappings(root, dir, opt)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return p, gone
	case errors.Is(err, fs.ErrPermission):
		return p, unreadable
	case err != nil:
		return p, unreadable
	}
	for _, f := range files {
		if f.Path != p.Exe || len(p.Files) == 0 || p.Files[0].Path != f.Path {
			p.Files = append(p.Files, f)
		}
	}
	if len(p.Files) > 0 {
		return p, outdated
	}
	return p, current
}

func ignored(path string, opt Options) bool {
	for _, pre := range opt.IgnorePrefixes {
		if strings.HasPrefix(path, pre) {
			return true
		}
	}
	return false
}

// staleMappings reads /proc/PID/maps: executable file mappings whose file
// is deleted, or whose path now holds another inode.
func staleMappings(root, dir string, opt Options) ([]Stale, error) {
	mapsPath := filepath.Join(dir, "maps")
	r, err := located.Open(mapsPath, mapsLimit)
	if err != nil {
		var le *located.Error
		if errors.As(err, &le) && le.Err != nil {
			return nil, le.Err
		}
		return nil, err
	}
	defer r.Close()
	seen := map[string]bool{}
	var out []Stale
	err = located.Lines(r, "process maps", mapsPath, 8192, func(_ int, line []byte) error {
		m, ok := parseMapsLine(line)
		if !ok || m.inode == 0 || !strings.Contains(m.perms, "x") || !strings.HasPrefix(m.path, "/") {
			return nil
		}
		path, deleted := strings.CutSuffix(m.path, " (deleted)")
		if ignored(path, opt) || seen[path] {
			return nil
		}
		seen[path] = true
		if deleted {
			out = append(out, Stale{Path: path, Reason: "deleted", ReplacedAt: ctime(root, dir, path)})
			return nil
		}
		var st syscall.Stat_t
		if err := syscall.Stat(filepath.Join(dir, "root", path), &st); err != nil {
			return nil // not reachable from here (a chroot, a container): not judged
		}
		if st.Ino != m.inode || m.major != 0 && (major(st.Dev) != m.major || minor(st.Dev) != m.minor) {
			out = append(out, Stale{Path: path, Reason: "replaced", ReplacedAt: time.Unix(st.Ctim.Sec, st.Ctim.Nsec)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func ctime(root, dir, path string) time.Time {
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(dir, "root", path), &st); err != nil {
		return time.Time{}
	}
	return time.Unix(st.Ctim.Sec, st.Ctim.Nsec)
}

// glibc's gnu_dev_major / gnu_dev_minor.
func major(dev uint64) uint64 { return (dev>>8)&0xfff | (dev>>32)&^0xfff }
func minor(dev uint64) uint64 { return dev&0xff | (dev>>12)&^0xff }

type mapping struct {
	perms        string
	major, minor uint64
	inode        uint64
	path         string
}

// parseMapsLine reads "ADDR PERMS OFFSET MAJ:MIN INODE   PATH".
func parseMapsLine(line []byte) (mapping, bool) {
	var m mapping
	fields := make([][]byte, 0, 5)
	rest := line
	for len(fields) < 5 {
		rest = bytes.TrimLeft(rest, " ")
		i := bytes.IndexByte(rest, ' ')
		if i < 0 {
			if len(rest) == 0 {
				return m, false
			}
			fields, rest = append(fields, rest), nil
			break
		}
		fields, rest = append(fields, rest[:i]), rest[i:]
	}
	if len(fields) != 5 {
		return m, false
	}
	m.perms = string(fields[1])
	maj, min, ok := bytes.Cut(fields[3], []byte(":"))
	if !ok {
		return m, false
	}
	var err1, err2, err3 error
	m.major, err1 = strconv.ParseUint(string(maj), 16, 32)
	m.minor, err2 = strconv.ParseUint(string(min), 16, 32)
	m.inode, err3 = strconv.ParseUint(string(fields[4]), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return m, false
	}
	m.path = string(bytes.TrimLeft(rest, " "))
	return m, true
}

// unitOf reads the systemd unit from /proc/PID/cgroup: the cgroup v2 line
// ("0::/system.slice/ssh.service") or v1's name=systemd hierarchy.
func unitOf(dir string) (string, bool) {
	b, err := located.ReadFile(filepath.Join(dir, "cgroup"), smallFile)
	if err != nil {
		return "", false
	}
	return UnitFromCgroup(b)
}

var unitSuffixes = []string{".service", ".scope"}

// UnitFromCgroup returns the innermost .service or .scope of a cgroup
// file, and whether it lies under user.slice.
func UnitFromCgroup(b []byte) (string, bool) {
	var path string
	for _, line := range strings.Split(string(b), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[0] == "0" && parts[1] == "" || parts[1] == "name=systemd" {
			if path == "" || parts[1] == "" {
				path = parts[2]
			}
		}
	}
	comps := strings.Split(path, "/")
	for i := len(comps) - 1; i >= 0; i-- {
		for _, suf := range unitSuffixes {
			if strings.HasSuffix(comps[i], suf) && len(comps[i]) > len(suf) && len(comps[i]) < 256 {
				user := len(comps) > 1 && comps[1] == "user.slice"
				// user@UID.service's children are the user's own units.
				return comps[i], user
			}
		}
	}
	return "", false
}
