package formats

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
)

func TestCanonicalCharset(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"utf8", "utf-8"}, {"UTF-8", "utf-8"}, {" utf-8 ", "utf-8"},
		{"utf-8-bom", "utf-8-bom"}, {"UTF8BOM", "utf-8-bom"},
		{"utf-16", "utf-16"}, {"UTF-16LE", "utf-16le"}, {"utf16be", "utf-16be"},
		{"windows-1252", "windows-1252"}, {"CP1252", "windows-1252"}, {"ANSI", "windows-1252"},
		{"iso-8859-1", "iso-8859-1"}, {"latin1", "iso-8859-1"}, {"Latin-1", "iso-8859-1"},
		{"iso-8859-15", "iso-8859-15"}, {"latin9", "iso-8859-15"}, {"LATIN-9", "iso-8859-15"},
		{"auto", "auto"}, {"AUTO", "auto"}, {"auto:windows-1252", "auto"}, {"auto:cp1252", "auto"},
		{"auto:latin-9", "auto:iso-8859-15"}, {"Auto:ISO-8859-1", "auto:iso-8859-1"},
	} {
		got, err := CanonicalCharset(c.in)
		if err != nil || got != c.want {
			t.Errorf("CanonicalCharset(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "utf-7", "ebcdic", "auto:utf-8", "auto:", "auto:auto", "latin"} {
		_, err := CanonicalCharset(bad)
		if err == nil {
			t.Errorf("CanonicalCharset(%q): no error", bad)
			continue
		}
		if !strings.Contains(err.Error(), "windows-1252") {
			t.Errorf("CanonicalCharset(%q): error does not list the known names: %v", bad, err)
		}
	}
	for _, name := range Charsets() {
		if got, err := CanonicalCharset(name); err != nil || got != name {
			t.Errorf("Charsets() lists %q, but CanonicalCharset gives %q, %v", name, got, err)
		}
	}
	if _, err := NewDecoder(strings.NewReader(""), "klingon", "x"); err == nil {
		t.Error("NewDecoder accepted an unknown charset")
	}
	if _, err := NewEncoder(io.Discard, "auto"); err == nil {
		t.Error("NewEncoder accepted auto")
	}
	if _, err := NewCharsetWriter(&recWriter{}, "auto", nil); err == nil {
		t.Error("NewCharsetWriter accepted auto")
	}
}

// readers are the ways a decoder's input may arrive; every one must give
// the same text and the same error.
var readers = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"plain", func(r io.Reader) io.Reader { return r }},
	{"OneByteReader", iotest.OneByteReader},
	{"HalfReader", iotest.HalfReader},
	{"DataErrReader", iotest.DataErrReader},
}

// decodeAll decodes in with charset; tiny reads the decoder's output one
// byte at a time.
func decodeAll(t testing.TB, in io.Reader, charset string, tiny bool) (string, error) {
	d, err := NewDecoder(in, charset, "test.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !tiny {
		b, err := io.ReadAll(d)
		return string(b), err
	}
	var out []byte
	var p [1]byte
	for {
		n, err := d.Read(p[:])
		out = append(out, p[:n]...)
		if err == io.EOF {
			return string(out), nil
		}
		if err != nil {
			return string(out), err
		}
	}
}

type decodeCase struct {
	charset string
	in      string
	want    string // decoded text (up to the error)
	err     string // part of the error message, "" for none
	line    int    // error line
	col     int    // error column
	off     int64  // error byte offset
}

func runDecodeCases(t *testing.T, cases []decodeCase) {
	t.Helper()
	for i, c := range cases {
		name := fmt.Sprintf("%d-%s-%q", i, c.charset, c.in)
		if len(name) > 60 {
			name = name[:60]
		}
		t.Run(name, func(t *testing.T) {
			for _, rd := range readers {
				for _, tiny := range []bool{false, true} {
					got, err := decodeAll(t, rd.wrap(strings.NewReader(c.in)), c.charset, tiny)
					where := fmt.Sprintf("%s (tiny reads %v)", rd.name, tiny)
					if got != c.want {
						t.Errorf("%s: got %q, want %q", where, got, c.want)
					}
					if !utf8.ValidString(got) {
						t.Errorf("%s: output is not valid UTF-8: %q", where, got)
					}
					checkDataErr(t, where, err, c.err, c.line, c.col, c.off)
				}
			}
		})
	}
}

func checkDataErr(t *testing.T, where string, err error, want string, line, col int, off int64) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Errorf("%s: unexpected error %v", where, err)
		}
		return
	}
	de := AsDataError(err)
	if de == nil {
		t.Errorf("%s: error %v (%T), want a *DataError with %q", where, err, err, want)
		return
	}
	if !strings.Contains(de.Msg, want) {
		t.Errorf("%s: error %q does not contain %q", where, de.Msg, want)
	}
	if de.Pos.Line != line || (col != 0 && de.Pos.Col != col) || de.Offset != off {
		t.Errorf("%s: error at line %d col %d offset %d, want line %d col %d offset %d (%v)",
			where, de.Pos.Line, de.Pos.Col, de.Offset, line, col, off, err)
	}
}

func TestDecodeUTF8(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{charset: "utf-8", in: "", want: ""},
		{charset: "utf-8", in: "Grüße € „x“ – ÄÖÜß\r\n", want: "Grüße € „x“ – ÄÖÜß\r\n"},
		{charset: "utf-8", in: "\uFEFFa;b\n", want: "a;b\n"},
		{charset: "utf-8", in: "\uFEFF", want: ""},
		{charset: "utf-8", in: "\xEF\xBB", want: "", err: "byte 0xEF", line: 1, col: 1, off: 0},
		{charset: "utf-8", in: "\uFEFF\uFEFFa", want: "\uFEFFa"}, // only one BOM is dropped
		{charset: "utf-8-bom", in: "\uFEFFä\n", want: "ä\n"},
		{charset: "utf-8-bom", in: "ä\n", want: "ä\n"},
		{charset: "utf-8", in: "a;b\nGr\xFC\xDFe\n", want: "a;b\nGr",
			err: `byte 0xFC ("ü" in Windows-1252) is not valid UTF-8 (byte offset 6) – is the file Windows-1252 (ANSI)?`, line: 2, col: 3, off: 6},
		{charset: "utf-8", in: "ab\xC3", want: "ab", err: "the file ends in the middle of a character", line: 1, col: 3, off: 2},
		{charset: "utf-8", in: "ab\xC3(", want: "ab", err: "byte 0xC3", line: 1, col: 3, off: 2},
		{charset: "utf-8", in: "\xED\xA0\x80", want: "", err: "byte 0xED", line: 1, col: 1, off: 0}, // surrogate
		{charset: "utf-8", in: "\xC0\x80", want: "", err: "byte 0xC0", line: 1, col: 1, off: 0},     // overlong
		{charset: "utf-8", in: "x\n\nab\x00c", want: "x\n\nab", err: "byte 0x00 (NUL) at byte offset 5: this is not a text file", line: 3, col: 3, off: 5},
		{charset: "utf-8", in: "😀\n", want: "😀\n"},
	})
}

