// Generated flows over a generated ruleset, and the concrete packets
// (points) each stands for.

package kerneltest

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
)

// Flow is one generated application flow over universe hosts and ports.
type Flow struct {
	Name         string   `json:"-"`
	Sources      []string `json:"sources"`
	Destinations []string `json:"destinations"`
	Services     []string `json:"services"`
	Expect       string   `json:"expect"`
}

// GenerateFlows makes the seed's flows: single hosts, small prefixes whose
// every address is a topology host, single ports and port ranges of
// listened ports.
func GenerateFlows(seed uint64, srcs, dsts []netip.Addr, ports []int) []Flow {
	r := rand.New(rand.NewPCG(seed, 0x666c6f7773))
	pick := func(universe []netip.Addr) []string {
		var out []string
		seen := map[string]bool{}
		for i := 0; i < 1+r.IntN(2); i++ {
			a := universe[r.IntN(len(universe))]
			s := a.String()
			if r.IntN(4) == 0 {
				// The /31 (/127) around a: both addresses are hosts.
				p := netip.PrefixFrom(a, a.BitLen()-1).Masked()
				if contains(universe, p.Addr()) && contains(universe, p.Addr().Next()) {
					s = p.String()
				}
			}
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
		return out
	}
	var flows []Flow
	for i := 0; i < 4+r.IntN(4); i++ {
		f := Flow{Name: fmt.Sprintf("f%02d", i+1), Sources: pick(srcs), Destinations: pick(dsts), Expect: "allow"}
		if r.IntN(4) == 0 {
			f.Expect = "deny"
		}
		seen := map[string]bool{}
		for j := 0; j < 1+r.IntN(2); j++ {
			p := ports[r.IntN(len(ports))]
			s := "tcp/" + strconv.Itoa(p)
			if contains(ports, p+1) && r.IntN(2) == 0 {
				s = fmt.Sprintf("tcp/%d-%d", p, p+1)
			}
			if !seen[s] {
				seen[s] = true
				f.Services = append(f.Services, s)
			}
		}
		flows = append(flows, f)
	}
	return flows
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// Points expands a flow into every (source, destination, port) it covers,
// without duplicates; it refuses more than MaxPoints.
func (f Flow) Points() ([]Point, error) {
	var srcs, dsts []netip.Addr
	for _, spec := range [][]string{f.Sources, f.Destinations} {
		var out []netip.Addr
		for _, s := range spec {
			as, err := expandAddr(s)
			if err != nil {
				return nil, fmt.Errorf("flow %s: %v", f.Name, err)
			}
			out = append(out, as...)
		}
		if srcs == nil {
			srcs = out
		} else {
			dsts = out
		}
	}
	var ports []int
	for _, s := range f.Services {
		rest, ok := strings.CutPrefix(s, "tcp/")
		if !ok {
			return nil, fmt.Errorf("flow %s: service %q: only tcp/PORT[-PORT]", f.Name, s)
		}
		lo, hi, isRange := strings.Cut(rest, "-")
		if !isRange {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil || a < 1 || b > 65535 || a > b || b-a > 64 {
			return nil, fmt.Errorf("flow %s: service %q: bad or too wide port range", f.Name, s)
		}
		for p := a; p <= b; p++ {
			ports = append(ports, p)
		}
	}
	seen := map[Point]bool{}
	var pts []Point
	for _, s := range srcs {
		for _, d := range dsts {
			for _, p := range ports {
				pt := Point{s, d, p}
				if !seen[pt] {
					seen[pt] = true
					pts = append(pts, pt)
				}
			}
		}
	}
	if len(pts) > MaxPoints {
		return nil, fmt.Errorf("flow %s: %d points, more than %d", f.Name, len(pts), MaxPoints)
	}
	return pts, nil
}

// expandAddr turns a host or a prefix of at most 64 addresses into hosts.
func expandAddr(s string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return []netip.Addr{a}, nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return nil, fmt.Errorf("address %q: %v", s, err)
	}
	if p.Addr().BitLen()-p.Bits() > 6 {
		return nil, fmt.Errorf("address %q: more than 64 addresses", s)
	}
	var out []netip.Addr
	for a := p.Masked().Addr(); a.IsValid() && p.Contains(a); a = a.Next() {
		out = append(out, a)
	}
	return out, nil
}
