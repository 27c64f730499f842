package nftables

import (
	"encoding/json"
	"sort"
	"strings"
)

// renderRule writes a rule's expressions back in nft's syntax, roughly, for
// the labels people read in the check's output.
func renderRule(exprs []any) string {
	var parts []string
	for _, e := range exprs {
		parts = append(parts, renderStatement(e))
	}
	return strings.Join(parts, " ")
}

func renderStatement(e any) string {
	st, ok := e.(object)
	if !ok {
		return render(e)
	}
	for key, body := range st {
		b, _ := body.(object)
		switch key {
		case "match":
			op, _ := str(b, "op")
			l, r := render(b["left"]), render(b["right"])
			if op == "" || op == "==" || op == "in" {
				return l + " " + r
			}
			return l + " " + op + " " + r
		case "accept", "drop", "continue", "return", "masquerade", "notrack", "redirect", "queue", "counter", "log", "limit":
			return key
		case "jump", "goto":
			t, _ := str(b, "target")
			return key + " " + t
		case "reject":
			return "reject"
		case "dnat", "snat":
			s := key + " to " + render(b["addr"])
			if p, ok := b["port"]; ok {
				s += ":" + render(p)
			}
			return s
		case "vmap":
			return render(b["key"]) + " vmap " + render(b["data"])
		case "mangle":
			return render(b["key"]) + " set " + render(b["value"])
		case "xt":
			n, _ := str(b, "name")
			return "xt " + n
		}
		return key
	}
	return ""
}

// render writes an expression in nft's syntax, roughly.
func render(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return string(x)
	case bool:
		if x {
			return "true"
		}
		return "false"
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, render(e))
		}
		return strings.Join(parts, ",")
	case object:
		if len(x) != 1 {
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return "{" + strings.Join(keys, ",") + "}"
		}
		for k, b := range x {
			o, _ := b.(object)
			switch k {
			case "payload":
				pr, _ := str(o, "protocol")
				f, _ := str(o, "field")
				if pr == "" {
					return "@payload"
				}
				return pr + " " + f
			case "meta":
				key, _ := str(o, "key")
				return "meta " + key
			case "ct":
				key, _ := str(o, "key")
				if d, ok := str(o, "dir"); ok {
					return "ct " + d + " " + key
				}
				return "ct " + key
			case "fib":
				result, _ := str(o, "result")
				flags, _ := o["flags"].([]any)
				var fs []string
				for _, f := range flags {
					fs = append(fs, render(f))
				}
				return "fib " + strings.Join(fs, " . ") + " " + result
			case "prefix":
				return render(o["addr"]) + "/" + render(o["len"])
			case "range":
				if r, ok := b.([]any); ok && len(r) == 2 {
					return render(r[0]) + "-" + render(r[1])
				}
			case "set":
				if elems, ok := b.([]any); ok {
					var parts []string
					for _, e := range elems {
						if pair, ok := e.([]any); ok && len(pair) == 2 {
							parts = append(parts, render(pair[0])+" : "+renderStatement(pair[1]))
							continue
						}
						parts = append(parts, render(e))
					}
					return "{ " + strings.Join(parts, ", ") + " }"
				}
			case "concat":
				if elems, ok := b.([]any); ok {
					var parts []string
					for _, e := range elems {
						parts = append(parts, render(e))
					}
					return strings.Join(parts, " . ")
				}
			case "elem":
				return render(o["val"])
			}
			return k
		}
	}
	return "?"
}
