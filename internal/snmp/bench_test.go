package snmp_test

import (
	"context"
	"testing"
	"time"

	"github.com/guardrail-monitoring/guardrail/internal/snmp"
	"github.com/guardrail-monitoring/guardrail/internal/snmp/snmptest"
)

// One full GET round trip to the real snmpd on 127.0.0.1; v3 includes the
// engine-ID discovery and key localisation each call makes.
func BenchmarkReadSystem(b *testing.B) {
	agent := snmptest.Start(b, readFixture(b, "sysdescr-iosxe.txt"), ciscoObjectID,
		snmptest.Value{OID: fgSysVersion, Value: "v7.2.5"})
	for _, tc := range []struct {
		name   string
		target snmp.Target
	}{{"v2c", agent.V2c()}, {"v3-authPriv-SHA-AES", agent.V3()}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				_, err := snmp.ReadSystem(ctx, tc.target, fgSysVersion)
				cancel()
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
