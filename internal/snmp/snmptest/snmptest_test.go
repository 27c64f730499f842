package snmptest

import "testing"

func TestOverrideLine(t *testing.T) {
	tests := []struct {
		v       Value
		want    string
		wantErr bool
	}{
		{Value{OID: ".1.3.6.1.4.1.12356.101.4.1.1.0", Value: "v7.2.5,build1517 (GA)"},
			"override 1.3.6.1.4.1.12356.101.4.1.1.0 octet_str 0x76372e322e352c6275696c64313531372028474129\n", false},
		{Value{OID: "1.3.6.1.4.1.1.0", Type: "x", Value: "de ad"}, "override 1.3.6.1.4.1.1.0 octet_str 0xdead\n", false},
		{Value{OID: "1.3.6.1.4.1.1.0", Type: "i", Value: "-42"}, "override 1.3.6.1.4.1.1.0 integer -42\n", false},
		{Value{OID: "1.3.6.1.4.1.1.0", Type: "o", Value: "1.3.6.1"}, "override 1.3.6.1.4.1.1.0 object_id 1.3.6.1\n", false},
		{Value{OID: "1.3.6.1.4.1.1.0", Type: "i", Value: "1\nrocommunity evil"}, "", true},
		{Value{OID: "1.3.6.1.4.1.1.0", Type: "z", Value: "1"}, "", true},
		{Value{OID: "sysDescr.0", Value: "x"}, "", true},
	}
	for _, tc := range tests {
		got, err := overrideLine(tc.v)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("overrideLine(%+v) = %q, %v; want %q (error %v)", tc.v, got, err, tc.want, tc.wantErr)
		}
	}
}
