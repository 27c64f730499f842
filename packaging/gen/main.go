// Command gen writes the files packaging derives from the checks' flags: the
// Icinga 2 CheckCommands (committed, and compared by packaging's tests) and
// the gzipped man pages (built into the dist tree by `make man`).
//
//	go run ./packaging/gen [-icinga2 FILE] [-man DIR]
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/guardrail-monitoring/guardrail/internal/checks"
	"github.com/guardrail-monitoring/guardrail/internal/icinga2conf"
	"github.com/guardrail-monitoring/guardrail/internal/manpage"
)

func main() {
	icinga := flag.String("icinga2", "packaging/icinga2/guardrail.conf", "write the Icinga 2 CheckCommands to `FILE` (empty: skip)")
	man := flag.String("man", "", "write check_*.1.gz man pages into `DIR` (empty: skip)")
	flag.Parse()
	if err := run(*icinga, *man); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(icingaFile, manDir string) error {
	specs := checks.All()
	if icingaFile != "" {
		conf, err := icinga2conf.Render(specs)
		if err != nil {
			return err
		}
		if err := os.WriteFile(icingaFile, []byte(conf), 0o644); err != nil {
			return err
		}
	}
	if manDir != "" {
		if err := os.MkdirAll(manDir, 0o755); err != nil {
			return err
		}
		for _, s := range specs {
			gz, err := manpage.Gzipped(s)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(manDir, s.Name+".1.gz"), gz, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}
