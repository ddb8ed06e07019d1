// CSV reading and writing.
//
// The reader streams delimited text one record at a time with its own
// parser, which follows Go's encoding/csv (RFC 4180) in everything but bare
// quotes:
//
//   - Records end with LF or CRLF, also mixed in one file; empty lines are
//     skipped; a leading byte order mark is dropped; a CR right before the
//     end of the file is dropped.
//   - A field that starts with '"' is quoted: it may hold delimiters and
//     line breaks, "" stands for one quote, a line break is read as "\n"
//     (CRLF or LF alike) and a lone CR is kept. The closing quote must be
//     followed by the delimiter or the end of the line; anything else is an
//     error for that record, which is skipped. A quote never closed is a
//     final error at the end of the file, or when the record grows past
//     16 MiB.
//   - Any other field is unquoted and ends at the next delimiter or the end
//     of the line. A quote in it is data, as Excel and LibreOffice read it
//     (Monitor 24" Full HD, 37°36'37.8"N); encoding/csv rejects such a
//     "bare quote". This includes a field that starts with a space and then
//     a quote (` "x"`): as with encoding/csv it is unquoted, keeps space and
//     quotes, and a delimiter in it splits it.
//   - Positions are encoding/csv's: a record's line is the one it starts
//     on, a field's line and 1-based byte column those of its first byte
//     (the opening quote of a quoted field), also after multi-line fields.
//
// With Quote "none" quote characters are ordinary data and every line is
// split at the delimiters. The delimiter is sniffed from the first line
// unless it is configured. Field names come from the header row, from the
// configured Columns, or are f1, f2, …; every record must have as many
// fields as there are names, and a record that does not is reported in
// words (which field probably holds an unquoted delimiter) and skipped,
// never shifted.
//
// The writer spreads nested values with Flatten, writes a header row from
// the configured Columns or from the first record, and then every record in
// that column order (a missing field gives an empty cell, a field that is
// not a column is an error). Without records it writes nothing at all, or
// only the header row when Columns are configured. Quoting is byte for byte
// what encoding/csv.Writer does (so a value with a quote is always quoted
// and reads back unchanged), with three deliberate exceptions, all for
// values encoding/csv would lose on the way back: a lone CR inside a value
// is kept (encoding/csv drops it in CRLF mode), a record of one empty value
// is written as "" (an empty line would be skipped when reading), and a
// first value of the file that starts with U+FEFF is quoted (a reader would
// take it for a byte order mark).
package formats

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CSVOptions configures the csv reader and writer. The zero value reads with
// a sniffed delimiter, '"' quoting and a header row, and writes ';'-separated
// text with a header row and CRLF line ends.
type CSVOptions struct {
	// Delimiter is the field separator, one character; "\t" (or the words
	// `\t` and "tab") means TAB. Empty: the reader sniffs the first line and
	// takes the most frequent of ';' ',' TAB '|' outside quotes (ties in that
	// order, ',' if none occurs); the writer uses ';', as German Excel and
	// the Sage and Smartstore importers do.
	Delimiter string `json:"delimiter,omitempty" yaml:"delimiter,omitempty"`
	// Quote is `"` (the default, also when empty) or "none". With "none"
	// nothing is quoted: quote characters are ordinary data and no value may
	// contain the delimiter or a line break (the writer refuses such values).
	Quote string `json:"quote,omitempty" yaml:"quote,omitempty"`
	// Header tells whether the first row holds the column names (default
	// true). Without a header, fields are named from Columns, or f1, f2, …
	Header *bool `json:"header,omitempty" yaml:"header,omitempty"`
	// Columns are field names. Reader: they name the fields instead of the
	// header row (which, when Header is on, is still read, must have as many
	// fields, and is otherwise ignored). Writer: the columns and their order;
	// without Columns they come from the first record.
	Columns []string `json:"columns,omitempty" yaml:"columns,omitempty"`
	// LineEnding is the writer's line end: "crlf" (default) or "lf". The
	// reader accepts both, even mixed in one file.
	LineEnding string `json:"line_ending,omitempty" yaml:"line_ending,omitempty"`
	// ExcelSafe (writer) neutralises formula injection: a cell that starts
	// with '=', '+', '-', '@', TAB or CR gets a leading apostrophe, so Excel
	// shows it as text instead of running it. Plain numbers are left alone:
	// an optional sign, then digits in groups separated by '.' or ','
	// ("-12,50", "-1.234,56", "+3.5").
	ExcelSafe bool `json:"excel_safe,omitempty" yaml:"excel_safe,omitempty"`
}

// CSVFormat returns the registry entry for csv: name "csv", extension .csv,
// text input (the charset layer hands the reader UTF-8).
func CSVFormat() Format {
	return Format{
		Name:       "csv",
		Extensions: []string{".csv"},
		NewReader: func(r io.Reader, source string, opt Options) (Reader, error) {
			cr, err := newCSVReader(r, source, opt.CSV, "csv")
			if err != nil {
				return nil, err
			}
			return cr, nil
		},
		NewWriter: func(w io.Writer, opt Options) (Writer, error) {
			cw, err := newCSVWriter(w, opt.CSV, "csv")
			if err != nil {
				return nil, err
			}
			return cw, nil
		},
	}
}

