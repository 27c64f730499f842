// Package snmp reads the few system OIDs check_os_version needs (sysDescr,
// sysObjectID and vendor version OIDs) from a network device.
//
// How gosnmp is used: one GoSNMP value per call, UDP, one GET PDU carrying
// every OID. Target.Timeout is the wait per attempt and Target.Retries the
// number of extra attempts; gosnmp.Context is set to the caller's ctx, so
// gosnmp shortens the last wait to the ctx deadline and the whole call ends
// by that deadline however many retries are left. For SNMPv3 gosnmp does
// the USM engine-ID discovery itself (one extra round trip) and turns the
// agent's Report PDUs (usmStatsWrongDigests, usmStatsUnknownUserNames, ...)
// into errors, which we translate into messages naming host:port and the
// failing step. gosnmp's logger stays off, and no error text we return ever
// contains the community or a passphrase.
package snmp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gosnmp/gosnmp"
)

// OIDs read by ReadSystem in every request (MIB-II system group).
const (
	OIDSysDescr    = "1.3.6.1.2.1.1.1.0"
	OIDSysObjectID = "1.3.6.1.2.1.1.2.0"
)

// Defaults applied by ReadSystem to zero fields of Target.
const (
	DefaultPort    = 161
	DefaultTimeout = 2 * time.Second
	// MaxExtraOIDs keeps the GET in a single PDU (gosnmp.MaxOids is 60).
	MaxExtraOIDs = 50
)

// Error kinds returned (wrapped) by ReadSystem, for errors.Is.
var (
	ErrInvalidTarget = errors.New("invalid SNMP target")
	ErrTimeout       = errors.New("no response")
	ErrAuth          = errors.New("SNMPv3 authentication failed")
	ErrUnreachable   = errors.New("unreachable")
	ErrProtocol      = errors.New("bad SNMP response")
)

// Target says how to reach one agent. Port 0 means 161 and Timeout 0 means
// DefaultTimeout; everything else must be set explicitly.
type Target struct {
	Host      string
	Port      int
	Version   string // "2c" or "3"
	Community string // v2c only

	User           string // v3 only, from here on
	SecurityLevel  string // noAuthNoPriv | authNoPriv | authPriv
	AuthProtocol   string // MD5 | SHA | SHA224 | SHA256 | SHA384 | SHA512
	AuthPassphrase string
	PrivProtocol   string // DES | AES | AES192 | AES256 | AES192C | AES256C
	PrivPassphrase string

	Timeout time.Duration // per attempt
	Retries int           // extra attempts after the first
}

// System is what ReadSystem found. Values holds the extra OIDs (dotted, no
// leading dot) the agent had; OIDs it has not got are absent.
type System struct {
	Descr, ObjectID string
	Values          map[string]string
}

// Address is "host:port" as used in error messages ("[::1]:161" for IPv6).
func (t Target) Address() string {
	port := t.Port
	if port == 0 {
		port = DefaultPort
	}
	return net.JoinHostPort(strings.Trim(t.Host, "[]"), strconv.Itoa(port))
}

const maxHostLen = 253

var authProtocols = map[string]gosnmp.SnmpV3AuthProtocol{
	"MD5": gosnmp.MD5, "SHA": gosnmp.SHA, "SHA224": gosnmp.SHA224,
	"SHA256": gosnmp.SHA256, "SHA384": gosnmp.SHA384, "SHA512": gosnmp.SHA512,
}

var privProtocols = map[string]gosnmp.SnmpV3PrivProtocol{
	"DES": gosnmp.DES, "AES": gosnmp.AES, "AES192": gosnmp.AES192,
	"AES256": gosnmp.AES256, "AES192C": gosnmp.AES192C, "AES256C": gosnmp.AES256C,
}

var securityLevels = map[string]gosnmp.SnmpV3MsgFlags{
	"noauthnopriv": gosnmp.NoAuthNoPriv,
	"authnopriv":   gosnmp.AuthNoPriv,
	"authpriv":     gosnmp.AuthPriv,
}

