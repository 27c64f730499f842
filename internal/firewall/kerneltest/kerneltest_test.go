package kerneltest

import (
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) {
	HelperMain()
	os.Exit(m.Run())
}

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
