// XLSX: Excel 2007+ workbooks (.xlsx, .xlsm), read and written with excelize.
//
// Reading needs random access to the ZIP archive, so the reader holds the
// whole file in memory (at most max_file_size, 100 MiB by default) plus what
// excelize unpacks (capped by unzip_size_limit and unzip_xml_size_limit): it
// is the one reader whose memory grows with the input. The sheet itself is
// walked row by row with excelize's row iterator. Row header_row holds the
// column names; every later non-empty row is one record of text values, each
// the text a person sees in Excel (see XLSXOptions for numbers, dates and
// booleans).
//
// Writing streams rows into one sheet with excelize's StreamWriter: a bold,
// frozen header row with an autofilter, column widths from the first 100
// records, and text cells throughout (IDs and leading zeros survive) except
// for the columns named in number_columns.
package formats

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Defaults of XLSXOptions.
const (
	xlsxDefaultMaxFileSize       = 100 << 20
	xlsxDefaultUnzipSizeLimit    = 1 << 30
	xlsxDefaultUnzipXMLSizeLimit = 256 << 20
	xlsxDefaultHeaderRow         = 1
	xlsxMaxSheetRows             = 1048576 // Excel's row limit
	xlsxMaxCellChars             = 32767   // Excel's cell limit, in UTF-16 units
	xlsxDefaultDateFormat        = "02.01.2006"
	xlsxDefaultSheetName         = "Tabelle1"
	xlsxDefaultMaxColumnWidth    = 60
	xlsxWidthSampleRows          = 100 // records buffered to size the columns
)

// XLSXOptions configures the xlsx reader and writer. The zero value means
// the documented defaults.
//
// The sheet's layout: row header_row holds the column names (trimmed of
// surrounding spaces, each name once); a column without a name is ignored,
// but a value in it rejects that row's record. Rows above the header and
// empty rows are skipped; missing cells read as "".
//
// How cell values come out: every value is text (a String value), the text a
// person sees in Excel, with these rules:
//   - text cells exactly as stored, leading zeros and spaces included ("000815");
//   - numbers in the General format as plain decimals with a point and no
//     thousands separator, rounded like Excel to 15 significant digits and
//     never in E notation: an EAN stored as a number gives "4006381333931",
//     =0.1+0.2 gives "0.3"; a number shown in scientific notation (0.00E+00)
//     also comes back as a plain decimal;
//   - other number formats as excelize renders them, which follows the
//     en-US conventions of the format code: #,##0.00 gives "1,234,567.89",
//     0.00% gives "12.34%", 0.00 gives "1234.57";
//   - numbers shown as a date, in one of Excel's built-in date formats or a
//     custom one (TT.MM.JJ, yyyy-mm-dd, mmm yy…), via DateFormat, and those
//     shown as a date with a time via DateTimeFormat, so that a column reads
//     the same whatever format each cell has; time-only formats as excelize
//     renders them ("14:30", "2:30 PM");
//   - booleans as TRUE and FALSE (the file's values, not the German WAHR and
//     FALSCH, so the text does not depend on the Excel language);
//   - formulas give their cached value (what Excel showed when it saved the
//     file; "" if never calculated), error values as their text ("#DIV/0!").
type XLSXOptions struct {
	// Sheet is the sheet to read: its name (case-insensitive when no sheet
	// has exactly that name), or "#2" for the second sheet. Default: the
	// first sheet.
	Sheet string `json:"sheet,omitempty" yaml:"sheet,omitempty"`
	// HeaderRow is the row number that holds the column names; rows above
	// it are ignored. Default 1.
	HeaderRow int `json:"header_row,omitempty" yaml:"header_row,omitempty"`
	// MaxRows is the most data rows (records below the header) read; the
	// first row beyond it is a final error. Default 1048576, Excel's limit.
	MaxRows int `json:"max_rows,omitempty" yaml:"max_rows,omitempty"`
	// DateFormat is the Go time layout for cells shown as a date (any date
	// format without a time). Default "02.01.2006".
	DateFormat string `json:"date_format,omitempty" yaml:"date_format,omitempty"`
	// DateTimeFormat is the Go time layout for cells shown as a date with a
	// time. Default: DateFormat followed by " 15:04".
	DateTimeFormat string `json:"date_time_format,omitempty" yaml:"date_time_format,omitempty"`
	// MaxFileSize is the largest workbook, in bytes, the reader accepts (it
	// is read into memory whole). Default 100 MiB.
	MaxFileSize int64 `json:"max_file_size,omitempty" yaml:"max_file_size,omitempty"`
	// UnzipSizeLimit caps, in bytes, how much the workbook may unpack to in
	// total, so that a "zip bomb" fails cleanly. Default 1 GiB.
	UnzipSizeLimit int64 `json:"unzip_size_limit,omitempty" yaml:"unzip_size_limit,omitempty"`
	// UnzipXMLSizeLimit is the size, in bytes, up to which a sheet or the
	// shared-strings table is unpacked in memory; larger ones go to a
	// temporary file. At most UnzipSizeLimit. Default 256 MiB.
	UnzipXMLSizeLimit int64 `json:"unzip_xml_size_limit,omitempty" yaml:"unzip_xml_size_limit,omitempty"`

	// SheetName is the name of the sheet the writer creates. Default "Tabelle1".
	SheetName string `json:"sheet_name,omitempty" yaml:"sheet_name,omitempty"`
	// NumberColumns names the fields the writer stores as numeric cells;
	// their values must be plain decimals ("1234.56", "-7", "1.5e3") with at
	// most 15 significant digits, the most Excel keeps; an empty value gives
	// an empty cell. Every other field is written as a text cell, so IDs,
	// EANs and leading zeros survive.
	NumberColumns []string `json:"number_columns,omitempty" yaml:"number_columns,omitempty"`
	// MaxColumnWidth caps the column widths the writer sets, in Excel's
	// width unit (about one digit). Default 60; at most 255.
	MaxColumnWidth float64 `json:"max_column_width,omitempty" yaml:"max_column_width,omitempty"`
}

