package packaging

import (
	"strings"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/checks"
	"github.com/guardrail-monitoring/guardrail/internal/manpage"
)

// Every check's man page names the check and documents each of its flags.
func TestManPagesCoverEveryFlag(t *testing.T) {
	for _, s := range checks.All() {
		page, err := manpage.Roff(s)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(page, ".TH "+s.Name+" 1") || !strings.Contains(page, s.Name+` \- `) {
			t.Errorf("%s: man page header:\n%.200s", s.Name, page)
		}
		for _, f := range s.Flags {
			if name := f.Names()[0]; !strings.Contains(page, `\fB\-\-`+name) {
				t.Errorf("%s: man page lacks --%s", s.Name, name)
			}
		}
	}
}
