package formats

// The charset layer. Every reader gets UTF-8 and every writer writes UTF-8;
// NewDecoder and NewEncoder wrap the io.Reader and io.Writer so that files
// can be UTF-8 (with or without BOM), UTF-16 (LE/BE), Windows-1252 or
// ISO-8859-1/-15, or be recognised automatically ("auto").
//
// Decoding is strict: a byte that is not a character in the declared
// charset, a NUL byte, UTF-8 text in a file declared Windows-1252 (mojibake
// like "Ã¼") or a cut-off character is a *DataError that names the line, the
// column, the byte offset and what to do about it. Nothing is ever replaced
// by U+FFFD or "?" silently. Decoders stream: they hold one 64 KiB buffer,
// whatever the size of the file. The bytes before a bad one are delivered
// first; then the error sticks.
//
// Encoding is just as strict: a character the charset cannot hold is an
// error naming the character and the output line. NewCharsetWriter does the
// same check earlier, on records, so that the error names the input line
// and the field, and applies a transliteration table (encoding_translit.go).

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/runenames"
)

// charsetID is one of the charsets ferry knows.
type charsetID uint8

const (
	csNone charsetID = iota
	csUTF8
	csUTF8BOM
	csUTF16
	csUTF16LE
	csUTF16BE
	csWindows1252
	csISO88591
	csISO885915
	csAuto
)

// canonical is the charset's canonical name, as CanonicalCharset returns it.
func (c charsetID) canonical() string {
	switch c {
	case csUTF8:
		return "utf-8"
	case csUTF8BOM:
		return "utf-8-bom"
	case csUTF16:
		return "utf-16"
	case csUTF16LE:
		return "utf-16le"
	case csUTF16BE:
		return "utf-16be"
	case csWindows1252:
		return "windows-1252"
	case csISO88591:
		return "iso-8859-1"
	case csISO885915:
		return "iso-8859-15"
	case csAuto:
		return "auto"
	}
	return ""
}

// display is the charset's name in messages.
func (c charsetID) display() string {
	switch c {
	case csUTF8, csUTF8BOM:
		return "UTF-8"
	case csUTF16:
		return "UTF-16"
	case csUTF16LE:
		return "UTF-16LE"
	case csUTF16BE:
		return "UTF-16BE"
	case csWindows1252:
		return "Windows-1252"
	case csISO88591:
		return "ISO-8859-1"
	case csISO885915:
		return "ISO-8859-15"
	}
	return c.canonical()
}

func (c charsetID) singleByte() bool {
	return c == csWindows1252 || c == csISO88591 || c == csISO885915
}

// charsetSpec is a parsed charset name: the charset and, for auto, the
// single-byte fallback.
type charsetSpec struct {
	id       charsetID
	fallback charsetID
}

func (s charsetSpec) String() string {
	if s.id == csAuto && s.fallback != csWindows1252 {
		return "auto:" + s.fallback.canonical()
	}
	return s.id.canonical()
}

// Charsets returns the canonical charset names, for help texts. Besides
// these, "auto:<fallback>" (e.g. "auto:iso-8859-15") is accepted on input.
func Charsets() []string {
	return []string{"utf-8", "utf-8-bom", "utf-16", "utf-16le", "utf-16be",
		"windows-1252", "iso-8859-1", "iso-8859-15", "auto"}
}

// CanonicalCharset returns the canonical name of a charset given by any of
// its accepted spellings, case-insensitive: utf-8/utf8, utf-8-bom/utf8bom,
// utf-16, utf-16le, utf-16be, windows-1252/cp1252/ansi,
// iso-8859-1/latin1/latin-1, iso-8859-15/latin9/latin-9, auto (the same as
// auto:windows-1252) and auto:<fallback> with a single-byte fallback. An
// unknown name gives an error that lists the known ones.
func CanonicalCharset(name string) (string, error) {
	s, err := parseCharset(name)
	if err != nil {
		return "", err
	}
	return s.String(), nil
}

func parseCharset(name string) (charsetSpec, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if rest, ok := strings.CutPrefix(n, "auto:"); ok {
		fb := charsetAlias(strings.TrimSpace(rest))
		if !fb.singleByte() {
			return charsetSpec{}, fmt.Errorf("charset %q: the fallback after \"auto:\" must be windows-1252, iso-8859-1 or iso-8859-15", name)
		}
		return charsetSpec{id: csAuto, fallback: fb}, nil
	}
	id := charsetAlias(n)
	if id == csNone {
		return charsetSpec{}, fmt.Errorf("unknown charset %q (known: %s, auto:<fallback>)", name, strings.Join(Charsets(), ", "))
	}
	if id == csAuto {
		return charsetSpec{id: csAuto, fallback: csWindows1252}, nil
	}
	return charsetSpec{id: id}, nil
}

func charsetAlias(n string) charsetID {
	switch n {
	case "utf-8", "utf8":
		return csUTF8
	case "utf-8-bom", "utf8bom", "utf8-bom", "utf-8bom", "utf-8-sig", "utf8-sig":
		return csUTF8BOM
	case "utf-16", "utf16":
		return csUTF16
	case "utf-16le", "utf16le", "utf-16-le":
		return csUTF16LE
	case "utf-16be", "utf16be", "utf-16-be":
		return csUTF16BE
	case "windows-1252", "windows1252", "cp1252", "cp-1252", "win-1252", "ansi":
		return csWindows1252
	case "iso-8859-1", "iso8859-1", "iso_8859-1", "iso88591", "latin1", "latin-1":
		return csISO88591
	case "iso-8859-15", "iso8859-15", "iso_8859-15", "iso885915", "latin9", "latin-9":
		return csISO885915
	case "auto":
		return csAuto
	}
	return csNone
}