const (
	// csvBufSize is the read and write buffer size.
	csvBufSize = 64 << 10
	// maxRecordBytes caps one record (or one line) so that a quote that is
	// never closed cannot pull a whole file into memory.
	maxRecordBytes = 16 << 20
)

// errRecordTooLong is returned by the input wrappers when one record grows
// beyond the cap; readers turn it into a DataError.
var errRecordTooLong = errors.New("record too long")

// csvConfig is CSVOptions checked and resolved.
type csvConfig struct {
	comma     rune // 0: sniff (reader only)
	quote     bool
	header    bool
	columns   []string
	crlf      bool
	excelSafe bool
}

func (o CSVOptions) config(what string) (csvConfig, error) {
	c := csvConfig{quote: true, header: true, crlf: true, excelSafe: o.ExcelSafe}
	var err error
	if c.comma, err = parseDelimiter(what, o.Delimiter); err != nil {
		return c, err
	}
	switch o.Quote {
	case "", `"`:
	case "none", "None", "NONE":
		c.quote = false
	default:
		return c, fmt.Errorf(`%s options: quote %q is not supported: use "\"" (the default) or "none"`, what, o.Quote)
	}
	if o.Header != nil {
		c.header = *o.Header
	}
	if c.crlf, err = parseLineEnding(what, o.LineEnding); err != nil {
		return c, err
	}
	if err := checkColumnNames(what, o.Columns); err != nil {
		return c, err
	}
	c.columns = o.Columns
	return c, nil
}

// parseDelimiter checks a configured delimiter; "" gives 0.
func parseDelimiter(what, d string) (rune, error) {
	switch d {
	case "":
		return 0, nil
	case `\t`, "tab", "TAB", "Tab":
		return '\t', nil
	}
	r, n := utf8.DecodeRuneInString(d)
	if n != len(d) || r == utf8.RuneError {
		return 0, fmt.Errorf(`%s options: delimiter %q must be exactly one character, e.g. ";", "," or "\t"`, what, d)
	}
	switch r {
	case '"', '\r', '\n', 0, '\uFEFF':
		return 0, fmt.Errorf(`%s options: %q cannot be the delimiter; use e.g. ";", "," or "\t"`, what, d)
	}
	return r, nil
}

// parseLineEnding checks a configured line ending and reports whether it is CRLF.
func parseLineEnding(what, le string) (bool, error) {
	switch strings.ToLower(le) {
	case "", "crlf", "\r\n":
		return true, nil
	case "lf", "\n":
		return false, nil
	}
	return false, fmt.Errorf(`%s options: line ending %q is not supported: use "crlf" (the default) or "lf"`, what, le)
}

func checkColumnNames(what string, cols []string) error {
	seen := make(map[string]int, len(cols))
	for i, c := range cols {
		if c == "" {
			return fmt.Errorf("%s options: column %d has no name", what, i+1)
		}
		if j, ok := seen[c]; ok {
			return fmt.Errorf("%s options: columns %d and %d are both named %q", what, j+1, i+1, c)
		}
		seen[c] = i
	}
	return nil
}

// delimName renders a delimiter for messages: ";" or "tab".
func delimName(r rune) string {
	if r == '\t' {
		return "tab"
	}
	return strconv.Quote(string(r))
}

// sizeText renders a byte count for messages: "100 MiB", "1 GiB",
// "5000 bytes".
func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + " GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// countingReader sits between the input and the bufio.Reader. It counts the
// bytes handed on (for the empty-file message) and remembers the input's
// first error (io.EOF included), so the input is never read past it even
// though bufio.Reader forgets an error once it has returned it.
type countingReader struct {
	r   io.Reader
	n   int64 // bytes handed on
	err error // first error of r, returned from then on
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil {
		c.err = err
	}
	return n, err
}

// lineReader reads physical lines (LF or CRLF) from a bufio.Reader, with a
// cap on the line length.
type lineReader struct {
	br   *bufio.Reader
	buf  []byte
	max  int
	line int // number of the line last returned
}

// next returns the next line without its line end. At the end it returns
// io.EOF; other errors come from the input or are errRecordTooLong.
func (lr *lineReader) next() ([]byte, error) {
	if cap(lr.buf) > 1<<20 {
		lr.buf = nil // a huge line does not pin its buffer for the rest of the file
	}
	b, _, err := readLine(lr.br, &lr.buf, 0, lr.max)
	if err != nil {
		return nil, err
	}
	lr.line++
	return b, nil
}

