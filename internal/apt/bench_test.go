package apt

import (
	"context"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkLoadUpdatesHost is the whole gather+judge of the check on this
// machine's real lists (check_apt takes ~2.2 s and 81 MiB on the same job).
// heap-MiB is the Go heap obtained from the OS after the run: an upper
// bound of the peak.
func BenchmarkLoadUpdatesHost(b *testing.B) {
	if !liveLists() {
		b.Skip("no /var/lib/apt/lists")
	}
	b.ReportAllocs()
	n := 0
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		s, err := Load(context.Background(), "/")
		if err != nil {
			b.Fatal(err)
		}
		n = len(s.Updates())
	}
	// CPU time too: on a shared host, wall time mostly measures the queue.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heap-MiB")
	b.ReportMetric(float64(n), "updates")
}

// BenchmarkScanMainList is the cost of the biggest list alone.
func BenchmarkScanMainList(b *testing.B) {
	const base = "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages"
	if !listExists(base) {
		b.Skip("no bookworm main list")
	}
	wanted := map[string]struct{}{"bash": {}, "libc6": {}, "openssh-client": {}}
	for i := 0; i < b.N; i++ {
		r, path, err := openList(base)
		if err != nil {
			b.Fatal(err)
		}
		if err := scanPackages(r, path, wanted, func(*Version, int) error { return nil }); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}
