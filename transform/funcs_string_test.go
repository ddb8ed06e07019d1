package transform

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestStripHTML(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"plain text", "plain text"},
		{"Zeile 1\nZeile 2\n\n\nZeile 3  ", "Zeile 1\nZeile 2\n\nZeile 3"},
		{"A &amp; B", "A & B"},
		{"<p>Handbemalter Steingutbecher; 300&nbsp;ml, \"Made in Westerwald\", mikrowellengeeignet.</p>",
			`Handbemalter Steingutbecher; 300 ml, "Made in Westerwald", mikrowellengeeignet.`},
		{"<p>Naturkork aus Portugal, rutschfest.</p>", "Naturkork aus Portugal, rutschfest."},
		{"<p>Absatz 1</p><p>Absatz 2</p>", "Absatz 1\nAbsatz 2"},
		{"Zeile 1<br>Zeile 2<br/>Zeile 3<BR />", "Zeile 1\nZeile 2\nZeile 3"},
		{"a<br><br>b", "a\n\nb"},
		{"a<br><br><br><br>b", "a\n\nb"},
		{"<ul><li>eins</li><li><p>zwei</p></li></ul>", "- eins\n- zwei"},
		{"<b>fett</b> und <i>kursiv</i>", "fett und kursiv"},
		{"Gr&ouml;&szlig;e &uuml;ber 10&#8364; &#x20AC; &euro; &lt;b&gt;", "Größe über 10€ € € <b>"},
		{"<script>alert('<p>x</p>')</script>Text<style>p{color:red}</style>", "Text"},
		{"<SCRIPT type=\"text/javascript\">var a = 1 < 2;</SCRIPT>ok", "ok"},
		{"<!-- Kommentar <p>x</p> -->sichtbar", "sichtbar"},
		{"<!DOCTYPE html><html><head><title>T</title></head><body>Inhalt</body></html>", "Inhalt"},
		{"<a href=\"x?a=1&b=2\" title='1 > 0'>Link</a>", "Link"},
		{"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
		{"3 < 4 and 5 > 4", "3 < 4 and 5 > 4"},
		{"<h2>Pflege</h2>\n  <p>  viel   Text\n hier </p>", "Pflege\nviel Text hier"},
		{"kaputt <p", "kaputt"},
		{"kaputt <a title=\"x>", "kaputt"},
		{"<script>nie zu", ""},
		{"<!-- offen", ""},
		{"<div>a<div>b</div>c</div>", "a\nb\nc"},
		{"a <span>b</span>c", "a bc"},
		{"<p>\u00a0</p><p>x</p>", "x"},
	} {
		if got := stripHTML(c.in); got != c.want {
			t.Errorf("stripHTML(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTranslit(t *testing.T) {
	f := newFuncs()
	for _, c := range []struct{ s, cs, want string }{
		{"Łódź", "windows-1252", `"Lódz"`},
		{"Łódź", "iso-8859-1", `"Lódz"`},
		{"Ørsted Ærø", "iso-8859-1", `"Ørsted Ærø"`},
		{"Œuvre Š € „x“ – …", "windows-1252", `"Œuvre Š € „x“ – …"`},
		{"Œuvre Š € „x“ – …", "iso-8859-1", `"OEuvre S EUR \"x\" - ..."`},
		{"Œuvre Š €", "iso-8859-15", `"Œuvre Š €"`},
		{"½ kg", "iso-8859-15", `"1/2 kg"`},
		{"Müller", "cp1252", `"Müller"`},
		{"Mu\u0308ller", "windows-1252", `"Müller"`},
		{"İstanbul Ğ", "latin1", `"Istanbul G"`},
		{"a\u200bb", "windows-1252", `"ab"`},
		{"Łódź 😀", "utf-8", `"Łódź 😀"`},
		{"x\u0085y", "iso-8859-1", `error: contains '\u0085' (U+0085 <control>), which ISO-8859-1 cannot hold`},
		{"Смирнов", "windows-1252", `error: translit: "Смирнов" contains 'С' (U+0421 CYRILLIC CAPITAL LETTER ES), which Windows-1252 cannot hold and the table "latin" has no replacement for`},
		{"x", "ebcdic", `error: translit: unknown charset "ebcdic"`},
	} {
		check(t, f, `translit(s, cs)`, map[string]any{"s": c.s, "cs": c.cs}, c.want)
	}
	// Invalid UTF-8 cannot come from a decoder, but must not pass silently.
	if _, err := f.state().translitTo("a\xffb", &charsetCheck{"Windows-1252", nil}); err != nil {
		t.Error("UTF-8 target: unexpected error")
	}
	cs, _ := f.state().charset("translit", "windows-1252")
	if _, err := f.state().translitTo("a\xffb", cs); err == nil || !strings.Contains(err.Error(), "not valid UTF-8") {
		t.Errorf("invalid UTF-8: %v", err)
	}
}

func TestTextFunctions(t *testing.T) {
	f := newFuncs()
	e := map[string]any{"s": "Bäckerei Schäfer", "n": 3}
	for _, c := range []struct{ src, want string }{
		{`left(s, 4)`, `"Bäck"`},
		{`right(s, 4)`, `"äfer"`},
		{`truncate(s, 100)`, `"Bäckerei Schäfer"`},
		{`left(s, 0)`, `""`},
		{`right("", 3)`, `""`},
		{`left(s, n)`, `"Bäc"`},
		{`left(s, dec("2"))`, `"Bä"`},
		{`left(s, -1)`, "error: left: the number of characters must be between 0"},
		{`left(s, 1.5)`, "error: must be a whole number, got 1.5"},
		{`padLeft("ä", 3, "ö")`, `"ööä"`},
		{`padRight("ä", 3, "·")`, `"ä··"`},
		{`padLeft(dec("8.5"), 6)`, `"   8.5"`},
		{`padLeft(42, 5, "0")`, `"00042"`},
		{`padLeft("123456", 3, "0")`, `"123456"`},
		{`reReplace("a1b22c333", "[0-9]+", "#")`, `"a#b#c#"`},
		{`reReplace("Müller, Hans", "^(\\pL+), (\\pL+)$", "$2 $1")`, `"Hans Müller"`},
		{`reMatch("DE123456789", "^DE[0-9]{9}$")`, "true"},
		{`reFind("keine Zahl", "[0-9]+")`, `""`},
		{`reFind("Art. 000815-B", "[0-9]+")`, `"000815"`},
		{`reFind("Art. 000815-B", "([0-9]+)-([A-Z])")`, `"000815"`},
		{`digits("")`, `""`},
		{`digits("DE 02 1203")`, `"021203"`},
		{`digits(s)`, `""`},
	} {
		check(t, f, c.src, e, c.want)
	}
}

func TestCutRunes(t *testing.T) {
	l := newFuncs().state()
	s := "Größler 😀 Łódź"
	for n := 0; n <= utf8.RuneCountInString(s)+1; n++ {
		lv, err := l.cutFn("left", false)([]any{s, n})
		if err != nil {
			t.Fatal(err)
		}
		rv, _ := l.cutFn("right", true)([]any{s, n})
		ls, rs := lv.(string), rv.(string)
		if !utf8.ValidString(ls) || !utf8.ValidString(rs) {
			t.Fatalf("n=%d: invalid UTF-8 %q %q", n, ls, rs)
		}
		want := min(n, utf8.RuneCountInString(s))
		if utf8.RuneCountInString(ls) != want || utf8.RuneCountInString(rs) != want {
			t.Errorf("n=%d: left %q right %q", n, ls, rs)
		}
		if !strings.HasPrefix(s, ls) || !strings.HasSuffix(s, rs) {
			t.Errorf("n=%d: left %q right %q not prefix/suffix", n, ls, rs)
		}
	}
}
