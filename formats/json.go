package formats

// JSON and JSON Lines, read and written by a hand-written streaming scanner.
//
// The reader pulls bytes from its io.Reader into one buffer of its own and
// keeps only the token it is scanning (a string, a number) plus the record it
// is building, so memory is bounded by the largest record, never by the file.
// It tracks line and column itself (newlines can only occur between tokens;
// columns count bytes from 1, after a leading byte order mark on line 1),
// validates UTF-8 and every escape, keeps numbers as their exact literal text
// and says, on bad input, where in the document it was: the record
// ("value[1]"), its Id when already read, and the field path inside it
// (DataError.Field). Syntax errors are final; a record that is not an object
// is a RecordOnly error and reading goes on with the next one.
//
// Which part of the document holds the records is chosen by
// JSONOptions.Records; the writer writes a top-level array (optionally inside
// a wrapper object), or one compact object per line for JSON Lines.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// JSONOptions configures the json and jsonl readers and writers. The zero
// value reads any of the usual shapes and writes an indented array.
type JSONOptions struct {
	// Records says where the records are. "" (auto): a top-level array gives
	// one record per element; a top-level object with a member "value"
	// holding an array (OData, the Smartstore Web API) gives that array's
	// elements, its other members ignored; any other top-level object is one
	// record. A dotted member path ("value", "data.items") names the array
	// (or the single object) holding the records, and its absence is an
	// error; "." is the top-level value itself (an array gives its elements,
	// an object is one record). Not allowed with Lines.
	Records string `json:"records,omitempty" yaml:"records,omitempty"`
	// Lines reads and writes JSON Lines: one object per line, blank lines
	// skipped (an object may span lines, but two may not share one). The
	// jsonl format sets it.
	Lines bool `json:"lines,omitempty" yaml:"lines,omitempty"`
	// MaxDepth limits how deeply objects and arrays may nest (0 means 256),
	// counted from the record (a record's own object is level 1) or, outside
	// the records, from the value being skipped; deeper input is rejected
	// instead of exhausting memory. Counting per record lets a record read
	// from a top-level object be written into an array and read back.
	MaxDepth int `json:"max_depth,omitempty" yaml:"max_depth,omitempty"`
	// Indent is the writer's indentation per level, spaces or tabs only
	// ("" means two spaces). Ignored with Compact or Lines.
	Indent string `json:"indent,omitempty" yaml:"indent,omitempty"`
	// Compact makes the writer put the whole document on one line.
	Compact bool `json:"compact,omitempty" yaml:"compact,omitempty"`
	// Wrap, when set, makes the writer put the record array into an object
	// under this member name: "value" writes {"value": [ … ]}. A dotted path
	// ("data.items") nests one object per part. Ignored with Lines.
	Wrap string `json:"wrap,omitempty" yaml:"wrap,omitempty"`
}

// JSONFormat returns the registry entry for JSON (name "json", extension
// .json): records from an array, an OData envelope or a single object.
func JSONFormat() Format {
	return Format{
		Name:       "json",
		Extensions: []string{".json"},
		NewReader:  newJSONReader,
		NewWriter:  newJSONWriter,
	}
}

// JSONLinesFormat returns the registry entry for JSON Lines (name "jsonl",
// extensions .jsonl and .ndjson): JSONFormat with JSONOptions.Lines set.
func JSONLinesFormat() Format {
	return Format{
		Name:       "jsonl",
		Extensions: []string{".jsonl", ".ndjson"},
		NewReader: func(r io.Reader, source string, opt Options) (Reader, error) {
			opt.JSON.Lines = true
			return newJSONReader(r, source, opt)
		},
		NewWriter: func(w io.Writer, opt Options) (Writer, error) {
			opt.JSON.Lines = true
			return newJSONWriter(w, opt)
		},
	}
}

const (
	jsonDefaultMaxDepth = 256
	jsonBufSize         = 64 << 10
	jsonCacheSize       = 1024 // entries of the name and value caches (a power of 2)
	jsonCacheName       = 64   // longest field name cached
	jsonCacheValue      = 16   // longest value cached
	jsonIncomplete      = "; the file is incomplete – was it still being written?"
)

// jsonPlain marks the bytes a string can hold without a closer look: not the
// quote, not the backslash, no control character and no start of a
// multi-byte UTF-8 sequence. Read-only.
var jsonPlain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// jsonNumByte marks the bytes that can appear in a number literal. Read-only.
var jsonNumByte = func() (t [256]bool) {
	for _, c := range "0123456789+-.eE" {
		t[c] = true
	}
	return t
}()

// jsonFrame is one level of the document outside the records: an array whose
// elements are records, or an object on the way to them.
type jsonFrame struct {
	array   bool     // an array of records (else an object)
	path    string   // records path for messages ("value"; "" = top-level array)
	want    int      // object: index of the path part looked for, -1 none
	collect bool     // auto mode top object: its members are one record so far
	n       int      // members or elements seen
	key     string   // last member name (for messages)
	names   fieldSet // collect: the field names so far
	pos     Pos      // where the opening bracket is
}

// jsonReader implements Reader for JSON and JSON Lines.
type jsonReader struct {
	room   int // spare capacity of a record's Fields (SetRoom)
	src    io.Reader
	source string
	lines  bool
	auto   bool     // Records == ""
	dot    bool     // Records == "."
	path   []string // Records split at dots, nil for "" and "."
	maxDep int

	buf       []byte
	pos, end  int   // unread input is buf[pos:end]
	base      int64 // offset in the input of buf[0]
	line      int   // current line, 1-based
	lineStart int64 // offset of the current line's first byte
	eof       bool  // src is exhausted (or failed, see rerr)
	rerr      error // read error other than io.EOF

	started bool
	done    bool // the top-level value is complete (non-Lines)
	hit     bool // the records path was found
	frames  []jsonFrame
	index   int // records (elements) met so far
	err     error

	fields   []Field               // scratch: fields of the objects being built
	vals     []Value               // scratch: elements of the arrays being built
	sb       []byte                // scratch: string with escapes
	keyHash  uint                  // jsonHash of the last field name read
	keyCache [jsonCacheSize]string // field names, shared between records
	valCache [jsonCacheSize]string // short values, shared between records
	maps     []map[string]int      // per nesting level, for large objects (see fieldSet)

	// context of the error being built; see fail and finish.
	pending bool
	errPath []string // field path parts, innermost first
	errID   string   // "Id 5013"
	errDet  string   // "string started at column 24"
	errHint string   // advice after the context: " – …"
	ctxPath string   // records path of the record being read
	ctxIdx  int      // its index, -1 none
}

