// Package ledger remembers when each pending security update was first seen,
// so a patch SLA can be judged on its age. It is the only file a guardrail
// check writes: atomically (internal/atomicfile: temporary file, fsync, rename) and
// under an exclusive lock, so two runs at once cannot lose or tear it.
//
// The check runs as root on folders others may write, so the ledger trusts
// nothing it finds there: a file is ours only if it opens with our format
// marker, anything else is refused (never replaced), no file it creates
// follows a symbolic link, and a folder that others could tamper with is
// refused as ssh's StrictModes refuses a home folder.
package ledger

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/atomicfile"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// format marks a file as ours; a file without it is never overwritten.
const format = "guardrail-ledger/1"

// maxSize bounds what is read: a ledger holds one line per pending update.
const maxSize = 8 << 20

// Ledger maps a key (package:arch) to the time it was first seen pending.
type Ledger struct {
	path  string
	First Times
	// Note says why the ledger was rebuilt, if it was ("" otherwise).
	Note string
}

// Times maps a key to when it was first seen pending.
type Times map[string]time.Time

// Age is how long key has been pending at now. ok is false when no usable
// time is recorded: none, or one after now (the clock went back), which is
// never trusted: Update restarts it at now, and a check must not call it 0
// days old when it only reads the ledger.
func (ts Times) Age(key string, now time.Time) (age time.Duration, ok bool) {
	t, ok := ts[key]
	if !ok || t.After(now) {
		return 0, false
	}
	return now.Sub(t), true
}

type fileContent struct {
	Format    string               `json:"format"`
	FirstSeen map[string]time.Time `json:"first_seen"`
}

// ErrNoFolder is wrapped when the state file's folder does not exist.
var ErrNoFolder = errors.New("state folder does not exist")

// ValidatePath refuses paths the ledger must never write: relative ones, ones
// that do not end in .json (so a mistyped or hostile --state-file cannot
// clobber a configuration file), and unclean ones. It does not touch the
// file system.
func ValidatePath(path string) error {
	switch {
	case path == "":
		return errors.New("empty state file path")
	case !filepath.IsAbs(path):
		return stateError(path, "must be an absolute path")
	case !strings.HasSuffix(path, ".json"):
		return stateError(path, "must end in .json")
	case filepath.Clean(path) != path:
		return stateError(path, "must be a clean path (no .., //, trailing /)")
	}
	return nil
}

// checkFolder refuses a state folder that is missing, not a folder, owned by
// another user than the running one or root, or writable by group or others
// without the sticky bit: whoever can write it can plant links and files.
func checkFolder(path string) error {
	dir := filepath.Dir(path)
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return &located.Error{Kind: "state file", File: path, Err: ErrNoFolder,
			Msg: fmt.Sprintf("folder %s does not exist: create it (owned by the user the check runs as, mode 0755) or give --state-file: %v", dir, ErrNoFolder)}
	}
	if err != nil {
		return stateError(path, "folder %s: %v", dir, errText(err))
	}
	if !st.IsDir() {
		return stateError(path, "%s is not a folder", dir)
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return stateError(path, "folder %s: cannot tell its owner", dir)
	}
	if uid := uint32(os.Geteuid()); sys.Uid != uid && sys.Uid != 0 {
		return stateError(path, "refusing folder %s: owned by uid %d, not by the running user (uid %d) or root", dir, sys.Uid, uid)
	}
	if st.Mode().Perm()&0o022 != 0 && st.Mode()&fs.ModeSticky == 0 {
		return stateError(path, "refusing folder %s: writable by group or others (mode %04o) without the sticky bit", dir, st.Mode().Perm())
	}
	return nil
}

