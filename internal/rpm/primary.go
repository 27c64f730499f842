package rpm

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

const primaryKind = "primary"

// Available is one package a repo offers, the fields dnf decides with.
type Available struct {
	Name      string
	Arch      string
	EVR       EVR
	Obsoletes []Dep
	Repo      string // repo id
	Vendor    string // rpm:vendor, which zypper's updates stick to
}

// NEVRA is name-[epoch:]version-release.arch.
func (p *Available) NEVRA() string { return p.Name + "-" + p.EVR.String() + "." + p.Arch }

// Dep is one rpm:entry of a dependency list: a name and an optional
// version range ("LT", "LE", "EQ", "GE", "GT").
type Dep struct {
	Name  string
	Flags string
	EVR   EVR
}

// Matches says whether the package name-evr satisfies d, as libsolv's
// pool_match_nevr does for obsoletes (by name, not by provides).
func (d Dep) Matches(name string, evr EVR) bool {
	if d.Name != name {
		return false
	}
	if d.Flags == "" {
		return true
	}
	want := d.EVR
	have := evr
	if want.Release == "" {
		have.Release = "" // a range without release covers every release
	}
	c := have.Compare(want)
	switch d.Flags {
	case "LT":
		return c < 0
	case "LE":
		return c <= 0
	case "EQ":
		return c == 0
	case "GE":
		return c >= 0
	case "GT":
		return c > 0
	}
	return false
}

// scanPrimary streams a primary.xml and calls fn for each package that
// keep accepts (by name and obsoletes). Only name, arch, version and
// obsoletes are read. A primary lists thousands of packages of which a
// host has a few hundred installed, so each <package> element is first cut
// out as bytes and its <name> looked at; only the packages kept, and those
// with obsoletes, go through the XML decoder. The document must be the
// shape createrepo_c writes: the <metadata> root, then package elements
// only, as many as its packages attribute says.
func scanPrimary(r io.Reader, file string, keep func(*Available) bool, fn func(*Available) error) error {
	sc := &blockScanner{r: r, buf: make([]byte, 0, 256<<10), line: 1, kind: primaryKind, file: file}
	head, err := sc.untilTag(packageOpen)
	if err != nil {
		return err
	}
	want, closed, err := primaryHeader(head, file)
	if err != nil {
		return err
	}
	if closed {
		if want > 0 {
			return &located.Error{Kind: primaryKind, File: file, Line: sc.line, Key: "metadata.packages",
				Msg: fmt.Sprintf("lists %d packages, the file has none", want)}
		}
		return nil
	}
	count := 0
	for {
		if err := sc.skipSpace(); err != nil {
			return err
		}
		at := sc.line
		if sc.hasPrefix(metadataClose) {
			break
		}
		if !sc.hasPrefix(packageOpen) {
			if sc.eof && sc.start == len(sc.buf) {
				return &located.Error{Kind: primaryKind, File: file, Line: at, Msg: "ends without </metadata>"}
			}
			return &located.Error{Kind: primaryKind, File: file, Line: at, Msg: "something other than a package element inside metadata"}
		}
		block, err := sc.until(packageClose, false)
		if err != nil {
			return err
		}
		count++
		p := &Available{Name: quickName(block)}
		hasObsoletes := bytes.Contains(block, obsoletesOpen)
		if p.Name == "" || hasObsoletes || keep(p) {
			if q, ok := quickPackage(block); ok && !hasObsoletes {
				p = q
			} else if p, err = parsePackageBlock(block, file, at); err != nil {
				return err
			}
			if keep(p) {
				p.Vendor = quickVendor(block)
				if err := fn(p); err != nil {
					return err
				}
			}
		}
	}
	if want >= 0 && count != want {
		return &located.Error{Kind: primaryKind, File: file, Line: sc.line, Key: "metadata.packages",
			Msg: fmt.Sprintf("lists %d packages, the file has %d", want, count)}
	}
	return nil
}

var (
	packageOpen   = []byte("<package")
	packageClose  = []byte("</package>")
	metadataClose = []byte("</metadata>")
	obsoletesOpen = []byte("obsoletes>")
	nameOpen      = []byte("<name>")
	nameClose     = []byte("</name>")
)

