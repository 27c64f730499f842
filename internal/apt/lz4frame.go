package apt

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/pierrec/lz4/v4"
)

// lz4Frames reads the LZ4 frame format apt writes (64 KiB linked blocks).
// pierrec/lz4's frame Reader reallocates its dictionary for every linked
// block, which costs more than the decoding on a 50 MB list; this reader
// keeps one 64 KiB window and decodes with lz4.UncompressBlockWithDict.
// Checksums are skipped (apt verified the list's hash at download);
// truncation and corrupt blocks are errors.
type lz4Frames struct {
	r        *bufio.Reader
	inFrame  bool
	blockMax int
	blockSum bool
	sizeSum  bool
	src, dst []byte
	hist     []byte // last <= 64 KiB of output: the next block's dictionary
	out      []byte
	err      error
}

const lz4Window = 64 << 10

func newLZ4Frames(r io.Reader) *lz4Frames {
	return &lz4Frames{r: bufio.NewReaderSize(r, 256<<10), hist: make([]byte, 0, 2*lz4Window)}
}

func (z *lz4Frames) Read(p []byte) (int, error) {
	for len(z.out) == 0 {
		if z.err != nil {
			return 0, z.err
		}
		z.err = z.next()
	}
	n := copy(p, z.out)
	z.out = z.out[n:]
	return n, nil
}

func (z *lz4Frames) full(b []byte) error {
	_, err := io.ReadFull(z.r, b)
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

func (z *lz4Frames) header() error {
	var magic [4]byte
	if _, err := io.ReadFull(z.r, magic[:]); err != nil {
		if err == io.EOF {
			return io.EOF // clean end between frames
		}
		return io.ErrUnexpectedEOF
	}
	m := binary.LittleEndian.Uint32(magic[:])
	if m&0xFFFFFFF0 == 0x184D2A50 { // skippable frame
		var n [4]byte
		if err := z.full(n[:]); err != nil {
			return err
		}
		_, err := z.r.Discard(int(binary.LittleEndian.Uint32(n[:])))
		if err != nil {
			return io.ErrUnexpectedEOF
		}
		return nil
	}
	if m != 0x184D2204 {
		return errors.New("not an LZ4 frame (bad magic)")
	}
	var fb [2]byte
	if err := z.full(fb[:]); err != nil {
		return err
	}
	flg, bd := fb[0], fb[1]
	if flg>>6 != 1 {
		return fmt.Errorf("unsupported LZ4 frame version %d", flg>>6)
	}
	switch (bd >> 4) & 7 {
	case 4:
		z.blockMax = 64 << 10
	case 5:
		z.blockMax = 256 << 10
	case 6:
		z.blockMax = 1 << 20
	case 7:
		z.blockMax = 4 << 20
	default:
		return fmt.Errorf("bad LZ4 block size code %d", (bd>>4)&7)
	}
	z.blockSum = flg&0x10 != 0
	z.sizeSum = flg&0x04 != 0
	skip := 1 // header checksum
	if flg&0x08 != 0 {
		skip += 8
	}
	if flg&0x01 != 0 {
		skip += 4
	}
	if _, err := z.r.Discard(skip); err != nil {
		return io.ErrUnexpectedEOF
	}
	if cap(z.dst) < z.blockMax {
		z.dst = make([]byte, z.blockMax)
		z.src = make([]byte, z.blockMax)
	}
	z.hist = z.hist[:0]
	z.inFrame = true
	return nil
}

// next decodes one block into z.out.
func (z *lz4Frames) next() error {
	if !z.inFrame {
		return z.header()
	}
	var sz [4]byte
	if err := z.full(sz[:]); err != nil {
		return err
	}
	size := binary.LittleEndian.Uint32(sz[:])
	if size == 0 { // end mark
		z.inFrame = false
		if z.sizeSum {
			if _, err := z.r.Discard(4); err != nil {
				return io.ErrUnexpectedEOF
			}
		}
		return nil
	}
	raw := size&0x80000000 != 0
	n := int(size & 0x7FFFFFFF)
	if n > z.blockMax {
		return fmt.Errorf("LZ4 block of %d bytes exceeds the frame's %d", n, z.blockMax)
	}
	src := z.src[:n]
	if err := z.full(src); err != nil {
		return err
	}
	if z.blockSum {
		if _, err := z.r.Discard(4); err != nil {
			return io.ErrUnexpectedEOF
		}
	}
	var out []byte
	if raw {
		out = z.dst[:copy(z.dst[:n], src)]
	} else {
		m, err := lz4.UncompressBlockWithDict(src, z.dst[:z.blockMax], z.hist)
		if err != nil {
			return fmt.Errorf("corrupt LZ4 block: %v", err)
		}
		out = z.dst[:m]
	}
	// keep the window for the next (linked) block
	if len(out) >= lz4Window {
		z.hist = append(z.hist[:0], out[len(out)-lz4Window:]...)
	} else {
		z.hist = append(z.hist, out...)
		if len(z.hist) > lz4Window {
			copy(z.hist, z.hist[len(z.hist)-lz4Window:])
			z.hist = z.hist[:lz4Window]
		}
	}
	z.out = out
	return nil
}