// readLine returns the next physical line of br without its line end
// ("\n", "\r\n", or a lone "\r" at the very end of the input, which
// encoding/csv drops too) and whether it ended with '\n'. A line longer
// than br's buffer is gathered in *lbuf. used is what the caller's record
// holds already: used plus the line may not pass max. Errors: io.EOF at the
// end, errRecordTooLong (with the part read so far), or the input's error.
func readLine(br *bufio.Reader, lbuf *[]byte, used, max int) ([]byte, bool, error) {
	b, err := br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		*lbuf = append((*lbuf)[:0], b...)
		for err == bufio.ErrBufferFull {
			if used+len(*lbuf) > max {
				return *lbuf, false, errRecordTooLong
			}
			b, err = br.ReadSlice('\n')
			*lbuf = append(*lbuf, b...)
		}
		b = *lbuf
	}
	if err != nil && err != io.EOF {
		return nil, false, err
	}
	n := len(b)
	if n == 0 {
		return nil, false, io.EOF
	}
	if used+n > max {
		return b, false, errRecordTooLong
	}
	nl := b[n-1] == '\n'
	if nl {
		n--
		if n > 0 && b[n-1] == '\r' {
			n--
		}
	} else if b[n-1] == '\r' {
		n--
	}
	return b[:n], nl, nil
}

// dropBOM discards a leading UTF-8 byte order mark and reports how many
// bytes it dropped.
func dropBOM(br *bufio.Reader) (int, error) {
	b, err := br.Peek(3)
	if len(b) == 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		_, _ = br.Discard(3)
		return 3, nil
	}
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return 0, err
	}
	return 0, nil
}

// scanAhead peeks at growing prefixes of the buffered input and calls scan
// on each new part until scan reports it is done, the input ends, or the
// buffer is full.
func scanAhead(br *bufio.Reader, scan func(b []byte) bool) error {
	n, done := 512, 0
	for {
		if n > br.Size() {
			n = br.Size()
		}
		b, err := br.Peek(n)
		if len(b) > done {
			if scan(b[done:]) {
				return nil
			}
			done = len(b)
		}
		if err == io.EOF || err == bufio.ErrBufferFull || n == br.Size() {
			return nil
		}
		if err != nil {
			return err
		}
		n *= 2
	}
}

// csvReader reads CSV records. It parses the input itself (see the file
// comment for the rules) from a bufio.Reader, line by line with ReadSlice:
// a record on one line with nothing to unescape becomes one string, the
// line, and its values are substrings of it; any other record is unescaped
// into a reused buffer, which then becomes the one string. Either way all
// values of a record share one string, as with encoding/csv, and Read fills
// the record's fields straight from the offsets of the values.
type csvReader struct {
	src       countingReader
	br        *bufio.Reader
	source    string
	cfg       csvConfig
	comma     rune
	delim     string // comma encoded as UTF-8
	quote     bool   // '"' opens a quoted field (false with quote "none")
	names     []string
	want      int    // fields per record; 0 = as many as the first record
	wantWhat  string // "the header has %d", … for the field-count message
	index     int    // number of the current data record
	line      int    // physical lines read so far
	bomLen    int64
	maxRecord int
	started   bool
	err       error // final error, returned by every later Read

	lbuf []byte     // a line longer than the read buffer
	buf  []byte     // unescaped text of a record with quoted fields
	str  string     // the text of the row just read
	row  []rowField // its fields
	slab recordSlab
}

// rowField is a field of the row just read: its value is str[start:end];
// line and col (1-based, in bytes) are where it starts, for a quoted field
// the position of its opening quote.
type rowField struct{ start, end, line, col int }

// recordSlab hands out records and field slices carved from larger blocks:
// one allocation for many records instead of two per record. Every record
// is still its own value (its Fields have no spare capacity, so appending
// to them copies); a record kept by the caller keeps its block alive, which
// bounds the cost at one block per kept record. Records handed back with
// recycle are handed out again (cleared) before new memory is taken.
type recordSlab struct {
	recs   []Record
	fields []Field
	free   []*Record
}

const (
	slabRecords = 64
	slabFields  = 512
	// slabFree bounds the records waiting for reuse.
	slabFree = 1024
)

// record returns a cleared record with n fields.
func (s *recordSlab) record(n int) *Record {
	for len(s.free) > 0 {
		rec := s.free[len(s.free)-1]
		s.free = s.free[:len(s.free)-1]
		if cap(rec.Fields) < n {
			continue // from a shorter record: let it go
		}
		rec.Fields = rec.Fields[:n:n]
		clear(rec.Fields)
		rec.Pos = Pos{}
		return rec
	}
	if len(s.recs) == 0 {
		s.recs = make([]Record, slabRecords)
	}
	rec := &s.recs[0]
	s.recs = s.recs[1:]
	if n > slabFields/4 {
		rec.Fields = make([]Field, n)
		return rec
	}
	if len(s.fields) < n {
		s.fields = make([]Field, slabFields)
	}
	rec.Fields = s.fields[:n:n]
	s.fields = s.fields[n:]
	return rec
}

// recycle takes back records for reuse (see Recycler).
func (s *recordSlab) recycle(recs []*Record) {
	for _, r := range recs {
		if len(s.free) == slabFree {
			return
		}
		if r != nil {
			s.free = append(s.free, r)
		}
	}
}

