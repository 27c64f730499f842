// Package atomicfile replaces a file in one step: readers (a collector, a
// pipeline, the next run) see the old content or the new, never a torn
// write. The content goes to a temporary file in the same folder, created
// with O_EXCL|O_NOFOLLOW under a name no other run uses, is synced, and is
// renamed over the target; rename replaces whatever name is there (a
// symbolic link included) and never follows it.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Write replaces path with data, mode perm. On error the target is left as
// it was and the temporary file is removed.
func Write(path string, data []byte, perm fs.FileMode) error {
	tmp, tmpName, err := create(path)
	if err != nil {
		return err
	}
	defer os.Remove(tmpName) // gone after the rename; a failure leaves nothing
	fail := func(err error) error {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Chmod(perm); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmpName, path)
}

// create makes a new temporary file next to path: ".NAME.RANDOM.tmp",
// O_EXCL|O_NOFOLLOW, so a file or link planted at any name is never opened,
// and two runs at once never share one.
func create(path string) (*os.File, string, error) {
	const flags = os.O_RDWR | os.O_CREATE | os.O_EXCL | syscall.O_NOFOLLOW | syscall.O_CLOEXEC
	dir, base := filepath.Split(path)
	for range 8 {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, "", err
		}
		name := filepath.Join(dir, "."+base+"."+hex.EncodeToString(b[:])+".tmp")
		f, err := os.OpenFile(name, flags, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("temporary file: %w", err)
		}
		return f, name, nil
	}
	return nil, "", errors.New("temporary file: every name tried exists")
}