// Update records the keys pending now and forgets the others, under an
// exclusive lock, and returns the ledger as saved. A missing (or empty)
// file starts empty; a corrupt file that carries our marker is rebuilt, with
// a Note saying so; any other file is refused.
func Update(path string, pending []string, now time.Time) (*Ledger, error) {
	if err := ValidatePath(path); err != nil {
		return nil, err
	}
	if err := checkFolder(path); err != nil {
		return nil, err
	}
	unlock, err := lock(path + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()

	l, err := read(path, true)
	if err != nil {
		return nil, err
	}
	next := make(Times, len(pending))
	for _, k := range pending {
		if _, ok := l.First.Age(k, now); ok {
			next[k] = l.First[k]
		} else {
			next[k] = now.UTC().Truncate(time.Second)
		}
	}
	l.First = next
	if err := l.save(); err != nil {
		return nil, err
	}
	return l, nil
}

// Read returns the ledger without changing it (for a read-only run). A
// missing file or folder is an empty ledger: nothing was recorded.
func Read(path string) (*Ledger, error) {
	if err := ValidatePath(path); err != nil {
		return nil, err
	}
	return read(path, false)
}

func read(path string, writing bool) (*Ledger, error) {
	l := &Ledger{path: path, First: Times{}}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) && !writing {
		return l, nil
	}
	if errors.Is(err, syscall.ELOOP) {
		return nil, stateError(path, "is a symbolic link; refusing to follow it")
	}
	if err != nil {
		return nil, stateError(path, "%v", errText(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, stateError(path, "%v", errText(err))
	}
	if !st.Mode().IsRegular() {
		return nil, stateError(path, "not a regular file; refusing it")
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && writing {
		if uid := uint32(os.Geteuid()); sys.Uid != uid && sys.Uid != 0 {
			return nil, stateError(path, "owned by uid %d, not by the running user or root; refusing to overwrite it", sys.Uid)
		}
	}
	data, err := readBounded(f)
	if err != nil {
		if errors.Is(err, located.ErrTooLarge) {
			return nil, stateError(path, "larger than %s: not a guardrail state file; refusing to overwrite it", located.Size(maxSize))
		}
		return nil, stateError(path, "%v", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return l, nil // nothing to lose: an empty file starts an empty ledger
	}
	if !hasMarker(data) {
		return nil, stateError(path, "not a guardrail state file (no %q format marker); refusing to overwrite it", format)
	}
	var c fileContent
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err = dec.Decode(&c)
	if err == nil && dec.More() {
		err = errors.New("data after the JSON object")
	}
	if err == nil && c.Format != format {
		err = fmt.Errorf("format %q, want %q", c.Format, format)
	}
	if err != nil {
		// Ours (it carries the marker) but damaged: the first-seen times
		// are lost either way, so start again and say so.
		l.Note = fmt.Sprintf("state file %s was corrupt (%s) and was rebuilt: first-seen times restart now", path, jsonProblem(err))
		return l, nil
	}
	for k, t := range c.FirstSeen {
		l.First[k] = t
	}
	return l, nil
}

// jsonProblem names what is wrong without quoting the file's bytes.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("JSON syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("wrong type for %s at byte %d", te.Field, te.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated"
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return "unknown field"
	}
	return err.Error()
}

// readBounded reads at most maxSize bytes, counted as read.
func readBounded(f *os.File) ([]byte, error) {
	// Clear O_NONBLOCK (set only so that opening a planted FIFO cannot hang).
	if err := syscall.SetNonblock(int(f.Fd()), false); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(f, maxSize+1))
	if err != nil {
		return nil, errors.New(errText(err))
	}
	if n > maxSize {
		return nil, located.ErrTooLarge
	}
	return buf.Bytes(), nil
}

// stateError and lockError name the state file (or its lock) in the one
// located format: "state file PATH: MSG".
func stateError(path, format string, args ...any) error {
	return &located.Error{Kind: "state file", File: path, Msg: fmt.Sprintf(format, args...)}
}

func lockError(path, format string, args ...any) error {
	return &located.Error{Kind: "state lock", File: path, Msg: fmt.Sprintf(format, args...)}
}

// errText is a system error without the path os puts in front of it.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// hasMarker: the file opens with {"format": "guardrail-ledger/1" as save
// writes it (any JSON white space between the tokens).
func hasMarker(data []byte) bool {
	rest := data
	for _, tok := range []string{"{", `"format"`, ":", `"` + format + `"`} {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		if !bytes.HasPrefix(rest, []byte(tok)) {
			return false
		}
		rest = rest[len(tok):]
	}
	return true
}

func (l *Ledger) save() error {
	c := fileContent{Format: format, FirstSeen: l.First}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(l.path, append(data, '\n'), 0o644); err != nil {
		return stateError(l.path, "%v", errText(err))
	}
	return nil
}

// lock takes the exclusive lock on path, created if missing. A symbolic
// link there is refused (never followed), and so is anything but a regular
// file of ours or root's.
func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0o600)
	if errors.Is(err, syscall.ELOOP) {
		return nil, lockError(path, "is a symbolic link; refusing to follow it")
	}
	if err != nil {
		return nil, lockError(path, "%v", errText(err))
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = errors.New("not a regular file; refusing it")
	}
	if err == nil {
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			if uid := uint32(os.Geteuid()); sys.Uid != uid && sys.Uid != 0 {
				err = fmt.Errorf("owned by uid %d, not by the running user or root; refusing it", sys.Uid)
			}
		}
	}
	if err == nil {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
	}
	if err != nil {
		f.Close()
		return nil, lockError(path, "%v", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
