package zchunk

import (
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
)

// checksum is one of the checksum types a zchunk header names, for the
// header and data checksums and, separately, for the chunks.
type checksum uint64

const (
	sumSHA1      checksum = 0
	sumSHA256    checksum = 1
	sumSHA512    checksum = 2
	sumSHA512128 checksum = 3 // the first 128 bits of SHA-512
)

func (c checksum) valid() bool { return c <= sumSHA512128 }

// size is the length of the checksum as stored.
func (c checksum) size() int {
	switch c {
	case sumSHA1:
		return sha1.Size
	case sumSHA256:
		return sha256.Size
	case sumSHA512:
		return sha512.Size
	}
	return 16
}

func (c checksum) new() hash.Hash {
	switch c {
	case sumSHA1:
		return sha1.New()
	case sumSHA256:
		return sha256.New()
	}
	return sha512.New() // SHA-512/128 is SHA-512 cut short, not SHA-512/t
}

// sum is h's checksum as stored: cut to size.
func (c checksum) sum(h hash.Hash) []byte { return h.Sum(nil)[:c.size()] }

func (c checksum) String() string {
	switch c {
	case sumSHA1:
		return "SHA-1"
	case sumSHA256:
		return "SHA-256"
	case sumSHA512:
		return "SHA-512"
	case sumSHA512128:
		return "SHA-512/128"
	}
	return fmt.Sprintf("checksum type %d", uint64(c))
}

// name is the checksum's name as rpm-md's repomd.xml and zck write it.
func (c checksum) name() string {
	switch c {
	case sumSHA1:
		return "sha1"
	case sumSHA256:
		return "sha256"
	case sumSHA512:
		return "sha512"
	}
	return "sha512_128"
}
