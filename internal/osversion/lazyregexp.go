package osversion

import (
	"regexp"
	"sync"
)

// lazyRegexp compiles its pattern on first use. The vendor patterns are
// dozens, each run uses a few, and compiled at start they cost every check
// (check_security_updates reads os-release through this package) 1.3 MB of
// heap and 2.5 ms before main.
type lazyRegexp struct {
	src  string
	once sync.Once
	re   *regexp.Regexp
}

func lazy(src string) *lazyRegexp { return &lazyRegexp{src: src} }

func (l *lazyRegexp) get() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.src) })
	return l.re
}

func (l *lazyRegexp) FindStringSubmatch(s string) []string { return l.get().FindStringSubmatch(s) }
func (l *lazyRegexp) MatchString(s string) bool            { return l.get().MatchString(s) }
