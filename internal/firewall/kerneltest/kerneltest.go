// Package kerneltest asks the Linux kernel what a firewall ruleset really
// lets through, so the firewall engine's verdicts can be checked against it.
//
// New builds three network namespaces joined by veth pairs:
//
//	src 10.1.0.2-7/24 fd01::2-7/64 ── fw 10.1.0.1 fd01::1 │ 10.2.0.1 fd02::1 ── dst 10.2.0.2-7/24 fd02::2-7/64
//
// dst listens on a set of TCP ports; a ruleset is loaded into fw with
// iptables-restore or nft; Probe connects from src and reports, per point,
// whether a whole TCP exchange (handshake, then data both ways) succeeded.
// Save returns iptables-save / nft -j output read back from fw, so a check
// under test reads exactly what the kernel holds.
//
// Every address lives only inside the namespaces the test creates. Test
// packages using it must define TestKernelHelperProcess (see HelperTest).
package kerneltest

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// namePrefix starts the names of every namespace this package creates; the
// creator's pid follows, so namespaces left by a killed test can be found.
const namePrefix = "grk"

// Addresses of the topology: hosts 2-7 on each side, the router on .1 / ::1.
var (
	SrcAddrs4 = hostRange("10.1.0.", 2, 7)
	DstAddrs4 = hostRange("10.2.0.", 2, 7)
	SrcAddrs6 = hostRange("fd01::", 2, 7)
	DstAddrs6 = hostRange("fd02::", 2, 7)
)

func hostRange(prefix string, from, to int) []netip.Addr {
	var out []netip.Addr
	for i := from; i <= to; i++ {
		out = append(out, netip.MustParseAddr(prefix+strconv.Itoa(i)))
	}
	return out
}

// The router's interfaces: towards src and towards dst.
const (
	FWSrcIface = "to-src"
	FWDstIface = "to-dst"
)

// Point is one TCP connection to try: from Src to Dst port Port.
type Point struct {
	Src  netip.Addr `json:"src"`
	Dst  netip.Addr `json:"dst"`
	Port int        `json:"port"`
}

func (p Point) String() string {
	return fmt.Sprintf("%s -> %s", p.Src, netip.AddrPortFrom(p.Dst, uint16(p.Port)))
}

// Topology is a live src / fw / dst setup; see the package comment.
type Topology struct {
	Src, FW, Dst string // namespace names
	Ports        []int  // TCP ports dst listens on

	t        testing.TB
	self     string // the test binary, re-executed for helpers
	listener *exec.Cmd
	stopper  interface{ Close() error }
	dir      string
}

// Need checks the prerequisites of New: root, ip, iptables-restore, nft and
// the permission to create a network namespace. It skips the test, or fails
// it under GUARDRAIL_INTEGRATION=require.
func Need(t testing.TB) {
	t.Helper()
	testenv.NeedRoot(t)
	for _, c := range []string{"ip", "iptables-restore", "ip6tables-restore", "iptables-save", "ip6tables-save", "nft"} {
		testenv.NeedCommand(t, c)
	}
	// Reset relies on nft flush ruleset also clearing iptables' tables,
	// which holds for iptables-nft (Debian's default), not iptables-legacy.
	v, _ := exec.Command("iptables-restore", "--version").CombinedOutput()
	testenv.Need(t, !strings.Contains(string(v), "legacy"), "iptables-nft as iptables (update-alternatives --set iptables /usr/sbin/iptables-nft), not "+strings.TrimSpace(string(v)))
	probe := namePrefix + strconv.Itoa(os.Getpid()) + "-need-" + randomSuffix()
	out, err := exec.Command("ip", "netns", "add", probe).CombinedOutput()
	if err == nil {
		_ = exec.Command("ip", "netns", "del", probe).Run()
	}
	testenv.Need(t, err == nil, "permission to create network namespaces (ip netns add: "+strings.TrimSpace(string(out))+")")
}

