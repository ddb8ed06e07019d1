// TXT reading and writing: fixed-width or delimited text.
//
// With Columns set, every line is one record cut into columns by character
// position (characters, not bytes: "ü" is one). The reader skips blank lines
// and, with Header, the first non-blank line; it strips the pad characters on
// the padding side, treats a short line as ending in blanks, and reports text
// outside the columns (between them or beyond the layout) instead of
// dropping it. The writer pads every value to its column, fills gaps with
// spaces, and refuses a value that does not fit rather than cutting it.
//
// With a Delimiter instead of Columns, a TXT file is a CSV file with that
// delimiter (see CSVOptions), with a header row only when Header is set.
package formats

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// TXTOptions configures the txt reader and writer. Set either Columns
// (fixed width) or Delimiter (delimited text), not both.
type TXTOptions struct {
	// Columns is the fixed-width layout, in the order the fields have in a
	// record. Columns may leave gaps but must not overlap.
	Columns []TXTColumn `json:"columns,omitempty" yaml:"columns,omitempty"`
	// Header says the file has one header line: the reader skips the first
	// non-blank line, the writer writes the column names, each cut or padded
	// with spaces to its column. In delimited mode it is the CSV header row.
	// Default false.
	Header bool `json:"header,omitempty" yaml:"header,omitempty"`
	// LineEnding is the writer's line end: "crlf" (default) or "lf". The
	// reader accepts both.
	LineEnding string `json:"line_ending,omitempty" yaml:"line_ending,omitempty"`
	// Trim (default true) strips, on reading, the pad characters on the
	// padding side of each value (trailing for left-aligned columns, leading
	// for right-aligned ones); a value of only spaces becomes empty. For a
	// right-aligned column padded with "0", leading spaces go too, a sign
	// stays in front, and one zero is kept before a non-digit or the end:
	// "-0012,50" → "-12,50", "00000" → "0", "0000,50" → "0,50". With Trim
	// false every value is returned with exactly its column's width (a short
	// line counts as ending in spaces).
	Trim *bool `json:"trim,omitempty" yaml:"trim,omitempty"`
	// Delimiter, when set and Columns is empty, makes the file delimited
	// text: it is read and written by the CSV reader and writer with this
	// delimiter, quoting per the CSV options' Quote, Header as above, and
	// field names f1, f2, … when there is no header.
	Delimiter string `json:"delimiter,omitempty" yaml:"delimiter,omitempty"`
}

// TXTColumn is one column of a fixed-width layout.
type TXTColumn struct {
	// Name is the field name.
	Name string `json:"name,omitempty" yaml:"name,omitempty"`
	// Start is the 1-based character position of the column's first character.
	Start int `json:"start,omitempty" yaml:"start,omitempty"`
	// Width is the column's width in characters.
	Width int `json:"width,omitempty" yaml:"width,omitempty"`
	// Align is "left" (default: value first, then padding) or "right"
	// (padding first, as for numbers).
	Align string `json:"align,omitempty" yaml:"align,omitempty"`
	// Pad is the padding character, one character; default " ". With "0"
	// and right alignment the column holds zero-padded numbers: the writer
	// puts a sign before the zeros ("-0012,50") and pads a value that does
	// not start with a digit (or is empty) with spaces instead.
	Pad string `json:"pad,omitempty" yaml:"pad,omitempty"`
}

// TXTFormat returns the registry entry for txt: name "txt", extensions .txt
// and .dat, text input (the charset layer hands the reader UTF-8).
func TXTFormat() Format {
	return Format{
		Name:       "txt",
		Extensions: []string{".txt", ".dat"},
		NewReader:  newTXTReader,
		NewWriter:  newTXTWriter,
	}
}

// maxLayoutWidth caps a layout so that a typo cannot make lines of a
// billion characters.
const maxLayoutWidth = 1 << 20

type txtCol struct {
	name       string
	start, end int // characters [start, end), 0-based
	right      bool
	pad        rune
	padStr     string
	zero       bool   // right-aligned and padded with "0"
	blank      string // width spaces
}

type txtGap struct {
	start, end    int // characters [start, end), 0-based
	before, after string
}