// primaryHeader checks what comes before the first package: the metadata
// root, and returns its packages count (-1 when absent) and whether the
// root is closed already (a repo without packages).
func primaryHeader(head []byte, file string) (n int, closed bool, err error) {
	dec := xml.NewDecoder(bytes.NewReader(head))
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				return 0, false, &located.Error{Kind: primaryKind, File: file, Line: line(dec), Msg: "no metadata element"}
			}
			return 0, false, xmlError(primaryKind, file, dec, err)
		}
		st, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if st.Name.Local != "metadata" {
			return 0, false, &located.Error{Kind: primaryKind, File: file, Line: line(dec), Msg: "root element is not metadata"}
		}
		n = -1
		if v := attr(st, "packages"); v != "" {
			if n, err = strconv.Atoi(v); err != nil || n < 0 {
				return 0, false, &located.Error{Kind: primaryKind, File: file, Line: line(dec), Key: "metadata.packages", Msg: "not a whole number"}
			}
		}
		// only white space may follow the root's start tag, or its end
		taken := head[:dec.InputOffset()]
		rest := bytes.TrimSpace(head[dec.InputOffset():])
		switch {
		case bytes.HasSuffix(taken, []byte("/>")):
			return n, true, nil
		case bytes.Equal(rest, metadataClose):
			return n, true, nil
		case len(rest) != 0:
			return 0, false, &located.Error{Kind: primaryKind, File: file, Line: line(dec), Msg: "something other than a package element inside metadata"}
		}
		return n, false, nil
	}
}

// quickName is the text of a package block's <name> when that is its first
// child and plain text, else "" (the block is then decoded in full).
func quickName(block []byte) string {
	i := bytes.IndexByte(block, '>')
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(block[i+1:], " \t\r\n")
	if !bytes.HasPrefix(rest, nameOpen) {
		return ""
	}
	rest = rest[len(nameOpen):]
	j := bytes.Index(rest, nameClose)
	if j < 0 || bytes.ContainsAny(rest[:j], "<&") {
		return ""
	}
	return string(rest[:j])
}

// quickPackage reads name, arch and version of a package block written as
// createrepo_c writes it: <name>, <arch> and <version .../> as its first
// children, plain values. Anything else is left to the decoder (ok false).
func quickPackage(block []byte) (*Available, bool) {
	i := bytes.IndexByte(block, '>')
	if i < 0 {
		return nil, false
	}
	rest := block[i+1:]
	name, rest, ok := quickElement(rest, "name")
	if !ok {
		return nil, false
	}
	arch, rest, ok := quickElement(rest, "arch")
	if !ok {
		return nil, false
	}
	rest = bytes.TrimLeft(rest, " \t\r\n")
	if !bytes.HasPrefix(rest, []byte("<version ")) {
		return nil, false
	}
	end := bytes.Index(rest, []byte("/>"))
	if end < 0 {
		return nil, false
	}
	p := &Available{Name: name, Arch: arch}
	attrs := rest[len("<version "):end]
	for len(bytes.TrimSpace(attrs)) > 0 {
		attrs = bytes.TrimLeft(attrs, " \t\r\n")
		eq := bytes.IndexByte(attrs, '=')
		if eq < 0 || eq+1 >= len(attrs) || attrs[eq+1] != '"' {
			return nil, false
		}
		key := string(bytes.TrimSpace(attrs[:eq]))
		val := attrs[eq+2:]
		q := bytes.IndexByte(val, '"')
		if q < 0 || bytes.ContainsAny(val[:q], "<&") {
			return nil, false
		}
		v := string(val[:q])
		attrs = val[q+1:]
		switch key {
		case "epoch":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, false
			}
			p.EVR.Epoch = n
		case "ver":
			p.EVR.Version = v
		case "rel":
			p.EVR.Release = v
		default:
			return nil, false
		}
	}
	if p.Name == "" || p.Arch == "" || p.EVR.Version == "" {
		return nil, false
	}
	return p, true
}