func newJSONReader(src io.Reader, source string, opt Options) (Reader, error) {
	o := opt.JSON
	if o.MaxDepth < 0 {
		return nil, fmt.Errorf("json: max_depth %d is negative", o.MaxDepth)
	}
	if source == "" {
		source = "-"
	}
	r := &jsonReader{
		src:    src,
		source: source,
		lines:  o.Lines,
		maxDep: o.MaxDepth,
		line:   1,
		ctxIdx: -1,
	}
	if r.maxDep == 0 {
		r.maxDep = jsonDefaultMaxDepth
	}
	switch o.Records {
	case "":
		r.auto = true
	case ".":
		r.dot = true
	default:
		if o.Lines {
			return nil, fmt.Errorf("json: records %q cannot be used with JSON Lines (every line is a record)", o.Records)
		}
		r.path = strings.Split(o.Records, ".")
		for _, p := range r.path {
			if p == "" {
				return nil, fmt.Errorf("json: records path %q has an empty part", o.Records)
			}
		}
	}
	return r, nil
}

// Read returns the next record, io.EOF after the last one.
func (r *jsonReader) Read() (*Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	rec, err := r.next()
	if err != nil {
		err = r.finish(err)
		if !RecordOnly(err) {
			r.err = err
		}
		return nil, err
	}
	return rec, nil
}

// ---- input buffer ----

