package rpm

import "os"

// metadataFile picks which copy of one metadata type (primary, updateinfo,
// modules) the cache holds: the plain one, else the zchunk copy repomd.xml
// lists as typ_zck, which is all dnf keeps when zchunk is on (Fedora's
// default, dnf 4 and dnf5). Both hold the same content; repomd.xml gives
// each its own checksum of the file as stored. ok is false when repomd.xml
// lists neither; when neither file is there the plain one is returned, so
// that callers see it missing.
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
