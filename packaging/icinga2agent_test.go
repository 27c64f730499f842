package packaging

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/checks"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

// icinga2Node is one icinga2 instance of a test, with folders of its own
// (config, zones.d, data with certificates, log, cache, spool, run) and an
// API port on 127.0.0.1.
type icinga2Node struct {
	t          *testing.T
	bin, name  string
	dir        string
	port       int
	user, grp  string
	cmd        *exec.Cmd
	exited     chan error
	console    bytes.Buffer
	stopped    bool
	uid, gid   int
	configFile string
}

func newIcinga2Node(t *testing.T, bin, base, name, runUser string) *icinga2Node {
	u, err := user.Lookup(runUser)
	if err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		t.Fatal(err)
	}
	n := &icinga2Node{t: t, bin: bin, name: name, dir: filepath.Join(base, name), port: testenv.FreePort(t, "tcp"), user: u.Username, grp: g.Name}
	n.uid, _ = strconv.Atoi(u.Uid)
	n.gid, _ = strconv.Atoi(u.Gid)
	for _, d := range []string{"etc/zones.d", "data/certs", "log", "cache", "spool", "run"} {
		if err := os.MkdirAll(filepath.Join(n.dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	n.configFile = filepath.Join(n.dir, "etc", "icinga2.conf")
	return n
}

func (n *icinga2Node) path(rel string) string { return filepath.Join(n.dir, rel) }

// defines point every path of the instance into its folder.
func (n *icinga2Node) defines(runUser, runGroup string) []string {
	d := []string{
		"-DConfiguration.ConfigDir=" + n.path("etc"), "-DConfiguration.ZonesDir=" + n.path("etc/zones.d"),
		"-DConfiguration.DataDir=" + n.path("data"), "-DConfiguration.LogDir=" + n.path("log"),
		"-DConfiguration.CacheDir=" + n.path("cache"), "-DConfiguration.SpoolDir=" + n.path("spool"),
		"-DConfiguration.InitRunDir=" + n.path("run"), "-DConfiguration.StatePath=" + n.path("data/icinga2.state"),
		"-DConfiguration.ObjectsPath=" + n.path("cache/icinga2.debug"), "-DConfiguration.PidPath=" + n.path("run/icinga2.pid"),
		"-DConfiguration.VarsPath=" + n.path("cache/icinga2.vars"),
		"-DConfiguration.RunAsUser=" + runUser, "-DConfiguration.RunAsGroup=" + runGroup,
	}
	return d
}

// cli runs an icinga2 CLI command (pki ...) as root on the instance's
// folders and returns its standard output.
func (n *icinga2Node) cli(args ...string) string {
	n.t.Helper()
	cmd := exec.Command(n.bin, append(args, n.defines("root", "root")...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			n.t.Fatalf("%s: icinga2 %s: %v\n%s%s", n.name, strings.Join(args, " "), err, out.String(), errb.String())
		}
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		<-done
		n.t.Fatalf("%s: icinga2 %s: still running after 60 s", n.name, strings.Join(args, " "))
	}
	return out.String()
}

func (n *icinga2Node) write(rel, content string) {
	n.t.Helper()
	p := n.path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		n.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		n.t.Fatal(err)
	}
}

// start gives the instance's folders to the run user and starts the
// daemon; Cleanup stops it.
func (n *icinga2Node) start() {
	n.t.Helper()
	filepath.Walk(n.dir, func(p string, _ os.FileInfo, _ error) error { return os.Lchown(p, n.uid, n.gid) })
	args := append([]string{"daemon", "-c", n.configFile}, n.defines(n.user, n.grp)...)
	n.cmd = exec.Command(n.bin, args...)
	n.cmd.Stdout, n.cmd.Stderr = &n.console, &n.console
	if err := n.cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	n.exited = make(chan error, 1)
	go func() { n.exited <- n.cmd.Wait() }()
	n.t.Cleanup(func() {
		n.stop()
		if n.t.Failed() {
			l, _ := os.ReadFile(n.path("log/icinga2.log"))
			n.t.Logf("%s console:\n%s\n%s log (last 6000 bytes):\n%s", n.name, n.console.String(), n.name, tail(l, 6000))
		}
	})
}

// stop ends the daemon by its pid: SIGTERM to the umbrella process (it
// stops its children), SIGKILL after 30 s.
func (n *icinga2Node) stop() {
	if n.cmd == nil || n.stopped {
		return
	}
	n.stopped = true
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
	case <-time.After(30 * time.Second):
		n.cmd.Process.Kill()
		<-n.exited
	}
}