// XLSXFormat returns the registry entry for Excel workbooks: name "xlsx",
// extensions .xlsx and .xlsm, binary (the reader gets the raw bytes).
func XLSXFormat() Format {
	return Format{
		Name:       "xlsx",
		Extensions: []string{".xlsx", ".xlsm"},
		Binary:     true,
		NewReader: func(r io.Reader, source string, opt Options) (Reader, error) {
			return NewXLSXReader(r, source, opt.XLSX)
		},
		NewWriter: func(w io.Writer, opt Options) (Writer, error) {
			return NewXLSXWriter(w, opt.XLSX)
		},
	}
}

// ---------------------------------------------------------------- reader

// xlsxDateMark starts the text excelize renders for date cells (see
// xlsxMarkDateFormats): U+E000 (private use) and an ISO date or date-time, so
// that the reader can tell a date cell from text and re-render it.
const xlsxDateMark = "\uE000"

// The kinds of number format, for xlsxMarkDateFormats.
const (
	xlsxNotDate = iota
	xlsxDate
	xlsxDateTime
)

// xlsxDateCodes are the formats date cells are rendered with, by kind.
var xlsxDateCodes = [...]string{
	xlsxDate:     `"` + xlsxDateMark + `"yyyy-mm-dd`,
	xlsxDateTime: `"` + xlsxDateMark + `"yyyy-mm-dd hh:mm:ss`,
}

// XLSXReader reads the records of one sheet. Build it with NewXLSXReader or
// through XLSXFormat. It loads the workbook on the first Read.
//
// Read closes the workbook when it returns io.EOF or a final error; a caller
// that stops earlier should call Close, which removes excelize's temporary
// files (only written for sheets larger than unzip_xml_size_limit).
type XLSXReader struct {
	in     io.Reader
	source string
	opt    XLSXOptions // defaults filled in

	f     *excelize.File
	rows  *excelize.Rows // formatted values
	sheet string         // sheet name as in the workbook
	row   int            // current sheet row number (1-based)
	index int            // records produced, bad ones included

	// raw is a second iterator over the same sheet, giving raw cell values.
	// It is only started when a value needs checking (a number excelize
	// rendered in E notation) and only moves forward.
	raw         *excelize.Rows
	rawRow      int
	rawCells    []string
	rawCellsRow int

	header  []string // column names by column index; "" = no header
	cols    []int    // column indexes that have a name
	colRefs []string // per column index in cols: `Sheet!C` (row number follows)
	sheetQ  string   // sheet name as written in a reference: Tabelle1 or 'Meine Daten'
	refBuf  []byte
	refEnd  []int

	err error // final error (io.EOF at the end); every later Read returns it
}

// NewXLSXReader returns a reader of the workbook in r; source names the
// input in errors. Invalid options give an error; the workbook itself is
// read and checked by the first Read.
func NewXLSXReader(r io.Reader, source string, opt XLSXOptions) (*XLSXReader, error) {
	if err := opt.fillReadDefaults(); err != nil {
		return nil, err
	}
	return &XLSXReader{in: r, source: source, opt: opt}, nil
}

func (o *XLSXOptions) fillReadDefaults() error {
	switch {
	case o.HeaderRow < 0 || o.HeaderRow > xlsxMaxSheetRows:
		return fmt.Errorf("xlsx option header_row: %d is not a row number (1 to %d)", o.HeaderRow, xlsxMaxSheetRows)
	case o.MaxRows < 0:
		return fmt.Errorf("xlsx option max_rows: %d must not be negative", o.MaxRows)
	case o.MaxFileSize < 0:
		return fmt.Errorf("xlsx option max_file_size: %d must not be negative", o.MaxFileSize)
	case o.UnzipSizeLimit < 0:
		return fmt.Errorf("xlsx option unzip_size_limit: %d must not be negative", o.UnzipSizeLimit)
	case o.UnzipXMLSizeLimit < 0:
		return fmt.Errorf("xlsx option unzip_xml_size_limit: %d must not be negative", o.UnzipXMLSizeLimit)
	}
	if o.HeaderRow == 0 {
		o.HeaderRow = xlsxDefaultHeaderRow
	}
	if o.MaxRows == 0 {
		o.MaxRows = xlsxMaxSheetRows
	}
	if o.DateFormat == "" {
		o.DateFormat = xlsxDefaultDateFormat
	}
	if o.DateTimeFormat == "" {
		o.DateTimeFormat = o.DateFormat + " 15:04"
	}
	if o.MaxFileSize == 0 {
		o.MaxFileSize = xlsxDefaultMaxFileSize
	}
	if o.UnzipSizeLimit == 0 {
		o.UnzipSizeLimit = xlsxDefaultUnzipSizeLimit
	}
	if o.UnzipXMLSizeLimit == 0 {
		o.UnzipXMLSizeLimit = min(xlsxDefaultUnzipXMLSizeLimit, o.UnzipSizeLimit)
	}
	if o.UnzipXMLSizeLimit > o.UnzipSizeLimit {
		return fmt.Errorf("xlsx option unzip_xml_size_limit (%d) must not be larger than unzip_size_limit (%d)",
			o.UnzipXMLSizeLimit, o.UnzipSizeLimit)
	}
	return nil
}

// Read returns the next record, io.EOF after the last one.
func (r *XLSXReader) Read() (rec *Record, err error) {
	if r.err != nil {
		return nil, r.err
	}
	defer func() {
		if p := recover(); p != nil {
			rec, err = nil, r.fail(r.errorf(Pos{}, "", "the workbook is damaged: the Excel library failed on it (%v)", p))
		}
	}()
	if r.f == nil {
		if err := r.open(); err != nil {
			return nil, r.fail(err)
		}
	}
	rec, err = r.next()
	if err != nil {
		if !RecordOnly(err) {
			return nil, r.fail(err)
		}
	}
	return rec, err
}

// Close releases the workbook and removes temporary files. Read calls it
// at the end; calling it again is harmless.
func (r *XLSXReader) Close() error {
	var first error
	for _, it := range []*excelize.Rows{r.rows, r.raw} {
		if it != nil {
			_ = it.Close()
		}
	}
	r.rows, r.raw = nil, nil
	if r.f != nil {
		first = r.f.Close()
		r.f = nil
	}
	r.in = nil
	if r.err == nil {
		r.err = errors.New(r.source + ": the xlsx reader is closed")
	}
	return first
}

