package rpm

import (
	"errors"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/guardrail-monitoring/guardrail/internal/located"
)

const (
	modulesKind     = "modules.yaml"
	moduleStateKind = "dnf module state"
)

// ModuleStream is one stream of a module a repo publishes (modulemd v2),
// with the packages (NEVRA, epoch always written) it is made of.
type ModuleStream struct {
	Name, Stream string
	Repo         string
	Artifacts    []string
}

// ModuleState is what /etc/dnf/modules.d says of a module.
type ModuleState struct {
	Name, Stream, State string // State: enabled, disabled or ""
}

// moduleDoc is one YAML document of a modules.yaml: modulemd (v2) or
// modulemd-defaults (v1); other documents (obsoletes, translations) are
// left alone.
type moduleDoc struct {
	Document string `yaml:"document"`
	Data     struct {
		Name      string `yaml:"name"`
		Stream    string `yaml:"stream"`
		Module    string `yaml:"module"`
		Artifacts struct {
			RPMs []string `yaml:"rpms"`
		} `yaml:"artifacts"`
	} `yaml:"data"`
}

// scanModules reads the module streams and default streams of one repo.
func scanModules(r io.Reader, file, repo string) ([]ModuleStream, map[string]string, error) {
	dec := yaml.NewDecoder(r)
	var streams []ModuleStream
	defaults := map[string]string{}
	for n := 1; ; n++ {
		var d moduleDoc
		err := dec.Decode(&d)
		if errors.Is(err, io.EOF) {
			return streams, defaults, nil
		}
		if err != nil {
			if e, ok := located.As(err); ok {
				return nil, nil, e
			}
			return nil, nil, &located.Error{Kind: modulesKind, File: file, Key: "document " + strconv.Itoa(n), Msg: "not a modulemd YAML document", Err: err}
		}
		switch d.Document {
		case "modulemd":
			if d.Data.Name == "" || d.Data.Stream == "" {
				return nil, nil, &located.Error{Kind: modulesKind, File: file, Key: "document " + strconv.Itoa(n), Msg: "module without name or stream"}
			}
			streams = append(streams, ModuleStream{Name: d.Data.Name, Stream: d.Data.Stream, Repo: repo, Artifacts: d.Data.Artifacts.RPMs})
		case "modulemd-defaults":
			if d.Data.Module != "" && d.Data.Stream != "" {
				defaults[d.Data.Module] = d.Data.Stream
			}
		}
	}
}

// readModuleStates reads /etc/dnf/modules.d/*.module under root.
func readModuleStates(root string) (map[string]ModuleState, error) {
	files, _ := filepath.Glob(filepath.Join(root, "etc/dnf/modules.d/*.module"))
	sort.Strings(files)
	out := map[string]ModuleState{}
	for _, f := range files {
		b, err := located.ReadFile(f, located.Limit{Kind: moduleStateKind, Bytes: maxConfFile})
		if err != nil {
			return nil, err
		}
		secs, err := parseINI(b, moduleStateKind, f)
		if err != nil {
			return nil, err
		}
		for _, s := range secs {
			st := ModuleState{Name: s.name}
			if v, ok := s.values["name"]; ok && v.value != "" {
				st.Name = v.value
			}
			st.Stream = s.values["stream"].value
			st.State = strings.ToLower(s.values["state"].value)
			out[st.Name] = st
		}
	}
	return out, nil
}

// moduleFilter is libdnf's modular filtering: the packages of the active
// streams (enabled in modules.d, else the default stream, unless the module
// is disabled) are offered; packages of every other stream are not, nor are
// packages outside any module that share a name with a package of an
// active stream. Repos with module_hotfixes=1 are not filtered. (Module
// dependencies, e.g. on the platform stream, are taken as met.)
type moduleFilter struct {
	active   map[string]bool // NEVRA
	inactive map[string]bool
	names    map[string]bool // names of packages of active streams
}

func (s *System) buildModuleFilter() {
	if len(s.Modules) == 0 {
		return
	}
	activeStream := map[string]string{}
	for name, st := range s.ModuleDefaults {
		activeStream[name] = st
	}
	for name, st := range s.ModuleStates {
		switch st.State {
		case "enabled":
			activeStream[name] = st.Stream
		case "disabled":
			delete(activeStream, name)
		}
	}
	f := &moduleFilter{active: map[string]bool{}, inactive: map[string]bool{}, names: map[string]bool{}}
	for _, m := range s.Modules {
		on := activeStream[m.Name] == m.Stream
		for _, a := range m.Artifacts {
			if on {
				f.active[a] = true
				if n, _, ok := splitNEVRA(a); ok && !strings.HasSuffix(a, ".src") && !strings.HasSuffix(a, ".nosrc") {
					f.names[n] = true
				}
			} else {
				f.inactive[a] = true
			}
		}
	}
	s.modFilter = f
}

// hides says whether modular filtering keeps p from dnf.
func (f *moduleFilter) hides(p *Available, hotfix bool) bool {
	if f == nil || hotfix {
		return false
	}
	key := p.Name + "-" + strconv.Itoa(p.EVR.Epoch) + ":" + p.EVR.Version + "-" + p.EVR.Release + "." + p.Arch
	if f.active[key] {
		return false
	}
	return f.inactive[key] || f.names[p.Name]
}

// splitNEVRA cuts name-epoch:version-release.arch into the name and the rest.
func splitNEVRA(s string) (name, evra string, ok bool) {
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return "", "", false
	}
	j := strings.LastIndexByte(s[:i], '-')
	if j <= 0 {
		return "", "", false
	}
	return s[:j], s[j+1:], true
}
