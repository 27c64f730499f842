package advisory

import (
	"archive/zip"
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// writeTracker writes a tracker feed of sources × cves entries, each for
// three releases, shaped like the real one; about 50 MB at 30000 × 3.
func writeTracker(tb testing.TB, sources, cves int) string {
	p := filepath.Join(tb.TempDir(), "tracker.json")
	f, err := os.Create(p)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("{")
	for s := 0; s < sources; s++ {
		if s > 0 {
			w.WriteString(",")
		}
		fmt.Fprintf(w, "\n  \"src%05d\": {", s)
		for c := 0; c < cves; c++ {
			if c > 0 {
				w.WriteString(",")
			}
			fmt.Fprintf(w, `"CVE-2024-%05d": {"description": "A flaw was found in src%05d that lets a remote attacker cause a denial of service or possibly execute code.", "scope": "remote", "releases": {`+
				`"bookworm": {"status": "resolved", "repositories": {"bookworm": "1.%d-1+deb12u1", "bookworm-security": "1.%d-1+deb12u2"}, "fixed_version": "1.%d-1+deb12u2", "urgency": "medium"}, `+
				`"trixie": {"status": "resolved", "repositories": {"trixie": "1.%d-2"}, "fixed_version": "1.%d-2", "urgency": "medium"}, `+
				`"sid": {"status": "resolved", "repositories": {"sid": "1.%d-2"}, "fixed_version": "1.%d-2", "urgency": "medium"}}}`,
				s*cves+c, s, c, c, c, c, c, c, c)
		}
		w.WriteString("}")
	}
	w.WriteString("\n}\n")
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	return p
}

// BenchmarkTrackerFeed reads a 50 MB tracker feed for a host with 2000
// installed sources. Reported: the feed's size and the heap in use after
// the read (what is kept), beside ns/op and allocations.
func BenchmarkTrackerFeed(b *testing.B) {
	path := writeTracker(b, 30000, 3)
	st, _ := os.Stat(path)
	h := Host{Distro: "debian", Release: "12", Codename: "bookworm"}
	for i := 0; i < 30000; i += 15 {
		h.Packages = append(h.Packages, Installed{Name: fmt.Sprintf("src%05d", i), Version: "1.0-1"})
	}
	b.SetBytes(st.Size())
	b.ReportAllocs()
	b.ResetTimer()
	var set *Set
	for i := 0; i < b.N; i++ {
		var err error
		if set, err = Read([]string{path}, h); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(st.Size())/(1<<20), "feed-MiB")
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
	if set.Files[0].Records != 2000*3 {
		b.Fatalf("records %d", set.Files[0].Records)
	}
}

// The streamed read keeps only the installed sources: after reading a
// 50 MB feed the heap holds a small fraction of it.
func TestTrackerFeedStreamed(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 50 MB feed")
	}
	path := writeTracker(t, 30000, 3)
	h := Host{Distro: "debian", Release: "12", Codename: "bookworm", Packages: []Installed{{Name: "src00042", Version: "1.0-1"}}}
	var peak uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			default:
			}
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}()
	set, err := Read([]string{path}, h)
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	if vs := set.For("src00042"); len(vs) != 3 || vs[0].Ranges[0].Fixed != "1.0-1+deb12u2" || vs[0].Rating.Severity != Medium {
		t.Fatalf("%+v", vs)
	}
	if st, _ := os.Stat(path); peak > uint64(st.Size())/2 {
		t.Errorf("heap peaked at %d MiB reading a %d MiB feed: not streamed", peak>>20, st.Size()>>20)
	}
}

// BenchmarkOSVZip reads a zip of 40000 Ubuntu CVE records (the size of
// Canonical's OSV archive) for a host with 2000 installed sources.
func BenchmarkOSVZip(b *testing.B) {
	p := filepath.Join(b.TempDir(), "osv.zip")
	f, _ := os.Create(p)
	zw := zip.NewWriter(f)
	for i := 0; i < 40000; i++ {
		w, _ := zw.Create(fmt.Sprintf("osv/cve/2024/UBUNTU-CVE-2024-%05d.json", i))
		fmt.Fprintf(w, `{"schema_version": "1.6.3", "id": "UBUNTU-CVE-2024-%05d", "details": "A flaw was found that lets a remote attacker cause a denial of service.", "aliases": [], "related": ["CVE-2024-%05d"],
  "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
  "affected": [{"package": {"ecosystem": "Ubuntu:22.04:LTS", "name": "src%05d"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.0-1ubuntu0.1"}]}], "ecosystem_specific": {"ubuntu_priority": "medium"}},
               {"package": {"ecosystem": "Ubuntu:24.04:LTS", "name": "src%05d"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}], "ecosystem_specific": {"ubuntu_priority": "medium"}}]}`, i, i, i%30000, i%30000)
	}
	zw.Close()
	f.Close()
	h := Host{Distro: "ubuntu", Release: "22.04"}
	for i := 0; i < 30000; i += 15 {
		h.Packages = append(h.Packages, Installed{Name: fmt.Sprintf("src%05d", i), Version: "1.0-1"})
	}
	st, _ := os.Stat(p)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Read([]string{p}, h); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(st.Size())/(1<<20), "zip-MiB")
}
