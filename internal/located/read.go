package located

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"sync"
	"syscall"
)

// Limit bounds one kind of input file. The bound is counted in bytes as they
// are read, never taken from stat: devices and FIFOs report size 0.
type Limit struct {
	Kind  string // named in errors: "policy", "dpkg status", ...
	Bytes int64
}

// ErrTooLarge is wrapped by the error of a read that passed its Limit.
var ErrTooLarge = errors.New("input larger than its limit")

// Stdin is the path that means standard input.
const Stdin = "-"

// reading is the set of files being read right now, so that a check that
// times out can say which read it was waiting for (a FIFO with no writer, a
// hung network file system).
var reading = struct {
	sync.Mutex
	open map[string]int
}{open: map[string]int{}}

func enter(path string) {
	reading.Lock()
	reading.open[path]++
	reading.Unlock()
}

func leave(path string) {
	reading.Lock()
	if reading.open[path]--; reading.open[path] <= 0 {
		delete(reading.open, path)
	}
	reading.Unlock()
}

// Reading lists the files being opened or read at this moment, sorted.
func Reading() []string {
	reading.Lock()
	defer reading.Unlock()
	out := make([]string, 0, len(reading.open))
	for p := range reading.open {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Reader is an open input file that fails once more than its limit has been
// read. It is registered in Reading until closed.
type Reader struct {
	path  string
	limit Limit
	f     *os.File
	n     int64
	stdin bool
}

// Open opens path for a bounded read ("-" is standard input). Directories
// are refused. Opening a FIFO with no writer blocks, as it must; the path is
// listed by Reading meanwhile.
func Open(path string, limit Limit) (*Reader, error) {
	enter(path)
	if path == Stdin {
		return &Reader{path: path, limit: limit, f: os.Stdin, stdin: true}, nil
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOCTTY, 0)
	if err != nil {
		leave(path)
		return nil, &Error{Kind: limit.Kind, File: path, Msg: openMessage(err), Err: err}
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		leave(path)
		return nil, &Error{Kind: limit.Kind, File: path, Msg: "is a directory, not a file", Err: fs.ErrInvalid}
	}
	return &Reader{path: path, limit: limit, f: f}, nil
}

func openMessage(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// Name is the path as given ("-" for standard input).
func (r *Reader) Name() string { return r.path }

// File is the open file (for Stat); reading must go through r.
func (r *Reader) File() *os.File { return r.f }

func (r *Reader) Read(p []byte) (int, error) {
	if r.n > r.limit.Bytes {
		return 0, r.tooLarge()
	}
	// Read at most one byte past the limit: that byte proves the overflow.
	if max := r.limit.Bytes - r.n + 1; int64(len(p)) > max {
		p = p[:max]
	}
	n, err := r.f.Read(p)
	r.n += int64(n)
	if r.n > r.limit.Bytes {
		return n, r.tooLarge()
	}
	if err != nil && err != io.EOF {
		err = &Error{Kind: r.limit.Kind, File: r.path, Msg: openMessage(err), Err: err}
	}
	return n, err
}

func (r *Reader) tooLarge() error {
	return &Error{Kind: r.limit.Kind, File: r.path,
		Msg: fmt.Sprintf("larger than the %s limit for %s files", Size(r.limit.Bytes), r.limit.Kind), Err: ErrTooLarge}
}

// Close closes the file (never standard input) and ends its Reading entry.
func (r *Reader) Close() error {
	if r.path == "" {
		return nil
	}
	leave(r.path)
	path := r.path
	r.path = ""
	if r.stdin {
		return nil
	}
	if err := r.f.Close(); err != nil {
		return &Error{Kind: r.limit.Kind, File: path, Msg: openMessage(err), Err: err}
	}
	return nil
}

// ReadFile reads a whole file within limit. The buffer never grows past
// limit+1 bytes, so a hostile input costs at most its limit in memory.
func ReadFile(path string, limit Limit) ([]byte, error) {
	r, err := Open(path, limit)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	size := int64(4 << 10)
	if st, err := r.f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > 0 {
		size = st.Size() + 1 // +1 to see EOF without growing
	}
	buf := make([]byte, 0, min(size, limit.Bytes+1))
	for {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(int64(2*cap(buf)), limit.Bytes+1))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// Lines calls fn for each line of r (without its newline, numbered from 1).
// A line longer than maxLine bytes is an error naming file and line; the
// line's bytes are never quoted.
func Lines(r io.Reader, kind, file string, maxLine int, fn func(line int, text []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, min(maxLine, 64<<10)), maxLine)
	n := 0
	for sc.Scan() {
		n++
		if err := fn(n, sc.Bytes()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return &Error{Kind: kind, File: file, Line: n + 1, Msg: fmt.Sprintf("line longer than %s", Size(int64(maxLine))), Err: ErrTooLarge}
		}
		return err
	}
	return nil
}

// Size writes a byte count the way limits are named: "16 MiB", "4 KiB".
func Size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
