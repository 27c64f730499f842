package rpm

import (
	"bytes"
	"html"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

var (
	vendorOpen  = []byte("<rpm:vendor>")
	vendorClose = []byte("</rpm:vendor>")
)

// quickVendor is the text of a primary package block's <rpm:vendor>, its
// entities decoded (SUSE's is "SUSE LLC &lt;https://www.suse.com/&gt;"),
// or "" when the block has none.
func quickVendor(block []byte) string {
	i := bytes.Index(block, vendorOpen)
	if i < 0 {
		return ""
	}
	rest := block[i+len(vendorOpen):]
	j := bytes.Index(rest, vendorClose)
	if j < 0 {
		return ""
	}
	v := string(rest[:j])
	if strings.IndexByte(v, '&') >= 0 {
		v = html.UnescapeString(v)
	}
	return strings.TrimSpace(v)
}

// vendorClasses is libzypp's vendor equivalence (VendorAttr), as zypper
// 1.14 / libzypp 17.25 apply it and the tests check against them: vendors
// compare case-insensitively; a vendor belongs to a class when it starts
// with one of the class's names; two vendors are equivalent when equal or
// in the same class. The built-in classes are "suse" and "opensuse", apart
// ("SUSE LLC" and "SUSE" are one vendor, "SUSE" and "openSUSE" are not);
// /etc/zypp/vendors.d files add classes ([main] vendors = a,b,...).
type vendorClasses struct {
	classes [][]string // lower-case name prefixes
	// ids memoises each vendor string's equivalence id: a host has a
	// handful of vendors, compared thousands of times
	ids, lower map[string]int
}

func defaultVendorClasses() *vendorClasses {
	return &vendorClasses{classes: [][]string{{"suse"}, {"opensuse"}}}
}

const vendorsKind = "zypp vendors.d file"

// readVendorClasses adds the classes of every file in dir.
func (vc *vendorClasses) read(dir string) error {
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	sort.Strings(files)
	for _, f := range files {
		if st, err := os.Stat(f); err != nil || st.IsDir() {
			continue
		}
		b, err := located.ReadFile(f, located.Limit{Kind: vendorsKind, Bytes: maxConfFile})
		if err != nil {
			return err
		}
		secs, err := parseINI(b, vendorsKind, f)
		if err != nil {
			return err
		}
		for _, s := range secs {
			if v, ok := s.values["vendors"]; ok && s.name == "main" {
				var class []string
				for _, n := range listValue(v.value) {
					class = append(class, strings.ToLower(n))
				}
				if len(class) > 0 {
					vc.classes = append(vc.classes, class)
				}
			}
		}
	}
	return nil
}

// class is the index of the class a vendor belongs to, -1 for none.
func (vc *vendorClasses) class(v string) int {
	for i, c := range vc.classes {
		for _, n := range c {
			if strings.HasPrefix(v, n) {
				return i
			}
		}
	}
	return -1
}

// equivalent: an update from vendor b may replace a package of vendor a.
func (vc *vendorClasses) equivalent(a, b string) bool {
	return a == b || vc.id(a) == vc.id(b)
}

// id is the vendor's class index, or for a vendor of no class an id past
// them shared by the vendors equal to it but for case.
func (vc *vendorClasses) id(v string) int {
	if id, ok := vc.ids[v]; ok {
		return id
	}
	if vc.ids == nil {
		vc.ids, vc.lower = map[string]int{}, map[string]int{}
	}
	l := strings.ToLower(v)
	id := vc.class(l)
	if id < 0 {
		var ok bool
		if id, ok = vc.lower[l]; !ok {
			id = len(vc.classes) + len(vc.lower)
			vc.lower[l] = id
		}
	}
	vc.ids[v] = id
	return id
}
