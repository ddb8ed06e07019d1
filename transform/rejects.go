package transform

import (
	"encoding/csv"
	"io"
	"strings"

	"github.com/ferry-sync/ferry/formats"
)

// RejectsWriter writes the records a pipeline refused under on_error
// "reject" into a CSV file that opens cleanly in Excel (UTF-8 with BOM,
// ";", CRLF): the error, where it was found, then the record's own fields.
// The columns come from the first refused record (flattened); a later
// record with other fields puts those into the last column as name=value.
type RejectsWriter struct {
	w      *csv.Writer
	out    io.Writer
	header []string
	index  map[string]int
	row    []string
	n      int
	err    error
}

// Columns before the record's fields, and the catch-all column.
const (
	rejectsError = "error"
	rejectsWhere = "where"
	rejectsOther = "other fields"
)

// NewRejectsWriter writes into w; nothing is written until the first Add.
func NewRejectsWriter(w io.Writer) *RejectsWriter {
	return &RejectsWriter{out: w}
}

// Count returns how many records were added.
func (r *RejectsWriter) Count() int { return r.n }

// Add writes one refused record (nil when the reader could not even make a
// record of the line) with its error.
func (r *RejectsWriter) Add(rec *formats.Record, err error) error {
	if r.err != nil {
		return r.err
	}
	where, msg := "", err.Error()
	if de := formats.AsDataError(err); de != nil {
		where = de.File
		if p := de.Pos.String(); p != "" {
			where += ":" + p
		}
		msg = de.Msg
		if msg == "" && de.Err != nil {
			msg = de.Err.Error()
		}
		if de.Field != "" {
			msg = "field \"" + de.Field + "\": " + msg
		}
	}
	var flat *formats.Record
	if rec != nil {
		flat = formats.Flatten(rec)
	}
	if r.w == nil {
		if _, r.err = io.WriteString(r.out, "\ufeff"); r.err != nil {
			return r.err
		}
		r.w = csv.NewWriter(r.out)
		r.w.Comma, r.w.UseCRLF = ';', true
		r.header = []string{rejectsError, rejectsWhere}
		r.index = map[string]int{}
		if flat != nil {
			for _, f := range flat.Fields {
				r.index[f.Name] = len(r.header)
				r.header = append(r.header, f.Name)
			}
		}
		r.header = append(r.header, rejectsOther)
		if r.err = r.w.Write(r.header); r.err != nil {
			return r.err
		}
		r.row = make([]string, len(r.header))
	}
	clear(r.row)
	r.row[0], r.row[1] = msg, where
	var other []string
	if flat != nil {
		for _, f := range flat.Fields {
			if i, ok := r.index[f.Name]; ok {
				r.row[i] = f.Value.Text()
			} else {
				other = append(other, f.Name+"="+f.Value.Text())
			}
		}
	}
	r.row[len(r.row)-1] = strings.Join(other, "; ")
	r.n++
	r.err = r.w.Write(r.row)
	return r.err
}

// Close flushes what was written; it does not close the io.Writer.
func (r *RejectsWriter) Close() error {
	if r.w != nil && r.err == nil {
		r.w.Flush()
		r.err = r.w.Error()
	}
	return r.err
}
