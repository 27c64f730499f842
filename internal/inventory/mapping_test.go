package inventory

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/policy"
)

func mapping(t testing.TB, yaml string) Mapping {
	t.Helper()
	inv, err := policy.ParseInventory("P", []byte(yaml))
	if err != nil {
		t.Fatal(err)
	}
	m, err := MappingFrom("P", *inv)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const cmdbPolicy = `inventory:
  columns: {name: Hostname, platform: OS, version: OS Version, site: Location, owner: Team}
  platforms: {"Cisco IOS XE": ios-xe, "Cisco Adaptive Security Appliance": asa, "cisco-ios-xe": ios-xe}
`

func TestMappedCSVAndJSON(t *testing.T) {
	m := mapping(t, cmdbPolicy)
	csv := "hostname,os,os version,location,team,serial\n" +
		"core-sw1,Cisco IOS XE,17.9.4a,dal,netops,FOC1\n" +
		"fw1,CISCO ADAPTIVE SECURITY APPLIANCE,9.16(4)48,fra,security,JAD2\n" +
		"lab1,Cisco NX-OS,9.3(10),lab,,X\n" +
		"rtr9,junos,21.4R3,ams,wan\n"
	devs, err := ParseWith("cmdb.csv", []byte(csv), m)
	if err != nil {
		t.Fatal(err)
	}
	want := []Device{
		{"core-sw1", "ios-xe", "17.9.4a", 2, "dal", "netops"},
		{"fw1", "asa", "9.16(4)48", 3, "fra", "security"},
		{"lab1", "Cisco NX-OS", "9.3(10)", 4, "lab", ""},
		{"rtr9", "junos", "21.4R3", 5, "ams", "wan"},
	}
	if fmt.Sprint(devs) != fmt.Sprint(want) {
		t.Errorf("csv:\n got %v\nwant %v", devs, want)
	}
	js := `[
  {"Hostname": "core-sw1", "OS": "cisco ios xe", "OS Version": "17.9.4a", "Location": "dal", "Team": "netops"},
  {"hostname": "fw1", "os": "Cisco Adaptive Security Appliance", "os version": "9.16(4)48", "location": "fra", "team": null}
]`
	devs, err = ParseWith("cmdb.json", []byte(js), m)
	if err != nil {
		t.Fatal(err)
	}
	want = []Device{{"core-sw1", "ios-xe", "17.9.4a", 2, "dal", "netops"}, {"fw1", "asa", "9.16(4)48", 3, "fra", ""}}
	if fmt.Sprint(devs) != fmt.Sprint(want) {
		t.Errorf("json:\n got %v\nwant %v", devs, want)
	}
	// Each device of an unknown platform is UNKNOWN naming its row.
	if _, err := Resolve("cmdb.csv", Device{Name: "lab1", Platform: "Cisco NX-OS", Line: 4}); err == nil ||
		err.Error() != `inventory cmdb.csv, line 4, key platform: device "lab1": unknown platform "Cisco NX-OS" (not a platform id; map the spelling in the policy's inventory.platforms)` {
		t.Errorf("unknown platform: %v", err)
	}
	if id, err := Resolve("cmdb.csv", Device{Name: "rtr9", Platform: "Juniper", Line: 5}); err != nil || id != "junos" {
		t.Errorf("alias: %q %v", id, err)
	}
}

func TestMappedErrors(t *testing.T) {
	m := mapping(t, cmdbPolicy)
	cases := map[string]string{
		"hostname,os,version\nsw1,ios-xe,1\n":                              `inventory F, line 1: header has no "OS Version" column (want Hostname,OS,OS Version)`,
		"hostname,os,os version,team\nsw1,ios-xe,17.9.4a,netops\n":         `inventory F, line 1: header has no "Location" column`,
		"[{\"Hostname\": \"a\", \"OS\": \"ios\", \"Location\": \"x\"}]":    `inventory F, line 1: device has no string "OS Version"`,
		"[{\"Hostname\": \"a\", \"OS\": 7, \"OS Version\": \"1\"}]":        `inventory F, line 1: "OS" must be a string`,
		"[\n{\"Hostname\": \"\", \"OS\": \"ios\", \"OS Version\": \"1\"}]": `inventory F, line 2: empty name`,
	}
	for in, want := range cases {
		if _, err := ParseWith("F", []byte(in), m); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: %v\nwant %s", in, err, want)
		}
	}
	bad := map[string]string{
		"inventory:\n  platforms: {\"Cisco IOS XE\": iosxr}\n": `policy P, line 2, key inventory.platforms.Cisco IOS XE: "iosxr" is not a platform id`,
		"inventory:\n  columns:\n    name: ''\n":               "policy P, line 3, key inventory.columns.name: empty column name",
		"inventory:\n  netbox_version_field: custom_fields.\n": "policy P, line 2, key inventory.netbox_version_field: want a dotted field path",
	}
	for yaml, want := range bad {
		inv, err := policy.ParseInventory("P", []byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := MappingFrom("P", *inv); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: %v\nwant %s", yaml, err, want)
		}
	}
}