func TestDecodeWindows1252(t *testing.T) {
	// € „ “ – ä ö ü ß Ä Ö Ü
	all := "\x80 \x84 \x93 \x96 \xE4 \xF6 \xFC \xDF \xC4 \xD6 \xDC"
	runDecodeCases(t, []decodeCase{
		{charset: "windows-1252", in: all, want: "€ „ “ – ä ö ü ß Ä Ö Ü"},
		{charset: "cp1252", in: "Gr\xFC\xDFe\r\nK\xFCche\r\n", want: "Grüße\r\nKüche\r\n"},
		{charset: "windows-1252", in: "a\r\nb\x81", want: "a\r\nb", err: "byte 0x81 is not a character in Windows-1252 (byte offset 4)", line: 2, col: 2, off: 4},
		{charset: "windows-1252", in: "\x8D", want: "", err: "byte 0x8D is not a character in Windows-1252", line: 1, col: 1, off: 0},
		{charset: "windows-1252", in: "\x8F", want: "", err: "byte 0x8F is not", line: 1, col: 1, off: 0},
		{charset: "windows-1252", in: "\x90", want: "", err: "byte 0x90 is not", line: 1, col: 1, off: 0},
		{charset: "windows-1252", in: "\x9D", want: "", err: "byte 0x9D is not", line: 1, col: 1, off: 0},
		// UTF-8 in a Windows-1252 file.
		{charset: "windows-1252", in: "x;y\r\nK\xC3\xBCche", want: "x;y\r\nK",
			err: `the text looks like UTF-8 read as Windows-1252 ("Ã¼" would be "ü") – the file is UTF-8 or mixes encodings`, line: 2, col: 2, off: 6},
		{charset: "windows-1252", in: "\xE2\x80\x9EHeimathafen", want: "", err: `("â€ž" would be "„")`, line: 1, col: 1, off: 0},
		{charset: "windows-1252", in: "\xC5\x82", want: "", err: `("Å‚" would be "ł")`, line: 1, col: 1, off: 0},
		{charset: "windows-1252", in: "x\xC3\x81", want: "x", err: `("Ã\u0081" would be "Á")`, line: 1, col: 2, off: 1},
		{charset: "windows-1252", in: "\xF0\x9F\x98\x80", want: "", err: `would be "😀"`, line: 1, col: 1, off: 0},
		{charset: "windows-1252", in: "\xEF\xBB\xBFa;b", want: "", err: "the file starts with a UTF-8 byte order mark", line: 1, col: 1, off: 0},
		{charset: "windows-1252", in: "\xEF\xBB", want: "ï»"},
		// Real Windows-1252 text that happens to be valid UTF-8 stays text:
		// a word ending in ß or an upper-case umlaut before closing punctuation.
		{charset: "windows-1252", in: "\x84gro\xDF\x93 \x84MEN\xDC\x85\x93 \xBBFu\xDF\xAB \xDF\xA0x", want: "„groß“ „MENÜ…“ »Fuß« ß\u00A0x"},
		{charset: "windows-1252", in: "\xC3", want: "Ã"},
		{charset: "windows-1252", in: "\xC3A \xE9t\xE9", want: "ÃA été"},
		{charset: "windows-1252", in: "a\x00", want: "a", err: "byte 0x00 (NUL) at byte offset 1", line: 1, col: 2, off: 1},
	})
}

func TestDecodeISO8859(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{charset: "iso-8859-1", in: "\xE4\xF6\xFC\xDF \xA4 \xA9 \xFF", want: "äöüß ¤ © ÿ"},
		{charset: "iso-8859-1", in: "1\n2 \x80", want: "1\n2 ",
			err: `byte 0x80 is a control character in ISO-8859-1 (in Windows-1252 it would be "€") (byte offset 4) – is the file Windows-1252?`, line: 2, col: 3, off: 4},
		{charset: "iso-8859-1", in: "\x81", want: "", err: "not a character in Windows-1252 either", line: 1, col: 1, off: 0},
		{charset: "iso-8859-1", in: "K\xC3\xBCche", want: "K", err: `looks like UTF-8 read as ISO-8859-1 ("Ã¼" would be "ü")`, line: 1, col: 2, off: 1},
		{charset: "iso-8859-15", in: "\xA4\xA6\xA8\xB4\xB8\xBC\xBD\xBE \xE4", want: "€ŠšŽžŒœŸ ä"},
		{charset: "iso-8859-15", in: "\x9F", want: "", err: "byte 0x9F is a control character in ISO-8859-15", line: 1, col: 1, off: 0},
		{charset: "iso-8859-15", in: "\xE2\x80\x9E", want: "", err: "read as ISO-8859-15", line: 1, col: 1, off: 0},
	})
}

func utf16le(s string) string {
	var b []byte
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			hi, lo := 0xD800+(r>>10), 0xDC00+(r&0x3FF)
			b = append(b, byte(hi), byte(hi>>8), byte(lo), byte(lo>>8))
			continue
		}
		b = append(b, byte(r), byte(r>>8))
	}
	return string(b)
}

func swap16(s string) string {
	b := []byte(s)
	for i := 0; i+1 < len(b); i += 2 {
		b[i], b[i+1] = b[i+1], b[i]
	}
	return string(b)
}

