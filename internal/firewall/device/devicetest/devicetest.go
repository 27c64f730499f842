// Package devicetest holds what the device readers' tests share: judging
// a flow written as text through the real engine, verdict tables
// (Verdicts), refused inputs (Refuses), the body and seeds of a reader's
// fuzz target (Fuzz, Seed), the timing of a synthetic configuration
// (Bench, UnderASecond), and the equivalence cases of
// testdata/kernel/vendor-* (an iptables ruleset the kernel harness
// proves, and the same policy in each vendor's form).
package devicetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/iptables"
	"github.com/guardrail-monitoring/guardrail/internal/flows"
	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

// Root is testdata/ seen from a reader package's folder.
const Root = "../../../testdata/"

// Flow resolves one flow given as text: sources and destinations are
// comma-separated addresses or CIDRs, services like "tcp/443,udp/53".
func Flow(t testing.TB, src, dst, svc string) flows.Flow {
	t.Helper()
	f := flows.Flow{App: "test", Name: src + " → " + dst + " " + svc, SrcPorts: flows.DefaultEphemeral}
	for _, s := range strings.Split(src, ",") {
		a, ok, err := flows.ParseAddrs(s)
		if !ok || err != nil {
			t.Fatalf("source %q: %v", s, err)
		}
		f.Src = f.Src.Union(a)
	}
	for _, s := range strings.Split(dst, ",") {
		a, ok, err := flows.ParseAddrs(s)
		if !ok || err != nil {
			t.Fatalf("destination %q: %v", s, err)
		}
		f.Dst = f.Dst.Union(a)
	}
	for _, s := range strings.Split(svc, ",") {
		sv, ok, err := flows.ParseService(s)
		if !ok || err != nil {
			t.Fatalf("service %q: %v", s, err)
		}
		f.Services = append(f.Services, sv...)
	}
	return f
}

// Judge is flows.Judge, the check's own: the verdict tables judge as it does.
func Judge(en *firewall.Engine, f flows.Flow) firewall.Judgement { return flows.Judge(en, f) }

// Deciding is the rule behind a judgement's verdict (its witness's).
func Deciding(j firewall.Judgement) string {
	if j.Verdict() == firewall.Partial {
		return j.Closed.Rule
	}
	if w := j.Witness(j.Verdict()); w != nil {
		return w.Rule + " " + w.Reason
	}
	return ""
}

// Equivalence is one kernel case of the vendor tests: its flows, what the
// kernel shows for each, and the iptables form's engine.
type Equivalence struct {
	Flows  []flows.Flow
	Kernel map[string]string
	Engine *firewall.Engine
}

// Kernel interface names of testdata/kernel's topology.
const (
	SrcIface = "to-src"
	DstIface = "to-dst"
)

// LoadEquivalence reads testdata/kernel/NAME.
func LoadEquivalence(t testing.TB, name string) Equivalence {
	t.Helper()
	dir := filepath.Join(Root, "kernel", name)
	read := func(f string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	pf, err := policy.ParseFlows("flows.json", read("flows.json"))
	if err != nil {
		t.Fatal(err)
	}
	fl, err := flows.Resolve("flows", "flows.json", pf.Applications, flows.NewNames(pf), flows.DefaultEphemeral)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, line := range strings.Split(string(read("kernel.txt")), "\n") {
		if f := strings.Fields(line); len(f) == 2 {
			want[f[0]] = f[1]
		}
	}
	rs, err := iptables.Parse("iptables.rules", read("iptables.rules"), firewall.FamilyIPv4)
	if err != nil {
		t.Fatal(err)
	}
	en, err := firewall.NewEngine(rs, firewall.HookForward)
	if err != nil {
		t.Fatal(err)
	}
	en.SetInterfaces(firewall.Interfaces{In: SrcIface, Out: DstIface})
	return Equivalence{Flows: fl, Kernel: want, Engine: en}
}

// Check compares a vendor engine's verdicts with the iptables form's and
// the kernel's, flow by flow.
func (e Equivalence) Check(t *testing.T, vendor string, en *firewall.Engine) {
	t.Helper()
	if len(e.Flows) == 0 {
		t.Fatal("no flows")
	}
	for _, f := range e.Flows {
		ipt := string(Judge(e.Engine, f).Verdict())
		got := string(Judge(en, f).Verdict())
		if ipt != e.Kernel[f.Name] {
			t.Errorf("flow %s: the iptables form gives %s, kernel.txt says %s", f.Name, ipt, e.Kernel[f.Name])
		}
		if got != ipt {
			t.Errorf("flow %s: %s gives %s, the iptables form %s (%s)", f.Name, vendor, got, ipt, Deciding(Judge(en, f)))
		}
	}
}