// NetBox's device export, in its real schema: two pages one after the
// other, or a list of pages; unnamed devices by their display name.
func TestNetBox(t *testing.T) {
	m := mapping(t, "inventory:\n  platforms: {cisco-ios-xe: ios-xe}\n")
	want := []Device{
		{"core-sw1", "ios-xe", "17.9.4a", 6, "Dallas DC1", "NetOps"},
		{"fw-edge1", "cisco-asa", "9.16(4)48", 97, "Frankfurt", "Security"},
		{"C9300-48P (13)", "", "", 195, "Dallas DC1", ""},
		{"lb1", "f5-bigip", "17.1.1.3", 274, "Dallas DC1", "NetOps"},
	}
	devs, err := ReadWith(filepath.Join(dir, "netbox-devices.json"), m)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(devs) != fmt.Sprint(want) {
		t.Errorf("pages:\n got %v\nwant %v", devs, want)
	}
	list, err := ReadWith(filepath.Join(dir, "netbox-pages-list.json"), m)
	if err != nil || len(list) != 4 || list[3].Name != "lb1" || list[3].Platform != "f5-bigip" {
		t.Errorf("list of pages: %v %v", list, err)
	}
	// The slug is an alias check_os_version knows; the unnamed device has
	// no platform and is UNKNOWN on its own.
	if id, err := Resolve("nb.json", devs[3]); err != nil || id != "bigip" {
		t.Errorf("f5-bigip: %q %v", id, err)
	}
	if id, err := Resolve("nb.json", devs[1]); err != nil || id != "asa" {
		t.Errorf("cisco-asa: %q %v", id, err)
	}
	if _, err := Resolve("nb.json", devs[2]); err == nil || !strings.Contains(err.Error(), "line 195, key platform: device \"C9300-48P (13)\" has no platform") {
		t.Errorf("no platform: %v", err)
	}
	// Without a mapping the slug is kept; a named version field is used.
	devs, err = Parse("nb.json", []byte(`{"count": 1, "next": null, "previous": null, "results": [
  {"id": 1, "name": "r1", "platform": {"id": 4, "name": "Juniper Junos", "slug": "junos"}, "software_version": "21.4R3-S5", "custom_fields": {"version": 2}}]}`))
	if err != nil || devs[0].Platform != "junos" || devs[0].Version != "21.4R3-S5" || devs[0].Line != 2 {
		t.Errorf("plain page: %v %v", devs, err)
	}
	named := Mapping{NetBoxVersionField: "custom_fields.version"}
	if devs, err = ParseWith("nb.json", []byte(`{"results": [{"name": "r1", "custom_fields": {"version": 21}}]}`), named); err != nil || devs[0].Version != "21" {
		t.Errorf("named field: %v %v", devs, err)
	}
	deep := Mapping{NetBoxVersionField: "config_context.software.version"}
	if devs, err = ParseWith("nb.json", []byte(`{"results": [{"name": "r1", "config_context": {"software": {"version": "17.9.4a"}}}, {"name": "r2"}]}`), deep); err != nil ||
		devs[0].Version != "17.9.4a" || devs[1].Version != "" {
		t.Errorf("nested field: %v %v", devs, err)
	}
}