// ---------------------------------------------------------------------------
// Single-byte tables

// byteTable is a single-byte charset: the UTF-8 form of every byte, which
// bytes are not text, and the way back.
type byteTable struct {
	id  charsetID
	seq [256][3]byte // UTF-8 encoding of the byte's character
	n   [256]uint8   // length of seq; 0 = not a character of the charset
	dec [256]rune    // the byte's character; -1 if none
	// The bytes of the characters outside U+0000–U+00FF, by block: U+0100–
	// U+02FF (Œ Š Ž ƒ ˆ ˜) and U+2000–U+21FF („ “ – … € ™); 0 = none.
	latin [0x200]byte
	punct [0x200]byte
	other []runeByte // any others (none in the three tables)
}

type runeByte struct {
	r rune
	b byte
}

// newByteTable builds the table of a single-byte charset from x/text's
// charmaps. In ISO-8859-1/-15 the C1 control characters 0x80–0x9F are not
// text (no real file uses them); in Windows-1252 the five undefined bytes
// 0x81 0x8D 0x8F 0x90 0x9D are not.
func newByteTable(id charsetID) *byteTable {
	var cm *charmap.Charmap
	switch id {
	case csWindows1252:
		cm = charmap.Windows1252
	case csISO88591:
		cm = charmap.ISO8859_1
	case csISO885915:
		cm = charmap.ISO8859_15
	default:
		return nil
	}
	t := &byteTable{id: id}
	for i := 0; i < 256; i++ {
		r := cm.DecodeByte(byte(i))
		if r == utf8.RuneError || (r >= 0x80 && r <= 0x9F) {
			t.dec[i] = -1
			continue
		}
		t.dec[i] = r
		t.n[i] = uint8(utf8.EncodeRune(t.seq[i][:], r))
		switch {
		case i < 0x80 || r == rune(i):
		case r >= 0x100 && r < 0x300:
			t.latin[r-0x100] = byte(i)
		case r >= 0x2000 && r < 0x2200:
			t.punct[r-0x2000] = byte(i)
		case r > 0xFF:
			t.other = append(t.other, runeByte{r, byte(i)})
		}
	}
	return t
}

// encode returns the byte for r and whether the charset has r.
func (t *byteTable) encode(r rune) (byte, bool) {
	switch {
	case r < 0x80:
		return byte(r), true
	case r <= 0xFF:
		return byte(r), t.dec[r] == r
	case r < 0x300:
		b := t.latin[r-0x100]
		return b, b != 0
	case r >= 0x2000 && r < 0x2200:
		b := t.punct[r-0x2000]
		return b, b != 0
	}
	for _, rb := range t.other {
		if rb.r == r {
			return rb.b, true
		}
	}
	return 0, false
}

// ---------------------------------------------------------------------------
// ASCII scanning

const (
	lo8 = 0x0101010101010101
	hi8 = 0x8080808080808080
)

// textSpan returns the length of the leading run of s that is ASCII
// without NUL: the part every decoder passes through unchanged.
func textSpan(s []byte) int {
	i := 0
	for {
		for ; i+8 <= len(s); i += 8 {
			x := binary.LittleEndian.Uint64(s[i:])
			if (x|(x-lo8))&hi8 != 0 { // a byte >= 0x80 or == 0x00 (or a false alarm)
				break
			}
		}
		end := min(i+8, len(s))
		for ; i < end; i++ {
			if c := s[i]; c >= 0x80 || c == 0 {
				return i
			}
		}
		if i >= len(s) {
			return len(s)
		}
	}
}

// asciiSpan returns the length of the leading ASCII run of s.
func asciiSpan(s []byte) int {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if binary.LittleEndian.Uint64(s[i:])&hi8 != 0 {
			break
		}
	}
	for ; i < len(s); i++ {
		if s[i] >= 0x80 {
			return i
		}
	}
	return len(s)
}

// ---------------------------------------------------------------------------
// Decoding

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// NewDecoder wraps r so that it yields UTF-8 (no BOM). source names the file
// in errors. charset is any name CanonicalCharset accepts:
//
//   - utf-8, utf-8-bom: one leading BOM is dropped; invalid UTF-8 is an error.
//   - utf-16: a byte order mark (FF FE or FE FF) is required and decides.
//   - utf-16le, utf-16be: a matching BOM is dropped.
//   - windows-1252, iso-8859-1, iso-8859-15: undefined bytes (Windows-1252
//     0x81 0x8D 0x8F 0x90 0x9D; the ISO C1 controls 0x80–0x9F) are errors, and
//     so is a byte sequence that is UTF-8 (the file is UTF-8 or mixes
//     encodings, and would turn "ü" into "Ã¼").
//   - auto, auto:<fallback>: a BOM decides (UTF-8, UTF-16LE/BE); otherwise
//     ASCII passes undecided, and the first non-ASCII character decides:
//     UTF-8 if it is UTF-8, else the fallback (windows-1252 by default) for
//     the rest of the file.
//
// A NUL byte is an error in every charset. Every data error is a *DataError
// with File = source, the line and column (of the decoded text) and the byte
// offset in the raw input; the text before the bad byte is delivered first,
// then every Read returns the error. Errors of r pass through.
func NewDecoder(r io.Reader, charset, source string) (io.Reader, error) {
	spec, err := parseCharset(charset)
	if err != nil {
		return nil, err
	}
	d := &decoder{src: r, source: source, spec: spec, buf: make([]byte, decodeBufSize)}
	switch {
	case spec.id.singleByte():
		d.tab = newByteTable(spec.id)
	case spec.id == csAuto:
		d.tab = newByteTable(spec.fallback)
	}
	return d, nil
}