// alive fails the test when the daemon has exited.
func (n *icinga2Node) alive() {
	n.t.Helper()
	select {
	case err := <-n.exited:
		n.stopped = true
		n.t.Fatalf("%s: icinga2 exited: %v", n.name, err)
	default:
	}
}

// waitListening waits, bounded, until the API port accepts connections.
func (n *icinga2Node) waitListening(within time.Duration) {
	n.t.Helper()
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(n.port)), time.Second)
		if err == nil {
			c.Close()
			return
		}
		n.alive()
		if time.Now().After(deadline) {
			n.t.Fatalf("%s: API port %d not listening after %s", n.name, n.port, within)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// agentServiceResult is a Service as the master's REST API shows it.
type agentServiceResult struct {
	Name  string `json:"name"`
	Attrs struct {
		Name            string `json:"name"`
		HostName        string `json:"host_name"`
		LastCheckResult *struct {
			CheckSource string   `json:"check_source"`
			ExitStatus  float64  `json:"exit_status"`
			Output      string   `json:"output"`
			Perfdata    []string `json:"performance_data"`
			Command     []string `json:"command"`
		} `json:"last_check_result"`
	} `json:"attrs"`
}

// The distributed setup as users run it: a master with the CA and an agent
// with a certificate it got by ticket, the shipped CheckCommands in the
// global-templates zone (synced to the agent), the shipped Services applied
// with command_endpoint = host.vars.agent_endpoint. The master's REST API
// must show each guardrail check's result as the agent's (check_source),
// with the exit code, output and perfdata the plugin gives when run
// directly.
func TestIcinga2AgentRunsEveryCheckThroughCommandEndpoint(t *testing.T) {
	testenv.NeedRoot(t)
	bin := testenv.NeedCommand(t, "icinga2")
	runUser, ok := runAs()
	testenv.Need(t, ok, "user nagios (from icinga2)")
	bins := binaries(t)
	root := fakeRoot(t, 5)
	base := worldReadableDir(t, "guardrail-icinga2-agent-")
	master := newIcinga2Node(t, bin, base, "master", runUser)
	agent := newIcinga2Node(t, bin, base, "agent", runUser)

	// The CA and the master's certificate, on the master.
	master.cli("pki", "new-ca")
	master.cli("pki", "new-cert", "--cn", "master", "--key", master.path("data/certs/master.key"), "--csr", master.path("data/certs/master.csr"))
	master.cli("pki", "sign-csr", "--csr", master.path("data/certs/master.csr"), "--cert", master.path("data/certs/master.crt"))
	caPEM, err := os.ReadFile(master.path("data/ca/ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	master.write("data/certs/ca.crt", string(caPEM))
	salt := randomHex(t)
	ticket := strings.TrimSpace(master.cli("pki", "ticket", "--cn", "agent", "--salt", salt))
	password := randomHex(t)

	// The shipped files, where a master keeps them.
	shipped := func(rel string) string {
		data, err := os.ReadFile(filepath.Join(moduleRoot(t), "packaging", rel))
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	master.write("etc/zones.d/global-templates/guardrail-commands.conf", shipped("icinga2/guardrail.conf"))
	master.write("etc/zones.d/master/guardrail-services.conf", shipped("icinga2/zones.d/master/guardrail-services.conf"))
	fixture := func(rel string) string {
		data, err := os.ReadFile(filepath.Join(moduleRoot(t), rel))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(base, filepath.Base(rel))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return strconv.Quote(p)
	}
	master.write("etc/zones.d/master/agents.conf", fmt.Sprintf(`object Endpoint "agent" { }
object Zone "agent" {
	endpoints = [ "agent" ]
	parent = "master"
}
object Host "agent" {
	check_command = "dummy"
	vars.os = "Linux"
	vars.agent_endpoint = name
	vars.guardrail_firewall_flows = true
	vars.security_updates_root = %[1]q
	vars.security_updates_policy = %[2]q
	vars.security_updates_no_state = true
	vars.os_version_root = %[1]q
	vars.os_version_policy = %[2]q
	vars.os_version_platform = "debian"
	vars.firewall_flows_policy = %[2]q
	vars.firewall_flows_flows = %[3]s
	vars.firewall_flows_iptables = [ %[4]s ]
}
`, root, root+"/policy.yaml", fixture("testdata/flows/router.json"), fixture("testdata/firewall/forward.rules")))
	master.write("etc/icinga2.conf", fmt.Sprintf(`const PluginDir = "/usr/lib/nagios/plugins" // the master runs no plugin of ours
const NodeName = "master"
const ZoneName = "master"
const TicketSalt = %q
include <itl>
include <plugins>
object Endpoint "master" { }
object Zone "master" { endpoints = [ "master" ] }
object Zone "global-templates" { global = true }
object ApiListener "api" {
	bind_host = "127.0.0.1"
	bind_port = %d
	ticket_salt = TicketSalt
}
object ApiUser "guardrail-test" {
	password = %q
	permissions = [ "*" ]
}
object CheckerComponent "checker" { }
object FileLogger "file" {
	path = %q
	severity = "notice"
}
`, salt, master.port, password, master.path("log/icinga2.log")))
	master.start()
	master.waitListening(60 * time.Second)

	// The agent: its own key, the master's certificate trusted, and a
	// certificate signed by the master's CA for the ticket (pki request
	// against the running master, as node setup does).
	agent.cli("pki", "new-cert", "--cn", "agent", "--key", agent.path("data/certs/agent.key"), "--cert", agent.path("data/certs/agent.crt"))
	agent.cli("pki", "save-cert", "--trustedcert", agent.path("data/certs/trusted-parent.crt"), "--host", "127.0.0.1", "--port", strconv.Itoa(master.port))
	agent.cli("pki", "request", "--host", "127.0.0.1", "--port", strconv.Itoa(master.port), "--ticket", ticket,
		"--key", agent.path("data/certs/agent.key"), "--cert", agent.path("data/certs/agent.crt"),
		"--trustedcert", agent.path("data/certs/trusted-parent.crt"), "--ca", agent.path("data/certs/ca.crt"))
	signed, err := os.ReadFile(agent.path("data/certs/agent.crt"))
	if err != nil {
		t.Fatal(err)
	}
	verifyIssuedBy(t, signed, caPEM)
	agent.write("etc/icinga2.conf", fmt.Sprintf(`const PluginDir = %q
const NodeName = "agent"
const ZoneName = "agent"
include <itl>
include <plugins>
object Endpoint "master" {
	host = "127.0.0.1"
	port = %d
}
object Zone "master" { endpoints = [ "master" ] }
object Endpoint "agent" { }
object Zone "agent" {
	endpoints = [ "agent" ]
	parent = "master"
}
object Zone "global-templates" { global = true }
object ApiListener "api" {
	bind_host = "127.0.0.1"
	bind_port = %d
	accept_config = true
	accept_commands = true
}
object FileLogger "file" {
	path = %q
	severity = "notice"
}
`, bins, master.port, agent.port, agent.path("log/icinga2.log")))
	agent.start()

	// The master's API, trusting only its own CA.
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "master"}}}
	api := func(method, path, body string) []byte {
		t.Helper()
		req, err := http.NewRequest(method, fmt.Sprintf("https://127.0.0.1:%d%s", master.port, path), strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth("guardrail-test", password)
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %s\n%s", method, path, resp.Status, data)
		}
		return data
	}

	// Until every check has a result from the agent: ask the master to run
	// them now (the shipped intervals are hours); before the agent has
	// connected and received the global zone, results come from the master
	// ("not connected", "command not found") and are asked again.
	want := map[string]plugin.Spec{"security-updates": {}, "os-version": {}, "firewall-flows": {}}
	for _, s := range checks.All() {
		switch s.Name {
		case "check_security_updates":
			want["security-updates"] = s
		case "check_os_version":
			want["os-version"] = s
		case "check_firewall_flows":
			want["firewall-flows"] = s
		}
	}
	var services []agentServiceResult
	deadline := time.Now().Add(120 * time.Second)
	for {
		master.alive()
		agent.alive()
		var list struct {
			Results []agentServiceResult `json:"results"`
		}
		if err := json.Unmarshal(api("GET", "/v1/objects/services?filter="+urlQuery(`host.name=="agent"`)+"&attrs=name&attrs=host_name&attrs=last_check_result", ""), &list); err != nil {
			t.Fatal(err)
		}
		services = list.Results
		fromAgent := 0
		for _, s := range services {
			r := s.Attrs.LastCheckResult
			if sp, ok := want[s.Attrs.Name]; ok && r != nil && r.CheckSource == "agent" && strings.HasPrefix(r.Output, sp.Label+" ") {
				fromAgent++
			}
		}
		if fromAgent == len(want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 120 s, %d of %d checks ran on the agent: %+v", fromAgent, len(want), services)
		}
		api("POST", "/v1/actions/reschedule-check", `{"type":"Service","filter":"host.name==\"agent\"","force":true}`)
		time.Sleep(2 * time.Second)
	}

	// The agent has the CheckCommands from the global zone, as the
	// master synced them, not from a file of its own.
	synced, err := os.ReadFile(agent.path("data/api/zones/global-templates/_etc/guardrail-commands.conf"))
	if err != nil || string(synced) != shipped("icinga2/guardrail.conf") {
		t.Errorf("the agent's copy of the global zone: %v (%d bytes)", err, len(synced))
	}
	if len(services) != len(want) {
		t.Errorf("%d services on the agent's host, want %d", len(services), len(want))
	}
	for _, s := range services {
		spec, r := want[s.Attrs.Name], s.Attrs.LastCheckResult
		if len(r.Command) == 0 || r.Command[0] != bins+"/"+spec.Name {
			t.Errorf("%s: the agent ran %q, want %s", s.Attrs.Name, r.Command, bins+"/"+spec.Name)
			continue
		}
		// The same command line, run directly as the agent's user.
		direct := exec.Command(r.Command[0], r.Command[1:]...)
		direct.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(agent.uid), Gid: uint32(agent.gid)}}
		out, _ := direct.Output()
		first, long, _ := strings.Cut(string(out), "\n")
		// Icinga's split: the text before '|' (its space kept), the long
		// output after a newline, perfdata values apart.
		summary, perf, _ := strings.Cut(first, "|")
		perf = strings.TrimSpace(perf)
		wantOutput := strings.TrimRight(summary+"\n"+long, "\n")
		if int(r.ExitStatus) != direct.ProcessState.ExitCode() || r.Output != wantOutput || strings.Join(r.Perfdata, " ") != perf {
			t.Errorf("%s: the agent gave exit %v, output %q, perfdata %q;\nrun directly: exit %d, output %q, perfdata %q",
				s.Attrs.Name, r.ExitStatus, r.Output, r.Perfdata, direct.ProcessState.ExitCode(), wantOutput, perf)
		}
		t.Logf("%s on %s: exit %v %.100q perfdata %v", s.Attrs.Name, r.CheckSource, r.ExitStatus, r.Output, r.Perfdata)
	}
	// The fixtures' verdicts, as the agent reported them.
	codes := map[string]float64{"security-updates": float64(plugin.Critical), "os-version": -1, "firewall-flows": float64(plugin.Critical)}
	for _, s := range services {
		if c := codes[s.Attrs.Name]; c >= 0 && s.Attrs.LastCheckResult.ExitStatus != c {
			t.Errorf("%s: exit %v, want %v", s.Attrs.Name, s.Attrs.LastCheckResult.ExitStatus, c)
		}
	}
	agent.stop()
	master.stop()
}

func randomHex(t *testing.T) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

func urlQuery(s string) string {
	return strings.NewReplacer("%", "%25", " ", "%20", `"`, "%22", "=", "%3D", "&", "%26", "+", "%2B").Replace(s)
}

// verifyIssuedBy checks that the agent's certificate is the CA's, not the
// self-signed one it started with.
func verifyIssuedBy(t *testing.T, certPEM, caPEM []byte) {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("CA certificate does not parse")
	}
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatal("agent certificate: no PEM block")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("agent certificate: %v", err)
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil || cert.Subject.CommonName != "agent" {
		t.Fatalf("agent certificate %q not issued by the master's CA: %v", cert.Subject.CommonName, err)
	}
}
