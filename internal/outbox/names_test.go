package outbox

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestSafeSegment(t *testing.T) {
	cases := []struct{ in, want, err string }{
		{"5012", "5012", ""},
		{"AU-100120", "AU-100120", ""},
		{"Müller & Söhne", "Müller & Söhne", ""},
		{"../../etc/passwd", ".._.._etc_passwd", ""},
		{"..", "_", ""},
		{".", "_", ""},
		{`a\b`, "a_b", ""},
		{"C:evil", "C_evil", ""},
		{`C:\Windows\x`, "C__Windows_x", ""},
		{"CON", "_CON", ""},
		{"nul.txt", "_nul.txt", ""},
		{"Com1", "_Com1", ""},
		{"LPT9.csv", "_LPT9.csv", ""},
		{"COM²", "_COM²", ""},
		{"CONSOLE", "CONSOLE", ""},
		{"line\nbreak\ttab\x00nul", "line_break_tab_nul", ""},
		{"trailing dots...", "trailing dots", ""},
		{"  spaces  ", "spaces", ""},
		{`what?*"<>|`, "what______", ""},
		{"", "", "empty"},
		{"\xff", "", "not valid text"},
	}
	for _, c := range cases {
		got, err := SafeSegment(c.in)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("SafeSegment(%q) error = %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("SafeSegment(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	long, err := SafeSegment(strings.Repeat("ä", 200))
	if err != nil || len(long) > MaxSegmentBytes || !strings.HasPrefix(long, "ää") || len(long)%2 != 0 {
		t.Errorf("long value cut to %d bytes (%v), want ≤ %d on a character boundary", len(long), err, MaxSegmentBytes)
	}
}

func TestConfine(t *testing.T) {
	root := filepath.Join("out", "box")
	ok := map[string]string{
		"a.csv":               filepath.Join(root, "a.csv"),
		"10001/RE100512.pdf":  filepath.Join(root, "10001", "RE100512.pdf"),
		`10001\index.json`:    filepath.Join(root, "10001", "index.json"),
		"auftrag-5012.xml":    filepath.Join(root, "auftrag-5012.xml"),
		"Kunde Müller/x.json": filepath.Join(root, "Kunde Müller", "x.json"),
	}
	for rel, want := range ok {
		got, err := Confine(root, rel)
		if err != nil || got != want {
			t.Errorf("Confine(%q) = %q, %v; want %q", rel, got, err, want)
		}
	}
	bad := map[string]string{
		"":                       "empty",
		"/etc/passwd":            "absolute",
		`\\server\share\x`:       "absolute",
		`C:\x.csv`:               "absolute",
		"C:x.csv":                "absolute",
		"../x.csv":               "climbs out",
		"a/../../x.csv":          "climbs out",
		"a/./x.csv":              `"." path segment`,
		"CON":                    "reserved",
		"sub/aux.csv":            "reserved",
		"x.csv.":                 "ends with a dot",
		"a|b.csv":                "not allowed",
		"a\nb.csv":               "not allowed",
		strings.Repeat("x", 300): "longer than",
		"///":                    "absolute",
	}
	for rel, want := range bad {
		if _, err := Confine(root, rel); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Confine(%q) error = %v, want %q", rel, err, want)
		}
	}
}