const decodeBufSize = 64 << 10

type decMode uint8

const (
	dmStart     decMode = iota // look for a byte order mark
	dmUTF8                     // UTF-8
	dmSingle                   // single-byte table
	dmUTF16LE                  // UTF-16 little endian
	dmUTF16BE                  // UTF-16 big endian
	dmAutoASCII                // auto: only ASCII so far, undecided
)

type decoder struct {
	src    io.Reader
	source string
	spec   charsetSpec
	mode   decMode
	tab    *byteTable // single-byte table (declared, or auto's fallback)
	how    string     // how auto decided, for messages ("" if not auto)

	buf   []byte
	r, w  int   // unread raw input is buf[r:w]
	off   int64 // raw offset of buf[r]
	eof   bool  // src gave an error (final): read no more
	final error // io.EOF or src's error, returned after the data

	err   error  // sticky error
	pend  []byte // decoded bytes not yet delivered (in small)
	small [64]byte

	line int // LFs in the decoded text so far
	col  int // decoded bytes since the last LF
}

func (d *decoder) Read(p []byte) (int, error) {
	if len(d.pend) > 0 {
		n := copy(p, d.pend)
		d.pend = d.pend[n:]
		return n, nil
	}
	if d.err != nil {
		return 0, d.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if len(p) >= utf8.UTFMax {
		return d.decode(p)
	}
	n, err := d.decode(d.small[:])
	if n == 0 {
		return 0, err
	}
	k := copy(p, d.small[:n])
	d.pend = d.small[k:n]
	return k, nil
}

// decode decodes into dst (at least 4 bytes) and returns how much it wrote;
// it returns an error only when it wrote nothing.
func (d *decoder) decode(dst []byte) (int, error) {
	for {
		if d.r == d.w {
			if d.eof {
				d.err = d.final
				return 0, d.err
			}
			d.fill()
			continue
		}
		mode := d.mode
		nd, ns, more, msg := d.step(dst, d.buf[d.r:d.w])
		d.track(dst[:nd])
		if msg != "" {
			d.err = d.dataError(d.off+int64(ns), msg)
		}
		d.r += ns
		d.off += int64(ns)
		if nd > 0 {
			return nd, nil
		}
		if d.err != nil {
			return 0, d.err
		}
		switch {
		case more && d.eof: // cut off by an error of src
			d.err = d.final
			return 0, d.err
		case more:
			d.fill()
		case ns == 0 && d.mode == mode:
			// Cannot happen: step always makes progress. Do not spin.
			d.err = io.ErrNoProgress
			return 0, d.err
		}
	}
}

// fill reads more input into buf, keeping the unread part.
func (d *decoder) fill() {
	if d.r > 0 {
		d.w = copy(d.buf, d.buf[d.r:d.w])
		d.r = 0
	}
	for range 100 {
		n, err := d.src.Read(d.buf[d.w:])
		d.w += n
		if err != nil {
			d.eof, d.final = true, err
			return
		}
		if n > 0 {
			return
		}
	}
	d.eof, d.final = true, io.ErrNoProgress
}

// track advances line and column over decoded output.
func (d *decoder) track(out []byte) {
	if len(out) == 0 {
		return
	}
	if nl := bytes.Count(out, []byte{'\n'}); nl > 0 {
		d.line += nl
		d.col = len(out) - 1 - bytes.LastIndexByte(out, '\n')
	} else {
		d.col += len(out)
	}
}

func (d *decoder) dataError(off int64, msg string) *DataError {
	return &DataError{File: d.source, Pos: Pos{Line: d.line + 1, Col: d.col + 1}, Offset: off, Msg: msg}
}

// step decodes src into dst in the current mode. It returns the bytes
// written and read, more when it needs more input to go on, and msg when
// src[ns] is bad.
func (d *decoder) step(dst, src []byte) (nd, ns int, more bool, msg string) {
	atEOF := d.eof && d.final == io.EOF
	switch d.mode {
	case dmStart:
		return d.start(src, atEOF)
	case dmUTF8:
		return d.stepUTF8(dst, src, atEOF)
	case dmSingle:
		return d.stepSingle(dst, src, atEOF)
	case dmUTF16LE, dmUTF16BE:
		return d.stepUTF16(dst, src, atEOF)
	case dmAutoASCII:
		return d.stepAuto(dst, src, atEOF)
	}
	return 0, 0, false, "internal error: unknown decoder mode"
}

// needPrefix reports whether src is a proper prefix of pat and more input
// could still complete it.
func needPrefix(src, pat []byte, atEOF bool) bool {
	return !atEOF && len(src) < len(pat) && bytes.HasPrefix(pat, src)
}

// start looks at the first bytes for a byte order mark and picks the mode.
func (d *decoder) start(src []byte, atEOF bool) (nd, ns int, more bool, msg string) {
	switch d.spec.id {
	case csUTF8, csUTF8BOM:
		if needPrefix(src, bomUTF8, atEOF) {
			return 0, 0, true, ""
		}
		d.mode = dmUTF8
		if bytes.HasPrefix(src, bomUTF8) {
			return 0, 3, false, ""
		}
	case csUTF16, csUTF16LE, csUTF16BE:
		if len(src) < 2 && !atEOF {
			return 0, 0, true, ""
		}
		le, be := bytes.HasPrefix(src, bomUTF16LE), bytes.HasPrefix(src, bomUTF16BE)
		switch d.spec.id {
		case csUTF16:
			if !le && !be {
				return 0, 0, false, "the file has no byte order mark (it must start with FF FE or FE FF) – say utf-16le or utf-16be"
			}
			d.mode = dmUTF16BE
			if le {
				d.mode = dmUTF16LE
			}
			return 0, 2, false, ""
		case csUTF16LE:
			if be {
				return 0, 0, false, "the file starts with the byte order mark of UTF-16BE (FE FF), but the encoding is utf-16le – set it to utf-16be or utf-16"
			}
			d.mode = dmUTF16LE
			if le {
				return 0, 2, false, ""
			}
		default:
			if le {
				return 0, 0, false, "the file starts with the byte order mark of UTF-16LE (FF FE), but the encoding is utf-16be – set it to utf-16le or utf-16"
			}
			d.mode = dmUTF16BE
			if be {
				return 0, 2, false, ""
			}
		}
	case csAuto:
		if needPrefix(src, bomUTF8, atEOF) || (len(src) < 2 && !atEOF) {
			return 0, 0, true, ""
		}
		switch {
		case bytes.HasPrefix(src, bomUTF8):
			d.mode, d.how = dmUTF8, "bom"
			return 0, 3, false, ""
		case bytes.HasPrefix(src, bomUTF16LE):
			d.mode, d.how = dmUTF16LE, "bom"
			return 0, 2, false, ""
		case bytes.HasPrefix(src, bomUTF16BE):
			d.mode, d.how = dmUTF16BE, "bom"
			return 0, 2, false, ""
		}
		d.mode = dmAutoASCII
	default: // single byte
		if needPrefix(src, bomUTF8, atEOF) {
			return 0, 0, true, ""
		}
		if bytes.HasPrefix(src, bomUTF8) {
			return 0, 0, false, fmt.Sprintf("the file starts with a UTF-8 byte order mark (%s in %s) – it is UTF-8, not %s; set the encoding to utf-8 (or auto)",
				Quote(cp1252Text(bomUTF8)), csWindows1252.display(), d.spec.id.display())
		}
		d.mode = dmSingle
	}
	return 0, 0, false, ""
}

// asciiRun copies the leading ASCII (non-NUL) run of src into dst. full
// reports that dst is full.
func asciiRun(dst, src []byte) (k int, full bool) {
	if len(src) > len(dst) {
		src, full = src[:len(dst)], true
	}
	k = textSpan(src)
	copy(dst, src[:k])
	return k, full && k == len(src)
}

func (d *decoder) stepUTF8(dst, src []byte, atEOF bool) (nd, ns int, more bool, msg string) {
	for ns < len(src) {
		k, full := asciiRun(dst[nd:], src[ns:])
		nd += k
		ns += k
		if full || ns == len(src) {
			break
		}
		c := src[ns]
		if c == 0 {
			return nd, ns, false, nulMsg(d.off + int64(ns))
		}
		if c < 0x80 { // dst full
			break
		}
		rest := src[ns:]
		if !utf8.FullRune(rest) && !atEOF {
			return nd, ns, true, ""
		}
		_, size := utf8.DecodeRune(rest)
		if size == 1 {
			return nd, ns, false, d.badUTF8Msg(rest, d.off+int64(ns), atEOF)
		}
		if len(dst)-nd < size {
			break
		}
		copy(dst[nd:], rest[:size])
		nd += size
		ns += size
	}
	return nd, ns, false, ""
}

func (d *decoder) stepSingle(dst, src []byte, atEOF bool) (nd, ns int, more bool, msg string) {
	t := d.tab
	for ns < len(src) {
		// ASCII eight bytes at a time, then one by one: no calls for the
		// short runs between umlauts.
		for ns+8 <= len(src) && nd+8 <= len(dst) {
			x := binary.LittleEndian.Uint64(src[ns:])
			if (x|(x-lo8))&hi8 != 0 {
				break
			}
			binary.LittleEndian.PutUint64(dst[nd:], x)
			ns += 8
			nd += 8
		}
		if ns == len(src) {
			break
		}
		c := src[ns]
		if c < 0x80 && c != 0 {
			if nd == len(dst) {
				break
			}
			dst[nd] = c
			nd++
			ns++
			continue
		}
		if c == 0 {
			return nd, ns, false, nulMsg(d.off + int64(ns))
		}
		if c >= 0xC2 && c <= 0xF4 {
			// Could this be UTF-8? Most often the next byte is ASCII.
			rest := src[ns:]
			if len(rest) == 1 || (rest[1] >= 0x80 && rest[1] <= 0xBF) {
				if !utf8.FullRune(rest) {
					if !atEOF {
						return nd, ns, true, ""
					}
				} else if _, size := utf8.DecodeRune(rest); size > 1 && mojibake(rest[:size]) {
					return nd, ns, false, d.mojibakeMsg(rest[:size])
				}
			}
		}
		n := int(t.n[c])
		if n == 0 {
			return nd, ns, false, d.undefinedMsg(c, d.off+int64(ns))
		}
		if len(dst)-nd < n {
			break
		}
		copy(dst[nd:], t.seq[c][:n])
		nd += n
		ns++
	}
	return nd, ns, false, ""
}

// stepAuto passes ASCII and decides at the first other byte.
func (d *decoder) stepAuto(dst, src []byte, atEOF bool) (nd, ns int, more bool, msg string) {
	k, _ := asciiRun(dst, src)
	nd, ns = k, k
	if ns == len(src) || nd == len(dst) {
		return nd, ns, false, ""
	}
	c := src[ns]
	if c == 0 {
		return nd, ns, false, nulMsg(d.off + int64(ns))
	}
	rest := src[ns:]
	if !utf8.FullRune(rest) && !atEOF {
		return nd, ns, true, ""
	}
	if _, size := utf8.DecodeRune(rest); size > 1 && mojibake(rest[:size]) {
		d.mode, d.how = dmUTF8, "text"
	} else {
		d.mode, d.how = dmSingle, "text"
	}
	return nd, ns, false, ""
}

func (d *decoder) stepUTF16(dst, src []byte, atEOF bool) (nd, ns int, more bool, msg string) {
	le := d.mode == dmUTF16LE
	unit := func(b []byte) rune {
		if le {
			return rune(b[0]) | rune(b[1])<<8
		}
		return rune(b[0])<<8 | rune(b[1])
	}
	for len(dst)-nd >= utf8.UTFMax {
		left := len(src) - ns
		if left < 2 {
			if left == 1 {
				if atEOF {
					return nd, ns, false, fmt.Sprintf("the file ends with a single byte after the last %s character (byte offset %d) – the file is cut off or not UTF-16",
						d.utf16Name(), d.off+int64(ns))
				}
				if nd == 0 {
					more = true
				}
			}
			break
		}
		u := unit(src[ns:])
		switch {
		case u == 0:
			return nd, ns, false, fmt.Sprintf("character U+0000 (NUL) at byte offset %d: this is not a text file", d.off+int64(ns))
		case u < 0x80:
			dst[nd] = byte(u)
			nd++
			ns += 2
		case u >= 0xD800 && u <= 0xDBFF:
			if left < 4 {
				if !atEOF {
					if nd == 0 {
						more = true
					}
					return nd, ns, more, ""
				}
				return nd, ns, false, d.surrogateMsg(u, ns)
			}
			u2 := unit(src[ns+2:])
			if u2 < 0xDC00 || u2 > 0xDFFF {
				return nd, ns, false, d.surrogateMsg(u, ns)
			}
			nd += utf8.EncodeRune(dst[nd:], 0x10000+(u-0xD800)<<10+(u2-0xDC00))
			ns += 4
		case u >= 0xDC00 && u <= 0xDFFF:
			return nd, ns, false, d.surrogateMsg(u, ns)
		default:
			nd += utf8.EncodeRune(dst[nd:], u)
			ns += 2
		}
	}
	return nd, ns, more, ""
}

func (d *decoder) utf16Name() string {
	if d.mode == dmUTF16LE {
		return "UTF-16LE"
	}
	return "UTF-16BE"
}

func (d *decoder) surrogateMsg(u rune, ns int) string {
	return fmt.Sprintf("the 2 bytes at byte offset %d (U+%04X) are half of a UTF-16 surrogate pair without the other half – the file is damaged or not %s",
		d.off+int64(ns), u, d.utf16Name())
}

func nulMsg(off int64) string {
	return fmt.Sprintf("byte 0x00 (NUL) at byte offset %d: this is not a text file, or it is UTF-16 without a byte order mark", off)
}

// badUTF8Msg explains an invalid UTF-8 byte at the start of rest.
func (d *decoder) badUTF8Msg(rest []byte, off int64, atEOF bool) string {
	c := rest[0]
	var b strings.Builder
	fmt.Fprintf(&b, "byte 0x%02X", c)
	if r := cp1252Rune(c); r >= 0 {
		fmt.Fprintf(&b, " (%s in Windows-1252)", Quote(string(r)))
	}
	b.WriteString(" is not valid UTF-8")
	if atEOF && !utf8.FullRune(rest) && c >= 0xC2 {
		b.WriteString(" (the file ends in the middle of a character)")
	}
	fmt.Fprintf(&b, " (byte offset %d)", off)
	switch {
	case d.spec.id == csAuto && d.how == "text":
		b.WriteString(", but the text before it was UTF-8 – the file mixes encodings; export it again in one encoding (UTF-8, or ANSI/Windows-1252)")
	case d.spec.id == csAuto:
		b.WriteString(", although the file starts with a UTF-8 byte order mark – the file mixes encodings; export it again as UTF-8")
	default:
		b.WriteString(" – is the file Windows-1252 (ANSI)? Set the encoding to windows-1252 (or auto)")
	}
	return b.String()
}

// undefinedMsg explains a byte that is no character of the single-byte charset.
func (d *decoder) undefinedMsg(c byte, off int64) string {
	id := d.tab.id
	if id == csWindows1252 {
		return fmt.Sprintf("byte 0x%02X is not a character in Windows-1252 (byte offset %d) – the file is damaged or in another encoding", c, off)
	}
	if r := cp1252Rune(c); r >= 0 {
		return fmt.Sprintf("byte 0x%02X is a control character in %s (in Windows-1252 it would be %s) (byte offset %d) – is the file Windows-1252? Set the encoding to windows-1252",
			c, id.display(), Quote(string(r)), off)
	}
	return fmt.Sprintf("byte 0x%02X is a control character in %s and not a character in Windows-1252 either (byte offset %d) – the file is damaged or in another encoding",
		c, id.display(), off)
}

// mojibakeMsg explains UTF-8 bytes in a single-byte file.
func (d *decoder) mojibakeMsg(seq []byte) string {
	r, _ := utf8.DecodeRune(seq)
	name := d.tab.id.display()
	if d.spec.id == csAuto {
		return fmt.Sprintf("the text looks like UTF-8 (%s would be %s), but the text before it was %s – the file mixes encodings; export it again in one encoding (ANSI/%s or UTF-8)",
			Quote(cp1252Text(seq)), Quote(string(r)), name, name)
	}
	return fmt.Sprintf("the text looks like UTF-8 read as %s (%s would be %s) – the file is UTF-8 or mixes encodings; export it again as ANSI/%s or set the encoding to utf-8",
		name, Quote(cp1252Text(seq)), Quote(string(r)), name)
}

// mojibake reports whether seq, a valid multi-byte UTF-8 sequence found in
// a single-byte file, is taken as UTF-8 (the file mixes encodings) rather
// than as two or more single-byte characters.
//
// Three- and four-byte sequences ("â€ž", "ðŸ˜€") and the two-byte ones
// starting with 0xC2 or 0xC3 ("Â°", "Ã¼": every Latin-1 letter) never
// occur in real Windows-1252 text. Other two-byte sequences are a letter
// from "Ä" to "ß" followed by a byte from 0x80 to 0xBF; that is real text
// when the second byte is punctuation that may follow a word: "groß“",
// "MENÜ…", "Fuß»" stay text. (Everything else, e.g. "Å‚" for "ł", is
// still taken as UTF-8.)
func mojibake(seq []byte) bool {
	if len(seq) != 2 || seq[0] <= 0xC3 {
		return true
	}
	switch seq[1] {
	case 0x85, 0x91, 0x92, 0x93, 0x94, 0x96, 0x97, 0x99, // … ‘ ’ “ ” – — ™
		0xA0, 0xAB, 0xAD, 0xAE, 0xBB: // no-break space « soft hyphen ® »
		return false
	}
	return true
}

// cp1252Rune returns the Windows-1252 character of byte c, or -1.
func cp1252Rune(c byte) rune {
	if c < 0x80 || c >= 0xA0 {
		return rune(c)
	}
	r := charmap.Windows1252.DecodeByte(c)
	if r == utf8.RuneError {
		return -1
	}
	return r
}

// cp1252Text shows bytes the way a Windows program would (mojibake); the
// five undefined bytes become the control characters Quote escapes.
func cp1252Text(b []byte) string {
	var s strings.Builder
	for _, c := range b {
		if r := cp1252Rune(c); r >= 0 {
			s.WriteRune(r)
		} else {
			s.WriteRune(rune(c))
		}
	}
	return s.String()
}

// ---------------------------------------------------------------------------
// Encoding

// NewEncoder wraps w so that UTF-8 written to it reaches w in charset; Close
// flushes, never closes w. charset is any name CanonicalCharset accepts
// except auto:
//
//   - utf-8: the text as it is; utf-8-bom: EF BB BF first. The BOM is
//     written even when nothing else is (an empty file is then 3 bytes), so
//     every utf-8-bom output starts with it, as Smartstore expects.
//   - utf-16, utf-16le: BOM FF FE and little endian; utf-16be: FE FF and big
//     endian. The BOM is always written, like the UTF-8 one.
//   - windows-1252, iso-8859-1, iso-8859-15: one byte per character.
//
// A character the charset cannot hold is an error, never a silent "?": a
// *DataError with the line and column (in bytes of the UTF-8 text) and the
// byte offset of the text written, e.g. `"ł" (U+0142 LATIN SMALL LETTER L
// WITH STROKE) cannot be written in Windows-1252`. Invalid UTF-8 is an
// error too. A character may be split across Write calls; Close reports one
// that is left incomplete. Output is buffered; the first error sticks.
func NewEncoder(w io.Writer, charset string) (io.WriteCloser, error) {
	spec, err := parseCharset(charset)
	if err != nil {
		return nil, err
	}
	e := &encoder{w: w, id: spec.id, buf: make([]byte, 0, encodeBufSize)}
	switch spec.id {
	case csAuto:
		return nil, fmt.Errorf("charset %q can only be used for reading; name the charset to write (e.g. utf-8 or windows-1252)", charset)
	case csUTF8BOM:
		e.buf = append(e.buf, bomUTF8...)
	case csUTF16, csUTF16LE:
		e.id = csUTF16LE
		e.buf = append(e.buf, bomUTF16LE...)
	case csUTF16BE:
		e.buf = append(e.buf, bomUTF16BE...)
	case csWindows1252, csISO88591, csISO885915:
		e.tab = newByteTable(spec.id)
	}
	return e, nil
}

// Unencodable returns a func that finds, in a text, the first character
// charset cannot hold, with its name for messages ("ł" (U+0142 LATIN SMALL
// LETTER L WITH STROKE)); found is false when the charset holds all of it.
// Every character is fine in UTF-8 and UTF-16. charset is any name
// CanonicalCharset accepts except auto.
func Unencodable(charset string) (func(s string) (r rune, name string, found bool), error) {
	spec, err := parseCharset(charset)
	if err != nil {
		return nil, err
	}
	if spec.id == csAuto {
		return nil, fmt.Errorf("charset %q can only be used for reading; name the charset to write (e.g. utf-8 or windows-1252)", charset)
	}
	t := newByteTable(spec.id)
	return func(s string) (rune, string, bool) {
		if t == nil {
			return 0, "", false
		}
		for _, r := range s {
			if _, ok := t.encode(r); !ok {
				return r, runeName(r), true
			}
		}
		return 0, "", false
	}, nil
}

const encodeBufSize = 32 << 10

// errEncoderClosed is returned by Write after Close.
var errEncoderClosed = errors.New("write after close")

type encoder struct {
	w      io.Writer
	id     charsetID
	tab    *byteTable
	buf    []byte
	carry  [utf8.UTFMax]byte // start of a character split across Writes
	nc     int
	line   int   // LFs written so far
	col    int   // bytes since the last LF
	off    int64 // UTF-8 bytes consumed so far
	err    error
	wfail  bool // w returned an error: write nothing more
	closed bool
}

func (e *encoder) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	if e.closed {
		return 0, errEncoderClosed
	}
	n := 0
	if e.nc > 0 {
		// Complete the character carried over from the last Write.
		k := copy(e.carry[e.nc:], p)
		seq := e.carry[:e.nc+k]
		if !utf8.FullRune(seq) {
			e.nc += k
			return len(p), nil
		}
		r, size := utf8.DecodeRune(seq)
		if size == 1 {
			e.err = e.invalid(seq)
			return 0, e.err
		}
		if err := e.encodeRune(r, seq[:size]); err != nil {
			e.err = err
			return 0, err
		}
		n = size - e.nc
		e.nc = 0
		e.col += size
		e.off += int64(size)
	}
	m, err := e.encode(p[n:])
	n += m
	if err != nil {
		e.err = err
		return n, err
	}
	if rest := p[n:]; len(rest) > 0 { // an incomplete character at the end
		e.nc = copy(e.carry[:], rest)
		n = len(p)
	}
	return n, nil
}

