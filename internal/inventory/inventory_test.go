package inventory

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

const dir = "../../testdata/inventory"

func TestRead(t *testing.T) {
	cases := []struct {
		file string
		want []Device
	}{
		{"bom-crlf.csv", []Device{{"sw1", "ios-xe", "17.9.4a", 2, "", ""}, {"sw2", "IOS-XE", "17.6.5", 4, "", ""}}},
		{"fleet.json", []Device{
			{"core-sw1", "ios-xe", "17.9.4a", 2, "dal", ""},
			{"core-sw2", "ios-xe", "17.6.3", 3, "", ""},
			{"edge-rtr1", "junos", "21.4R3-S1", 4, "", ""},
			{"fw2", "pan-os", "10.2.9", 6, "", ""},
			{"web1", "debian", "12", 7, "", ""},
		}},
	}
	for _, c := range cases {
		got, err := Read(filepath.Join(dir, c.file))
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s:\n got %v\nwant %v", c.file, got, c.want)
		}
	}
	fleet, err := Read(filepath.Join(dir, "fleet.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(fleet) != 17 {
		t.Fatalf("fleet.csv: %d devices", len(fleet))
	}
	if d := fleet[3]; d != (Device{"edge, rtr1", "junos", "21.4R3-S1", 5, "fra", `wan "team"`}) {
		t.Errorf("quoted row: %+v", d)
	}
	if d := fleet[5]; d.Version != "v7.2.8,build1639,240313 (GA.M)" || d.Line != 7 {
		t.Errorf("quoted version: %+v", d)
	}
}

func TestReadErrors(t *testing.T) {
	cases := map[string]string{
		"no-version-column.csv": `no-version-column.csv, line 1: header has no "version" column`,
		"bad-quote.csv":         `bad-quote.csv, line 3: `,
		"short-row.csv":         `short-row.csv, line 3: 1 fields, no platform column`,
		"number-version.json":   `number-version.json, line 3: "version" must be a string, not a number`,
		"truncated.json":        `truncated.json, line 4: JSON ends early`,
		"missing.csv":           `inventory ../../testdata/inventory/missing.csv: no such file or directory`,
	}
	for file, want := range cases {
		_, err := Read(filepath.Join(dir, file))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v\nwant %s", file, err, want)
		}
	}
	inline := map[string]string{
		"":             "empty",
		"  \n":         "empty",
		`{"name":"a"}`: "line 1: JSON must be a list",
		"[1]":          "line 1: each device must be an object",
		"[\n{\"name\":\"a\",\"platform\":\"x\"}]":      `line 2: device has no string "version"`,
		`[{"name":"","platform":"x","version":"1"}]`:   "line 1: empty name",
		`[{"name":null,"platform":"x","version":"1"}]`: `line 1: device has no string "name"`,
		"[null]": `line 1: device has no string "name"`,
		"[\n  {\"name\": \"a\\\"{[\", \"platform\": \"x\", \"version\": \"1\"},\n\n  {\"name\": \"\"}]": `line 4: device has no string "platform"`,
		"[] x":                                  "line 1: ",
		"name,platform,version\n,ios,15.2(7)E4": "line 2: empty name",
		"name,name,platform,version\n":          `column "name" twice`,
		"a,b\xff,c\n":                           "line 1: not UTF-8",
		// No device at all: an empty export, never "0 of 0 drifted".
		"[]":                                     "inventory inv: no devices",
		" [ ]\n":                                 "inventory inv: no devices",
		"name,platform,version\n":                "inventory inv: no devices",
		"name,platform,version\r\n \n\n":         "inventory inv: no devices",
		"\xef\xbb\xbfName,Platform,Version,Site": "inventory inv: no devices",
	}
	for in, want := range inline {
		_, err := Parse("inv", []byte(in))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "inventory inv") {
			t.Errorf("%q: %v\nwant %s", in, err, want)
		}
	}
}

// FuzzParse: any bytes give devices or an error naming the file, never a
// panic, and every device has a name and a line.
func FuzzParse(f *testing.F) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		devs, err := Parse("inv", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "inventory inv") {
				t.Fatalf("error without the file: %v", err)
			}
			return
		}
		last, lines := 1, strings.Count(string(data), "\n")+1
		for _, d := range devs {
			if d.Name == "" || d.Line < last || d.Line > lines {
				t.Fatalf("device %+v (previous line %d, %d lines)", d, last, lines)
			}
			last = d.Line
		}
	})
}

func BenchmarkParseCSV(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("name,platform,version,site\n")
	for i := range 100000 {
		fmt.Fprintf(&sb, "dev%d,ios-xe,17.9.%d,site%d\n", i, i%10, i%50)
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if devs, err := Parse("inv", data); err != nil || len(devs) != 100000 {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseJSON(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("[\n")
	for i := range 100000 {
		if i > 0 {
			sb.WriteString(",\n")
		}
		fmt.Fprintf(&sb, `{"name":"dev%d","platform":"junos","version":"21.4R3-S%d"}`, i, i%10)
	}
	sb.WriteString("\n]\n")
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if devs, err := Parse("inv", data); err != nil || len(devs) != 100000 {
			b.Fatal(err)
		}
	}
}

// TestReadBounded: the size cap counts bytes as read, so a character
// device (stat size 0, endless) or a symlink to one ends quickly in an
// error naming the file and the limit, and a file one byte over is refused.
func TestReadBounded(t *testing.T) {
	link := filepath.Join(t.TempDir(), "fleet.csv")
	if err := os.Symlink("/dev/zero", link); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dev/zero", link} {
		start := time.Now()
		_, err := Read(path)
		if took := time.Since(start); took > 10*time.Second {
			t.Errorf("%s: took %v", path, took)
		}
		want := "inventory " + path + ": larger than the 32 MiB limit"
		if err == nil || !strings.HasPrefix(err.Error(), want) || !errors.Is(err, located.ErrTooLarge) {
			t.Errorf("%s: %v\nwant %s", path, err, want)
		}
	}

	saved := Limit
	defer func() { Limit = saved }()
	row := "name,platform,version\nsw1,ios-xe,17.9.4a\n"
	Limit.Bytes = int64(len(row))
	exact := filepath.Join(t.TempDir(), "exact.csv")
	over := filepath.Join(t.TempDir(), "over.csv")
	if err := os.WriteFile(exact, []byte(row), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(over, []byte(row+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if devs, err := Read(exact); err != nil || len(devs) != 1 {
		t.Errorf("at the limit: %v %v", devs, err)
	}
	if _, err := Read(over); err == nil || !strings.Contains(err.Error(), "inventory "+over+": larger than") {
		t.Errorf("one byte over: %v", err)
	}
}
