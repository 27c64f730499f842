package main

// The kernel proof: check_firewall_flows claims exact semantics (a flow is
// allowed when a whole TCP connection works for every point), so its
// verdicts are compared with real connections through a router namespace
// holding the same ruleset, read back from the kernel.

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"

	"github.com/guardrail-monitoring/guardrail/internal/firewall/kerneltest"
	"github.com/guardrail-monitoring/guardrail/internal/proctest"
	"github.com/guardrail-monitoring/guardrail/internal/testenv"
)

var (
	kernelSeeds = flag.Int("kernel-seeds", 40, "generated rulesets in the kernel proof (each in iptables and nft form)")
	kernelSeed0 = flag.Uint64("kernel-seed0", 0, "first seed of the generated rulesets")
	// -kernel-v logs every check run with its arguments and output.
	kernelVerbose = flag.Bool("kernel-v", false, "log every check_firewall_flows run of the kernel proof")
)

// kernelWorkers is how many topologies run cases side by side.
const kernelWorkers = 3

// TestKernelHelperProcess is the helper the kerneltest namespaces re-execute.
func TestKernelHelperProcess(t *testing.T) { kerneltest.HelperMain() }

// The forms a case is loaded in and handed to the check.
const (
	formIPTables = "iptables" // iptables-restore; the check reads iptables-save
	formNFT      = "nft"      // nft -f; the check reads nft -j list ruleset
	// iptables-restore, but the check reads nft -j list ruleset, as it does
	// live on an iptables-nft host: matches nft shows only as "xt NAME"
	// may be unknown, never wrong.
	formIPTablesNFT = "iptables>nft-json"
)

// kernelCase is one ruleset in one form with its flows.
type kernelCase struct {
	name string
	form string // formIPTables, formNFT or formIPTablesNFT
	v4   string // iptables-restore input
	v6   string // ip6tables-restore input
	nft  string // nft -f input
	// flows in file order; the JSON handed to the check is built from them.
	flows []kerneltest.Flow
	want  map[string]string // flow → verdict the kernel must show (hand cases)
	// kernelOnly: the check cannot read this form yet.
	kernelOnly bool
	// noIfaces: the check is run without --in-iface/--out-iface (a file
	// no-ifaces in the case's folder), to judge interface conditions alone.
	noIfaces bool
	text     string // the ruleset as loaded, for failure reports
}

// flowResult is what the kernel and the check said about one flow.
type flowResult struct {
	c              *kernelCase
	flow           string
	kernel         string
	open, total    int
	failed, passed []string // a few points of each kind
	check          checkItem
	checked        bool
}

// checkItem is one item of the check's --format json output.
type checkItem struct {
	Application string `json:"application"`
	Flow        string `json:"flow"`
	Expect      string `json:"expect"`
	Verdict     string `json:"verdict"`
	Rule        any    `json:"rule"`
	Witness     any    `json:"witness"`
	// Assumptions are the interface conditions the verdict rests on.
	Assumptions []string `json:"assumptions"`
}

