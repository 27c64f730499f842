package advisory

import (
	"encoding/json"
	"strings"
)

// OSV (ossf.github.io/osv-schema), as Debian, Ubuntu, Rocky Linux,
// AlmaLinux and Red Hat publish it. Only what deciding needs is decoded.
type osvRecord struct {
	ID        string        `json:"id"`
	Withdrawn string        `json:"withdrawn"`
	Aliases   []string      `json:"aliases"`
	Upstream  []string      `json:"upstream"`
	Related   []string      `json:"related"`
	Severity  []osvSeverity `json:"severity"`
	Affected  []osvAffected `json:"affected"`
}

type osvSeverity struct {
	Type  string `json:"type"`
	Score string `json:"score"`
}

type osvAffected struct {
	Package struct {
		Ecosystem string `json:"ecosystem"`
		Name      string `json:"name"`
	} `json:"package"`
	Ranges []struct {
		Type   string              `json:"type"`
		Events []map[string]string `json:"events"`
	} `json:"ranges"`
	Severity []osvSeverity `json:"severity"`
	// The *_specific objects differ between databases: decoded leniently.
	EcosystemSpecific json.RawMessage `json:"ecosystem_specific"`
	DatabaseSpecific  json.RawMessage `json:"database_specific"`
}

// What the distributions put in the *_specific objects.
type osvSpecific struct {
	Binaries []struct {
		Name string `json:"binary_name"`
	} `json:"binaries"`
	Availability string `json:"availability"`    // Ubuntu: "Available with Ubuntu Pro"
	Urgency      string `json:"urgency"`         // Debian
	Priority     string `json:"ubuntu_priority"` // Ubuntu CVE records
	Severity     string `json:"severity"`        // Red Hat, Rocky, Alma: the impact word
	CVEsMap      struct {
		CVEs []struct {
			ID       string        `json:"id"`
			Severity []osvSeverity `json:"severity"`
		} `json:"cves"`
	} `json:"cves_map"` // Ubuntu USNs: per-CVE priority and CVSS
}

func (r *osvRecord) field(key string) any {
	switch key {
	case "id":
		return &r.ID
	case "withdrawn":
		return &r.Withdrawn
	case "aliases":
		return &r.Aliases
	case "upstream":
		return &r.Upstream
	case "related":
		return &r.Related
	case "severity":
		return &r.Severity
	case "affected":
		return &r.Affected
	}
	return nil
}

// readOSVRecord reads one record object of an array.
func readOSVRecord(dec *stream, f *File, h Host, w wanted, set *Set) error {
	offset := dec.InputOffset()
	tok, err := dec.Token()
	if err != nil {
		return syntaxError(dec, err, "")
	}
	if tok != json.Delim('{') {
		return &feedError{offset: offset, msg: "want an OSV record (a JSON object) in the array"}
	}
	if !dec.More() {
		_, err := dec.Token()
		if err != nil {
			return syntaxError(dec, err, "")
		}
		return &feedError{offset: offset, msg: "an empty OSV record"}
	}
	key, err := objectKey(dec)
	if err != nil {
		return err
	}
	return readOSVFields(dec, key, f, h, w, set)
}

// readOSVFields reads a record's fields, the first key already read, up to
// and including its closing brace.
func readOSVFields(dec *stream, key string, f *File, h Host, w wanted, set *Set) error {
	offset := dec.InputOffset()
	var r osvRecord
	for {
		var err error
		if p := r.field(key); p != nil {
			err = dec.Decode(p)
		} else {
			var s skip
			err = dec.Decode(&s)
			var se *json.SyntaxError
			if err != nil && !asSyntax(err, &se) {
				err = nil // a scalar or array where skip wants an object: passed over all the same
			}
		}
		if err != nil {
			return syntaxError(dec, err, keyName(key))
		}
		if !dec.More() {
			break
		}
		if key, err = objectKey(dec); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return syntaxError(dec, err, "")
	}
	if r.ID == "" {
		return &feedError{offset: offset, key: "id", msg: "an OSV record without id"}
	}
	if r.Withdrawn != "" {
		return nil
	}
	keepOSV(&r, offset, f, h, w, set)
	return nil
}

