package ledger

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

var t0 = time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)

func TestUpdateKeepsFirstSeenAndForgetsPatched(t *testing.T) {
	p := filepath.Join(t.TempDir(), "guardrail-state.json")
	l, err := Update(p, []string{"openssl:amd64", "bash:amd64"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if l.Note != "" || len(l.First) != 2 {
		t.Fatalf("first run: %+v", l)
	}
	later := t0.Add(72 * time.Hour)
	l, err = Update(p, []string{"openssl:amd64", "curl:amd64"}, later)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := l.First.Age("openssl:amd64", later); got != 72*time.Hour || !ok {
		t.Errorf("openssl age %v %v, want 72h", got, ok)
	}
	if got, ok := l.First.Age("curl:amd64", later); got != 0 || !ok {
		t.Errorf("curl age %v %v, want 0 (new)", got, ok)
	}
	if _, ok := l.First["bash:amd64"]; ok {
		t.Error("bash was patched but is still remembered")
	}
	back, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(keys(back)) != "[curl:amd64 openssl:amd64]" || !back.First["openssl:amd64"].Equal(t0) {
		t.Errorf("read back %v", back.First)
	}
}

func keys(l *Ledger) []string {
	ks := make([]string, 0, len(l.First))
	for k := range l.First {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// TestAge: a time not recorded, or after now, is no age at all.
func TestAge(t *testing.T) {
	ts := Times{"a:all": t0, "b:all": t0.Add(time.Second)}
	for _, c := range []struct {
		key string
		age time.Duration
		ok  bool
	}{{"a:all", 0, true}, {"b:all", 0, false}, {"c:all", 0, false}} {
		if age, ok := ts.Age(c.key, t0); age != c.age || ok != c.ok {
			t.Errorf("%s: %v %v, want %v %v", c.key, age, ok, c.age, c.ok)
		}
	}
	if age, ok := ts.Age("b:all", t0.Add(time.Hour)); age != time.Hour-time.Second || !ok {
		t.Errorf("b:all an hour later: %v %v", age, ok)
	}
}

func TestFutureFirstSeenIsReset(t *testing.T) {
	p := filepath.Join(t.TempDir(), "guardrail.json")
	if _, err := Update(p, []string{"a:all"}, t0.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	// The clock went back: a first-seen time in the future is not trusted.
	l, err := Update(p, []string{"a:all"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !l.First["a:all"].Equal(t0) {
		t.Errorf("first seen %v, want %v", l.First["a:all"], t0)
	}
}

func TestCorruptStateIsRebuiltWithNote(t *testing.T) {
	for name, content := range map[string]string{
		"truncated":  `{"format":"guardrail-ledger/1","first_seen":{"a:amd64":"2026-`,
		"wrong type": `{"format":"guardrail-ledger/1","first_seen":[]}`,
		"unknown":    `{"format":"guardrail-ledger/1","first_seen":{},"x":1}`,
		"indented":   "{\n  \"format\": \"guardrail-ledger/1\",\n  \"first_seen\": {\"a\": 1}}",
		"trailing":   `{"format":"guardrail-ledger/1","first_seen":{}} {}`,
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "guardrail", "security-updates.json")
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte(content), 0o644)
			l, err := Update(p, []string{"a:amd64"}, t0)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(l.Note, "rebuilt") || !strings.Contains(l.Note, p) {
				t.Errorf("note %q", l.Note)
			}
			var c fileContent
			data, _ := os.ReadFile(p)
			if err := json.Unmarshal(data, &c); err != nil || c.Format != format || len(c.FirstSeen) != 1 {
				t.Errorf("rewritten file %q (%v)", data, err)
			}
		})
	}
}

func TestRefusesToOverwriteForeignFiles(t *testing.T) {
	dir := t.TempDir()
	foreign := filepath.Join(dir, "config.json")
	os.WriteFile(foreign, []byte(`{"important": true}`), 0o644)
	if _, err := Update(foreign, []string{"a:amd64"}, t0); err == nil || !strings.Contains(err.Error(), "refusing") {
		t.Fatalf("foreign JSON: err %v", err)
	}
	if data, _ := os.ReadFile(foreign); string(data) != `{"important": true}` {
		t.Fatalf("foreign file changed: %q", data)
	}
	for _, bad := range []string{"", "state.json", dir + "/x.conf", dir + "/../x.json", dir + "/missing/x.json", "/etc/passwd"} {
		if _, err := Update(bad, nil, t0); err == nil {
			t.Errorf("path %q accepted", bad)
		}
	}
}

func TestConcurrentUpdatesNeverTear(t *testing.T) {
	p := filepath.Join(t.TempDir(), "guardrail.json")
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, err := Update(p, []string{"a:amd64", fmt.Sprintf("p%d:amd64", i%3)}, t0.Add(time.Duration(i)*time.Minute))
			errs <- err
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	l, err := Read(p)
	if err != nil || l.Note != "" {
		t.Fatalf("after concurrent runs: %v %q", err, l.Note)
	}
	if len(l.First) != 2 {
		t.Errorf("keys %v", keys(l))
	}
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".guardrail.json.*"))
	if len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}

// TestErrorsAreLocated: every refusal names the state file in the one
// located format, and a missing folder is still ErrNoFolder.
func TestErrorsAreLocated(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "none", "state.json")
	_, err := Update(missing, nil, t0)
	le, ok := located.As(err)
	if !ok || le.Kind != "state file" || le.File != missing || !errors.Is(err, ErrNoFolder) {
		t.Fatalf("%#v", err)
	}
	if want := "state file " + missing + ": folder " + filepath.Dir(missing) + " does not exist: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("%q, want prefix %q", err, want)
	}
	if _, err := Read("relative.json"); err == nil || err.Error() != "state file relative.json: must be an absolute path" {
		t.Errorf("%v", err)
	}
}