// encode converts p, stopping before an incomplete character at its end.
func (e *encoder) encode(p []byte) (int, error) {
	if e.tab != nil {
		return e.encodeSingle(p)
	}
	i := 0
	var err error
	for i < len(p) {
		var k int
		if e.id == csUTF8 || e.id == csUTF8BOM {
			k = utf8Span(p[i:])
			err = e.put(p[i : i+k])
		} else {
			k = asciiSpan(p[i:])
			if e.id == csUTF16LE || e.id == csUTF16BE {
				err = e.putUTF16ASCII(p[i : i+k])
			} else {
				err = e.put(p[i : i+k])
			}
		}
		if err != nil {
			return i, err
		}
		e.track(p[i : i+k])
		i += k
		if i == len(p) {
			break
		}
		rest := p[i:]
		if !utf8.FullRune(rest) {
			break
		}
		r, size := utf8.DecodeRune(rest)
		if size == 1 {
			return i, e.invalid(rest)
		}
		if err := e.encodeRune(r, rest[:size]); err != nil {
			return i, err
		}
		e.col += size
		e.off += int64(size)
		i += size
	}
	return i, nil
}

// encodeSingle is encode for the single-byte charsets: one pass that
// copies ASCII eight bytes at a time into the output buffer.
func (e *encoder) encodeSingle(p []byte) (int, error) {
	t := e.tab
	i := 0
	for i < len(p) {
		if cap(e.buf)-len(e.buf) < 8 {
			if err := e.flush(); err != nil {
				return i, err
			}
		}
		out := e.buf[len(e.buf):cap(e.buf)]
		start, j := i, 0
		var err error
	fill:
		for i < len(p) && j < len(out) {
			for i+8 <= len(p) && j+8 <= len(out) {
				x := binary.LittleEndian.Uint64(p[i:])
				if x&hi8 != 0 {
					break
				}
				binary.LittleEndian.PutUint64(out[j:], x)
				i += 8
				j += 8
			}
			if i == len(p) || j == len(out) {
				break
			}
			c := p[i]
			if c < 0x80 {
				out[j] = c
				i++
				j++
				continue
			}
			var r rune
			size := 2
			if c >= 0xC2 && c <= 0xDF && i+1 < len(p) && p[i+1]&0xC0 == 0x80 {
				r = rune(c&0x1F)<<6 | rune(p[i+1]&0x3F)
			} else {
				if !utf8.FullRune(p[i:]) {
					break fill // the rest is carried to the next Write
				}
				if r, size = utf8.DecodeRune(p[i:]); size == 1 {
					err = errInvalid
					break fill
				}
			}
			b, ok := t.encode(r)
			if !ok {
				err = errUnencodable
				break fill
			}
			out[j] = b
			j++
			i += size
		}
		e.buf = e.buf[:len(e.buf)+j]
		e.track(p[start:i])
		switch err {
		case errInvalid:
			return i, e.invalid(p[i:])
		case errUnencodable:
			r, _ := utf8.DecodeRune(p[i:])
			return i, e.unencodable(r)
		}
		if i < len(p) && j < len(out) { // an incomplete character at the end
			break
		}
	}
	return i, nil
}

