package formats

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// lagerLayout is the layout of testdata/txt/lagerbestand.txt: a Sage-style
// fixed-width stock list with a header line.
func lagerLayout() TXTOptions {
	return TXTOptions{
		Header: true,
		Columns: []TXTColumn{
			{Name: "Artikelnummer", Start: 1, Width: 13},
			{Name: "Bezeichnung", Start: 15, Width: 42},
			{Name: "Einheit", Start: 58, Width: 6},
			{Name: "Bestand", Start: 65, Width: 7, Align: "right", Pad: "0"},
			{Name: "VK1", Start: 73, Width: 10, Align: "right", Pad: "0"},
			{Name: "Aktiv", Start: 84, Width: 1},
		},
	}
}

// smallLayout: three columns with a gap, for table tests.
func smallLayout() TXTOptions {
	return TXTOptions{Columns: []TXTColumn{
		{Name: "Nr", Start: 1, Width: 6},
		{Name: "Name", Start: 8, Width: 5},
		{Name: "Menge", Start: 13, Width: 5, Align: "right", Pad: "0"},
	}}
}

func txtEvents(t *testing.T, opt TXTOptions, source, in string) []string {
	t.Helper()
	r, err := TXTFormat().NewReader(strings.NewReader(in), source, Options{TXT: opt})
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	return events(r)
}

func TestTXTConformance(t *testing.T) {
	lager := readFile(t, "testdata/txt/lagerbestand.txt")
	noTrim := lagerLayout()
	noTrim.Trim = boolp(false)
	cases := []conformanceCase{
		{Name: "txt-lagerbestand", Input: lager, RoundTrip: true, Opt: Options{TXT: lagerLayout()}},
		{Name: "txt-lagerbestand-notrim", Input: lager, RoundTrip: true, Opt: Options{TXT: noTrim}},
		{Name: "txt-delimited", Input: []byte("Nr\tName\tMenge\r\n000815\tBecher „Heimathafen“\t12\r\n00042\t\"Honig\t500 g\"\t-3\r\n"),
			RoundTrip: true, Opt: Options{TXT: TXTOptions{Delimiter: "\t", Header: true}}},
	}
	runConformanceCases(t, TXTFormat(), cases)
}

// TestTXTWriteSample: writing what was read gives the sample file back.
func TestTXTWriteSample(t *testing.T) {
	lager := readFile(t, "testdata/txt/lagerbestand.txt")
	opt := Options{TXT: lagerLayout()}
	recs, err := readBytes(TXTFormat(), opt, bytes.NewReader(lager), "lagerbestand.txt")
	if err != nil {
		t.Fatal(err)
	}
	out, err := writeBytes(TXTFormat(), opt, recs)
	if err != nil {
		t.Fatal(err)
	}
	// The sample's short line (VERSAND, trailing columns trimmed by the
	// export) comes back full width, and the final blank line is gone.
	// The header line carries the layout's names, cut to the widths.
	short := "VERSAND       Versandkosten Paket"
	want := strings.Replace(string(lager), short+"\r\n", short+strings.Repeat(" ", 84-len(short))+"\r\n", 1)
	want = strings.TrimSuffix(want, "\r\n")
	want = "Artikelnummer Bezeichnung                                Einhei Bestand        VK1 A" + want[strings.Index(want, "\r\n"):]
	if string(out) != want {
		t.Errorf("written file differs:\n%s", lineDiff(want, string(out)))
	}
}

