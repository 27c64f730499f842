// Package ledger remembers when each pending security update was first seen,
// so a patch SLA can be judged on its age. It is the only file a guardrail
// check writes: atomically (write to a temporary file, fsync, rename) and
// under an exclusive lock, so two runs at once cannot lose or tear it.
package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// format marks a file as ours; a file without it is never overwritten.
const format = "guardrail-ledger/1"

// maxSize bounds what is read: a ledger holds one line per pending update.
const maxSize = 8 << 20

// Ledger maps a key (package:arch) to the time it was first seen pending.
type Ledger struct {
	path  string
	First map[string]time.Time
	// Note says why the ledger was rebuilt, if it was ("" otherwise).
	Note string
}

type fileContent struct {
	Format    string               `json:"format"`
	FirstSeen map[string]time.Time `json:"first_seen"`
}

// ValidatePath refuses paths the ledger must never write: relative ones, ones
// that do not end in .json (so a mistyped or hostile --state-file cannot
// clobber a configuration file), and ones whose folder does not exist.
func ValidatePath(path string) error {
	switch {
	case path == "":
		return errors.New("empty state file path")
	case !filepath.IsAbs(path):
		return fmt.Errorf("state file %s: must be an absolute path", path)
	case !strings.HasSuffix(path, ".json"):
		return fmt.Errorf("state file %s: must end in .json", path)
	case filepath.Clean(path) != path:
		return fmt.Errorf("state file %s: must be a clean path (no .., //, trailing /)", path)
	}
	st, err := os.Stat(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("state file %s: folder: %v", path, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("state file %s: %s is not a folder", path, filepath.Dir(path))
	}
	return nil
}

// Update records the keys pending now and forgets the others, under an
// exclusive lock, and returns the ledger as saved. A missing file starts
// empty; a corrupt one is rebuilt, with a Note saying so.
func Update(path string, pending []string, now time.Time) (*Ledger, error) {
	if err := ValidatePath(path); err != nil {
		return nil, err
	}
	unlock, err := lock(path + ".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()

	l, err := read(path)
	if err != nil {
		return nil, err
	}
	next := make(map[string]time.Time, len(pending))
	for _, k := range pending {
		if t, ok := l.First[k]; ok && !t.After(now) {
			next[k] = t
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

// Read returns the ledger without changing it (for a read-only run).
func Read(path string) (*Ledger, error) {
	if err := ValidatePath(path); err != nil {
		return nil, err
	}
	return read(path)
}

func read(path string) (*Ledger, error) {
	l := &Ledger{path: path, First: map[string]time.Time{}}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return l, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state file %s: %v", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("state file %s: %v", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("state file %s: not a regular file", path)
	}
	if st.Size() > maxSize {
		l.Note = fmt.Sprintf("state file %s was larger than %d bytes and was rebuilt", path, maxSize)
		return l, nil
	}
	var c fileContent
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil || c.Format != format {
		if st.Size() > 0 && err == nil {
			err = fmt.Errorf("format %q, want %q", c.Format, format)
		}
		if st.Size() > 0 && !looksOurs(path) {
			return nil, fmt.Errorf("state file %s: not a guardrail state file (%v); refusing to overwrite it", path, err)
		}
		if st.Size() > 0 {
			l.Note = fmt.Sprintf("state file %s was corrupt (%v) and was rebuilt: first-seen times restart now", path, err)
		}
		return l, nil
	}
	for k, t := range c.FirstSeen {
		l.First[k] = t
	}
	return l, nil
}

// looksOurs: a corrupt file is rebuilt only where guardrail keeps state, so
// that a wrong --state-file never replaces somebody else's JSON.
func looksOurs(path string) bool {
	return strings.Contains(filepath.Base(path), "guardrail") || strings.Contains(path, "/guardrail/")
}

func (l *Ledger) save() error {
	c := fileContent{Format: format, FirstSeen: l.First}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(l.path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(l.path)+".*")
	if err != nil {
		return fmt.Errorf("state file %s: %v", l.path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("state file %s: %v", l.path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("state file %s: %v", l.path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("state file %s: %v", l.path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("state file %s: %v", l.path, err)
	}
	if err := os.Rename(tmp.Name(), l.path); err != nil {
		return fmt.Errorf("state file %s: %v", l.path, err)
	}
	return nil
}

func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("state lock %s: %v", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("state lock %s: %v", path, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// Age is how long key has been pending at now (0 if unknown).
func (l *Ledger) Age(key string, now time.Time) time.Duration {
	t, ok := l.First[key]
	if !ok || t.After(now) {
		return 0
	}
	return now.Sub(t)
}

// Keys returns the keys in order, for tests and messages.
func (l *Ledger) Keys() []string {
	ks := make([]string, 0, len(l.First))
	for k := range l.First {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
