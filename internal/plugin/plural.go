package plugin

// Plural is one for a count of 1 and many otherwise, for status lines
// ("1 flow", "3 flows").
func Plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
