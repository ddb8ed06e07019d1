package formats

import (
	"io"
)

// NewTextReader builds a reader of format f over raw input bytes: text
// formats get the input decoded from charset to UTF-8 first ("auto" sniffs a
// BOM, then UTF-8, then falls back to Windows-1252); binary formats (XLSX,
// and XML, which honours its own encoding declaration) get the raw bytes and
// ignore charset. source names the input in error messages.
func NewTextReader(f *Format, r io.Reader, source, charset string, opt Options) (Reader, error) {
	if !f.Binary {
		if charset == "" {
			charset = "auto"
		}
		dec, err := NewDecoder(r, charset, source)
		if err != nil {
			return nil, err
		}
		r = dec
	}
	return f.NewReader(r, source, opt)
}

// NewTextWriter builds a writer of format f that writes charset-encoded
// output into w. For text formats every record is first checked against the
// charset (a character it cannot hold is a DataError naming the field, after
// the optional transliteration table), then written as UTF-8 through an
// encoder. Binary formats ignore charset (XML takes its output encoding from
// its own options). Close flushes everything but does not close w.
func NewTextWriter(f *Format, w io.Writer, charset string, translit map[rune]string, opt Options) (Writer, error) {
	if f.Binary {
		return f.NewWriter(w, opt)
	}
	if charset == "" {
		charset = "utf-8"
	}
	enc, err := NewEncoder(w, charset)
	if err != nil {
		return nil, err
	}
	fw, err := f.NewWriter(enc, opt)
	if err != nil {
		return nil, err
	}
	cw, err := NewCharsetWriter(fw, charset, translit)
	if err != nil {
		return nil, err
	}
	return &encodedWriter{Writer: cw, enc: enc}, nil
}

// encodedWriter closes the format writer, then flushes the encoder.
type encodedWriter struct {
	Writer
	enc io.WriteCloser
}

func (e *encodedWriter) Close() error {
	err := e.Writer.Close()
	if cerr := e.enc.Close(); err == nil {
		err = cerr
	}
	return err
}