// more reads more input into the buffer, keeping buf[pos:end] (moved to the
// front when the buffer is full). Callers re-slice after every call. It
// returns false when nothing more came: at the end of the input or on a read
// error (kept in rerr).
func (r *jsonReader) more() bool {
	if r.eof {
		return false
	}
	if r.buf == nil {
		r.buf = make([]byte, jsonBufSize)
	}
	if r.end == len(r.buf) {
		if r.pos > 0 {
			n := copy(r.buf, r.buf[r.pos:r.end])
			r.base += int64(r.pos)
			r.pos, r.end = 0, n
		}
		if r.end == len(r.buf) { // one token fills the buffer: grow it
			nb := make([]byte, 2*len(r.buf))
			copy(nb, r.buf[:r.end])
			r.buf = nb
		}
	}
	for tries := 0; tries < 100; tries++ {
		n, err := r.src.Read(r.buf[r.end:])
		if n < 0 || n > len(r.buf)-r.end {
			n, err = 0, errors.New("the input returned an invalid byte count")
		}
		r.end += n
		if err != nil {
			r.eof = true
			if err != io.EOF {
				r.rerr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	r.eof, r.rerr = true, io.ErrNoProgress
	return false
}

// ensure tries to have n bytes from buf[pos+k]; it reports whether they are
// there.
func (r *jsonReader) ensure(k, n int) bool {
	for r.end-r.pos < k+n {
		if !r.more() {
			return false
		}
	}
	return true
}

// ws skips white space and returns the next byte without consuming it;
// false at the end of the input.
func (r *jsonReader) ws() (byte, bool) {
	if r.pos < r.end {
		if c := r.buf[r.pos]; c > ' ' {
			return c, true
		}
	}
	return r.wsSlow(true)
}

// wsSlow skips white space; with nl false it stops at a line feed (JSON
// Lines) and returns it.
func (r *jsonReader) wsSlow(nl bool) (byte, bool) {
	for {
		buf, i := r.buf[:r.end], r.pos
		for ; i < len(buf); i++ {
			switch c := buf[i]; c {
			case ' ', '\t', '\r':
			case '\n':
				if !nl {
					r.pos = i
					return c, true
				}
				r.line++
				r.lineStart = r.base + int64(i) + 1
			default:
				r.pos = i
				return c, true
			}
		}
		r.pos = i
		if !r.more() {
			return 0, false
		}
	}
}

// posAt returns the position of buf[i] (i may be end: just after the input).
func (r *jsonReader) posAt(i int) Pos {
	return Pos{Line: r.line, Col: int(r.base+int64(i)-r.lineStart) + 1}
}

// ---- errors ----

// fail starts an error at buf[i]; the parse functions add their field path
// parts while returning, and finish turns it into the final message.
func (r *jsonReader) fail(i int, msg string) error {
	r.pending = true
	r.errPath = r.errPath[:0]
	r.errID, r.errDet, r.errHint = "", "", ""
	return &DataError{File: r.source, Pos: r.posAt(i), Offset: r.base + int64(i), Msg: msg}
}

// failHint is fail with advice that goes after the context in the message.
func (r *jsonReader) failHint(i int, msg, hint string) error {
	err := r.fail(i, msg)
	r.errHint = hint
	return err
}

// failEOF reports the end of the input where more was expected (or the read
// error that ended it).
func (r *jsonReader) failEOF(msg, detail string) error {
	if r.rerr != nil {
		err := r.fail(r.end, "the file could not be read to the end: "+r.rerr.Error())
		err.(*DataError).Err = r.rerr
		if de := AsDataError(r.rerr); de != nil {
			r.pending = false
			return de
		}
		return err
	}
	err := r.fail(r.end, msg)
	r.errDet, r.errHint = detail, jsonIncomplete
	return err
}

// finish completes a pending error: field path, record, Id, details, hint.
func (r *jsonReader) finish(err error) error {
	de, ok := err.(*DataError)
	if !ok || !r.pending {
		return err
	}
	r.pending = false
	var f strings.Builder
	for i := len(r.errPath) - 1; i >= 0; i-- {
		p := r.errPath[i]
		if f.Len() > 0 && (p == "" || p[0] != '[') {
			f.WriteByte('.')
		}
		f.WriteString(p)
	}
	de.Field = f.String()
	var parts []string
	if r.ctxIdx >= 0 {
		parts = append(parts, elemName(r.ctxPath, r.ctxIdx))
	}
	if r.errID != "" {
		parts = append(parts, r.errID)
	}
	if r.errDet != "" {
		parts = append(parts, r.errDet)
	}
	if len(parts) > 0 {
		de.Msg += " (" + strings.Join(parts, ", ") + ")"
	}
	de.Msg += r.errHint
	return de
}

// recordID names the record being read by its scalar Id or id member, for
// error messages.
func recordID(fs []Field) string {
	for i := range fs {
		f := &fs[i]
		if f.Name != "Id" && f.Name != "id" {
			continue
		}
		switch f.Value.kind {
		case KindNumber:
			return f.Name + " " + f.Value.text
		case KindString:
			return f.Name + " " + Quote(f.Value.text)
		}
	}
	return ""
}

// found describes buf[i] for a message: a quoted character, "the end of the
// file", or a byte that is not UTF-8.
func (r *jsonReader) found(i int) string {
	if i >= r.end {
		return "the end of the file"
	}
	c := r.buf[i]
	if c < utf8.RuneSelf {
		return Quote(string(c))
	}
	k := i - r.pos
	r.ensure(k, utf8.UTFMax)
	i = r.pos + k
	if rn, size := utf8.DecodeRune(r.buf[i:r.end]); rn != utf8.RuneError || size > 1 {
		return Quote(string(rn))
	}
	return fmt.Sprintf("byte 0x%02X", c)
}

// word returns the run of letters, digits and number characters at pos, for
// messages about a bad value.
func (r *jsonReader) word() string {
	r.ensure(0, 40)
	b := r.buf[r.pos:r.end]
	n := 0
	for n < len(b) && n < 40 {
		c := b[n]
		if !(jsonNumByte[c] || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_') {
			break
		}
		n++
	}
	if n == 0 {
		return r.found(r.pos)
	}
	return Quote(string(b[:n]))
}

// kindName names a value by its first byte: "a number", "a string", ….
func kindName(c byte) string {
	switch {
	case c == '"':
		return "a string"
	case c == '[':
		return "an array"
	case c == '{':
		return "an object"
	case c == 't':
		return "true"
	case c == 'f':
		return "false"
	case c == 'n':
		return "null"
	}
	return "a number"
}

// isValueStart reports whether c can start a JSON value.
func isValueStart(c byte) bool {
	switch c {
	case '"', '{', '[', 't', 'f', 'n', '-':
		return true
	}
	return c >= '0' && c <= '9'
}

// ---- values ----

type strMode uint8

const (
	strSkip  strMode = iota // validate only
	strKey                  // field name: reuse a known one
	strValue                // text value
)

// str reads the string whose opening quote is at pos and leaves pos after
// its closing quote.
func (r *jsonReader) str(mode strMode) (string, error) {
	b := r.buf[r.pos:r.end]
	k, seg := 1, 1 // next byte; start of the plain run not yet copied
	esc := false   // r.sb holds the string so far
	for {
		for k < len(b) && jsonPlain[b[k]] {
			k++
		}
		if k >= len(b) {
			ok := r.more()
			b = r.buf[r.pos:r.end]
			if !ok {
				return "", r.failEOF("unexpected end of file inside a string",
					"string started at column "+strconv.Itoa(r.posAt(r.pos).Col))
			}
			continue
		}
		switch c := b[k]; {
		case c == '"':
			var s string
			if esc {
				if mode != strSkip {
					r.sb = append(r.sb, b[seg:k]...)
					s = r.text(r.sb, mode)
				}
			} else if mode != strSkip {
				s = r.text(b[1:k], mode)
			}
			r.pos += k + 1
			return s, nil
		case c == '\\':
			if !esc {
				esc = true
				r.sb = r.sb[:0]
			}
			if mode != strSkip {
				r.sb = append(r.sb, b[seg:k]...)
			}
			n, err := r.escape(k)
			if err != nil {
				return "", err
			}
			b = r.buf[r.pos:r.end]
			k += n
			seg = k
		case c < 0x20:
			msg, hint := controlMsg(c)
			return "", r.failHint(r.pos+k, msg, hint)
		default:
			if len(b)-k < utf8.UTFMax {
				r.ensure(k, utf8.UTFMax)
				b = r.buf[r.pos:r.end]
			}
			rn, size := utf8.DecodeRune(b[k:])
			if rn == utf8.RuneError && size <= 1 {
				if r.eof && !utf8.FullRune(b[k:]) {
					return "", r.failEOF("unexpected end of file inside a string",
						"string started at column "+strconv.Itoa(r.posAt(r.pos).Col))
				}
				return "", r.failHint(r.pos+k, fmt.Sprintf("byte 0x%02X is not valid UTF-8", c),
					" – the file is probably in another encoding (Windows-1252?); JSON must be UTF-8")
			}
			k += size
		}
	}
}

// text turns the bytes of a string or number into a Go string. Field names
// and short values come from small direct-mapped caches, so the names of
// every record and repeated values like "EUR" or 0.0000 share one string
// instead of one allocation each. For names it sets keyHash.
func (r *jsonReader) text(b []byte, mode strMode) string {
	switch mode {
	case strKey:
		h := jsonHash(b)
		r.keyHash = h
		if len(b) > jsonCacheName {
			return string(b)
		}
		if s := r.keyCache[h]; s == string(b) {
			return s
		}
		s := string(b)
		r.keyCache[h] = s
		return s
	case strValue:
		if len(b) > jsonCacheValue {
			return string(b)
		}
		h := jsonHash(b)
		if s := r.valCache[h]; s == string(b) {
			return s
		}
		s := string(b)
		r.valCache[h] = s
		return s
	}
	return ""
}

// jsonHash is a cheap hash of a name or value into [0, jsonCacheSize): it
// looks at the length and the first and last eight bytes. Collisions only
// cost an allocation (caches) or a look at the fields (fieldSet).
func jsonHash(b []byte) uint {
	n := len(b)
	var x uint64
	if n >= 8 {
		x = binary.LittleEndian.Uint64(b) ^ binary.LittleEndian.Uint64(b[n-8:])*0x9E3779B97F4A7C15
	} else {
		for _, c := range b {
			x = x<<8 | uint64(c)
		}
	}
	x = (x ^ uint64(n)) * 0xFF51AFD7ED558CCD
	return uint(x >> (64 - 10))
}

// controlMsg describes a raw control character inside a string: message
// and advice.
func controlMsg(c byte) (string, string) {
	switch c {
	case '\n', '\r':
		return "a line break inside a string", ` – is the closing quote missing? In JSON a line break in a text is written as \n`
	case '\t':
		return "a tab character inside a string", ` – in JSON it must be written as \t`
	}
	return fmt.Sprintf("a control character (byte 0x%02X) inside a string", c),
		fmt.Sprintf(` – in JSON it must be written as \u%04X`, c)
}

// escape decodes the escape sequence at buf[pos+k] into r.sb and returns its
// length in bytes.
func (r *jsonReader) escape(k int) (int, error) {
	if !r.ensure(k, 2) {
		return 0, r.failEOF("unexpected end of file inside a string",
			"string started at column "+strconv.Itoa(r.posAt(r.pos).Col))
	}
	b := r.buf[r.pos:r.end]
	var c byte
	switch e := b[k+1]; e {
	case '"', '\\', '/':
		c = e
	case 'b':
		c = '\b'
	case 'f':
		c = '\f'
	case 'n':
		c = '\n'
	case 'r':
		c = '\r'
	case 't':
		c = '\t'
	case 'u':
		return r.escapeU(k)
	default:
		if e >= 0x20 && e < 0x7f {
			return 0, r.failHint(r.pos+k, `invalid escape "\`+string(e)+`"`, ` – a backslash in a text must be written as \\`)
		}
		return 0, r.fail(r.pos+k, "invalid escape: a backslash followed by "+r.found(r.pos+k+1))
	}
	r.sb = append(r.sb, c)
	return 2, nil
}

// escapeU decodes \uXXXX (and a following low surrogate) at buf[pos+k].
func (r *jsonReader) escapeU(k int) (int, error) {
	if !r.ensure(k, 6) {
		if r.rerr != nil || hex4prefix(r.buf[r.pos+k+2:r.end]) {
			return 0, r.failEOF("unexpected end of file inside a string",
				"string started at column "+strconv.Itoa(r.posAt(r.pos).Col))
		}
	}
	b := r.buf[r.pos:r.end]
	u, ok := hex4(b[k+2:])
	if !ok {
		return 0, r.failHint(r.pos+k, "invalid escape "+escQuote(b[k:min(k+6, len(b))]), ` – expected \u and four hex digits`)
	}
	switch {
	case u >= 0xD800 && u < 0xDC00: // high surrogate: a low one must follow
		r.ensure(k, 12)
		b = r.buf[r.pos:r.end]
		if len(b) < k+12 && (r.rerr != nil || hasPrefixPart(b[k+6:], `\u`) &&
			hex4prefix(b[min(k+8, len(b)):])) {
			return 0, r.failEOF("unexpected end of file inside a string",
				"string started at column "+strconv.Itoa(r.posAt(r.pos).Col))
		}
		if len(b) >= k+12 && b[k+6] == '\\' && b[k+7] == 'u' {
			if lo, ok := hex4(b[k+8:]); ok && lo >= 0xDC00 && lo < 0xE000 {
				r.sb = utf8.AppendRune(r.sb, 0x10000+(rune(u)-0xD800)<<10+(rune(lo)-0xDC00))
				return 12, nil
			}
		}
		return 0, r.failHint(r.pos+k, "invalid escape "+escQuote(b[k:k+6]), " – the first half of a character (a UTF-16 surrogate) without its second half")
	case u >= 0xDC00 && u < 0xE000:
		return 0, r.failHint(r.pos+k, "invalid escape "+escQuote(b[k:k+6]), " – the second half of a character (a UTF-16 surrogate) without its first half")
	}
	r.sb = utf8.AppendRune(r.sb, rune(u))
	return 6, nil
}

// escQuote quotes an escape sequence as written: "\u12G4".
func escQuote(b []byte) string {
	for _, c := range b {
		if c < 0x20 || c >= 0x7f {
			return Quote(string(b))
		}
	}
	return `"` + string(b) + `"`
}

func hex4(b []byte) (uint16, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var u uint16
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		u = u<<4 | uint16(c)
	}
	return u, true
}

// hex4prefix reports whether b (shorter than 4 bytes) could start 4 hex digits.
func hex4prefix(b []byte) bool {
	for _, c := range b[:min(len(b), 4)] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func hasPrefixPart(b []byte, p string) bool {
	n := min(len(b), len(p))
	return string(b[:n]) == p[:n]
}

// validJSONNumber reports whether s is a number by the JSON grammar:
// -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func validJSONNumber[T string | []byte](s T) bool {
	i, n := 0, len(s)
	if i < n && s[i] == '-' {
		i++
	}
	switch {
	case i < n && s[i] == '0':
		i++
	case i < n && s[i] >= '1' && s[i] <= '9':
		for i++; i < n && s[i] >= '0' && s[i] <= '9'; i++ {
		}
	default:
		return false
	}
	if i < n && s[i] == '.' {
		i++
		if i >= n || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i++; i < n && s[i] >= '0' && s[i] <= '9'; i++ {
		}
	}
	if i < n && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < n && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= n || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i++; i < n && s[i] >= '0' && s[i] <= '9'; i++ {
		}
	}
	return i == n
}

// num reads the number literal at pos.
func (r *jsonReader) num(keep bool) (string, error) {
	b := r.buf[r.pos:r.end]
	k := 0
	for {
		for k < len(b) && jsonNumByte[b[k]] {
			k++
		}
		if k < len(b) {
			break
		}
		ok := r.more()
		b = r.buf[r.pos:r.end]
		if !ok {
			break
		}
	}
	lit := b[:k]
	if !validJSONNumber(lit) || k < len(b) && isWordByte(b[k]) {
		return "", r.fail(r.pos, "invalid number "+r.word())
	}
	var s string
	if keep {
		s = r.text(lit, strValue)
	}
	r.pos += k
	return s, nil
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

// literal reads true, false or null at pos.
func (r *jsonReader) literal(lit string) error {
	r.ensure(0, len(lit)+1)
	b := r.buf[r.pos:r.end]
	if len(b) >= len(lit) && string(b[:len(lit)]) == lit && (len(b) == len(lit) || !isWordByte(b[len(lit)])) {
		r.pos += len(lit)
		return nil
	}
	if len(b) < len(lit) && r.eof && r.rerr == nil && string(b) == lit[:len(b)] {
		return r.failEOF("unexpected end of file in the middle of "+Quote(string(b)), "")
	}
	return r.badValue()
}

// badValue reports that no value starts at pos.
func (r *jsonReader) badValue() error {
	c := r.buf[r.pos]
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' {
		return r.failHint(r.pos, "unexpected "+r.word(), " – not a JSON value (text must be in double quotes; true, false and null are lower case)")
	}
	if c == '+' || c == '.' {
		return r.fail(r.pos, "invalid number "+r.word())
	}
	if c == '\'' {
		return r.failHint(r.pos, `unexpected "'"`, " – text in JSON must be in double quotes")
	}
	return r.fail(r.pos, "unexpected "+r.found(r.pos))
}

// value reads the value starting with c at pos; depth is its nesting level
// if it is an object or array. With keep false it only checks the syntax.
func (r *jsonReader) value(c byte, depth int, keep bool) (Value, error) {
	switch c {
	case '"':
		mode := strSkip
		if keep {
			mode = strValue
		}
		s, err := r.str(mode)
		return Value{kind: KindString, text: s}, err
	case '{':
		rec, err := r.object(depth, false, keep)
		if err != nil || !keep {
			return Value{}, err
		}
		return Nested(rec), nil
	case '[':
		l, err := r.array(depth, keep)
		return List(l), err
	case 't':
		return Bool(true), r.literal("true")
	case 'f':
		return Bool(false), r.literal("false")
	case 'n':
		return Null, r.literal("null")
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		s, err := r.num(keep)
		return Value{kind: KindNumber, text: s}, err
	}
	return Value{}, r.badValue()
}

// object reads the object at pos. record marks a record-level object (its Id
// goes into error messages).
func (r *jsonReader) object(depth int, record, keep bool) (*Record, error) {
	if depth > r.maxDep {
		return nil, r.fail(r.pos, "nested deeper than "+strconv.Itoa(r.maxDep)+" levels")
	}
	var out *Record
	if keep {
		out = &Record{Pos: r.posAt(r.pos)}
	}
	r.pos++
	mark := len(r.fields)
	var names fieldSet
	var err error
	c, ok := r.ws()
	if !ok {
		return nil, r.failEOF("unexpected end of file inside an object", "")
	}
	if c != '}' {
		for first := true; ; first = false {
			if c != '"' {
				if c == '\'' {
					err = r.failHint(r.pos, `expected a field name in double quotes, found "'"`, " – JSON needs double quotes")
				} else if first {
					err = r.fail(r.pos, `expected a field name in double quotes or "}", found `+r.found(r.pos))
				} else {
					err = r.fail(r.pos, `expected a field name after ",", found `+r.found(r.pos))
				}
				break
			}
			kpos := r.posAt(r.pos)
			var key string // kept when skipping too: error messages name it
			if key, err = r.str(strKey); err != nil {
				break
			}
			h := r.keyHash
			if c, ok = r.ws(); !ok {
				err = r.failEOF("unexpected end of file after the field name "+Quote(key), "")
				break
			}
			if c != ':' {
				err = r.fail(r.pos, `expected ":" after the field name `+Quote(key)+", found "+r.found(r.pos))
				break
			}
			r.pos++
			if c, ok = r.ws(); !ok {
				err = r.failEOF("unexpected end of file after the field name "+Quote(key), "")
				break
			}
			var v Value
			if v, err = r.value(c, depth+1, keep); err != nil {
				r.errPath = append(r.errPath, key)
				break
			}
			if keep {
				r.addField(mark, &names, depth, key, h, v, kpos)
			}
			if c, ok = r.ws(); !ok {
				err = r.failEOF("unexpected end of file inside an object, after the value of "+Quote(key), "")
				break
			}
			if c == ',' {
				r.pos++
				if c, ok = r.ws(); !ok {
					err = r.failEOF("unexpected end of file inside an object, after the value of "+Quote(key), "")
					break
				}
				continue
			}
			if c == '}' {
				break
			}
			err = r.fail(r.pos, `expected "," or "}" after the value of `+Quote(key)+", found "+r.found(r.pos))
			break
		}
	}
	if err != nil {
		if record {
			r.errID = recordID(r.fields[mark:])
		}
		clear(r.fields[mark:])
		r.fields = r.fields[:mark]
		return nil, err
	}
	r.pos++ // '}'
	if n := len(r.fields) - mark; n > 0 {
		if record {
			out.Fields = make([]Field, n, n+r.room)
		} else {
			out.Fields = make([]Field, n)
		}
		copy(out.Fields, r.fields[mark:])
		r.fields = r.fields[:mark]
	}
	return out, nil
}

// fieldSet finds repeated field names in one object: a bloom filter over
// the name hashes for small objects, a map from jsonBigObject fields on, so
// that hostile input with huge objects stays linear.
type fieldSet struct {
	bloom [jsonCacheSize / 64]uint64
	m     map[string]int // name → index in r.fields
}

const jsonBigObject = 128

// addField appends a field to the object whose fields start at r.fields[mark];
// a repeated name keeps its first place and takes the new value.
func (r *jsonReader) addField(mark int, names *fieldSet, depth int, key string, h uint, v Value, pos Pos) {
	if names.m != nil {
		if i, ok := names.m[key]; ok {
			r.fields[i].Value, r.fields[i].Pos = v, pos
			return
		}
		names.m[key] = len(r.fields)
		r.fields = append(r.fields, Field{Name: key, Value: v, Pos: pos})
		return
	}
	w, bit := &names.bloom[(h/64)%uint(len(names.bloom))], uint64(1)<<(h%64)
	if *w&bit != 0 {
		for i := mark; i < len(r.fields); i++ {
			if r.fields[i].Name == key {
				r.fields[i].Value, r.fields[i].Pos = v, pos
				return
			}
		}
	}
	*w |= bit
	r.fields = append(r.fields, Field{Name: key, Value: v, Pos: pos})
	if len(r.fields)-mark == jsonBigObject {
		// One map per nesting level, reused: objects at one level do not overlap.
		for len(r.maps) <= depth {
			r.maps = append(r.maps, nil)
		}
		m := r.maps[depth]
		if m == nil {
			m = make(map[string]int, 2*jsonBigObject)
			r.maps[depth] = m
		} else {
			clear(m)
		}
		for i := mark; i < len(r.fields); i++ {
			m[r.fields[i].Name] = i
		}
		names.m = m
	}
}

// array reads the array at pos.
func (r *jsonReader) array(depth int, keep bool) ([]Value, error) {
	if depth > r.maxDep {
		return nil, r.fail(r.pos, "nested deeper than "+strconv.Itoa(r.maxDep)+" levels")
	}
	r.pos++
	mark := len(r.vals)
	var err error
	c, ok := r.ws()
	if !ok {
		return nil, r.failEOF("unexpected end of file inside an array", "")
	}
	if c != ']' {
		for idx := 0; ; idx++ {
			var v Value
			if v, err = r.value(c, depth+1, keep); err != nil {
				r.errPath = append(r.errPath, "["+strconv.Itoa(idx)+"]")
				break
			}
			if keep {
				r.vals = append(r.vals, v)
			}
			if c, ok = r.ws(); !ok {
				err = r.failEOF("unexpected end of file inside an array, after element ["+strconv.Itoa(idx)+"]", "")
				break
			}
			if c == ',' {
				r.pos++
				if c, ok = r.ws(); !ok {
					err = r.failEOF("unexpected end of file inside an array, after element ["+strconv.Itoa(idx)+"]", "")
					break
				}
				continue
			}
			if c == ']' {
				break
			}
			err = r.fail(r.pos, `expected "," or "]" after element [`+strconv.Itoa(idx)+"], found "+r.found(r.pos))
			break
		}
	}
	if err != nil {
		clear(r.vals[mark:])
		r.vals = r.vals[:mark]
		return nil, err
	}
	r.pos++ // ']'
	var l []Value
	if n := len(r.vals) - mark; n > 0 {
		l = make([]Value, n)
		copy(l, r.vals[mark:])
		r.vals = r.vals[:mark]
	}
	return l, nil
}

// ---- document structure ----

// next finds the next record.
func (r *jsonReader) next() (*Record, error) {
	if !r.started {
		if err := r.start(); err != nil {
			return nil, err
		}
	}
	if r.lines {
		return r.nextLine()
	}
	for {
		if len(r.frames) == 0 {
			if r.done {
				return nil, r.end0()
			}
			rec, err := r.top()
			if rec != nil || err != nil {
				return rec, err
			}
			continue
		}
		f := &r.frames[len(r.frames)-1]
		var rec *Record
		var err error
		if f.array {
			rec, err = r.stepArray(f)
		} else {
			rec, err = r.stepObject(f)
		}
		if rec != nil || err != nil {
			return rec, err
		}
	}
}

// start skips a byte order mark and rejects an empty file.
func (r *jsonReader) start() error {
	r.started = true
	r.ensure(0, 3)
	if r.end == 0 {
		if r.rerr != nil {
			return r.failEOF("", "")
		}
		return &DataError{File: r.source, Msg: "the file is empty (0 bytes) – expected a JSON array or object"}
	}
	if r.end-r.pos >= 3 && string(r.buf[:3]) == "\uFEFF" {
		r.pos = 3
		r.lineStart = 3 // columns count from after the mark
	}
	if _, ok := r.ws(); !ok {
		if r.rerr != nil {
			return r.failEOF("", "")
		}
		what := "JSON Lines"
		if !r.lines {
			what = "a JSON array or object"
		}
		return r.fail(r.pos, "the file holds no data, only blank space – expected "+what)
	}
	return nil
}

// top reads the start of the top-level value.
func (r *jsonReader) top() (*Record, error) {
	c, _ := r.ws()
	switch {
	case r.dot || r.auto:
		switch c {
		case '[':
			r.push(jsonFrame{array: true, want: -1, pos: r.posAt(r.pos)})
			return nil, nil
		case '{':
			if r.dot {
				r.done = true
				return r.record(1)
			}
			r.push(jsonFrame{collect: true, want: -1, pos: r.posAt(r.pos)})
			return nil, nil
		}
		if !isValueStart(c) {
			return nil, r.badValue()
		}
		p := r.pos
		if _, err := r.value(c, 1, false); err != nil {
			return nil, err
		}
		r.done = true
		return nil, r.fail(p, "the document is "+kindName(c)+", expected an object (a record) or an array of objects")
	default:
		if c == '{' {
			r.push(jsonFrame{want: 0, pos: r.posAt(r.pos)})
			return nil, nil
		}
		if _, err := r.value(c, 1, false); err != nil {
			return nil, err
		}
		r.done = true
		return nil, nil
	}
}

// push enters an array or object on the way to the records.
func (r *jsonReader) push(f jsonFrame) {
	r.frames = append(r.frames, f)
	r.pos++
}

// pop leaves the innermost frame; the document is done when none is left.
func (r *jsonReader) pop() {
	r.frames = r.frames[:len(r.frames)-1]
	r.pos++
	if len(r.frames) == 0 {
		r.done = true
	}
}

// SetRoom makes every record-level object with room for n more fields
// (RoomReader).
func (r *jsonReader) SetRoom(n int) { r.room = n }

// record reads a record-level object at pos; index is its number.
func (r *jsonReader) record(index int) (*Record, error) {
	rec, err := r.object(1, true, true)
	if err != nil {
		return nil, err
	}
	rec.Pos.Index = index
	r.ctxIdx = -1
	return rec, nil
}

// stepArray reads the next element of an array of records.
func (r *jsonReader) stepArray(f *jsonFrame) (*Record, error) {
	c, ok := r.ws()
	if !ok {
		if f.n == 0 {
			return nil, r.failEOF("unexpected end of file inside an array", "")
		}
		return nil, r.failEOF("unexpected end of file inside an array, after "+elemName(f.path, f.n-1), "")
	}
	if f.n > 0 {
		switch c {
		case ']':
			r.pop()
			return nil, nil
		case ',':
			r.pos++
			if c, ok = r.ws(); !ok {
				return nil, r.failEOF("unexpected end of file inside an array, after "+elemName(f.path, f.n-1), "")
			}
		default:
			return nil, r.fail(r.pos, `expected "," or "]" after `+elemName(f.path, f.n-1)+", found "+r.found(r.pos))
		}
	} else if c == ']' {
		r.pop()
		return nil, nil
	}
	idx := f.n
	f.n++
	r.index++
	r.ctxPath, r.ctxIdx = f.path, idx
	if c == '{' {
		return r.record(r.index)
	}
	if !isValueStart(c) {
		return nil, r.badValue()
	}
	p := r.pos
	if _, err := r.value(c, 1, false); err != nil {
		return nil, err
	}
	r.ctxIdx = -1
	return nil, &DataError{File: r.source, Pos: r.posAt(p), Offset: r.base + int64(p), RecordOnly: true,
		Msg: elemName(f.path, idx) + " is " + kindName(c) + ", expected an object (a record)"}
}

// elemName names element i of the records array at path: "value[3]", or
// "element [3]" for a top-level array.
func elemName(path string, i int) string {
	if path == "" {
		return "element [" + strconv.Itoa(i) + "]"
	}
	return path + "[" + strconv.Itoa(i) + "]"
}

// stepObject reads the next member of an object on the way to the records.
func (r *jsonReader) stepObject(f *jsonFrame) (*Record, error) {
	c, ok := r.ws()
	if !ok {
		if f.n == 0 {
			return nil, r.failEOF("unexpected end of file inside an object", "")
		}
		return nil, r.failEOF("unexpected end of file inside an object, after the value of "+Quote(f.key), "")
	}
	if f.n > 0 {
		switch c {
		case '}':
			return r.closeObject(f)
		case ',':
			r.pos++
			if c, ok = r.ws(); !ok {
				return nil, r.failEOF("unexpected end of file inside an object, after the value of "+Quote(f.key), "")
			}
			if c != '"' {
				return nil, r.fail(r.pos, `expected a field name after ",", found `+r.found(r.pos))
			}
		default:
			return nil, r.fail(r.pos, `expected "," or "}" after the value of `+Quote(f.key)+", found "+r.found(r.pos))
		}
	} else if c == '}' {
		return r.closeObject(f)
	}
	if c == '\'' {
		return nil, r.failHint(r.pos, `expected a field name in double quotes, found "'"`, " – JSON needs double quotes")
	}
	if c != '"' {
		return nil, r.fail(r.pos, `expected a field name in double quotes or "}", found `+r.found(r.pos))
	}
	kpos := r.posAt(r.pos)
	key, err := r.str(strKey)
	if err != nil {
		return nil, err
	}
	h := r.keyHash
	f.key = key
	f.n++
	if c, ok = r.ws(); !ok {
		return nil, r.failEOF("unexpected end of file after the field name "+Quote(key), "")
	}
	if c != ':' {
		return nil, r.fail(r.pos, `expected ":" after the field name `+Quote(key)+", found "+r.found(r.pos))
	}
	r.pos++
	if c, ok = r.ws(); !ok {
		return nil, r.failEOF("unexpected end of file after the field name "+Quote(key), "")
	}
	switch {
	case f.collect && key == "value" && c == '[':
		f.collect = false
		clear(r.fields)
		r.fields = r.fields[:0]
		r.hit = true
		r.push(jsonFrame{array: true, path: "value", want: -1, pos: r.posAt(r.pos)})
		return nil, nil
	case f.collect:
		v, err := r.value(c, 2, true) // the object itself is level 1
		if err != nil {
			r.errPath = append(r.errPath, key)
			r.errID = recordID(r.fields)
			return nil, err
		}
		r.addField(0, &f.names, 1, key, h, v, kpos)
		return nil, nil
	case f.want >= 0 && key == r.path[f.want]:
		if f.want < len(r.path)-1 {
			if c == '{' {
				r.push(jsonFrame{want: f.want + 1, pos: r.posAt(r.pos)})
				return nil, nil
			}
			break
		}
		path := strings.Join(r.path, ".")
		r.hit = true
		switch c {
		case '[':
			r.push(jsonFrame{array: true, path: path, want: -1, pos: r.posAt(r.pos)})
			return nil, nil
		case '{':
			r.index++
			return r.record(r.index)
		}
		if !isValueStart(c) {
			return nil, r.badValue()
		}
		return nil, r.fail(r.pos, Quote(path)+" is "+kindName(c)+", expected an array of records or an object (a record)")
	}
	if _, err := r.value(c, 1, false); err != nil {
		r.errPath = append(r.errPath, key)
		return nil, err
	}
	return nil, nil
}

// closeObject leaves an object frame; a collected top-level object is the
// one record of the document.
func (r *jsonReader) closeObject(f *jsonFrame) (*Record, error) {
	if !f.collect {
		r.pop()
		return nil, nil
	}
	rec := &Record{Pos: f.pos}
	rec.Pos.Index = 1
	if len(r.fields) > 0 {
		rec.Fields = make([]Field, len(r.fields))
		copy(rec.Fields, r.fields)
		clear(r.fields)
		r.fields = r.fields[:0]
	}
	r.index++
	r.pop()
	return rec, nil
}

// end0 checks that nothing but white space follows the document.
func (r *jsonReader) end0() error {
	if _, ok := r.ws(); ok {
		r.ensure(0, 40)
		b := r.buf[r.pos:r.end]
		n := 0
		for n < len(b) && n < 40 && b[n] != '\n' && b[n] != '\r' {
			n++
		}
		for n > 0 && n < len(b) && !utf8.RuneStart(b[n]) {
			n--
		}
		return r.fail(r.pos, "text after the end of the JSON document: "+Quote(string(b[:n])))
	}
	if r.rerr != nil {
		return r.failEOF("", "")
	}
	if r.path != nil && !r.hit {
		return r.fail(r.end, "no "+Quote(strings.Join(r.path, "."))+" in this document – the records were expected there")
	}
	return io.EOF
}

// nextLine reads the next record of JSON Lines.
func (r *jsonReader) nextLine() (*Record, error) {
	c, ok := r.ws()
	if !ok {
		if r.rerr != nil {
			return nil, r.failEOF("", "")
		}
		return nil, io.EOF
	}
	r.index++
	p := r.pos
	var rec *Record
	var err error
	if c == '{' {
		rec, err = r.record(r.index)
	} else if !isValueStart(c) {
		return nil, r.badValue()
	} else {
		_, err = r.value(c, 1, false)
	}
	if err != nil {
		return nil, err
	}
	// The rest of the line must be blank.
	if c, ok := r.wsSlow(false); ok && c != '\n' {
		return nil, r.failHint(r.pos, "text after the record on this line: "+r.found(r.pos), " – JSON Lines has one record per line")
	}
	if rec == nil {
		return nil, &DataError{File: r.source, Pos: r.posAt(p), Offset: r.base + int64(p), RecordOnly: true,
			Msg: "the line holds " + kindName(c) + ", expected an object (a record)"}
	}
	return rec, nil
}

// ---- writer ----

// jsonWriter implements Writer for JSON and JSON Lines.
type jsonWriter struct {
	w       io.Writer
	buf     []byte
	indent  string
	compact bool
	lines   bool
	wrap    []string
	n       int
	closed  bool
	err     error
	errPath []string // field path of a bad value, innermost first
}

func newJSONWriter(w io.Writer, opt Options) (Writer, error) {
	o := opt.JSON
	jw := &jsonWriter{w: w, indent: o.Indent, compact: o.Compact || o.Lines, lines: o.Lines}
	if jw.indent == "" {
		jw.indent = "  "
	}
	if strings.Trim(jw.indent, " \t") != "" {
		return nil, fmt.Errorf("json: indent %q may hold only spaces and tabs", o.Indent)
	}
	if o.Wrap != "" && !o.Lines {
		jw.wrap = strings.Split(o.Wrap, ".")
		for _, p := range jw.wrap {
			if p == "" {
				return nil, fmt.Errorf("json: wrap path %q has an empty part", o.Wrap)
			}
		}
	}
	return jw, nil
}

func (w *jsonWriter) nl(level int) {
	if w.compact {
		return
	}
	w.buf = append(w.buf, '\n')
	for ; level > 0; level-- {
		w.buf = append(w.buf, w.indent...)
	}
}

// open writes what precedes the first record.
func (w *jsonWriter) open() {
	for i, k := range w.wrap {
		w.buf = append(w.buf, '{')
		w.nl(i + 1)
		w.buf, _ = appendJSONString(w.buf, k)
		w.buf = append(w.buf, ':')
		if !w.compact {
			w.buf = append(w.buf, ' ')
		}
	}
	w.buf = append(w.buf, '[')
}

// Write writes one record.
func (w *jsonWriter) Write(rec *Record) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("json: write after close")
	}
	if rec == nil {
		return errors.New("json: nil record")
	}
	mark := len(w.buf)
	level := 0
	if !w.lines {
		if w.n == 0 {
			w.open()
		} else {
			w.buf = append(w.buf, ',')
		}
		level = len(w.wrap) + 1
		w.nl(level)
	}
	if err := w.object(rec, level); err != nil {
		w.buf = w.buf[:mark]
		var f strings.Builder
		for i := len(w.errPath) - 1; i >= 0; i-- {
			if p := w.errPath[i]; f.Len() > 0 && (p == "" || p[0] != '[') {
				f.WriteByte('.')
			}
			f.WriteString(w.errPath[i])
		}
		de := err.(*DataError)
		de.Field = f.String()
		if de.Pos.IsZero() {
			de.Pos = rec.Pos
		}
		w.err = de
		return de
	}
	if w.lines {
		w.buf = append(w.buf, '\n')
	}
	w.n++
	if len(w.buf) >= 32<<10 {
		return w.flush()
	}
	return nil
}

