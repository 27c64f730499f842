// Package command lists every guardrail check, so that packaging (man pages,
// the Icinga 2 CheckCommands, the NRPE tests) covers each check and each flag
// without a second list to keep in step.
package checks

import (
	"github.com/guardrail-monitoring/guardrail/internal/checks/checkfirewallflows"
	"github.com/guardrail-monitoring/guardrail/internal/checks/checkosversion"
	"github.com/guardrail-monitoring/guardrail/internal/checks/checksecurityupdates"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

// All returns the Spec of every check binary under checks/, in a fixed order.
func All() []plugin.Spec {
	return []plugin.Spec{
		checksecurityupdates.Spec(),
		checkosversion.Spec(),
		checkfirewallflows.Spec(),
	}
}
