// check_os_version judges OS versions of this host, a network device or a
// fleet against the guardrail policy (see internal/command/osversion).
package main

import (
	"os"

	"github.com/guardrail-monitoring/guardrail/internal/checks/checkosversion"
	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

func main() {
	os.Exit(plugin.Main(checkosversion.Spec(), os.Args, os.Stdout, os.Stderr))
}
