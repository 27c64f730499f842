package rpm

import (
	"bytes"
	"testing"
)

func FuzzRepoFile(f *testing.F) {
	f.Add(metadataFile(f, "rocky.repo"))
	f.Add([]byte("[a]\nbaseurl=http://x/$releasever/\n\thttp://y/${basearch}\nenabled=0\n"))
	f.Add([]byte("[main]\nexcludepkgs=foo*\ninstallonly_limit=3\n[r]\npriority=1\n"))
	vars := map[string]string{"releasever": "9", "basearch": "x86_64"}
	f.Fuzz(func(t *testing.T, b []byte) {
		repos, err := parseRepoFile(b, "f.repo", vars)
		if err != nil {
			return
		}
		for _, r := range repos {
			if r.ID == "" || r.Line < 1 {
				t.Fatalf("repo without id or line: %+v", r)
			}
			_ = cacheDirName(r)
		}
		secs, err := parseINI(b, confKind, "dnf.conf")
		if err == nil {
			_, _, _ = parseMain(secs, "dnf.conf", vars)
		}
	})
}

func FuzzPrimary(f *testing.F) {
	f.Add(metadataFile(f, "primary.xml"))
	f.Add([]byte("<metadata><package><name>foo</name><arch>noarch</arch><version ver=\"1\"/></package></metadata>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = scanPrimary(bytes.NewReader(b), "primary.xml", func(*Available) bool { return true }, func(p *Available) error {
			if p.Name == "" || p.Arch == "" || p.EVR.Version == "" {
				t.Fatalf("accepted an incomplete package: %+v", p)
			}
			for _, d := range p.Obsoletes {
				_ = d.Matches(p.Name, p.EVR)
			}
			return nil
		})
	})
}

func FuzzUpdateinfo(f *testing.F) {
	f.Add(metadataFile(f, "updateinfo.xml"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = scanUpdateinfo(bytes.NewReader(b), "updateinfo.xml", func(string) bool { return true }, func(a *Advisory) error {
			if a.ID == "" || len(a.Packages) == 0 {
				t.Fatalf("accepted an advisory without id or packages: %+v", a)
			}
			return nil
		})
	})
}

func FuzzRepomd(f *testing.F) {
	f.Add(metadataFile(f, "repomd.xml"))
	f.Fuzz(func(t *testing.T, b []byte) {
		md, err := parseRepomd(bytes.NewReader(b), "repomd.xml")
		if err == nil {
			for _, d := range md.Data {
				_ = cleanHref(d.Href)
			}
		}
	})
}

func FuzzHeader(f *testing.F) {
	f.Add(headerBlob(map[uint32]string{tagName: "a", tagVersion: "1", tagRelease: "1", tagArch: "x86_64"}, 1))
	f.Add(headerBlob(map[uint32]string{tagName: "gpg-pubkey", tagVersion: "1"}, -1))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseHeader(b)
		if err == nil && (h.Name == "" || h.EVR.Version == "") {
			t.Fatalf("accepted a header without name or version: %+v", h)
		}
	})
}

func FuzzVercmp(f *testing.F) {
	for _, c := range vercmpCases {
		f.Add(c.a, c.b)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		x, y := vercmp(a, b), vercmp(b, a)
		if x != -y {
			t.Fatalf("vercmp(%q, %q) = %d but reversed %d", a, b, x, y)
		}
	})
}
