package kerneltest

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The test binary re-executes itself inside a namespace (`ip netns exec NS
// <test binary>`) to listen, connect or touch /proc/sys there: a Go test
// process cannot move its own goroutines into another namespace without
// golang.org/x/sys, and the helpers keep the test free of any other tool.
const (
	envHelper = "GUARDRAIL_KERNELTEST_HELPER" // listen | probe | sysctl | flush-conntrack
	envPorts  = "GUARDRAIL_KERNELTEST_PORTS"  // listen: comma-separated TCP ports
	envSysctl = "GUARDRAIL_KERNELTEST_SYSCTL" // sysctl: path=value;path=value under /proc/sys
)

// Bounds of one probe: a connect that has not finished by ConnectTimeout
// counts as blocked, and so does an echo that has not come back by
// ExchangeTimeout (the client's ESTABLISHED packets or the replies were
// dropped after the handshake).
const (
	ConnectTimeout  = 300 * time.Millisecond
	ExchangeTimeout = 300 * time.Millisecond
	// MaxPoints bounds one Probe call, so a generated case cannot run away.
	MaxPoints = 2048
	// probeParallel bounds concurrent connects in the probe helper.
	probeParallel = 128
)

// HelperTest is the test a package using a Topology must define, so that
// its test binary can serve as the helper:
//
//	func TestKernelHelperProcess(t *testing.T) { kerneltest.HelperMain() }
//
// (A TestMain calling HelperMain first works too.)
const HelperTest = "TestKernelHelperProcess"

// HelperMain runs the helper the environment asks for and exits; without
// the variable it returns at once. It exits with syscall.Exit, which the
// testing package does not intercept, so it may run inside a test.
func HelperMain() {
	mode := os.Getenv(envHelper)
	if mode == "" {
		return
	}
	var err error
	switch mode {
	case "listen":
		err = helperListen(os.Getenv(envPorts), os.Stdin, os.Stdout)
	case "probe":
		err = helperProbe(os.Stdin, os.Stdout)
	case "sysctl":
		err = helperSysctl(os.Getenv(envSysctl))
	case "flush-conntrack":
		err = flushConntrack()
	default:
		err = fmt.Errorf("unknown helper %q", mode)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "kerneltest helper %s: %v\n", mode, err)
		syscall.Exit(1)
	}
	syscall.Exit(0)
}

// helperListen listens on every port (IPv4 and IPv6), prints "ready", and
// answers each line with "pong <line>" until stdin closes.
func helperListen(ports string, stdin io.Reader, stdout io.Writer) error {
	var ls []net.Listener
	for _, p := range strings.Split(ports, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("bad port %q", p)
		}
		l, err := net.Listen("tcp", ":"+strconv.Itoa(n))
		if err != nil {
			return err
		}
		ls = append(ls, l)
		go serveEcho(l)
	}
	if _, err := fmt.Fprintln(stdout, "ready"); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, stdin) // the test closes stdin (or dies) to stop us
	for _, l := range ls {
		l.Close()
	}
	return nil
}

func serveEcho(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, "pong "+line)
		}()
	}
}

// probeResult is one point's outcome as the probe helper reports it.
type probeResult struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// helperProbe reads []Point as JSON, connects for each from its source
// address, sends a line, waits for the echo, and writes []probeResult.
func helperProbe(stdin io.Reader, stdout io.Writer) error {
	var pts []Point
	if err := json.NewDecoder(stdin).Decode(&pts); err != nil {
		return fmt.Errorf("reading points: %w", err)
	}
	if len(pts) > MaxPoints {
		return fmt.Errorf("%d points, more than %d", len(pts), MaxPoints)
	}
	res := make([]probeResult, len(pts))
	sem := make(chan struct{}, probeParallel)
	var wg sync.WaitGroup
	for i, p := range pts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := exchange(p); err != nil {
				res[i] = probeResult{Error: err.Error()}
			} else {
				res[i] = probeResult{OK: true}
			}
		}()
	}
	wg.Wait()
	return json.NewEncoder(stdout).Encode(res)
}

// exchange is one whole TCP connection: handshake, a request from the
// client after the handshake, and the server's answer.
func exchange(p Point) error {
	d := net.Dialer{
		Timeout:   ConnectTimeout,
		LocalAddr: &net.TCPAddr{IP: p.Src.AsSlice()},
	}
	c, err := d.Dial("tcp", netip.AddrPortFrom(p.Dst, uint16(p.Port)).String())
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(ExchangeTimeout)); err != nil {
		return err
	}
	want := fmt.Sprintf("%s>%s:%d\n", p.Src, p.Dst, p.Port)
	if _, err := io.WriteString(c, want); err != nil {
		return err
	}
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("after handshake: %w", err)
	}
	if got != "pong "+want {
		return fmt.Errorf("answer %q, want %q", got, "pong "+want)
	}
	return nil
}

// helperSysctl writes path=value pairs under /proc/sys of the namespace it
// runs in.
func helperSysctl(spec string) error {
	for _, kv := range strings.Split(spec, ";") {
		if kv == "" {
			continue
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.Contains(k, "..") {
			return fmt.Errorf("bad sysctl %q", kv)
		}
		if err := os.WriteFile("/proc/sys/"+k, []byte(v), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// flushConntrack deletes every conntrack entry of the namespace it runs in
// (what `conntrack -F` does), with one ctnetlink request per family, so
// that connections of one ruleset cannot leak ESTABLISHED state into the
// next.
func flushConntrack() error {
	const (
		netlinkNetfilter = 12
		ctnetlinkDelete  = 1<<8 | 2 // NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_DELETE
	)
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, netlinkNetfilter)
	if err != nil {
		return fmt.Errorf("netlink socket: %w", err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return fmt.Errorf("netlink bind: %w", err)
	}
	tv := syscall.Timeval{Sec: 2}
	_ = syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
	for seq, family := range []byte{syscall.AF_INET, syscall.AF_INET6} {
		msg := make([]byte, 20)
		binary.NativeEndian.PutUint32(msg[0:], 20)
		binary.NativeEndian.PutUint16(msg[4:], ctnetlinkDelete)
		binary.NativeEndian.PutUint16(msg[6:], syscall.NLM_F_REQUEST|syscall.NLM_F_ACK)
		binary.NativeEndian.PutUint32(msg[8:], uint32(seq+1))
		msg[16] = family // nfgenmsg: family, version 0, res_id 0
		if err := syscall.Sendto(fd, msg, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
			return fmt.Errorf("conntrack flush: %w", err)
		}
		buf := make([]byte, 4096)
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			return fmt.Errorf("conntrack flush answer: %w", err)
		}
		if n < 20 || binary.NativeEndian.Uint16(buf[4:]) != syscall.NLMSG_ERROR {
			return fmt.Errorf("conntrack flush: unexpected answer of %d bytes", n)
		}
		if code := int32(binary.NativeEndian.Uint32(buf[16:])); code != 0 {
			return fmt.Errorf("conntrack flush: %w", syscall.Errno(-code))
		}
	}
	return nil
}
