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

// RejectsFile is a RejectsWriter whose file is created on the first
// refused record, so that a run without refusals leaves no empty file. Its
// first error sticks and is returned by Close.
type RejectsFile struct {
	create func() (io.Writer, error)
	w      *RejectsWriter
	err    error
}

// NewRejectsFile returns a RejectsFile that calls create for its file.
func NewRejectsFile(create func() (io.Writer, error)) *RejectsFile {
	return &RejectsFile{create: create}
}

// Add writes one refused record with its error (see RejectsWriter.Add).
func (f *RejectsFile) Add(rec *formats.Record, err error) {
	if f.err != nil {
		return
	}
	if f.w == nil {
		var out io.Writer
		if out, f.err = f.create(); f.err != nil {
			return
		}
		f.w = NewRejectsWriter(out)
	}
	f.err = f.w.Add(rec, err)
}

// Count returns how many records were written.
func (f *RejectsFile) Count() int {
	if f.w == nil {
		return 0
	}
	return f.w.Count()
}

// Close flushes the file, if one was created, and returns the first error.
func (f *RejectsFile) Close() error {
	if f.w != nil {
		if err := f.w.Close(); f.err == nil {
			f.err = err
		}
	}
	return f.err
}
