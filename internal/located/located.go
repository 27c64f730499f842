// Package located is the one error type for a problem at a place in an input
// file (file, line, key) and the one bounded way to read such a file, so that
// every check names places the same way and no input can be read without end.
package located

import (
	"errors"
	"fmt"
	"strings"
)

// Error is a problem at a place in an input file. Kind says what the file is
// for ("policy", "flows", "iptables", ...); Line and Key are optional.
type Error struct {
	Kind string
	File string
	Line int
	Key  string // dotted schema path, e.g. security_updates.sla.critical_days
	Msg  string
	Err  error // the cause, for errors.Is / errors.As
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Kind != "" {
		b.WriteString(e.Kind)
		if e.File != "" {
			b.WriteByte(' ')
		}
	}
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ", line %d", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ", key %s", e.Key)
	}
	msg := e.Msg
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if msg != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(msg)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// As returns err's *Error, if it has one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