// Validate checks a target before any packet is sent, so a typo in the
// inventory gives a clear UNKNOWN instead of a timeout. Messages never
// contain the community or passphrases.
func (t Target) Validate() error {
	if err := validateHost(t.Host); err != nil {
		return err
	}
	if t.Port < 0 || t.Port > 65535 {
		return fmt.Errorf("%w: port %d out of range 1-65535", ErrInvalidTarget, t.Port)
	}
	if t.Timeout < 0 {
		return fmt.Errorf("%w: negative timeout", ErrInvalidTarget)
	}
	if t.Retries < 0 || t.Retries > 10 {
		return fmt.Errorf("%w: retries %d out of range 0-10", ErrInvalidTarget, t.Retries)
	}
	v3set := t.User != "" || t.SecurityLevel != "" || t.AuthProtocol != "" ||
		t.AuthPassphrase != "" || t.PrivProtocol != "" || t.PrivPassphrase != ""
	switch t.Version {
	case "2c":
		if t.Community == "" {
			return fmt.Errorf("%w: SNMP v2c needs a community", ErrInvalidTarget)
		}
		if err := validateSecret("community", t.Community, 1); err != nil {
			return err
		}
		if v3set {
			return fmt.Errorf("%w: SNMPv3 user/security fields set on a v2c target", ErrInvalidTarget)
		}
		return nil
	case "3":
		if t.Community != "" {
			return fmt.Errorf("%w: community set on an SNMPv3 target", ErrInvalidTarget)
		}
		return t.validateV3()
	default:
		return fmt.Errorf("%w: SNMP version %q, want \"2c\" or \"3\"", ErrInvalidTarget, clip(t.Version))
	}
}

func (t Target) validateV3() error {
	if t.User == "" {
		return fmt.Errorf("%w: SNMPv3 needs a user", ErrInvalidTarget)
	}
	if len(t.User) > 32 || !printable(t.User) {
		return fmt.Errorf("%w: SNMPv3 user must be 1-32 printable characters", ErrInvalidTarget)
	}
	level, ok := securityLevels[strings.ToLower(t.SecurityLevel)]
	if !ok {
		return fmt.Errorf("%w: SNMPv3 security level %q, want noAuthNoPriv, authNoPriv or authPriv", ErrInvalidTarget, clip(t.SecurityLevel))
	}
	if level == gosnmp.NoAuthNoPriv {
		if t.AuthProtocol != "" || t.AuthPassphrase != "" || t.PrivProtocol != "" || t.PrivPassphrase != "" {
			return fmt.Errorf("%w: auth/priv settings given with security level noAuthNoPriv", ErrInvalidTarget)
		}
		return nil
	}
	if _, ok := authProtocols[strings.ToUpper(t.AuthProtocol)]; !ok {
		return fmt.Errorf("%w: SNMPv3 auth protocol %q, want MD5, SHA, SHA224, SHA256, SHA384 or SHA512", ErrInvalidTarget, clip(t.AuthProtocol))
	}
	if err := validateSecret("auth passphrase", t.AuthPassphrase, 8); err != nil {
		return err
	}
	if level == gosnmp.AuthNoPriv {
		if t.PrivProtocol != "" || t.PrivPassphrase != "" {
			return fmt.Errorf("%w: priv settings given with security level authNoPriv", ErrInvalidTarget)
		}
		return nil
	}
	if _, ok := privProtocols[strings.ToUpper(t.PrivProtocol)]; !ok {
		return fmt.Errorf("%w: SNMPv3 priv protocol %q, want DES, AES, AES192, AES256, AES192C or AES256C", ErrInvalidTarget, clip(t.PrivProtocol))
	}
	return validateSecret("priv passphrase", t.PrivPassphrase, 8)
}

// validateSecret checks length and bytes without ever echoing the secret.
func validateSecret(what, s string, min int) error {
	if len(s) < min {
		return fmt.Errorf("%w: %s must be at least %d characters (net-snmp requires it)", ErrInvalidTarget, what, min)
	}
	if len(s) > 256 || !printable(s) {
		return fmt.Errorf("%w: %s must be at most 256 printable characters", ErrInvalidTarget, what)
	}
	return nil
}

