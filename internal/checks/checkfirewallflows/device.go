package checkfirewallflows

import (
	"fmt"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/awsnacl"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/device"
)

// Device is a firewall device's configuration as gather read it: the way
// each flow takes through it and the engine of each way. Its functions
// do no I/O.
type Device struct {
	// Source names the configuration for the long output.
	Source string
	// Notes are the reader's notes on lines it did not understand, with
	// the file they are in.
	Notes []FileNote
	route func(src, dst firewall.AddrSet) (Route, error)
	judge func(Route) (*firewall.Engine, error)
}

// FileNote is a reader's note on a line of File.
type FileNote struct {
	File string
	device.Note
}

// Route is a flow's way through a device: its ingress and egress
// (interfaces or zones), or on AWS its two network interfaces. Equal
// routes share one engine.
type Route struct {
	Path device.Path
	NACL awsnacl.Path
	// Zones: Path names zones, not interfaces.
	Zones bool
}

func (r Route) String() string {
	if r.NACL != (awsnacl.Path{}) {
		return naclEnd(r.NACL.Src) + " → " + naclEnd(r.NACL.Dst)
	}
	if r.Path == (device.Path{}) {
		return ""
	}
	what := "interface"
	if r.Zones {
		what = "zone"
	}
	return fmt.Sprintf("%s %s → %s", what, r.Path.From, r.Path.To)
}

func naclEnd(e awsnacl.End) string {
	if e.Interface == nil {
		return "outside the interfaces listed"
	}
	return fmt.Sprintf("%s (%s)", e.Interface.ID, e.Interface.Subnet)
}

// String is the note as the long output shows it: file:line, what, and
// whether it can change a verdict.
func (n FileNote) String() string {
	return fmt.Sprintf("%s:%d: %s", n.File, n.Line, strings.TrimPrefix(n.Note.String(), fmt.Sprintf("line %d: ", n.Line)))
}
