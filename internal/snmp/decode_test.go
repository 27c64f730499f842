package snmp

import (
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gosnmp/gosnmp"
)

const testdata = "../../testdata/snmp/"

func TestValueString(t *testing.T) {
	tests := []struct {
		name    string
		typ     gosnmp.Asn1BER
		v       any
		want    string
		present bool
	}{
		{"octet string multi-line", gosnmp.OctetString, []byte("Cisco IOS\r\nTechnical Support"), "Cisco IOS\r\nTechnical Support", true},
		{"octet string trailing NULs", gosnmp.OctetString, []byte("v7.2.5\x00\x00"), "v7.2.5", true},
		{"octet string invalid UTF-8", gosnmp.OctetString, []byte("JUNOS \xff21.4"), "JUNOS \uFFFD21.4", true},
		{"octet string as Go string", gosnmp.OctetString, "text", "text", true},
		{"empty octet string", gosnmp.OctetString, []byte{}, "", true},
		{"OID invalid UTF-8 (found by fuzzing)", gosnmp.ObjectIdentifier, "\xaf", "\uFFFD", true},
		{"OID leading dot dropped", gosnmp.ObjectIdentifier, ".1.3.6.1.4.1.9.1.2494", "1.3.6.1.4.1.9.1.2494", true},
		{"integer", gosnmp.Integer, -42, "-42", true},
		{"gauge", gosnmp.Gauge32, uint(4294967295), "4294967295", true},
		{"counter32", gosnmp.Counter32, uint(7), "7", true},
		{"counter64", gosnmp.Counter64, uint64(18446744073709551615), "18446744073709551615", true},
		{"timeticks", gosnmp.TimeTicks, uint32(123456), "123456", true},
		{"ip address", gosnmp.IPAddress, "192.0.2.1", "192.0.2.1", true},
		{"opaque as hex", gosnmp.Opaque, []byte{0xde, 0xad}, "dead", true},
		{"float", gosnmp.OpaqueFloat, float32(1.5), "1.5", true},
		{"double", gosnmp.OpaqueDouble, 2.25, "2.25", true},
		{"big int", gosnmp.Counter64, big.NewInt(99), "99", true},
		{"null present but empty", gosnmp.Null, nil, "", true},
		{"noSuchObject absent", gosnmp.NoSuchObject, nil, "", false},
		{"noSuchInstance absent", gosnmp.NoSuchInstance, nil, "", false},
		{"endOfMibView absent", gosnmp.EndOfMibView, nil, "", false},
		{"unexpected Go type", gosnmp.Integer, struct{ A int }{7}, "{7}", true},
		{"nil with string type", gosnmp.OctetString, nil, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, present := ValueString(tc.typ, tc.v)
			if got != tc.want || present != tc.present {
				t.Errorf("ValueString(%v, %#v) = %q, %v; want %q, %v", tc.typ, tc.v, got, present, tc.want, tc.present)
			}
		})
	}
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(testdata + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The packets were captured from the real snmpd (TestCapturePackets -update).
func TestDecodeCapturedResponses(t *testing.T) {
	iosxe := string(readTestdata(t, "sysdescr-iosxe.txt"))
	const fg = "1.3.6.1.4.1.12356.101.4.1.1.0"
	const missing = "1.3.6.1.4.1.99999.1.2.3.0"
	tests := []struct {
		file   string
		extra  []string
		want   System
		errHas string
	}{
		{"v2c-iosxe-response.bin", nil, System{Descr: iosxe, ObjectID: "1.3.6.1.4.1.9.1.2494", Values: map[string]string{}}, ""},
		{"v2c-fortigate-response.bin", []string{fg, missing}, System{Descr: "FortiGate-100F", ObjectID: "1.3.6.1.4.1.12356.101.1.1004",
			Values: map[string]string{fg: "v7.2.5,build1517,230606 (GA.F)"}}, ""},
		// Asked for fewer OIDs than the agent answered: refuse, don't guess.
		{"v2c-fortigate-response.bin", nil, System{}, "not asked for"},
		{"v3-wrongdigest-report.bin", nil, System{}, "bad SNMP response"},
		// Found by FuzzDecodeResponse: present but empty values must not
		// make an empty System that could pass as "nothing to report".
		{"fuzz-empty-system.bin", []string{"1.3.6.1.4.1.12356.101.4.1.1.0"}, System{}, "neither sysDescr.0 nor sysObjectID.0"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			oids := append([]string{OIDSysDescr, OIDSysObjectID}, tc.extra...)
			got, err := decodeResponse(readTestdata(t, "packets/"+tc.file), oids, "192.0.2.1:161")
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("err = %v, want %q", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Descr != tc.want.Descr || got.ObjectID != tc.want.ObjectID || len(got.Values) != len(tc.want.Values) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			for k, v := range tc.want.Values {
				if got.Values[k] != v {
					t.Errorf("Values[%s] = %q, want %q", k, got.Values[k], v)
				}
			}
		})
	}
}

func TestDecodeReport(t *testing.T) {
	tests := []struct{ file, oid, meaning string }{
		{"v3-wrongdigest-report.bin", "1.3.6.1.6.3.15.1.1.5.0", "usmStatsWrongDigests"},
		{"v3-unknownuser-report.bin", "1.3.6.1.6.3.15.1.1.3.0", "usmStatsUnknownUserNames"},
		{"v2c-iosxe-response.bin", "", ""},
	}
	for _, tc := range tests {
		oid, meaning, ok := DecodeReport(readTestdata(t, "packets/"+tc.file))
		if ok != (tc.oid != "") || oid != tc.oid || !strings.Contains(meaning, tc.meaning) {
			t.Errorf("DecodeReport(%s) = %q, %q, %v; want %q, %q", tc.file, oid, meaning, ok, tc.oid, tc.meaning)
		}
	}
	if _, _, ok := DecodeReport(nil); ok {
		t.Error("DecodeReport(nil) ok")
	}
}

func packetSeeds(t testing.TB) [][]byte {
	files, err := filepath.Glob(testdata + "packets/*.bin")
	if err != nil || len(files) == 0 {
		t.Fatalf("no packet fixtures: %v", err)
	}
	var seeds [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// FuzzDecodeResponse: any datagram from a device gives a System or an
// error, never a panic, and a System always has valid UTF-8 text.
func FuzzDecodeResponse(f *testing.F) {
	for _, p := range packetSeeds(f) {
		f.Add(p, uint8(0))
		f.Add(p, uint8(2))
	}
	f.Fuzz(func(t *testing.T, packet []byte, extras uint8) {
		oids := []string{OIDSysDescr, OIDSysObjectID, "1.3.6.1.4.1.12356.101.4.1.1.0", "1.3.6.1.4.1.99999.1.2.3.0"}[:2+int(extras%3)]
		sys, err := decodeResponse(packet, oids, "192.0.2.1:161")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "SNMP 192.0.2.1:161: ") {
				t.Fatalf("error does not name the device: %v", err)
			}
			return
		}
		if sys.Descr == "" && sys.ObjectID == "" {
			t.Fatal("System without sysDescr and sysObjectID returned without error")
		}
		if !utf8.ValidString(sys.Descr) || !utf8.ValidString(sys.ObjectID) {
			t.Fatalf("invalid UTF-8 in %+v", sys)
		}
		for k, v := range sys.Values {
			if !utf8.ValidString(v) {
				t.Fatalf("Values[%s] invalid UTF-8", k)
			}
		}
		DecodeReport(packet)
	})
}

// FuzzValueString: every BER type with every Go value shape gives text.
func FuzzValueString(f *testing.F) {
	for _, name := range []string{"sysdescr-iosxe.txt", "sysdescr-junos.txt"} {
		f.Add(byte(gosnmp.OctetString), readTestdata(f, name), int64(0))
	}
	for _, p := range packetSeeds(f) {
		f.Add(byte(gosnmp.Opaque), p, int64(-1))
	}
	f.Add(byte(gosnmp.ObjectIdentifier), []byte(".1.3.6.1.4.1.9.1.2494"), int64(5))
	f.Add(byte(gosnmp.NoSuchObject), []byte{}, int64(0))
	f.Fuzz(func(t *testing.T, typ byte, data []byte, n int64) {
		values := []any{data, string(data), n, uint64(n), uint(n), uint32(n), int(n), float32(n), float64(n), nil, big.NewInt(n), []string{string(data)}}
		for _, v := range values {
			text, present := ValueString(gosnmp.Asn1BER(typ), v)
			if !utf8.ValidString(text) {
				t.Fatalf("ValueString(%v, %#v) = invalid UTF-8 %q", typ, v, text)
			}
			if !present && text != "" {
				t.Fatalf("absent value with text %q", text)
			}
		}
	})
}

// FuzzValidate: hostile targets give nil or ErrInvalidTarget, never a
// panic, never an error quoting a secret or longer than a screen line.
func FuzzValidate(f *testing.F) {
	for _, line := range strings.Split(string(readTestdata(f, "targets.tsv")), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 10 {
			f.Fatalf("targets.tsv: %d columns in %q", len(c), line)
		}
		port, _ := strconv.Atoi(c[1])
		f.Add(c[0], port, c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9])
	}
	f.Fuzz(func(t *testing.T, host string, port int, version, community, user, level, authProto, authPass, privProto, privPass string) {
		tg := Target{Host: host, Port: port, Version: version, Community: community, User: user, SecurityLevel: level,
			AuthProtocol: authProto, AuthPassphrase: authPass, PrivProtocol: privProto, PrivPassphrase: privPass, Timeout: time.Second}
		err := tg.Validate()
		if err == nil {
			if strings.ContainsAny(host, " ;$`|&<>\n\r\t'\"\\/") {
				t.Fatalf("host %q accepted", host)
			}
			return
		}
		msg := err.Error()
		if len(msg) > 400 || !utf8.ValidString(msg) {
			t.Fatalf("error too long or not UTF-8: %q", msg)
		}
		// Secrets are never quoted: swapping a printable secret for another
		// of the same length must not change the message.
		for _, field := range []*string{&tg.Community, &tg.AuthPassphrase, &tg.PrivPassphrase} {
			if *field == "" || !printable(*field) {
				continue
			}
			swapped := tg
			switch field {
			case &tg.Community:
				swapped.Community = strings.Repeat("Z", len(tg.Community))
			case &tg.AuthPassphrase:
				swapped.AuthPassphrase = strings.Repeat("Z", len(tg.AuthPassphrase))
			default:
				swapped.PrivPassphrase = strings.Repeat("Z", len(tg.PrivPassphrase))
			}
			if err2 := swapped.Validate(); err2 == nil || err2.Error() != msg {
				t.Fatalf("message depends on a secret's content: %q vs %v", msg, err2)
			}
		}
	})
}