func keepOSV(r *osvRecord, offset int64, f *File, h Host, w wanted, set *Set) {
	for _, a := range r.Affected {
		if !w[a.Package.Name] || !ecosystemMatches(a.Package.Ecosystem, h) {
			continue
		}
		var spec, db osvSpecific
		_ = json.Unmarshal(a.EcosystemSpecific, &spec) // lenient: other databases' shapes differ
		_ = json.Unmarshal(a.DatabaseSpecific, &db)
		cves, advs := map[string]bool{}, map[string]bool{}
		classify(cves, advs, r.ID)
		classify(cves, advs, r.Aliases...)
		classify(cves, advs, r.Upstream...)
		classify(cves, advs, r.Related...)
		var ratings []Rating
		rate := func(sevs []osvSeverity) {
			for _, s := range sevs {
				switch s.Type {
				case "Ubuntu":
					ratings = append(ratings, UbuntuPriority(s.Score))
				case "CVSS_V3":
					if cr, err := CVSSRating(s.Score); err == nil {
						ratings = append(ratings, cr)
					}
				}
			}
		}
		rate(r.Severity)
		rate(a.Severity)
		for _, c := range db.CVEsMap.CVEs {
			classify(cves, advs, c.ID)
			rate(c.Severity)
		}
		for _, word := range []string{spec.Priority, db.Priority} {
			if word != "" {
				ratings = append(ratings, UbuntuPriority(word))
			}
		}
		for _, word := range []string{spec.Urgency, db.Urgency} {
			if word != "" {
				ratings = append(ratings, DebianUrgency(word))
			}
		}
		for _, word := range []string{spec.Severity, db.Severity} {
			if word != "" && !strings.HasPrefix(a.Package.Ecosystem, "Debian") && !strings.HasPrefix(a.Package.Ecosystem, "Ubuntu") {
				ratings = append(ratings, RedHatImpact(word))
			}
		}
		v := Vuln{ID: r.ID, CVEs: sortedKeys(cves), Advisories: sortedKeys(advs), Package: a.Package.Name,
			Rating: pick(ratings), Subscription: proAvailability(a.Package.Ecosystem, spec.Availability), Feed: f.Path, Offset: offset}
		for _, b := range spec.Binaries {
			v.Binaries = append(v.Binaries, b.Name)
		}
		for _, rg := range a.Ranges {
			if rg.Type != "ECOSYSTEM" {
				continue
			}
			v.Ranges = append(v.Ranges, eventRanges(rg.Events)...)
		}
		if len(v.Ranges) == 0 {
			continue
		}
		set.add(v)
		f.Records++
	}
}

func asSyntax(err error, se **json.SyntaxError) bool {
	s, ok := err.(*json.SyntaxError)
	*se = s
	return ok
}

// eventRanges turns OSV's ordered events into ranges.
func eventRanges(events []map[string]string) []Range {
	var out []Range
	open := false
	for _, e := range events {
		switch {
		case e["introduced"] != "":
			out = append(out, Range{Introduced: e["introduced"]})
			open = true
		case e["fixed"] != "" && open:
			out[len(out)-1].Fixed = e["fixed"]
			open = false
		case e["last_affected"] != "" && open:
			out[len(out)-1].LastAffected = e["last_affected"]
			open = false
		}
	}
	return out
}

// pick keeps the distribution's own word (worst of them) over computed
// CVSS bands, which know nothing of how the distribution builds a package.
func pick(rs []Rating) Rating {
	var vendor, cvss Rating
	for _, r := range rs {
		if r.Scheme == "cvss" {
			if cvss.Scheme == "" || r.worse(cvss) {
				cvss = r
			}
		} else if vendor.Scheme == "" || r.worse(vendor) {
			vendor = r
		}
	}
	if vendor.Scheme != "" && (vendor.Severity != Unknown || cvss.Scheme == "") {
		return vendor
	}
	return cvss
}

func proAvailability(eco, availability string) string {
	if strings.HasPrefix(eco, "Ubuntu:Pro:") || strings.Contains(availability, "Pro") {
		if availability == "" {
			return "Ubuntu Pro"
		}
		return availability
	}
	return ""
}