// Internal markers of encodeSingle.
var (
	errInvalid     = errors.New("invalid UTF-8")
	errUnencodable = errors.New("unencodable")
)

// utf8Span returns the length of the leading valid UTF-8 of s, complete
// characters only.
func utf8Span(s []byte) int {
	// The common case: all of s is valid, perhaps but for a cut character.
	end := len(s)
	for j := len(s) - 1; j >= 0 && j >= len(s)-utf8.UTFMax; j-- {
		if c := s[j]; c < 0x80 || c >= 0xC0 {
			if !utf8.FullRune(s[j:]) {
				end = j
			}
			break
		}
	}
	if utf8.Valid(s[:end]) {
		return end
	}
	i := 0
	for i < end {
		i += asciiSpan(s[i:end])
		if i == end {
			break
		}
		r, size := utf8.DecodeRune(s[i:end])
		if r == utf8.RuneError && size == 1 {
			break
		}
		i += size
	}
	return i
}

func (e *encoder) encodeRune(r rune, seq []byte) error {
	switch e.id {
	case csUTF8, csUTF8BOM:
		return e.put(seq)
	case csUTF16LE, csUTF16BE:
		var u [4]byte
		n := 2
		if r >= 0x10000 {
			r -= 0x10000
			e.unit(u[:], 0xD800+(r>>10))
			e.unit(u[2:], 0xDC00+(r&0x3FF))
			n = 4
		} else {
			e.unit(u[:], r)
		}
		return e.put(u[:n])
	}
	b, ok := e.tab.encode(r)
	if !ok {
		return e.unencodable(r)
	}
	if len(e.buf) == cap(e.buf) {
		if err := e.flush(); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, b)
	return nil
}