// validateHost accepts an IPv4/IPv6 literal (IPv6 optionally in brackets)
// or an RFC 1123 host name; nothing a shell or a log could misread.
func validateHost(h string) error {
	if h == "" {
		return fmt.Errorf("%w: empty host", ErrInvalidTarget)
	}
	if len(h) > maxHostLen+2 {
		return fmt.Errorf("%w: host name longer than %d characters", ErrInvalidTarget, maxHostLen)
	}
	bare := h
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		bare = h[1 : len(h)-1]
		if a, err := netip.ParseAddr(bare); err == nil && a.Is6() && a.Zone() == "" {
			return nil
		}
		return fmt.Errorf("%w: host %q: brackets only around an IPv6 address", ErrInvalidTarget, clip(h))
	}
	if a, err := netip.ParseAddr(bare); err == nil {
		if a.Zone() != "" {
			return fmt.Errorf("%w: host %q: IPv6 zones are not supported", ErrInvalidTarget, clip(h))
		}
		return nil
	}
	if len(bare) > maxHostLen {
		return fmt.Errorf("%w: host name longer than %d characters", ErrInvalidTarget, maxHostLen)
	}
	name := strings.TrimSuffix(bare, ".")
	allDigits := true
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("%w: host %q is not a valid IP address or host name", ErrInvalidTarget, clip(h))
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
				allDigits = false
			case c >= '0' && c <= '9':
			case (c == '-' || c == '_') && i > 0 && i < len(label)-1:
				allDigits = false
			default:
				return fmt.Errorf("%w: host %q is not a valid IP address or host name", ErrInvalidTarget, clip(h))
			}
		}
	}
	if allDigits {
		// "10.0.0.300" or "1.2.3" would be resolved in surprising ways.
		return fmt.Errorf("%w: host %q is not a valid IP address", ErrInvalidTarget, clip(h))
	}
	return nil
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// clip keeps hostile input from flooding an error message.
func clip(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}