// Recycle implements Recycler.
func (r *csvReader) Recycle(recs []*Record) { r.slab.recycle(recs) }

// newCSVReader makes a reader; what names the options section in errors.
func newCSVReader(r io.Reader, source string, opt CSVOptions, what string) (*csvReader, error) {
	cfg, err := opt.config(what)
	if err != nil {
		return nil, err
	}
	return &csvReader{src: countingReader{r: r}, source: source, cfg: cfg, maxRecord: maxRecordBytes}, nil
}

func (r *csvReader) start() error {
	r.started = true
	r.br = bufio.NewReaderSize(&r.src, csvBufSize)
	n, err := dropBOM(r.br)
	if err != nil {
		return r.inputError(err)
	}
	r.bomLen = int64(n)
	if r.cfg.header {
		blank := true
		err := scanAhead(r.br, func(b []byte) bool {
			for _, c := range b {
				if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
					blank = false
					return true
				}
			}
			return false
		})
		if err != nil {
			return r.inputError(err)
		}
		if blank && r.src.err == io.EOF {
			return r.emptyError()
		}
	}
	r.comma = r.cfg.comma
	if r.comma == 0 {
		if r.comma, err = r.sniff(); err != nil {
			return r.inputError(err)
		}
	}
	r.delim = string(r.comma)
	r.quote = r.cfg.quote
	switch {
	case r.cfg.header:
		return r.readHeader()
	case len(r.cfg.columns) > 0:
		r.names, r.want, r.wantWhat = r.cfg.columns, len(r.cfg.columns), "but %d columns are configured"
	default:
		r.wantWhat = "the first record has %d"
	}
	return nil
}

func (r *csvReader) emptyError() error {
	msg := "the file is empty (0 bytes)"
	switch {
	case r.src.n == r.bomLen && r.bomLen > 0:
		msg = "the file is empty (only a byte order mark)"
	case r.src.n > 0:
		msg = fmt.Sprintf("the file is empty (%d bytes, only blanks and line breaks)", r.src.n)
	}
	return &DataError{File: r.source, Msg: msg + " – expected at least a header row"}
}

// sniff picks the delimiter from the first line.
func (r *csvReader) sniff() (rune, error) {
	const cands = ";,\t|"
	var counts [len(cands)]int
	inQuote := false
	err := scanAhead(r.br, func(b []byte) bool {
		for _, c := range b {
			switch c {
			case '"':
				if r.cfg.quote {
					inQuote = !inQuote
				}
			case '\n':
				if !inQuote {
					return true
				}
			case ';', ',', '\t', '|':
				if !inQuote {
					counts[strings.IndexByte(cands, c)]++
				}
			}
		}
		return false
	})
	best := 1 // ','
	for i := range cands {
		if counts[i] > counts[best] || (counts[i] == counts[best] && counts[i] > 0 && i < best) {
			best = i
		}
	}
	return rune(cands[best]), err
}

func (r *csvReader) readHeader() error {
	line, err := r.readRow(false)
	if err == io.EOF {
		return r.emptyError()
	}
	if err != nil {
		if de := AsDataError(err); de != nil && de.RecordOnly {
			c := *de
			c.RecordOnly = false
			c.Msg = "header row: " + c.Msg
			return &c
		}
		return err
	}
	vals := r.values()
	if len(r.cfg.columns) > 0 {
		// the configured names replace the header's, which only must fit
		if len(vals) != len(r.cfg.columns) {
			return &DataError{File: r.source, Pos: Pos{Line: line}, Msg: fmt.Sprintf(
				"the header has %d fields, but %d columns are configured", len(vals), len(r.cfg.columns))}
		}
		r.names, r.want, r.wantWhat = r.cfg.columns, len(r.cfg.columns), "the header has %d"
		return nil
	}
	names := make([]string, len(vals))
	made := make([]bool, len(vals))
	seen := make(map[string]int, len(vals))
	for i, v := range vals {
		if v == "" {
			v, made[i] = "f"+strconv.Itoa(i+1), true
		}
		if j, ok := seen[v]; ok {
			msg := fmt.Sprintf("columns %d and %d of the header have the same name – every column needs a name of its own", j+1, i+1)
			if made[i] || made[j] {
				msg += " (a column without a name is called f<column number>)"
			}
			return &DataError{File: r.source, Pos: Pos{Line: r.row[i].line, Col: r.row[i].col}, Field: v, Msg: msg}
		}
		seen[v] = i
		names[i] = v
	}
	r.names, r.want, r.wantWhat = names, len(names), "the header has %d"
	return nil
}