func (e *encoder) unencodable(r rune) error {
	return &DataError{Pos: Pos{Line: e.line + 1, Col: e.col + 1}, Offset: e.off,
		Msg: unencodableMsg(r, e.tab.id) + translitHint(r, " – fix the value or configure a transliteration")}
}

func (e *encoder) unit(b []byte, u rune) {
	if e.id == csUTF16LE {
		b[0], b[1] = byte(u), byte(u>>8)
	} else {
		b[0], b[1] = byte(u>>8), byte(u)
	}
}

// unencodableMsg says that r cannot be written in charset id.
func unencodableMsg(r rune, id charsetID) string {
	return fmt.Sprintf("%s (%s) cannot be written in %s", Quote(string(r)), runeName(r), id.display())
}

// runeName gives "U+0142 LATIN SMALL LETTER L WITH STROKE".
func runeName(r rune) string {
	s := fmt.Sprintf("U+%04X", r)
	if n := runenames.Name(r); n != "" && !strings.HasPrefix(n, "<") {
		s += " " + n
	}
	return s
}

func (e *encoder) invalid(rest []byte) error {
	return &DataError{Pos: Pos{Line: e.line + 1, Col: e.col + 1}, Offset: e.off,
		Msg: fmt.Sprintf("byte 0x%02X is not valid UTF-8 (byte offset %d of the text written)", rest[0], e.off)}
}

