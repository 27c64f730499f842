package rpmtest

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// BuildAll makes many packages in one rpmbuild run, as subpackages of one
// spec (a run per package would take minutes for thousands). Every package
// must have an arch other than noarch; the first package's Vendor is all
// packages' (a spec sets it once). It returns the .rpm paths.
func (h *Host) BuildAll(pkgs []Pkg) []string {
	h.t.Helper()
	var spec strings.Builder
	spec.WriteString("Name: guardrail-bulk\nVersion: 1\nRelease: 1\nSummary: s\nLicense: MIT\n")
	if len(pkgs) > 0 && pkgs[0].Vendor != "" {
		spec.WriteString("Vendor: " + pkgs[0].Vendor + "\n")
	}
	spec.WriteString("%description\nbulk\n")
	var out []string
	top := filepath.Join(h.build, "bulk")
	for _, p := range pkgs {
		p = p.norm()
		fmt.Fprintf(&spec, "%%package -n %s\nVersion: %s\nRelease: %s\nSummary: s\n", p.Name, p.Version, p.Release)
		if p.Epoch != 0 {
			fmt.Fprintf(&spec, "Epoch: %d\n", p.Epoch)
		}
		for _, o := range p.Provides {
			fmt.Fprintf(&spec, "Provides: %s\n", o)
		}
		for _, o := range p.Obsoletes {
			fmt.Fprintf(&spec, "Obsoletes: %s\n", o)
		}
		fmt.Fprintf(&spec, "%%description -n %s\nd\n%%files -n %s\n", p.Name, p.Name)
		out = append(out, filepath.Join(top, "RPMS", p.Arch, fmt.Sprintf("%s-%s-%s.%s.rpm", p.Name, p.Version, p.Release, p.Arch)))
	}
	file := filepath.Join(h.build, "bulk.spec")
	must(h.t, os.WriteFile(file, []byte(spec.String()), 0o644))
	buildMu.Lock()
	h.run("rpmbuild", "-bb", "--quiet", "--define", "_topdir "+top, file)
	buildMu.Unlock()
	return out
}

// InstallFiles puts built .rpm files into the root's rpmdb.
func (h *Host) InstallFiles(files []string) {
	h.t.Helper()
	h.run("rpm", append([]string{"--root", h.Root, "--justdb", "--nodeps", "--noscripts", "--ignorearch", "-i"}, files...)...)
}

// RawRepo makes a repo straight from metadata documents (type → plain
// XML, e.g. "primary", "updateinfo"), gzipped and listed in repomd.xml
// with their checksums as createrepo_c would; dnf needs no .rpm files to
// tell updates. It writes the .repo file and returns the repo's directory.
func (h *Host) RawRepo(id string, docs map[string][]byte) string {
	h.t.Helper()
	dir := filepath.Join(h.repos, id)
	must(h.t, os.MkdirAll(filepath.Join(dir, "repodata"), 0o755))
	var md strings.Builder
	md.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<repomd xmlns=\"http://linux.duke.edu/metadata/repo\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\">\n  <revision>1700000000</revision>\n")
	for _, typ := range []string{"primary", "filelists", "other", "updateinfo"} {
		plain, ok := docs[typ]
		if !ok {
			continue
		}
		var gz bytes.Buffer
		w := gzip.NewWriter(&gz)
		w.Write(plain)
		w.Close()
		sum := fmt.Sprintf("%x", sha256.Sum256(gz.Bytes()))
		open := fmt.Sprintf("%x", sha256.Sum256(plain))
		name := "repodata/" + sum + "-" + typ + ".xml.gz"
		must(h.t, os.WriteFile(filepath.Join(dir, name), gz.Bytes(), 0o644))
		fmt.Fprintf(&md, "  <data type=\"%s\">\n    <checksum type=\"sha256\">%s</checksum>\n    <open-checksum type=\"sha256\">%s</open-checksum>\n    <location href=\"%s\"/>\n    <timestamp>1700000000</timestamp>\n    <size>%d</size>\n    <open-size>%d</open-size>\n  </data>\n",
			typ, sum, open, name, gz.Len(), len(plain))
	}
	md.WriteString("</repomd>\n")
	must(h.t, os.WriteFile(filepath.Join(dir, "repodata/repomd.xml"), []byte(md.String()), 0o644))
	h.WriteFile("etc/yum.repos.d/"+id+".repo", fmt.Sprintf("[%s]\nname=%s\nbaseurl=file://%s\ngpgcheck=0\n", id, id, dir))
	return dir
}

// DNF runs dnf in the root with the given arguments (after the isolating
// ones), its output discarded, and returns its state (exit code, rusage).
func (h *Host) DNF(args ...string) *os.ProcessState {
	h.t.Helper()
	return h.process("dnf", h.dnfArgs(args...)...)
}

// AddModules adds a modules.yaml (modulemd streams and defaults) to the
// repo made by Repo, as modifyrepo_c does for RHEL's AppStream.
func (h *Host) AddModules(id, yaml string) {
	h.t.Helper()
	f := filepath.Join(h.build, "modules.yaml")
	must(h.t, os.WriteFile(f, []byte(yaml), 0o644))
	h.run("modifyrepo_c", "--mdtype=modules", f, filepath.Join(h.repos, id, "repodata"))
}

// ModuleStream writes one modulemd v2 document.
func ModuleStream(name, stream string, artifacts ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\ndocument: modulemd\nversion: 2\ndata:\n  name: %s\n  stream: %q\n  version: 1\n  context: c0ffee42\n  arch: x86_64\n  summary: %s\n  description: %s\n  license:\n    module: [MIT]\n  profiles:\n    common:\n      rpms: [%s]\n  artifacts:\n    rpms:\n",
		name, stream, name, name, name)
	for _, a := range artifacts {
		fmt.Fprintf(&b, "    - %s\n", a)
	}
	b.WriteString("...\n")
	return b.String()
}

// ModuleDefaults writes one modulemd-defaults document.
func ModuleDefaults(name, stream string) string {
	return fmt.Sprintf("---\ndocument: modulemd-defaults\nversion: 1\ndata:\n  module: %s\n  stream: %q\n...\n", name, stream)
}
