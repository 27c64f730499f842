package manpage

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/guardrail-monitoring/guardrail/internal/plugin"
)

func TestGzipped(t *testing.T) {
	s := plugin.Spec{Name: "check_demo", Usage: "a demo check", Description: "Reads things.",
		Flags: []cli.Flag{&cli.StringFlag{Name: "root", Value: "/", Usage: "treat `DIR` as /"}}}
	gz, err := Gzipped(s)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Gzipped(s)
	if !bytes.Equal(gz, again) {
		t.Error("two renderings differ: not reproducible")
	}
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	if !r.ModTime.IsZero() || r.Name != "" {
		t.Errorf("gzip header keeps time %v, name %q", r.ModTime, r.Name)
	}
	page, _ := io.ReadAll(r)
	for _, want := range []string{`.TH check_demo 1`, "check_demo \\- a demo check", "Reads things.", "check_demo [OPTIONS]", "\\-\\-root", "\\-\\-timeout, \\-t", "DIR", ".SH OPTIONS"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("man page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(string(page), "COMMAND OPTIONS") {
		t.Errorf("man page shows subcommand usage:\n%s", page)
	}
}