func TestTXTRead(t *testing.T) {
	cases := []struct {
		name string
		opt  TXTOptions
		in   string
		want []string
	}{
		{"basic", smallLayout(), "000815 Tee  00012\r\n00042  Honig-0003\n", []string{
			`rec 1:1 Nr="000815" Name="Tee" Menge="12"`,
			`rec 2:1 Nr="00042" Name="Honig" Menge="-3"`, "EOF"}},
		{"short line and blank lines", smallLayout(), "\n   \t \n000815 Te\n\x1a\n", []string{
			`rec 3:1 Nr="000815" Name="Te" Menge=""`, "EOF"}},
		{"zeros", smallLayout(), "a      b    00000\na      b    000,5\na      b      -07\na      b    +0000\na      b       12\n", []string{
			`rec 1:1 Nr="a" Name="b" Menge="0"`,
			`rec 2:1 Nr="a" Name="b" Menge="0,5"`,
			`rec 3:1 Nr="a" Name="b" Menge="-7"`,
			`rec 4:1 Nr="a" Name="b" Menge="+0"`,
			`rec 5:1 Nr="a" Name="b" Menge="12"`, "EOF"}},
		{"beyond the layout", smallLayout(), "000815 Tee  00012   \n000816 Kork 00001  XYZ \n000817 Ende 00002\n", []string{
			`rec 1:1 Nr="000815" Name="Tee" Menge="12"`,
			`err b.txt:2:20: line 2 has 22 characters, the layout ends at 17: "XYZ" (record only)`,
			`rec 3:1 Nr="000817" Name="Ende" Menge="2"`, "EOF"}},
		{"text in a gap", smallLayout(), "000815xTee  00012\n", []string{
			`err b.txt:1:7: "x" at character 7 is outside the columns of the layout (between columns "Nr" and "Name") – does the layout fit the file?` + " (record only)", "EOF"}},
		{"text before the first column", TXTOptions{Columns: []TXTColumn{{Name: "A", Start: 3, Width: 2}}}, " zab\n", []string{
			`err b.txt:1:2: "z" at character 2 is outside the columns of the layout (before the first column "A") – does the layout fit the file?` + " (record only)", "EOF"}},
		{"umlauts count as one character", smallLayout(), "Größe1 Äöüß 00007\n", []string{
			`rec 1:1 Nr="Größe1" Name="Äöüß" Menge="7"`, "EOF"}},
		{"header skipped", TXTOptions{Header: true, Columns: smallLayout().Columns}, "\uFEFF\r\nNr     Name Menge\r\n1      x    00001\r\n", []string{
			`rec 3:1 Nr="1" Name="x" Menge="1"`, "EOF"}},
		{"trim off", TXTOptions{Trim: boolp(false), Columns: smallLayout().Columns}, "1      x    00001\n2\n", []string{
			`rec 1:1 Nr="1     " Name="x    " Menge="00001"`,
			`rec 2:1 Nr="2     " Name="     " Menge="     "`, "EOF"}},
		{"right aligned, space pad", TXTOptions{Columns: []TXTColumn{{Name: "A", Start: 1, Width: 5, Align: "right"}, {Name: "B", Start: 6, Width: 3, Pad: "_"}}}, "   12x__\n", []string{
			`rec 1:1 A="12" B="x"`, "EOF"}},
		{"empty", smallLayout(), "", []string{"EOF"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := txtEvents(t, c.opt, "b.txt", c.in)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			r, _ := TXTFormat().NewReader(iotest.OneByteReader(strings.NewReader(c.in)), "b.txt", Options{TXT: c.opt})
			if got1 := events(r); strings.Join(got1, "\n") != strings.Join(got, "\n") {
				t.Errorf("one byte at a time:\n%s", strings.Join(got1, "\n"))
			}
		})
	}
}

func TestTXTFieldPositions(t *testing.T) {
	recs, err := readBytes(TXTFormat(), Options{TXT: smallLayout()}, strings.NewReader("\n000815 Tee  00012\n"), "p.txt")
	if err != nil || len(recs) != 1 {
		t.Fatal(recs, err)
	}
	r := recs[0]
	if r.Pos != (Pos{Line: 2, Col: 1, Index: 1}) {
		t.Errorf("record pos %+v", r.Pos)
	}
	for i, col := range []int{1, 8, 13} {
		if p := r.Fields[i].Pos; p.Line != 2 || p.Col != col {
			t.Errorf("field %d pos %+v, want 2:%d", i, p, col)
		}
	}
}

func TestTXTLayoutErrors(t *testing.T) {
	cases := []struct {
		opt  TXTOptions
		want string
	}{
		{TXTOptions{}, "txt needs columns (fixed-width layout) or a delimiter"},
		{TXTOptions{Delimiter: ";", Columns: smallLayout().Columns}, "txt options: set either columns (fixed-width layout) or a delimiter, not both"},
		{TXTOptions{Columns: []TXTColumn{{Name: "A", Start: 1, Width: 5}, {Name: "B", Start: 5, Width: 3}}},
			`txt options: columns "A" (characters 1–5) and "B" (characters 5–7) overlap`},
		{TXTOptions{Columns: []TXTColumn{{Name: "B", Start: 4, Width: 3}, {Name: "A", Start: 1, Width: 5}}},
			`txt options: columns "A" (characters 1–5) and "B" (characters 4–6) overlap`},
		{TXTOptions{Columns: []TXTColumn{{Name: "A", Start: 1, Width: 0}}}, `txt options: column "A" has width 0 – a column is at least 1 character wide (and at most 1048576)`},
		{TXTOptions{Columns: []TXTColumn{{Name: "A", Start: 0, Width: 3}}}, `txt options: column "A" starts at 0 – character positions start at 1`},
		{TXTOptions{Columns: []TXTColumn{{Name: " ", Start: 1, Width: 3}}}, `txt options: column 1 has no name`},
		{TXTOptions{Columns: []TXTColumn{{Name: "A", Start: 1, Width: 3}, {Name: "A", Start: 5, Width: 3}}}, `txt options: columns 1 and 2 are both named "A"`},
		{TXTOptions{Columns: []TXTColumn{{Name: "A", Start: 1, Width: 3, Align: "center"}}}, `txt options: column "A": align "center" is not supported: use "left" or "right"`},
		{TXTOptions{Columns: []TXTColumn{{Name: "A", Start: 1, Width: 3, Pad: "00"}}}, `txt options: column "A": pad "00" must be one character`},
		{TXTOptions{Columns: smallLayout().Columns, LineEnding: "cr"}, `txt options: line ending "cr" is not supported: use "crlf" (the default) or "lf"`},
		{TXTOptions{Delimiter: ";;"}, `txt options: delimiter ";;" must be exactly one character, e.g. ";", "," or "\t"`},
	}
	for _, c := range cases {
		_, rerr := TXTFormat().NewReader(strings.NewReader(""), "x.txt", Options{TXT: c.opt})
		w, werr := TXTFormat().NewWriter(io.Discard, Options{TXT: c.opt})
		if rerr == nil || rerr.Error() != c.want {
			t.Errorf("reader: got %v\nwant %s", rerr, c.want)
		}
		if werr == nil || werr.Error() != c.want || w != nil {
			t.Errorf("writer: got %v\nwant %s", werr, c.want)
		}
		if AsDataError(rerr) != nil {
			t.Errorf("a layout error is not a data error: %v", rerr)
		}
	}
}

