package snmp

import (
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gosnmp/gosnmp"
)

// ValueString renders one varbind value as text: OctetString as text
// (invalid UTF-8 replaced by U+FFFD, trailing NULs that some agents append
// dropped), OIDs dotted without a leading dot, numbers in decimal, opaque
// bytes in hex. present is false for noSuchObject, noSuchInstance and
// endOfMibView, which mean "the agent has no such value". Unexpected Go
// types from a decoder never panic: they are formatted with %v.
func ValueString(typ gosnmp.Asn1BER, v any) (text string, present bool) {
	switch typ {
	case gosnmp.NoSuchObject, gosnmp.NoSuchInstance, gosnmp.EndOfMibView:
		return "", false
	case gosnmp.Null:
		return "", true
	case gosnmp.OctetString, gosnmp.ObjectDescription:
		switch b := v.(type) {
		case []byte:
			return octetText(b), true
		case string:
			return octetText([]byte(b)), true
		}
	case gosnmp.ObjectIdentifier:
		if s, ok := v.(string); ok {
			return strings.ToValidUTF8(strings.TrimPrefix(s, "."), "\uFFFD"), true
		}
	case gosnmp.BitString, gosnmp.Opaque, gosnmp.NsapAddress:
		if b, ok := v.([]byte); ok {
			return hex.EncodeToString(b), true
		}
	case gosnmp.OpaqueFloat:
		if f, ok := v.(float32); ok {
			return strconv.FormatFloat(float64(f), 'g', -1, 32), true
		}
	case gosnmp.OpaqueDouble:
		if f, ok := v.(float64); ok {
			return strconv.FormatFloat(f, 'g', -1, 64), true
		}
	}
	return anyText(v), true
}

func octetText(b []byte) string {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func anyText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return strings.ToValidUTF8(x, "\uFFFD")
	case []byte:
		return octetText(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case uint:
		return strconv.FormatUint(uint64(x), 10)
	case uint32:
		return strconv.FormatUint(uint64(x), 10)
	case uint64:
		return strconv.FormatUint(x, 10)
	case *big.Int:
		if x == nil {
			return ""
		}
		return x.String()
	case float32:
		if math.IsNaN(float64(x)) {
			return "NaN"
		}
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	return strings.ToValidUTF8(fmt.Sprint(v), "\uFFFD")
}