// Read returns the next record.
func (r *csvReader) Read() (*Record, error) {
	if r.err != nil {
		return nil, r.err
	}
	if !r.started {
		if err := r.start(); err != nil {
			r.err = err
			return nil, err
		}
	}
	line, err := r.readRow(true)
	if err != nil {
		if !RecordOnly(err) {
			r.err = err
		}
		return nil, err
	}
	n := len(r.row)
	if r.want == 0 {
		r.want = n
		for i := len(r.names); i < n; i++ {
			r.names = append(r.names, "f"+strconv.Itoa(i+1))
		}
	}
	if n != r.want {
		return nil, r.countError(r.values(), line)
	}
	rec := r.slab.record(n)
	// Positions and fields are set member by member rather than as whole
	// structs: the new memory is zeroed already, and copying whole structs
	// would also write (with write barriers) the pointers that stay nil.
	rec.Pos.Line, rec.Pos.Col, rec.Pos.Index = line, 1, r.index
	fs, names, row, s := rec.Fields, r.names[:n], r.row[:n], r.str
	for i := range fs {
		f, rf := &fs[i], &row[i]
		f.Name = names[i]
		f.Value.kind, f.Value.text = KindString, s[rf.start:rf.end]
		f.Pos.Line, f.Pos.Col = rf.line, rf.col
	}
	return rec, nil
}

// readLine returns the next physical line (see readLine) and counts it.
// used is what the record holds already, for the cap.
func (r *csvReader) readLine(used int) ([]byte, bool, error) {
	b, nl, err := readLine(r.br, &r.lbuf, used, r.maxRecord)
	if err == nil {
		r.line++
	}
	return b, nl, err
}

// readRow reads the next row into r.str and r.row, skipping empty lines,
// and returns the line it starts on; data tells a data record (counted in
// Index) from the header. Errors are DataErrors (RecordOnly for a bad
// record) or io.EOF.
func (r *csvReader) readRow(data bool) (int, error) {
	if cap(r.lbuf) > 1<<20 {
		r.lbuf = nil // a huge line does not pin its buffer for the rest of the file
	}
	var line []byte
	var nl bool
	for {
		var err error
		line, nl, err = r.readLine(0)
		if err != nil {
			if err == io.EOF {
				return 0, err
			}
			return 0, r.lineError(err, r.line+1, bytes.IndexByte(line, '"') >= 0)
		}
		if len(line) > 0 {
			break
		}
	}
	if data {
		r.index++
	}
	start := r.line
	if r.quote {
		switch {
		case len(r.delim) == 1 && r.splitQuoted(line, start):
			return start, nil
		case len(r.delim) == 1 || bytes.IndexByte(line, '"') >= 0:
			return start, r.parseQuoted(line, nl, start)
		}
	}
	r.split(line, start)
	return start, nil
}

// values returns the values of the row just read (for the header and for
// messages; Read takes them from r.str and r.row without this slice).
func (r *csvReader) values() []string {
	vals := make([]string, len(r.row))
	for i, f := range r.row {
		vals[i] = r.str[f.start:f.end]
	}
	return vals
}

// split cuts a line without quote characters (or any line with quote
// "none") at the delimiters.
func (r *csvReader) split(line []byte, lineNo int) {
	row := r.row[:0]
	start := 0
	if len(r.delim) == 1 {
		d := r.delim[0]
		for i, c := range line {
			if c == d {
				row = append(row, rowField{start, i, lineNo, start + 1})
				start = i + 1
			}
		}
	} else {
		for {
			i := bytes.Index(line[start:], []byte(r.delim))
			if i < 0 {
				break
			}
			row = append(row, rowField{start, start + i, lineNo, start + 1})
			start += i + len(r.delim)
		}
	}
	r.row = append(row, rowField{start, len(line), lineNo, start + 1})
	r.str = string(line)
}

// splitQuoted is the fast path for a row on one line whose quoted fields
// hold no "" and are each followed by the delimiter or the end of the
// line (single-byte delimiters only): the values are substrings of the
// line. It reports false for every other row, which then goes to
// parseQuoted.
func (r *csvReader) splitQuoted(line []byte, lineNo int) bool {
	d := r.delim[0]
	row := r.row[:0]
	i := 0
	for {
		if i < len(line) && line[i] == '"' {
			j := bytes.IndexByte(line[i+1:], '"')
			if j < 0 {
				return false
			}
			j += i + 1
			row = append(row, rowField{i + 1, j, lineNo, i + 1})
			i = j + 1
			if i == len(line) {
				break
			}
			if line[i] != d {
				return false
			}
			i++
			continue
		}
		j := i
		for j < len(line) && line[j] != d {
			j++
		}
		row = append(row, rowField{i, j, lineNo, i + 1})
		if j == len(line) {
			break
		}
		i = j + 1
	}
	r.row, r.str = row, string(line)
	return true
}

// atDelim reports whether b starts with the delimiter.
func (r *csvReader) atDelim(b []byte) bool {
	if len(r.delim) == 1 {
		return len(b) > 0 && b[0] == r.delim[0]
	}
	return len(b) >= len(r.delim) && string(b[:len(r.delim)]) == r.delim
}

