package formats

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// update rewrites golden files: go test ./formats -run TestX -update
var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// sharedDir is ../shared relative to the project root (formats/ is one level
// below it). Tests that read it skip when it is absent.
func sharedDir(t testing.TB, sub string) string {
	t.Helper()
	d := filepath.Join("..", "..", "shared", sub)
	if _, err := os.Stat(d); err != nil {
		t.Skipf("%s not present: %v", d, err)
	}
	return d
}

// readAll reads every record of r, stopping at the first error.
func readAll(r Reader) ([]*Record, error) {
	var recs []*Record
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return recs, nil
		}
		if err != nil {
			return recs, err
		}
		recs = append(recs, rec)
	}
}

// readBytes builds a reader of format f over in and reads it whole.
func readBytes(f Format, opt Options, in io.Reader, source string) ([]*Record, error) {
	r, err := f.NewReader(in, source, opt)
	if err != nil {
		return nil, err
	}
	return readAll(r)
}

// writeBytes writes recs with format f and returns what it wrote.
func writeBytes(f Format, opt Options, recs []*Record) ([]byte, error) {
	var buf bytes.Buffer
	w, err := f.NewWriter(&buf, opt)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			return buf.Bytes(), err
		}
	}
	err = w.Close()
	return buf.Bytes(), err
}

func dumpString(recs []*Record) string {
	var b strings.Builder
	_ = Dump(&b, recs)
	return b.String()
}

// golden compares got with testdata/golden/NAME, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file %s: %v (run with -update to create it)", path, err)
	}
	if string(want) != got {
		t.Errorf("%s differs from golden file (run with -update after reviewing):\n%s", name, lineDiff(string(want), got))
	}
}

// lineDiff shows the first differing lines of two texts.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line ")
			b.WriteString(strconv.Itoa(i + 1))
			b.WriteString(":\n  want: " + wl + "\n  got:  " + gl + "\n")
			if shown++; shown == 8 {
				b.WriteString("  …\n")
				break
			}
		}
	}
	return b.String()
}

// conformanceCase is one input for the suite that every format passes.
type conformanceCase struct {
	Name      string // golden file name under testdata/golden/ (NAME.dump)
	Format    Format
	Opt       Options
	Input     []byte // what the reader gets (UTF-8 for text formats)
	RoundTrip bool   // write → read must give equal records
	// WriteOpt, if set, is used for the writer in the round trip (for formats
	// whose writer needs options the reader does not, e.g. XML root names).
	WriteOpt *Options
}

// runConformanceCases runs every case as a subtest; a case without a
// Format gets f.
func runConformanceCases(t *testing.T, f Format, cases []conformanceCase) {
	t.Helper()
	for _, c := range cases {
		if c.Format.Name == "" {
			c.Format = f
		}
		t.Run(c.Name, func(t *testing.T) { runConformance(t, c) })
	}
}

// runConformance runs the shared suite on one case:
//  1. the records, dumped with positions, equal the golden file;
//  2. the same dump comes out when the input arrives one byte at a time,
//     in halves, or with io.EOF together with the last data;
//  3. write → read gives equal records (when RoundTrip);
//  4. a writer whose io.Writer fails returns the error, and keeps returning it.
func runConformance(t *testing.T, c conformanceCase) {
	t.Helper()
	recs, err := readBytes(c.Format, c.Opt, bytes.NewReader(c.Input), c.Name)
	if err != nil {
		t.Fatalf("%s: read: %v", c.Name, err)
	}
	want := dumpString(recs)
	golden(t, c.Name+".dump", want)

	for name, wrap := range map[string]func(io.Reader) io.Reader{
		"OneByteReader": iotest.OneByteReader,
		"HalfReader":    iotest.HalfReader,
		"DataErrReader": iotest.DataErrReader,
	} {
		got, err := readBytes(c.Format, c.Opt, wrap(bytes.NewReader(c.Input)), c.Name)
		if err != nil {
			t.Errorf("%s via %s: %v", c.Name, name, err)
			continue
		}
		if g := dumpString(got); g != want {
			t.Errorf("%s via %s differs:\n%s", c.Name, name, lineDiff(want, g))
		}
	}

	if c.Format.NewWriter == nil {
		return
	}
	wopt := c.Opt
	if c.WriteOpt != nil {
		wopt = *c.WriteOpt
	}
	if c.RoundTrip {
		out, err := writeBytes(c.Format, wopt, recs)
		if err != nil {
			t.Fatalf("%s: write: %v", c.Name, err)
		}
		back, err := readBytes(c.Format, c.Opt, bytes.NewReader(out), c.Name+"(written)")
		if err != nil {
			t.Fatalf("%s: read back: %v\n%s", c.Name, err, out)
		}
		if len(back) != len(recs) {
			t.Fatalf("%s: round trip: %d records, want %d\n%s", c.Name, len(back), len(recs), out)
		}
		for i := range recs {
			if !recs[i].Equal(back[i]) {
				t.Errorf("%s: round trip record %d differs:\n%s", c.Name, i+1,
					lineDiff(dumpString(recs[i:i+1]), dumpString(back[i:i+1])))
			}
		}
	}

	if len(recs) > 0 {
		w, err := c.Format.NewWriter(failWriter{}, wopt)
		if err == nil {
			var werr error
			for _, r := range recs {
				if werr = w.Write(r); werr != nil {
					break
				}
			}
			cerr := w.Close()
			if werr == nil && cerr == nil {
				t.Errorf("%s: writing into a failing io.Writer reported no error", c.Name)
			}
			if cerr == nil && werr != nil {
				t.Errorf("%s: Close after a failed Write returned nil; the first error must stick", c.Name)
			}
		}
	}
}

// benchRead is the body of every reader benchmark: it reads data whole with
// format f, b.N times, and fails unless it yields want records (want < 0:
// at least one).
func benchRead(b *testing.B, f Format, opt Options, data []byte, want int) {
	b.Helper()
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		r, err := f.NewReader(bytes.NewReader(data), "bench", opt)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if (want < 0 && n == 0) || (want >= 0 && n != want) {
			b.Fatalf("%d records, want %d", n, want)
		}
	}
}

var errDiskFull = errors.New("disk full")

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errDiskFull }

// fuzzRead is the body of every reader's fuzz target: reading arbitrary
// bytes never panics or hangs, every error is a positioned *DataError, and a
// successful read survives write → read unchanged.
func fuzzRead(t *testing.T, f Format, opt Options, data []byte) {
	recs, err := readBytes(f, opt, bytes.NewReader(data), "fuzz")
	if err != nil {
		if !Positioned(err) {
			t.Fatalf("error without position: %v (%T)", err, err)
		}
		return
	}
	if f.NewWriter == nil {
		return
	}
	out, err := writeBytes(f, opt, recs)
	if err != nil {
		// A writer may refuse what it cannot represent (e.g. an XML name);
		// it must say why with a DataError.
		if AsDataError(err) == nil {
			t.Fatalf("write error is not a DataError: %v", err)
		}
		return
	}
	back, err := readBytes(f, opt, bytes.NewReader(out), "fuzz(written)")
	if err != nil {
		t.Fatalf("read back: %v\nwritten: %q", err, out)
	}
	if len(back) != len(recs) {
		t.Fatalf("round trip: %d records, want %d\nwritten: %q", len(back), len(recs), out)
	}
	for i := range recs {
		if !recs[i].Equal(back[i]) {
			t.Fatalf("round trip record %d differs:\n%s\nwritten: %q", i+1,
				lineDiff(dumpString(recs[i:i+1]), dumpString(back[i:i+1])), out)
		}
	}
}
