package transform

// Text functions: regular expressions (compiled once per pattern, checked
// at compile time when the pattern is a constant), padding and cutting by
// characters (runes, not bytes), HTML to plain text, transliteration for
// single-byte target charsets, and digits.

import (
	"errors"
	"html"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/runenames"

	"github.com/ferry-sync/ferry/formats"
)

// maxPad bounds padLeft/padRight, so that a runaway length cannot fill the
// memory.
const maxPad = 10000

// ---------------------------------------------------------------------------
// Regular expressions (Go RE2 syntax: linear time, no backtracking)

func (l *lib) regexp(fn, pattern string) (*regexp.Regexp, error) {
	return l.regexps.get(pattern, func(p string) (*regexp.Regexp, error) {
		re, err := regexp.Compile(p)
		if err != nil {
			why := err.Error()
			var se *syntax.Error
			if errors.As(err, &se) {
				why = se.Code.String()
				if se.Expr != "" && se.Expr != p {
					why += " at " + formats.Quote(se.Expr)
				}
			}
			return nil, errf(fn, "%s: the pattern %s is not a valid regular expression: %s", fn, formats.Quote(p), why)
		}
		return re, nil
	})
}

func (l *lib) reArgs(fn string, a []any) (string, *regexp.Regexp, error) {
	s, err := textArg(fn, a[0])
	if err != nil {
		return "", nil, err
	}
	p, err := strArg(fn, "pattern", a[1])
	if err != nil {
		return "", nil, err
	}
	re, err := l.regexp(fn, p)
	return s, re, err
}

func (l *lib) fnReReplace(a []any) (any, error) {
	s, re, err := l.reArgs("reReplace", a)
	if err != nil {
		return nil, err
	}
	repl, err := textArg("reReplace", a[2])
	if err != nil {
		return nil, err
	}
	return re.ReplaceAllString(s, repl), nil
}

func (l *lib) fnReMatch(a []any) (any, error) {
	s, re, err := l.reArgs("reMatch", a)
	if err != nil {
		return nil, err
	}
	return re.MatchString(s), nil
}

// fnReFind returns the first match, or its first group if the pattern has
// groups; "" if nothing matches.
func (l *lib) fnReFind(a []any) (any, error) {
	s, re, err := l.reArgs("reFind", a)
	if err != nil {
		return nil, err
	}
	m := re.FindStringSubmatch(s)
	switch {
	case m == nil:
		return "", nil
	case len(m) > 1:
		return m[1], nil
	}
	return m[0], nil
}

// ---------------------------------------------------------------------------
// Padding and cutting

// padChar checks a fill character: exactly one character.
func padChar(fn, s string) (string, error) {
	if utf8.RuneCountInString(s) != 1 {
		return "", errf(fn, "%s: the fill character must be exactly one character, got %s", fn, formats.Quote(s))
	}
	return s, nil
}

func (l *lib) padFn(name string, left bool) func(a []any) (any, error) {
	return func(a []any) (any, error) {
		s, err := textArg(name, a[0])
		if err != nil {
			return nil, err
		}
		n, err := intArg(name, "length", a[1], 0, maxPad)
		if err != nil {
			return nil, err
		}
		ch := " "
		if len(a) > 2 {
			if ch, err = strArg(name, "fill character", a[2]); err != nil {
				return nil, err
			}
			if ch, err = padChar(name, ch); err != nil {
				return nil, err
			}
		}
		have := utf8.RuneCountInString(s)
		if have >= n {
			return s, nil
		}
		fill := strings.Repeat(ch, n-have)
		if left {
			return fill + s, nil
		}
		return s + fill, nil
	}
}

func (l *lib) cutFn(name string, fromRight bool) func(a []any) (any, error) {
	return func(a []any) (any, error) {
		s, err := textArg(name, a[0])
		if err != nil {
			return nil, err
		}
		n, err := intArg(name, "number of characters", a[1], 0, 1<<31-1)
		if err != nil {
			return nil, err
		}
		if !fromRight {
			return cutRunes(s, n), nil
		}
		total := utf8.RuneCountInString(s)
		if total <= n {
			return s, nil
		}
		i := 0
		for k := 0; k < total-n; k++ {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
		}
		return s[i:], nil
	}
}

