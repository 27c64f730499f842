package apt

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// aptConfLimit bounds one apt.conf file; real ones are a few KiB.
var aptConfLimit = located.Limit{Kind: "apt.conf", Bytes: 1 << 20}

// maxIncludeDepth stops an #include loop.
const maxIncludeDepth = 8

// confDefaults are the values of apt's pkgInitConfig for the settings the
// check reads: paths relative to their parent, as apt keeps them.
var confDefaults = [][2]string{
	{"Dir", "/"},
	{"Dir::State", "var/lib/apt/"},
	{"Dir::State::lists", "lists/"},
	{"Dir::State::status", "/var/lib/dpkg/status"},
	{"Dir::Etc", "etc/apt/"},
	{"Dir::Etc::sourcelist", "sources.list"},
	{"Dir::Etc::sourceparts", "sources.list.d"},
	{"Dir::Etc::main", "apt.conf"},
	{"Dir::Etc::parts", "apt.conf.d"},
	{"Dir::Etc::preferences", "preferences"},
	{"Dir::Etc::preferencesparts", "preferences.d"},
}

// newConfig is apt's configuration before any file is read.
func newConfig() *Config {
	c := &Config{}
	for _, kv := range confDefaults {
		c.set(kv[0], kv[1])
	}
	return c
}

// readConfig reads the system's apt.conf as apt's ReadConfigFiles does:
// the parts directory first (files named like "70debconf" or "x.conf", in
// name order), then the main file; both found through Dir::Etc, the main
// file after the parts have had their say. APT_CONFIG is not read: the
// check is not apt's caller.
func readConfig(root string) (*Config, error) {
	c := newConfig()
	dir := c.File(root, "Dir::Etc::parts")
	names, err := partNames(dir, "", ".conf") // apt ignores other extensions (.dpkg-old, .ucf-dist, .disabled)
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if err := c.readFile(filepath.Join(dir, n), root, 0); err != nil {
			return nil, err
		}
	}
	main := c.File(root, "Dir::Etc::main")
	if st, err := os.Stat(main); err == nil && !st.IsDir() {
		if err := c.readFile(main, root, 0); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// File is apt's FindFile: a relative value is under its parent's value
// (Dir::State::lists under Dir::State under Dir), an absolute one stands
// alone; the result is placed under root.
func (c *Config) File(root, key string) string {
	parts := strings.Split(key, "::")
	val := c.String(key, "")
	for i := len(parts) - 1; i > 0; i-- {
		if strings.HasPrefix(val, "/") || strings.HasPrefix(val, "./") || strings.HasPrefix(val, "../") || strings.HasPrefix(val, "~/") {
			break
		}
		parent := c.String(strings.Join(parts[:i], "::"), "")
		if parent == "" {
			continue
		}
		val = strings.TrimSuffix(parent, "/") + "/" + val
	}
	return filepath.Join(root, path.Clean("/"+val))
}

func (c *Config) readFile(file, root string, depth int) error {
	b, err := located.ReadFile(file, aptConfLimit)
	if err != nil {
		return err
	}
	return c.parse(string(b), file, root, depth)
}

// confToken is a word, a quoted string or one of "{", "}", ";".
type confToken struct {
	text   string
	quoted bool
	line   int
}

// tokens splits apt.conf text, dropping //, /* */ and # comments (but not
// #clear and #include, which are directives).
func confTokens(text, file string) ([]confToken, error) {
	var out []confToken
	line := 1
	for i := 0; i < len(text); {
		ch := text[i]
		switch {
		case ch == '\n':
			line++
			i++
		case ch == ' ' || ch == '\t' || ch == '\r':
			i++
		case strings.HasPrefix(text[i:], "//"):
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case strings.HasPrefix(text[i:], "/*"):
			start := line
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				return nil, confErr(file, start, "comment /* not closed")
			}
			line += strings.Count(text[i:i+2+end], "\n")
			i += end + 4
		case ch == '#' && !strings.HasPrefix(text[i:], "#clear") && !strings.HasPrefix(text[i:], "#include"):
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case ch == '{' || ch == '}' || ch == ';':
			out = append(out, confToken{text: string(ch), line: line})
			i++
		case ch == '"':
			end := strings.IndexByte(text[i+1:], '"')
			if end < 0 {
				return nil, confErr(file, line, "quote not closed")
			}
			s := text[i+1 : i+1+end]
			if strings.Contains(s, "\n") {
				return nil, confErr(file, line, "quoted value runs past the end of the line")
			}
			out = append(out, confToken{text: s, quoted: true, line: line})
			i += end + 2
		default:
			j := i
			for j < len(text) && !strings.ContainsRune(" \t\r\n{};\"", rune(text[j])) && !strings.HasPrefix(text[j:], "//") && !strings.HasPrefix(text[j:], "/*") {
				j++
			}
			out = append(out, confToken{text: text[i:j], line: line})
			i = j
		}
	}
	return out, nil
}

