package formats

import (
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
)

// Reader streams records out of one input. Read returns io.EOF after the
// last record. Every data error is a *DataError with a position. A Reader
// never opens files, logs or starts goroutines: it gets an io.Reader and the
// source name to put into its errors.
//
// Errors are final (every later Read returns the same error) unless they are
// a *DataError with RecordOnly set: then the reader skipped the bad record and
// the next Read continues with the one after it.
type Reader interface {
	Read() (*Record, error)
}

// A Recycler is a Reader that can reuse the memory of records its caller is
// done with. Recycle hands records back; the reader may return them, cleared
// and refilled, from later Reads. The caller must not use a recycled record
// or its Fields slice again, nor have passed either to anything that keeps
// them (the values themselves may be kept: text is never reused). Recycle
// is called from the goroutine that calls Read.
type Recycler interface {
	Reader
	Recycle(recs []*Record)
}

// A RoomReader is a Reader that can make the records it returns with
// spare capacity: after SetRoom(n) (called before the first Read), each
// record's Fields slice has room for n more fields, so that a pipeline
// whose steps add fields to the record in place does not grow it again.
// Nested records get no room.
type RoomReader interface {
	Reader
	SetRoom(n int)
}

// Writer streams records into one output. Close writes trailers and flushes
// (it does not close the underlying io.Writer); the first error sticks and is
// returned by every later call.
type Writer interface {
	Write(*Record) error
	Close() error
}

// Options configures readers and writers. Each format reads its own section;
// the zero value of every section means that format's documented defaults.
type Options struct {
	CSV  CSVOptions  `json:"csv,omitempty" yaml:"csv,omitempty"`
	JSON JSONOptions `json:"json,omitempty" yaml:"json,omitempty"`
	XML  XMLOptions  `json:"xml,omitempty" yaml:"xml,omitempty"`
	TXT  TXTOptions  `json:"txt,omitempty" yaml:"txt,omitempty"`
	XLSX XLSXOptions `json:"xlsx,omitempty" yaml:"xlsx,omitempty"`
}

// Format is a registry entry: a name, the file extensions it claims, and
// constructors. NewReader gets the decoded (UTF-8) input and the source name
// for error messages; NewWriter gets the output to write UTF-8 into.
// Binary formats (XLSX) set Binary: they get the raw bytes, never a charset
// wrapper.
type Format struct {
	Name       string
	Extensions []string // with dot, lower case: ".csv"
	Binary     bool
	NewReader  func(r io.Reader, source string, opt Options) (Reader, error)
	NewWriter  func(w io.Writer, opt Options) (Writer, error)
}

// Registry is a set of formats looked up by name or extension. It is a plain
// value: build one with Builtin and add your own.
type Registry struct {
	byName map[string]*Format
}

// Builtin returns a registry with every format ferry ships: csv, json,
// jsonl, xml, txt (fixed-width), xlsx and eml (write-only).
func Builtin() *Registry {
	r := &Registry{byName: map[string]*Format{}}
	for _, f := range []Format{CSVFormat(), JSONFormat(), JSONLinesFormat(), XMLFormat(), TXTFormat(), XLSXFormat(), EMLFormat()} {
		r.Add(f)
	}
	return r
}

// Add registers f, replacing a format of the same name.
func (r *Registry) Add(f Format) {
	if r.byName == nil {
		r.byName = map[string]*Format{}
	}
	ff := f
	r.byName[strings.ToLower(f.Name)] = &ff
}

// Lookup returns the format with the given name.
func (r *Registry) Lookup(name string) (*Format, error) {
	if f, ok := r.byName[strings.ToLower(name)]; ok {
		return f, nil
	}
	return nil, fmt.Errorf("unknown format %q (known: %s)", name, strings.Join(r.Names(), ", "))
}

// ForPath returns the format whose extension matches path's.
func (r *Registry) ForPath(path string) (*Format, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext == "" {
		return nil, fmt.Errorf("%s: no file extension to tell the format from; name it (e.g. --from csv)", path)
	}
	for _, n := range r.Names() {
		f := r.byName[n]
		for _, e := range f.Extensions {
			if e == ext {
				return f, nil
			}
		}
	}
	return nil, fmt.Errorf("%s: no format for extension %q (known: %s)", path, ext, strings.Join(r.Names(), ", "))
}

// Names returns the registered format names, sorted.
func (r *Registry) Names() []string {
	ns := make([]string, 0, len(r.byName))
	for n := range r.byName {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}
