package checksecurityupdates

import (
	"reflect"
	"testing"

	"github.com/guardrail-monitoring/guardrail/internal/apt"
)

// TestFromAptCopiesEveryField: each field apt.Update shares with Pending by
// name is carried over (a field added to both and forgotten here fails).
func TestFromAptCopiesEveryField(t *testing.T) {
	var u apt.Update
	uv := reflect.ValueOf(&u).Elem()
	for i := 0; i < uv.NumField(); i++ {
		switch f := uv.Field(i); f.Kind() {
		case reflect.String:
			f.SetString(uv.Type().Field(i).Name + "-value")
		case reflect.Bool:
			f.SetBool(true)
		}
	}
	p := reflect.ValueOf(fromApt(u))
	shared := 0
	for i := 0; i < uv.NumField(); i++ {
		name := uv.Type().Field(i).Name
		pf := p.FieldByName(name)
		if !pf.IsValid() {
			continue // apt's own (Missing, Phased): not the judge's business
		}
		shared++
		if !reflect.DeepEqual(pf.Interface(), uv.Field(i).Interface()) {
			t.Errorf("%s: %v, want %v", name, pf.Interface(), uv.Field(i).Interface())
		}
	}
	if shared < 12 {
		t.Errorf("only %d fields shared", shared)
	}
}
