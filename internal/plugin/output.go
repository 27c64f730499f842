package plugin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/guardrail-monitoring/guardrail/internal/atomicfile"
)

// outputSuffix is the name ending --output must have per format: a
// collector reads *.prom, and no hostile --output (arguments may come from
// NRPE) can name a configuration file or binary.
var outputSuffix = map[Format]string{Text: ".txt", JSON: ".json", OpenMetrics: ".prom", JUnit: ".xml"}

// validateOutput refuses an --output path before anything runs.
func validateOutput(path string, f Format) error {
	switch want := outputSuffix[f]; {
	case !filepath.IsAbs(path):
		return fmt.Errorf("--output %s: must be an absolute path", path)
	case filepath.Clean(path) != path:
		return fmt.Errorf("--output %s: must be a clean path (no .., //, trailing /)", path)
	case !strings.HasSuffix(path, want):
		return fmt.Errorf("--output %s: must end in %s for --format %s", path, want, f)
	}
	return nil
}

// outputMarkers open every file a guardrail check writes in each format:
// an existing --output file is replaced only when it opens with one.
func outputMarkers(label string) [][]byte {
	return [][]byte{[]byte("# HELP guardrail_"), []byte(junitMarker), []byte(`{"check":"check_`), []byte(label + " ")}
}

// checkReplaceable refuses to replace anything at path but a regular file
// a guardrail check wrote (recognised by its content, never by its name),
// an empty one, or nothing. A symbolic link is refused, never followed.
func checkReplaceable(path, label string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case errors.Is(err, syscall.ELOOP):
		return errors.New("is a symbolic link; refusing to replace it")
	case err != nil:
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return errors.New("not a regular file; refusing to replace it")
	}
	head := make([]byte, 256)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return err
	}
	if n == 0 {
		return nil
	}
	for _, m := range outputMarkers(label) {
		if bytes.HasPrefix(head[:n], m) {
			return nil
		}
	}
	return errors.New("not a file a guardrail check wrote; refusing to replace it")
}

// writeOutput replaces path with data atomically (the collector may read it
// at any moment), after checkReplaceable.
func writeOutput(path, label string, data []byte) error {
	if err := checkReplaceable(path, label); err != nil {
		return fmt.Errorf("--output %s: %w", path, err)
	}
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("--output %s: %w", path, err)
	}
	return nil
}