func TestDecodeUTF16(t *testing.T) {
	text := "Grüße € „x“\r\nŁódź 😀\n"
	le, be := utf16le(text), swap16(utf16le(text))
	runDecodeCases(t, []decodeCase{
		{charset: "utf-16", in: "\xFF\xFE" + le, want: text},
		{charset: "utf-16", in: "\xFE\xFF" + be, want: text},
		{charset: "utf-16", in: "", want: ""},
		{charset: "utf-16", in: le, want: "", err: "no byte order mark (it must start with FF FE or FE FF) – say utf-16le or utf-16be", line: 1, col: 1, off: 0},
		{charset: "utf-16le", in: le, want: text},
		{charset: "utf-16le", in: "\xFF\xFE" + le, want: text},
		{charset: "utf-16le", in: "\xFE\xFF" + be, want: "", err: "byte order mark of UTF-16BE", line: 1, col: 1, off: 0},
		{charset: "utf-16be", in: be, want: text},
		{charset: "utf-16be", in: "\xFE\xFF" + be, want: text},
		{charset: "utf-16be", in: "\xFF\xFE" + le, want: "", err: "byte order mark of UTF-16LE", line: 1, col: 1, off: 0},
		{charset: "utf-16le", in: utf16le("a\nb") + "x", want: "a\nb", err: "the file ends with a single byte", line: 2, col: 2, off: 6},
		{charset: "utf-16le", in: utf16le("a\nb") + "\x00\xD8" + utf16le("c"), want: "a\nb", err: "(U+D800) are half of a UTF-16 surrogate pair", line: 2, col: 2, off: 6},
		{charset: "utf-16le", in: utf16le("ab") + "\x00\xD8", want: "ab", err: "U+D800", line: 1, col: 3, off: 4},
		{charset: "utf-16be", in: "\x00a\xDC\x00", want: "a", err: "U+DC00", line: 1, col: 2, off: 2},
		{charset: "utf-16le", in: utf16le("a\n") + "\x00\x00", want: "a\n", err: "U+0000 (NUL)", line: 2, col: 1, off: 4},
	})
}

func TestDecodeAuto(t *testing.T) {
	runDecodeCases(t, []decodeCase{
		{charset: "auto", in: "", want: ""},
		{charset: "auto", in: "a", want: "a"},
		{charset: "auto", in: "Artikel;Preis\r\n1;2,50\r\n", want: "Artikel;Preis\r\n1;2,50\r\n"},
		{charset: "auto", in: "\uFEFFGrüße", want: "Grüße"},
		{charset: "auto", in: "\uFEFFa\nGr\xFC", want: "a\nGr", err: "although the file starts with a UTF-8 byte order mark", line: 2, col: 3, off: 7},
		{charset: "auto", in: "\xFF\xFE" + utf16le("Grüße\n"), want: "Grüße\n"},
		{charset: "auto", in: "\xFE\xFF" + swap16(utf16le("Grüße\n")), want: "Grüße\n"},
		// The first non-ASCII character decides.
		{charset: "auto", in: "a;b\nGrüße € „x“\n", want: "a;b\nGrüße € „x“\n"},
		{charset: "auto", in: "a;b\nGr\xFC\xDFe \x80 \x84x\x93\n", want: "a;b\nGrüße € „x“\n"},
		{charset: "auto", in: "a;b\nGrüße\n\xFC", want: "a;b\nGrüße\n",
			err: "byte 0xFC (\"ü\" in Windows-1252) is not valid UTF-8 (byte offset 12), but the text before it was UTF-8 – the file mixes encodings", line: 3, col: 1, off: 12},
		{charset: "auto", in: "Gr\xFC\xDFe\nK\xC3\xBCche", want: "Grüße\nK", err: `looks like UTF-8 ("Ã¼" would be "ü"), but the text before it was Windows-1252`, line: 2, col: 2, off: 7},
		{charset: "auto", in: "\x84gro\xDF\x93 K\xFCche", want: "„groß“ Küche"}, // "ß“" is not taken for UTF-8
		{charset: "auto", in: "\x81", want: "", err: "byte 0x81 is not a character in Windows-1252", line: 1, col: 1, off: 0},
		{charset: "auto:iso-8859-15", in: "\xA4 \xE4", want: "€ ä"},
		{charset: "auto:iso-8859-1", in: "\xA4 \xE4", want: "¤ ä"},
		{charset: "auto", in: "ab\x00", want: "ab", err: "NUL", line: 1, col: 3, off: 2},
		{charset: "auto", in: utf16le("ab"), want: "a", err: "NUL", line: 1, col: 2, off: 1},
	})
}

// The bad sample from the shop: lines 2–3 UTF-8, line 4 Windows-1252.
func TestDecodeMislabelledSample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "encoding", "artikel-utf8-mislabelled.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		charset, msg string
		line         int
		off          int64
	}{
		{"windows-1252", `the text looks like UTF-8 read as Windows-1252 ("â€ž" would be "„")`, 2, 0x1B0},
		{"iso-8859-15", `the text looks like UTF-8 read as ISO-8859-15 ("â€ž" would be "„")`, 2, 0x1B0},
		{"auto", `byte 0xFC ("ü" in Windows-1252) is not valid UTF-8 (byte offset 992), but the text before it was UTF-8`, 4, 992},
		{"utf-8", `byte 0xFC ("ü" in Windows-1252) is not valid UTF-8 (byte offset 992) – is the file Windows-1252 (ANSI)?`, 4, 992},
	} {
		for _, rd := range readers {
			_, err := decodeAll(t, rd.wrap(bytes.NewReader(data)), c.charset, false)
			de := AsDataError(err)
			if de == nil || !strings.Contains(de.Msg, c.msg) || de.Pos.Line != c.line || de.Offset != c.off || de.File != "test.csv" {
				t.Errorf("%s via %s: got %v; want line %d offset %d %q", c.charset, rd.name, err, c.line, c.off, c.msg)
			}
		}
	}
}

