package rpm

import (
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
// none is not passed on).
func scanUpdateinfo(r io.Reader, file string, keep func(name string) bool, fn func(*Advisory) error) error {
	dec := xml.NewDecoder(r)
	seenRoot := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return xmlError(updateinfoKind, file, dec, err)
		}
		st, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !seenRoot {
			if st.Name.Local != "updates" {
				return &located.Error{Kind: updateinfoKind, File: file, Line: line(dec), Msg: "root element is not updates"}
			}
			seenRoot = true
			continue
		}
		if st.Name.Local != "update" {
			if err := dec.Skip(); err != nil {
				return xmlError(updateinfoKind, file, dec, err)
			}
			continue
		}
		start := line(dec)
		a, err := readUpdate(dec, st, file, keep)
		if err != nil {
			return err
		}
		if a.ID == "" {
			return &located.Error{Kind: updateinfoKind, File: file, Line: start, Msg: "update without an id"}
		}
		if len(a.Packages) > 0 {
			if err := fn(a); err != nil {
				return err
			}
		}
	}
	if !seenRoot {
		return &located.Error{Kind: updateinfoKind, File: file, Msg: "no updates element"}
	}
	return nil
}

func readUpdate(dec *xml.Decoder, st xml.StartElement, file string, keep func(string) bool) (*Advisory, error) {
	a := &Advisory{Type: attr(st, "type")}
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
			case len(path) == 0 && name == "pkglist",
				len(path) == 1 && path[0] == "pkglist" && name == "collection":
				path = append(path, name)
				continue
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