func (r *XLSXReader) fail(err error) error {
	r.err = err
	r.closeQuietly()
	return err
}

func (r *XLSXReader) closeQuietly() {
	keep := r.err
	_ = r.Close()
	r.err = keep
}

func (r *XLSXReader) errorf(pos Pos, field, format string, args ...any) *DataError {
	return &DataError{File: r.source, Pos: pos, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// errXLSXTooLarge is returned by the size-limiting reader.
var errXLSXTooLarge = errors.New("input larger than max_file_size")

// xlsxInputError marks an error of the underlying io.Reader, so that it is
// passed on as it is instead of being taken for a damaged workbook.
type xlsxInputError struct{ err error }

func (e xlsxInputError) Error() string { return e.err.Error() }
func (e xlsxInputError) Unwrap() error { return e.err }

type xlsxLimitReader struct {
	r    io.Reader
	left int64
}

func (l *xlsxLimitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One more byte tells "exactly at the limit" from "over it".
		var one [1]byte
		for {
			n, err := l.r.Read(one[:])
			if n > 0 {
				return 0, errXLSXTooLarge
			}
			if err == io.EOF {
				return 0, err
			}
			if err != nil {
				return 0, xlsxInputError{err}
			}
		}
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if err != nil && err != io.EOF {
		err = xlsxInputError{err}
	}
	return n, err
}

// open reads the input, opens the workbook, picks the sheet and reads the
// header row.
func (r *XLSXReader) open() error {
	head := make([]byte, 4096)
	n, err := io.ReadFull(r.in, head)
	head = head[:n]
	complete := err == io.EOF || err == io.ErrUnexpectedEOF // the whole input is in head
	if err != nil && !complete {
		return err
	}
	if int64(n) > r.opt.MaxFileSize {
		return r.tooLarge()
	}
	if len(head) == 0 {
		return r.errorf(Pos{}, "", "the file is empty (0 bytes)")
	}
	// Unless complete, more follows: read it up to max_file_size.
	rest := &xlsxLimitReader{r: r.in, left: r.opt.MaxFileSize - int64(len(head))}
	if complete {
		rest.left, rest.r = 0, bytes.NewReader(nil)
	}
	if !bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return r.notWorkbook(head, rest)
	}
	in := io.MultiReader(bytes.NewReader(head), rest)
	f, err := excelize.OpenReader(in, excelize.Options{
		UnzipSizeLimit:    r.opt.UnzipSizeLimit,
		UnzipXMLSizeLimit: r.opt.UnzipXMLSizeLimit,
	})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		return r.openError(err)
	}
	r.f = f
	r.in = nil
	xlsxMarkDateFormats(f)
	if err := r.pickSheet(); err != nil {
		return err
	}
	r.rows, err = f.Rows(r.sheet)
	if err != nil {
		var missing excelize.ErrSheetNotExist
		if errors.As(err, &missing) {
			return r.errorf(Pos{}, "", "the sheet %s is listed in the workbook, but its data is missing – the workbook is damaged", Quote(r.sheet))
		}
		return &DataError{File: r.source, Err: err, Msg: fmt.Sprintf("the sheet %s cannot be read – the workbook is damaged (%v)", Quote(r.sheet), err)}
	}
	return r.readHeader()
}

func (r *XLSXReader) tooLarge() error {
	return r.errorf(Pos{}, "", "the workbook is larger than %s (max_file_size)", sizeText(r.opt.MaxFileSize))
}

// notWorkbook explains an input that is not a ZIP archive, with a guess at
// what it is.
func (r *XLSXReader) notWorkbook(head []byte, rest io.Reader) error {
	const base = `not an Excel workbook (an .xlsx file is a ZIP archive starting with "PK")`
	if bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}) {
		// An OLE compound file: an old .xls, or an .xlsx that Excel
		// encrypted with a password (its parts then sit in an
		// "EncryptionInfo"/"EncryptedPackage" container). The directory
		// may be anywhere, so look through the rest of the file.
		all := head
		if b, err := io.ReadAll(rest); err == nil || err == errXLSXTooLarge {
			all = append(head[:len(head):len(head)], b...)
		}
		if bytes.Contains(all, xlsxUTF16LE("EncryptedPackage")) {
			return r.errorf(Pos{}, "", "%s: it is a password-protected (encrypted) workbook; "+
				"remove the password in Excel (File > Info > Protect Workbook > Encrypt with Password) and save it again", base)
		}
		return r.errorf(Pos{}, "", "%s: it is an Excel 97-2003 workbook (.xls) – or a password-protected workbook, "+
			"which is stored the same way; save it as .xlsx (Excel Workbook) without a password", base)
	}
	if guess := xlsxSniffText(head); guess != "" {
		return r.errorf(Pos{}, "", "%s; the content looks like %s", base, guess)
	}
	return r.errorf(Pos{}, "", "%s", base)
}

func xlsxUTF16LE(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for _, c := range []byte(s) {
		b = append(b, c, 0)
	}
	return b
}

// xlsxSniffText guesses what a non-ZIP input is from its first bytes.
func xlsxSniffText(head []byte) string {
	b := bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF"))
	trimmed := bytes.TrimLeft(b, " \t\r\n")
	lower := bytes.ToLower(trimmed[:min(len(trimmed), 512)])
	switch {
	case bytes.HasPrefix(trimmed, []byte("%PDF")):
		return "a PDF document"
	case bytes.Contains(lower, []byte("<html")) || bytes.Contains(lower, []byte("<table")):
		return "an HTML page – some programs save web tables under an Excel name; open it in Excel and save it as .xlsx"
	case bytes.HasPrefix(lower, []byte("<?xml")) && bytes.Contains(lower, []byte("urn:schemas-microsoft-com:office:spreadsheet")):
		return "an Excel 2003 XML spreadsheet; open it in Excel and save it as .xlsx (Excel Workbook)"
	case bytes.HasPrefix(trimmed, []byte("<")):
		return "an XML document – was an .xml file renamed to .xlsx?"
	case bytes.HasPrefix(trimmed, []byte("{")) || bytes.HasPrefix(trimmed, []byte("[")):
		return "JSON text – was a .json file renamed to .xlsx?"
	}
	line := b
	if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	for _, c := range line {
		if c < 0x20 && c != '\t' {
			return "" // binary: no guess
		}
	}
	best, bestN := byte(0), 0
	for _, sep := range []byte{';', ',', '\t', '|'} {
		if n := bytes.Count(line, []byte{sep}); n > bestN {
			best, bestN = sep, n
		}
	}
	switch {
	case bestN == 0:
		return "plain text – was a text file renamed to .xlsx?"
	case best == '\t':
		return "TAB-separated text – was a CSV or TXT file renamed to .xlsx?"
	}
	return "'" + string(best) + "'-separated text – was a CSV file renamed to .xlsx?"
}

