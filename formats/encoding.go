package formats

import (
	"fmt"
	"io"
)

// NewDecoder wraps r so that it yields UTF-8. (Stub: replaced by the
// encoding implementation.)
func NewDecoder(r io.Reader, charset, source string) (io.Reader, error) {
	return nil, fmt.Errorf("charset %q: not implemented", charset)
}

// NewEncoder wraps w so that UTF-8 written to it reaches w in charset.
func NewEncoder(w io.Writer, charset string) (io.WriteCloser, error) {
	return nil, fmt.Errorf("charset %q: not implemented", charset)
}

// NewCharsetWriter checks every value written through it against charset.
func NewCharsetWriter(w Writer, charset string, translit map[rune]string) (Writer, error) {
	return nil, fmt.Errorf("charset %q: not implemented", charset)
}