// quickElement reads <tag>plain text</tag> after optional white space.
func quickElement(b []byte, tag string) (string, []byte, bool) {
	b = bytes.TrimLeft(b, " \t\r\n")
	open, close := "<"+tag+">", "</"+tag+">"
	if !bytes.HasPrefix(b, []byte(open)) {
		return "", nil, false
	}
	b = b[len(open):]
	j := bytes.Index(b, []byte(close))
	if j < 0 || bytes.ContainsAny(b[:j], "<&") {
		return "", nil, false
	}
	return string(b[:j]), b[j+len(close):], true
}

// parsePackageBlock decodes one <package> element; errors name the line
// in the whole file.
func parsePackageBlock(block []byte, file string, at int) (*Available, error) {
	dec := xml.NewDecoder(bytes.NewReader(block))
	shift := func(err error) error {
		if e, ok := located.As(err); ok && e.Line > 0 {
			e.Line += at - 1
		}
		return err
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, shift(xmlError(primaryKind, file, dec, err))
	}
	if st, ok := tok.(xml.StartElement); !ok || st.Name.Local != "package" {
		return nil, &located.Error{Kind: primaryKind, File: file, Line: at, Msg: "something other than a package element inside metadata"}
	}
	p, err := readPrimaryPackage(dec, file)
	if err != nil {
		return nil, shift(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &located.Error{Kind: primaryKind, File: file, Line: at, Msg: "package element not closed where expected"}
	}
	if p.Name == "" || p.Arch == "" || p.EVR.Version == "" {
		return nil, &located.Error{Kind: primaryKind, File: file, Line: at, Msg: "package without name, arch or version"}
	}
	return p, nil
}

func readPrimaryPackage(dec *xml.Decoder, file string) (*Available, error) {
	p := &Available{}
	depth := 0
	inObsoletes := false
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, xmlError(primaryKind, file, dec, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case depth == 0 && (t.Name.Local == "name" || t.Name.Local == "arch"):
				s, err := text(dec, file)
				if err != nil {
					return nil, err
				}
				if t.Name.Local == "name" && p.Name == "" {
					p.Name = s
				} else if t.Name.Local == "arch" && p.Arch == "" {
					p.Arch = s
				} else {
					return nil, &located.Error{Kind: primaryKind, File: file, Line: line(dec), Key: "package." + t.Name.Local, Msg: "given twice"}
				}
				continue
			case depth == 0 && t.Name.Local == "version":
				evr, err := evrAttrs(t, "ver", "rel", dec, file)
				if err != nil {
					return nil, err
				}
				p.EVR = evr
			case depth == 0 && t.Name.Local == "format":
			case depth == 1 && t.Name.Local == "obsoletes":
				inObsoletes = true
			case depth == 2 && inObsoletes && t.Name.Local == "entry":
				evr, err := evrAttrs(t, "ver", "rel", dec, file)
				if err != nil {
					return nil, err
				}
				p.Obsoletes = append(p.Obsoletes, Dep{Name: attr(t, "name"), Flags: attr(t, "flags"), EVR: evr})
			default:
				if err := dec.Skip(); err != nil {
					return nil, xmlError(primaryKind, file, dec, err)
				}
				continue
			}
			depth++
		case xml.EndElement:
			if depth == 0 {
				return p, nil // </package>
			}
			depth--
			if depth == 1 && t.Name.Local == "obsoletes" {
				inObsoletes = false
			}
		}
	}
}

// text reads the character data of the element just started, to its end.
func text(dec *xml.Decoder, file string) (string, error) {
	var s []byte
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return "", xmlError(primaryKind, file, dec, err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			s = append(s, t...)
		case xml.StartElement:
			if err := dec.Skip(); err != nil {
				return "", xmlError(primaryKind, file, dec, err)
			}
		case xml.EndElement:
			return string(s), nil
		}
	}
}

// evrAttrs reads epoch, version and release attributes; an epoch that is
// not a number is an error naming the line.
func evrAttrs(t xml.StartElement, ver, rel string, dec *xml.Decoder, file string) (EVR, error) {
	e := EVR{Version: attr(t, ver), Release: attr(t, rel)}
	if s := attr(t, "epoch"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return e, &located.Error{Kind: primaryKind, File: file, Line: line(dec), Key: t.Name.Local + ".epoch", Msg: "epoch is not a whole number"}
		}
		e.Epoch = n
	}
	return e, nil
}
