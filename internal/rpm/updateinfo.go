package rpm

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

const updateinfoKind = "updateinfo"

// Advisory is one updateinfo entry, with only the packages of interest.
type Advisory struct {
	ID       string
	Type     string // security, bugfix, enhancement, newpackage
	Severity string // as published: Critical, Important, Moderate, Low, or ""
	Status   string // final, stable, testing; SUSE's "retracted" withdraws it
	// CVEs are the advisory's references of type cve.
	CVEs     []string
	Packages []AdvisoryPackage
	Repo     string
}

// AdvisoryPackage is one package an advisory lists as its fix.
type AdvisoryPackage struct {
	Name string
	Arch string
	EVR  EVR
}

// severityRank orders the severities dnf knows (--sec-severity); anything
// else ranks below Low.
func severityRank(s string) int {
	switch strings.ToLower(s) {
	case "critical":
		return 4
	case "important":
		return 3
	case "moderate":
		return 2
	case "low":
		return 1
	}
	return 0
}

// scanUpdateinfo streams an updateinfo.xml and calls fn for each advisory,
// with only the packages whose name keep accepts (an advisory left with
// none is not passed on). As for primary, each <update> element is cut out
// as bytes first and decoded only when one of its packages has a name keep
// accepts (or a name that is not plain text).
func scanUpdateinfo(r io.Reader, file string, keep func(name string) bool, fn func(*Advisory) error) error {
	sc := &blockScanner{r: r, buf: make([]byte, 0, 256<<10), line: 1, kind: updateinfoKind, file: file}
	head, err := sc.untilTag(updateOpen)
	if err != nil {
		return err
	}
	closed, err := rootHeader(head, "updates", updateinfoKind, file)
	if err != nil || closed {
		return err
	}
	for {
		if err := sc.skipSpace(); err != nil {
			return err
		}
		at := sc.line
		if sc.hasPrefix(updatesClose) {
			return nil
		}
		if !sc.hasPrefix(updateOpen) || sc.hasPrefix(updatesOpen) {
			if sc.eof && sc.start == len(sc.buf) {
				return &located.Error{Kind: updateinfoKind, File: file, Line: at, Msg: "ends without </updates>"}
			}
			return &located.Error{Kind: updateinfoKind, File: file, Line: at, Msg: "something other than an update element inside updates"}
		}
		block, err := sc.until(updateClose, false)
		if err != nil {
			return err
		}
		if !mentions(block, keep) {
			continue
		}
		a, err := parseUpdateBlock(block, file, at, keep)
		if err != nil {
			return err
		}
		if len(a.Packages) > 0 {
			if err := fn(a); err != nil {
				return err
			}
		}
	}
}

var (
	updateOpen   = []byte("<update")
	updatesOpen  = []byte("<updates")
	updateClose  = []byte("</update>")
	updatesClose = []byte("</updates>")
	pkgTag       = []byte("<package ")
	nameAttr     = []byte(" name=\"")
)

// mentions: some <package> tag of the block has a name keep accepts, or
// one that cannot be read without the decoder.
func mentions(block []byte, keep func(string) bool) bool {
	for {
		i := bytes.Index(block, pkgTag)
		if i < 0 {
			return false
		}
		block = block[i+len(pkgTag)-1:]
		end := bytes.IndexByte(block, '>')
		if end < 0 {
			return true
		}
		tag := block[:end]
		j := bytes.Index(tag, nameAttr)
		if j < 0 {
			return true
		}
		v := tag[j+len(nameAttr):]
		k := bytes.IndexByte(v, '"')
		if k < 0 || bytes.IndexByte(v[:k], '&') >= 0 || keep(string(v[:k])) {
			return true
		}
		block = block[end:]
	}
}

// rootHeader checks what precedes the first child: the root element, and
// whether it is closed already (no children).
func rootHeader(head []byte, root, kind, file string) (closed bool, err error) {
	dec := xml.NewDecoder(bytes.NewReader(head))
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				return false, &located.Error{Kind: kind, File: file, Line: line(dec), Msg: "no " + root + " element"}
			}
			return false, xmlError(kind, file, dec, err)
		}
		st, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if st.Name.Local != root {
			return false, &located.Error{Kind: kind, File: file, Line: line(dec), Msg: "root element is not " + root}
		}
		taken := head[:dec.InputOffset()]
		rest := bytes.TrimSpace(head[dec.InputOffset():])
		switch {
		case bytes.HasSuffix(taken, []byte("/>")), bytes.Equal(rest, []byte("</"+root+">")):
			return true, nil
		case len(rest) != 0:
			return false, &located.Error{Kind: kind, File: file, Line: line(dec), Msg: "unexpected content before the first element"}
		}
		return false, nil
	}
}

// parseUpdateBlock decodes one <update> element; errors name the line in
// the whole file.
func parseUpdateBlock(block []byte, file string, at int, keep func(string) bool) (*Advisory, error) {
	dec := xml.NewDecoder(bytes.NewReader(block))
	shift := func(err error) error {
		if e, ok := located.As(err); ok && e.Line > 0 {
			e.Line += at - 1
		}
		return err
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, shift(xmlError(updateinfoKind, file, dec, err))
	}
	st, ok := tok.(xml.StartElement)
	if !ok || st.Name.Local != "update" {
		return nil, &located.Error{Kind: updateinfoKind, File: file, Line: at, Msg: "something other than an update element inside updates"}
	}
	a, err := readUpdate(dec, st, file, keep)
	if err != nil {
		return nil, shift(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &located.Error{Kind: updateinfoKind, File: file, Line: at, Msg: "update element not closed where expected"}
	}
	if a.ID == "" {
		return nil, &located.Error{Kind: updateinfoKind, File: file, Line: at, Msg: "update without an id"}
	}
	return a, nil
}

func readUpdate(dec *xml.Decoder, st xml.StartElement, file string, keep func(string) bool) (*Advisory, error) {
	a := &Advisory{Type: attr(st, "type"), Status: attr(st, "status")}
	// path is the element nesting below <update>: "pkglist/collection/package".
	var path []string
	for {
		tok, err := dec.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, xmlError(updateinfoKind, file, dec, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			switch {
			case len(path) == 0 && (name == "id" || name == "severity"):
				s, err := text(dec, file)
				if err != nil {
					return nil, err
				}
				if name == "id" {
					a.ID = strings.TrimSpace(s)
				} else {
					a.Severity = strings.TrimSpace(s)
				}
				continue
			case len(path) == 0 && (name == "pkglist" || name == "references"),
				len(path) == 1 && path[0] == "pkglist" && name == "collection":
				path = append(path, name)
				continue
			case len(path) == 1 && path[0] == "references" && name == "reference":
				if id := strings.TrimSpace(attr(t, "id")); attr(t, "type") == "cve" && id != "" {
					a.CVEs = append(a.CVEs, id)
				}
			case len(path) == 2 && name == "package":
				if n := attr(t, "name"); keep(n) {
					evr, err := evrAttrs(t, "version", "release", dec, file)
					if err != nil {
						e, _ := located.As(err)
						e.Kind = updateinfoKind
						return nil, e
					}
					a.Packages = append(a.Packages, AdvisoryPackage{Name: n, Arch: attr(t, "arch"), EVR: evr})
				}
			}
			if err := dec.Skip(); err != nil {
				return nil, xmlError(updateinfoKind, file, dec, err)
			}
		case xml.EndElement:
			if len(path) == 0 {
				return a, nil // </update>
			}
			path = path[:len(path)-1]
		}
	}
}
