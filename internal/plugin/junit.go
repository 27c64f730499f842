package plugin

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// junitMarker opens every JUnit file we write, so --output recognises a
// file of ours before replacing it.
const junitMarker = xml.Header + "<!-- guardrail"

// The JUnit XML shape GitLab, Jenkins and GitHub read: testsuites, one
// testsuite, testcases, each with at most one failure, error or skipped,
// and the counts in the attributes.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name    string        `xml:"name,attr"`
	Class   string        `xml:"classname,attr"`
	Failure *junitProblem `xml:"failure"`
	Error   *junitProblem `xml:"error"`
	Skipped *junitProblem `xml:"skipped"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",cdata"`
}

// writeJUnit writes r as one test suite: a "status" case for the check's
// own state (failing on WARNING and CRITICAL, an error on UNKNOWN, with the
// summary and long output), then one case per item that reads as one.
func writeJUnit(w io.Writer, check string, r Result) error {
	status := junitCase{Name: "status", Class: check}
	text := make([]string, 0, len(r.Long))
	for _, l := range r.Long {
		text = append(text, oneLine(l))
	}
	problem := &junitProblem{Message: StatusText(r.Status) + ": " + oneLine(r.Summary), Type: StatusText(r.Status), Text: strings.Join(text, "\n")}
	switch r.Status {
	case OK:
	case Warning, Critical:
		status.Failure = problem
	default:
		status.Error = problem
	}
	suite := junitSuite{Name: check, Cases: []junitCase{status}}
	for _, it := range itemsOf(r.Items) {
		t, ok := it.(Tested)
		if !ok {
			continue
		}
		tc := t.TestCase()
		c := junitCase{Name: oneLine(tc.Name), Class: check}
		if tc.Class != "" {
			c.Class = check + "." + oneLine(tc.Class)
		}
		p := &junitProblem{Message: oneLine(tc.Message)}
		switch {
		case tc.Failure:
			c.Failure = p
		case tc.Skipped:
			c.Skipped = p
		}
		suite.Cases = append(suite.Cases, c)
	}
	for _, c := range suite.Cases {
		suite.Tests++
		switch {
		case c.Failure != nil:
			suite.Failures++
		case c.Error != nil:
			suite.Errors++
		case c.Skipped != nil:
			suite.Skipped++
		}
	}
	out := junitSuites{Name: check, Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Skipped: suite.Skipped, Suites: []junitSuite{suite}}
	data, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding JUnit XML: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s %s -->\n%s\n", junitMarker, check, data)
	return err
}
