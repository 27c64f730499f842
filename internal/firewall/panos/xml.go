package panos

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// node is one XML element: its tag, its name attribute (entries), its
// text and children, and the line it starts on.
type node struct {
	tag, name, text string
	line            int
	kids            []*node
}

const maxDepth = 64

// parseXML reads the document into a tree of nodes.
func parseXML(file string, data []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	root := &node{}
	stack := []*node{root}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		line, _ := dec.InputPos()
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				line = se.Line
			}
			return nil, &located.Error{Kind: Kind, File: file, Line: line, Msg: "not XML"}
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) > maxDepth {
				return nil, &located.Error{Kind: Kind, File: file, Line: line, Msg: "elements nested deeper than 64"}
			}
			n := &node{tag: t.Name.Local, line: line}
			for _, a := range t.Attr {
				if a.Name.Local == "name" {
					n.name = a.Value
				}
			}
			top := stack[len(stack)-1]
			top.kids = append(top.kids, n)
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			top := stack[len(stack)-1]
			if len(stack) > 1 && len(top.kids) == 0 {
				top.text += string(t)
			}
		}
	}
	if len(root.kids) != 1 {
		return nil, &located.Error{Kind: Kind, File: file, Msg: "not XML: want one root element"}
	}
	return root.kids[0], nil
}

// child is the first child with the tag, or nil.
func (n *node) child(tag string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.tag == tag {
			return k
		}
	}
	return nil
}

// path follows tags from n ("a/b/c").
func (n *node) path(p string) *node {
	for _, t := range strings.Split(p, "/") {
		n = n.child(t)
	}
	return n
}

// entries are the <entry> children of n.
func (n *node) entries() []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, k := range n.kids {
		if k.tag == "entry" {
			out = append(out, k)
		}
	}
	return out
}

// members are the texts of the <member> children of n.
func (n *node) members() []string {
	if n == nil {
		return nil
	}
	var out []string
	for _, k := range n.kids {
		if k.tag == "member" {
			out = append(out, strings.TrimSpace(k.text))
		}
	}
	return out
}

func (n *node) value() string {
	if n == nil {
		return ""
	}
	return strings.TrimSpace(n.text)
}

// walk calls fn for n and every node under it.
func (n *node) walk(fn func(*node)) {
	fn(n)
	for _, k := range n.kids {
		k.walk(fn)
	}
}
