package kerneltest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzFlowPoints: any flow gives points or an error, never a panic, and
// never more than MaxPoints; every point lies in the flow.
func FuzzFlowPoints(f *testing.F) {
	files, _ := filepath.Glob("../../../testdata/kernel/*/flows.json")
	if len(files) == 0 {
		f.Fatal("no seed flows under testdata/kernel")
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		var doc struct {
			Applications []struct {
				Flows map[string]Flow `json:"app_flows"`
			} `json:"applications"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			f.Fatalf("%s: %v", file, err)
		}
		for _, app := range doc.Applications {
			for _, fl := range app.Flows {
				f.Add(strings.Join(fl.Sources, " "), strings.Join(fl.Destinations, " "), strings.Join(fl.Services, " "))
			}
		}
	}
	f.Fuzz(func(t *testing.T, src, dst, svc string) {
		fl := Flow{Name: "fuzz", Sources: strings.Fields(src), Destinations: strings.Fields(dst), Services: strings.Fields(svc)}
		pts, err := fl.Points()
		if err != nil {
			return
		}
		if len(pts) > MaxPoints {
			t.Fatalf("%d points", len(pts))
		}
		for _, p := range pts {
			if p.Port < 1 || p.Port > 65535 || !p.Src.IsValid() || !p.Dst.IsValid() {
				t.Fatalf("bad point %v from %+v", p, fl)
			}
		}
	})
}