// New builds the topology with dst listening on ports, and removes it all in
// t.Cleanup, also when the test fails.
func New(t testing.TB, ports []int) *Topology {
	t.Helper()
	if len(ports) == 0 {
		t.Fatal("kerneltest.New: no ports to listen on")
	}
	Need(t)
	removeOrphans()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	base := namePrefix + strconv.Itoa(os.Getpid()) + "-" + randomSuffix()
	tp := &Topology{Src: base + "-src", FW: base + "-fw", Dst: base + "-dst", Ports: ports,
		t: t, self: self, dir: t.TempDir()}
	t.Cleanup(tp.close)
	for _, ns := range []string{tp.Src, tp.FW, tp.Dst} {
		tp.must(tp.run(nil, "ip", "netns", "add", ns))
		// No duplicate address detection: addresses are usable at once.
		tp.must(tp.helper(ns, "sysctl", nil, envSysctl+"="+
			"net/ipv6/conf/all/accept_dad=0;net/ipv6/conf/default/accept_dad=0;"+
			"net/ipv6/conf/default/dad_transmits=0"))
	}
	tp.must(tp.helper(tp.FW, "sysctl", nil, envSysctl+"="+
		"net/ipv4/ip_forward=1;net/ipv6/conf/all/forwarding=1"))
	var src, dst []string
	fw := []string{"link add to-src type veth peer name eth0 netns " + tp.Src,
		"link add to-dst type veth peer name eth0 netns " + tp.Dst,
		"addr add 10.1.0.1/24 dev to-src", "addr add fd01::1/64 dev to-src nodad",
		"addr add 10.2.0.1/24 dev to-dst", "addr add fd02::1/64 dev to-dst nodad",
		"link set lo up", "link set to-src up", "link set to-dst up"}
	for i := range SrcAddrs4 {
		src = append(src, "addr add "+SrcAddrs4[i].String()+"/24 dev eth0",
			"addr add "+SrcAddrs6[i].String()+"/64 dev eth0 nodad")
		dst = append(dst, "addr add "+DstAddrs4[i].String()+"/24 dev eth0",
			"addr add "+DstAddrs6[i].String()+"/64 dev eth0 nodad")
	}
	for _, side := range []*[]string{&src, &dst} {
		*side = append(*side, "link set lo up", "link set eth0 up")
	}
	src = append(src, "route add default via 10.1.0.1", "route add default via fd01::1")
	dst = append(dst, "route add default via 10.2.0.1", "route add default via fd02::1")
	tp.must(tp.ipBatch(tp.FW, fw...))
	tp.must(tp.ipBatch(tp.Src, src...))
	tp.must(tp.ipBatch(tp.Dst, dst...))
	tp.must(tp.startListener())
	tp.must(tp.waitConnected())
	return tp
}