type txtLayout struct {
	cols   []txtCol // in the configured order
	order  []int    // column indexes by start
	gaps   []txtGap
	end    int // character after the last column
	index  map[string]int
	header bool
	crlf   bool
	trim   bool
}

// txtMode checks which mode the options select; for delimited text it
// returns the CSV options to use.
func txtMode(opt Options) (delimited bool, c CSVOptions, err error) {
	t := opt.TXT
	switch {
	case len(t.Columns) > 0 && t.Delimiter != "":
		return false, c, errors.New("txt options: set either columns (fixed-width layout) or a delimiter, not both")
	case len(t.Columns) > 0:
		return false, c, nil
	case t.Delimiter == "":
		return false, c, errors.New("txt needs columns (fixed-width layout) or a delimiter")
	}
	h := t.Header
	return true, CSVOptions{Delimiter: t.Delimiter, Quote: opt.CSV.Quote, Header: &h,
		LineEnding: t.LineEnding, ExcelSafe: opt.CSV.ExcelSafe}, nil
}

func (t TXTOptions) layout() (*txtLayout, error) {
	lay := &txtLayout{header: t.Header, trim: t.Trim == nil || *t.Trim, index: make(map[string]int, len(t.Columns))}
	var err error
	if lay.crlf, err = parseLineEnding("txt", t.LineEnding); err != nil {
		return nil, err
	}
	for i, c := range t.Columns {
		if strings.TrimSpace(c.Name) == "" {
			return nil, fmt.Errorf("txt options: column %d has no name", i+1)
		}
		if j, ok := lay.index[c.Name]; ok {
			return nil, fmt.Errorf("txt options: columns %d and %d are both named %q", j+1, i+1, c.Name)
		}
		lay.index[c.Name] = i
		if c.Start < 1 || c.Start > maxLayoutWidth {
			return nil, fmt.Errorf("txt options: column %q starts at %d – character positions start at 1", c.Name, c.Start)
		}
		if c.Width < 1 || c.Width > maxLayoutWidth-c.Start+1 {
			return nil, fmt.Errorf("txt options: column %q has width %d – a column is at least 1 character wide (and at most %d)", c.Name, c.Width, maxLayoutWidth)
		}
		col := txtCol{name: c.Name, start: c.Start - 1, end: c.Start - 1 + c.Width, pad: ' ', padStr: " ", blank: strings.Repeat(" ", c.Width)}
		switch strings.ToLower(c.Align) {
		case "", "left":
		case "right":
			col.right = true
		default:
			return nil, fmt.Errorf(`txt options: column %q: align %q is not supported: use "left" or "right"`, c.Name, c.Align)
		}
		if c.Pad != "" {
			r, n := utf8.DecodeRuneInString(c.Pad)
			if n != len(c.Pad) || r == utf8.RuneError || r == '\r' || r == '\n' {
				return nil, fmt.Errorf("txt options: column %q: pad %q must be one character", c.Name, c.Pad)
			}
			col.pad, col.padStr = r, c.Pad
		}
		col.zero = col.right && col.pad == '0'
		lay.cols = append(lay.cols, col)
		lay.order = append(lay.order, i)
	}
	sort.SliceStable(lay.order, func(a, b int) bool { return lay.cols[lay.order[a]].start < lay.cols[lay.order[b]].start })
	pos, before := 0, ""
	for k, i := range lay.order {
		c := lay.cols[i]
		if k > 0 && c.start < pos {
			p := lay.cols[lay.order[k-1]]
			return nil, fmt.Errorf("txt options: columns %q (characters %d–%d) and %q (characters %d–%d) overlap",
				p.name, p.start+1, p.end, c.name, c.start+1, c.end)
		}
		if c.start > pos {
			lay.gaps = append(lay.gaps, txtGap{start: pos, end: c.start, before: before, after: c.name})
		}
		pos, before = c.end, c.name
	}
	lay.end = pos
	return lay, nil
}

func newTXTReader(r io.Reader, source string, opt Options) (Reader, error) {
	delimited, copt, err := txtMode(opt)
	if err != nil {
		return nil, err
	}
	if delimited {
		cr, err := newCSVReader(r, source, copt, "txt")
		if err != nil {
			return nil, err
		}
		return cr, nil
	}
	lay, err := opt.TXT.layout()
	if err != nil {
		return nil, err
	}
	return &txtReader{src: countingReader{r: r}, source: source, lay: lay}, nil
}