func (l *lib) fnDigits(a []any) (any, error) {
	s, err := textArg("digits", a[0])
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			if b.Len() == 0 {
				b.Grow(len(s) - i)
			}
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// ---------------------------------------------------------------------------
// Transliteration

// charsetCheck tells which characters a target charset holds, the way the
// formats package's encoders decide it: Windows-1252 without its five
// undefined bytes, ISO-8859-1/-15 without the C1 control characters.
type charsetCheck struct {
	display string
	cm      *charmap.Charmap // nil: a Unicode charset that holds everything
}

func (c *charsetCheck) holds(r rune) bool {
	if c.cm == nil || r < 0x80 {
		return true
	}
	if r <= 0x9F || r == utf8.RuneError {
		return false
	}
	_, ok := c.cm.EncodeRune(r)
	return ok
}

func (l *lib) charset(fn, name string) (*charsetCheck, error) {
	return l.charsets.get(name, func(name string) (*charsetCheck, error) {
		canon, err := formats.CanonicalCharset(name)
		if err != nil {
			return nil, errf(fn, "%s: %v", fn, err)
		}
		switch canon {
		case "windows-1252":
			return &charsetCheck{"Windows-1252", charmap.Windows1252}, nil
		case "iso-8859-1":
			return &charsetCheck{"ISO-8859-1", charmap.ISO8859_1}, nil
		case "iso-8859-15":
			return &charsetCheck{"ISO-8859-15", charmap.ISO8859_15}, nil
		case "utf-8", "utf-8-bom", "utf-16", "utf-16le", "utf-16be":
			return &charsetCheck{display: canon}, nil
		}
		return nil, errf(fn, "%s: name the charset of the file to write, e.g. windows-1252 (%s is only for reading)", fn, formats.Quote(name))
	})
}

func (l *lib) fnTranslit(a []any) (any, error) {
	s, err := textArg("translit", a[0])
	if err != nil {
		return nil, err
	}
	name, err := strArg("translit", "charset", a[1])
	if err != nil {
		return nil, err
	}
	cs, err := l.charset("translit", name)
	if err != nil {
		return nil, err
	}
	return l.translitTo(s, cs)
}

func (l *lib) translitTo(s string, cs *charsetCheck) (string, error) {
	if cs.cm == nil || isASCII(s) {
		return s, nil
	}
	if !utf8.ValidString(s) {
		return "", errf("translit", "translit: %s contains bytes that are not valid UTF-8", formats.Quote(s))
	}
	t := norm.NFC.String(s) // u + ¨ (as macOS writes it) → ü
	var b strings.Builder
	b.Grow(len(t))
	for _, r := range t {
		if cs.holds(r) {
			b.WriteRune(r)
			continue
		}
		rep, ok := l.translit[r]
		if !ok {
			return "", errf("translit", "translit: %s contains %s (U+%04X %s), which %s cannot hold and the table \"latin\" has no replacement for",
				formats.Quote(s), strconv.QuoteRune(r), r, runenames.Name(r), cs.display)
		}
		b.WriteString(rep)
	}
	return b.String(), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------------------
// HTML to text

func (l *lib) fnStripHTML(a []any) (any, error) {
	s, err := textArg("stripHTML", a[0])
	if err != nil {
		return nil, err
	}
	return stripHTML(s), nil
}

// stripHTML turns an HTML fragment (a Smartstore product description) into
// readable text: tags go, block elements and <br> start new lines, list
// items get "- ", entities are decoded (&amp; &nbsp; &uuml; &#8364;),
// white space is collapsed within each line, and the content of script,
// style, head and template elements and of comments is dropped. It reads
// any input in one pass and never fails: a broken tag is dropped. Text
// without any tag keeps its line breaks (entities are still decoded).
func stripHTML(s string) string {
	if strings.IndexByte(s, '<') < 0 {
		return collapseLines(s)
	}
	var w textWriter
	for i := 0; i < len(s); {
		lt := strings.IndexByte(s[i:], '<')
		if lt < 0 {
			w.text(s[i:])
			break
		}
		w.text(s[i : i+lt])
		i += lt
		rest := s[i+1:]
		switch {
		case strings.HasPrefix(rest, "!--"):
			end := strings.Index(rest[3:], "-->")
			if end < 0 {
				i = len(s)
			} else {
				i += 1 + 3 + end + 3
			}
		case rest != "" && (rest[0] == '!' || rest[0] == '?'):
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				i = len(s)
			} else {
				i += 1 + end + 1
			}
		case rest != "" && (isLetter(rest[0]) || (rest[0] == '/' && len(rest) > 1 && isLetter(rest[1]))):
			closing := rest[0] == '/'
			start := 0
			if closing {
				start = 1
			}
			k := start
			for k < len(rest) && (isLetter(rest[k]) || isDigit(rest[k])) {
				k++
			}
			name := strings.ToLower(rest[start:k])
			end := tagEnd(rest, k)
			if end < 0 {
				i = len(s)
				break
			}
			i += 1 + end + 1
			if !closing && rawElement(name) {
				i = skipRaw(s, i, name)
				continue
			}
			w.tag(name, closing)
		default:
			w.text("<")
			i++
		}
	}
	return w.String()
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// tagEnd returns the index of the '>' that ends the tag in s (the text
// after its '<'), skipping quoted attribute values; -1 if none.
func tagEnd(s string, i int) int {
	for i < len(s) {
		switch c := s[i]; c {
		case '>':
			return i
		case '"', '\'':
			q := strings.IndexByte(s[i+1:], c)
			if q < 0 {
				return -1
			}
			i += q + 2
		default:
			i++
		}
	}
	return -1
}

// rawElement reports elements whose content is not text for a reader.
func rawElement(name string) bool {
	switch name {
	case "script", "style", "head", "template", "title", "noscript", "svg":
		return true
	}
	return false
}

// skipRaw returns the index after the closing tag of name at or after i,
// or len(s).
func skipRaw(s string, i int, name string) int {
	for i < len(s) {
		k := strings.Index(s[i:], "</")
		if k < 0 {
			return len(s)
		}
		i += k + 2
		if len(s)-i >= len(name) && strings.EqualFold(s[i:i+len(name)], name) {
			if end := strings.IndexByte(s[i:], '>'); end >= 0 {
				return i + end + 1
			}
			return len(s)
		}
	}
	return len(s)
}

// blockElement reports elements that stand on lines of their own.
func blockElement(name string) bool {
	switch name {
	case "p", "div", "ul", "ol", "dl", "dt", "dd", "table", "tr", "thead", "tbody", "tfoot",
		"h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "section", "article",
		"header", "footer", "nav", "aside", "main", "figure", "figcaption", "address",
		"form", "fieldset", "details", "summary", "caption", "center", "hr", "li":
		return true
	}
	return false
}

// textWriter collects lines: white space collapsed, blank lines at most
// one in a row, none at the start or end.
type textWriter struct {
	b       strings.Builder
	line    []byte // the current line, collapsed
	space   bool   // a space is pending before the next character
	bullet  bool   // "- " is pending before the next character (<li>)
	blank   bool   // the last line written was blank
	started bool   // a non-blank line was written
}

func (w *textWriter) text(s string) {
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	for _, r := range s {
		if unicode.IsSpace(r) {
			w.space = len(w.line) > 0
			continue
		}
		if w.bullet {
			w.line = append(w.line, "- "...)
			w.bullet, w.space = false, false
		}
		if w.space {
			w.line = append(w.line, ' ')
			w.space = false
		}
		w.line = utf8.AppendRune(w.line, r)
	}
}

func (w *textWriter) tag(name string, closing bool) {
	switch {
	case name == "br":
		w.newline(true)
	case name == "li" && !closing:
		w.newline(false)
		w.bullet = true
	case name == "td" || name == "th":
		w.space = len(w.line) > 0
	case blockElement(name):
		w.newline(false)
	}
}

// newline ends the current line; a hard break (<br>) also ends an empty one.
func (w *textWriter) newline(hard bool) {
	w.space = false
	if len(w.line) == 0 && !hard {
		return
	}
	if len(w.line) == 0 {
		if w.started && !w.blank {
			w.blank = true
		}
		return
	}
	if w.started {
		w.b.WriteByte('\n')
		if w.blank {
			w.b.WriteByte('\n')
		}
	}
	w.b.Write(w.line)
	w.line = w.line[:0]
	w.started, w.blank = true, false
}

func (w *textWriter) String() string {
	w.newline(false)
	return w.b.String()
}

// collapseLines is stripHTML for plain text.
func collapseLines(s string) string {
	var w textWriter
	for {
		k := strings.IndexByte(s, '\n')
		if k < 0 {
			w.text(s)
			break
		}
		w.text(s[:k])
		w.newline(true)
		s = s[k+1:]
	}
	return w.String()
}
