package apt

import (
	"strconv"
	"strings"
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
