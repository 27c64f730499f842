package packaging

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

const pluginDir = "/usr/lib/nagios/plugins/"

var nrpeCommand = regexp.MustCompile(`^#?command\[([A-Za-z0-9_]+)\]=(\S+)`)

// nrpeCommands are the command names in the shipped NRPE file, the
// commented argument variants (#command[...]) included, and the binary each runs.
func nrpeCommands(t *testing.T) (map[string]string, string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("nrpe", "guardrail.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	cmds := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		if m := nrpeCommand.FindStringSubmatch(l); m != nil {
			cmds[m[1]] = m[2]
		}
	}
	return cmds, string(data)
}

// Every check has an NRPE command of its own name; every command runs one
// of our plugins from the plugin directory, and any $ARGn$ is single-quoted.
func TestNRPEConfigCoversEveryCheck(t *testing.T) {
	cmds, text := nrpeCommands(t)
	specs := specsByName()
	for name := range specs {
		if cmds[name] != pluginDir+name {
			t.Errorf("no command[%s]=%s%s", name, pluginDir, name)
		}
	}
	for name, bin := range cmds {
		if _, ok := specs[strings.TrimPrefix(bin, pluginDir)]; !ok || !strings.HasPrefix(bin, pluginDir) {
			t.Errorf("command[%s] runs %s, not a guardrail plugin", name, bin)
		}
	}
	for _, m := range regexp.MustCompile(`.?\$ARG\d+\$.?`).FindAllString(text, -1) {
		if !strings.HasPrefix(m, "'") || !strings.HasSuffix(m, "'") {
			t.Errorf("unquoted NRPE argument %s", m)
		}
	}
}

// needNRPE checks what the NRPE tests need before anything is built.
func needNRPE(t *testing.T) {
	t.Helper()
	testenv.NeedRoot(t)
	testenv.NeedCommand(t, "/usr/sbin/nrpe")
	testenv.NeedCommand(t, pluginDir+"check_nrpe")
	_, ok := runAs()
	testenv.Need(t, ok, "user nagios (from nagios-nrpe-server)")
}

type nrpeServer struct {
	port int
	bin  string // check_nrpe
	log  string // nrpe's log file
}

// takesArguments reports whether this nrpe build passes check_nrpe -a
// arguments at all: Debian builds it without --enable-command-args, and it
// then refuses every request that carries one, whatever dont_blame_nrpe says.
func (s *nrpeServer) takesArguments(t *testing.T) bool {
	log, err := os.ReadFile(s.log)
	if err != nil {
		t.Fatal(err)
	}
	return !strings.Contains(string(log), "Request contained command arguments")
}