// NormalizeOID returns an OID in dotted form without a leading dot, or an
// error if it is not a numeric OID gosnmp can encode.
func NormalizeOID(oid string) (string, error) {
	s := strings.TrimPrefix(oid, ".")
	if s == "" || len(s) > 1024 {
		return "", fmt.Errorf("OID %q: must be numeric, like 1.3.6.1.2.1.1.1.0", clip(oid))
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 128 {
		return "", fmt.Errorf("OID %q: must have 2-128 numeric parts", clip(oid))
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil || (len(p) > 1 && p[0] == '0') {
			return "", fmt.Errorf("OID %q: part %d is not a number 0-4294967295", clip(oid), i+1)
		}
		if i == 0 && n > 2 || i == 1 && parts[0] != "2" && n > 39 {
			return "", fmt.Errorf("OID %q: invalid first arcs", clip(oid))
		}
	}
	return s, nil
}

// ReadSystem GETs sysDescr.0, sysObjectID.0 and extraOIDs in one request.
// Extra OIDs the agent has not got (noSuchObject/noSuchInstance) are absent
// from Values. Errors name host:port and what failed and wrap one of the
// Err* kinds; they never contain the community or passphrases.
func ReadSystem(ctx context.Context, t Target, extraOIDs ...string) (sys System, err error) {
	addr := clip(t.Address())
	if err := t.Validate(); err != nil {
		return System{}, fmt.Errorf("SNMP %s: %w", addr, err)
	}
	if len(extraOIDs) > MaxExtraOIDs {
		return System{}, fmt.Errorf("SNMP %s: %w: %d extra OIDs, at most %d", addr, ErrInvalidTarget, len(extraOIDs), MaxExtraOIDs)
	}
	oids := []string{OIDSysDescr, OIDSysObjectID}
	for _, o := range extraOIDs {
		n, err := NormalizeOID(o)
		if err != nil {
			return System{}, fmt.Errorf("SNMP %s: %w: %v", addr, ErrInvalidTarget, err)
		}
		oids = append(oids, n)
	}
	if err := ctx.Err(); err != nil {
		return System{}, fmt.Errorf("SNMP %s: %w: %v", addr, ErrTimeout, err)
	}

	g := newClient(ctx, t)
	// A hostile or broken agent must give UNKNOWN naming the device, not a
	// crash of the whole plugin, should a decoder panic on its packet.
	defer func() {
		if r := recover(); r != nil {
			sys, err = System{}, fmt.Errorf("SNMP %s: %w: response could not be decoded", addr, ErrProtocol)
		}
	}()
	if err := g.Connect(); err != nil {
		return System{}, fmt.Errorf("SNMP %s: %w: %s", addr, ErrUnreachable, scrub(describeNetErr(err), t))
	}
	rec := &recordingConn{Conn: g.Conn}
	g.Conn = rec
	defer rec.Close()

	withDots := make([]string, len(oids))
	for i, o := range oids {
		withDots[i] = "." + o
	}
	pkt, err := g.Get(withDots)
	if err != nil {
		if t.Version == "3" {
			if _, meaning, ok := DecodeReport(rec.lastPacket()); ok {
				return System{}, fmt.Errorf("SNMP %s: %w: user %q: %s", addr, ErrAuth, clip(t.User), meaning)
			}
		}
		return System{}, classify(ctx, t, addr, err)
	}
	return systemFromPacket(pkt, oids, addr)
}

func newClient(ctx context.Context, t Target) *gosnmp.GoSNMP {
	port := t.Port
	if port == 0 {
		port = DefaultPort
	}
	timeout := t.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	g := &gosnmp.GoSNMP{
		Target:    strings.Trim(t.Host, "[]"),
		Port:      uint16(port),
		Transport: "udp",
		Context:   ctx,
		Timeout:   timeout,
		Retries:   t.Retries,
		MaxOids:   gosnmp.MaxOids,
	}
	if t.Version == "2c" {
		g.Version = gosnmp.Version2c
		g.Community = t.Community
		return g
	}
	level := securityLevels[strings.ToLower(t.SecurityLevel)]
	usm := &gosnmp.UsmSecurityParameters{UserName: t.User}
	if level != gosnmp.NoAuthNoPriv {
		usm.AuthenticationProtocol = authProtocols[strings.ToUpper(t.AuthProtocol)]
		usm.AuthenticationPassphrase = t.AuthPassphrase
	}
	if level == gosnmp.AuthPriv {
		usm.PrivacyProtocol = privProtocols[strings.ToUpper(t.PrivProtocol)]
		usm.PrivacyPassphrase = t.PrivPassphrase
	}
	g.Version = gosnmp.Version3
	g.SecurityModel = gosnmp.UserSecurityModel
	g.MsgFlags = level
	g.SecurityParameters = usm
	return g
}

// classify turns a gosnmp error into a message an operator can act on.
func classify(ctx context.Context, t Target, addr string, err error) error {
	attempts := t.Retries + 1
	timeout := t.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	silent := fmt.Sprintf("%d attempt(s) of %s; check address, port, ACLs and the ", attempts, timeout)
	if t.Version == "2c" {
		silent += "community (v2c agents stay silent on a wrong community)"
	} else {
		silent += "priv passphrase/protocol (agents drop what they cannot decrypt)"
	}
	switch {
	case errors.Is(err, gosnmp.ErrWrongDigest):
		return fmt.Errorf("SNMP %s: %w: wrong auth passphrase or protocol for user %q (usmStatsWrongDigests)", addr, ErrAuth, clip(t.User))
	case errors.Is(err, gosnmp.ErrUnknownUsername):
		return fmt.Errorf("SNMP %s: %w: agent does not know user %q (usmStatsUnknownUserNames)", addr, ErrAuth, clip(t.User))
	case errors.Is(err, gosnmp.ErrUnknownSecurityLevel):
		return fmt.Errorf("SNMP %s: %w: security level %s not allowed for user %q (usmStatsUnsupportedSecLevels)", addr, ErrAuth, clip(t.SecurityLevel), clip(t.User))
	case errors.Is(err, gosnmp.ErrDecryption):
		return fmt.Errorf("SNMP %s: %w: wrong priv passphrase or protocol for user %q (usmStatsDecryptionErrors)", addr, ErrAuth, clip(t.User))
	case errors.Is(err, gosnmp.ErrNotInTimeWindow), errors.Is(err, gosnmp.ErrUnknownEngineID):
		return fmt.Errorf("SNMP %s: %w: engine discovery failed (%v)", addr, ErrAuth, err)
	case errors.Is(err, gosnmp.ErrUnknownReportPDU), errors.Is(err, gosnmp.ErrUnknownSecurityModels), errors.Is(err, gosnmp.ErrUnknownPDUHandlers):
		return fmt.Errorf("SNMP %s: %w: agent sent a report PDU (%v)", addr, ErrProtocol, err)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("SNMP %s: %w: ICMP port unreachable, no SNMP agent listening", addr, ErrUnreachable)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), ctx.Err() != nil:
		return fmt.Errorf("SNMP %s: %w: %s; stopped at the check deadline", addr, ErrTimeout, silent)
	case errors.Is(err, gosnmp.ErrMaxRetriesExceeded), isTimeout(err):
		return fmt.Errorf("SNMP %s: %w: %s", addr, ErrTimeout, silent)
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return fmt.Errorf("SNMP %s: %w: %s", addr, ErrUnreachable, scrub(describeNetErr(err), t))
	}
	return fmt.Errorf("SNMP %s: %w: %s", addr, ErrProtocol, scrub(err.Error(), t))
}

