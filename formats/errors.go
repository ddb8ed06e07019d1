package formats

import (
	"errors"
	"strconv"
	"strings"
)

// DataError is the one error type for bad data: it says where (file and
// position), which field, and what is wrong, in the compiler format
//
//	artikel.csv:3: field "VK1": "12,5x" is not a decimal
//	orders.json:293:32: unexpected end of file inside a string
//	preise.xlsx:Tabelle1!C12: field "Preis": "abc" is not a decimal
//
// Every reader, writer and encoding reports malformed data as a *DataError.
type DataError struct {
	File   string // source name as given to the reader ("" for stdin: "-")
	Pos    Pos    // where; zero if unknown
	Offset int64  // byte offset in the raw input, -1 or 0 if unknown
	Field  string // field name, "" if the error is not about one field
	Msg    string // what is wrong, in words an accountant understands
	Err    error  // an underlying error, if any
	// RecordOnly is set when the error concerns one record and the reader's
	// framing is intact: the next Read goes on with the following record, so
	// a pipeline may reject or skip the record instead of failing the file.
	// Errors without it are final: every later Read returns the same error.
	RecordOnly bool
}

// Error renders "file:pos: field "X": msg".
func (e *DataError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if p := e.Pos.String(); p != "" {
		if b.Len() > 0 {
			b.WriteByte(':')
		}
		b.WriteString(p)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString("field ")
		b.WriteString(strconv.Quote(e.Field))
		b.WriteString(": ")
	}
	switch {
	case e.Msg != "":
		b.WriteString(e.Msg)
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString("invalid data")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *DataError) Unwrap() error { return e.Err }

// Errorf returns a DataError for file at pos; the message is the formatted
// text. It is a convenience for readers.
func Errorf(file string, pos Pos, field, msg string) *DataError {
	return &DataError{File: file, Pos: pos, Field: field, Msg: msg}
}

// AsDataError returns the DataError in err's chain, or nil.
func AsDataError(err error) *DataError {
	var de *DataError
	if errors.As(err, &de) {
		return de
	}
	return nil
}

// RecordOnly reports whether err is a DataError about one record after
// which reading (or writing) can go on with the next record.
func RecordOnly(err error) bool {
	de := AsDataError(err)
	return de != nil && de.RecordOnly
}

// Positioned reports whether err carries a source position: a DataError
// with a file or a position. Fuzz tests use it to check that every reader
// error says where.
func Positioned(err error) bool {
	de := AsDataError(err)
	return de != nil && (de.File != "" || !de.Pos.IsZero() || de.Offset > 0)
}

// Quote renders a value for a message: in double quotes, control characters
// escaped, cut after 60 characters so a runaway field does not flood a report.
func Quote(s string) string {
	const max = 60
	r := []rune(s)
	cut := false
	if len(r) > max {
		r, cut = r[:max], true
	}
	q := strconv.Quote(string(r))
	if cut {
		q = q[:len(q)-1] + "…\""
	}
	return q
}
