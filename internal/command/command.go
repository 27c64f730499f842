// Package command lists every guardrail check, so that packaging (man pages,
// the Icinga 2 CheckCommands, the NRPE tests) covers each check and each flag
// without a second list to keep in step.
package command

import (
	"github.com/guardrail-monitoring/guardrail/internal/command/firewallflows"
	"github.com/guardrail-monitoring/guardrail/internal/command/osversion"
	"github.com/guardrail-monitoring/guardrail/internal/command/securityupdates"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

// All returns the Spec of every check binary under checks/, in a fixed order.
func All() []plugin.Spec {
	return []plugin.Spec{
		securityupdates.Spec(),
		osversion.Spec(),
		firewallflows.Spec(),
	}
}
