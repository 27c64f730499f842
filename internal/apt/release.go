package apt

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Release is what an (In)Release file says about a suite, plus the
// source that refers to it.
type Release struct {
	File                 string // the InRelease/Release file read, "" when none
	Origin, Label        string
	Suite, Codename      string
	Version              string
	Date, ValidUntil     time.Time
	NotAutomatic         bool
	ButAutomaticUpgrades bool
}

// Security is apt's rule (unattended-upgrades, apt list): a suite or
// codename ending in "-security" (Ubuntu ESM -infra-security and
// -apps-security included).
func (r *Release) Security() bool {
	return strings.HasSuffix(r.Suite, "-security") || strings.HasSuffix(r.Codename, "-security")
}

// parseRelease reads a Release or clear-signed InRelease body (the
// signature is apt's business, already checked by apt-get update).
func parseRelease(data []byte, file string) (*Release, error) {
	body, offset, err := signedBody(data, file)
	if err != nil {
		return nil, err
	}
	r := &Release{File: file}
	seen := false
	err = readStanzas(bytes.NewReader(body), file, controlOptions{}, offset, func(s *stanza) error {
		if seen {
			return nil // hash lists end the useful part; apt reads the first stanza
		}
		seen = true
		r.Origin, r.Label = s.value("Origin"), s.value("Label")
		r.Suite, r.Codename, r.Version = s.value("Suite"), s.value("Codename"), s.value("Version")
		r.NotAutomatic = strings.EqualFold(s.value("NotAutomatic"), "yes")
		r.ButAutomaticUpgrades = strings.EqualFold(s.value("ButAutomaticUpgrades"), "yes")
		if d, ok := s.get("Date"); ok {
			t, err := parseReleaseDate(d)
			if err != nil {
				return errAt(file, s.lineOf("Date"), "Date: %v", err)
			}
			r.Date = t
		}
		if d, ok := s.get("Valid-Until"); ok {
			t, err := parseReleaseDate(d)
			if err != nil {
				return errAt(file, s.lineOf("Valid-Until"), "Valid-Until: %v", err)
			}
			r.ValidUntil = t
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !seen {
		return nil, errAt(file, 0, "empty Release file")
	}
	return r, nil
}

// signedBody returns the clear-signed message of an InRelease file (dash
// escapes removed) and the number of lines before it; plain Release data
// is returned as is.
func signedBody(data []byte, file string) ([]byte, int, error) {
	const begin = "-----BEGIN PGP SIGNED MESSAGE-----"
	trim := bytes.TrimLeft(data, "\r\n\t ")
	if !bytes.HasPrefix(trim, []byte(begin)) {
		if bytes.Contains(data, []byte("-----BEGIN PGP")) {
			return nil, 0, errAt(file, 0, "PGP block that is not a clear-signed message")
		}
		return data, 0, nil
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	i := 0
	for i < len(lines) && strings.TrimSpace(string(lines[i])) != begin {
		i++
	}
	i++
	// armor headers ("Hash: SHA512") up to a blank line
	for i < len(lines) && strings.TrimSpace(string(lines[i])) != "" {
		if !bytes.Contains(lines[i], []byte(":")) {
			return nil, 0, errAt(file, i+1, "bad armor header %q", clip(bytes.TrimSpace(lines[i])))
		}
		i++
	}
	if i >= len(lines) {
		return nil, 0, errAt(file, i, "clear-signed message without a body")
	}
	i++
	start := i
	var body bytes.Buffer
	for ; i < len(lines); i++ {
		l := lines[i]
		if bytes.HasPrefix(l, []byte("-----BEGIN PGP SIGNATURE-----")) {
			return body.Bytes(), start, nil
		}
		if bytes.HasPrefix(l, []byte("- ")) {
			l = l[2:]
		} else if bytes.HasPrefix(l, []byte("-")) {
			return nil, 0, errAt(file, i+1, "dash line in a clear-signed body is not escaped")
		}
		body.Write(l)
	}
	return nil, 0, errAt(file, bytes.Count(data, []byte("\n")), "clear-signed message is truncated (no signature)")
}

// parseReleaseDate accepts RFC 1123 dates as apt writes and reads them
// ("Sat, 10 Jun 2023 08:55:53 UTC"), numeric zones included.
func parseReleaseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC1123, time.RFC1123Z, "Mon, 2 Jan 2006 15:04:05 MST", "Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 02 Jan 2006 15:04:05 Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not an RFC 1123 date: %q", s)
}

// releaseLimit bounds an (In)Release file; real ones are under 1 MiB.
var releaseLimit = located.Limit{Kind: "Release", Bytes: 8 << 20}

func readReleaseFile(path string) (*Release, error) {
	data, err := located.ReadFile(path, releaseLimit)
	if err != nil {
		return nil, err
	}
	return parseRelease(data, path)
}
