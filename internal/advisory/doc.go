// Package advisory reads local vulnerability feeds (the Debian Security
// Tracker's JSON, OSV records) for the packages installed on one host, and
// decides which pending updates fix which CVEs and advisories, how severe
// they are, and which vulnerabilities have no fix yet. Reading streams the
// feed and keeps only what concerns the installed packages; deciding is
// pure. The check never downloads a feed: the admin's timer does.
//
// # Formats, recognised by content
//
//   - Debian Security Tracker JSON ({source: {CVE: {releases: {codename:
//     {status, fixed_version, urgency, repositories}}}}}), keyed by source
//     package: matched through dpkg's Source: field, comparing source
//     versions (a binNMU's "+b1" and a binary's own epoch are not the
//     source's). status resolved with fixed_version "0": never affected;
//     open or undetermined: no fix yet. It names no DSA/DLA.
//   - OSV: one record, a JSON array of records, a directory of *.json (any
//     depth) or a zip of them. Ecosystems Debian:N, Ubuntu:YY.MM[:LTS],
//     Ubuntu:Pro:YY.MM[:LTS] (Subscription kept), Rocky Linux:N,
//     AlmaLinux:N, Red Hat:…:N…; ECOSYSTEM ranges (introduced, fixed,
//     last_affected); Ubuntu's binaries lists restrict a source's record
//     to the binaries it names. Withdrawn records are skipped.
//
// # One severity scale
//
// unknown < negligible < low < medium < high < critical, the vendor's word
// kept beside it (Rating.Vendor):
//
//	Debian urgency   unimportant → negligible, low, medium, high; "not yet
//	                 assigned", end-of-life → unknown ("**" dropped)
//	Ubuntu priority  negligible, low, medium, high, critical; untriaged →
//	                 unknown
//	Red Hat impact   Low, Moderate → medium, Important → high, Critical
//	                 (Rocky's and Alma's too)
//	CVSS v3 base     0.0 → negligible, 0.1–3.9 low, 4.0–6.9 medium,
//	                 7.0–8.9 high, 9.0–10.0 critical (computed from the
//	                 vector: CVSS3BaseScore)
//
// Where a record carries both, the distribution's own word wins over the
// CVSS band (it knows how the package is built and used); the worst word
// of a record's CVEs is the record's, the worst record a pending update
// fixes is the update's.
//
// # Deciding
//
// A pending update fixes a vulnerability when the installed version is in
// an affected range and the candidate is not, at or above the fixed
// version: installed < fixed ≤ candidate. Vulnerabilities of installed
// packages no pending update fixes are apart: Open (no fix published) and
// Unreached (a fix exists that apt/dnf does not offer: pinned, held, not in
// the lists, Ubuntu Pro). Neither is a pending update or counts in an SLA.
package advisory