// parseQuoted parses a row that holds a quote character, starting with its
// first line (nl: the line ended with '\n'), reading more lines while a
// quoted field goes on. Only a field that starts with '"' is quoted; a
// quote anywhere else in an unquoted field is data. Inside a quoted field
// "" is a quote, a line break is read as "\n", and the closing quote must
// be followed by the delimiter or the end of the line. Positions and error
// columns are those of encoding/csv. The values are unescaped into r.buf,
// which then becomes the row's one string.
func (r *csvReader) parseQuoted(line []byte, nl bool, recLine int) error {
	buf, row := r.buf[:0], r.row[:0]
	lineNo, col := recLine, 1
	used := len(line) + 1
	var err error
fields:
	for {
		row = append(row, rowField{start: len(buf), line: lineNo, col: col})
		f := &row[len(row)-1]
		if len(line) == 0 || line[0] != '"' {
			// unquoted: up to the next delimiter or the end of the line
			var i int
			if len(r.delim) == 1 {
				i = bytes.IndexByte(line, r.delim[0])
			} else {
				i = bytes.Index(line, []byte(r.delim))
			}
			if i < 0 {
				buf = append(buf, line...)
				f.end = len(buf)
				break fields
			}
			buf = append(buf, line[:i]...)
			f.end = len(buf)
			line = line[i+len(r.delim):]
			col += i + len(r.delim)
			continue
		}
		line = line[1:]
		col++
		for {
			i := bytes.IndexByte(line, '"')
			if i < 0 {
				// the field goes on in the next line
				buf = append(buf, line...)
				col += len(line)
				if nl {
					buf = append(buf, '\n')
					col++
				}
				line, nl, err = r.readLine(used)
				if err == nil && len(line) == 0 && !nl {
					// a lone CR before the end of the input: the end is
					// reported after the previous line, as encoding/csv does
					err = io.EOF
				}
				if err != nil {
					break fields
				}
				used += len(line) + 1
				lineNo, col = r.line, 1
				continue
			}
			buf = append(buf, line[:i]...)
			line = line[i+1:]
			col += i + 1
			switch {
			case len(line) > 0 && line[0] == '"':
				buf = append(buf, '"')
				line = line[1:]
				col++
			case r.atDelim(line):
				f.end = len(buf)
				line = line[len(r.delim):]
				col += len(r.delim)
				continue fields
			case len(line) == 0:
				f.end = len(buf)
				break fields
			default:
				msg := `text after the closing quote of a quoted field – a quote inside a quoted field must be doubled ("")`
				if lineNo != recLine {
					msg += fmt.Sprintf(" (the record starts at line %d)", recLine)
				}
				err = &DataError{File: r.source, Pos: Pos{Line: lineNo, Col: col - 1, Index: r.index},
					Field: r.fieldName(len(row) - 1), Msg: msg, RecordOnly: true}
				break fields
			}
		}
	}
	if err == nil {
		r.row, r.str = row, string(buf)
	} else {
		r.row, r.str = row[:0], ""
	}
	if cap(buf) > 1<<20 {
		r.buf = nil // a huge record does not pin its buffer for the rest of the file
	} else {
		r.buf = buf
	}
	switch {
	case err == nil:
		return nil
	case AsDataError(err) != nil:
		return err
	case err == io.EOF:
		k := len(row) - 1
		return &DataError{File: r.source, Pos: Pos{Line: lineNo, Col: col, Index: r.index},
			Field: r.fieldName(k), Msg: fmt.Sprintf(
				"a quoted field is not closed before the end of the file – the file is incomplete or a quote is missing (field started at line %d)", row[k].line)}
	}
	return r.lineError(err, recLine, true)
}

// fieldName is the name of field k (0-based), "" if there is none.
func (r *csvReader) fieldName(k int) string {
	if k < len(r.names) {
		return r.names[k]
	}
	return ""
}

// lineError turns an error of readLine other than io.EOF into a final
// DataError; line is where the record starts, quoted whether it has a
// quote (which makes a quote that is never closed the likely cause of an
// overlong record).
func (r *csvReader) lineError(err error, line int, quoted bool) error {
	if err != errRecordTooLong {
		return r.inputError(err)
	}
	de := &DataError{File: r.source, Pos: Pos{Line: line}, Err: err}
	if r.quote && quoted {
		de.Msg = fmt.Sprintf(`a record longer than %s – probably a quote (") that is never closed`, sizeText(int64(r.maxRecord)))
	} else {
		de.Msg = fmt.Sprintf("a line longer than %s – is this really a text file?", sizeText(int64(r.maxRecord)))
	}
	return de
}

func (r *csvReader) countError(vals []string, line int) error {
	n, w := len(vals), r.want
	msg := fmt.Sprintf("%d fields, "+r.wantWhat, n, w)
	d := delimName(r.comma)
	switch {
	case n == w+1:
		if k := splitGuess(vals); k >= 0 {
			msg += fmt.Sprintf(" – field %d %s (%s) probably contains an unquoted %s", k+1, strconv.Quote(r.names[k]), Quote(vals[k]), d)
		} else {
			msg += " – a value probably contains an unquoted " + d
		}
	case n > w:
		msg += " – values probably contain an unquoted " + d
	default:
		msg += " – fields missing at the end of the line, or a line break inside an unquoted field?"
	}
	return &DataError{File: r.source, Pos: Pos{Line: line, Index: r.index}, Msg: msg, RecordOnly: true}
}