func TestCheckVerdictsMatchKernel(t *testing.T) {
	kerneltest.Need(t)
	bin, why := buildCheck(t)
	if bin == "" {
		t.Logf("check binary not built (%s): comparing the kernel with the hand cases' kernel.txt only", why)
	}
	help := checkHelp(bin)
	cases := handCases(t)
	for seed := *kernelSeed0; seed < *kernelSeed0+uint64(*kernelSeeds); seed++ {
		cases = append(cases, generatedCases(seed)...)
	}
	missing := map[string]bool{}
	for i := range cases {
		if flag := "--" + map[string]string{formIPTables: "iptables", formNFT: "nftables", formIPTablesNFT: "nftables"}[cases[i].form]; bin != "" && !strings.Contains(help, flag) {
			missing[flag] = true
			cases[i].kernelOnly = true
		}
	}
	for flag := range missing {
		t.Logf("check_firewall_flows has no %s yet: those cases are compared with kernel.txt only", flag)
	}
	// Probes mostly wait for timeouts, so a few topologies side by side
	// divide the wall time even on a small machine.
	perCase := make([][]flowResult, len(cases))
	errs := make([]error, len(cases))
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < kernelWorkers; w++ {
		tp := kerneltest.New(t, kerneltest.Ports)
		dir := t.TempDir()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				caseBin := bin
				if cases[i].kernelOnly {
					caseBin = ""
				}
				perCase[i], errs[i] = runCase(t, tp, &cases[i], caseBin, dir, help)
			}
		}()
	}
	for i := range cases {
		next <- i
	}
	close(next)
	wg.Wait()
	var results []flowResult
	var disagree []flowResult
	for i := range cases {
		c := &cases[i]
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		for _, r := range perCase[i] {
			if want, ok := c.want[r.flow]; ok && want != r.kernel {
				t.Errorf("%s (%s): flow %s: the kernel shows %s (%d/%d open; failed e.g. %s), kernel.txt says %s (the case does not test what it claims)",
					c.name, c.form, r.flow, r.kernel, r.open, r.total, strings.Join(r.failed, "; "), want)
			}
			switch {
			case !r.checked || r.check.Verdict == r.kernel:
			case c.form != formIPTablesNFT && len(r.check.Assumptions) > 0:
				// From a file, without --in-iface/--out-iface, the check
				// cannot know the interfaces: it says what it assumed. Live
				// (iptables>nft-json) it reads them from the routes: strict.
				t.Logf("%s (%s): flow %s: %s on assumptions %q, the kernel shows %s", c.name, c.form, r.flow, r.check.Verdict, r.check.Assumptions, r.kernel)
			default:
				disagree = append(disagree, r)
			}
		}
		results = append(results, perCase[i]...)
	}
	summarize(t, results)
	if len(disagree) > 0 {
		t.Errorf("check_firewall_flows disagrees with the kernel on %d of %d flows:\n%s", len(disagree), len(results), table(disagree))
		seen := map[*kernelCase]bool{}
		for _, r := range disagree {
			if !seen[r.c] && len(seen) < 5 {
				seen[r.c] = true
				t.Logf("ruleset %s (%s):\n%s", r.c.name, r.c.form, r.c.text)
			}
		}
	}
	if bin == "" {
		testenv.Need(t, false, "check_firewall_flows builds ("+why+")")
	}
	for flag := range missing {
		testenv.Need(t, false, "check_firewall_flows "+flag)
	}
}

// checkHelp is the check's --help text, which says which rulesets it reads.
func checkHelp(bin string) string {
	if bin == "" {
		return ""
	}
	out, _ := exec.Command(bin, "--help").CombinedOutput()
	return string(out)
}

// buildCheck builds the check once (proctest); a build failure fails the test.
func buildCheck(t *testing.T) (bin, why string) {
	t.Helper()
	return proctest.Build(t, "check_firewall_flows"), ""
}

func handCases(t *testing.T) []kernelCase {
	t.Helper()
	root := filepath.Join("..", "..", "testdata", "kernel")
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	read := func(dir, name string) string {
		b, err := os.ReadFile(filepath.Join(root, dir, name))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		return string(b)
	}
	var cases []kernelCase
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		name := d.Name()
		flows, err := readFlows(filepath.Join(root, name, "flows.json"))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{}
		for i, line := range strings.Split(read(name, "kernel.txt"), "\n") {
			if f := strings.Fields(line); len(f) == 2 {
				want[f[0]] = f[1]
			} else if len(f) != 0 {
				t.Fatalf("%s/kernel.txt:%d: want \"flow verdict\"", name, i+1)
			}
		}
		v4, v6, nft := read(name, "iptables.rules"), read(name, "ip6tables.rules"), read(name, "ruleset.nft")
		noIfaces := read(name, "no-ifaces") != ""
		if v4+v6 != "" {
			c := kernelCase{name: name, form: formIPTables, v4: v4, v6: v6, flows: flows, want: want, text: v4 + v6, noIfaces: noIfaces}
			cases = append(cases, c)
			c.form = formIPTablesNFT
			cases = append(cases, c)
		}
		if nft != "" {
			cases = append(cases, kernelCase{name: name, form: formNFT, nft: nft, flows: flows, want: want, text: nft, noIfaces: noIfaces})
		}
		if v4+v6+nft == "" {
			t.Fatalf("%s: no iptables.rules, ip6tables.rules or ruleset.nft", name)
		}
	}
	return cases
}