func isTimeout(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return strings.Contains(err.Error(), "timeout")
}

func describeNetErr(err error) string {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "cannot resolve host name: " + dnsErr.Err
	}
	return err.Error()
}

// scrub removes secrets from text we did not write ourselves (gosnmp's
// messages), as a second guard. Secrets shorter than 4 characters are not
// replaced: that would mangle the message and they are guessable anyway.
func scrub(s string, t Target) string {
	for _, secret := range []string{t.Community, t.AuthPassphrase, t.PrivPassphrase} {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, "<redacted>")
		}
	}
	return clip(s)
}

func systemFromPacket(pkt *gosnmp.SnmpPacket, oids []string, addr string) (System, error) {
	if pkt == nil {
		return System{}, fmt.Errorf("SNMP %s: %w: empty response", addr, ErrProtocol)
	}
	if pkt.Error != gosnmp.NoError {
		at := ""
		if i := int(pkt.ErrorIndex); i >= 1 && i <= len(oids) {
			at = " at " + oids[i-1]
		}
		return System{}, fmt.Errorf("SNMP %s: %w: agent answered error-status %v%s", addr, ErrProtocol, pkt.Error, at)
	}
	want := make(map[string]bool, len(oids))
	for _, o := range oids {
		want[o] = true
	}
	sys := System{Values: map[string]string{}}
	seen := map[string]bool{}
	for _, v := range pkt.Variables {
		name := strings.TrimPrefix(v.Name, ".")
		if !want[name] {
			return System{}, fmt.Errorf("SNMP %s: %w: agent answered OID %s that was not asked for", addr, ErrProtocol, clip(name))
		}
		text, present := ValueString(v.Type, v.Value)
		if !present {
			continue
		}
		seen[name] = true
		switch name {
		case OIDSysDescr:
			sys.Descr = text
		case OIDSysObjectID:
			sys.ObjectID = text
		}
		sys.Values[name] = text
	}
	if sys.Descr == "" && sys.ObjectID == "" {
		// Nothing to identify the device by: an error, so it can't pass as
		// "no drift".
		return System{}, fmt.Errorf("SNMP %s: %w: agent returned neither sysDescr.0 nor sysObjectID.0 (view too narrow?)", addr, ErrProtocol)
	}
	// Values holds only the extras, as documented.
	delete(sys.Values, OIDSysDescr)
	delete(sys.Values, OIDSysObjectID)
	for _, o := range oids[2:] {
		if o == OIDSysDescr && seen[o] {
			sys.Values[o] = sys.Descr
		}
		if o == OIDSysObjectID && seen[o] {
			sys.Values[o] = sys.ObjectID
		}
	}
	return sys, nil
}