// splitGuess guesses, for a record with one field too many, which field an
// unquoted delimiter split: the field before the first field (from the
// second on) that starts with a space, as in "Edelstahl 18/10, doppelwandig;
// Siebeinsatz …". It returns the 0-based index, or -1 when nothing fits.
func splitGuess(vals []string) int {
	for k := 1; k < len(vals); k++ {
		if strings.HasPrefix(vals[k], " ") {
			return k - 1
		}
	}
	return -1
}

// inputError wraps an error of the input: a DataError (the charset
// decoder's) is returned unchanged, anything else gets the file name.
func (r *csvReader) inputError(err error) error {
	if de := AsDataError(err); de != nil {
		return de
	}
	return &DataError{File: r.source, Pos: Pos{Line: r.line + 1}, Err: err,
		Msg: "the file could not be read: " + err.Error()}
}

// csvWriter writes CSV records.
type csvWriter struct {
	out     *bufio.Writer
	cfg     csvConfig
	comma   rune
	cols    []string
	fromOpt bool           // cols come from the options
	index   map[string]int // column numbers, built on the first out-of-order record
	stamp   []int          // slow path: record number that filled each cell
	cells   []string
	rows    int
	started bool
	closed  bool
	wrote   bool // something was written
	err     error
}

// newCSVWriter makes a writer; what names the options section in errors.
func newCSVWriter(w io.Writer, opt CSVOptions, what string) (*csvWriter, error) {
	cfg, err := opt.config(what)
	if err != nil {
		return nil, err
	}
	if cfg.comma == 0 {
		cfg.comma = ';'
	}
	return &csvWriter{out: bufio.NewWriterSize(w, csvBufSize), cfg: cfg, comma: cfg.comma}, nil
}

// Write writes one record (after Flatten) in the column order.
func (w *csvWriter) Write(rec *Record) error {
	if w.err != nil {
		return w.err
	}
	if w.closed {
		return errors.New("csv: Write after Close")
	}
	if rec == nil {
		return errors.New("csv: Write(nil)")
	}
	rec = Flatten(rec)
	if !w.started {
		if err := w.begin(rec); err != nil {
			w.err = err
			return err
		}
	}
	if err := w.arrange(rec); err != nil {
		w.err = err
		return err
	}
	if err := w.writeRow(w.cells, rec); err != nil {
		w.err = err
		return err
	}
	return nil
}

// begin fixes the columns and writes the header row.
func (w *csvWriter) begin(rec *Record) error {
	w.started = true
	if len(w.cfg.columns) > 0 {
		w.cols, w.fromOpt = w.cfg.columns, true
	} else {
		w.cols = rec.Names()
		seen := make(map[string]bool, len(w.cols))
		for i, n := range w.cols {
			if seen[n] {
				return &DataError{Pos: rec.Fields[i].Pos, Field: n, Msg: "the first record has two fields of this name; a CSV file needs one column per name"}
			}
			seen[n] = true
		}
	}
	w.cells = make([]string, len(w.cols))
	if !w.cfg.header {
		return nil
	}
	copy(w.cells, w.cols)
	return w.writeRow(w.cells, nil)
}

// arrange puts rec's values into w.cells in column order.
func (w *csvWriter) arrange(rec *Record) error {
	w.rows++
	fs := rec.Fields
	if len(fs) == len(w.cols) {
		same := true
		for i := range fs {
			if fs[i].Name != w.cols[i] {
				same = false
				break
			}
		}
		if same {
			for i := range fs {
				w.cells[i] = fs[i].Value.text
			}
			return nil
		}
	}
	if w.index == nil {
		w.index = make(map[string]int, len(w.cols))
		for i, c := range w.cols {
			w.index[c] = i
		}
		w.stamp = make([]int, len(w.cols))
	}
	for i := range w.cells {
		w.cells[i] = ""
	}
	for _, f := range fs {
		i, ok := w.index[f.Name]
		if !ok {
			return &DataError{Pos: fieldOrRecordPos(f.Pos, rec.Pos), Field: f.Name, Msg: "not one of the columns of this file (" + w.columnList() + ")"}
		}
		if w.stamp[i] == w.rows {
			return &DataError{Pos: fieldOrRecordPos(f.Pos, rec.Pos), Field: f.Name, Msg: "the record has two fields of this name"}
		}
		w.stamp[i] = w.rows
		w.cells[i] = f.Value.text
	}
	return nil
}

func fieldOrRecordPos(f, r Pos) Pos {
	if f.IsZero() {
		return r
	}
	return f
}

func (w *csvWriter) columnList() string {
	const show = 10
	var b strings.Builder
	if w.fromOpt {
		b.WriteString("the columns are set in the options: ")
	} else {
		b.WriteString("the columns come from the first record: ")
	}
	for i, c := range w.cols {
		if i == show {
			fmt.Fprintf(&b, ", … (%d columns)", len(w.cols))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c)
	}
	return b.String()
}