// The Sage sample decodes like x/text's decoder does, whatever the reads.
func TestDecodeSageSample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "encoding", "artikel-cp1252.csv"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, cs := range []string{"windows-1252", "auto"} {
		for _, rd := range readers {
			for _, tiny := range []bool{false, true} {
				got, err := decodeAll(t, rd.wrap(bytes.NewReader(data)), cs, tiny)
				if err != nil || got != string(want) {
					t.Errorf("%s via %s (tiny %v): %v, equal %v", cs, rd.name, tiny, err, got == string(want))
				}
			}
		}
	}
}

// Every byte of every single-byte table decodes as x/text says (or is an
// error where x/text has no character or a C1 control), and encodes back.
func TestSingleByteTables(t *testing.T) {
	for _, c := range []struct {
		name string
		cm   *charmap.Charmap
	}{{"windows-1252", charmap.Windows1252}, {"iso-8859-1", charmap.ISO8859_1}, {"iso-8859-15", charmap.ISO8859_15}} {
		id, _ := parseCharset(c.name)
		if tab := newByteTable(id.id); len(tab.other) != 0 {
			t.Errorf("%s: characters outside the lookup blocks: %v", c.name, tab.other)
		}
		for i := 1; i < 256; i++ {
			in := []byte{byte(i)}
			got, err := decodeAll(t, bytes.NewReader(in), c.name, false)
			r := c.cm.DecodeByte(byte(i))
			if r == utf8.RuneError || (r >= 0x80 && r < 0xA0) {
				if AsDataError(err) == nil {
					t.Errorf("%s: byte 0x%02X decoded to %q, want an error", c.name, i, got)
				}
				continue
			}
			if err != nil || got != string(r) {
				t.Errorf("%s: byte 0x%02X: %q, %v; want %q", c.name, i, got, err, string(r))
				continue
			}
			var buf bytes.Buffer
			e, _ := NewEncoder(&buf, c.name)
			if _, err := io.WriteString(e, got); err != nil {
				t.Errorf("%s: encode %q: %v", c.name, got, err)
			}
			if err := e.Close(); err != nil {
				t.Error(err)
			}
			if !bytes.Equal(buf.Bytes(), in) {
				t.Errorf("%s: %q encodes to %x, want %x", c.name, got, buf.Bytes(), in)
			}
		}
	}
}

// encodeAll writes s through an encoder, in pieces of size step (0: at once).
func encodeAll(t testing.TB, charset, s string, step int) ([]byte, error) {
	var buf bytes.Buffer
	e, err := NewEncoder(&buf, charset)
	if err != nil {
		t.Fatal(err)
	}
	b := []byte(s)
	if step == 0 {
		step = len(b) + 1
	}
	for len(b) > 0 {
		n := min(step, len(b))
		if _, err := e.Write(b[:n]); err != nil {
			return buf.Bytes(), err
		}
		b = b[n:]
	}
	err = e.Close()
	return buf.Bytes(), err
}

