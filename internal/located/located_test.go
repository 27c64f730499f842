package located

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestErrorFormat(t *testing.T) {
	for _, tc := range []struct {
		e    Error
		want string
	}{
		{Error{Kind: "policy", File: "/etc/p.yaml", Line: 4, Key: "a.b", Msg: "bad"}, "policy /etc/p.yaml, line 4, key a.b: bad"},
		{Error{File: "f", Msg: "m"}, "f: m"},
		{Error{Kind: "flows", File: "f", Err: os.ErrNotExist}, "flows f: file does not exist"},
		{Error{File: "f", Line: 2}, "f, line 2"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%+v: got %q, want %q", tc.e, got, tc.want)
		}
	}
}

func TestReadFileLimit(t *testing.T) {
	dir := t.TempDir()
	exact := filepath.Join(dir, "exact")
	os.WriteFile(exact, []byte("12345678"), 0o600)
	if b, err := ReadFile(exact, Limit{"test", 8}); err != nil || string(b) != "12345678" {
		t.Fatalf("file at the limit: %q %v", b, err)
	}
	_, err := ReadFile(exact, Limit{"test", 7})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "limit for test files") || !strings.Contains(err.Error(), exact) {
		t.Fatalf("file past the limit: %v", err)
	}
	// A device reports size 0 and never ends: the bound is counted.
	_, err = ReadFile("/dev/zero", Limit{"policy", 1 << 20})
	if !errors.Is(err, ErrTooLarge) || err.Error() != "policy /dev/zero: larger than the 1 MiB limit for policy files" {
		t.Fatalf("/dev/zero: %v", err)
	}
	if _, err := ReadFile(dir, Limit{"test", 10}); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("directory: %v", err)
	}
	if _, err := ReadFile(filepath.Join(dir, "none"), Limit{"test", 10}); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
	if len(Reading()) != 0 {
		t.Fatalf("reads left registered: %v", Reading())
	}
}

func TestReadingNamesAStuckFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	go ReadFile(fifo, Limit{"test", 10}) // blocks in open: no writer
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if r := Reading(); len(r) == 1 && r[0] == fifo {
			// Let the blocked open finish so the goroutine ends.
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err == nil {
				w.Close()
			}
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("Reading() = %v, want the FIFO", Reading())
}

func TestLines(t *testing.T) {
	var got []string
	err := Lines(strings.NewReader("a\nbb\n"), "k", "f", 10, func(n int, b []byte) error {
		got = append(got, string(b))
		return nil
	})
	if err != nil || strings.Join(got, ",") != "a,bb" {
		t.Fatalf("%v %v", got, err)
	}
	err = Lines(strings.NewReader("a\n"+strings.Repeat("x", 20)+"\n"), "k", "f", 10, func(int, []byte) error { return nil })
	if err == nil || err.Error() != "k f, line 2: line longer than 10 bytes" {
		t.Fatalf("long line: %v", err)
	}
}