func (e *encoder) track(s []byte) {
	e.off += int64(len(s))
	if nl := bytes.Count(s, []byte{'\n'}); nl > 0 {
		e.line += nl
		e.col = len(s) - 1 - bytes.LastIndexByte(s, '\n')
	} else {
		e.col += len(s)
	}
}

// put appends s to the output buffer, writing it out when full; large
// pieces go to w directly.
func (e *encoder) put(s []byte) error {
	if len(e.buf)+len(s) <= cap(e.buf) {
		e.buf = append(e.buf, s...)
		return nil
	}
	if err := e.flush(); err != nil {
		return err
	}
	if len(s) >= cap(e.buf) {
		return e.write(s)
	}
	e.buf = append(e.buf, s...)
	return nil
}

// putUTF16ASCII appends ASCII text as UTF-16.
func (e *encoder) putUTF16ASCII(s []byte) error {
	for len(s) > 0 {
		room := (cap(e.buf) - len(e.buf)) / 2
		if room == 0 {
			if err := e.flush(); err != nil {
				return err
			}
			continue
		}
		chunk := s[:min(room, len(s))]
		for _, c := range chunk {
			if e.id == csUTF16LE {
				e.buf = append(e.buf, c, 0)
			} else {
				e.buf = append(e.buf, 0, c)
			}
		}
		s = s[len(chunk):]
	}
	return nil
}

func (e *encoder) flush() error {
	if len(e.buf) == 0 {
		return nil
	}
	err := e.write(e.buf)
	e.buf = e.buf[:0]
	return err
}

func (e *encoder) write(s []byte) error {
	n, err := e.w.Write(s)
	if err == nil && n < len(s) {
		err = io.ErrShortWrite
	}
	if err != nil {
		e.wfail = true
	}
	return err
}

// Close writes out what is buffered (and the BOM, if nothing else was
// written) and reports a character left incomplete. After an encoding
// error it still writes the text before the bad character, and returns the
// error. It does not close the underlying writer.
func (e *encoder) Close() error {
	if e.closed {
		return e.err
	}
	e.closed = true
	if e.err == nil && e.nc > 0 {
		e.err = &DataError{Pos: Pos{Line: e.line + 1, Col: e.col + 1}, Offset: e.off,
			Msg: fmt.Sprintf("the text ends in the middle of a UTF-8 character (byte 0x%02X at byte offset %d)", e.carry[0], e.off)}
	}
	if !e.wfail {
		if err := e.flush(); err != nil && e.err == nil {
			e.err = err
		}
	}
	return e.err
}
