// Command checkupdate prints what package rpm computes for a root, in the
// shape of `dnf -C check-update`: one "name.arch evr repo" line per pending
// update, then held ones and security flags. It is the whole-process side
// of the benchmark against dnf, and a way to compare with dnf by hand on a
// real host: checkupdate / versus dnf -C check-update.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/rpm"
)

func main() {
	root := "/"
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	s, ok, err := rpm.Load(context.Background(), root, rpm.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	if !ok {
		fmt.Fprintln(os.Stderr, "no rpmdb under", root)
		os.Exit(3)
	}
	refresh := "dnf makecache"
	if s.Zypp != nil {
		refresh = "zypper refresh"
	}
	for _, r := range s.Unfetched() {
		fmt.Printf("# repo %s: no metadata cache (run %s)\n", r.ID, refresh)
	}
	for _, r := range s.WithoutUpdateinfo() {
		fmt.Printf("# repo %s: publishes no updateinfo\n", r.ID)
	}
	for _, u := range s.Updates() {
		var notes []string
		if u.Held {
			notes = append(notes, "held by "+u.HeldBy)
		}
		if u.ReplacedBy != "" {
			notes = append(notes, "replaced by "+u.ReplacedBy)
		}
		if u.Security {
			notes = append(notes, fmt.Sprintf("security %s %s", u.Severity, strings.Join(u.Advisories, ",")))
		}
		line := fmt.Sprintf("%s.%s %s %s", u.Package, u.CandidateArch, u.Candidate, u.Origin)
		if len(notes) > 0 {
			line += " # " + strings.Join(notes, "; ")
		}
		fmt.Println(line)
	}
}
