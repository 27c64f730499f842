package rpm

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

func metadataFile(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join(fixtures, "metadata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var installedNames = map[string]bool{"foo": true, "old": true}

func keepInstalled(p *Available) bool {
	if installedNames[p.Name] {
		return true
	}
	for _, o := range p.Obsoletes {
		if installedNames[o.Name] {
			return true
		}
	}
	return false
}

func TestScanPrimary(t *testing.T) {
	var got []*Available
	err := scanPrimary(bytes.NewReader(metadataFile(t, "primary.xml")), "primary.xml", keepInstalled, func(p *Available) error {
		got = append(got, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []*Available{
		{Name: "foo", Arch: "x86_64", EVR: EVR{0, "1.1", "1.el9"}},
		{Name: "new", Arch: "noarch", EVR: EVR{2, "2.0^git1", "3"}, Obsoletes: []Dep{
			{Name: "old", Flags: "LT", EVR: EVR{Version: "2.0"}}, {Name: "older"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	for in, line := range map[string]int{
		"<metadata>\n<package><name>x</name></package>\n</metadata>":                                               2,
		"<metadata>\n<package><name>x</name><arch>a</arch>\n<version epoch=\"x\" ver=\"1\"/></package></metadata>": 3,
		"<metadata>\n<package>\n<name>x</nam></package></metadata>":                                                3,
		"<other/>":                   1,
		"<metadata><package><name>x": 1,
	} {
		err := scanPrimary(strings.NewReader(in), "p.xml", func(*Available) bool { return true }, func(*Available) error { return nil })
		if e, ok := located.As(err); !ok || e.File != "p.xml" || e.Line != line || e.Kind != primaryKind {
			t.Errorf("%q: %v (want line %d)", in, err, line)
		}
	}
}

func TestScanPrimaryEmpty(t *testing.T) {
	for _, in := range []string{
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata xmlns=\"http://linux.duke.edu/metadata/common\" packages=\"0\">\n</metadata>",
		"<metadata packages=\"0\"/>",
	} {
		n := 0
		if err := scanPrimary(strings.NewReader(in), "p.xml", func(*Available) bool { return true }, func(*Available) error { n++; return nil }); err != nil || n != 0 {
			t.Errorf("%q: %v, %d packages", in, err, n)
		}
	}
}

func TestScanUpdateinfo(t *testing.T) {
	var got []*Advisory
	err := scanUpdateinfo(bytes.NewReader(metadataFile(t, "updateinfo.xml")), "updateinfo.xml", func(n string) bool { return installedNames[n] }, func(a *Advisory) error {
		got = append(got, a)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []*Advisory{
		{ID: "RLSA-2026:0001", Type: "security", Status: "final", Severity: "Important", CVEs: []string{"CVE-2026-0001"}, Packages: []AdvisoryPackage{{"foo", "x86_64", EVR{0, "1.1", "1.el9"}}}},
		{ID: "RLBA-2026:0002", Type: "bugfix", Packages: []AdvisoryPackage{{"foo", "x86_64", EVR{0, "1.0", "2"}}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
	for in, line := range map[string]int{
		"<updates>\n<update><pkglist><collection><package name=\"foo\" version=\"1\"/></collection></pkglist></update></updates>":            2,
		"<updates>\n<update><id>x</id><pkglist><collection>\n<package name=\"foo\" epoch=\"-1\"/></collection></pkglist></update></updates>": 3,
		"<repomd/>": 1,
	} {
		err := scanUpdateinfo(strings.NewReader(in), "u.xml", func(string) bool { return true }, func(*Advisory) error { return nil })
		if e, ok := located.As(err); !ok || e.File != "u.xml" || e.Line != line || e.Kind != updateinfoKind {
			t.Errorf("%q: %v (want line %d)", in, err, line)
		}
	}
}

func TestParseRepomd(t *testing.T) {
	md, err := parseRepomd(bytes.NewReader(metadataFile(t, "repomd.xml")), "repomd.xml")
	if err != nil {
		t.Fatal(err)
	}
	if md.Revision != "1796163373" || md.Data["primary"].Href != "repodata/a372d8b1d5df4d027d03892d430439bba6be214d859123cf47d8ce5d4cb0f55f-primary.xml.gz" ||
		md.Data["updateinfo"].Href != "repodata/77-updateinfo.xml.zst" || !md.Newest().Equal(time.Unix(1796163400, 0)) {
		t.Errorf("%+v", md)
	}
	if _, err := parseRepomd(strings.NewReader("<repomd><data type=\"primary\">\n<timestamp>soon</timestamp></data></repomd>"), "r.xml"); err == nil ||
		!strings.Contains(err.Error(), "r.xml, line 2, key primary.timestamp") || strings.Contains(err.Error(), "soon") {
		t.Errorf("bad timestamp: %v", err)
	}
	// A zchunk record: its header-checksum is what dnf checks.
	zmd, err := parseRepomd(strings.NewReader(`<repomd><data type="primary_zck"><checksum type="sha256">AB</checksum><open-checksum type="sha256">ee</open-checksum><header-checksum type="sha256">CD</header-checksum><location href="repodata/a-primary.xml.zck"/></data></repomd>`), "r.xml")
	if z := zmd.Data["primary_zck"]; err != nil || z.Checksum != "ab" || z.HeaderChecksumType != "sha256" || z.HeaderChecksum != "cd" || z.Href != "repodata/a-primary.xml.zck" {
		t.Errorf("zchunk record: %+v, %v", z, err)
	}
	if cleanHref("../../../etc/passwd") != "etc/passwd" {
		t.Error(cleanHref("../../../etc/passwd"))
	}
}

func TestOpenMetadataCompressions(t *testing.T) {
	dir := t.TempDir()
	plain := metadataFile(t, "primary.xml")
	for _, ext := range []string{".gz", ".zst", ".xz", ".bz2", ""} {
		name := filepath.Join(dir, "primary.xml"+ext)
		if !compressFixture(t, plain, name, ext) {
			continue
		}
		r, err := openMetadata(name, primaryKind)
		if err != nil {
			t.Fatal(ext, err)
		}
		var b bytes.Buffer
		_, err = b.ReadFrom(r)
		r.Close()
		if err != nil || !bytes.Equal(b.Bytes(), plain) {
			t.Errorf("%s: %v, %d bytes", ext, err, b.Len())
		}
	}
	gz := filepath.Join(dir, "primary.xml.gz")
	b, _ := os.ReadFile(gz)
	sum := sha256.Sum256(b)
	for want, ok := range map[string]bool{hex.EncodeToString(sum[:]): true, strings.Repeat("0", 64): false} {
		r, err := openMetadata(gz, primaryKind, RepomdData{ChecksumType: "sha256", Checksum: want})
		if err != nil {
			t.Fatal(err)
		}
		if err := scanPrimary(r, gz, func(*Available) bool { return true }, func(*Available) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if err := r.Verify(); (err == nil) != ok || (err != nil && !strings.Contains(err.Error(), gz)) {
			t.Errorf("checksum %s: %v", want, err)
		}
		r.Close()
	}
	bad := filepath.Join(dir, "primary.xml.gz")
	os.WriteFile(bad, []byte("not gzip"), 0o644)
	if _, err := openMetadata(bad, primaryKind); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad gzip: %v", err)
	}
	if _, err := openMetadata(filepath.Join(dir, "x.xml.lzma"), primaryKind); err == nil {
		t.Error("missing file with unknown compression accepted")
	}
}

// compressFixture writes plain compressed by ext; false when no tool can
// (bzip2 has no Go writer: the bzip2 command makes it, if installed).
func compressFixture(t *testing.T, plain []byte, name, ext string) bool {
	t.Helper()
	var b bytes.Buffer
	switch ext {
	case ".gz":
		w := gzip.NewWriter(&b)
		w.Write(plain)
		w.Close()
	case ".zst":
		w, _ := zstd.NewWriter(&b)
		w.Write(plain)
		w.Close()
	case ".xz":
		w, _ := xz.NewWriter(&b)
		w.Write(plain)
		w.Close()
	case ".bz2":
		cmd := exec.Command("bzip2", "-c")
		cmd.Stdin = bytes.NewReader(plain)
		out, err := cmd.Output()
		if err != nil {
			return false
		}
		b.Write(out)
	default:
		b.Write(plain)
	}
	if err := os.WriteFile(name, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return true
}
