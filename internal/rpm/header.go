package rpm

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// The rpm header tags read from an installed package's header blob
// (rpmtag.h); nothing else of the header is looked at.
const (
	tagName           = 1000
	tagVersion        = 1001
	tagRelease        = 1002
	tagEpoch          = 1003
	tagInstallTime    = 1008
	tagVendor         = 1011
	tagArch           = 1022
	tagProvideName    = 1047
	tagProvideVersion = 1113
)

// Header entry types (rpmtag.h).
const (
	typeInt32       = 4
	typeString      = 6
	typeStringArray = 8
	typeI18NString  = 9
)

// maxHeaderEntries bounds one header: rpm itself refuses more than 65535
// index entries and 256 MiB of data (header_internal.h).
const (
	maxHeaderEntries = 0xffff
	maxHeaderData    = 256 << 20
)

// header is the part of an installed package's header dnf decides with.
type header struct {
	Name     string
	EVR      EVR
	Arch     string
	Vendor   string // RPMTAG_VENDOR: zypper keeps updates to the same vendor
	Provides []provide
	// InstallTime is RPMTAG_INSTALLTIME (seconds since the epoch): when
	// the package was installed, which dates a pending reboot.
	InstallTime time.Time
}

type provide struct{ Name, Version string }

var errHeader = errors.New("not an rpm header")

// parseHeader reads the fields of one header blob as the rpmdb stores it:
// two big-endian counts (index entries, data bytes), the entries (tag, type,
// offset, count), then the data. Every offset is checked against the data.
func parseHeader(b []byte) (*header, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("%w: %d bytes", errHeader, len(b))
	}
	il := binary.BigEndian.Uint32(b[0:4])
	dl := binary.BigEndian.Uint32(b[4:8])
	if il == 0 || il > maxHeaderEntries || dl > maxHeaderData {
		return nil, fmt.Errorf("%w: %d entries, %d data bytes", errHeader, il, dl)
	}
	idx := b[8:]
	if uint64(len(idx)) < uint64(il)*16+uint64(dl) {
		return nil, fmt.Errorf("%w: truncated", errHeader)
	}
	data := idx[il*16 : il*16+dl]
	h := &header{}
	var provVersions []string
	for i := uint32(0); i < il; i++ {
		e := idx[i*16 : i*16+16]
		tag := binary.BigEndian.Uint32(e[0:4])
		typ := binary.BigEndian.Uint32(e[4:8])
		off := binary.BigEndian.Uint32(e[8:12])
		count := binary.BigEndian.Uint32(e[12:16])
		switch tag {
		case tagName, tagVersion, tagRelease, tagArch, tagVendor:
			if typ != typeString && typ != typeI18NString {
				return nil, fmt.Errorf("%w: tag %d has type %d", errHeader, tag, typ)
			}
			s, _, err := headerString(data, off)
			if err != nil {
				return nil, fmt.Errorf("tag %d: %w", tag, err)
			}
			switch tag {
			case tagName:
				h.Name = s
			case tagVersion:
				h.EVR.Version = s
			case tagRelease:
				h.EVR.Release = s
			case tagArch:
				h.Arch = s
			case tagVendor:
				h.Vendor = s
			}
		case tagEpoch:
			if typ != typeInt32 || count < 1 || off%4 != 0 || uint64(off)+4 > uint64(dl) {
				return nil, fmt.Errorf("%w: bad epoch entry", errHeader)
			}
			h.EVR.Epoch = int(int32(binary.BigEndian.Uint32(data[off:])))
		case tagInstallTime:
			if typ != typeInt32 || count < 1 || off%4 != 0 || uint64(off)+4 > uint64(dl) {
				return nil, fmt.Errorf("%w: bad install time entry", errHeader)
			}
			h.InstallTime = time.Unix(int64(binary.BigEndian.Uint32(data[off:])), 0).UTC()
		case tagProvideName, tagProvideVersion:
			if typ != typeStringArray {
				return nil, fmt.Errorf("%w: tag %d has type %d", errHeader, tag, typ)
			}
			if count > maxHeaderEntries*16 {
				return nil, fmt.Errorf("%w: tag %d count %d", errHeader, tag, count)
			}
			list := make([]string, 0, min(count, 64))
			for j := uint32(0); j < count; j++ {
				s, next, err := headerString(data, off)
				if err != nil {
					return nil, fmt.Errorf("tag %d: %w", tag, err)
				}
				list = append(list, s)
				off = next
			}
			if tag == tagProvideName {
				h.Provides = make([]provide, len(list))
				for j, n := range list {
					h.Provides[j].Name = n
				}
			} else {
				provVersions = list
			}
		}
	}
	if len(provVersions) == len(h.Provides) {
		for j := range h.Provides {
			h.Provides[j].Version = provVersions[j]
		}
	}
	if h.Name == "" || h.EVR.Version == "" {
		return nil, fmt.Errorf("%w: no name or version", errHeader)
	}
	return h, nil
}

// headerString returns the NUL-terminated string at off and the offset after it.
func headerString(data []byte, off uint32) (string, uint32, error) {
	if uint64(off) >= uint64(len(data)) {
		return "", 0, fmt.Errorf("%w: offset %d past the data", errHeader, off)
	}
	for i := off; i < uint32(len(data)); i++ {
		if data[i] == 0 {
			return string(data[off:i]), i + 1, nil
		}
	}
	return "", 0, fmt.Errorf("%w: unterminated string", errHeader)
}