// openError translates what excelize.OpenReader reports.
func (r *XLSXReader) openError(err error) error {
	msg := err.Error()
	var inErr xlsxInputError
	switch {
	case errors.As(err, &inErr):
		return inErr.err
	case errors.Is(err, errXLSXTooLarge):
		return r.tooLarge()
	case errors.Is(err, zip.ErrFormat) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, zip.ErrAlgorithm):
		return &DataError{File: r.source, Err: err, Msg: "the workbook is damaged or incomplete (its ZIP structure is broken)" +
			" – was the file cut off while copying, or is it still being written?"}
	case errors.Is(err, zip.ErrChecksum):
		return &DataError{File: r.source, Err: err, Msg: "the workbook is damaged (a part of it fails its checksum)"}
	case strings.HasPrefix(msg, "unzip size exceeds"):
		return &DataError{File: r.source, Err: err, Msg: fmt.Sprintf("the workbook unpacks to more than %s (unzip_size_limit); "+
			"it may be a \"zip bomb\" – raise the limit only for a file you trust", sizeText(r.opt.UnzipSizeLimit))}
	case errors.Is(err, excelize.ErrWorkbookFileFormat) || errors.Is(err, excelize.ErrWorkbookPassword):
		return &DataError{File: r.source, Err: err, Msg: "the workbook is password-protected; remove the password in Excel and save it again"}
	}
	if errors.Is(err, io.EOF) {
		msg = "a part it needs, such as xl/workbook.xml, is missing or empty"
	}
	return &DataError{File: r.source, Err: err, Msg: "the workbook is damaged and cannot be opened (" + msg + ")"}
}

// xlsxMarkDateFormats points every cell style that shows a date at one of
// xlsxDateCodes, so that excelize renders date cells in a form the reader
// recognises and re-renders with DateFormat or DateTimeFormat. It changes
// the File's parsed styles in memory only; the reader never saves it.
func xlsxMarkDateFormats(f *excelize.File) {
	st := f.Styles
	if st == nil || st.CellXfs == nil {
		return
	}
	custom := map[int]int{}
	if st.NumFmts != nil {
		for _, nf := range st.NumFmts.NumFmt {
			if nf == nil {
				continue
			}
			code := nf.FormatCode
			if nf.FormatCode16 != "" {
				code = nf.FormatCode16
			}
			custom[nf.NumFmtID] = xlsxFormatDateKind(code)
		}
	}
	var ids [len(xlsxDateCodes)]int // our numFmt ids by kind, once made
	n := len(st.CellXfs.Xf)
	for i := 0; i < n; i++ {
		p := st.CellXfs.Xf[i].NumFmtID
		if p == nil {
			continue
		}
		kind, ok := custom[*p] // like excelize: a custom format wins over a built-in id
		if !ok {
			kind = xlsxBuiltinDateKind(*p)
		}
		if kind == xlsxNotDate {
			continue
		}
		if ids[kind] == 0 {
			code := xlsxDateCodes[kind]
			idx, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
			if err != nil || idx < 0 || idx >= len(st.CellXfs.Xf) || st.CellXfs.Xf[idx].NumFmtID == nil {
				return // dates then come out as excelize renders them
			}
			ids[kind] = *st.CellXfs.Xf[idx].NumFmtID
		}
		id := ids[kind]
		st.CellXfs.Xf[i].NumFmtID = &id
	}
}

// xlsxBuiltinDateKind classifies Excel's built-in number formats: 14 to 17 are
// dates (14 is the short date of the Windows locale, TT.MM.JJJJ in German
// Excel), 22 a date with a time; the time-only ones (18 to 21, 45 to 47)
// stay as they are.
func xlsxBuiltinDateKind(id int) int {
	switch {
	case id >= 14 && id <= 17:
		return xlsxDate
	case id == 22:
		return xlsxDateTime
	}
	return xlsxNotDate
}

// xlsxFormatDateKind classifies a custom number format code by its first
// section: a date if it has a day or year part (d, y), with a time if it
// also has hours or seconds (h, s). Quoted text, escaped characters and
// [brackets] (colours, locales, conditions) do not count.
func xlsxFormatDateKind(code string) int {
	date, clock := false, false
scan:
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case ';':
			break scan
		case '"':
			if j := strings.IndexByte(code[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				break scan
			}
		case '\\', '_', '*':
			i++
		case '[':
			j := strings.IndexByte(code[i+1:], ']')
			if j < 0 {
				break scan
			}
			switch strings.ToLower(code[i+1 : i+1+j]) {
			case "h", "hh", "m", "mm", "s", "ss":
				clock = true // elapsed time
			}
			i += j + 1
		case 'y', 'Y', 'd', 'D':
			date = true
		case 'h', 'H', 's', 'S':
			clock = true
		case 'a', 'A':
			if u := strings.ToUpper(code[i:min(len(code), i+5)]); strings.HasPrefix(u, "AM/PM") {
				i += 4
			} else if strings.HasPrefix(u, "A/P") {
				i += 2
			}
		case 'g', 'G':
			if strings.HasPrefix(strings.ToLower(code[i:]), "general") {
				i += 6
			}
		}
	}
	switch {
	case !date:
		return xlsxNotDate
	case clock:
		return xlsxDateTime
	}
	return xlsxDate
}

