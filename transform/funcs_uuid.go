package transform

import (
	"crypto/sha1"
	"encoding/hex"
	"strings"
)

// Name-based UUIDs (version 5, RFC 9562 §5.5): the same namespace and
// name always give the same UUID, so a key of one system (a Sage
// Kundennummer) yields a stable Guid for another (Smartstore's
// CustomerGuid) without a table that could be lost.

// uuidNamespaces are the well-known namespaces of RFC 9562 §6.6.
var uuidNamespaces = map[string]string{
	"dns":  "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
	"url":  "6ba7b811-9dad-11d1-80b4-00c04fd430c8",
	"oid":  "6ba7b812-9dad-11d1-80b4-00c04fd430c8",
	"x500": "6ba7b814-9dad-11d1-80b4-00c04fd430c8",
}

// parseUUID reads a UUID in its 36-character text form.
func parseUUID(s string) ([]byte, bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return nil, false
	}
	b, err := hex.DecodeString(strings.ReplaceAll(s, "-", ""))
	if err != nil || len(b) != 16 {
		return nil, false
	}
	return b, true
}

// formatUUID writes 16 bytes in the 8-4-4-4-12 text form, lower case.
func formatUUID(b []byte) string {
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (l *lib) fnUUIDName(a []any) (any, error) {
	ns, err := textArg("uuidName", a[0])
	if err != nil {
		return nil, err
	}
	name, err := textArg("uuidName", a[1])
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, errf("uuidName", "uuidName: the name is empty; an empty key would give every record the same UUID")
	}
	if std, ok := uuidNamespaces[strings.ToLower(ns)]; ok {
		ns = std
	}
	nsb, ok := parseUUID(strings.ToLower(ns))
	if !ok {
		return nil, errf("uuidName", "uuidName: namespace %q is not a UUID (8-4-4-4-12 hex digits) nor one of dns, url, oid, x500", ns)
	}
	h := sha1.New()
	h.Write(nsb)
	h.Write([]byte(name))
	sum := h.Sum(nil)[:16]
	sum[6] = sum[6]&0x0f | 0x50 // version 5
	sum[8] = sum[8]&0x3f | 0x80 // RFC 9562 variant
	return formatUUID(sum), nil
}
