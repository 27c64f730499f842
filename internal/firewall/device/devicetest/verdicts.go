package devicetest

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Load reads testdata/NAME (for example "asa/asa.cfg") with a reader's
// ReadFile.
func Load[C any](t testing.TB, readFile func(path string) (C, error), name string) C {
	t.Helper()
	c, err := readFile(Root + name)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Device is a reader's configuration as the verdict tables judge it: the
// path it chooses for a flow, and its engine on a path.
type Device interface {
	Path(from, to string, src, dst firewall.AddrSet) (device.Path, error)
	Engine(path device.Path) (*firewall.Engine, error)
}

// Case is one row of a verdict table: a flow written as text (see Flow),
// the ends of its path where the row names them (else the device chooses
// them), the verdict, and text the deciding rule (Deciding) contains.
type Case struct {
	Name, Src, Dst, Svc string
	From, To            string
	Verdict, Rule       string
}

// Verdicts judges each case's flow through d, a subtest each, on the path
// d chooses from the case's ends and the flow's addresses.
func Verdicts(t *testing.T, d Device, cases []Case) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			f := Flow(t, tc.Src, tc.Dst, tc.Svc)
			p, err := d.Path(tc.From, tc.To, f.Src, f.Dst)
			if err != nil {
				t.Fatal(err)
			}
			en, err := d.Engine(p)
			if err != nil {
				t.Fatal(err)
			}
			j := Judge(en, f)
			if got := string(j.Verdict()); got != tc.Verdict || !strings.Contains(Deciding(j), tc.Rule) {
				t.Errorf("%s by %q, want %s by %q", got, Deciding(j), tc.Verdict, tc.Rule)
			}
		})
	}
}

// FuzzSpace is what the readers' fuzz targets judge: TCP from 10.0.0.0/8
// to anywhere.
var FuzzSpace = firewall.Space{Family: firewall.FamilyIPv4, Proto: firewall.ProtoTCP,
	Src: firewall.MustPrefixSet("10.0.0.0/8"), Dst: firewall.MustPrefixSet("0.0.0.0/0"),
	SrcPorts: firewall.Ports(1024, 65535), DstPorts: firewall.Ports(1, 1000)}

// Seed adds the files testdata/DIR/NAME to f's corpus.
func Seed(f *testing.F, dir string, names ...string) {
	f.Helper()
	for _, name := range names {
		b, err := os.ReadFile(Root + dir + "/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// Fuzz is the body of a reader's fuzz target: any input is read (as file)
// or refused with an error, and engines, given what was read, builds its
// engines and hands each to judge, which judges FuzzSpace on it without a
// panic (an engine not built fails the target).
func Fuzz[C any](f *testing.F, file string, read func(file string, data []byte) (C, error), engines func(c C, judge func(*firewall.Engine, error))) {
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := read(file, data)
		if err != nil {
			return
		}
		engines(c, func(en *firewall.Engine, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			en.Judge(FuzzSpace)
		})
	})
}

// Refusal is an input a reader refuses, and text its error must contain.
type Refusal struct{ Name, Text, Want string }

// Refuses checks that read refuses each input (as file) with a
// located.Error that names file, contains the case's Want and does not
// quote the input's "root:x" line; and that readFile refuses /dev/zero,
// which stats as size 0, at its bound in bytes.
func Refuses[C any](t *testing.T, file string, read func(file string, data []byte) (C, error), readFile func(path string) (C, error), cases []Refusal) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			_, err := read(file, []byte(tc.Text))
			var le *located.Error
			if err == nil || !errors.As(err, &le) || !strings.Contains(err.Error(), tc.Want) || le.File != file {
				t.Fatalf("%v, want a located error naming %s with %q", err, file, tc.Want)
			}
			if strings.Contains(err.Error(), "root:x") {
				t.Error("the message quotes the file")
			}
		})
	}
	if _, err := readFile("/dev/zero"); err == nil || !strings.Contains(err.Error(), "MiB") {
		t.Errorf("/dev/zero: %v", err)
	}
}
