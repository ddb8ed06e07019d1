package outbox

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// MaxSegmentBytes caps one value placed into a file name (after cleaning),
// and MaxNameBytes one whole path segment: most file systems allow 255
// bytes per name, and Windows tools still trip over long paths.
const (
	MaxSegmentBytes = 120
	MaxNameBytes    = 255
)

// SafeSegment cleans a record value for use inside a file name, so that no
// value can steer a file out of its outbox or produce a name Windows
// refuses. The rule:
//
//   - path separators and characters Windows forbids (/ \ : * ? " < > |)
//     and control characters become "_";
//   - leading and trailing spaces and trailing dots are removed (Windows
//     drops them silently, so "a." and "a" would collide);
//   - "." and ".." become "_";
//   - a reserved Windows device name (CON, PRN, AUX, NUL, COM0–COM9,
//     LPT0–LPT9, also with an extension like "nul.txt", any case) gets a
//     "_" in front;
//   - the result is cut to MaxSegmentBytes bytes at a character boundary.
//
// An empty value (or one that is empty after cleaning) is an error: a file
// name part must say something.
func SafeSegment(v string) (string, error) {
	if !utf8.ValidString(v) {
		return "", fmt.Errorf("%q is not valid text for a file name", v)
	}
	var b strings.Builder
	for _, r := range v {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			b.WriteByte('_')
		case strings.ContainsRune(`/\:*?"<>|`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	s := strings.TrimLeft(b.String(), " ")
	s = strings.TrimRight(s, " .")
	if s == "" {
		if v == "" {
			return "", errors.New("the value is empty, so it cannot be part of a file name")
		}
		s = "_"
	}
	if s == "." || s == ".." {
		s = "_"
	}
	if reservedWindowsName(s) {
		s = "_" + s
	}
	if len(s) > MaxSegmentBytes {
		cut := MaxSegmentBytes
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = strings.TrimRight(s[:cut], " .")
	}
	return s, nil
}

// reservedWindowsName reports whether name (before its first dot) is a DOS
// device name that Windows maps to a device in every folder.
func reservedWindowsName(name string) bool {
	base := name
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) {
		c := base[3]
		return c >= '0' && c <= '9'
	}
	// COM¹ COM² COM³ and LPT¹ … are reserved too.
	if strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT") {
		switch base[3:] {
		case "¹", "²", "³":
			return true
		}
	}
	return false
}

// Confine joins the relative path rel (slash-separated, as written in a
// configuration or produced by a template) to root and returns the result,
// or an error if rel is absolute, names a drive or volume, climbs out with
// "..", has an empty or over-long segment, or a segment Windows refuses.
func Confine(root, rel string) (string, error) {
	if rel == "" {
		return "", errors.New("the file name is empty")
	}
	if strings.HasPrefix(rel, "/") || strings.HasPrefix(rel, `\`) || filepath.IsAbs(rel) || filepath.VolumeName(rel) != "" ||
		(len(rel) >= 2 && rel[1] == ':') {
		return "", fmt.Errorf("%q is an absolute path; output names must stay inside the outbox folder", rel)
	}
	parts := strings.FieldsFunc(rel, func(r rune) bool { return r == '/' || r == '\\' })
	if len(parts) == 0 {
		return "", fmt.Errorf("%q names no file", rel)
	}
	for _, p := range parts {
		switch {
		case p == "..":
			return "", fmt.Errorf("%q climbs out of the outbox folder with \"..\"", rel)
		case p == ".":
			return "", fmt.Errorf("%q contains a \".\" path segment", rel)
		case len(p) > MaxNameBytes:
			return "", fmt.Errorf("%q: the name %q is longer than %d bytes", rel, p, MaxNameBytes)
		case reservedWindowsName(p):
			return "", fmt.Errorf("%q: %q is a reserved device name on Windows", rel, p)
		case strings.HasSuffix(p, ".") || strings.HasSuffix(p, " "):
			return "", fmt.Errorf("%q: %q ends with a dot or space, which Windows drops", rel, p)
		}
		for _, r := range p {
			if r < 0x20 || r == 0x7f || strings.ContainsRune(`:*?"<>|`, r) {
				return "", fmt.Errorf("%q: %q contains %q, which is not allowed in file names", rel, p, r)
			}
		}
	}
	full := filepath.Join(append([]string{root}, parts...)...)
	back, err := filepath.Rel(root, full)
	if err != nil || back == ".." || strings.HasPrefix(back, ".."+string(filepath.Separator)) {
		return "", fmt.Errorf("%q leaves the outbox folder", rel)
	}
	return full, nil
}