// pickSheet resolves the Sheet option.
func (r *XLSXReader) pickSheet() error {
	list := r.f.GetSheetList()
	if len(list) == 0 {
		return r.errorf(Pos{}, "", "the workbook has no sheets")
	}
	want := r.opt.Sheet
	r.sheet = ""
	switch {
	case want == "":
		r.sheet = list[0]
	default:
		for _, s := range list {
			if s == want {
				r.sheet = s
			}
		}
		if r.sheet == "" && len(want) > 1 && want[0] == '#' {
			n, err := strconv.Atoi(want[1:])
			if err != nil || n < 1 || n > len(list) {
				return r.errorf(Pos{}, "", "there is no sheet %s: the workbook has %d sheet%s (%s)",
					want, len(list), xlsxPlural(len(list)), xlsxQuoteList(list))
			}
			r.sheet = list[n-1]
		}
		if r.sheet == "" {
			for _, s := range list {
				if strings.EqualFold(s, want) {
					r.sheet = s
					break
				}
			}
		}
		if r.sheet == "" {
			return r.errorf(Pos{}, "", "there is no sheet %s in the workbook; its sheets are %s", Quote(want), xlsxQuoteList(list))
		}
	}
	r.sheetQ = xlsxSheetRef(r.sheet)
	return nil
}

func xlsxPlural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func xlsxQuoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = Quote(n)
	}
	return strings.Join(q, ", ")
}

