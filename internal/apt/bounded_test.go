package apt

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestEndlessInputsFailFast: an input that is a symlink to /dev/zero, or
// one enormous line, ends in an error naming the file (and the line) after
// a bounded read: quickly and without allocating more than a few times
// the bounds.
func TestEndlessInputsFailFast(t *testing.T) {
	const base = "../../testdata/apt/debian"
	const lists = "var/lib/apt/lists/"
	hugeLine := func(prefix string) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			f.WriteString(prefix)
			if err := f.Truncate(100 << 20); err != nil { // sparse: 100 MB of NUL, no newline
				t.Fatal(err)
			}
		}
	}
	devZero := func(t *testing.T, path string) {
		os.Remove(path)
		if err := os.Symlink("/dev/zero", path); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name, file string
		make       func(*testing.T, string)
		want       string // in the error, after the file name
	}{
		{"status is /dev/zero", "var/lib/dpkg/status", devZero, ", line 1: line longer than 1 MiB"},
		{"status one 100 MB line", "var/lib/dpkg/status", hugeLine("Package: dpkg\nDescription: "), ", line 2: line longer than 1 MiB"},
		{"journal is /dev/zero", "var/lib/dpkg/updates/0000", devZero, ", line 1: line longer than 1 MiB"},
		{"preferences is /dev/zero", "etc/apt/preferences", devZero, ", line 1: line longer than 1 MiB"},
		{"preferences one 100 MB line", "etc/apt/preferences", hugeLine("Package: *\nPin: "), ", line 2: line longer than 1 MiB"},
		{"sources.list is /dev/zero", "etc/apt/sources.list", devZero, ", line 1: line longer than 1 MiB"},
		{"deb822 sources one 100 MB line", "etc/apt/sources.list.d/backports.sources", hugeLine("Types: deb\nURIs: "), ", line 2: line longer than 1 MiB"},
		{"apt.conf is /dev/zero", "etc/apt/apt.conf", devZero, ": larger than the 1 MiB limit for apt.conf files"},
		{"dpkg arch is /dev/zero", "var/lib/dpkg/arch", devZero, ": larger than the 64 KiB limit for dpkg arch files"},
		{"InRelease is /dev/zero", lists + "deb.example.org_debian_dists_bookworm_InRelease", devZero, ": larger than the 8 MiB limit for Release files"},
		{"Packages is /dev/zero", lists + "deb.example.org_debian_dists_bookworm_main_binary-amd64_Packages", devZero, ", line 1: stanza longer than 16 MiB"},
		{"Packages one 100 MB line", lists + "deb.example.org_debian_dists_bookworm_main_binary-amd64_Packages", hugeLine("Package: libc6\nDescription: "), ", line 1: stanza longer than 16 MiB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			root := copyTree(t, base)
			path := filepath.Join(root, c.file)
			os.MkdirAll(filepath.Dir(path), 0o755)
			c.make(t, path)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := Load(context.Background(), root)
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			if err == nil || !strings.Contains(err.Error(), path+c.want) {
				t.Fatalf("got %v\nwant an error with %q", err, path+c.want)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 200<<20 {
				t.Errorf("allocated %d MiB for an input that should fail at its bound", alloc>>20)
			}
			if took > 5*time.Second {
				t.Errorf("took %v", took)
			}
			t.Logf("%v, %d MiB allocated", took.Round(time.Millisecond), (after.TotalAlloc-before.TotalAlloc)>>20)
		})
	}
}
