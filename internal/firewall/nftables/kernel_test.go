package nftables

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/kerneltest"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

func TestKernelHelperProcess(t *testing.T) { kerneltest.HelperMain() }

// TestKernelFixtures loads each testdata/nftables/NAME.nft into a fresh
// network namespace and checks that what nft prints now reads as the same
// model as the stored NAME.json (with -update it rewrites NAME.json).
func TestKernelFixtures(t *testing.T) {
	testenv.NeedRoot(t)
	ip := testenv.NeedCommand(t, "ip")
	nft := testenv.NeedCommand(t, "nft")
	ns := fmt.Sprintf("gr-nftfix-%d", os.Getpid())
	if out, err := exec.Command(ip, "netns", "add", ns).CombinedOutput(); err != nil {
		testenv.Need(t, false, fmt.Sprintf("a network namespace (%v: %s)", err, out))
	}
	t.Cleanup(func() { _ = exec.Command(ip, "netns", "del", ns).Run() })
	files, _ := filepath.Glob(fixtures + "*.nft")
	if len(files) < 4 {
		t.Fatalf("fixtures missing: %v", files)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".nft")
		t.Run(name, func(t *testing.T) {
			if out, err := exec.Command(ip, "netns", "exec", ns, nft, "flush", "ruleset").CombinedOutput(); err != nil {
				t.Fatalf("nft flush ruleset: %v: %s", err, out)
			}
			if out, err := exec.Command(ip, "netns", "exec", ns, nft, "-f", f).CombinedOutput(); err != nil {
				t.Fatalf("nft -f %s: %v: %s", f, err, out)
			}
			fresh, err := exec.Command(ip, "netns", "exec", ns, nft, "-j", "list", "ruleset").Output()
			if err != nil {
				t.Fatalf("nft -j list ruleset: %v", err)
			}
			jsonFile := fixtures + name + ".json"
			if *update {
				if err := os.WriteFile(jsonFile, fresh, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			stored, err := os.ReadFile(jsonFile)
			if err != nil {
				t.Fatal(err)
			}
			a, err := Parse("now", fresh)
			if err != nil {
				t.Fatalf("what nft prints now does not parse: %v", err)
			}
			b, err := Parse("stored", stored)
			if err != nil {
				t.Fatal(err)
			}
			if x, y := dumpRuleset(a), dumpRuleset(b); x != y {
				t.Errorf("nft prints %s.nft differently now:\n%s\nstored:\n%s", name, x, y)
			}
		})
	}
}

// kernelCases are hand-written forward rulesets for the kerneltest topology
// (sources 10.1.0.2-7 and fd01::2-7 behind to-src, destinations 10.2.0.2-7
// and fd02::2-7 behind to-dst), using the forms the generator does not.
var kernelCases = []struct{ name, script string }{
	{"dnat in nat prerouting, v4 and v6", `
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		ip daddr 10.2.0.3 tcp dport 443 dnat to 10.2.0.2:80
		iifname "to-src" tcp dport 22 dnat to 10.2.0.4
		ip saddr 10.1.0.3 tcp dport 8000 dnat to :81
	}
}
table ip6 nat6 {
	chain prerouting {
		type nat hook prerouting priority -100; policy accept;
		ip6 daddr fd02::3 tcp dport 443 dnat to [fd02::2]:80
	}
}
table inet filter {
	chain forward {
		type filter hook forward priority 0; policy drop;
		ct state established,related accept
		ip daddr 10.2.0.2 tcp dport 80 accept
		ip saddr 10.1.0.2 ip daddr 10.2.0.4 tcp dport 22 accept
		tcp dport 81 accept
		ip6 daddr fd02::2 tcp dport 80 accept
	}
}`},
	{"named interval set, anonymous sets, vmap", `
table inet t {
	set hosts { type ipv4_addr; flags interval; elements = { 10.1.0.2-10.1.0.3, 10.1.0.6/31 } }
	set hosts6 { type ipv6_addr; flags interval; elements = { fd01::2/127 } }
	set web { type inet_service; flags interval; elements = { 80, 8000-8001 } }
	chain forward {
		type filter hook forward priority 0; policy drop;
		ct state vmap { established : accept, related : accept, invalid : drop }
		tcp flags & (fin | syn | rst | ack) != syn ct state new drop
		fib daddr type local drop
		tcp dport 81 tcp flags & (syn | ack) == syn accept
		ip saddr @hosts tcp dport @web accept
		ip6 saddr @hosts6 tcp dport @web accept
		ip daddr { 10.2.0.4, 10.2.0.5 } tcp dport vmap { 443 : accept, 22 : jump ssh }
		meta nfproto ipv6 tcp dport < 100 ip6 saddr != fd01::4 accept
	}
	chain ssh {
		ip saddr 10.1.0.4 accept
		return
	}
}`},
	{"two base chains, goto, iifname", `
table ip early {
	chain forward {
		type filter hook forward priority -10; policy drop;
		ct state established,related accept
		iifname "to-src" oifname "to-dst" goto fromsrc
	}
	chain fromsrc {
		ip saddr 10.1.0.5 drop
		tcp dport { 22, 80-81, 443 } accept
	}
}
table inet late {
	chain forward {
		type filter hook forward priority 10; policy accept;
		ip daddr 10.2.0.3 tcp dport 443 reject with tcp reset
		ip6 daddr fd02::3 tcp dport 80 drop
	}
}
table ip6 v6 {
	chain forward {
		type filter hook forward priority 0; policy drop;
		ct state { established, related } accept
		ip6 saddr fd01::2-fd01::4 tcp dport >= 443 accept
		meta l4proto tcp th dport 80 accept
	}
}`},
}

// TestKernelAgrees loads rulesets into a real kernel, reads them back with
// nft -j, and checks the engine's verdict on this reader's model against
// real TCP connections, point by point: the generated rulesets of the
// kernel proof and the hand-written cases above.
func TestKernelAgrees(t *testing.T) {
	kerneltest.Need(t)
	ports := []int{22, 80, 81, 443, 8000}
	tp := kerneltest.New(t, ports)
	type job struct{ name, script string }
	var jobs []job
	for _, c := range kernelCases {
		jobs = append(jobs, job{c.name, c.script})
	}
	for seed := uint64(1); seed <= 12; seed++ {
		rs, _, _, _ := kerneltest.Generate(seed)
		jobs = append(jobs, job{fmt.Sprintf("generated %d (%s)", seed, rs.Name), rs.NFT()})
	}
	var points []kerneltest.Point
	for _, fam := range [][2][]netip.Addr{
		{kerneltest.SrcAddrs4[:5], kerneltest.DstAddrs4[:4]},
		{kerneltest.SrcAddrs6[:4], kerneltest.DstAddrs6[:3]},
	} {
		for _, s := range fam[0] {
			for _, d := range fam[1] {
				for _, p := range ports {
					points = append(points, kerneltest.Point{Src: s, Dst: d, Port: p})
				}
			}
		}
	}
	for ji, j := range jobs {
		if err := tp.LoadNFT(j.script); err != nil {
			t.Fatalf("%s: %v\n%s", j.name, err, j.script)
		}
		js, err := tp.NFTJSON()
		if err != nil {
			t.Fatal(err)
		}
		rs, err := Parse(j.name, []byte(js))
		if err != nil {
			t.Fatalf("%s: %v", j.name, err)
		}
		en, err := firewall.NewEngine(rs, firewall.HookForward)
		if err != nil {
			t.Fatal(err)
		}
		// Connections come in on to-src and leave on to-dst.
		en.SetInterfaces(firewall.Interfaces{In: kerneltest.FWSrcIface, Out: kerneltest.FWDstIface})
		got, why, err := tp.Probe(points)
		if err != nil {
			t.Fatal(err)
		}
		agree, unknown, open := 0, 0, 0
		for i, p := range points {
			fam := firewall.FamilyIPv4
			if p.Src.Is6() {
				fam = firewall.FamilyIPv6
			}
			jd := en.Judge(firewall.Space{Family: fam, Proto: firewall.ProtoTCP,
				Src: firewall.AddrOf(p.Src), Dst: firewall.AddrOf(p.Dst),
				SrcPorts: firewall.Ports(1024, 65535), DstPorts: firewall.Port(uint16(p.Port))})
			switch v := jd.Verdict(); v {
			case firewall.Unknown:
				unknown++
			case firewall.Allowed, firewall.Blocked:
				if (v == firewall.Allowed) != got[i] {
					t.Errorf("%s: %s: engine %s, kernel open=%v (%s)\n%s", j.name, p, v, got[i], why[i], j.script)
				} else {
					agree++
				}
				if got[i] {
					open++
				}
			default:
				t.Errorf("%s: %s: engine %s for one connection", j.name, p, v)
			}
		}
		if unknown > 0 {
			t.Errorf("%s: %d points unknown; these rulesets use modelled forms only", j.name, unknown)
		}
		if ji < len(kernelCases) && (open == 0 || open == len(points)) {
			t.Errorf("%s: %d of %d points open: the case proves little", j.name, open, len(points))
		}
		t.Logf("%s: %d points agree (%d open)", j.name, agree, open)
	}
}
