package ledger

import (
	"bytes"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// A file is ours by its content, never by its name or size: anything without
// the marker is refused and left byte for byte as it was.
func TestRefusesFilesWithoutTheMarker(t *testing.T) {
	big := append([]byte(`{"format":"guardrail-ledger/1","first_seen":{`), bytes.Repeat([]byte(" "), maxSize)...)
	for name, content := range map[string][]byte{
		"flows JSON":        []byte(`{"applications":[{"app_name":"web","app_flows":{}}]}`),
		"other format":      []byte(`{"format":"other/9","first_seen":{}}`),
		"marker not first":  []byte(`{"first_seen":{},"format":"guardrail-ledger/1"}`),
		"binary":            []byte("\x00\x01binary"),
		"JSON over 8 MiB":   big,
		"array":             []byte(`[{"format":"guardrail-ledger/1"}]`),
		"marker in a value": []byte(`{"x":"{\"format\":\"guardrail-ledger/1\""}`),
	} {
		t.Run(name, func(t *testing.T) {
			// The name looks like ours on purpose: names prove nothing.
			p := filepath.Join(t.TempDir(), "guardrail", "security-updates.json")
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, content, 0o644)
			_, err := Update(p, []string{"a:amd64"}, t0)
			if err == nil || !strings.Contains(err.Error(), "refusing to overwrite") || !strings.Contains(err.Error(), p) {
				t.Fatalf("err %v", err)
			}
			if msg := strings.ReplaceAll(err.Error(), p, ""); strings.Contains(msg, "binary") || strings.Contains(msg, "applications") {
				t.Errorf("error quotes the file: %v", err)
			}
			if data, _ := os.ReadFile(p); !bytes.Equal(data, content) {
				t.Errorf("file changed")
			}
		})
	}
}

func nobody(t *testing.T) (uid, gid int) {
	t.Helper()
	testenv.NeedRoot(t)
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("user nobody: %v", err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid
}

// Whoever can write the state folder can plant links; a root run never
// follows one to create or change the file it points at.
func TestNeverFollowsPlantedLinks(t *testing.T) {
	uid, gid := nobody(t)
	for _, planted := range []string{"security-updates.json.lock", ".security-updates.json.tmp"} {
		t.Run(planted, func(t *testing.T) {
			dir := t.TempDir()
			target := filepath.Join(dir, "victim")
			os.WriteFile(target, []byte("precious\n"), 0o644)
			missing := filepath.Join(dir, "created-by-root")
			state := filepath.Join(dir, "state")
			os.Mkdir(state, 0o755)
			for i, to := range []string{target, missing} {
				os.RemoveAll(filepath.Join(state, planted))
				link := filepath.Join(state, planted)
				if err := os.Symlink(to, link); err != nil {
					t.Fatal(err)
				}
				if err := os.Lchown(link, uid, gid); err != nil {
					t.Fatal(err)
				}
				_, err := Update(filepath.Join(state, "security-updates.json"), []string{"a:amd64"}, t0)
				if strings.HasSuffix(planted, ".lock") && (err == nil || !strings.Contains(err.Error(), "symbolic link")) {
					t.Errorf("link %d at the lock: err %v", i, err)
				}
				if strings.HasSuffix(planted, ".tmp") && err != nil {
					t.Errorf("link %d at the temp name (removed, never followed): %v", i, err)
				}
			}
			if data, _ := os.ReadFile(target); string(data) != "precious\n" {
				t.Errorf("link target changed: %q", data)
			}
			if _, err := os.Lstat(missing); err == nil {
				t.Errorf("a root run created %s through the link", missing)
			}
		})
	}
}

func TestRefusesFoldersOthersControl(t *testing.T) {
	uid, gid := nobody(t)
	for _, tc := range []struct {
		name  string
		mode  os.FileMode
		owner int
		want  string
	}{
		{"owned by nobody", 0o755, uid, "owned by uid " + strconv.Itoa(uid)},
		{"0777 without sticky", 0o777, 0, "writable by group or others (mode 0777)"},
		{"0775 without sticky", 0o775, 0, "writable by group or others (mode 0775)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "state")
			os.Mkdir(dir, 0o755)
			os.Chmod(dir, tc.mode)
			os.Chown(dir, tc.owner, gid)
			p := filepath.Join(dir, "security-updates.json")
			_, err := Update(p, []string{"a:amd64"}, t0)
			if err == nil || !strings.Contains(err.Error(), "refusing folder "+dir) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("files created in a refused folder: %v", entries)
			}
		})
	}
	// /tmp-like: world-writable with the sticky bit, owned by root, is fine.
	dir := filepath.Join(t.TempDir(), "sticky")
	os.Mkdir(dir, 0o755)
	os.Chmod(dir, 0o777|os.ModeSticky)
	if _, err := Update(filepath.Join(dir, "s.json"), []string{"a:amd64"}, t0); err != nil {
		t.Errorf("sticky folder: %v", err)
	}
}

// A state file of another user's is refused, even one that carries the marker.
func TestRefusesAnotherUsersFile(t *testing.T) {
	uid, gid := nobody(t)
	p := filepath.Join(t.TempDir(), "s.json")
	content := `{"format":"guardrail-ledger/1","first_seen":{}}`
	os.WriteFile(p, []byte(content), 0o644)
	os.Chown(p, uid, gid)
	if _, err := Update(p, nil, t0); err == nil || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("err %v", err)
	}
	if data, _ := os.ReadFile(p); string(data) != content {
		t.Errorf("file changed")
	}
}

// The state file itself as a link or FIFO: refused, never followed, never hung on.
func TestStateFileLinkAndFIFO(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "real.json"), []byte(`{"format":"guardrail-ledger/1","first_seen":{}}`), 0o644)
	link := filepath.Join(dir, "link.json")
	os.Symlink(filepath.Join(dir, "real.json"), link)
	if _, err := Update(link, nil, t0); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("link: %v", err)
	}
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skip(err)
	}
	if _, err := Read(fifo); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("fifo: %v", err)
	}
}

func TestReadMissingFolderIsEmpty(t *testing.T) {
	l, err := Read(filepath.Join(t.TempDir(), "none", "s.json"))
	if err != nil || len(l.First) != 0 {
		t.Fatalf("%v %v", l, err)
	}
}

func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"format":"guardrail-ledger/1","first_seen":{"a:amd64":"2026-01-01T00:00:00Z"}}`))
	f.Add([]byte(`{"format":"guardrail-ledger/1","first_seen":[]}`))
	f.Add([]byte(`{"applications":[]}`))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "s.json")
		os.WriteFile(p, data, 0o644)
		l, err := Read(p)
		if err != nil {
			if !hasMarker(data) && len(bytes.TrimSpace(data)) > 0 && !strings.Contains(err.Error(), "refusing") {
				t.Fatalf("unmarked file: %v", err)
			}
			return
		}
		if !hasMarker(data) && len(bytes.TrimSpace(data)) > 0 {
			t.Fatalf("an unmarked file was accepted")
		}
		_ = l
	})
}