// txtReader reads fixed-width records.
type txtReader struct {
	src     countingReader
	lr      lineReader
	source  string
	lay     *txtLayout
	started bool
	skipped bool // header line skipped
	index   int
	err     error
	offs    []int // byte offset of each character of the current line
	slab    recordSlab
}

// Recycle implements Recycler.
func (r *txtReader) Recycle(recs []*Record) { r.slab.recycle(recs) }

// Read returns the next record.
func (r *txtReader) Read() (*Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	if !r.started {
		r.started = true
		br := bufio.NewReaderSize(&r.src, csvBufSize)
		if _, err := dropBOM(br); err != nil {
			r.err = r.inputError(err)
			return nil, r.err
		}
		r.lr = lineReader{br: br, max: maxRecordBytes}
	}
	for {
		b, err := r.lr.next()
		if err != nil {
			switch {
			case err == io.EOF:
				r.err = io.EOF
			case err == errRecordTooLong:
				r.err = &DataError{File: r.source, Pos: Pos{Line: r.lr.line + 1}, Err: err,
					Msg: fmt.Sprintf("a line longer than %s – is this really a text file?", sizeText(maxRecordBytes))}
			default:
				r.err = r.inputError(err)
			}
			return nil, r.err
		}
		if blankLine(b) {
			continue
		}
		if r.lay.header && !r.skipped {
			r.skipped = true
			continue
		}
		r.index++
		return r.parse(b)
	}
}