func (w *jsonWriter) flush() error {
	if len(w.buf) == 0 {
		return nil
	}
	n, err := w.w.Write(w.buf)
	if err == nil && n < len(w.buf) {
		err = io.ErrShortWrite
	}
	w.buf = w.buf[:0]
	if err != nil {
		w.err = err
	}
	return err
}

// Close writes the end of the document and flushes; it does not close the
// underlying io.Writer.
func (w *jsonWriter) Close() error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return nil
	}
	w.closed = true
	if !w.lines {
		if w.n == 0 {
			w.open()
		} else {
			w.nl(len(w.wrap))
		}
		w.buf = append(w.buf, ']')
		for i := len(w.wrap) - 1; i >= 0; i-- {
			w.nl(i)
			w.buf = append(w.buf, '}')
		}
		w.buf = append(w.buf, '\n')
	}
	return w.flush()
}

func (w *jsonWriter) object(rec *Record, level int) error {
	if rec == nil || len(rec.Fields) == 0 {
		w.buf = append(w.buf, '{', '}')
		return nil
	}
	w.buf = append(w.buf, '{')
	for i := range rec.Fields {
		f := &rec.Fields[i]
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.nl(level + 1)
		var bad int
		if w.buf, bad = appendJSONString(w.buf, f.Name); bad >= 0 {
			w.errPath = append(w.errPath[:0], f.Name)
			return &DataError{Pos: f.Pos, Msg: "the field name " + notUTF8(f.Name, bad)}
		}
		w.buf = append(w.buf, ':')
		if !w.compact {
			w.buf = append(w.buf, ' ')
		}
		if err := w.value(f.Value, f.Pos, level+1); err != nil {
			w.errPath = append(w.errPath, f.Name)
			return err
		}
	}
	w.nl(level)
	w.buf = append(w.buf, '}')
	return nil
}