func TestTXTWrite(t *testing.T) {
	lay := smallLayout()
	lf := lay
	lf.LineEnding = "lf"
	hdr := lay
	hdr.Header = true
	cases := []struct {
		name string
		opt  TXTOptions
		recs []*Record
		want string
	}{
		{"basic", lay, []*Record{rec("Nr", "000815", "Name", "Tee", "Menge", "12"), rec("Menge", "-3", "Nr", "00042")},
			"000815 Tee  00012\r\n00042       -0003\r\n"},
		{"lf, umlauts, zero and non-numbers", lf, []*Record{rec("Nr", "Größe", "Name", "Äöüß", "Menge", "0"), rec("Nr", "x", "Name", "", "Menge", "n/a"), rec("Nr", "y", "Menge", "0,50")},
			"Größe  Äöüß 00000\nx             n/a\ny           00,50\n"},
		{"header cut to width", hdr, []*Record{rec("Nr", "1", "Name", "x", "Menge", "1")},
			"Nr     Name Menge\r\n1      x    00001\r\n"},
		{"header only", hdr, nil, "Nr     Name Menge\r\n"},
		{"nothing", lay, nil, ""},
		{"numbers and nulls", lay, []*Record{func() *Record {
			r := NewRecord(3)
			r.Add("Nr", Number("42"), Pos{})
			r.Add("Name", Null, Pos{})
			r.Add("Menge", Number("-1.5"), Pos{})
			return r
		}()}, "42" + strings.Repeat(" ", 10) + "-01.5\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := writeBytes(TXTFormat(), Options{TXT: c.opt}, c.recs)
			if err != nil {
				t.Fatal(err)
			}
			if string(out) != c.want {
				t.Errorf("got  %q\nwant %q", out, c.want)
			}
		})
	}
	long := TXTOptions{Header: true, Columns: []TXTColumn{{Name: "Bezeichnung", Start: 1, Width: 3}, {Name: "Menge", Start: 5, Width: 2, Align: "right"}}}
	out, err := writeBytes(TXTFormat(), Options{TXT: long}, []*Record{rec("Bezeichnung", "abc", "Menge", "1")})
	if err != nil || string(out) != "Bez Me\r\nabc  1\r\n" {
		t.Errorf("header cut: %q %v", out, err)
	}
}

func TestTXTWriteErrors(t *testing.T) {
	long := rec("Nr", "1", "Name", "Kaffeebecher „Heimathafen“")
	long.Pos = Pos{Line: 4, Col: 1, Index: 3}
	long.Fields[1].Pos = Pos{Line: 4, Col: 8}
	cases := []struct {
		name string
		recs []*Record
		want string
	}{
		{"too long", []*Record{long}, `4:8: field "Name": "Kaffeebecher „Heimathafen“" has 26 characters; column "Name" is 5 wide`},
		{"line break", []*Record{rec("Nr", "1", "Name", "a\r\nb")}, `field "Name": "a\r\nb" contains a line break, which a fixed-width line cannot hold`},
		{"unknown field", []*Record{rec("Nr", "1", "Preis", "2")}, `field "Preis": not a column of the fixed-width layout (columns: Nr, Name, Menge)`},
		{"duplicate field", []*Record{rec("Nr", "1", "Nr", "2")}, `field "Nr": the record has two fields of this name`},
		{"BOM first", []*Record{rec("Nr", "\uFEFFx")}, `field "Nr": the line starts with an invisible byte order mark (U+FEFF), which readers drop at the start of a file`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := TXTFormat().NewWriter(&buf, Options{TXT: smallLayout()})
			if err != nil {
				t.Fatal(err)
			}
			var werr error
			for _, r := range c.recs {
				if werr = w.Write(r); werr != nil {
					break
				}
			}
			if AsDataError(werr) == nil || werr.Error() != c.want {
				t.Fatalf("got  %v\nwant %s", werr, c.want)
			}
			if err := w.Close(); err != werr {
				t.Errorf("error does not stick: %v", err)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %q for a refused record", buf.String())
			}
		})
	}
}

