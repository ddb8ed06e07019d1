package transform

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzDeDec: German numbers parse without panic, and what parses writes
// back to the same number.
func FuzzDeDec(f *testing.F) {
	for _, s := range []string{"12,50", "-3,5", "1234,56", "1.234,56", "12,5x", "", "0,350", "1.234.567,891", "+0", "99999999999999999999,9"} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, thousands bool) {
		d, msg := parseGerman(s, thousands)
		if msg != "" {
			if !strings.Contains(msg, "decimal") {
				t.Fatalf("%q: message %q", s, msg)
			}
			return
		}
		back, msg := parseGerman(germanText(d.String(), thousands), thousands)
		if msg != "" || !back.Equal(d) {
			t.Fatalf("%q → %s → %q: %s", s, d, germanText(d.String(), thousands), msg)
		}
		inv, msg := parseInvariant(d.String())
		if msg != "" || !inv.Equal(d) {
			t.Fatalf("%q: invariant %q: %s", s, d.String(), msg)
		}
	})
}

// FuzzStripHTML: any input, one pass, valid text out.
func FuzzStripHTML(f *testing.F) {
	for _, s := range []string{
		"<p>Handbemalter Steingutbecher; 300&nbsp;ml</p>", "<ul><li>a</li></ul>", "<script>x</script>y",
		"<!-- c -->", "<a href='>'>x</a>", "a<br><br>b", "&uuml;&#8364;&#x20AC;&bogus;", "<", "<p", "</", "<!", "<?x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := stripHTML(s)
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Fatalf("%q → invalid UTF-8 %q", s, out)
		}
		if strings.Contains(out, "\n\n\n") || strings.HasPrefix(out, "\n") || strings.HasSuffix(out, "\n") {
			t.Fatalf("%q → %q: blank lines", s, out)
		}
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, " ") || strings.HasSuffix(line, " ") || strings.Contains(line, "  ") {
				t.Fatalf("%q → line %q not collapsed", s, line)
			}
		}
	})
}

// FuzzParseDate: any value and layout, no panic; what parses formats back.
func FuzzParseDate(f *testing.F) {
	for _, c := range [][2]string{
		{"13.03.2026", "TT.MM.JJJJ"}, {"29.03.2026 02:30", "TT.MM.JJJJ hh:mm"}, {"20260313", "JJJJMMTT"},
		{"1.3.26", "TT.MM.JJ"}, {"", "TT"}, {"99.99.9999 99:99:99", "TT.MM.JJJJ hh:mm:ss"},
	} {
		f.Add(c[0], c[1])
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s, layout string) {
		if checkLayout("parseDate", layout) != nil {
			return
		}
		tm, msg := parseLocal(s, layout, berlin)
		if msg != "" {
			return
		}
		again, msg := parseLocal(formatLocal(tm, layout), layout, berlin)
		if msg != "" || !again.Equal(tm) {
			t.Fatalf("%q by %q = %v; formatted %q gives %v %s", s, layout, tm, formatLocal(tm, layout), again, msg)
		}
	})
}

// FuzzCompile: the patcher never panics, whatever the expression, and
// what compiles runs without an internal error (a recovered panic) in a
// library function. Sources that could build huge values (repeat, ranges)
// are only compiled.
func FuzzCompile(f *testing.F) {
	for _, d := range Docs() {
		for _, e := range d.Examples {
			f.Add(e.Expr)
		}
	}
	for _, s := range []string{`-x`, `x in y`, `x ** y`, `1.5 + "a"`, `reMatch(x, "(")`, `(x + 1.5) * -y % 2 == z`, `map(x, .a + 1.5)`} {
		f.Add(s)
	}
	fns := newFuncs()
	f.Fuzz(func(t *testing.T, src string) {
		run := !strings.Contains(src, "repeat") && !strings.Contains(src, "..") && len(src) < 200
		for _, mode := range []compileMode{typed, untyped} {
			env := map[string]any{"x": dd("1.5"), "y": 2, "z": "a", "l": []any{dd("2"), 1, "b"}}
			p, err := compile(fns, src, env, mode)
			if err != nil || !run {
				continue
			}
			if _, err := runProgram(p, env); err != nil && strings.Contains(err.Error(), "internal error") {
				t.Fatalf("%s (%v): %v", src, mode, err)
			}
		}
	})
}
