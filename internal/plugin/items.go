package plugin

import "reflect"

// Labelled is an item (an element of Result.Items) that names itself in
// metric labels for --format openmetrics -v. The labels must have bounded
// values (a package, a severity, a flow, a device and platform), never
// free text, so a series per item stays a fixed set.
type Labelled interface {
	MetricLabels() map[string]string
}

// Tested is an item that reads as one test case for --format junit, and
// whose failure is its metric's value for --format openmetrics -v.
type Tested interface {
	TestCase() TestCase
}

// TestCase is one item as a JUnit test case.
type TestCase struct {
	Name  string // e.g. the flow
	Class string // e.g. the application
	// Failure: the item fails the check (WARNING or CRITICAL because of it).
	Failure bool
	// Skipped: the item could not be judged (unknown), so it neither passes
	// nor fails.
	Skipped bool
	// Message says why it failed or was skipped: the deciding rule, the
	// witness.
	Message string
}

// itemsOf lists Result.Items (a slice, or nil) element by element.
func itemsOf(items any) []any {
	v := reflect.ValueOf(items)
	if v.Kind() != reflect.Slice {
		return nil
	}
	out := make([]any, v.Len())
	for i := range out {
		out[i] = v.Index(i).Interface()
	}
	return out
}
