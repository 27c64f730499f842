package apt

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the want.txt goldens under testdata/apt")

const fixtures = "../../testdata/apt"

// fixtureCases are the fake roots under testdata/apt; each has a want.txt.
func fixtureCases(t testing.TB) []string {
	m, err := filepath.Glob(filepath.Join(fixtures, "*", "want.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, w := range m {
		out = append(out, filepath.Dir(w))
	}
	if len(out) == 0 {
		t.Fatal("no fixtures")
	}
	return out
}

// describe renders what the check would see, one line per update.
func describe(s *System) string {
	var b strings.Builder
	for _, u := range s.Updates() {
		fmt.Fprintf(&b, "%s:%s %s -> %s", u.Package, u.Arch, u.Installed, u.Candidate)
		if u.Security {
			fmt.Fprintf(&b, " security=%s", u.SecurityVersion)
		}
		if u.Held {
			b.WriteString(" held")
		}
		if u.KeptBack {
			fmt.Fprintf(&b, " kept-back(%s: %s)", u.Missing, u.Reason)
			if u.Blocked && !u.Held {
				b.WriteString(" blocked")
			}
		}
		if u.Phased {
			fmt.Fprintf(&b, " phased(%s)", u.PhasedVersion)
		}
		fmt.Fprintf(&b, " from %s\n", u.Origin)
	}
	for _, u := range s.Deferred() {
		fmt.Fprintf(&b, "deferred %s:%s %s -> %s\n", u.Package, u.Arch, u.Installed, u.Candidate)
	}
	if f, d, ok := oldestList(s); ok {
		rel, _ := filepath.Rel(s.Root, f)
		fmt.Fprintf(&b, "oldest list %s %s\n", rel, d.Format("2006-01-02T15:04:05Z"))
	}
	return b.String()
}

func TestFixtures(t *testing.T) {
	for _, dir := range fixtureCases(t) {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			s, err := Load(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			got := describe(s)
			wantFile := filepath.Join(dir, "want.txt")
			if *update {
				if err := os.WriteFile(wantFile, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(wantFile)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s differs (go test -run TestFixtures -update)\n--- got\n%s--- want\n%s", wantFile, got, want)
			}
		})
	}
}

var _ = errors.New

// oldestList is the (In)Release file of the live lists with the oldest
// Date, for the fixtures' expected output.
func oldestList(s *System) (file string, date time.Time, ok bool) {
	for _, r := range s.Releases {
		if r.Date.IsZero() {
			continue
		}
		if !ok || r.Date.Before(date) {
			file, date, ok = r.File, r.Date, true
		}
	}
	return file, date, ok
}
