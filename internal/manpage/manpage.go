// Package manpage renders a check's man page from the same urfave/cli
// definition that parses its flags, so --help and man(1) never disagree.
package manpage

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"regexp"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

// Roff is the section 1 man page of the check in roff.
func Roff(s plugin.Spec) (string, error) {
	app := s.App(nil)
	app.UsageText = s.Name + " [OPTIONS]"
	page, err := app.ToManWithSection(1)
	if err != nil {
		return "", fmt.Errorf("%s: man page: %w", s.Name, err)
	}
	return tidy(page), nil
}

var shortOption = regexp.MustCompile(`(^|[\s\[|,])-([A-Za-z])`)

// tidy names the options section as man pages do and writes the dashes of
// options as roff minus signs (\-), so they print as ASCII and can be
// copied and searched.
func tidy(page string) string {
	lines := strings.Split(page, "\n")
	for i, l := range lines {
		if l == ".SH GLOBAL OPTIONS" {
			lines[i] = ".SH OPTIONS"
			continue
		}
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			continue
		}
		l = strings.ReplaceAll(l, "--", `\-\-`)
		lines[i] = shortOption.ReplaceAllString(l, `$1\-$2`)
	}
	return strings.Join(lines, "\n")
}

// Gzipped is the man page compressed as Debian wants it: maximum
// compression, no file name and no timestamp, so builds are reproducible.
func Gzipped(s plugin.Spec) ([]byte, error) {
	page, err := Roff(s)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	w, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write([]byte(page)); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