// waitConnected waits until every source host reaches every destination
// host with no ruleset loaded: IPv6 neighbour discovery through the router
// takes up to a second or so after the links come up, and a probe before
// that would blame the ruleset.
func (tp *Topology) waitConnected() error {
	var pts []Point
	for i := range SrcAddrs4 {
		for j := range DstAddrs4 {
			pts = append(pts, Point{SrcAddrs4[i], DstAddrs4[j], tp.Ports[0]},
				Point{SrcAddrs6[i], DstAddrs6[j], tp.Ports[0]})
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		ok, why, err := tp.probeOnce(pts)
		if err != nil {
			return err
		}
		bad := -1
		for i := range ok {
			if !ok[i] {
				bad = i
				break
			}
		}
		if bad < 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no connection %s without a ruleset after 15s: %s", pts[bad], why[bad])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (tp *Topology) must(err error) {
	tp.t.Helper()
	if err != nil {
		tp.t.Fatalf("kerneltest: %v", err)
	}
}

func randomSuffix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// run runs a fixed command with stdin and returns its stdout; errors carry
// stderr.
func (tp *Topology) run(stdin []byte, name string, args ...string) error {
	_, err := output(stdin, nil, name, args...)
	return err
}

func output(stdin []byte, env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.Command(name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// ipBatch runs ip commands inside ns in one process.
func (tp *Topology) ipBatch(ns string, cmds ...string) error {
	return tp.run([]byte(strings.Join(cmds, "\n")+"\n"), "ip", "-n", ns, "-batch", "-")
}

// inNS runs a fixed command inside ns and returns its stdout.
func (tp *Topology) inNS(ns string, stdin []byte, name string, args ...string) ([]byte, error) {
	return output(stdin, nil, "ip", append([]string{"netns", "exec", ns, name}, args...)...)
}

// helper re-executes the test binary inside ns in the given helper mode.
func (tp *Topology) helper(ns, mode string, stdin []byte, env ...string) error {
	_, err := tp.helperOutput(ns, mode, stdin, env...)
	return err
}

func (tp *Topology) helperOutput(ns, mode string, stdin []byte, env ...string) ([]byte, error) {
	return output(stdin, append([]string{envHelper + "=" + mode}, env...),
		"ip", "netns", "exec", ns, tp.self, "-test.run=^"+HelperTest+"$")
}

func (tp *Topology) startListener() error {
	ps := make([]string, len(tp.Ports))
	for i, p := range tp.Ports {
		ps[i] = strconv.Itoa(p)
	}
	cmd := exec.Command("ip", "netns", "exec", tp.Dst, tp.self, "-test.run=^"+HelperTest+"$")
	cmd.Env = append(os.Environ(), envHelper+"=listen", envPorts+"="+strings.Join(ps, ","))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	tp.listener, tp.stopper = cmd, stdin
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(stdout).ReadString('\n')
		if err == nil && line != "ready\n" {
			err = fmt.Errorf("listener said %q", line)
		}
		ready <- err
	}()
	select {
	case err := <-ready:
		if err != nil {
			return fmt.Errorf("listener in %s: %v", tp.Dst, err)
		}
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("listener in %s: not ready after 10s", tp.Dst)
	}
}

func (tp *Topology) close() {
	if tp.listener != nil && tp.listener.Process != nil {
		_ = tp.stopper.Close()
		done := make(chan struct{})
		go func() { _ = tp.listener.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			_ = tp.listener.Process.Kill()
			<-done
		}
	}
	for _, ns := range []string{tp.Src, tp.FW, tp.Dst} {
		// Deleting a namespace deletes its veth ends, addresses and rules.
		_ = exec.Command("ip", "netns", "del", ns).Run()
	}
}

// removeOrphans deletes namespaces left by test processes that died before
// their cleanup ran (timeout panic, SIGKILL).
func removeOrphans() {
	entries, err := os.ReadDir("/run/netns")
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, namePrefix) {
			continue
		}
		digits := strings.TrimPrefix(name, namePrefix)
		if i := strings.IndexByte(digits, '-'); i > 0 {
			digits = digits[:i]
		}
		pid, err := strconv.Atoi(digits)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH {
			_ = exec.Command("ip", "netns", "del", name).Run()
		}
	}
}

// Reset empties fw: no ruleset (nft flush ruleset also removes the tables
// of iptables-nft) and no conntrack entries left from earlier probes.
func (tp *Topology) Reset() error {
	if _, err := tp.inNS(tp.FW, nil, "nft", "flush", "ruleset"); err != nil {
		return err
	}
	return tp.helper(tp.FW, "flush-conntrack", nil)
}

// LoadIPTables resets fw and loads iptables-restore input for IPv4 and, if
// not empty, ip6tables-restore input for IPv6.
func (tp *Topology) LoadIPTables(v4, v6 string) error {
	if err := tp.Reset(); err != nil {
		return err
	}
	if v4 != "" {
		if _, err := tp.inNS(tp.FW, []byte(v4), "iptables-restore"); err != nil {
			return err
		}
	}
	if v6 != "" {
		if _, err := tp.inNS(tp.FW, []byte(v6), "ip6tables-restore"); err != nil {
			return err
		}
	}
	return nil
}

// LoadNFT resets fw and loads an nft script with nft -f.
func (tp *Topology) LoadNFT(script string) error {
	if err := tp.Reset(); err != nil {
		return err
	}
	f := filepath.Join(tp.dir, "ruleset.nft")
	if err := os.WriteFile(f, []byte(script), 0o600); err != nil {
		return err
	}
	_, err := tp.inNS(tp.FW, nil, "nft", "-f", f)
	return err
}

// IPTablesSave returns iptables-save and ip6tables-save output of fw.
func (tp *Topology) IPTablesSave() (v4, v6 string, err error) {
	a, err := tp.inNS(tp.FW, nil, "iptables-save")
	if err != nil {
		return "", "", err
	}
	b, err := tp.inNS(tp.FW, nil, "ip6tables-save")
	if err != nil {
		return "", "", err
	}
	return string(a), string(b), nil
}

// NFTJSON returns `nft -j list ruleset` of fw.
func (tp *Topology) NFTJSON() (string, error) {
	b, err := tp.inNS(tp.FW, nil, "nft", "-j", "list", "ruleset")
	return string(b), err
}

// Probe tries every point from src, all at once, and says for each whether
// the whole exchange succeeded; why holds the error of failed points.
// Points that timed out are tried once more, so a loaded machine (make test
// runs packages in parallel) cannot pass for a DROP; a success is never
// retried, as only the kernel's permission makes one.
func (tp *Topology) Probe(points []Point) (ok []bool, why []string, err error) {
	ok, why, err = tp.probeOnce(points)
	if err != nil {
		return nil, nil, err
	}
	var again []Point
	var at []int
	for i := range points {
		if !ok[i] && strings.Contains(why[i], "timeout") {
			again, at = append(again, points[i]), append(at, i)
		}
	}
	if len(again) == 0 {
		return ok, why, nil
	}
	ok2, why2, err := tp.probeOnce(again)
	if err != nil {
		return nil, nil, err
	}
	for j, i := range at {
		ok[i], why[i] = ok2[j], why2[j]
	}
	return ok, why, nil
}

func (tp *Topology) probeOnce(points []Point) (ok []bool, why []string, err error) {
	if len(points) > MaxPoints {
		return nil, nil, fmt.Errorf("%d points, more than %d", len(points), MaxPoints)
	}
	in, err := json.Marshal(points)
	if err != nil {
		return nil, nil, err
	}
	out, err := tp.helperOutput(tp.Src, "probe", in)
	if err != nil {
		return nil, nil, err
	}
	var res []probeResult
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, nil, fmt.Errorf("probe answer: %v", err)
	}
	if len(res) != len(points) {
		return nil, nil, fmt.Errorf("probe answered %d of %d points", len(res), len(points))
	}
	ok, why = make([]bool, len(res)), make([]string, len(res))
	for i, r := range res {
		ok[i], why[i] = r.OK, r.Error
	}
	return ok, why, nil
}