// startNRPE runs Debian's nrpe in the foreground on 127.0.0.1 with the
// shipped commands (plugin paths pointing at the freshly built binaries, the
// argument variants enabled) plus the extra test commands.
func startNRPE(t *testing.T, bins string, extra map[string]string) *nrpeServer {
	t.Helper()
	needNRPE(t)
	nrpe := testenv.NeedCommand(t, "/usr/sbin/nrpe")
	checkNRPE := testenv.NeedCommand(t, pluginDir+"check_nrpe")
	runUser, _ := runAs()

	dir := worldReadableDir(t, "guardrail-nrpe-")
	_, shipped := nrpeCommands(t)
	var cmds []string
	for _, l := range strings.Split(shipped, "\n") {
		if strings.HasPrefix(l, "#command[") {
			l = l[1:]
		}
		if strings.HasPrefix(l, "command[") {
			cmds = append(cmds, strings.ReplaceAll(l, pluginDir, bins+"/"))
		}
	}
	for name, line := range extra {
		cmds = append(cmds, fmt.Sprintf("command[%s]=%s", name, line))
	}
	cmdFile := filepath.Join(dir, "guardrail.cfg")
	if err := os.WriteFile(cmdFile, []byte(strings.Join(cmds, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	u, err := user.Lookup(runUser)
	if err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		t.Fatal(err)
	}
	logFile := filepath.Join(dir, "nrpe.log")
	if err := os.WriteFile(logFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(logFile, uid, gid); err != nil {
		t.Fatal(err)
	}
	port := testenv.FreePort(t, "tcp")
	conf := fmt.Sprintf(`server_address=127.0.0.1
server_port=%d
nrpe_user=%s
nrpe_group=%s
allowed_hosts=127.0.0.1
dont_blame_nrpe=1
allow_bash_command_substitution=0
command_timeout=30
connection_timeout=60
disable_syslog=1
debug=1
log_file=%s
include=%s
`, port, u.Username, g.Name, logFile, cmdFile)
	confFile := filepath.Join(dir, "nrpe.cfg")
	if err := os.WriteFile(confFile, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	cmd := exec.Command(nrpe, "-c", confFile, "-f")
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			l, _ := os.ReadFile(logFile)
			t.Logf("nrpe output:\n%s\nnrpe log:\n%s", log.String(), l)
		}
	})
	// Readiness, not a timing assertion: wait for the listener.
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err == nil {
			c.Close()
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("nrpe exited: %v\n%s", err, log.String())
		default:
		}
		if i > 100 {
			t.Fatalf("nrpe not listening on 127.0.0.1:%d: %v\n%s", port, err, log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	return &nrpeServer{port: port, bin: checkNRPE, log: logFile}
}

// run asks nrpe for command through check_nrpe; v2 selects v2 packets.
func (s *nrpeServer) run(t *testing.T, v2 bool, command string, args ...string) (int, string) {
	t.Helper()
	a := []string{"-H", "127.0.0.1", "-p", strconv.Itoa(s.port), "-t", "60", "-c", command}
	if v2 {
		a = append([]string{"-2"}, a...)
	}
	if len(args) > 0 {
		a = append(append(a, "-a"), args...)
	}
	cmd := exec.Command(s.bin, a...)
	out, _ := cmd.Output()
	if cmd.ProcessState == nil {
		t.Fatalf("check_nrpe did not run")
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// statusLine checks the first line's shape "LABEL STATUS: ..." and that the
// status word is the exit code's.
func statusLine(t *testing.T, label string, code int, out string) string {
	t.Helper()
	first, _, _ := strings.Cut(out, "\n")
	want := label + " " + plugin.StatusText(plugin.Status(code)) + ": "
	if code < 0 || code > 3 || !strings.HasPrefix(first, want) {
		t.Errorf("exit %d, first line %q; want prefix %q", code, first, want)
	}
	return first
}

func TestNRPERunsEveryCommand(t *testing.T) {
	needNRPE(t)
	bins := binaries(t)
	srv := startNRPE(t, bins, nil)
	cmds, _ := nrpeCommands(t)
	specs := specsByName()
	for name, bin := range cmds {
		t.Run(name, func(t *testing.T) {
			code, out := srv.run(t, false, name)
			statusLine(t, specs[strings.TrimPrefix(bin, pluginDir)].Label, code, out)
		})
	}
}

// Arguments from check_nrpe -a are data, never shell and never options.
// NRPE refuses shell metacharacters (and Debian's build refuses arguments
// altogether); what an argument-enabled NRPE lets through reaches the plugin
// single-quoted, as the value of one option, which rejects it as UNKNOWN.
func TestNRPEArgumentsAreSafe(t *testing.T) {
	needNRPE(t)
	bins := binaries(t)
	srv := startNRPE(t, bins, nil)
	marker := filepath.Join(worldReadableDir(t, "guardrail-marker-"), "pwned")
	const cmd = "check_security_updates_args"
	label := specsByName()["check_security_updates"].Label

	refused := []string{
		"; rm -rf /", // GNU rm would refuse / anyway
		"; touch " + marker,
		"$(touch " + marker + ")",
		"`touch " + marker + "`",
		"1' ; touch " + marker + " ; '",
		"1 | touch " + marker,
		"1 && touch " + marker,
		"1\ntouch " + marker,
		strings.Repeat("9", 5000), // beyond NRPE's packet
	}
	for _, a := range refused {
		code, out := srv.run(t, false, cmd, a, "")
		if code != int(plugin.Unknown) || strings.HasPrefix(out, label) {
			t.Errorf("argument %.40q: exit %d, %q; want NRPE to refuse it (UNKNOWN)", a, code, out)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("argument %q ran a command: %s exists", a, marker)
		}
	}

	// Arguments free of metacharacters pass an argument-enabled NRPE and
	// reach the plugin as the value of --warning: a bad range, not a path
	// or an option. The plugin is run here as NRPE would run it.
	harmless := []string{"../../../etc/passwd", "/etc/shadow", "--policy=/etc/shadow", "-t", "$HOME", "*"}
	args := srv.takesArguments(t)
	for _, a := range harmless {
		if args {
			code, out := srv.run(t, false, cmd, a, "")
			first := statusLine(t, label, code, out)
			if code != int(plugin.Unknown) || !strings.Contains(first, "invalid range") {
				t.Errorf("through NRPE, argument %q: exit %d, %q; want UNKNOWN invalid range", a, code, first)
			}
		} else if code, out := srv.run(t, false, cmd, a, ""); code != int(plugin.Unknown) || strings.HasPrefix(out, label) {
			t.Errorf("argument %q: this nrpe refuses arguments, yet: exit %d, %q", a, code, out)
		}
		c := exec.Command(bins+"/check_security_updates", "--warning", a, "--critical", "")
		out, _ := c.Output()
		first := statusLine(t, label, c.ProcessState.ExitCode(), string(out))
		if c.ProcessState.ExitCode() != int(plugin.Unknown) || !strings.Contains(first, "invalid range") {
			t.Errorf("--warning %q: exit %d, %q; want UNKNOWN invalid range", a, c.ProcessState.ExitCode(), first)
		}
	}
	if !args {
		t.Logf("this nrpe is built without command arguments: every -a request was refused")
	}
}

// A check that outlasts its -t ends in UNKNOWN "timed out after N s" on its
// own, well before NRPE's command_timeout: its policy file is a FIFO nobody
// writes, so opening it blocks forever.
func TestNRPEPluginTimeout(t *testing.T) {
	needNRPE(t)
	bins := binaries(t)
	dir := worldReadableDir(t, "guardrail-fifo-")
	fifo := filepath.Join(dir, "policy.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startNRPE(t, bins, map[string]string{
		"check_slow": bins + "/check_security_updates --no-state --state-file " + dir + "/state.json --policy " + fifo + " -t 2",
	})
	code, out := srv.run(t, false, "check_slow")
	// The message names the read it was waiting for.
	if want := "SECURITY UPDATES UNKNOWN: timed out after 2 s while reading " + fifo + "\n"; code != int(plugin.Unknown) || out != want {
		t.Errorf("exit %d, %q; want UNKNOWN %q", code, out, want)
	}
}

// Output beyond a v2 packet (1023 bytes) is cut by NRPE; the status line and
// its perfdata come first, so they survive whole.
func TestNRPELongOutputKeepsFirstLine(t *testing.T) {
	needNRPE(t)
	bins := binaries(t)
	root := fakeRoot(t, 120)
	args := []string{"--no-state", "--state-file", root + "/state.json", "--policy", root + "/policy.yaml", "--root", root, "--list"}
	srv := startNRPE(t, bins, map[string]string{
		"check_long": bins + "/check_security_updates " + strings.Join(args, " "),
	})
	direct, err := exec.Command(bins+"/check_security_updates", args...).Output()
	if len(direct) < 2000 {
		t.Fatalf("the plugin's own output is only %d bytes (%v): %q", len(direct), err, direct)
	}
	wantFirst, _, _ := strings.Cut(string(direct), "\n")
	if !strings.Contains(wantFirst, " | ") {
		t.Fatalf("no perfdata in %q", wantFirst)
	}
	for _, v2 := range []bool{true, false} {
		code, out := srv.run(t, v2, "check_long")
		first := statusLine(t, "SECURITY UPDATES", code, out)
		if first != wantFirst {
			t.Errorf("v2=%v: first line %q, want %q", v2, first, wantFirst)
		}
		if v2 && len(out) > 1100 {
			t.Errorf("v2 output of %d bytes: not cut?", len(out))
		}
		sc := bufio.NewScanner(strings.NewReader(out))
		n := 0
		for sc.Scan() {
			n++
		}
		t.Logf("v2=%v: %d bytes, %d lines through NRPE (plugin: %d bytes)", v2, len(out), n, len(direct))
	}
}
