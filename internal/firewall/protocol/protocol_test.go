package protocol

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

func TestKnownNumbers(t *testing.T) {
	for name, want := range map[string]uint8{
		"ipip": 94, "ipencap": 4, "ipcomp": 108, "IPCOMP": 108, "tcp": 6, "udp": 17,
		"icmp": 1, "ipv6-icmp": 58, "icmpv6": 58, "sctp": 132, "gre": 47, "esp": 50,
		"ah": 51, "mh": 135, "ipv6-mh": 135, "udplite": 136, "dccp": 33, "0": 0, "255": 255,
	} {
		if got, ok := Number(name); !ok || got != want {
			t.Errorf("Number(%q) = %d, %v; want %d", name, got, ok, want)
		}
	}
	for _, bad := range []string{"", "256", "-1", "+6", "tcpp", "all"} {
		if n, ok := Number(bad); ok {
			t.Errorf("Number(%q) = %d, want not ok", bad, n)
		}
	}
	if Name(94) != "ipip" || Name(4) != "ipencap" || Name(58) != "ipv6-icmp" || Name(250) != "" {
		t.Errorf("Name: 94=%q 4=%q 58=%q 250=%q", Name(94), Name(4), Name(58), Name(250))
	}
}

// TestEtcProtocols holds the table against the host's /etc/protocols: every
// name and alias there means the same number here, and the first name of
// each number is its Name.
func TestEtcProtocols(t *testing.T) {
	f, err := os.Open("/etc/protocols")
	if err != nil {
		testenv.Need(t, false, "/etc/protocols (Debian package netbase): "+err.Error())
		return
	}
	defer f.Close()
	seen := 0
	first := map[uint64]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		n, err := strconv.ParseUint(fields[1], 10, 16)
		if err != nil || n > 255 {
			continue
		}
		names := append([]string{fields[0]}, fields[2:]...)
		for _, name := range names {
			if got, ok := Number(name); !ok || uint64(got) != n {
				t.Errorf("/etc/protocols: %s is %d; Number(%q) = %d, %v", name, n, name, got, ok)
			}
		}
		if !first[n] {
			first[n] = true
			if Name(uint8(n)) != fields[0] {
				t.Errorf("/etc/protocols: %d is first named %s; Name = %q", n, fields[0], Name(uint8(n)))
			}
		}
		seen++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if seen < 40 {
		t.Fatalf("/etc/protocols: only %d entries read", seen)
	}
}

func FuzzNumber(f *testing.F) {
	for _, s := range []string{"tcp", "IPIP", "108", "256", "-1", "", "ipv6-icmp"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := Number(s)
		if ok && Name(n) != "" {
			if m, ok2 := Number(Name(n)); !ok2 || m != n {
				t.Fatalf("Number(%q) = %d but Number(Name(%d)=%q) = %d, %v", s, n, n, Name(n), m, ok2)
			}
		}
	})
}
