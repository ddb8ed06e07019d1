package formats

// Transliteration tables and the record-level charset check.
//
// NewCharsetWriter sits in front of a Writer whose output will be encoded
// in a single-byte charset (Windows-1252 for Sage, ISO-8859-1 for DHL). It
// checks every text of every record before anything is written, so that a
// character the charset cannot hold is reported with the input line and the
// field name ("Łódź" in field "Ort", line 14) instead of a byte offset in
// the output. A transliteration table may supply replacements (Ł → L).

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

type translitPair struct {
	r rune
	s string
}

// latinPairs is the built-in table "latin": Central and Eastern European
// letters to the nearest letters a German accountant expects (ł → l,
// ő → o, č → c, ş → s, ğ → g, ı → i, ẞ → SS), and typographic characters
// to plain ones (‒ → -, „ → ", … → ..., € → EUR, ™ → (TM)). It only applies
// to characters the target charset cannot hold, so Windows-1252 keeps
// Š, Œ, €, „ and “ while ISO-8859-1 gets S, OE, EUR and ". Letters every
// target holds (ä, ø, é) are not in it; neither are emoji, Greek or Cyrillic.
func latinPairs() []translitPair {
	return []translitPair{
		// Latin Extended-A
		{'Ā', "A"}, {'ā', "a"}, {'Ă', "A"}, {'ă', "a"}, {'Ą', "A"}, {'ą', "a"}, {'Ć', "C"}, {'ć', "c"},
		{'Ĉ', "C"}, {'ĉ', "c"}, {'Ċ', "C"}, {'ċ', "c"}, {'Č', "C"}, {'č', "c"}, {'Ď', "D"}, {'ď', "d"},
		{'Đ', "D"}, {'đ', "d"}, {'Ē', "E"}, {'ē', "e"}, {'Ĕ', "E"}, {'ĕ', "e"}, {'Ė', "E"}, {'ė', "e"},
		{'Ę', "E"}, {'ę', "e"}, {'Ě', "E"}, {'ě', "e"}, {'Ĝ', "G"}, {'ĝ', "g"}, {'Ğ', "G"}, {'ğ', "g"},
		{'Ġ', "G"}, {'ġ', "g"}, {'Ģ', "G"}, {'ģ', "g"}, {'Ĥ', "H"}, {'ĥ', "h"}, {'Ħ', "H"}, {'ħ', "h"},
		{'Ĩ', "I"}, {'ĩ', "i"}, {'Ī', "I"}, {'ī', "i"}, {'Ĭ', "I"}, {'ĭ', "i"}, {'Į', "I"}, {'į', "i"},
		{'İ', "I"}, {'ı', "i"}, {'Ĳ', "IJ"}, {'ĳ', "ij"}, {'Ĵ', "J"}, {'ĵ', "j"}, {'Ķ', "K"}, {'ķ', "k"},
		{'ĸ', "k"}, {'Ĺ', "L"}, {'ĺ', "l"}, {'Ļ', "L"}, {'ļ', "l"}, {'Ľ', "L"}, {'ľ', "l"}, {'Ŀ', "L"},
		{'ŀ', "l"}, {'Ł', "L"}, {'ł', "l"}, {'Ń', "N"}, {'ń', "n"}, {'Ņ', "N"}, {'ņ', "n"}, {'Ň', "N"},
		{'ň', "n"}, {'ŉ', "'n"}, {'Ŋ', "N"}, {'ŋ', "n"}, {'Ō', "O"}, {'ō', "o"}, {'Ŏ', "O"}, {'ŏ', "o"},
		{'Ő', "O"}, {'ő', "o"}, {'Œ', "OE"}, {'œ', "oe"}, {'Ŕ', "R"}, {'ŕ', "r"}, {'Ŗ', "R"}, {'ŗ', "r"},
		{'Ř', "R"}, {'ř', "r"}, {'Ś', "S"}, {'ś', "s"}, {'Ŝ', "S"}, {'ŝ', "s"}, {'Ş', "S"}, {'ş', "s"},
		{'Š', "S"}, {'š', "s"}, {'Ţ', "T"}, {'ţ', "t"}, {'Ť', "T"}, {'ť', "t"}, {'Ŧ', "T"}, {'ŧ', "t"},
		{'Ũ', "U"}, {'ũ', "u"}, {'Ū', "U"}, {'ū', "u"}, {'Ŭ', "U"}, {'ŭ', "u"}, {'Ů', "U"}, {'ů', "u"},
		{'Ű', "U"}, {'ű', "u"}, {'Ų', "U"}, {'ų', "u"}, {'Ŵ', "W"}, {'ŵ', "w"}, {'Ŷ', "Y"}, {'ŷ', "y"},
		{'Ÿ', "Y"}, {'Ź', "Z"}, {'ź', "z"}, {'Ż', "Z"}, {'ż', "z"}, {'Ž', "Z"}, {'ž', "z"}, {'ſ', "s"},
		// Latin Extended-B and Additional
		{'ƀ', "b"}, {'Ɖ', "D"}, {'Ƒ', "F"}, {'ƒ', "f"}, {'Ɨ', "I"}, {'Ơ', "O"}, {'ơ', "o"}, {'Ư', "U"},
		{'ư', "u"}, {'Ƶ', "Z"}, {'ƶ', "z"}, {'Ə', "E"}, {'ə', "e"}, {'Ǎ', "A"}, {'ǎ', "a"}, {'Ǐ', "I"},
		{'ǐ', "i"}, {'Ǒ', "O"}, {'ǒ', "o"}, {'Ǔ', "U"}, {'ǔ', "u"}, {'Ǧ', "G"}, {'ǧ', "g"}, {'Ǩ', "K"},
		{'ǩ', "k"}, {'Ǫ', "O"}, {'ǫ', "o"}, {'Ǵ', "G"}, {'ǵ', "g"}, {'Ș', "S"}, {'ș', "s"}, {'Ț', "T"},
		{'ț', "t"}, {'Ȳ', "Y"}, {'ȳ', "y"}, {'ẞ', "SS"},
		// Not in ISO-8859-15 (it has € Š š Ž ž Œ œ Ÿ there instead)
		{'¦', "|"}, {'¨', "\""}, {'´', "'"}, {'¸', ","}, {'¼', "1/4"}, {'½', "1/2"}, {'¾', "3/4"},
		// Spacing modifiers, quotes, dashes, symbols
		{'ˆ', "^"}, {'˜', "~"}, {'‚', ","}, {'„', "\""}, {'“', "\""}, {'”', "\""}, {'‟', "\""},
		{'‘', "'"}, {'’', "'"}, {'‛', "'"}, {'‹', "'"}, {'›', "'"}, {'′', "'"}, {'″', "\""},
		{'‐', "-"}, {'‑', "-"}, {'‒', "-"}, {'–', "-"}, {'—', "-"}, {'―', "-"}, {'−', "-"},
		{'…', "..."}, {'•', "-"}, {'€', "EUR"}, {'™', "(TM)"}, {'≤', "<="}, {'≥', ">="},
		// Spaces: the no-break ones to the no-break space every target has
		{'\u2002', " "}, {'\u2003', " "}, {'\u2004', " "}, {'\u2005', " "}, {'\u2006', " "},
		{'\u2008', " "}, {'\u2009', " "}, {'\u200A', " "}, {'\u205F', " "},
		{'\u2007', "\u00A0"}, {'\u202F', "\u00A0"},
		// Invisible: zero-width space, joiners, word joiner, byte order mark
		{'\u200B', ""}, {'\u200C', ""}, {'\u200D', ""}, {'\u2060', ""}, {'\uFEFF', ""},
	}
}

