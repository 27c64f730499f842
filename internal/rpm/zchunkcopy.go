package rpm

import (
	"encoding/hex"
	"io"
	"os"
	"strings"

	"github.com/guardrail-monitoring/guardrail/internal/located"
	"github.com/guardrail-monitoring/guardrail/internal/zchunk"
)

// metadataFile picks which copy of one metadata type (primary, updateinfo,
// modules) the cache holds: the plain one, else the zchunk copy repomd.xml
// lists as typ_zck, which is all dnf keeps when zchunk is on (Fedora's
// default, dnf 4 and dnf5). Both hold the same content; repomd.xml gives
// each its own checksums. ok is false when repomd.xml lists neither; when
// neither file is there the plain one is returned, so that callers see it
// missing.
func (rs *RepoState) metadataFile(md *Repomd, typ string) (d RepomdData, path string, ok bool) {
	d, ok = md.Data[typ]
	ok = ok && d.Href != ""
	if ok {
		path = rs.metaPath(d.Href)
		if _, err := os.Stat(path); !isNotExist(err) {
			return d, path, true
		}
	}
	z, zok := md.Data[typ+"_zck"]
	if !zok || z.Href == "" {
		return d, path, ok
	}
	zpath := rs.metaPath(z.Href)
	if _, err := os.Stat(zpath); err == nil || !ok {
		return z, zpath, true
	}
	return d, path, ok
}

// openZchunk reads a .zck metadata file. With the header-checksum
// repomd.xml lists for it, the file is checked as librepo checks it: that
// header checksum, then zchunk's own chunk and data checksums to the end
// (Verify reads the rest) — not the checksum of the whole file, which
// openMetadata checks only when there is no header-checksum.
func (u *unpacked) openZchunk(in io.Reader, sum []RepomdData) (io.Reader, func(), error) {
	zr, err := zchunk.NewReader(in, u.kind, u.path)
	if err != nil {
		return nil, nil, err
	}
	if len(sum) > 0 && sum[0].HeaderChecksum != "" {
		typ, got := zr.HeaderChecksum()
		want := sum[0]
		wantType := strings.ToLower(want.HeaderChecksumType)
		if wantType == "sha" {
			wantType = "sha1"
		}
		if typ != wantType || hex.EncodeToString(got) != want.HeaderChecksum {
			zr.Close()
			return nil, nil, &located.Error{Kind: u.kind, File: u.path,
				Msg: "zchunk header checksum differs from the header-checksum repomd.xml lists (a stale or partial download: run dnf makecache)"}
		}
		u.verify = func() error {
			_, err := io.Copy(io.Discard, u)
			return err
		}
	}
	return zr, func() { zr.Close() }, nil
}
