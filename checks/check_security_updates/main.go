// check_security_updates reports pending (security) package updates on a
// Debian, Ubuntu or RPM (dnf) host, judged against the patch SLA of the guardrail policy.
package main

import (
	"os"

	"github.com/guardrail-monitoring/guardrail/internal/checks/checksecurityupdates"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

func main() {
	os.Exit(plugin.Main(checksecurityupdates.Spec(), os.Args, os.Stdout, os.Stderr))
}
