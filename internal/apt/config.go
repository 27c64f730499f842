package apt

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

// Config is apt's configuration tree, flattened: "apt::install-recommends"
// (keys lower-cased, as apt compares them) to its values (a list holds
// several).
type Config struct {
	values map[string][]string
}

func (c *Config) set(key, value string) {
	if c.values == nil {
		c.values = map[string][]string{}
	}
	c.values[strings.ToLower(key)] = []string{value}
}

// String is the last value of key, or def when it is unset.
func (c *Config) String(key, def string) string {
	if c == nil {
		return def
	}
	v, ok := c.values[strings.ToLower(key)]
	if !ok || len(v) == 0 {
		return def
	}
	return v[len(v)-1]
}

// Bool is apt's FindB: yes/true/with/on/enable or a non-zero number.
func (c *Config) Bool(key string, def bool) bool {
	v := c.String(key, "")
	switch strings.ToLower(v) {
	case "":
		return def
	case "no", "false", "without", "off", "disable":
		return false
	case "yes", "true", "with", "on", "enable":
		return true
	}
	if n, err := strconv.Atoi(v); err == nil {
		return n != 0
	}
	return def
}

func (s *System) installRecommends() bool {
	return s.Config.Bool("APT::Install-Recommends", true)
}

// phasedOut is phasing as apt.conf asks for it.
func (s *System) phasedOut(v *Version) bool {
	switch {
	case s.Config.Bool("APT::Get::Always-Include-Phased-Updates", false):
		return false
	case s.Config.Bool("APT::Get::Never-Include-Phased-Updates", false):
		return v.Phased < 100
	}
	return phasedOut(v, s.Config.String("APT::Machine-ID", s.MachineID))
}

// defaultReleasePin is APT::Default-Release as apt makes it: a release pin
// of priority 990 placed before every pin of the preferences ("bookworm"
// matches a suite or a codename, "a=stable,o=Debian" is a full release pin).
func defaultReleasePin(rel string) (*Pin, error) {
	pins, err := parsePreferences(strings.NewReader("Package: *\nPin: release "+rel+"\nPin-Priority: 990\n"), "APT::Default-Release")
	if err != nil || len(pins) != 1 {
		return nil, &located.Error{Kind: "apt.conf", Key: "APT::Default-Release", Msg: fmt.Sprintf("%q is not a release: %v", rel, err)}
	}
	pins[0].File = ""
	return pins[0], nil
}

// checkDefaultRelease is apt's refusal: a Default-Release no list comes
// from stops apt-get with an error, so it is one here too.
func (s *System) checkDefaultRelease() error {
	rel := s.Config.String("APT::Default-Release", "")
	if rel == "" || (len(rel) > 2 && rel[1] == '=') {
		return nil
	}
	m, err := newMatcher(rel)
	if err != nil {
		return &located.Error{Kind: "apt.conf", Key: "APT::Default-Release", Msg: fmt.Sprintf("%q is not a pattern: %v", rel, err)}
	}
	for _, f := range s.Lists {
		if f.Release == nil {
			continue
		}
		for _, v := range []string{f.Release.Suite, f.Release.Codename, f.Release.Version} {
			if v != "" && m.match(v) {
				return nil
			}
		}
	}
	return &located.Error{Kind: "apt.conf", Key: "APT::Default-Release",
		Msg: fmt.Sprintf("%q is not a release any live source offers (apt-get refuses to run)", rel)}
}