// writeRow writes one line; rec (nil for the header) is for error positions.
func (w *csvWriter) writeRow(cells []string, rec *Record) error {
	if w.cfg.excelSafe {
		for i, c := range cells {
			if excelRisky(c) {
				cells[i] = "'" + c
			}
		}
	}
	if !w.cfg.quote {
		if err := w.checkUnquoted(cells, rec); err != nil {
			return err
		}
	}
	out := w.out
	for i, c := range cells {
		if i > 0 {
			if w.comma < utf8.RuneSelf {
				_ = out.WriteByte(byte(w.comma))
			} else {
				_, _ = out.WriteRune(w.comma)
			}
		}
		if w.cfg.quote && (w.needsQuotes(c) || (c == "" && len(cells) == 1) || (!w.wrote && i == 0 && strings.HasPrefix(c, "\uFEFF"))) {
			w.writeQuoted(c)
		} else {
			_, _ = out.WriteString(c)
		}
	}
	w.wrote = true
	var err error
	if w.cfg.crlf {
		_, err = out.WriteString("\r\n")
	} else {
		err = out.WriteByte('\n')
	}
	return err
}

// checkUnquoted refuses values that quote "none" cannot represent.
func (w *csvWriter) checkUnquoted(cells []string, rec *Record) error {
	fail := func(i int, msg string) error {
		de := &DataError{Field: w.cols[i], Msg: msg}
		if rec != nil {
			de.Pos = rec.Pos
			if f := rec.Field(w.cols[i]); f != nil {
				de.Pos = fieldOrRecordPos(f.Pos, rec.Pos)
			}
		}
		return de
	}
	for i, c := range cells {
		switch {
		case strings.ContainsRune(c, w.comma):
			return fail(i, fmt.Sprintf("%s contains the delimiter %s, which cannot be written without quotes (quote: none)", Quote(c), delimName(w.comma)))
		case strings.ContainsAny(c, "\r\n"):
			return fail(i, fmt.Sprintf("%s contains a line break, which cannot be written without quotes (quote: none)", Quote(c)))
		case i == 0 && !w.wrote && strings.HasPrefix(c, "\uFEFF"):
			return fail(i, fmt.Sprintf("%s starts with an invisible byte order mark (U+FEFF), which readers drop at the start of a file", Quote(c)))
		}
	}
	if len(cells) == 1 && cells[0] == "" {
		return fail(0, "an empty value in a one-column file cannot be written without quotes: the empty line would be skipped when reading")
	}
	return nil
}

// needsQuotes is encoding/csv.Writer's rule: quote a field that holds the
// delimiter, a quote or a line break, starts with white space, or is `\.`.
func (w *csvWriter) needsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s == `\.` {
		return true
	}
	if w.comma < utf8.RuneSelf {
		d := byte(w.comma)
		for i := 0; i < len(s); i++ {
			if c := s[i]; c == '"' || c == d || c == '\n' || c == '\r' {
				return true
			}
		}
	} else if strings.ContainsRune(s, w.comma) || strings.ContainsAny(s, "\"\r\n") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}

func (w *csvWriter) writeQuoted(s string) {
	out := w.out
	_ = out.WriteByte('"')
	for len(s) > 0 {
		i := strings.IndexAny(s, "\"\r\n")
		if i < 0 {
			_, _ = out.WriteString(s)
			break
		}
		_, _ = out.WriteString(s[:i])
		switch s[i] {
		case '"':
			_, _ = out.WriteString(`""`)
		case '\r':
			if w.cfg.crlf && i+1 < len(s) && s[i+1] == '\n' {
				_, _ = out.WriteString("\r\n")
				i++
			} else {
				_ = out.WriteByte('\r')
			}
		case '\n':
			if w.cfg.crlf {
				_, _ = out.WriteString("\r\n")
			} else {
				_ = out.WriteByte('\n')
			}
		}
		s = s[i+1:]
	}
	_ = out.WriteByte('"')
}

// Close writes the header when no record came but Columns are set, and
// flushes. It does not close the underlying io.Writer. With no records and
// no Columns nothing at all is written.
func (w *csvWriter) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err == nil && !w.started && len(w.cfg.columns) > 0 {
		w.err = w.begin(nil)
	}
	if err := w.out.Flush(); err != nil && w.err == nil {
		w.err = err
	}
	return w.err
}

// excelRisky reports whether a spreadsheet would take s for a formula: it
// starts with '=', '+', '-', '@', TAB or CR and is not a plain number.
func excelRisky(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '=', '@', '\t', '\r':
		return true
	case '+', '-':
		return !plainNumber(s[1:])
	}
	return false
}

// plainNumber reports whether s is digits in groups separated by single '.'
// or ',' characters: "12", "12,50", "1.234,56".
func plainNumber(s string) bool {
	digit := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digit = true
		case (c == '.' || c == ',') && digit:
			digit = false
		default:
			return false
		}
	}
	return digit
}