func TestTrimZeros(t *testing.T) {
	for in, want := range map[string]string{
		"00012": "12", "00000": "0", "000,5": "0,5", "-0012,50": "-12,50", "+0003": "+3", "-0000": "-0",
		"  012": "12", "0000-": "0-", "00x": "0x", "12": "12", "-": "-", "- 12": "- 12", "0": "0", "": "",
	} {
		if got := trimZeros(in); got != want {
			t.Errorf("trimZeros(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTXTInputError(t *testing.T) {
	decErr := &DataError{File: "x.txt", Pos: Pos{Line: 2}, Msg: "bad byte"}
	r, _ := TXTFormat().NewReader(&failingReader{data: []byte("000815 Tee  00012\n0"), err: decErr}, "x.txt", Options{TXT: smallLayout()})
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if _, err := r.Read(); err != error(decErr) {
			t.Errorf("got %v, want the decoder's error unchanged", err)
		}
	}
}

func txtBenchData(n int) ([]byte, TXTOptions) {
	opt := TXTOptions{Columns: []TXTColumn{
		{Name: "Artikelnummer", Start: 1, Width: 13},
		{Name: "Bezeichnung", Start: 15, Width: 30},
		{Name: "Langtext", Start: 46, Width: 50},
		{Name: "Warengruppe", Start: 97, Width: 3},
		{Name: "Einheit", Start: 101, Width: 3},
		{Name: "VK1", Start: 105, Width: 10, Align: "right", Pad: "0"},
		{Name: "VK2", Start: 116, Width: 10, Align: "right", Pad: "0"},
		{Name: "Steuerschluessel", Start: 127, Width: 1},
		{Name: "Gewicht", Start: 129, Width: 8, Align: "right", Pad: "0"},
		{Name: "EAN", Start: 138, Width: 13},
		{Name: "Bestand", Start: 152, Width: 6, Align: "right", Pad: "0"},
		{Name: "Aktiv", Start: 159, Width: 1},
	}}
	rows := artikelRows(n)
	out, err := writeBytes(TXTFormat(), Options{TXT: opt}, rowsToRecords(rows[0], rows[1:]))
	if err != nil {
		panic(err)
	}
	return out, opt
}

func BenchmarkTXTRead(b *testing.B) {
	data, opt := txtBenchData(benchRows)
	benchRead(b, TXTFormat(), Options{TXT: opt}, data, benchRows)
}

func BenchmarkTXTWrite(b *testing.B) {
	data, opt := txtBenchData(benchRows)
	recs, err := readBytes(TXTFormat(), Options{TXT: opt}, bytes.NewReader(data), "bench.txt")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		w, _ := TXTFormat().NewWriter(io.Discard, Options{TXT: opt})
		for _, r := range recs {
			if err := w.Write(r); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzTXTRead(f *testing.F) {
	f.Add(readFile(f, filepath.Join("testdata", "txt", "lagerbestand.txt")))
	f.Add([]byte("000815 Tee  00012\r\n00042  Honig-0003\n\n   \nx"))
	f.Add([]byte("Größe1 Äöüß 00007\n000815xTee  00012   X\n"))
	noTrim := smallLayout()
	noTrim.Trim = boolp(false)
	hdr := smallLayout()
	hdr.Header, hdr.LineEnding = true, "lf"
	opts := []TXTOptions{lagerLayout(), smallLayout(), noTrim, hdr, {Delimiter: "|"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, o := range opts {
			opt := Options{TXT: o}
			recs, err := readBytes(TXTFormat(), opt, bytes.NewReader(data), "fuzz")
			if err == nil && len(recs) == 0 {
				continue // nothing to round-trip (a header alone is written back)
			}
			if o.Delimiter != "" && bytes.Contains(data, []byte("\r\r\n")) {
				continue // see FuzzCSVRead
			}
			fuzzRead(t, TXTFormat(), opt, data)
		}
	})
}