func (w *jsonWriter) value(v Value, pos Pos, level int) error {
	switch v.kind {
	case KindNull:
		w.buf = append(w.buf, "null"...)
	case KindBool:
		if v.text == "true" {
			w.buf = append(w.buf, "true"...)
		} else {
			w.buf = append(w.buf, "false"...)
		}
	case KindNumber:
		if !validJSONNumber(v.text) {
			w.errPath = w.errPath[:0]
			msg := Quote(v.text) + " is not a valid JSON number"
			if strings.Contains(v.text, ",") {
				msg += " (JSON numbers use a decimal point and no thousands separators)"
			}
			return &DataError{Pos: pos, Msg: msg}
		}
		w.buf = append(w.buf, v.text...)
	case KindString:
		var bad int
		if w.buf, bad = appendJSONString(w.buf, v.text); bad >= 0 {
			w.errPath = w.errPath[:0]
			return &DataError{Pos: pos, Msg: "the text " + notUTF8(v.text, bad)}
		}
	case KindRecord:
		p := pos
		if v.Record() != nil && !v.Record().Pos.IsZero() {
			p = v.Record().Pos
		}
		if err := w.object(v.Record(), level); err != nil {
			if de := err.(*DataError); de.Pos.IsZero() {
				de.Pos = p
			}
			return err
		}
	case KindList:
		if len(v.List()) == 0 {
			w.buf = append(w.buf, '[', ']')
			return nil
		}
		w.buf = append(w.buf, '[')
		for i, e := range v.List() {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.nl(level + 1)
			if err := w.value(e, pos, level+1); err != nil {
				w.errPath = append(w.errPath, "["+strconv.Itoa(i)+"]")
				return err
			}
		}
		w.nl(level)
		w.buf = append(w.buf, ']')
	default:
		w.errPath = w.errPath[:0]
		return &DataError{Pos: pos, Msg: "a value of unknown kind " + v.kind.String()}
	}
	return nil
}

func notUTF8(s string, i int) string {
	return fmt.Sprintf("%s is not valid UTF-8 (byte 0x%02X) and cannot be written as JSON", Quote(s), s[i])
}

const jsonHex = "0123456789abcdef"

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, U+2028 and U+2029 as \u2028 and \u2029, all
// else as it is (no HTML escaping). It returns the index of the first byte
// that is not UTF-8, or -1.
func appendJSONString(b []byte, s string) ([]byte, int) {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if jsonPlain[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', jsonHex[c>>4], jsonHex[c&0xf])
			}
			i++
			start = i
			continue
		}
		rn, size := utf8.DecodeRuneInString(s[i:])
		if rn == utf8.RuneError && size == 1 {
			return b, i
		}
		if rn == '\u2028' || rn == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', jsonHex[rn&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"'), -1
}

// Interface guards.
var (
	_ Reader = (*jsonReader)(nil)
	_ Writer = (*jsonWriter)(nil)
)