// xlsxSheetRef writes a sheet name the way Excel does in a reference:
// plain if it is letters, digits, '_' and '.', else in single quotes.
func xlsxSheetRef(s string) string {
	plain := s != ""
	for _, c := range s {
		if !(c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80) || c == 0xA0 {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// xlsxColName returns the column letters of a 0-based column index.
func xlsxColName(i int) string {
	n, err := excelize.ColumnNumberToName(i + 1)
	if err != nil {
		return "#" + strconv.Itoa(i+1)
	}
	return n
}

func (r *XLSXReader) cellRef(col, row int) string {
	return xlsxColName(col) + strconv.Itoa(row)
}

// cellPos is an error position: the sheet reference alone, so that errors
// print as file:Tabelle1!C12.
func (r *XLSXReader) cellPos(col, row int) Pos {
	return Pos{Ref: r.sheetQ + "!" + r.cellRef(col, row), Index: r.index}
}

// nextRow moves to the next sheet row and returns its cells (formatted);
// ok is false at the end of the sheet.
func (r *XLSXReader) nextRow() (cells []string, ok bool, err error) {
	if !r.rows.Next() {
		if err := r.rows.Error(); err != nil {
			return nil, false, r.errorf(Pos{Ref: r.sheetQ}, "", "the sheet %s has a row number beyond %d, Excel's limit – the workbook is damaged",
				Quote(r.sheet), xlsxMaxSheetRows)
		}
		return nil, false, nil
	}
	r.row++
	cells, err = r.rows.Columns()
	if err != nil {
		return nil, false, &DataError{File: r.source, Pos: Pos{Ref: r.sheetQ + "!A" + strconv.Itoa(r.row)}, Err: err,
			Msg: fmt.Sprintf("row %d of sheet %s cannot be read – the workbook is damaged (%s)", r.row, Quote(r.sheet), xlsxCellErrorText(err))}
	}
	return cells, true, nil
}

// xlsxCellErrorText says in plain words what excelize found wrong in a row.
func xlsxCellErrorText(err error) string {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "cannot convert cell "); ok {
		if i := strings.Index(rest, " to coordinates"); i > 0 {
			return "a cell has the invalid reference " + rest[:i]
		}
	}
	if rest, ok := strings.CutPrefix(msg, "invalid shared string index "); ok {
		return "a cell refers to text number " + rest + ", which the workbook does not contain"
	}
	return msg
}

func (r *XLSXReader) readHeader() error {
	var cells []string
	for r.row < r.opt.HeaderRow {
		c, ok, err := r.nextRow()
		if err != nil {
			return err
		}
		if !ok {
			pos := Pos{Ref: r.sheetQ + "!A" + strconv.Itoa(r.opt.HeaderRow)}
			if r.row == 0 {
				return r.errorf(pos, "", "the sheet %s is empty – expected the column names in row %d", Quote(r.sheet), r.opt.HeaderRow)
			}
			return r.errorf(pos, "", "the sheet %s ends at row %d, before row %d where the column names were expected (header_row)",
				Quote(r.sheet), r.row, r.opt.HeaderRow)
		}
		cells = c
	}
	r.header = make([]string, len(cells))
	seen := make(map[string]int, len(cells))
	for i, c := range cells {
		name := strings.TrimSpace(r.fix(c, i))
		if name == "" {
			continue
		}
		if j, dup := seen[name]; dup {
			return r.errorf(r.cellPos(i, r.row), "", "the column name %s appears twice, in %s and %s – every column needs its own name",
				Quote(name), r.cellRef(j, r.row), r.cellRef(i, r.row))
		}
		seen[name] = i
		r.header[i] = name
		r.cols = append(r.cols, i)
		r.colRefs = append(r.colRefs, r.sheetQ+"!"+xlsxColName(i))
	}
	if len(r.cols) == 0 {
		return r.errorf(Pos{Ref: r.sheetQ + "!A" + strconv.Itoa(r.row)}, "",
			"row %d of sheet %s is empty – expected the column names there (header_row)", r.row, Quote(r.sheet))
	}
	r.refEnd = make([]int, len(r.cols)+1)
	return nil
}

// next reads rows until one with a value and turns it into a record.
func (r *XLSXReader) next() (*Record, error) {
	for {
		cells, ok, err := r.nextRow()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, io.EOF
		}
		empty := true
		for _, c := range cells {
			if c != "" {
				empty = false
				break
			}
		}
		if empty {
			continue
		}
		r.index++
		if r.index > r.opt.MaxRows {
			return nil, r.errorf(Pos{Ref: r.sheetQ + "!A" + strconv.Itoa(r.row), Index: r.index}, "",
				"the sheet has more than %d data rows (max_rows)", r.opt.MaxRows)
		}
		for i, c := range cells {
			if c != "" && (i >= len(r.header) || r.header[i] == "") {
				de := r.errorf(r.cellPos(i, r.row), "", "cell %s has a value (%s), but column %s has no header – name the column in row %d or clear the cell",
					r.cellRef(i, r.row), Quote(r.fix(c, i)), xlsxColName(i), r.opt.HeaderRow)
				de.RecordOnly = true
				return nil, de
			}
		}
		return r.record(cells), nil
	}
}

// record builds the record of one row. The cell references of the row
// share one string.
func (r *XLSXReader) record(cells []string) *Record {
	rowText := strconv.Itoa(r.row)
	b := r.refBuf[:0]
	b = append(b, r.sheetQ...)
	b = append(b, "!A"...)
	b = append(b, rowText...)
	r.refEnd[0] = len(b)
	for k := range r.cols {
		b = append(b, r.colRefs[k]...)
		b = append(b, rowText...)
		r.refEnd[k+1] = len(b)
	}
	r.refBuf = b
	refs := string(b)

	rec := &Record{Fields: make([]Field, len(r.cols)), Pos: Pos{Line: r.row, Ref: refs[:r.refEnd[0]], Index: r.index}}
	for k, i := range r.cols {
		v := ""
		if i < len(cells) {
			v = r.fix(cells[i], i)
		}
		rec.Fields[k] = Field{
			Name:  r.header[i],
			Value: String(v),
			Pos:   Pos{Line: r.row, Col: i + 1, Ref: refs[r.refEnd[k]:r.refEnd[k+1]]},
		}
	}
	return rec
}

// fix turns excelize's rendering of a cell into the text ferry passes on:
// dates in DateFormat, numbers without E notation. col is 0-based.
func (r *XLSXReader) fix(s string, col int) string {
	if len(s) < 4 {
		return s
	}
	if strings.HasPrefix(s, xlsxDateMark) {
		if d, ok := r.date(s[len(xlsxDateMark):]); ok {
			return d
		}
		return s
	}
	if xlsxLooksLikeENotation(s) {
		// A number with more than 15 digits in General format, or one in a
		// scientific format. A text cell may hold the same characters, so
		// ask the raw value: a number's differs from what excelize showed.
		if raw, ok := r.rawValue(col); ok && raw != s {
			if p, ok := xlsxPlainDecimal15(raw); ok {
				return p
			}
		}
	}
	return s
}

// date re-renders "2006-01-02" or "2006-01-02 15:04:05" (see
// xlsxDateCodes) with DateFormat or DateTimeFormat.
func (r *XLSXReader) date(s string) (string, bool) {
	num := func(t string) (int, bool) {
		n := 0
		for _, c := range []byte(t) {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, t != ""
	}
	if len(s) != 10 && len(s) != 19 || s[4] != '-' || s[7] != '-' {
		return "", false
	}
	y, ok1 := num(s[:4])
	m, ok2 := num(s[5:7])
	d, ok3 := num(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > 31 {
		return "", false
	}
	hh, mm, ss := 0, 0, 0
	layout := r.opt.DateFormat
	if len(s) == 19 {
		var ok4, ok5, ok6 bool
		hh, ok4 = num(s[11:13])
		mm, ok5 = num(s[14:16])
		ss, ok6 = num(s[17:19])
		if s[10] != ' ' || s[13] != ':' || s[16] != ':' || !ok4 || !ok5 || !ok6 || hh > 23 || mm > 59 || ss > 59 {
			return "", false
		}
		layout = r.opt.DateTimeFormat
	}
	t := time.Date(y, time.Month(m), d, hh, mm, ss, 0, time.UTC)
	if t.Day() != d { // 1900-02-29 (Excel's leap-year bug), 31 April…
		return "", false
	}
	return t.Format(layout), true
}

// xlsxLooksLikeENotation reports whether s has the shape of a number in E
// notation as excelize renders it: "1.23456789012346E+19", "4.01E+12".
func xlsxLooksLikeENotation(s string) bool {
	i := 0
	if s[0] == '-' {
		i++
	}
	digits := 0
	for ; i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.'); i++ {
		digits++
	}
	if digits == 0 || i+2 >= len(s) || s[i] != 'E' || (s[i+1] != '+' && s[i+1] != '-') {
		return false
	}
	for i += 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// rawValue returns the raw value of cell col in the current row from the
// second iterator, starting it on first use.
func (r *XLSXReader) rawValue(col int) (string, bool) {
	if r.raw == nil {
		it, err := r.f.Rows(r.sheet)
		if err != nil {
			return "", false
		}
		r.raw = it
	}
	for r.rawRow < r.row {
		if !r.raw.Next() {
			return "", false
		}
		r.rawRow++
	}
	if r.rawCellsRow != r.row {
		cells, err := r.raw.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return "", false
		}
		r.rawCells, r.rawCellsRow = cells, r.row
	}
	if col >= len(r.rawCells) {
		return "", false
	}
	return r.rawCells[col], true
}

// xlsxPlainDecimal15 writes a number literal ("4.006381333931E+12",
// "1.1102230246251565E-16") as a plain decimal rounded to 15 significant
// digits, as Excel shows it: "4006381333931", "0.000000000000000111022302462516".
// It works on the digits, never through float64.
func xlsxPlainDecimal15(lit string) (string, bool) {
	s := lit
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var digits []byte
	point := -1
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits = append(digits, c)
		case c == '.' && point < 0:
			point = len(digits)
		default:
			goto mantissaDone
		}
	}
mantissaDone:
	if len(digits) == 0 {
		return "", false
	}
	if point < 0 {
		point = len(digits)
	}
	exp := 0
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return "", false
		}
		i++
		eneg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			eneg = s[i] == '-'
			i++
		}
		if i == len(s) || len(s)-i > 4 {
			return "", false
		}
		for ; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return "", false
			}
			exp = exp*10 + int(s[i]-'0')
		}
		if eneg {
			exp = -exp
		}
	}
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
		point--
	}
	if len(digits) == 0 {
		return "0", true
	}
	if len(digits) > 15 {
		up := digits[15] >= '5'
		digits = digits[:15]
		if up {
			j := 14
			for ; j >= 0 && digits[j] == '9'; j-- {
				digits[j] = '0'
			}
			if j >= 0 {
				digits[j]++
			} else {
				digits = append([]byte{'1'}, digits[:14]...)
				point++
			}
		}
	}
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	e := point + exp // digits[:e] is the integer part
	if e > 400 || e < -400 {
		return "", false
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case e <= 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -e))
		b.Write(digits)
	case e >= len(digits):
		b.Write(digits)
		b.WriteString(strings.Repeat("0", e-len(digits)))
	default:
		b.Write(digits[:e])
		b.WriteByte('.')
		b.Write(digits[e:])
	}
	return b.String(), true
}

