package transform

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitAddress(t *testing.T) {
	for _, c := range []struct {
		in                       string
		street, number, addition string
	}{
		// Every row of the table in shared/formats/dhl.md §5.
		{"Straße des 17. Juni 114", "Straße des 17. Juni", "114", ""},
		{"Am Hang 5-7a", "Am Hang", "5-7a", ""},
		{"Hauptstr. 12 b", "Hauptstr.", "12 b", ""},
		{"C 4, 12", "C 4", "12", ""},
		{"C 3 54", "C 3", "54", ""},
		{"Straße 133 25", "Straße 133", "25", ""},
		{"In den 30 Morgen 34b", "In den 30 Morgen", "34b", ""},
		{"Heinestr.13", "Heinestr.", "13", ""},
		{"Apenrader Str. 16 / Whg. 3", "Apenrader Str.", "16", "Whg. 3"},
		{"Hohenzollernring 12", "Hohenzollernring", "12", ""},
		{"Große Bergstraße 154", "Große Bergstraße", "154", ""},
		// The brief's example and the sample files.
		{"Marktstraße 5a", "Marktstraße", "5a", ""},
		{"Industriestraße 7", "Industriestraße", "7", ""},
		{"Königsbrücker Straße 40", "Königsbrücker Straße", "40", ""},
		{"Dorfstraße 3", "Dorfstraße", "3", ""},
		{"Körnerweg 2", "Körnerweg", "2", ""},
		// The rule's other forms (§5 text) and the sources it cites.
		{"Musterweg 13/15", "Musterweg", "13/15", ""},
		{"Gartenweg 7 1/2", "Gartenweg", "7 1/2", ""},
		{"Frauenplatz 14 A", "Frauenplatz", "14 A", ""},
		{"Kirchgasse 13-15/8/6", "Kirchgasse", "13-15/8/6", ""},
		{"Lindenallee 5 - 7", "Lindenallee", "5 - 7", ""},
		{"Lindenallee 5 -7", "Lindenallee", "5 -7", ""},
		{"D 6, 2", "D 6", "2", ""},
		{"D6, 2", "D6", "2", ""},
		{"D 4, 3", "D 4", "3", ""},
		{"Straße 101 Nr. 12", "Straße 101", "12", ""},
		{"Hauptstraße 5 2. OG", "Hauptstraße", "5", "2. OG"},
		{"Hauptstraße 5, 2. Stock links", "Hauptstraße", "5", "2. Stock links"},
		{"Hauptstraße 5 c/o Müller", "Hauptstraße", "5", "c/o Müller"},
		{"Hauptstraße 5 Whg 3", "Hauptstraße", "5", "Whg 3"},
		{"Hauptstraße 5 Hinterhaus", "Hauptstraße", "5", "Hinterhaus"},
		{"Hauptstraße 5, Hinterhof 2", "Hauptstraße", "5", "Hinterhof 2"},
		{"Am Hof 5", "Am Hof", "5", ""},
		{"Am Eichenhain 3,", "Am Eichenhain", "3", ""},
		{"  Packstation 123  ", "Packstation", "123", ""},
		{"Musterstr.12a", "Musterstr.", "12a", ""},
		{"Kurfürstendamm 21", "Kurfürstendamm", "21", ""},
		// Lines that cannot be split: all of it is the street.
		{"Straße des 17. Juni", "Straße des 17. Juni", "", ""},
		{"In den 30 Morgen", "In den 30 Morgen", "", ""},
		{"Straße 133", "Straße 133", "", ""},
		{"C 4", "C 4", "", ""},
		{"Packstation", "Packstation", "", ""},
		{"Hauptstraße 5 Rückgebäude", "Hauptstraße 5 Rückgebäude", "", ""},
		{"12", "12", "", ""},
		{"", "", "", ""},
		{"Hauptstraße 1234567", "Hauptstraße 1234567", "", ""},
	} {
		a := splitAddress(c.in)
		if a.street != c.street || a.number != c.number || a.addition != c.addition {
			t.Errorf("splitAddress(%q) = %q | %q | %q, want %q | %q | %q", c.in, a.street, a.number, a.addition, c.street, c.number, c.addition)
		}
	}
}

func TestStreetFunctions(t *testing.T) {
	f := newFuncs()
	e := map[string]any{"a": "Apenrader Str. 16 / Whg. 3", "n": nil}
	for _, c := range []struct{ src, want string }{
		{`street(a)`, `"Apenrader Str."`},
		{`houseNo(a)`, `"16"`},
		{`streetAddition(a)`, `"Whg. 3"`},
		{`splitStreet(a)`, `["Apenrader Str.", "16"]`},
		{`splitStreet(a)[1]`, `"16"`},
		{`street(n)`, "error: street: the value is missing (nil)"},
		{`isEmpty(houseNo("Straße 133"))`, "true"},
	} {
		check(t, f, c.src, e, c.want)
	}
}

// FuzzSplitStreet: never a panic, and nothing of the line is lost.
func FuzzSplitStreet(f *testing.F) {
	for _, s := range []string{"Straße des 17. Juni 114", "C 4, 12", "Apenrader Str. 16 / Whg. 3", "Heinestr.13",
		"Gartenweg 7 1/2", "Lindenallee 5 - 7", "a 1 -", "X 1, ,", "Weg 5 -/", "Ä9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		a := splitAddress(s)
		if a.number == "" {
			if a.street != strings.TrimSpace(s) || a.addition != "" {
				t.Fatalf("%q: unsplit line changed: %q | %q", s, a.street, a.addition)
			}
			return
		}
		for _, part := range []string{a.street, a.number, a.addition} {
			if !strings.Contains(s, part) {
				t.Fatalf("%q: part %q is not in the line", s, part)
			}
		}
		if !strings.HasPrefix(strings.TrimSpace(s), a.street) || !hasLetter(a.street) {
			t.Fatalf("%q: street %q", s, a.street)
		}
		if a.number[0] < '0' || a.number[0] > '9' {
			t.Fatalf("%q: number %q", s, a.number)
		}
	})
}
