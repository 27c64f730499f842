package live

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/guardrail-monitoring/guardrail/internal/firewall"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/iptables"
	"github.com/guardrail-monitoring/guardrail/internal/firewall/nftables"
)

// live commands: fixed names under /usr/sbin, argument slices, no shell.
var liveCommands = []struct {
	path      string
	fam       firewall.Family
	nftFamily string
}{
	{"/usr/sbin/iptables-save", firewall.FamilyIPv4, "ip"},
	{"/usr/sbin/ip6tables-save", firewall.FamilyIPv6, "ip6"},
}

// Rulesets reads the live host's rules (root needed: see the sudoers example
// in packaging/): nft -j list ruleset, with iptables-nft's tables taken from
// iptables-save and ip6tables-save; without nft, those two alone. Rules of
// the legacy iptables, which nft does not show, end the read in an error.
// The rulesets stand side by side (one per family or layer).
func Rulesets(ctx context.Context) ([]*firewall.Ruleset, error) {
	if err := refuseLegacy(ctx); err != nil {
		return nil, err
	}
	// nft first: it shows every table, iptables-nft's included.
	if _, err := os.Stat(nftPath); err == nil {
		if data, err := run(ctx, nftPath, "-j", "list", "ruleset"); err == nil {
			var out []*firewall.Ruleset
			if hasXT(data) {
				// iptables-nft tables: exact from iptables-save, the rest from nft.
				drop := map[[2]string]bool{}
				saved, err := readIPTablesSave(ctx)
				if err != nil {
					return nil, err
				}
				for _, s := range saved {
					for _, t := range savedTables(s.raw) {
						if iptablesTables[t] {
							drop[[2]string{s.nftFamily, t}] = true
						}
					}
					out = append(out, s.rs)
				}
				if data, err = withoutTables(data, drop); err != nil {
					return nil, err
				}
			}
			rs, err := nftables.Parse(nftPath, data)
			if err != nil {
				return nil, err
			}
			rs.Source = nftPath + " -j list ruleset"
			return append(out, rs), nil
		}
	}
	saved, err := readIPTablesSave(ctx)
	if err != nil {
		return nil, err
	}
	var out []*firewall.Ruleset
	for _, s := range saved {
		out = append(out, s.rs)
	}
	return out, nil
}

type saved struct {
	rs        *firewall.Ruleset
	raw       []byte
	nftFamily string
}

// readIPTablesSave runs iptables-save and ip6tables-save.
func readIPTablesSave(ctx context.Context) ([]saved, error) {
	var out []saved
	for _, lc := range liveCommands {
		data, err := run(ctx, lc.path)
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(data)) == 0 {
			// No tables loaded: nothing filters this family.
			out = append(out, saved{rs: &firewall.Ruleset{Source: lc.path + " (empty)", Families: []firewall.Family{lc.fam}}, nftFamily: lc.nftFamily})
			continue
		}
		rs, err := iptables.Parse(lc.path, data, lc.fam)
		if err != nil {
			return nil, err
		}
		rs.Source = lc.path
		out = append(out, saved{rs: rs, raw: data, nftFamily: lc.nftFamily})
	}
	return out, nil
}

// nftPath is nft's fixed place on Debian and Ubuntu.
const nftPath = "/usr/sbin/nft"

// iptablesTables are the tables iptables-nft keeps in nftables' ip and ip6
// families. nft -j shows their iptables matches only as opaque "xt"
// expressions, which the engine cannot judge; iptables-save prints them
// exactly, so on such hosts these tables are read from iptables-save and
// only the other (native nft) tables from nft.
var iptablesTables = map[string]bool{"filter": true, "nat": true, "mangle": true, "raw": true, "security": true}

// hasXT reports whether nft's JSON holds iptables-nft compat expressions.
func hasXT(nftJSON []byte) bool { return bytes.Contains(nftJSON, []byte(`"xt"`)) }

// withoutTables drops from nft -j output every object of the given
// (family, table) pairs, so they can be taken from iptables-save instead.
func withoutTables(nftJSON []byte, drop map[[2]string]bool) ([]byte, error) {
	var doc struct {
		Nftables []map[string]json.RawMessage `json:"nftables"`
	}
	if err := json.Unmarshal(nftJSON, &doc); err != nil {
		return nil, fmt.Errorf("nft -j list ruleset: %v", err)
	}
	kept := doc.Nftables[:0]
	for _, obj := range doc.Nftables {
		keep := true
		for kind, raw := range obj {
			var ref struct {
				Family string `json:"family"`
				Name   string `json:"name"`
				Table  string `json:"table"`
			}
			if json.Unmarshal(raw, &ref) != nil || ref.Family == "" {
				continue
			}
			table := ref.Table
			if kind == "table" {
				table = ref.Name
			}
			if drop[[2]string{ref.Family, table}] {
				keep = false
			}
		}
		if keep {
			kept = append(kept, obj)
		}
	}
	doc.Nftables = kept
	return json.Marshal(doc)
}

// savedTables lists the tables an iptables-save output holds (*filter, ...),
// leaving out those it calls incompatible (native nft rules it cannot show).
func savedTables(save []byte) []string {
	var out []string
	for _, line := range bytes.Split(save, []byte("\n")) {
		if len(line) > 1 && line[0] == '*' {
			out = append(out, string(bytes.TrimSpace(line[1:])))
		}
		if bytes.Contains(line, []byte("incompatible")) && len(out) > 0 {
			out = out[:len(out)-1]
		}
	}
	return out
}

// legacySave lists the rules of the legacy (x_tables) iptables, which
// neither nft nor iptables-nft's iptables-save shows.
var legacySave = []string{"/usr/sbin/iptables-legacy-save", "/usr/sbin/ip6tables-legacy-save"}

// refuseLegacy: rules loaded with iptables-legacy filter packets but are
// invisible to nft; judging without them could be a wrong OK, so their
// presence ends the live read in an error (as root, where they can be read).
func refuseLegacy(ctx context.Context) error {
	if os.Geteuid() != 0 {
		return nil
	}
	for _, path := range legacySave {
		if _, err := os.Stat(path); err != nil {
			continue
		}
		data, err := run(ctx, path)
		if err != nil {
			continue // no legacy tables loaded (the module is absent)
		}
		if legacyRules(data) {
			return errors.New(path + " shows iptables-legacy rules, which nft does not: judge them with --iptables FILE from " + path)
		}
	}
	return nil
}

// legacyRules reports whether iptables-save output holds any rule or a
// policy other than ACCEPT.
func legacyRules(save []byte) bool {
	for _, line := range bytes.Split(save, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if bytes.HasPrefix(line, []byte("-A ")) {
			return true
		}
		if len(line) > 0 && line[0] == ':' && !bytes.Contains(line, []byte(" ACCEPT ")) {
			return true
		}
	}
	return false
}
