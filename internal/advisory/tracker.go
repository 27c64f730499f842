package advisory

import (
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
