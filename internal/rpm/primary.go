package rpm

import (
	"encoding/xml"
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
// keep accepts (by name and obsoletes); only name, arch, version and
// obsoletes are read, everything else of a package is skipped.
func scanPrimary(r io.Reader, file string, keep func(*Available) bool, fn func(*Available) error) error {
	dec := xml.NewDecoder(r)
	seenRoot := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return xmlError(primaryKind, file, dec, err)
		}
		st, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !seenRoot {
			if st.Name.Local != "metadata" {
				return &located.Error{Kind: primaryKind, File: file, Line: line(dec), Msg: "root element is not metadata"}
			}
			seenRoot = true
			continue
		}
		if st.Name.Local != "package" {
			if err := dec.Skip(); err != nil {
				return xmlError(primaryKind, file, dec, err)
			}
			continue
		}
		start := line(dec)
		p, err := readPrimaryPackage(dec, file)
		if err != nil {
			return err
		}
		if p.Name == "" || p.Arch == "" || p.EVR.Version == "" {
			return &located.Error{Kind: primaryKind, File: file, Line: start, Msg: "package without name, arch or version"}
		}
		if keep(p) {
			if err := fn(p); err != nil {
				return err
			}
		}
	}
	if !seenRoot {
		return &located.Error{Kind: primaryKind, File: file, Msg: "no metadata element"}
	}
	return nil
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
				if t.Name.Local == "name" {
					p.Name = s
				} else {
					p.Arch = s
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