// blankLine reports whether a line holds nothing but spaces and tabs, or is
// a lone DOS end-of-file mark (Ctrl-Z).
func blankLine(b []byte) bool {
	if len(b) == 1 && b[0] == 0x1A {
		return true
	}
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

func (r *txtReader) inputError(err error) error {
	if de := AsDataError(err); de != nil {
		return de
	}
	return &DataError{File: r.source, Pos: Pos{Line: r.lr.line + 1}, Err: err, Msg: "the file could not be read: " + err.Error()}
}

func (r *txtReader) parse(b []byte) (*Record, error) {
	line, lay := r.lr.line, r.lay
	s := string(b)
	ascii := true
	for _, c := range b {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	n := len(s)
	if !ascii {
		r.offs = r.offs[:0]
		for i := range s {
			r.offs = append(r.offs, i)
		}
		r.offs = append(r.offs, len(s))
		n = len(r.offs) - 1
	}
	off := func(c int) int {
		if ascii {
			return c
		}
		return r.offs[c]
	}
	if n > lay.end {
		extra := s[off(lay.end):]
		if t := strings.TrimRight(extra, " \t"); t != "" {
			lead := len(t) - len(strings.TrimLeft(t, " \t"))
			last := lay.end + utf8.RuneCountInString(t)
			return nil, &DataError{File: r.source, Pos: Pos{Line: line, Col: lay.end + 1 + lead, Index: r.index}, RecordOnly: true,
				Msg: fmt.Sprintf("line %d has %d characters, the layout ends at %d: %s", line, last, lay.end, Quote(t[lead:]))}
		}
	}
	for _, g := range lay.gaps {
		if g.start >= n {
			break
		}
		seg := s[off(g.start):off(min(g.end, n))]
		if t := strings.TrimLeft(seg, " \t"); t != "" {
			at := g.start + utf8.RuneCountInString(seg[:len(seg)-len(t)])
			c, _ := utf8.DecodeRuneInString(t)
			where := fmt.Sprintf("between columns %q and %q", g.before, g.after)
			if g.before == "" {
				where = fmt.Sprintf("before the first column %q", g.after)
			}
			return nil, &DataError{File: r.source, Pos: Pos{Line: line, Col: at + 1, Index: r.index}, RecordOnly: true,
				Msg: fmt.Sprintf("%s at character %d is outside the columns of the layout (%s) – does the layout fit the file?", Quote(string(c)), at+1, where)}
		}
	}
	rec := r.slab.record(len(lay.cols))
	rec.Pos = Pos{Line: line, Col: 1, Index: r.index}
	for i := range lay.cols {
		c := &lay.cols[i]
		var v string
		switch {
		case c.start >= n:
			if !lay.trim {
				v = c.blank
			}
		case c.end > n:
			v = s[off(c.start):]
			if !lay.trim {
				v += c.blank[:c.end-n]
			}
		default:
			v = s[off(c.start):off(c.end)]
		}
		if lay.trim {
			v = c.trim(v)
		}
		f := &rec.Fields[i] // set field by field, see csvReader.Read
		f.Name, f.Value.kind, f.Value.text = c.name, KindString, v
		f.Pos.Line, f.Pos.Col = line, c.start+1
	}
	return rec, nil
}

// trim strips the padding of a value read from column c.
func (c *txtCol) trim(v string) string {
	if strings.TrimLeft(v, " ") == "" {
		return ""
	}
	switch {
	case c.zero:
		return trimZeros(v)
	case c.right:
		return strings.TrimLeft(v, c.padStr)
	}
	return strings.TrimRight(v, c.padStr)
}

// trimZeros undoes zero padding: "-0012,50" → "-12,50", "00000" → "0",
// "0000,50" → "0,50"; leading spaces go too.
func trimZeros(v string) string {
	v = strings.TrimLeft(v, " ")
	sign := 0
	if v != "" && (v[0] == '-' || v[0] == '+') {
		sign = 1
	}
	i := sign
	for i < len(v) && v[i] == '0' {
		i++
	}
	if i > sign && (i == len(v) || !isDigit(v[i])) {
		i--
	}
	switch {
	case i == sign:
		return v
	case sign == 0:
		return v[i:]
	}
	return v[:1] + v[i:]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func newTXTWriter(w io.Writer, opt Options) (Writer, error) {
	delimited, copt, err := txtMode(opt)
	if err != nil {
		return nil, err
	}
	if delimited {
		cw, err := newCSVWriter(w, copt, "txt")
		if err != nil {
			return nil, err
		}
		return cw, nil
	}
	lay, err := opt.TXT.layout()
	if err != nil {
		return nil, err
	}
	return &txtWriter{out: bufio.NewWriterSize(w, csvBufSize), lay: lay, vals: make([]string, len(lay.cols)), stamp: make([]int, len(lay.cols))}, nil
}

// txtWriter writes fixed-width records.
type txtWriter struct {
	out     *bufio.Writer
	lay     *txtLayout
	vals    []string
	stamp   []int
	rows    int
	buf     []byte
	started bool
	closed  bool
	wrote   bool
	err     error
}

// Write writes one record (after Flatten) as one line.
func (w *txtWriter) Write(rec *Record) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("txt: Write after Close")
	}
	if rec == nil {
		return errors.New("txt: Write(nil)")
	}
	rec = Flatten(rec)
	if !w.started {
		w.started = true
		if w.lay.header {
			if err := w.writeHeader(); err != nil {
				w.err = err
				return err
			}
		}
	}
	if err := w.arrange(rec); err != nil {
		w.err = err
		return err
	}
	if err := w.writeLine(rec); err != nil {
		w.err = err
		return err
	}
	return nil
}

func (w *txtWriter) arrange(rec *Record) error {
	w.rows++
	fs, cols := rec.Fields, w.lay.cols
	if len(fs) == len(cols) {
		same := true
		for i := range fs {
			if fs[i].Name != cols[i].name {
				same = false
				break
			}
		}
		if same {
			for i := range fs {
				w.vals[i] = fs[i].Value.text
			}
			return nil
		}
	}
	for i := range w.vals {
		w.vals[i] = ""
	}
	for _, f := range fs {
		i, ok := w.lay.index[f.Name]
		if !ok {
			return &DataError{Pos: fieldOrRecordPos(f.Pos, rec.Pos), Field: f.Name, Msg: "not a column of the fixed-width layout (" + w.columnList() + ")"}
		}
		if w.stamp[i] == w.rows {
			return &DataError{Pos: fieldOrRecordPos(f.Pos, rec.Pos), Field: f.Name, Msg: "the record has two fields of this name"}
		}
		w.stamp[i] = w.rows
		w.vals[i] = f.Value.text
	}
	return nil
}

func (w *txtWriter) columnList() string {
	var b strings.Builder
	b.WriteString("columns: ")
	for i, c := range w.lay.cols {
		if i == 10 {
			fmt.Fprintf(&b, ", … (%d columns)", len(w.lay.cols))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.name)
	}
	return b.String()
}

// writeLine lays out w.vals and writes the line; nothing is written when a
// value does not fit.
func (w *txtWriter) writeLine(rec *Record) error {
	lay := w.lay
	b, pos := w.buf[:0], 0
	for _, i := range lay.order {
		c := &lay.cols[i]
		for ; pos < c.start; pos++ {
			b = append(b, ' ')
		}
		v := w.vals[i]
		if strings.ContainsAny(v, "\r\n") {
			return w.valueError(rec, c, fmt.Sprintf("%s contains a line break, which a fixed-width line cannot hold", Quote(v)))
		}
		n := utf8.RuneCountInString(v)
		width := c.end - c.start
		if n > width {
			return w.valueError(rec, c, fmt.Sprintf("%s has %d characters; column %q is %d wide", Quote(v), n, c.name, width))
		}
		b = c.pad1(b, v, width-n)
		pos = c.end
	}
	if !w.wrote && len(b) >= 3 && string(b[:3]) == "\uFEFF" {
		return w.valueError(rec, &lay.cols[lay.order[0]], "the line starts with an invisible byte order mark (U+FEFF), which readers drop at the start of a file")
	}
	w.buf = b
	return w.emit(b)
}

// pad1 appends v padded with n pad characters per the column's alignment.
func (c *txtCol) pad1(b []byte, v string, n int) []byte {
	switch {
	case v == "":
		return append(b, c.blank...)
	case c.zero:
		sign := ""
		if len(v) > 1 && (v[0] == '-' || v[0] == '+') && isDigit(v[1]) {
			sign, v = v[:1], v[1:]
		}
		if isDigit(v[0]) {
			b = append(b, sign...)
			b = appendPad(b, '0', n)
		} else {
			b = appendPad(b, ' ', n)
			b = append(b, sign...)
		}
		return append(b, v...)
	case c.right:
		b = appendPad(b, c.pad, n)
		return append(b, v...)
	}
	b = append(b, v...)
	return appendPad(b, c.pad, n)
}

func appendPad(b []byte, r rune, n int) []byte {
	for ; n > 0; n-- {
		b = utf8.AppendRune(b, r)
	}
	return b
}

func (w *txtWriter) valueError(rec *Record, c *txtCol, msg string) error {
	pos := rec.Pos
	if f := rec.Field(c.name); f != nil {
		pos = fieldOrRecordPos(f.Pos, rec.Pos)
	}
	return &DataError{Pos: pos, Field: c.name, Msg: msg}
}

func (w *txtWriter) writeHeader() error {
	b, pos := w.buf[:0], 0
	for _, i := range w.lay.order {
		c := &w.lay.cols[i]
		for ; pos < c.start; pos++ {
			b = append(b, ' ')
		}
		name, width := c.name, c.end-c.start
		if n := utf8.RuneCountInString(name); n > width {
			rs := []rune(name)
			name = string(rs[:width])
		}
		n := width - utf8.RuneCountInString(name)
		if c.right {
			b = appendPad(b, ' ', n)
			b = append(b, name...)
		} else {
			b = append(b, name...)
			b = appendPad(b, ' ', n)
		}
		pos = c.end
	}
	w.buf = b
	return w.emit(b)
}

func (w *txtWriter) emit(b []byte) error {
	w.wrote = true
	if _, err := w.out.Write(b); err != nil {
		return err
	}
	var err error
	if w.lay.crlf {
		_, err = w.out.WriteString("\r\n")
	} else {
		err = w.out.WriteByte('\n')
	}
	return err
}

// Close flushes. With Header set and no record written, it writes the
// header line alone. It does not close the underlying io.Writer.
func (w *txtWriter) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err == nil && !w.started && w.lay.header {
		w.started = true
		w.err = w.writeHeader()
	}
	if err := w.out.Flush(); err != nil && w.err == nil {
		w.err = err
	}
	return w.err
}