func TestEncode(t *testing.T) {
	text := "Grüße € „x“ – ÄÖÜß\r\n"
	for _, c := range []struct {
		charset, in, want string
	}{
		{"utf-8", text, text},
		{"utf-8", "", ""},
		{"utf-8-bom", text, "\uFEFF" + text},
		{"utf-8-bom", "", "\uFEFF"},
		{"utf-16", "Aü😀\n", "\xFF\xFE" + utf16le("Aü😀\n")},
		{"utf-16le", "Aü😀\n", "\xFF\xFE" + utf16le("Aü😀\n")},
		{"utf-16be", "Aü😀\n", "\xFE\xFF" + swap16(utf16le("Aü😀\n"))},
		{"utf-16", "", "\xFF\xFE"},
		{"windows-1252", text, "Gr\xFC\xDFe \x80 \x84x\x93 \x96 \xC4\xD6\xDC\xDF\r\n"},
		{"windows-1252", "ŠšŽžŒœŸƒ™…", "\x8A\x9A\x8E\x9E\x8C\x9C\x9F\x83\x99\x85"},
		{"iso-8859-1", "Grüße ¤ ÿ\n", "Gr\xFC\xDFe \xA4 \xFF\n"},
		{"iso-8859-15", "€ŠšŽžŒœŸ ä", "\xA4\xA6\xA8\xB4\xB8\xBC\xBD\xBE \xE4"},
	} {
		for _, step := range []int{0, 1, 2, 3, 5} {
			got, err := encodeAll(t, c.charset, c.in, step)
			if err != nil || string(got) != c.want {
				t.Errorf("%s (step %d): %q → %q, %v; want %q", c.charset, step, c.in, got, err, c.want)
			}
		}
		// And back: decoding gives the text again.
		if back, err := decodeAll(t, strings.NewReader(c.want), c.charset, false); err != nil || back != c.in {
			t.Errorf("%s: decode(%q) = %q, %v; want %q", c.charset, c.want, back, err, c.in)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	for _, c := range []struct {
		charset, in, want string
		line, col         int
		off               int64
		out               string // what reached the writer
	}{
		{"windows-1252", "Ort\r\nŁódź\r\n", `"Ł" (U+0141 LATIN CAPITAL LETTER L WITH STROKE) cannot be written in Windows-1252 – fix the value or configure a transliteration (e.g. Ł → L)`, 2, 1, 5, "Ort\r\n"},
		{"windows-1252", "a\nb\nGruß ł", `"ł" (U+0142 LATIN SMALL LETTER L WITH STROKE) cannot be written in Windows-1252`, 3, 7, 10, "a\nb\nGru\xDF "},
		{"iso-8859-1", "12,50 €", `"€" (U+20AC EURO SIGN) cannot be written in ISO-8859-1 – fix the value or configure a transliteration (e.g. "€" → "EUR")`, 1, 7, 6, "12,50 "},
		{"iso-8859-15", "¼", `"¼" (U+00BC VULGAR FRACTION ONE QUARTER) cannot be written in ISO-8859-15`, 1, 1, 0, ""},
		{"windows-1252", "Danke 😀", `"😀" (U+1F600 GRINNING FACE) cannot be written in Windows-1252 – fix the value or configure a transliteration for it`, 1, 7, 6, "Danke "},
		{"windows-1252", "a\xFFb", "byte 0xFF is not valid UTF-8", 1, 2, 1, "a"},
		{"utf-8", "a\nb\xFF", "byte 0xFF is not valid UTF-8", 2, 2, 3, "a\nb"},
		{"utf-8-bom", "a\xC3(", "byte 0xC3 is not valid UTF-8", 1, 2, 1, "\uFEFFa"},
		{"utf-16le", "a\xED\xA0\x80", "byte 0xED is not valid UTF-8", 1, 2, 1, "\xFF\xFEa\x00"},
		{"utf-8", "ab\xE2\x82", "the text ends in the middle of a UTF-8 character (byte 0xE2 at byte offset 2)", 1, 3, 2, "ab"},
		{"windows-1252", "ab\xE2\x82", "the text ends in the middle of a UTF-8 character", 1, 3, 2, "ab"},
	} {
		for _, step := range []int{0, 1, 2} {
			var buf bytes.Buffer
			e, err := NewEncoder(&buf, c.charset)
			if err != nil {
				t.Fatal(err)
			}
			b := []byte(c.in)
			if step == 0 {
				step = len(b)
			}
			var werr error
			for len(b) > 0 && werr == nil {
				n := min(step, len(b))
				_, werr = e.Write(b[:n])
				b = b[n:]
			}
			cerr := e.Close()
			if werr != nil && cerr != werr {
				t.Errorf("%s %q: Close after a failed Write returned %v, want the same error", c.charset, c.in, cerr)
			}
			err = cerr
			where := fmt.Sprintf("%s %q step %d", c.charset, c.in, step)
			checkDataErr(t, where, err, c.want, c.line, c.col, c.off)
			if de := AsDataError(err); de != nil && de.Msg != c.want && !strings.HasPrefix(de.Msg, c.want) {
				t.Errorf("%s: message %q, want %q", where, de.Msg, c.want)
			}
			if _, err := e.Write([]byte("x")); err == nil {
				t.Errorf("%s: Write after the error succeeded", where)
			}
			if got := buf.String(); got != c.out {
				t.Errorf("%s: wrote %q, want %q", where, got, c.out)
			}
		}
	}
}

func TestEncoderWriterErrors(t *testing.T) {
	for _, cs := range []string{"utf-8", "utf-8-bom", "utf-16", "windows-1252"} {
		e, _ := NewEncoder(failWriter{}, cs)
		_, werr := io.WriteString(e, strings.Repeat("Grüße\n", 20000))
		cerr := e.Close()
		if !errors.Is(cerr, errDiskFull) || (werr != nil && !errors.Is(werr, errDiskFull)) {
			t.Errorf("%s: Write %v, Close %v; want %v", cs, werr, cerr, errDiskFull)
		}
		if _, err := e.Write([]byte("x")); !errors.Is(err, errDiskFull) {
			t.Errorf("%s: later Write: %v", cs, err)
		}
		// Nothing written yet: Close must still report the failure (BOM or not).
		e, _ = NewEncoder(failWriter{}, cs)
		_, _ = io.WriteString(e, "x")
		if err := e.Close(); !errors.Is(err, errDiskFull) {
			t.Errorf("%s: Close of a short text into a failing writer: %v", cs, err)
		}
	}
	e, _ := NewEncoder(io.Discard, "utf-8")
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Write([]byte("x")); err == nil {
		t.Error("Write after Close succeeded")
	}
}

// A decoder never hides an error of its source, and delivers the text before it.
func TestDecodeSourceError(t *testing.T) {
	boom := errors.New("network share gone")
	for _, cs := range Charsets() {
		in := io.MultiReader(strings.NewReader("\xFF\xFEa\x00"), iotest.ErrReader(boom))
		got, err := decodeAll(t, in, cs, false)
		if !errors.Is(err, boom) && AsDataError(err) == nil {
			t.Errorf("%s: error %v, want %v or a data error", cs, err, boom)
		}
		_ = got
	}
	got, err := decodeAll(t, io.MultiReader(strings.NewReader("ab\xE2\x82"), iotest.ErrReader(boom)), "utf-8", false)
	if got != "ab" || !errors.Is(err, boom) {
		t.Errorf("utf-8 cut by a source error: %q, %v", got, err)
	}
}

// recWriter collects records.
type recWriter struct {
	recs   []*Record
	closed bool
	err    error
}

func (w *recWriter) Write(r *Record) error {
	if w.err != nil {
		return w.err
	}
	w.recs = append(w.recs, r)
	return nil
}
func (w *recWriter) Close() error { w.closed = true; return w.err }

func TestCharsetWriter(t *testing.T) {
	latin, err := Transliteration("latin")
	if err != nil {
		t.Fatal(err)
	}
	for _, cs := range []string{"utf-8", "utf-8-bom", "utf-16", "utf-16le", "utf-16be"} {
		inner := &recWriter{}
		w, err := NewCharsetWriter(inner, cs, latin)
		if err != nil || w != Writer(inner) {
			t.Errorf("%s: NewCharsetWriter = %v, %v; want the writer itself", cs, w, err)
		}
	}

	mk := func() *Record {
		r := &Record{Pos: Pos{Line: 14, Index: 13}}
		r.Add("Nr", String("00042"), Pos{Line: 14, Col: 1})
		r.Add("Ort", String("Łódź"), Pos{Line: 14, Col: 7})
		r.Add("Preis", Number("12.50"), Pos{Line: 14, Col: 20})
		return r
	}

	// Without a table: refused, with line and field; the writer goes on.
	inner := &recWriter{}
	w, err := NewCharsetWriter(inner, "windows-1252", nil)
	if err != nil {
		t.Fatal(err)
	}
	err = w.Write(mk())
	de := AsDataError(err)
	want := `"Łódź" contains "Ł" (U+0141 LATIN CAPITAL LETTER L WITH STROKE), which Windows-1252 cannot hold – fix the value or configure a transliteration (e.g. Ł → L)`
	if de == nil || de.Msg != want || de.Field != "Ort" || de.Pos != (Pos{Line: 14, Col: 7}) || !de.RecordOnly || de.File != "" {
		t.Fatalf("got %#v\nwant %q in field Ort at 14:7", de, want)
	}
	if got := de.Error(); got != `14:7: field "Ort": `+want {
		t.Errorf("Error() = %q", got)
	}
	ok := &Record{Pos: Pos{Line: 15}}
	ok.Add("Ort", String("Köln"), Pos{})
	ok.Add("Preis", Number("3"), Pos{})
	if err := w.Write(ok); err != nil || len(inner.recs) != 1 || inner.recs[0] != ok {
		t.Errorf("a good record after a refused one: %v, %d records", err, len(inner.recs))
	}

	// With "latin": a transliterated copy; the original is untouched.
	inner = &recWriter{}
	w, _ = NewCharsetWriter(inner, "windows-1252", latin)
	orig := mk()
	if err := w.Write(orig); err != nil {
		t.Fatal(err)
	}
	got := inner.recs[0]
	if got == orig || got.Text("Ort") != "Lódz" || got.Text("Nr") != "00042" || got.Pos != orig.Pos || got.Fields[1].Pos != orig.Fields[1].Pos {
		t.Errorf("transliterated record: %+v", got)
	}
	if v, _ := got.Get("Preis"); v.Kind() != KindNumber {
		t.Errorf("Preis became %v", v.Kind())
	}
	if !orig.Equal(mk()) {
		t.Errorf("the caller's record was changed: %+v", orig)
	}
	// Windows-1252 keeps what it has even when the table knows it.
	same := &Record{}
	same.Add("Text", String("„Šalter“ – 5 € Œuvre ä ø é"), Pos{})
	if err := w.Write(same); err != nil || inner.recs[1] != same {
		t.Errorf("encodable text: %v, passed %p want %p", err, inner.recs[1], same)
	}
	// Emoji are not in the table.
	emo := &Record{Pos: Pos{Line: 3}}
	emo.Add("Notiz", String("Danke 😀"), Pos{})
	de = AsDataError(w.Write(emo))
	if de == nil || de.Pos.Line != 3 || de.Field != "Notiz" || !strings.Contains(de.Msg, `"😀" (U+1F600 GRINNING FACE), which Windows-1252 cannot hold – fix the value or configure a transliteration for it`) {
		t.Errorf("emoji: %v", de)
	}
	// Decomposed umlauts (macOS) are composed.
	nfd := &Record{}
	nfd.Add("Name", String("Mu\u0308ller"), Pos{})
	if err := w.Write(nfd); err != nil || inner.recs[len(inner.recs)-1].Text("Name") != "Müller" {
		t.Errorf("NFD: %v %q", err, inner.recs[len(inner.recs)-1].Text("Name"))
	}
	// ISO-8859-1 gets the typographic replacements.
	inner = &recWriter{}
	w, _ = NewCharsetWriter(inner, "iso-8859-1", latin)
	typo := &Record{}
	typo.Add("Text", String("„Šalter“ – 5 € ‒ 1\u202F000 İstanbul Œuvre ä"), Pos{})
	if err := w.Write(typo); err != nil || inner.recs[0].Text("Text") != "\"Salter\" - 5 EUR - 1\u00A0000 Istanbul OEuvre ä" {
		t.Errorf("iso-8859-1: %v %q", err, inner.recs[0].Text("Text"))
	}
	if err := w.Close(); err != nil || !inner.closed {
		t.Errorf("Close: %v, closed %v", err, inner.closed)
	}
}

func TestCharsetWriterNested(t *testing.T) {
	addr := &Record{Pos: Pos{Line: 7, Col: 5}}
	addr.Add("Stadt", String("Gdańsk"), Pos{Line: 9, Col: 14})
	item0 := &Record{Pos: Pos{Line: 20}}
	item0.Add("Name", String("Tee"), Pos{Line: 21})
	item1 := &Record{Pos: Pos{Line: 30}}
	item1.Add("Name", String("Kaffee ☕"), Pos{})
	rec := &Record{Pos: Pos{Line: 2}}
	rec.Add("Kunde", Nested(&Record{Fields: []Field{{Name: "Adresse", Value: Nested(addr), Pos: Pos{Line: 7}}}}), Pos{Line: 6})
	rec.Add("Positionen", List([]Value{Nested(item0), Nested(item1), String("ş")}), Pos{Line: 19})
	keep := rec.Clone()

	w, _ := NewCharsetWriter(&recWriter{}, "windows-1252", nil)
	de := AsDataError(w.Write(rec))
	if de == nil || de.Field != "Kunde.Adresse.Stadt" || de.Pos != (Pos{Line: 9, Col: 14}) {
		t.Errorf("nested: %v", de)
	}

	latin, _ := Transliteration("latin")
	inner := &recWriter{}
	w, _ = NewCharsetWriter(inner, "windows-1252", latin)
	de = AsDataError(w.Write(rec))
	if de == nil || de.Field != "Positionen[1].Name" || de.Pos.Line != 30 || !strings.Contains(de.Msg, "U+2615 HOT BEVERAGE") {
		t.Errorf("list: %v", de)
	}
	rec.Fields[1].Value.List()[1].Record().Fields[0].Value = String("Kaffee")
	keep.Fields[1].Value.List()[1].Record().Fields[0].Value = String("Kaffee")
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	got := inner.recs[0]
	if !rec.Equal(keep) {
		t.Error("the caller's nested record was changed")
	}
	f := Flatten(got)
	if f.Text("Kunde.Adresse.Stadt") != "Gdansk" || f.Text("Positionen[2]") != "s" || f.Text("Positionen[0].Name") != "Tee" {
		t.Errorf("flattened copy: %+v", f)
	}
	// Field names are checked too.
	named := &Record{Pos: Pos{Line: 1}}
	named.Add("Miejscowość", String("x"), Pos{})
	w, _ = NewCharsetWriter(&recWriter{}, "windows-1252", nil)
	if de := AsDataError(w.Write(named)); de == nil || !strings.HasPrefix(de.Msg, `the field name "Miejscowość" contains "ś"`) {
		t.Errorf("field name: %v", de)
	}
}

func TestCharsetWriterTable(t *testing.T) {
	if _, err := NewCharsetWriter(&recWriter{}, "windows-1252", map[rune]string{'ł': "ł"}); err == nil ||
		!strings.Contains(err.Error(), "cannot be written in Windows-1252 either") {
		t.Errorf("a replacement the charset cannot hold: %v", err)
	}
	if _, err := NewCharsetWriter(&recWriter{}, "iso-8859-1", map[rune]string{'ł': "€"}); err == nil {
		t.Error("€ accepted as a replacement for ISO-8859-1")
	}
	boom := errors.New("boom")
	w, _ := NewCharsetWriter(&recWriter{err: boom}, "windows-1252", nil)
	r := &Record{}
	r.Add("a", String("b"), Pos{})
	if err := w.Write(r); !errors.Is(err, boom) {
		t.Errorf("inner error: %v", err)
	}
	if err := w.Close(); !errors.Is(err, boom) {
		t.Errorf("inner Close error: %v", err)
	}
	m, err := Transliteration("LATIN")
	if err != nil || m['ł'] != "l" || m['ő'] != "o" || m['č'] != "c" || m['ş'] != "s" || m['ğ'] != "g" || m['ı'] != "i" || m['‒'] != "-" {
		t.Errorf("latin table: %v", err)
	}
	for _, keepRune := range "äöüßÄÖÜøéàç😀" {
		if _, ok := m[keepRune]; ok {
			t.Errorf("latin table maps %q", keepRune)
		}
	}
	for r, s := range m {
		if !isASCII(s) && s != "\u00A0" {
			t.Errorf("latin: %q → %q is not ASCII", r, s)
		}
	}
	m['ł'] = "X"
	if m2, _ := Transliteration("latin"); m2['ł'] != "l" {
		t.Error("Transliteration returns a shared table")
	}
	if m, err := Transliteration("none"); m != nil || err != nil {
		t.Errorf("none: %v %v", m, err)
	}
	if _, err := Transliteration("kyrillisch"); err == nil || !strings.Contains(err.Error(), "latin") {
		t.Errorf("unknown table: %v", err)
	}
}

// FuzzDecode: decoding arbitrary bytes in every charset never panics, every
// error is a positioned DataError, the output is valid UTF-8 and does not
// depend on how the input is cut, and what decodes encodes back to the input.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"artikel-utf8-mislabelled.csv", "artikel-cp1252.csv"} {
		data, err := os.ReadFile(filepath.Join("testdata", "encoding", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data[:min(len(data), 700)], uint8(0))
	}
	for _, s := range []string{"", "\uFEFFGrüße", "\xFF\xFEa\x00\x00\xD8", "Gr\xFC\xDFe \x80", "K\xC3\xBCche", "\x84gro\xDF\x93", "a\x00b", "\xEF\xBB\xBF", "\xE2\x80"} {
		for i := range Charsets() {
			f.Add([]byte(s), uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		names := Charsets()
		cs := names[int(which)%len(names)]
		got, err := decodeAll(t, bytes.NewReader(data), cs, false)
		if err != nil {
			if !Positioned(err) {
				t.Fatalf("%s: error without position: %v (%T)", cs, err, err)
			}
			de := AsDataError(err)
			if de.Offset < 0 || de.Offset > int64(len(data)) || de.Pos.Line < 1 || de.Pos.Col < 1 {
				t.Fatalf("%s: bad position in %v (offset %d)", cs, err, de.Offset)
			}
		}
		if !utf8.ValidString(got) {
			t.Fatalf("%s: output is not valid UTF-8: %q", cs, got)
		}
		got1, err1 := decodeAll(t, iotest.OneByteReader(bytes.NewReader(data)), cs, true)
		if got1 != got || fmt.Sprint(err1) != fmt.Sprint(err) {
			t.Fatalf("%s: one byte at a time gives %q, %v; at once %q, %v", cs, got1, err1, got, err)
		}
		if err != nil {
			return
		}
		switch cs {
		case "windows-1252", "iso-8859-1", "iso-8859-15", "utf-8", "utf-8-bom":
			out, err := encodeAll(t, cs, got, 3)
			if err != nil {
				t.Fatalf("%s: encode back: %v", cs, err)
			}
			in := data
			if cs == "utf-8" {
				in = bytes.TrimPrefix(in, bomUTF8)
			} else if cs == "utf-8-bom" && !bytes.HasPrefix(in, bomUTF8) {
				in = append(append([]byte{}, bomUTF8...), in...)
			}
			if !bytes.Equal(out, in) {
				t.Fatalf("%s: round trip %q → %q → %q", cs, data, got, out)
			}
		}
	})
}

// FuzzEncode: encoding arbitrary bytes never panics; errors are positioned
// DataErrors; splitting the input does not change the result.
func FuzzEncode(f *testing.F) {
	for _, s := range []string{"Grüße € „x“\n", "Łódź", "a\xFFb", "ab\xE2\x82", "😀"} {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(6))
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		names := Charsets()[:8] // not auto
		cs := names[int(which)%len(names)]
		out, err := encodeAll(t, cs, string(data), 0)
		out1, err1 := encodeAll(t, cs, string(data), 1)
		if !bytes.Equal(out, out1) || fmt.Sprint(err) != fmt.Sprint(err1) {
			t.Fatalf("%s: byte by byte %q, %v; at once %q, %v", cs, out1, err1, out, err)
		}
		if err != nil {
			if !Positioned(err) {
				t.Fatalf("%s: error without position: %v", cs, err)
			}
			return
		}
		back, err := decodeAll(t, bytes.NewReader(out), cs, false)
		if bytes.IndexByte(data, 0) >= 0 || (err != nil && !strings.HasPrefix(cs, "utf-")) {
			// NUL is refused on reading, and so is single-byte text that
			// looks like UTF-8.
			return
		}
		if cs == "utf-8" && bytes.HasPrefix(data, bomUTF8) {
			data = data[3:] // read as a byte order mark
		}
		if err != nil || back != string(data) {
			t.Fatalf("%s: %q → %q → %q, %v", cs, data, out, back, err)
		}
	})
}

