package snmp

import (
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/gosnmp/gosnmp"
)

// gosnmp verifies every v3 reply against the user's keys, so it discards
// the agent's unauthenticated Report PDU that says *why* a request failed
// (usmStatsWrongDigests, usmStatsUnknownUserNames: agents cannot sign
// those with a key they don't have) and returns only "not authentic".
// recordingConn keeps the last datagram so ReadSystem can decode that
// Report itself. The Report is unauthenticated, so it only ever refines
// an error message; it never turns a failure into data.
type recordingConn struct {
	net.Conn
	mu   sync.Mutex
	last []byte
}

func (c *recordingConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 {
		c.mu.Lock()
		c.last = append(c.last[:0], b[:n]...)
		c.mu.Unlock()
	}
	return n, err
}

// Write starts a new request: a reply to an earlier one (the engine-ID
// discovery Report, say) must not explain this one's failure.
func (c *recordingConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.last = c.last[:0]
	c.mu.Unlock()
	return c.Conn.Write(b)
}

func (c *recordingConn) lastPacket() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.last...)
}

// USM statistics OIDs an agent reports (RFC 3414 section 5), without the
// leading dot, mapped to what they mean for an operator.
var usmReports = map[string]string{
	"1.3.6.1.6.3.15.1.1.1.0": "security level not allowed for this user (usmStatsUnsupportedSecLevels)",
	"1.3.6.1.6.3.15.1.1.2.0": "not in time window (usmStatsNotInTimeWindows)",
	"1.3.6.1.6.3.15.1.1.3.0": "agent does not know this user (usmStatsUnknownUserNames)",
	"1.3.6.1.6.3.15.1.1.4.0": "unknown engine ID (usmStatsUnknownEngineIDs)",
	"1.3.6.1.6.3.15.1.1.5.0": "wrong auth passphrase or protocol (usmStatsWrongDigests)",
	"1.3.6.1.6.3.15.1.1.6.0": "wrong priv passphrase or protocol (usmStatsDecryptionErrors)",
}

// DecodeReport decodes an unauthenticated SNMPv3 Report PDU and returns
// the reported OID (dotted, no leading dot) and its meaning, if it is a
// USM statistics report. Anything else, including garbage, gives ok=false.
func DecodeReport(packet []byte) (oid, meaning string, ok bool) {
	defer func() {
		if recover() != nil {
			oid, meaning, ok = "", "", false
		}
	}()
	if len(packet) == 0 || len(packet) > 65535 {
		return "", "", false
	}
	dec := &gosnmp.GoSNMP{
		Version:            gosnmp.Version3,
		SecurityModel:      gosnmp.UserSecurityModel,
		MsgFlags:           gosnmp.NoAuthNoPriv,
		SecurityParameters: &gosnmp.UsmSecurityParameters{UserName: "report"},
	}
	pkt, err := dec.SnmpDecodePacket(packet)
	if err != nil || pkt == nil || pkt.Version != gosnmp.Version3 || pkt.PDUType != gosnmp.Report ||
		pkt.MsgFlags&gosnmp.AuthPriv != 0 || len(pkt.Variables) != 1 {
		return "", "", false
	}
	oid = strings.TrimPrefix(pkt.Variables[0].Name, ".")
	meaning, ok = usmReports[oid]
	return oid, meaning, ok
}

// decodeResponse decodes a v2c GetResponse datagram and turns it into a
// System for oids (normalized; sysDescr and sysObjectID first), exactly as
// ReadSystem does after gosnmp has received it. Fuzz and fixture tests use
// it to feed captured and hostile packets through the same conversion.
func decodeResponse(packet []byte, oids []string, addr string) (sys System, err error) {
	defer func() {
		if recover() != nil {
			sys, err = System{}, fmt.Errorf("SNMP %s: %w: response could not be decoded", addr, ErrProtocol)
		}
	}()
	dec := &gosnmp.GoSNMP{Version: gosnmp.Version2c}
	pkt, err := dec.SnmpDecodePacket(packet)
	if err != nil {
		return System{}, fmt.Errorf("SNMP %s: %w: %s", addr, ErrProtocol, clip(err.Error()))
	}
	if pkt.PDUType != gosnmp.GetResponse {
		return System{}, fmt.Errorf("SNMP %s: %w: PDU type %v, want GetResponse", addr, ErrProtocol, pkt.PDUType)
	}
	return systemFromPacket(pkt, oids, addr)
}