// latinFor returns the "latin" replacement of r, if it has one.
func latinFor(r rune) (string, bool) {
	for _, p := range latinPairs() {
		if p.r == r {
			return p.s, true
		}
	}
	return "", false
}

// Transliterations returns the names of the built-in transliteration tables.
func Transliterations() []string { return []string{"latin"} }

// Transliteration returns a fresh copy of the built-in table name, for
// NewCharsetWriter. "latin" maps Central/Eastern European letters and
// typographic characters to what a Windows-1252 or ISO-8859-1 file can
// hold (ł → l, ő → o, č → c, ş → s, ğ → g, ı → i, ‒ → -, € → EUR in
// ISO-8859-1); emoji are not in it. "" and "none" give a nil table.
func Transliteration(name string) (map[rune]string, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", "none":
		return nil, nil
	case "latin":
		ps := latinPairs()
		m := make(map[rune]string, len(ps))
		for _, p := range ps {
			m[p.r] = p.s
		}
		return m, nil
	}
	return nil, fmt.Errorf("unknown transliteration table %q (known: %s)", name, strings.Join(Transliterations(), ", "))
}

// translitHint suggests a transliteration for r: lead + " (e.g. Ł → L)".
func translitHint(r rune, lead string) string {
	s, ok := latinFor(r)
	if !ok {
		return lead + " for it"
	}
	if unicode.IsLetter(r) && s != "" {
		return lead + " (e.g. " + string(r) + " → " + s + ")"
	}
	return lead + " (e.g. " + Quote(string(r)) + " → " + Quote(s) + ")"
}

