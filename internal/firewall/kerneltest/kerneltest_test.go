package kerneltest

import (
	"strings"
	"testing"
)

func TestKernelHelperProcess(t *testing.T) { HelperMain() }

var (
	s2, s3 = SrcAddrs4[0], SrcAddrs4[1]
	d2     = DstAddrs4[0]
	s6, d6 = SrcAddrs6[0], DstAddrs6[0]
)

// The harness itself must see what a tiny ruleset obviously does, in each
// of the ways it loads one, or the kernel proof proves nothing.
func TestTopologySeesOpenAndClosedPorts(t *testing.T) {
	tp := New(t, []int{80, 81, 443})
	points := []Point{
		{s2, d2, 80}, {s2, d2, 443}, {s3, d2, 80}, {s2, d2, 81},
		{s6, d6, 80}, {s6, d6, 443},
	}
	cases := []struct {
		name string
		load func() error
		want []bool
	}{
		{"no ruleset", func() error { return tp.Reset() },
			[]bool{true, true, true, true, true, true}},
		{"iptables", func() error {
			return tp.LoadIPTables(`*filter
:FORWARD DROP [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -s 10.1.0.2/32 -p tcp --dport 80 -j ACCEPT
-A FORWARD -p tcp --dport 81 -j REJECT --reject-with tcp-reset
COMMIT
`, `*filter
:FORWARD DROP [0:0]
-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A FORWARD -p tcp --dport 443 -j ACCEPT
COMMIT
`)
		}, []bool{true, false, false, false, false, true}},
		// NEW-only accept without an ESTABLISHED rule: the SYN passes, the
		// SYN-ACK does not, so nothing connects.
		{"iptables NEW only", func() error {
			return tp.LoadIPTables(`*filter
:FORWARD DROP [0:0]
-A FORWARD -p tcp -m conntrack --ctstate NEW -j ACCEPT
COMMIT
`, "")
		}, []bool{false, false, false, false, true, true}},
		// Replies allowed by an explicit reverse rule, but the client's
		// packets after the SYN are not: the handshake completes for the
		// client, the exchange does not.
		{"nft SYN and replies only", func() error {
			return tp.LoadNFT(`table ip t {
	chain forward {
		type filter hook forward priority 0; policy drop;
		ct state new tcp dport 80 accept
		ip saddr 10.2.0.0/24 tcp sport 80 accept
	}
}
`)
		}, []bool{false, false, false, false, true, true}},
		// Two base chains on one hook: accept in the first does not end
		// the packet's way; the second still drops port 443.
		{"nft two base chains", func() error {
			return tp.LoadNFT(`table inet t {
	chain a {
		type filter hook forward priority 0; policy drop;
		accept
	}
	chain b {
		type filter hook forward priority 10; policy accept;
		tcp dport 443 drop
		ip6 saddr fd01::2 tcp dport 80 drop
	}
}
`)
		}, []bool{true, false, true, true, false, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.load(); err != nil {
				t.Fatal(err)
			}
			got, why, err := tp.Probe(points)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range points {
				if got[i] != c.want[i] {
					t.Errorf("%s: connected=%v, want %v (%s)", p, got[i], c.want[i], why[i])
				}
			}
		})
	}
	v4, v6, err := tp.IPTablesSave()
	if err != nil {
		t.Fatal(err)
	}
	_ = v4
	_ = v6
	js, err := tp.NFTJSON()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js, `"prio": 10`) {
		t.Errorf("nft -j list ruleset does not show the last ruleset:\n%s", js)
	}
}

// Both renderings of a generated ruleset must mean the same to the kernel,
// or a disagreement of the check could be the generator's fault.
func TestGeneratedRulesetsMeanTheSameInBothForms(t *testing.T) {
	tp := New(t, Ports)
	for seed := uint64(0); seed < 10; seed++ {
		rs, srcs, dsts, ports := Generate(seed)
		var points []Point
		for _, s := range srcs {
			for _, d := range dsts {
				for _, p := range ports {
					points = append(points, Point{s, d, p})
				}
			}
		}
		ipt := rs.IPTables()
		var err error
		if rs.IPv6 {
			err = tp.LoadIPTables("", ipt)
		} else {
			err = tp.LoadIPTables(ipt, "")
		}
		if err != nil {
			t.Fatalf("%s: %v\n%s", rs.Name, err, ipt)
		}
		viaIPT, _, err := tp.Probe(points)
		if err != nil {
			t.Fatal(err)
		}
		if err := tp.LoadNFT(rs.NFT()); err != nil {
			t.Fatalf("%s: %v\n%s", rs.Name, err, rs.NFT())
		}
		viaNFT, _, err := tp.Probe(points)
		if err != nil {
			t.Fatal(err)
		}
		open := 0
		for i, p := range points {
			if viaIPT[i] != viaNFT[i] {
				t.Errorf("%s: %s: iptables %v, nft %v\n%s\n%s", rs.Name, p, viaIPT[i], viaNFT[i], ipt, rs.NFT())
			}
			if viaIPT[i] {
				open++
			}
		}
		t.Logf("%s: %d rules, %d of %d points open", rs.Name, len(rs.Forward), open, len(points))
	}
}

func TestFlowPoints(t *testing.T) {
	f := Flow{Name: "f", Sources: []string{"10.1.0.2", "10.1.0.4/31"}, Destinations: []string{"10.2.0.3"},
		Services: []string{"tcp/80-81", "tcp/443"}}
	pts, err := f.Points()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pts {
		got = append(got, p.String())
	}
	want := "10.1.0.2 -> 10.2.0.3:80,10.1.0.2 -> 10.2.0.3:81,10.1.0.2 -> 10.2.0.3:443," +
		"10.1.0.4 -> 10.2.0.3:80,10.1.0.4 -> 10.2.0.3:81,10.1.0.4 -> 10.2.0.3:443," +
		"10.1.0.5 -> 10.2.0.3:80,10.1.0.5 -> 10.2.0.3:81,10.1.0.5 -> 10.2.0.3:443"
	if strings.Join(got, ",") != want {
		t.Errorf("points %s\nwant %s", strings.Join(got, ","), want)
	}
	for _, bad := range []Flow{
		{Sources: []string{"10.0.0.0/8"}, Destinations: []string{"10.2.0.2"}, Services: []string{"tcp/80"}},
		{Sources: []string{"10.1.0.2"}, Destinations: []string{"10.2.0.2"}, Services: []string{"udp/53"}},
		{Sources: []string{"10.1.0.2"}, Destinations: []string{"10.2.0.2"}, Services: []string{"tcp/1-65535"}},
	} {
		if _, err := bad.Points(); err == nil {
			t.Errorf("%v: no error", bad)
		}
	}
}

// Generation is deterministic: the same seed, the same ruleset and flows.
func TestGenerateIsDeterministic(t *testing.T) {
	for seed := uint64(0); seed < 50; seed++ {
		a, s1, d1, p1 := Generate(seed)
		b, _, _, _ := Generate(seed)
		if a.IPTables() != b.IPTables() || a.NFT() != b.NFT() {
			t.Fatalf("seed %d: two different rulesets", seed)
		}
		n := len(a.Forward)
		for _, c := range a.Chains {
			n += len(c.Rules)
		}
		if n < 3 || n > 15+len(a.Chains)+1 {
			t.Errorf("seed %d: %d rules", seed, n)
		}
		if len(GenerateFlows(seed, s1, d1, p1)) < 4 {
			t.Errorf("seed %d: too few flows", seed)
		}
	}
}