func TestNetBoxErrors(t *testing.T) {
	cases := map[string]string{
		`{"results": {"name": "r1"}}`:                                                   "inventory F, line 1: page 1: results must be a list",
		"{\"results\": [\n{\"display\": \"\"}]}":                                        "inventory F, line 2: device without name or display",
		"{\"results\": [\n{\"name\": 7}]}":                                              `inventory F, line 2: device field "name": want string`,
		"{\"results\": [{\"name\": \"r1\"}]}\n{\"count\": 0}":                           "inventory F, line 2: page 2 has no results",
		"{\"results\": [{\"name\": \"r1\"}]}\n7":                                        "inventory F, line 2: want NetBox pages",
		"{\"results\": [{\"name\": \"r1\",":                                             "inventory F, line 1: JSON ends early",
		"{\"results\": [{\"name\": \"r1\", \"custom_fields\": {\"os_version\": [1]}}]}": `inventory F, line 1: device "r1": custom_fields.os_version must be a string`,
		"[{\"results\": []}, 3]":                                                        "inventory F, line 1: a list of NetBox pages holds only pages",
		"{\"results\": []}":                                                             "inventory F: no devices",
	}
	for in, want := range cases {
		if _, err := Parse("F", []byte(in)); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: %v\nwant %s", in, err, want)
		}
	}
}

// FuzzParseWith: mapped columns, platform spellings and NetBox pages give
// devices or an error naming the file, never a panic.
func FuzzParseWith(f *testing.F) {
	for _, name := range []string{"netbox-devices.json", "netbox-pages-list.json", "fleet.csv", "fleet.json"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("hostname,os,os version,location,team\nsw1,Cisco IOS XE,17.9.4a,dal,netops\n"))
	f.Add([]byte(`[{"Hostname": "a", "OS": "cisco ios xe", "OS Version": "1", "Location": "x"}]`))
	m := mapping(f, cmdbPolicy)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, mm := range []Mapping{m, DefaultMapping} {
			devs, err := ParseWith("inv", data, mm)
			if err != nil {
				if !strings.HasPrefix(err.Error(), "inventory inv") {
					t.Fatalf("error without the file: %v", err)
				}
				continue
			}
			lines := strings.Count(string(data), "\n") + 1
			for _, d := range devs {
				if d.Name == "" || d.Line < 1 || d.Line > lines {
					t.Fatalf("device %+v (%d lines)", d, lines)
				}
				_, _ = Resolve("inv", d)
			}
		}
	})
}

// BenchmarkParseNetBox: 100,000 devices in pages of 1,000, each device
// with the nested objects NetBox serves (platform, site, tenant, custom
// fields).
func BenchmarkParseNetBox(b *testing.B) {
	var sb strings.Builder
	for p := range 100 {
		sb.WriteString(`{"count": 100000, "next": null, "previous": null, "results": [`)
		for i := range 1000 {
			if i > 0 {
				sb.WriteString(",\n")
			}
			n := p*1000 + i
			fmt.Fprintf(&sb, `{"id": %d, "name": "dev%d", "display": "dev%d", "status": {"value": "active", "label": "Active"}, "platform": {"id": 1, "url": "https://nb/api/dcim/platforms/1/", "display": "Cisco IOS XE", "name": "Cisco IOS XE", "slug": "cisco-ios-xe"}, "site": {"id": 2, "name": "site%d", "slug": "s%d"}, "tenant": {"id": 3, "name": "NetOps", "slug": "netops"}, "custom_fields": {"os_version": "17.9.%d"}, "tags": []}`, n, n, n, n%50, n%50, n%10)
		}
		sb.WriteString("]}\n")
	}
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if devs, err := Parse("nb.json", data); err != nil || len(devs) != 100000 {
			b.Fatal(err, len(devs))
		}
	}
}

// Lines of NetBox devices are counted once: 200,000 small devices parse
// in linear time (counting from the start for each was quadratic).
func TestNetBoxManyDevicesLinear(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(`{"results": [`)
	for i := range 200000 {
		if i > 0 {
			sb.WriteString(",\n")
		}
		fmt.Fprintf(&sb, `{"name": "d%d", "custom_fields": {"os_version": "1"}}`, i)
	}
	sb.WriteString("]}\n")
	start := time.Now()
	devs, err := Parse("nb.json", []byte(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("%d devices took %v", len(devs), took)
	}
	if last := devs[len(devs)-1]; last.Line != 200000 || last.Name != "d199999" {
		t.Errorf("last device %+v", last)
	}
}
