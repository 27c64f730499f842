package osversion

// os-release VERSION_ID: 12, 9.2, 22.04, 3.19.1.
var numericRE = lazy(`^` + d + `(?:\.` + d + `)?(?:\.` + d + `)?(?:\.` + d + `)?$`)

// parseNumeric reads plain dotted numbers, as os-release's VERSION_ID
// writes them.
func parseNumeric(s string) (Version, bool) {
	m := numericRE.FindStringSubmatch(s)
	if m == nil {
		return Version{}, false
	}
	var v Version
	for _, g := range m[1:] {
		if g != "" {
			v.key = append(v.key, num(g))
		}
	}
	return v, true
}
