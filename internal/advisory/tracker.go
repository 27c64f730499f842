package advisory

import (
	"encoding/json"
	"sort"
)

// The Debian Security Tracker's JSON (security-tracker.debian.org/tracker/
// data/json): {source: {CVE or TEMP id: {description, scope, debianbug,
// releases: {codename: {status, fixed_version, urgency, repositories,
// nodsa}}}}}, keyed by source package. It carries no DSA/DLA ids.
type trackerEntry struct {
	Releases map[string]trackerRelease `json:"releases"`
}

type trackerRelease struct {
	Status       string            `json:"status"`
	FixedVersion string            `json:"fixed_version"`
	Urgency      string            `json:"urgency"`
	Repositories map[string]string `json:"repositories"`
}

// skip is decoded into to pass over a value without building it.
type skip struct{}

// readTracker streams the tracker object whose first key was just read:
// sources not installed are skipped value by value, so memory holds one
// source's entries at a time.
func readTracker(dec *stream, key string, f *File, h Host, w wanted, set *Set) error {
	for {
		offset := dec.InputOffset()
		if !w[key] {
			var s skip
			if err := dec.Decode(&s); err != nil {
				return syntaxError(dec, err, keyName(key))
			}
		} else {
			var raw map[string]json.RawMessage
			if err := dec.Decode(&raw); err != nil {
				return syntaxError(dec, err, keyName(key))
			}
			entries := make(map[string]trackerEntry, len(raw))
			for id, m := range raw {
				var e trackerEntry
				if err := json.Unmarshal(m, &e); err != nil {
					fe := syntaxError(dec, err, joinKey(keyName(key), keyName(id))).(*feedError)
					fe.offset, fe.rescan = offset, false
					return fe
				}
				entries[id] = e
			}
			if err := keepTracker(key, entries, offset, f, h, set); err != nil {
				return err
			}
		}
		if !dec.More() {
			break
		}
		var err error
		if key, err = objectKey(dec); err != nil {
			return err
		}
	}
	_, err := dec.Token() // the closing '}'
	if err != nil {
		return syntaxError(dec, err, "")
	}
	sortVulns(set)
	return nil
}

func keepTracker(source string, entries map[string]trackerEntry, offset int64, f *File, h Host, set *Set) error {
	ids := make([]string, 0, len(entries))
	for id := range entries {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		rel, ok := entries[id].Releases[h.Codename]
		if !ok || h.Codename == "" {
			continue // not in the host's release
		}
		v := Vuln{ID: id, Package: source, Rating: DebianUrgency(rel.Urgency), Feed: f.Path, Offset: offset}
		cves, advs := map[string]bool{}, map[string]bool{}
		classify(cves, advs, id)
		v.CVEs = sortedKeys(cves)
		switch rel.Status {
		case "resolved":
			if rel.FixedVersion == "0" || rel.FixedVersion == "" {
				continue // never affected in this release
			}
			v.Ranges = []Range{{Fixed: rel.FixedVersion}}
		case "open", "undetermined":
			v.Ranges = []Range{{}}
		default:
			return &feedError{offset: offset, key: joinKey(keyName(source), keyName(id)) + ".releases." + keyName(h.Codename) + ".status",
				msg: "unknown status (want resolved, open or undetermined)"}
		}
		set.add(v)
		f.Records++
	}
	return nil
}
