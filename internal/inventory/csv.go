package inventory

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
)

func parseCSV(file string, data []byte, m Mapping) ([]Device, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, csvError(file, err)
	}
	idx := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if _, dup := idx[h]; dup && h != "" {
			return nil, errAt(file, 1, "column %q twice in the header", h)
		}
		idx[h] = i
	}
	names := [5]string{m.Name, m.Platform, m.Version, m.Site, m.Owner}
	var col [5]int
	for i, c := range names {
		j, ok := idx[strings.ToLower(c)]
		switch {
		case ok:
			col[i] = j
		case i == 3 && !m.siteSet, i == 4 && !m.ownerSet:
			col[i] = -1 // optional unless the policy names it
		default:
			return nil, errAt(file, 1, "header has no %q column (want %s,%s,%s)", c, m.Name, m.Platform, m.Version)
		}
	}
	what := [5]string{"name", "platform", "version", "site", "owner"}
	var out []Device
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, csvError(file, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line of spaces
		}
		var fields [5]string
		for i := range fields {
			switch {
			case col[i] < 0:
			case col[i] >= len(rec) && i >= 3:
				// a short row lacking only the optional columns
			case col[i] >= len(rec):
				return nil, errAt(file, line, "%d fields, no %s column", len(rec), what[i])
			default:
				fields[i] = strings.TrimSpace(rec[col[i]])
			}
		}
		d := Device{Name: fields[0], Platform: m.platformOf(fields[1]), Version: fields[2], Line: line, Site: fields[3], Owner: fields[4]}
		if d.Name == "" {
			return nil, errAt(file, line, "empty name")
		}
		out = append(out, d)
	}
	return out, nil
}

func csvError(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return errAt(file, pe.Line, "%v", pe.Err)
	}
	if err == io.EOF {
		return errAt(file, 0, "no header line")
	}
	return errAt(file, 0, "%v", err)
}