// ---------------------------------------------------------------- writer

// XLSXWriter writes records into one sheet of a new workbook. Build it with
// NewXLSXWriter or through XLSXFormat. The workbook goes to the io.Writer
// on Close.
type XLSXWriter struct {
	w   io.Writer
	opt XLSXOptions

	f     *excelize.File
	sw    *excelize.StreamWriter
	sheet string
	bold  int

	header  []string
	index   map[string]int
	numeric []bool
	pending [][]Value // records held back to size the columns
	rows    int       // sheet rows written or pending, header included
	vals    []Value
	cells   []any

	err    error
	closed bool
}

// NewXLSXWriter returns a writer of a workbook into w. Invalid options
// (a sheet name Excel does not allow, a bad column width) give an error.
func NewXLSXWriter(w io.Writer, opt XLSXOptions) (*XLSXWriter, error) {
	if opt.SheetName == "" {
		opt.SheetName = xlsxDefaultSheetName
	}
	switch {
	case opt.MaxColumnWidth == 0:
		opt.MaxColumnWidth = xlsxDefaultMaxColumnWidth
	case opt.MaxColumnWidth < 0 || opt.MaxColumnWidth > 255:
		return nil, fmt.Errorf("xlsx option max_column_width: %g is not a column width (1 to 255)", opt.MaxColumnWidth)
	}
	f := excelize.NewFile()
	if err := f.SetSheetName(f.GetSheetName(0), opt.SheetName); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("xlsx option sheet_name %s: Excel does not allow it: at most 31 characters, none of : \\ / ? * [ ], not starting or ending with '", Quote(opt.SheetName))
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return &XLSXWriter{w: w, opt: opt, f: f, sheet: opt.SheetName, bold: bold}, nil
}

// recover turns a panic inside excelize into the writer's error.
func (w *XLSXWriter) recover(err *error) {
	if p := recover(); p != nil {
		*err = w.fail(fmt.Errorf("xlsx: the Excel library failed while writing (%v)", p))
	}
}

func (w *XLSXWriter) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return w.err
}

// Write adds one record as a row. The first record's field names (after
// Flatten) become the header; later records are matched to it by name.
func (w *XLSXWriter) Write(rec *Record) (err error) {
	if w.err != nil {
		return w.err
	}
	defer w.recover(&err)
	if w.closed {
		return w.fail(errors.New("xlsx: Write after Close"))
	}
	flat := Flatten(rec)
	if w.header == nil {
		if err := w.setHeader(flat); err != nil {
			return w.fail(err)
		}
	}
	vals, err := w.values(flat)
	if err != nil {
		return w.fail(err)
	}
	if w.rows >= xlsxMaxSheetRows {
		return w.fail(&DataError{Pos: rec.Pos, Msg: fmt.Sprintf("more than %d records do not fit on one Excel sheet (%d rows including the header)",
			xlsxMaxSheetRows-1, xlsxMaxSheetRows)})
	}
	w.rows++
	if w.sw == nil {
		w.pending = append(w.pending, vals)
		if len(w.pending) < xlsxWidthSampleRows {
			w.vals = nil // pending keeps the slice
			return nil
		}
		w.vals = nil
		return w.fail(w.start())
	}
	return w.fail(w.writeRow(w.rows, vals))
}

func (w *XLSXWriter) setHeader(flat *Record) error {
	w.header = make([]string, len(flat.Fields))
	w.index = make(map[string]int, len(flat.Fields))
	w.numeric = make([]bool, len(flat.Fields))
	num := make(map[string]bool, len(w.opt.NumberColumns))
	for _, n := range w.opt.NumberColumns {
		num[n] = true
	}
	for i, fl := range flat.Fields {
		if fl.Name == "" {
			return &DataError{Pos: flat.Pos, Msg: fmt.Sprintf("field %d has no name, but every column of the sheet needs one", i+1)}
		}
		if _, dup := w.index[fl.Name]; dup {
			return &DataError{Pos: flat.Pos, Field: fl.Name, Msg: "the field name appears twice; a sheet needs unique column names"}
		}
		if err := w.checkText(fl.Name, flat.Pos, fl.Name); err != nil {
			return err
		}
		w.header[i] = fl.Name
		w.index[fl.Name] = i
		w.numeric[i] = num[fl.Name]
	}
	w.rows = 1
	return nil
}

// values orders a record's values by the header and checks them.
func (w *XLSXWriter) values(flat *Record) ([]Value, error) {
	vals := w.vals
	if cap(vals) < len(w.header) {
		vals = make([]Value, len(w.header))
	}
	vals = vals[:len(w.header)]
	clear(vals)
	same := len(flat.Fields) == len(w.header)
	for i := range flat.Fields {
		fl := &flat.Fields[i]
		j := i
		if !same || fl.Name != w.header[i] {
			same = false
			var ok bool
			if j, ok = w.index[fl.Name]; !ok {
				return nil, &DataError{Pos: fl.Pos, Field: fl.Name, Msg: fmt.Sprintf(
					"the sheet has no column of this name (its columns come from the first record: %s)", xlsxHeadList(w.header))}
			}
		}
		v := fl.Value
		t := v.Text()
		if w.numeric[j] {
			if strings.TrimSpace(t) != "" {
				if _, err := xlsxNumber(t); err != nil {
					return nil, &DataError{Pos: fl.Pos, Field: fl.Name, Msg: Quote(t) + " " + err.Error()}
				}
			}
		} else if err := w.checkText(t, fl.Pos, fl.Name); err != nil {
			return nil, err
		}
		vals[j] = v
	}
	w.vals = vals
	return vals, nil
}