// readFlows reads an AlgoSec flows file of the hand cases, keeping the
// flows' order.
func readFlows(file string) ([]kerneltest.Flow, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Applications []struct {
			Flows json.RawMessage `json:"app_flows"`
		} `json:"applications"`
	}
	if err := json.Unmarshal(b, &doc); err != nil || len(doc.Applications) != 1 {
		return nil, fmt.Errorf("%s: want one application (%v)", file, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(doc.Applications[0].Flows)))
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	var flows []kerneltest.Flow
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", file, err)
		}
		var f kerneltest.Flow
		if err := dec.Decode(&f); err != nil {
			return nil, fmt.Errorf("%s: flow %v: %v", file, tok, err)
		}
		f.Name = tok.(string)
		flows = append(flows, f)
	}
	return flows, nil
}

func generatedCases(seed uint64) []kernelCase {
	rs, srcs, dsts, ports := kerneltest.Generate(seed)
	flows := kerneltest.GenerateFlows(seed, srcs, dsts, ports)
	ipt := kernelCase{name: rs.Name, form: formIPTables, flows: flows, text: rs.IPTables()}
	if rs.IPv6 {
		ipt.v6 = rs.IPTables()
	} else {
		ipt.v4 = rs.IPTables()
	}
	viaNFT := ipt
	viaNFT.form = formIPTablesNFT
	nft := kernelCase{name: rs.Name, form: formNFT, nft: rs.NFT(), flows: flows, text: rs.NFT()}
	cases := []kernelCase{ipt, viaNFT, nft}
	if seed%3 == 2 {
		// nft only: a second base chain on the hook, with a verdict map.
		late := kerneltest.WithLateChain(rs, seed, srcs, dsts, ports)
		cases = append(cases, kernelCase{name: late.Name, form: formNFT, nft: late.NFT(), flows: flows, text: late.NFT()})
	}
	return cases
}