func confErr(file string, line int, format string, a ...any) error {
	return &located.Error{Kind: "apt.conf", File: file, Line: line, Msg: fmt.Sprintf(format, a...)}
}

// parse applies one file's statements: "Tag value;", "Tag { ... };",
// "value;" (a list item inside a block), "#clear Tag;", "#include file;".
func (c *Config) parse(text, file, root string, depth int) error {
	toks, err := confTokens(text, file)
	if err != nil {
		return err
	}
	var scope []string
	key := func(tag string) string {
		return strings.Join(append(append([]string{}, scope...), tag), "::")
	}
	var words []confToken
	for _, t := range toks {
		if t.quoted || (t.text != "{" && t.text != "}" && t.text != ";") {
			words = append(words, t)
			if len(words) > 2 && !(len(words) == 3 && words[0].text == "#include") {
				return confErr(file, t.line, "more than a tag and a value before ';'")
			}
			continue
		}
		switch t.text {
		case "{":
			if len(words) != 1 || words[0].quoted {
				return confErr(file, t.line, "'{' must follow exactly one tag")
			}
			scope = append(scope, strings.Trim(words[0].text, ":"))
			words = words[:0]
		case "}":
			if len(words) != 0 {
				return confErr(file, t.line, "missing ';' before '}'")
			}
			if len(scope) == 0 {
				return confErr(file, t.line, "'}' without '{'")
			}
			scope = scope[:len(scope)-1]
		case ";":
			switch {
			case len(words) == 0:
				// "};" or a stray ';'
			case words[0].text == "#clear" && !words[0].quoted:
				if len(words) != 2 {
					return confErr(file, t.line, "#clear needs one tag")
				}
				c.clear(key(words[1].text))
			case words[0].text == "#include" && !words[0].quoted:
				if len(words) != 2 {
					return confErr(file, t.line, "#include needs one file")
				}
				if depth >= maxIncludeDepth {
					return confErr(file, t.line, "#include nested deeper than %d", maxIncludeDepth)
				}
				inc := words[1].text
				if !strings.HasPrefix(inc, "/") {
					inc = filepath.Join(filepath.Dir(file), inc)
				} else {
					inc = filepath.Join(root, inc)
				}
				if err := c.readFile(inc, root, depth+1); err != nil {
					return err
				}
			case len(words) == 1:
				if len(scope) == 0 && !words[0].quoted {
					return confErr(file, words[0].line, "tag %q has no value", clip([]byte(words[0].text)))
				}
				c.appendItem(strings.Join(scope, "::"), words[0].text) // a list item
			case words[0].quoted:
				return confErr(file, words[0].line, "a tag cannot be quoted")
			default:
				c.set(key(words[0].text), words[1].text)
			}
			words = words[:0]
		}
	}
	if len(words) > 0 {
		return confErr(file, words[0].line, "statement without ';' at the end of the file")
	}
	if len(scope) > 0 {
		return confErr(file, toks[len(toks)-1].line, "block %s not closed with '}'", strings.Join(scope, "::"))
	}
	return nil
}

func (c *Config) appendItem(key, value string) {
	if c.values == nil {
		c.values = map[string][]string{}
	}
	k := strings.ToLower(key) + "::"
	c.values[k] = append(c.values[k], value)
}

// clear is #clear: the key and everything under it.
func (c *Config) clear(key string) {
	k := strings.ToLower(key)
	for name := range c.values {
		if name == k || strings.HasPrefix(name, k+"::") {
			delete(c.values, name)
		}
	}
}