func xlsxHeadList(h []string) string {
	if len(h) > 8 {
		return xlsxQuoteList(h[:8]) + ", …"
	}
	return xlsxQuoteList(h)
}

// checkText refuses text an .xlsx cell cannot hold unchanged.
func (w *XLSXWriter) checkText(t string, pos Pos, field string) error {
	if len(t) > xlsxMaxCellChars {
		if n := xlsxUTF16Len(t); n > xlsxMaxCellChars {
			return &DataError{Pos: pos, Field: field, Msg: fmt.Sprintf(
				"the text has %d characters; an Excel cell holds at most %d", n, xlsxMaxCellChars)}
		}
	}
	for i, c := range t {
		if c >= 0x20 && c < 0xFFFE && (c < 0xD800 || c > 0xDFFF) || c == '\t' || c == '\n' || c == '\r' || c > 0xFFFF {
			if c == utf8.RuneError && xlsxBadUTF8(t[i:]) {
				return &DataError{Pos: pos, Field: field, Msg: fmt.Sprintf("byte %d (0x%02X) of %s is not valid UTF-8", i+1, t[i], Quote(t))}
			}
			continue
		}
		return &DataError{Pos: pos, Field: field, Msg: fmt.Sprintf(
			"%s contains the control character U+%04X, which an .xlsx file cannot hold", Quote(t), c)}
	}
	return nil
}

func xlsxBadUTF8(s string) bool {
	r, n := utf8.DecodeRuneInString(s)
	return r == utf8.RuneError && n <= 1
}

func xlsxUTF16Len(s string) int {
	n := 0
	for _, c := range s {
		n += utf16.RuneLen(c)
	}
	return n
}

// xlsxNumber checks a number_columns value and returns it as float64 for
// excelize. Only literals of at most 15 significant digits pass, and those
// survive the float64 unchanged: excelize writes the shortest text that
// reads back as the same float64, which is the literal's digits.
func xlsxNumber(t string) (float64, error) {
	s := strings.TrimSpace(t)
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	sig, started, digits, zeros := 0, false, 0, 0
	point := false
	for ; i < len(s); i++ {
		c := s[i]
		if c == '.' && !point {
			point = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		digits++
		if c != '0' {
			started = true
			sig += zeros + 1
			zeros = 0
		} else if started {
			zeros++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') && digits > 0 {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		k := j
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > j {
			i = k
		}
	}
	if digits == 0 || i != len(s) {
		if strings.ContainsRune(s, ',') {
			return 0, errors.New("is not a number for a numeric column (number_columns): use a decimal point and no thousands separator, e.g. 1234.56")
		}
		return 0, errors.New("is not a number for a numeric column (number_columns)")
	}
	if sig > 15 {
		return 0, errors.New("has more than 15 significant digits, which Excel cannot store exactly as a number – leave it out of number_columns to write it as text")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, errors.New("is out of the range of Excel numbers")
	}
	return v, nil
}

// start sizes the columns from the header and the pending records, sets
// up the sheet and writes what is pending.
func (w *XLSXWriter) start() error {
	// The stream writer writes the sheet's <dimension> before any row, when
	// the size is unknown; leave it out rather than claim "A1" (it is
	// optional, and readers that trust it would miss columns).
	if err := w.f.SetSheetDimension(w.sheet, ""); err != nil {
		return err
	}
	sw, err := w.f.NewStreamWriter(w.sheet)
	if err != nil {
		return err
	}
	w.sw = sw
	for i, name := range w.header {
		width := xlsxTextWidth(name) + 1 // bold
		for _, vals := range w.pending {
			width = max(width, xlsxTextWidth(vals[i].Text()))
		}
		cw := min(max(float64(width)+2, 8), w.opt.MaxColumnWidth)
		if err := sw.SetColWidth(i+1, i+1, cw); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{
		Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	}); err != nil {
		return err
	}
	head := make([]any, len(w.header))
	for i, n := range w.header {
		head[i] = n
	}
	if err := sw.SetRow("A1", head, excelize.RowOpts{StyleID: w.bold}); err != nil {
		return err
	}
	for k, vals := range w.pending {
		if err := w.writeRow(k+2, vals); err != nil {
			return err
		}
	}
	w.pending = nil
	return nil
}

// xlsxTextWidth is the width of the longest line of s, in runes.
func xlsxTextWidth(s string) int {
	best := 0
	for len(s) > 0 {
		line := s
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			s = ""
		}
		best = max(best, utf8.RuneCountInString(line))
	}
	return best
}

func (w *XLSXWriter) writeRow(row int, vals []Value) error {
	cells := w.cells[:0]
	last := -1
	for i, v := range vals {
		t := v.Text()
		switch {
		case t == "":
			cells = append(cells, nil)
			continue
		case w.numeric[i]:
			if strings.TrimSpace(t) == "" {
				cells = append(cells, nil)
				continue
			}
			n, _ := xlsxNumber(t) // checked in values
			cells = append(cells, n)
		default:
			cells = append(cells, t)
		}
		last = i
	}
	w.cells = cells
	if last < 0 {
		return nil // an empty row: nothing to write (the reader skips it too)
	}
	return w.sw.SetRow("A"+strconv.Itoa(row), cells[:last+1])
}

// Close writes the workbook to the io.Writer (it does not close it) and
// releases excelize's temporary files.
func (w *XLSXWriter) Close() (err error) {
	if w.closed {
		return w.err
	}
	w.closed = true
	defer func() { _ = w.f.Close() }()
	defer w.recover(&err)
	if w.err != nil {
		return w.err
	}
	if w.header != nil {
		if w.sw == nil {
			if err := w.start(); err != nil {
				return w.fail(err)
			}
		}
		last := xlsxColName(len(w.header)-1) + strconv.Itoa(max(w.rows, 2))
		if err := w.f.AutoFilter(w.sheet, "A1:"+last, nil); err != nil {
			return w.fail(err)
		}
		if err := w.sw.Flush(); err != nil {
			return w.fail(err)
		}
	}
	if err := w.f.Write(w.w); err != nil {
		return w.fail(fmt.Errorf("writing the workbook: %w", err))
	}
	return nil
}
