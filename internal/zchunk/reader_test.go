package zchunk

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/located"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// primaryXML is rpm-md primary metadata of n packages, varied enough that
// zstd and the chunkers have real work.
func primaryXML(n int) []byte {
	r := rand.New(rand.NewSource(int64(n)))
	var b bytes.Buffer
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata xmlns=\"http://linux.duke.edu/metadata/common\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" packages=\"%d\">\n", n)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("pkg%04d", i)
		fmt.Fprintf(&b, "<package type=\"rpm\">\n  <name>%s</name>\n  <arch>x86_64</arch>\n  <version epoch=\"0\" ver=\"1.%d\" rel=\"%d.fc39\"/>\n", name, r.Intn(100), r.Intn(9)+1)
		fmt.Fprintf(&b, "  <checksum type=\"sha256\" pkgid=\"YES\">%016x%016x%016x%016x</checksum>\n", r.Uint64(), r.Uint64(), r.Uint64(), r.Uint64())
		fmt.Fprintf(&b, "  <summary>Package %s</summary>\n  <format>\n    <rpm:license>MIT</rpm:license>\n    <rpm:provides>\n      <rpm:entry name=\"%s\" flags=\"EQ\" epoch=\"0\" ver=\"1.0\" rel=\"1\"/>\n    </rpm:provides>\n  </format>\n</package>\n", name, name)
	}
	b.WriteString("</metadata>\n")
	return b.Bytes()
}

// zck runs the reference compressor on content with args; it returns the
// .zck file's path.
func zck(t *testing.T, content []byte, args ...string) string {
	t.Helper()
	testenv.NeedCommand(t, "zck")
	dir := t.TempDir()
	in := filepath.Join(dir, "primary.xml")
	if err := os.WriteFile(in, content, 0o644); err != nil {
		t.Fatal(err)
	}
	out := in + ".zck"
	cmd := exec.Command("zck", append(args, "-o", out, in)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("zck %v: %v\n%s", args, err, b)
	}
	return out
}

// unzck is the reference decompressor's output.
func unzck(t *testing.T, path string) []byte {
	t.Helper()
	testenv.NeedCommand(t, "unzck")
	var out, errb bytes.Buffer
	cmd := exec.Command("unzck", "-c", path)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("unzck %s: %v %s", path, err, errb.String())
	}
	return out.Bytes()
}

