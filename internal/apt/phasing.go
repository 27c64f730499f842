package apt

// Phasing follows apt (apt-pkg/policy.cc): a machine takes a phased
// version when a number drawn from [0, 100], with a generator seeded by
// "<source>-<source version>-<machine-id>", is at most the version's
// Phased-Update-Percentage. apt draws it with libstdc++'s std::seed_seq,
// std::minstd_rand and std::uniform_int_distribution<unsigned>(0, 100);
// the three are reproduced here bit for bit (testdata/apt/phasing holds
// figures computed by the C++ original).

// phaseDraw is the machine's draw for a source version.
func phaseDraw(source, sourceVersion, machineID string) uint32 {
	return phaseDrawSeed(source + "-" + sourceVersion + "-" + machineID)
}

func phaseDrawSeed(seed string) uint32 {
	var a [4]uint32
	seedSeqGenerate([]byte(seed), a[:])
	// minstd_rand::seed(seed_seq&): k = ceil(30/32) = 1 word, from a[3]
	const m = 2147483647
	x := uint64(a[3]) % m
	if x == 0 {
		x = 1
	}
	next := func() uint64 {
		x = x * 48271 % m
		return x
	}
	// uniform_int_distribution downscaling: urng range [1, m-1]
	const urngRange = m - 2 // max - min
	const urange = 100
	const scaling = urngRange / (urange + 1)
	const past = (urange + 1) * scaling
	for {
		r := next() - 1
		if r < past {
			return uint32(r / scaling)
		}
	}
}

// seedSeqGenerate is std::seed_seq::generate (C++11 [rand.util.seedseq]).
func seedSeqGenerate(v []byte, dst []uint32) {
	n := len(dst)
	for i := range dst {
		dst[i] = 0x8b8b8b8b
	}
	s := len(v)
	var t int
	switch {
	case n >= 623:
		t = 11
	case n >= 68:
		t = 7
	case n >= 39:
		t = 5
	case n >= 7:
		t = 3
	default:
		t = (n - 1) / 2
	}
	p := (n - t) / 2
	q := p + t
	m := s + 1
	if n > m {
		m = n
	}
	T := func(x uint32) uint32 { return x ^ (x >> 27) }
	for k := 0; k < m; k++ {
		r1 := 1664525 * T(dst[k%n]^dst[(k+p)%n]^dst[(k+n-1)%n])
		var r2 uint32
		switch {
		case k == 0:
			r2 = r1 + uint32(s)
		case k <= s:
			// seed_seq stores each char converted to uint32 (sign-extended)
			r2 = r1 + uint32(k%n) + uint32(int32(int8(v[k-1])))
		default:
			r2 = r1 + uint32(k%n)
		}
		dst[(k+p)%n] += r1
		dst[(k+q)%n] += r2
		dst[k%n] = r2
	}
	for k := m; k < m+n; k++ {
		r3 := 1566083941 * T(dst[k%n]+dst[(k+p)%n]+dst[(k+n-1)%n])
		r4 := r3 - uint32(k%n)
		dst[(k+p)%n] ^= r3
		dst[(k+q)%n] ^= r4
		dst[k%n] = r4
	}
}

// phasedOut reports whether this machine does not take the version yet.
// Without a machine-id apt includes every phased update.
func phasedOut(v *Version, machineID string) bool {
	if v.Phased >= 100 || machineID == "" {
		return false
	}
	return phaseDraw(v.Source, v.SourceVersion, machineID) > uint32(v.Phased)
}
