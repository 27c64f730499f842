package checkfirewallflows

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

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
		data, err := runBounded(ctx, path)
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