// runCase loads the case into the router, runs the check on what the
// kernel holds, probes every point, and pairs the answers per flow.
// It runs on a worker goroutine: errors are returned, not fatal.
func runCase(t *testing.T, tp *kerneltest.Topology, c *kernelCase, bin, dir, help string) ([]flowResult, error) {
	var args []string
	switch c.form {
	case formIPTablesNFT:
		// The live host: the check runs inside fw with no ruleset given, so
		// it reads nft -j list ruleset and, for iptables-nft's tables (xt
		// matches), iptables-save and ip6tables-save itself.
		if err := tp.LoadIPTables(c.v4, c.v6); err != nil {
			return nil, fmt.Errorf("%s: %v\n%s", c.name, err, c.text)
		}
	case formIPTables:
		if err := tp.LoadIPTables(c.v4, c.v6); err != nil {
			return nil, fmt.Errorf("%s: %v\n%s", c.name, err, c.text)
		}
		v4, v6, err := tp.IPTablesSave()
		if err != nil {
			return nil, err
		}
		args = append(args, "--iptables", filepath.Join(dir, "iptables-save"))
		if err := os.WriteFile(args[len(args)-1], []byte(v4), 0o600); err != nil {
			return nil, err
		}
		if c.v6 != "" {
			args = append(args, ip6Flag(help), filepath.Join(dir, "ip6tables-save"))
			if err := os.WriteFile(args[len(args)-1], []byte(v6), 0o600); err != nil {
				return nil, err
			}
		}
	case formNFT:
		if err := tp.LoadNFT(c.nft); err != nil {
			return nil, fmt.Errorf("%s: %v\n%s", c.name, err, c.text)
		}
		js, err := tp.NFTJSON()
		if err != nil {
			return nil, err
		}
		args = append(args, "--nftables", filepath.Join(dir, "nft.json"))
		if err := os.WriteFile(args[len(args)-1], []byte(js), 0o600); err != nil {
			return nil, err
		}
	}

	var points []kerneltest.Point
	spans := make([][2]int, len(c.flows))
	for i, f := range c.flows {
		pts, err := f.Points()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", c.name, err)
		}
		spans[i] = [2]int{len(points), len(points) + len(pts)}
		points = append(points, pts...)
	}
	ok, why, err := tp.Probe(points)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", c.name, err)
	}

	items := map[string]checkItem{}
	if bin != "" {
		flows := filepath.Join(dir, "flows.json")
		if err := os.WriteFile(flows, []byte(flowsJSON(c)), 0o600); err != nil {
			return nil, err
		}
		args = append(args, "--flows", flows, "--hook", "forward", "--format", "json")
		if strings.Contains(help, "--in-iface") && !c.noIfaces {
			args = append(args, "--in-iface", kerneltest.FWSrcIface, "--out-iface", kerneltest.FWDstIface)
		}
		if c.form == formIPTablesNFT {
			items = runCheck(t, "ip", c, append([]string{"netns", "exec", tp.FW, bin}, args...))
		} else {
			items = runCheck(t, bin, c, args)
		}
	}

	var out []flowResult
	for i, f := range c.flows {
		r := flowResult{c: c, flow: f.Name}
		for j := spans[i][0]; j < spans[i][1]; j++ {
			r.total++
			p := points[j].String()
			if ok[j] {
				r.open++
				if len(r.passed) < 3 {
					r.passed = append(r.passed, p)
				}
			} else if len(r.failed) < 3 {
				r.failed = append(r.failed, p+" ("+shortError(why[j])+")")
			}
		}
		switch r.open {
		case r.total:
			r.kernel = "allowed"
		case 0:
			r.kernel = "blocked"
		default:
			r.kernel = "partial"
		}
		if bin != "" {
			r.check, r.checked = items[f.Name], true
			if r.check.Verdict == "" {
				r.check.Verdict = "(missing)"
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// ip6Flag is the check's flag for ip6tables-save output: --ip6tables when
// its help lists one, else a second --iptables.
func ip6Flag(help string) string {
	if strings.Contains(help, "--ip6tables") {
		return "--ip6tables"
	}
	return "--iptables"
}

// flowsJSON writes the case's flows in AlgoSec's format, one application
// named after the case.
func flowsJSON(c *kernelCase) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{\"applications\": [{\"app_name\": %q, \"app_flows\": {\n", c.name)
	for i, f := range c.flows {
		js, _ := json.Marshal(f)
		sep := ","
		if i == len(c.flows)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  %q: %s%s\n", f.Name, js, sep)
	}
	b.WriteString("}}]}\n")
	return b.String()
}

func runCheck(t *testing.T, bin string, c *kernelCase, args []string) map[string]checkItem {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out, err := cmd.Output()
	if *kernelVerbose {
		t.Logf("%v\n%s", args, out)
	}
	var res struct {
		Status  string      `json:"status"`
		Summary string      `json:"summary"`
		Items   []checkItem `json:"items"`
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Errorf("%s (%s): check output is not JSON (%v, exit %v): %s %s", c.name, c.form, jerr, err, out, stderr)
		return nil
	}
	items := map[string]checkItem{}
	for _, it := range res.Items {
		items[it.Flow] = it
	}
	if len(items) == 0 {
		t.Errorf("%s (%s): no items; status %s: %s", c.name, c.form, res.Status, res.Summary)
	}
	return items
}

func shortError(s string) string {
	switch {
	case strings.Contains(s, "refused"):
		return "refused"
	case strings.Contains(s, "reset"):
		return "reset"
	case strings.Contains(s, "after handshake"):
		return "handshake, then silence"
	case strings.Contains(s, "timeout"):
		return "timeout"
	}
	return s
}

func summarize(t *testing.T, results []flowResult) {
	count := map[string]int{}
	rulesets := map[string]bool{}
	checked := map[string]int{}
	for _, r := range results {
		count[r.kernel]++
		rulesets[r.c.name+"/"+r.c.form] = true
		if r.checked {
			checked[r.c.form]++
		}
	}
	t.Logf("%d rulesets, %d flows: kernel says %d allowed, %d blocked, %d partial; the check judged %d (iptables) + %d (nft) + %d (iptables read through nft -j) of them",
		len(rulesets), len(results), count["allowed"], count["blocked"], count["partial"],
		checked[formIPTables], checked[formNFT], checked[formIPTablesNFT])
}

// table lays out the disagreements, one flow a line.
func table(rs []flowResult) string {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].c.name < rs[j].c.name })
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "RULESET\tFORM\tFLOW\tCHECK\tKERNEL\tOPEN\tCONNECTED e.g.\tFAILED e.g.\tCHECK RULE / WITNESS")
	for _, r := range rs {
		rule, _ := json.Marshal(r.check.Rule)
		wit, _ := json.Marshal(r.check.Witness)
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\t%s %s\n", r.c.name, r.c.form, r.flow,
			r.check.Verdict, r.kernel, r.open, r.total, strings.Join(r.passed, "; "),
			strings.Join(r.failed, "; "), rule, wit)
	}
	w.Flush()
	return b.String()
}
