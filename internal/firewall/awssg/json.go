// Decoding the AWS CLI's JSON: one located error for syntax and type
// problems, and the line of each array element.

package awssg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// decode reads one JSON value into v; errors carry the line.
func decode(file string, data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case len(bytes.TrimSpace(data)) == 0:
			return &located.Error{Kind: "aws-sg", File: file, Msg: "empty input"}
		case errors.As(err, &se):
			return &located.Error{Kind: "aws-sg", File: file, Line: lineAt(data, se.Offset), Msg: "not JSON: " + se.Error()}
		case errors.As(err, &te):
			return &located.Error{Kind: "aws-sg", File: file, Line: lineAt(data, te.Offset), Key: te.Field, Msg: fmt.Sprintf("want %s, not a JSON %s", te.Type, te.Value)}
		}
		return &located.Error{Kind: "aws-sg", File: file, Msg: "not JSON: " + err.Error()}
	}
	if _, err := dec.Token(); err == nil {
		return &located.Error{Kind: "aws-sg", File: file, Line: lineAt(data, dec.InputOffset()), Msg: "more than one JSON value"}
	}
	return nil
}

func lineAt(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// elementLines returns, for each path, the line each element of the
// arrays at that path starts on, in order ("*" in a path stands for every
// element of an array), for messages: the JSON decoder keeps no positions.
// One pass over the tokens for all paths.
func elementLines(data []byte, paths ...[]string) [][]int {
	type frame struct {
		array bool
		key   string // object: the key whose value comes next
		match []int  // per path: the container is at path[:match]; -1: off it
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var stack []frame
	out := make([][]int, len(paths))
	line, last := 1, int64(0)
	for {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		var match []int // of this value
		if n := len(stack); n == 0 {
			match = make([]int, len(paths))
		} else {
			top := &stack[n-1]
			if k, ok := tok.(string); ok && !top.array && top.key == "" {
				top.key = k
				continue
			}
			if tok == json.Delim('}') || tok == json.Delim(']') {
				stack = stack[:n-1]
				continue
			}
			match = make([]int, len(paths))
			for i, path := range paths {
				m := top.match[i]
				switch {
				case m < 0:
					match[i] = -1
				case m == len(path):
					if top.array {
						start := before
						rest := data[start:]
						start += int64(len(rest) - len(bytes.TrimLeft(rest, " \t\r\n,:")))
						line += bytes.Count(data[last:start], []byte("\n"))
						last = start
						out[i] = append(out[i], line)
					}
					match[i] = -1
				case (top.array && path[m] == "*") || (!top.array && path[m] == top.key):
					match[i] = m + 1
				default:
					match[i] = -1
				}
			}
			if !top.array {
				top.key = ""
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{match: match})
		case json.Delim('['):
			stack = append(stack, frame{array: true, match: match})
		}
	}
}

// at is lines[i], or 0 (unknown) past its end.
func at(lines []int, i int) int {
	if i >= 0 && i < len(lines) {
		return lines[i]
	}
	return 0
}