// read decompresses path with this package, through the bounded reader.
func read(path string) ([]byte, error) {
	f, err := located.Open(path, located.Limit{Kind: "primary", Bytes: 1 << 30})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	z, err := NewReader(f, "primary", path)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	// A small buffer: chunk ends fall inside reads.
	var out bytes.Buffer
	buf := make([]byte, 777)
	for {
		n, err := z.Read(buf)
		out.Write(buf[:n])
		if err == io.EOF {
			return out.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// TestAgainstUnzck: for files zck makes with each of its options, the
// content read is byte for byte what unzck writes (and what went in).
func TestAgainstUnzck(t *testing.T) {
	testenv.NeedCommand(t, "zck")
	xml := primaryXML(2000)
	rawDict := filepath.Join(t.TempDir(), "raw.dict")
	os.WriteFile(rawDict, xml[:32<<10], 0o644)
	cases := []struct {
		name    string
		content []byte
		args    []string
		dict    string // "trained": a dict zck_gen_zdict trains on the file first
	}{
		{"default", xml, nil, ""},
		{"split at packages", xml, []string{"-s", "<package "}, ""},
		{"manual chunking", xml, []string{"-m"}, ""},
		{"manual chunking at packages", xml, []string{"-m", "-s", "<package "}, ""},
		{"no compression", xml, []string{"--compression-format=none"}, ""},
		{"no compression, split", xml, []string{"--compression-format=none", "-s", "<package "}, ""},
		{"sha256 chunks", xml, []string{"-h", "sha256"}, ""},
		{"sha512 chunks", xml, []string{"-h", "sha512"}, ""},
		{"sha512/128 chunks", xml, []string{"-h", "sha512_128"}, ""},
		{"uncompressed-source extension", xml, []string{"-u"}, ""},
		{"uncompressed-source extension, no compression", xml, []string{"-u", "--compression-format=none"}, ""},
		{"trained dict", xml, []string{"-s", "<package "}, "trained"},
		{"trained dict, sha512", xml, []string{"-s", "<package ", "-h", "sha512"}, "trained"},
		{"raw content dict", xml, []string{"-s", "<package ", "-D", rawDict}, ""},
		{"one line", []byte("<metadata packages=\"0\"/>\n"), nil, ""},
		{"empty", nil, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if c.dict == "trained" {
				testenv.NeedCommand(t, "zck_gen_zdict")
				testenv.NeedCommand(t, "zstd") // zck_gen_zdict trains with it
				first := zck(t, c.content, c.args...)
				cmd := exec.Command("zck_gen_zdict", filepath.Base(first))
				cmd.Dir = filepath.Dir(first)
				if b, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("zck_gen_zdict: %v\n%s", err, b)
				}
				args = append([]string{"-D", strings.TrimSuffix(first, ".zck") + ".zdict"}, args...)
			}
			path := zck(t, c.content, args...)
			want := unzck(t, path)
			if !bytes.Equal(want, c.content) {
				t.Fatalf("unzck gives %d bytes, not the %d put in", len(want), len(c.content))
			}
			got, err := read(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("read %d bytes, unzck %d; first difference at %d", len(got), len(want), firstDiff(got, want))
			}
			if c.dict != "" {
				h := readTestHeader(t, path)
				if h.dict.length == 0 {
					t.Fatal("no dict in the file")
				}
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func readTestHeader(t *testing.T, path string) *header {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	z, err := NewReader(f, "primary", path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	return z.h
}

// TestCorrupt: a byte changed anywhere (lead, header, dict, a chunk, the
// end) or a file cut short is an error naming the file — never content.
// zck_read_header --verify, the reference, refuses the same files.
func TestCorrupt(t *testing.T) {
	testenv.NeedCommand(t, "zck_read_header")
	xml := primaryXML(300)
	dir := t.TempDir()
	trained := zck(t, xml, "-s", "<package ")
	cmd := exec.Command("zck_gen_zdict", filepath.Base(trained))
	cmd.Dir = filepath.Dir(trained)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("zck_gen_zdict: %v\n%s", err, b)
	}
	withDict := zck(t, xml, "-s", "<package ", "-D", strings.TrimSuffix(trained, ".zck")+".zdict")
	sources := []struct{ name, path string }{
		{"zstd", zck(t, xml, "-s", "<package ")},
		{"dict", withDict},
		{"none", zck(t, xml, "--compression-format=none", "-s", "<package ")},
		{"uncompressed-source", zck(t, xml, "-u", "-h", "sha256")},
	}
	for _, s := range sources {
		src := s.path
		orig, _ := os.ReadFile(src)
		h := readTestHeader(t, src)
		if len(h.chunks) < 3 {
			t.Fatalf("%s: %d chunks", src, len(h.chunks))
		}
		body := h.size
		mid := body + int64(h.dict.length)
		for _, e := range h.chunks[:len(h.chunks)/2] {
			mid += int64(e.length)
		}
		places := map[string]int64{
			"magic": 1, "header checksum": 10, "preface": h.size - 40, "last header byte": h.size - 1,
			"first body byte": body, "middle chunk": mid + 3, "last byte": int64(len(orig)) - 1,
		}
		if h.dict.length > 0 {
			places["dict"] = body + int64(h.dict.length)/2
		}
		for where, at := range places {
			t.Run(s.name+"/"+where, func(t *testing.T) {
				b := bytes.Clone(orig)
				b[at] ^= 0x10
				path := filepath.Join(dir, "bad.zck")
				os.WriteFile(path, b, 0o644)
				checkRefused(t, path, b)
			})
		}
		for _, cut := range []int64{3, h.size - 1, h.size, mid, int64(len(orig)) - 1} {
			t.Run(fmt.Sprintf("%s/cut at %d", s.name, cut), func(t *testing.T) {
				path := filepath.Join(dir, "short.zck")
				os.WriteFile(path, orig[:cut], 0o644)
				checkRefused(t, path, orig[:cut])
			})
		}
		t.Run(s.name+"/trailing byte", func(t *testing.T) {
			path := filepath.Join(dir, "long.zck")
			b := append(bytes.Clone(orig), 0)
			os.WriteFile(path, b, 0o644)
			checkRefused(t, path, b)
		})
	}
}

func checkRefused(t *testing.T, path string, b []byte) {
	t.Helper()
	if exec.Command("zck_read_header", "-q", "-f", path).Run() == nil {
		// The reference passes it: then its content must be unzck's.
		got, err := read(path)
		if err != nil || !bytes.Equal(got, unzck(t, path)) {
			t.Fatalf("zck_read_header -f accepts the file, read gives %v", err)
		}
		return
	}
	got, err := read(path)
	if err == nil {
		t.Fatalf("read %d bytes of a corrupt file, no error", len(got))
	}
	e, ok := located.As(err)
	if !ok || e.File != path || !strings.Contains(err.Error(), path+": zchunk") {
		t.Fatalf("error %q does not name the file as a zchunk problem", err)
	}
	if bytes.Contains([]byte(err.Error()), []byte("<package")) {
		t.Fatalf("error quotes content: %q", err)
	}
}

// TestChecksumKinds: checksum errors wrap ErrChecksum.
func TestChecksumKinds(t *testing.T) {
	path := zck(t, primaryXML(50), "-s", "<package ")
	b, _ := os.ReadFile(path)
	b[len(b)-2] ^= 1
	os.WriteFile(path, b, 0o644)
	_, err := read(path)
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("error %v, want a checksum error", err)
	}
}