// germanCSV makes about size bytes of Sage-like article lines in UTF-8.
func germanCSV(size int) string {
	words := []string{"Schraube", "Dübel", "Mutter", "Unterlegscheibe", "Winkel", "Scharnier", "Griff", "Schlüssel", "Säge", "Bohrer", "Hülse", "Öse"}
	var b strings.Builder
	b.WriteString("Artikelnummer;Bezeichnung;Langtext;Warengruppe;Einheit;VK1;VK2;Steuerschluessel;Gewicht;EAN;Bestand;Aktiv\r\n")
	for i := 0; b.Len() < size; i++ {
		w := words[i%len(words)]
		fmt.Fprintf(&b, "%06d;\"%s %d mm\";\"%s aus Edelstahl, verzinkt; Größe %d – „Profi“\";%d;Stk;%d,%02d;%d,%02d;1;%d,%03d;%013d;%d;%d\r\n",
			i, w, i%200, w, i%50, 100+i%5*10, i%999, i%100, i%899, i%97, i%5, i%1000, 4000000000000+i, i%500, i%7)
	}
	return b.String()
}

const benchSize = 50 << 20

func benchDecode(b *testing.B, data []byte, newReader func(io.Reader) io.Reader) {
	buf := make([]byte, 64<<10)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		r := newReader(bytes.NewReader(data))
		for {
			_, err := r.Read(buf)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func cp1252Data(b *testing.B) []byte {
	data, err := charmap.Windows1252.NewEncoder().Bytes([]byte(germanCSV(benchSize)))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkDecodeWindows1252(b *testing.B) {
	benchDecode(b, cp1252Data(b), func(r io.Reader) io.Reader {
		d, _ := NewDecoder(r, "windows-1252", "bench")
		return d
	})
}

func BenchmarkDecodeWindows1252XText(b *testing.B) {
	benchDecode(b, cp1252Data(b), func(r io.Reader) io.Reader { return charmap.Windows1252.NewDecoder().Reader(r) })
}

func BenchmarkDecodeAuto(b *testing.B) {
	benchDecode(b, cp1252Data(b), func(r io.Reader) io.Reader {
		d, _ := NewDecoder(r, "auto", "bench")
		return d
	})
}

func BenchmarkDecodeUTF8(b *testing.B) {
	benchDecode(b, []byte(germanCSV(benchSize)), func(r io.Reader) io.Reader {
		d, _ := NewDecoder(r, "utf-8", "bench")
		return d
	})
}

func BenchmarkDecodeUTF8XText(b *testing.B) {
	benchDecode(b, []byte(germanCSV(benchSize)), func(r io.Reader) io.Reader {
		return xunicode.UTF8BOM.NewDecoder().Reader(r)
	})
}

func BenchmarkDecodeUTF16(b *testing.B) {
	benchDecode(b, []byte("\xFF\xFE"+utf16le(germanCSV(benchSize/2))), func(r io.Reader) io.Reader {
		d, _ := NewDecoder(r, "utf-16", "bench")
		return d
	})
}

func benchEncode(b *testing.B, newWriter func(io.Writer) io.WriteCloser) {
	data := []byte(germanCSV(benchSize))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		w := newWriter(io.Discard)
		for p := data; len(p) > 0; {
			n := min(len(p), 4096+7) // odd pieces, so characters get split
			if _, err := w.Write(p[:n]); err != nil {
				b.Fatal(err)
			}
			p = p[n:]
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeWindows1252(b *testing.B) {
	benchEncode(b, func(w io.Writer) io.WriteCloser { e, _ := NewEncoder(w, "windows-1252"); return e })
}

func BenchmarkEncodeWindows1252XText(b *testing.B) {
	benchEncode(b, func(w io.Writer) io.WriteCloser { return charmap.Windows1252.NewEncoder().Writer(w).(io.WriteCloser) })
}

func BenchmarkEncodeUTF8BOM(b *testing.B) {
	benchEncode(b, func(w io.Writer) io.WriteCloser { e, _ := NewEncoder(w, "utf-8-bom"); return e })
}

func BenchmarkCharsetWriter(b *testing.B) {
	latin, _ := Transliteration("latin")
	w, err := NewCharsetWriter(&discardWriter{}, "windows-1252", latin)
	if err != nil {
		b.Fatal(err)
	}
	rec := &Record{}
	for i, v := range []string{"000815", "Kaffeebecher „Heimathafen“ Steingut 0,3 l", "spülmaschinenfest", "Handbemalter Steingutbecher; 300 ml", "Küche & Tisch", "Stk", "2000000008158", "8,3193", "Töpferei Brüggemann"} {
		rec.Add(fmt.Sprint("F", i), String(v), Pos{})
	}
	size := 0
	for _, f := range rec.Fields {
		size += len(f.Value.Text())
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for range b.N {
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
	}
}

type discardWriter struct{}

func (discardWriter) Write(*Record) error { return nil }
func (discardWriter) Close() error        { return nil }

// Unencodable finds the first character a charset cannot hold, as the
// encoder would refuse it; UTF-8 holds every character.
func TestUnencodable(t *testing.T) {
	cases := []struct{ charset, s, want string }{
		{"windows-1252", "Müller – „Grüße“ € 5", ""},
		{"windows-1252", "Michałowski", "ł"},
		{"windows-1252", "ok 🙂 ł", "🙂"},
		{"windows-1252", "C1 \u0080", "\u0080"},
		{"iso-8859-1", "5 €", "€"},
		{"iso-8859-15", "5 € ¤", "¤"},
		{"utf-8", "🙂 ł", ""},
	}
	for _, c := range cases {
		find, err := Unencodable(c.charset)
		if err != nil {
			t.Fatal(err)
		}
		r, name, found := find(c.s)
		if found != (c.want != "") || (found && string(r) != c.want) {
			t.Errorf("%s %q: found %v %q, want %q", c.charset, c.s, found, string(r), c.want)
		}
		// the encoder agrees
		var b bytes.Buffer
		w, _ := NewEncoder(&b, c.charset)
		_, werr := io.WriteString(w, c.s)
		if werr == nil {
			werr = w.Close()
		}
		if (werr != nil) != found {
			t.Errorf("%s %q: the encoder says %v", c.charset, c.s, werr)
		}
		if found && !strings.Contains(name, "U+") {
			t.Errorf("name %q", name)
		}
	}
	if _, err := Unencodable("auto"); err == nil {
		t.Error("auto accepted")
	}
}
