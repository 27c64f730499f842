package zchunk

import "errors"

// errInteger is a compressed integer that runs past its bytes or past 64
// bits.
var errInteger = errors.New("compressed integer too long or cut short")

// uvarint decodes zchunk's compressed integer at the start of b: seven
// bits a byte, least significant first, the top bit set only on the last
// byte (the opposite of encoding/binary's uvarint, so that package cannot
// read it). It returns the value and the bytes used.
func uvarint(b []byte) (uint64, int, error) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		c := b[i]
		if i == 9 && c&0x7f > 1 {
			return 0, 0, errInteger // more than 64 bits
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 != 0 {
			return v, i + 1, nil
		}
	}
	return 0, 0, errInteger
}