// NewCharsetWriter checks every text value of every record written through
// it against charset (after the transliteration table, if any) and passes
// the records on to w.
//
// For UTF-8 and UTF-16 targets, which hold every character, it returns w
// unchanged. For windows-1252, iso-8859-1 and iso-8859-15 it walks every
// field name and every string and number (nested records and lists too).
// A character the charset holds stays as it is; one it cannot hold is
// replaced by its entry in translit (whose replacements must fit the
// charset: NewCharsetWriter checks that). Text in decomposed form (u + ¨,
// as macOS writes it) is composed first (ü). A character that is neither
// is refused: Write returns a *DataError with the field's position (or the
// record's), Field = the field name (a dotted path for nested values, as
// Flatten names them), RecordOnly set, and File left empty for the caller:
//
//	"Łódź" contains "Ł" (U+0141 LATIN CAPITAL LETTER L WITH STROKE), which
//	Windows-1252 cannot hold – fix the value or configure a transliteration (e.g. Ł → L)
//
// The refused record is not passed on and the writer stays usable, so a
// pipeline can reject that one record. A record that needed replacements is
// passed on as a copy (unchanged nested values are shared); the caller's
// record is never modified. Errors of w pass through; Close closes w.
func NewCharsetWriter(w Writer, charset string, translit map[rune]string) (Writer, error) {
	spec, err := parseCharset(charset)
	if err != nil {
		return nil, err
	}
	switch spec.id {
	case csAuto:
		return nil, fmt.Errorf("charset %q can only be used for reading; name the charset to write (e.g. utf-8 or windows-1252)", charset)
	case csUTF8, csUTF8BOM, csUTF16, csUTF16LE, csUTF16BE:
		return w, nil
	}
	c := &charsetWriter{w: w, tab: newByteTable(spec.id)}
	if len(translit) > 0 {
		c.translit = make(map[rune]string, len(translit))
		keys := make([]rune, 0, len(translit))
		for r := range translit {
			keys = append(keys, r)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
		for _, r := range keys {
			s := translit[r]
			for _, x := range s {
				if _, ok := c.tab.encode(x); !ok {
					return nil, fmt.Errorf("transliteration %s → %s: %s (%s) cannot be written in %s either",
						strconv.QuoteRune(r), strconv.Quote(s), strconv.QuoteRune(x), runeName(x), spec.id.display())
				}
			}
			c.translit[r] = s
		}
	}
	return c, nil
}

type charsetWriter struct {
	w        Writer
	tab      *byteTable
	translit map[rune]string
	path     []pathElem // where in the record the walk is, for messages
}

type pathElem struct {
	name  string
	index int // list index, or -1 for a field name
}

func (c *charsetWriter) Write(r *Record) error {
	if r == nil {
		return c.w.Write(r)
	}
	c.path = c.path[:0]
	out, err := c.record(r, r.Pos)
	if err != nil {
		return err
	}
	return c.w.Write(out)
}

func (c *charsetWriter) Close() error { return c.w.Close() }

// record checks r and returns it, or a copy with replacements.
func (c *charsetWriter) record(r *Record, pos Pos) (*Record, error) {
	if r == nil {
		return nil, nil
	}
	if !r.Pos.IsZero() {
		pos = r.Pos
	}
	var fields []Field // a copy, once something changes
	for i := range r.Fields {
		f := &r.Fields[i]
		fpos := f.Pos
		if fpos.IsZero() {
			fpos = pos
		}
		c.path = append(c.path, pathElem{name: f.Name, index: -1})
		name, nameChanged, err := c.text(f.Name, fpos, true)
		if err != nil {
			return nil, err
		}
		v, changed, err := c.value(f.Value, fpos)
		if err != nil {
			return nil, err
		}
		c.path = c.path[:len(c.path)-1]
		if nameChanged || changed {
			if fields == nil {
				fields = make([]Field, len(r.Fields))
				copy(fields, r.Fields)
			}
			fields[i].Name = name
			fields[i].Value = v
		}
	}
	if fields == nil {
		return r, nil
	}
	return &Record{Fields: fields, Pos: r.Pos}, nil
}

func (c *charsetWriter) value(v Value, pos Pos) (Value, bool, error) {
	switch v.Kind() {
	case KindString, KindNumber:
		s, changed, err := c.text(v.Text(), pos, false)
		if err != nil || !changed {
			return v, false, err
		}
		if v.Kind() == KindNumber {
			return Number(s), true, nil
		}
		return String(s), true, nil
	case KindRecord:
		rec, err := c.record(v.Record(), pos)
		if err != nil || rec == v.Record() {
			return v, false, err
		}
		return Nested(rec), true, nil
	case KindList:
		var list []Value
		for i, e := range v.List() {
			epos := pos
			if e.Kind() == KindRecord && e.Record() != nil && !e.Record().Pos.IsZero() {
				epos = e.Record().Pos
			}
			c.path = append(c.path, pathElem{index: i})
			ne, changed, err := c.value(e, epos)
			c.path = c.path[:len(c.path)-1]
			if err != nil {
				return v, false, err
			}
			if changed {
				if list == nil {
					list = make([]Value, len(v.List()))
					copy(list, v.List())
				}
				list[i] = ne
			}
		}
		if list == nil {
			return v, false, nil
		}
		return List(list), true, nil
	}
	return v, false, nil
}

// isASCII reports whether s is pure ASCII.
func isASCII(s string) bool {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if (s[i]|s[i+1]|s[i+2]|s[i+3]|s[i+4]|s[i+5]|s[i+6]|s[i+7])&0x80 != 0 {
			return false
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// text checks s and returns it, or its replacement.
func (c *charsetWriter) text(s string, pos Pos, isName bool) (string, bool, error) {
	if isASCII(s) {
		return s, false, nil
	}
	return c.convert(s, s, pos, isName, false)
}

func (c *charsetWriter) convert(s, orig string, pos Pos, isName, composed bool) (string, bool, error) {
	var b strings.Builder
	changed := false
	for i, r := range s {
		if r < 0x80 {
			if changed {
				b.WriteByte(byte(r))
			}
			continue
		}
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return "", false, c.refuse(pos, fmt.Sprintf("%s%s contains bytes that are not valid UTF-8", namePrefix(isName), Quote(orig)))
			}
		}
		if _, ok := c.tab.encode(r); ok {
			if changed {
				b.WriteRune(r)
			}
			continue
		}
		if rep, ok := c.translit[r]; ok {
			if !changed {
				b.Grow(len(s))
				b.WriteString(s[:i])
				changed = true
			}
			b.WriteString(rep)
			continue
		}
		if !composed && unicode.Is(unicode.Mn, r) {
			if n := norm.NFC.String(s); n != s {
				out, _, err := c.convert(n, orig, pos, isName, true)
				return out, err == nil, err
			}
		}
		return "", false, c.refuse(pos, fmt.Sprintf("%s%s contains %s (%s), which %s cannot hold%s",
			namePrefix(isName), Quote(orig), Quote(string(r)), runeName(r), c.tab.id.display(),
			translitHint(r, " – fix the value or configure a transliteration")))
	}
	if !changed {
		return s, composed, nil
	}
	return b.String(), true, nil
}

func namePrefix(isName bool) string {
	if isName {
		return "the field name "
	}
	return ""
}

func (c *charsetWriter) refuse(pos Pos, msg string) *DataError {
	var b strings.Builder
	for _, e := range c.path {
		if e.index >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.index))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(e.name)
	}
	return &DataError{Pos: pos, Field: b.String(), Msg: msg, RecordOnly: true}
}
