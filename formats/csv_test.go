package formats

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"golang.org/x/text/encoding/charmap"
)

// cp1252 reads a Windows-1252 test file as UTF-8 (the charset layer's job
// in the product; done here by hand).
func cp1252(t testing.TB, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func boolp(b bool) *bool { return &b }

// events reads r to the end, going on after RecordOnly errors, and renders
// every record and error as one line:
//
//	rec 2:1 a="1" b="2"
//	err f.csv:3: … (record only)
func events(r Reader) []string {
	var out []string
	for i := 0; i < 1000; i++ {
		rec, err := r.Read()
		if err == io.EOF {
			return append(out, "EOF")
		}
		if err != nil {
			s := "err " + err.Error()
			if de := AsDataError(err); de != nil && de.RecordOnly {
				s += " (record only)"
				out = append(out, s)
				continue
			}
			out = append(out, s)
			// a final error must stick
			if _, err2 := r.Read(); err2 == nil || err2.Error() != err.Error() {
				out = append(out, fmt.Sprintf("NOT STICKY: %v", err2))
			}
			return out
		}
		out = append(out, recLine(rec))
	}
	return append(out, "TOO MANY")
}

func recLine(rec *Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "rec %s", rec.Pos)
	for _, f := range rec.Fields {
		fmt.Fprintf(&b, " %s=%q", f.Name, f.Value.Text())
	}
	return b.String()
}

func csvEvents(t *testing.T, opt CSVOptions, source string, in []byte) []string {
	t.Helper()
	r, err := CSVFormat().NewReader(bytes.NewReader(in), source, Options{CSV: opt})
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	return events(r)
}

func TestCSVConformance(t *testing.T) {
	cases := []conformanceCase{
		{Name: "csv-artikel", Input: cp1252(t, "testdata/csv/artikel.csv"), RoundTrip: true},
		{Name: "csv-product-import", Input: readFile(t, "testdata/csv/product-import.csv"), RoundTrip: true},
		{Name: "csv-quotes-lf", Input: readFile(t, "testdata/csv/quotes-lf.csv"), RoundTrip: true},
		{Name: "csv-bare-quotes", Input: readFile(t, "testdata/csv/bare-quotes.csv"), RoundTrip: true},
		{Name: "csv-location-coordinates", Input: readFile(t, "testdata/csv/location_coordinates.csv"), RoundTrip: true,
			Opt: Options{CSV: CSVOptions{Delimiter: ","}}},
		{Name: "csv-pipes-noquote", Input: readFile(t, "testdata/csv/pipes-noquote.csv"), RoundTrip: true,
			Opt: Options{CSV: CSVOptions{Quote: "none"}}},
		{Name: "csv-noheader-columns", Input: []byte("000815;8,3193\r\n00042;8,5000\r\n"), RoundTrip: true,
			Opt: Options{CSV: CSVOptions{Header: boolp(false), Columns: []string{"Artikelnummer", "VK1"}}}},
	}
	runConformanceCases(t, CSVFormat(), cases)
}

// TestCSVSpectrum reads the csv-spectrum suite: every file with a header
// gives exactly the records of its JSON twin.
func TestCSVSpectrum(t *testing.T) {
	dir := sharedDir(t, "conformance/csv-spectrum")
	files, err := filepath.Glob(filepath.Join(dir, "csvs", "*.csv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no csv files in %s: %v", dir, err)
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".csv")
		t.Run(name, func(t *testing.T) {
			in := readFile(t, path)
			recs, err := readBytes(CSVFormat(), Options{CSV: CSVOptions{Delimiter: ","}}, bytes.NewReader(in), name+".csv")
			if err != nil {
				t.Fatal(err)
			}
			var want []map[string]string
			js := readFile(t, filepath.Join(dir, "json", name+".json"))
			skip := ""
			if name == "location_coordinates" {
				// The file has bare quotes in an unquoted field (37.8"N),
				// which are data. Its JSON twin is one object rather than a
				// list, and has another phone number than the CSV (upstream
				// bug: 1234567890 against 2095257564), so that one column
				// is not compared.
				js = append(append([]byte("["), js...), ']')
				skip = "Contact Phone Number"
			}
			if err := json.Unmarshal(js, &want); err != nil {
				t.Fatal(err)
			}
			if len(recs) != len(want) {
				t.Fatalf("%d records, want %d", len(recs), len(want))
			}
			for i, rec := range recs {
				if len(rec.Fields) != len(want[i]) {
					t.Errorf("record %d: %d fields, want %d", i+1, len(rec.Fields), len(want[i]))
				}
				for _, f := range rec.Fields {
					// A line break inside quotes is read as LF, whether the file
					// has CRLF or LF (encoding/csv does so; newlines_crlf.json
					// expects the CRLF, and the stored .csv has LF anyway).
					if f.Name == skip {
						continue
					}
					w, ok := want[i][f.Name]
					w = strings.ReplaceAll(w, "\r\n", "\n")
					if !ok || w != f.Value.Text() || f.Value.Kind() != KindString {
						t.Errorf("record %d field %q = %q (%s), want %q", i+1, f.Name, f.Value.Text(), f.Value.Kind(), w)
					}
				}
			}
		})
	}
}

func TestCSVReadErrors(t *testing.T) {
	wrongCols := cp1252(t, "testdata/csv/artikel-wrong-columns.csv")
	cases := []struct {
		name   string
		source string
		opt    CSVOptions
		in     string
		want   []string
	}{
		{"wrong columns (sample)", "artikel-wrong-columns.csv", CSVOptions{}, string(wrongCols), []string{
			"rec 2:1 Artikelnummer=\"000815\"",
			`err artikel-wrong-columns.csv:3: 37 fields, the header has 36 – field 6 "Langtext" ("Edelstahl 18/10, doppelwandig") probably contains an unquoted ";" (record only)`,
			"rec 4:1 Artikelnummer=\"000816\"",
			"EOF"}},
		{"one field too many, no hint", "a.csv", CSVOptions{}, "a;b;c\n1;2;3;4\n5;6;7\n", []string{
			`err a.csv:2: 4 fields, the header has 3 – a value probably contains an unquoted ";" (record only)`,
			`rec 3:1 a="5" b="6" c="7"`, "EOF"}},
		{"two fields too many", "a.csv", CSVOptions{}, "a;b\n1;2;3;4\n", []string{
			`err a.csv:2: 4 fields, the header has 2 – values probably contain an unquoted ";" (record only)`, "EOF"}},
		{"too few fields", "a.csv", CSVOptions{}, "a;b;c\r\n1;2\r\n4;5;6\r\n", []string{
			`err a.csv:2: 2 fields, the header has 3 – fields missing at the end of the line, or a line break inside an unquoted field? (record only)`,
			`rec 3:1 a="4" b="5" c="6"`, "EOF"}},
		{"unterminated quote", "a.csv", CSVOptions{}, "a;b\n1;2\n3;\"open\n4;5\n", []string{
			`rec 2:1 a="1" b="2"`,
			`err a.csv:4:5: field "b": a quoted field is not closed before the end of the file – the file is incomplete or a quote is missing (field started at line 3)`}},
		{"unterminated quote, no final newline", "a.csv", CSVOptions{}, "a;b\n1;\"x", []string{
			`err a.csv:2:5: field "b": a quoted field is not closed before the end of the file – the file is incomplete or a quote is missing (field started at line 2)`}},
		{"unterminated quote, CRLF", "a.csv", CSVOptions{}, "a;b\r\n1;\"x\r\n", []string{
			`err a.csv:2:6: field "b": a quoted field is not closed before the end of the file – the file is incomplete or a quote is missing (field started at line 2)`}},
		{"unterminated quote, CR before the end", "a.csv", CSVOptions{}, "a;b\n1;\"x\n\r", []string{
			`err a.csv:2:6: field "b": a quoted field is not closed before the end of the file – the file is incomplete or a quote is missing (field started at line 2)`}},
		{"unterminated quote after a multi-line field", "a.csv", CSVOptions{}, "a;b;c\n\"x\ny\";\"open\n", []string{
			`err a.csv:3:10: field "b": a quoted field is not closed before the end of the file – the file is incomplete or a quote is missing (field started at line 3)`}},
		{"bare quote is data", "a.csv", CSVOptions{}, "a;b\n1;x\"y\n2;3\n", []string{
			`rec 2:1 a="1" b="x\"y"`,
			`rec 3:1 a="2" b="3"`, "EOF"}},
		{"unterminated quote after a bare quote", "a.csv", CSVOptions{}, "a;b\r\n5\";\"open\r\n", []string{
			`err a.csv:2:10: field "b": a quoted field is not closed before the end of the file – the file is incomplete or a quote is missing (field started at line 2)`}},
		{"unterminated quote in the header", "a.csv", CSVOptions{}, "a;\"b\n", []string{
			`err a.csv:1:6: a quoted field is not closed before the end of the file – the file is incomplete or a quote is missing (field started at line 1)`}},
		{"unterminated quote, multi-byte delimiter", "a.csv", CSVOptions{Delimiter: "§"}, "a§b\n1§\"x§y\n", []string{
			`err a.csv:2:10: field "b": a quoted field is not closed before the end of the file – the file is incomplete or a quote is missing (field started at line 2)`}},
		{"text after closing quote, multi-byte delimiter", "a.csv", CSVOptions{Delimiter: "§"}, "a§b\n\"x\";y\n1§2\n", []string{
			`err a.csv:2:3: field "a": text after the closing quote of a quoted field – a quote inside a quoted field must be doubled ("") (record only)`,
			`rec 3:1 a="1" b="2"`, "EOF"}},
		{"text after closing quote, then an unclosed quote on the same line", "a.csv", CSVOptions{}, "a;b\n\"x\"y;\"z\n1;2\n", []string{
			`err a.csv:2:3: field "a": text after the closing quote of a quoted field – a quote inside a quoted field must be doubled ("") (record only)`,
			`rec 3:1 a="1" b="2"`, "EOF"}},
		{"text after closing quote", "a.csv", CSVOptions{}, "a;b\n1;\"x\"y\n2;3\n", []string{
			`err a.csv:2:5: field "b": text after the closing quote of a quoted field – a quote inside a quoted field must be doubled ("") (record only)`,
			`rec 3:1 a="2" b="3"`, "EOF"}},
		{"text after closing quote on the last line", "a.csv", CSVOptions{}, "a;b\n1;\"x\"y", []string{
			`err a.csv:2:5: field "b": text after the closing quote of a quoted field – a quote inside a quoted field must be doubled ("") (record only)`,
			"EOF"}},
		{"text after closing quote, multi-line record", "a.csv", CSVOptions{}, "a;b\n1;\"x\ny\"z\n2;3\n", []string{
			`err a.csv:3:2: field "b": text after the closing quote of a quoted field – a quote inside a quoted field must be doubled ("") (the record starts at line 2) (record only)`,
			`rec 4:1 a="2" b="3"`, "EOF"}},
		{"bad quote in header is final", "a.csv", CSVOptions{}, "a;\"b\"c\n1;2\n", []string{
			`err a.csv:1:5: header row: text after the closing quote of a quoted field – a quote inside a quoted field must be doubled ("")`}},
		{"bare quote in header", "a.csv", CSVOptions{}, "a;b\"c\n1;2\n", []string{
			`rec 2:1 a="1" b"c="2"`, "EOF"}},
		{"empty", "empty.csv", CSVOptions{}, "", []string{
			`err empty.csv: the file is empty (0 bytes) – expected at least a header row`}},
		{"only BOM", "bom.csv", CSVOptions{}, "\uFEFF", []string{
			`err bom.csv: the file is empty (only a byte order mark) – expected at least a header row`}},
		{"only blanks", "blank.csv", CSVOptions{}, "\uFEFF \r\n\r\n", []string{
			`err blank.csv: the file is empty (8 bytes, only blanks and line breaks) – expected at least a header row`}},
		{"empty without header", "e.csv", CSVOptions{Header: boolp(false)}, "", []string{"EOF"}},
		{"only header", "only-header.csv", CSVOptions{}, string(readFile(t, "testdata/csv/only-header.csv")), []string{"EOF"}},
		{"duplicate header", "d.csv", CSVOptions{}, "Sku;VK1;Name;VK1\n1;2;3;4\n", []string{
			`err d.csv:1:14: field "VK1": columns 2 and 4 of the header have the same name – every column needs a name of its own`}},
		{"duplicate made-up header", "d.csv", CSVOptions{}, "f2;\n1;2\n", []string{
			`err d.csv:1:4: field "f2": columns 1 and 2 of the header have the same name – every column needs a name of its own (a column without a name is called f<column number>)`}},
		{"empty header names", "e.csv", CSVOptions{}, "a;;c;\n1;2;3;4\n", []string{
			`rec 2:1 a="1" f2="2" c="3" f4="4"`, "EOF"}},
		{"BOM and blank lines", "b.csv", CSVOptions{}, "\uFEFFSku;Name\r\n\r\n000815;Becher\r\n\r\n\r\n00042;Honig\r\n", []string{
			`rec 3:1 Sku="000815" Name="Becher"`, `rec 6:1 Sku="00042" Name="Honig"`, "EOF"}},
		{"no header", "n.csv", CSVOptions{Header: boolp(false)}, "1;2\n3;4;5\n6;7\n", []string{
			`rec 1:1 f1="1" f2="2"`,
			`err n.csv:2: 3 fields, the first record has 2 – a value probably contains an unquoted ";" (record only)`,
			`rec 3:1 f1="6" f2="7"`, "EOF"}},
		{"columns replace the header", "c.csv", CSVOptions{Columns: []string{"Sku", "Price"}}, "a;b\n1;2\n", []string{
			`rec 2:1 Sku="1" Price="2"`, "EOF"}},
		{"columns replace a header with duplicate names", "c.csv", CSVOptions{Columns: []string{"Sku", "Price"}}, "a;a\n1;2\n", []string{
			`rec 2:1 Sku="1" Price="2"`, "EOF"}},
		{"columns do not fit the header", "c.csv", CSVOptions{Columns: []string{"Sku"}}, "a;b\n1;2\n", []string{
			`err c.csv:1: the header has 2 fields, but 1 columns are configured`}},
		{"columns without header", "c.csv", CSVOptions{Header: boolp(false), Columns: []string{"Sku", "Price"}}, "1;2\n3\n", []string{
			`rec 1:1 Sku="1" Price="2"`,
			`err c.csv:2: 1 fields, but 2 columns are configured – fields missing at the end of the line, or a line break inside an unquoted field? (record only)`, "EOF"}},
		{"quote none", "q.txt", CSVOptions{Quote: "none", Delimiter: "\t"}, "a\tb\n\"x\t16\" hoch\r\n\n1\t2\t3\n", []string{
			`rec 2:1 a="\"x" b="16\" hoch"`,
			`err q.txt:4: 3 fields, the header has 2 – a value probably contains an unquoted tab (record only)`, "EOF"}},
		{"quote none, duplicate header", "q.txt", CSVOptions{Quote: "none"}, "a;a\n", []string{
			`err q.txt:1:3: field "a": columns 1 and 2 of the header have the same name – every column needs a name of its own`}},
		{"quote none, empty", "q.txt", CSVOptions{Quote: "none"}, "\n\n", []string{
			`err q.txt: the file is empty (2 bytes, only blanks and line breaks) – expected at least a header row`}},
		{"multi-byte delimiter", "m.csv", CSVOptions{Delimiter: "§"}, "a§b\n1§\"x§y\"\n", []string{
			`rec 2:1 a="1" b="x§y"`, "EOF"}},
		{"multi-byte delimiter, quote none", "m.csv", CSVOptions{Delimiter: "§", Quote: "none"}, "a§b\n1§x\n", []string{
			`rec 2:1 a="1" b="x"`, "EOF"}},
	}
	wraps := map[string]func(io.Reader) io.Reader{
		"":              func(r io.Reader) io.Reader { return r },
		"OneByteReader": iotest.OneByteReader,
		"HalfReader":    iotest.HalfReader,
		"DataErrReader": iotest.DataErrReader,
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for wname, wrap := range wraps {
				r, err := CSVFormat().NewReader(wrap(strings.NewReader(c.in)), c.source, Options{CSV: c.opt})
				if err != nil {
					t.Fatal(err)
				}
				got := events(r)
				if len(got) != len(c.want) {
					t.Fatalf("%s: got %d events, want %d:\n%s", wname, len(got), len(c.want), strings.Join(got, "\n"))
				}
				for i := range got {
					// records are compared by their beginning only
					if got[i] != c.want[i] && !(strings.HasPrefix(c.want[i], "rec ") && strings.HasPrefix(got[i], c.want[i])) {
						t.Errorf("%s: event %d:\n got  %s\n want %s", wname, i+1, got[i], c.want[i])
					}
				}
			}
		})
	}
}

// TestCSVFieldPositions checks record and field positions, including fields
// after a multi-line quoted field.
func TestCSVFieldPositions(t *testing.T) {
	in := "\uFEFFa;b;c\r\n1;\"x\r\ny\";zz\r\n\r\n\"q\";;3\r\n"
	for _, quote := range []string{"", "none"} {
		recs, err := readBytes(CSVFormat(), Options{CSV: CSVOptions{Quote: quote}}, strings.NewReader(in), "p.csv")
		if quote == "none" {
			// without quoting, "x and y" are values of their own lines
			var de *DataError
			if !errors.As(err, &de) || de.Pos.Line != 2 || !de.RecordOnly {
				t.Fatalf("quote none: %v", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got := []string{}
		for _, r := range recs {
			s := fmt.Sprintf("%s #%d:", r.Pos, r.Pos.Index)
			for _, f := range r.Fields {
				s += " " + f.Pos.String()
			}
			got = append(got, s)
		}
		want := []string{"2:1 #1: 2:1 2:3 3:4", "5:1 #2: 5:1 5:5 5:6"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("got  %q\nwant %q", got, want)
		}
	}
}

// recPosLine renders a record with every field's position:
//
//	rec 2:1 a="1"@2:1 b="x\ny"@2:3
func recPosLine(rec *Record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "rec %s", rec.Pos)
	for _, f := range rec.Fields {
		fmt.Fprintf(&b, " %s=%q@%s", f.Name, f.Value.Text(), f.Pos)
	}
	return b.String()
}

// posEvents is events with field positions.
func posEvents(t *testing.T, opt CSVOptions, in string) []string {
	t.Helper()
	r, err := CSVFormat().NewReader(strings.NewReader(in), "q.csv", Options{CSV: opt})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := 0; i < 100; i++ {
		rec, err := r.Read()
		switch {
		case err == io.EOF:
			return append(out, "EOF")
		case err != nil:
			out = append(out, "err "+err.Error())
			if de := AsDataError(err); de == nil || !de.RecordOnly {
				return out
			}
		default:
			out = append(out, recPosLine(rec))
		}
	}
	return append(out, "TOO MANY")
}

// TestCSVBareQuotes: a quote inside an unquoted field is data, as Excel
// and LibreOffice read it; only a field that starts with a quote is quoted.
// Whatever is read this way is written back quoted and reads back the same.
func TestCSVBareQuotes(t *testing.T) {
	cases := []struct {
		name string
		opt  CSVOptions
		in   string
		want []string
	}{
		{"in the middle of a field", CSVOptions{}, "a;b;c\n1;Monitor 24\" Full HD;x\n", []string{
			`rec 2:1 a="1"@2:1 b="Monitor 24\" Full HD"@2:3 c="x"@2:23`, "EOF"}},
		{"in the first field of a line", CSVOptions{}, "a;b\n5\" Rohr;x\n", []string{
			`rec 2:1 a="5\" Rohr"@2:1 b="x"@2:9`, "EOF"}},
		{"right before the delimiter", CSVOptions{}, "a;b\n1/2\";x\n", []string{
			`rec 2:1 a="1/2\""@2:1 b="x"@2:6`, "EOF"}},
		{"at the end of the line", CSVOptions{}, "a;b\nx;Zoll\"\ny;z\n", []string{
			`rec 2:1 a="x"@2:1 b="Zoll\""@2:3`, `rec 3:1 a="y"@3:1 b="z"@3:3`, "EOF"}},
		{"at the end of the line, CRLF", CSVOptions{}, "a;b\r\nx;Zoll\"\r\ny;z\r\n", []string{
			`rec 2:1 a="x"@2:1 b="Zoll\""@2:3`, `rec 3:1 a="y"@3:1 b="z"@3:3`, "EOF"}},
		{"at the end of the file", CSVOptions{}, "a;b\r\nx;Zoll\"", []string{
			`rec 2:1 a="x"@2:1 b="Zoll\""@2:3`, "EOF"}},
		{"in the last field, CRLF", CSVOptions{}, "a;b\r\nx;24\" Monitor\r\n", []string{
			`rec 2:1 a="x"@2:1 b="24\" Monitor"@2:3`, "EOF"}},
		{"several, doubled ones stay doubled", CSVOptions{}, "a\r\na\"b\"\"c\"\r\n", []string{
			`rec 2:1 a="a\"b\"\"c\""@2:1`, "EOF"}},
		{"next to quoted fields", CSVOptions{}, "a;b;c\nx\"y;\"z;w\";\"\"\"\"\n", []string{
			`rec 2:1 a="x\"y"@2:1 b="z;w"@2:5 c="\""@2:11`, "EOF"}},
		{"before a quoted field spanning lines", CSVOptions{}, "a;b\r\n12\";\"x\r\ny\"\r\n", []string{
			`rec 2:1 a="12\""@2:1 b="x\ny"@2:5`, "EOF"}},
		{"coordinates, comma", CSVOptions{Delimiter: ","}, "Ort,Lage\nModesto,37°36'37.8\"N 121°2'17.9\"W\n", []string{
			`rec 2:1 Ort="Modesto"@2:1 Lage="37°36'37.8\"N 121°2'17.9\"W"@2:9`, "EOF"}},
		{"multi-byte delimiter", CSVOptions{Delimiter: "§"}, "a§b§c\nx\"§\"y§z\"§w\"\n", []string{
			`rec 2:1 a="x\""@2:1 b="y§z"@2:5 c="w\""@2:13`, "EOF"}},
		{"tab delimiter", CSVOptions{Delimiter: "\t"}, "a\tb\n16\" hoch\tx\"\n", []string{
			`rec 2:1 a="16\" hoch"@2:1 b="x\""@2:10`, "EOF"}},
		{"a field that starts with a quote is quoted", CSVOptions{Delimiter: "\t"}, "a\tb\n16\" hoch\t\"x\n", []string{
			`err q.csv:2:13: field "b": a quoted field is not closed before the end of the file – the file is incomplete or a quote is missing (field started at line 2)`}},
		// A field that starts with a space is unquoted, even when a quote
		// follows (as with encoding/csv): it keeps its space and quotes,
		// and a delimiter in it splits it.
		{"quote after a space", CSVOptions{}, "a;b\n \"x\";y\n", []string{
			`rec 2:1 a=" \"x\""@2:1 b="y"@2:6`, "EOF"}},
		{"quote after a space, delimiter inside", CSVOptions{}, "a;b;c\n \"x;y\";z\n", []string{
			`rec 2:1 a=" \"x"@2:1 b="y\""@2:5 c="z"@2:8`, "EOF"}},
		{"quoted fields stay strict", CSVOptions{}, "a;b\n1\";\"x\"y\n2;3\n", []string{
			`err q.csv:2:6: field "b": text after the closing quote of a quoted field – a quote inside a quoted field must be doubled ("")`,
			`rec 3:1 a="2"@3:1 b="3"@3:3`, "EOF"}},
		{"quote none reads quotes as data anyway", CSVOptions{Quote: "none"}, "a;b\n\"x;y\"\n", []string{
			`rec 2:1 a="\"x"@2:1 b="y\""@2:4`, "EOF"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := posEvents(t, c.opt, c.in)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			recs, err := readBytes(CSVFormat(), Options{CSV: c.opt}, strings.NewReader(c.in), "q.csv")
			if err != nil {
				return
			}
			out, err := writeBytes(CSVFormat(), Options{CSV: c.opt}, recs)
			if err != nil {
				t.Fatal(err)
			}
			back, err := readBytes(CSVFormat(), Options{CSV: c.opt}, bytes.NewReader(out), "back.csv")
			if err != nil || len(back) != len(recs) {
				t.Fatalf("read back: %v, %d records\n%q", err, len(back), out)
			}
			for i := range recs {
				if !recs[i].Equal(back[i]) {
					t.Errorf("round trip: %s\nback as %s\nwritten %q", recLine(recs[i]), recLine(back[i]), out)
				}
			}
		})
	}
}

// TestCSVQuotedFieldPositions: a record's line is where it starts, a
// field's position where it starts (its opening quote), on whatever line
// that is; line breaks inside quotes are read as "\n", a lone CR is kept.
func TestCSVQuotedFieldPositions(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
	}{
		{"CRLF", "a;b;c\r\n\"x\r\ny\";\"p\"\"q\";z\r\n4;5;6\r\n", []string{
			`rec 2:1 a="x\ny"@2:1 b="p\"q"@3:4 c="z"@3:11`, `rec 4:1 a="4"@4:1 b="5"@4:3 c="6"@4:5`, "EOF"}},
		{"LF", "a;b;c\n\"x\ny\";\"p\"\"q\";z\n4;5;6\n", []string{
			`rec 2:1 a="x\ny"@2:1 b="p\"q"@3:4 c="z"@3:11`, `rec 4:1 a="4"@4:1 b="5"@4:3 c="6"@4:5`, "EOF"}},
		{"empty lines inside quotes are data", "a;b\n\"1\n\n\r\n3\";x\n\ny;z\n", []string{
			`rec 2:1 a="1\n\n\n3"@2:1 b="x"@5:4`, `rec 7:1 a="y"@7:1 b="z"@7:3`, "EOF"}},
		{"lone CR inside quotes is kept", "a;b\r\n\"x\ry\";z\r\n", []string{
			`rec 2:1 a="x\ry"@2:1 b="z"@2:7`, "EOF"}},
		{"CR CR LF inside quotes", "a;b\r\n\"x\r\r\ny\";z\r\n", []string{
			`rec 2:1 a="x\r\ny"@2:1 b="z"@3:4`, "EOF"}},
		{"fields start on continuation lines", "a;b;c\n\"x\n\";\"y\nz\";w\n", []string{
			`rec 2:1 a="x\n"@2:1 b="y\nz"@3:3 c="w"@4:4`, "EOF"}},
		{"a quoted field alone on its lines", "a\n\"\n\"\n\"\"\n", []string{
			`rec 2:1 a="\n"@2:1`, `rec 4:1 a=""@4:1`, "EOF"}},
		{"empty quoted fields", "a;b;c\n\"\";\"\";\"\"\n", []string{
			`rec 2:1 a=""@2:1 b=""@2:4 c=""@2:7`, "EOF"}},
		{"trailing empty field after a quoted one", "a;b\n\"x\";\n", []string{
			`rec 2:1 a="x"@2:1 b=""@2:5`, "EOF"}},
		{"BOM and multi-byte text", "\uFEFFa;b\n\"Größe\";\"ü\nö\"\n", []string{
			`rec 2:1 a="Größe"@2:1 b="ü\nö"@2:11`, "EOF"}},
		{"CR before the end of the file", "a;b\n\"x\";\"y\"\r", []string{
			`rec 2:1 a="x"@2:1 b="y"@2:5`, "EOF"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := posEvents(t, CSVOptions{}, c.in)
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestCSVRecordIndexCountsBadRecords(t *testing.T) {
	r, _ := CSVFormat().NewReader(strings.NewReader("a;b\n1;2\n3\n4;5\n"), "i.csv", Options{})
	var idx []int
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if de := AsDataError(err); de != nil {
			idx = append(idx, de.Pos.Index)
			continue
		}
		idx = append(idx, rec.Pos.Index)
	}
	if fmt.Sprint(idx) != "[1 2 3]" {
		t.Errorf("indexes %v, want [1 2 3]", idx)
	}
}

func TestCSVSniff(t *testing.T) {
	cases := []struct {
		in   string
		want int // fields of the header
	}{
		{"a;b;c\n", 3},
		{"a,b,c\n", 3},
		{"a\tb\tc\n", 3},
		{"a|b|c\n", 3},
		{"abc\n", 1},                     // nothing: ','
		{"a;b,c\n", 2},                   // tie: ';' wins
		{"\"x;y;z\",b,c\n", 3},           // ';' inside quotes do not count
		{"\"x\ny;z\",b\n", 2},            // the first line goes on after a quoted line break
		{"Sku;Preis, brutto;Name\n", 3},  // ';' 2, ',' 1
		{"a,b,c;d\n1,2,3;4\n", 3},        // ',' 2, ';' 1
		{"a\tb|c\td\n", 3},               // tab 2, '|' 1
		{"\uFEFFSku;Gtin\r\n1;2\r\n", 2}, // BOM is not data
		{strings.Repeat("x", 100000), 1}, // no line end within the look-ahead
		{"a;b\r\n" + strings.Repeat(",", 1000), 2},
	}
	for _, c := range cases {
		r, err := CSVFormat().NewReader(strings.NewReader(c.in), "s.csv", Options{CSV: CSVOptions{Header: boolp(false)}})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := r.Read()
		if err != nil {
			t.Errorf("%.30q: %v", c.in, err)
			continue
		}
		if len(rec.Fields) != c.want {
			t.Errorf("%.30q: %d fields, want %d", c.in, len(rec.Fields), c.want)
		}
	}
}

func TestCSVOptionErrors(t *testing.T) {
	bad := []CSVOptions{
		{Delimiter: ";;"},
		{Delimiter: `"`},
		{Delimiter: "\n"},
		{Delimiter: "\xff"},
		{Quote: "'"},
		{LineEnding: "cr"},
		{Columns: []string{"a", "b", "a"}},
		{Columns: []string{"a", ""}},
	}
	for _, o := range bad {
		if _, err := CSVFormat().NewReader(strings.NewReader("a\n"), "x.csv", Options{CSV: o}); err == nil {
			t.Errorf("NewReader accepted %+v", o)
		}
		w, err := CSVFormat().NewWriter(io.Discard, Options{CSV: o})
		if err == nil {
			t.Errorf("NewWriter accepted %+v", o)
		} else if w != nil {
			t.Errorf("NewWriter returned a writer with its error for %+v", o)
		}
	}
	for _, d := range []string{"\t", `\t`, "tab", ";", ",", "|", " ", "§"} {
		if _, err := CSVFormat().NewWriter(io.Discard, Options{CSV: CSVOptions{Delimiter: d}}); err != nil {
			t.Errorf("delimiter %q: %v", d, err)
		}
	}
}

// failingReader returns data, then err.
type failingReader struct {
	data []byte
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if len(f.data) == 0 {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

func TestCSVInputErrors(t *testing.T) {
	for _, quote := range []string{"", "none"} {
		decErr := &DataError{File: "x.csv", Pos: Pos{Line: 3}, Msg: "byte 0x81 is not a Windows-1252 character"}
		r, _ := CSVFormat().NewReader(&failingReader{data: []byte("a;b\r\n1;2\r\n3;"), err: decErr}, "x.csv", Options{CSV: CSVOptions{Quote: quote}})
		if _, err := r.Read(); err != nil {
			t.Fatalf("first record: %v", err)
		}
		for i := 0; i < 2; i++ {
			if _, err := r.Read(); err != error(decErr) {
				t.Errorf("quote %q: got %v, want the decoder's DataError unchanged", quote, err)
			}
		}

		disk := errors.New("input/output error")
		r, _ = CSVFormat().NewReader(&failingReader{data: []byte("a;b\r\n1;2\r\n"), err: disk}, "y.csv", Options{CSV: CSVOptions{Quote: quote}})
		_, _ = r.Read()
		_, err := r.Read()
		if de := AsDataError(err); de == nil || !errors.Is(err, disk) || de.File != "y.csv" || de.RecordOnly {
			t.Errorf("quote %q: io error: %#v", quote, err)
		}
		// an error inside a quoted field that goes on over lines
		r, _ = CSVFormat().NewReader(&failingReader{data: []byte("a;b\r\n1;\"x\r\ny"), err: disk}, "q.csv", Options{CSV: CSVOptions{Quote: quote}})
		if quote == "" {
			_, err = r.Read()
			if de := AsDataError(err); de == nil || !errors.Is(err, disk) || de.File != "q.csv" || de.RecordOnly || de.Pos.Line != 3 {
				t.Errorf("quote %q: io error inside quotes: %#v", quote, err)
			}
			if _, err2 := r.Read(); err2 != err {
				t.Errorf("quote %q: io error inside quotes does not stick: %v", quote, err2)
			}
		}
		// an error before anything could be read
		r, _ = CSVFormat().NewReader(&failingReader{err: disk}, "z.csv", Options{CSV: CSVOptions{Quote: quote}})
		if _, err := r.Read(); !errors.Is(err, disk) || !Positioned(err) {
			t.Errorf("quote %q: early io error: %v", quote, err)
		}
	}
}

// TestCSVRecordTooLong: a quote that is never closed, or a line without
// end, does not pull the whole file into memory.
func TestCSVRecordTooLong(t *testing.T) {
	cases := []struct {
		quote, in, want string
	}{
		{"", "a;b\n1;2\n3;\"open" + strings.Repeat("\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 20000) + "\n",
			`err big.csv:3: a record longer than 1000 bytes – probably a quote (") that is never closed`},
		{"none", "a;b\n" + strings.Repeat("x", 200000) + "\n",
			`err big.csv:2: a line longer than 1000 bytes – is this really a text file?`},
		// with quoting, a long line without quotes is no quote problem
		{"", "a;b\n\n" + strings.Repeat("x", 200000) + "\n",
			`err big.csv:3: a line longer than 1000 bytes – is this really a text file?`},
		{"", "a;b\n1;" + strings.Repeat("x", 1500) + "\n",
			`err big.csv:2: a line longer than 1000 bytes – is this really a text file?`},
		// one long line that opens a quote
		{"", "a;b\n1;\"" + strings.Repeat("x", 200000),
			`err big.csv:2: a record longer than 1000 bytes – probably a quote (") that is never closed`},
		{"", "a;b\n1;\"" + strings.Repeat("x", 990) + "\n" + strings.Repeat("y", 20) + "\n",
			`err big.csv:2: a record longer than 1000 bytes – probably a quote (") that is never closed`},
		// a record of exactly the cap is fine
		{"", "a;b\n1;\"" + strings.Repeat("x", 993) + "\"\n",
			`EOF`},
	}
	for _, c := range cases {
		cr, err := newCSVReader(strings.NewReader(c.in), "big.csv", CSVOptions{Quote: c.quote}, "csv")
		if err != nil {
			t.Fatal(err)
		}
		cr.maxRecord = 1000
		got := events(cr)
		if got[len(got)-1] != c.want {
			t.Errorf("quote %q: got %q", c.quote, got)
		}
		if cr.src.n > 150000 {
			t.Errorf("quote %q: read %d bytes for a capped record", c.quote, cr.src.n)
		}
	}
}

func csvWrite(t *testing.T, opt CSVOptions, recs ...*Record) (string, error) {
	t.Helper()
	b, err := writeBytes(CSVFormat(), Options{CSV: opt}, recs)
	return string(b), err
}

// rec builds a record from name, value pairs.
func rec(kv ...string) *Record {
	r := NewRecord(len(kv) / 2)
	for i := 0; i+1 < len(kv); i += 2 {
		r.Add(kv[i], String(kv[i+1]), Pos{})
	}
	return r
}

func TestCSVWrite(t *testing.T) {
	nested := NewRecord(3)
	nested.Add("Id", Number("5012"), Pos{})
	cust := NewRecord(1)
	cust.Add("Email", String("a@b.de"), Pos{})
	nested.Add("Customer", Nested(cust), Pos{})
	nested.Add("Paid", Bool(true), Pos{})
	nested.Add("Note", Null, Pos{})

	cases := []struct {
		name string
		opt  CSVOptions
		recs []*Record
		want string
	}{
		{"default", CSVOptions{}, []*Record{rec("Sku", "000815", "Name", "Becher; groß", "Text", "16\" hoch")},
			"Sku;Name;Text\r\n000815;\"Becher; groß\";\"16\"\" hoch\"\r\n"},
		{"lf and comma", CSVOptions{LineEnding: "lf", Delimiter: ","}, []*Record{rec("a", "x,y", "b", "zwei\r\nZeilen")},
			"a,b\n\"x,y\",\"zwei\r\nZeilen\"\n"},
		{"crlf inside values", CSVOptions{}, []*Record{rec("a", "1\n2", "b", "3\r\n4", "c", "lone\rcr")},
			"a;b;c\r\n\"1\r\n2\";\"3\r\n4\";\"lone\rcr\"\r\n"},
		{"leading space and \\.", CSVOptions{}, []*Record{rec("a", " x", "b", `\.`, "c", "\tt", "d", "x ")},
			"a;b;c;d\r\n\" x\";\"\\.\";\"\tt\";x \r\n"},
		{"column order by name, missing → empty", CSVOptions{}, []*Record{rec("a", "1", "b", "2", "c", "3"), rec("c", "6", "a", "4")},
			"a;b;c\r\n1;2;3\r\n4;;6\r\n"},
		{"columns option", CSVOptions{Columns: []string{"c", "a"}}, []*Record{rec("a", "1", "c", "3")},
			"c;a\r\n3;1\r\n"},
		{"no header", CSVOptions{Header: boolp(false)}, []*Record{rec("a", "1", "b", "2")}, "1;2\r\n"},
		{"zero records", CSVOptions{}, nil, ""},
		{"zero records with columns", CSVOptions{Columns: []string{"Sku", "Name"}}, nil, "Sku;Name\r\n"},
		{"zero records with columns, no header", CSVOptions{Columns: []string{"Sku"}, Header: boolp(false)}, nil, ""},
		{"kinds and nesting", CSVOptions{}, []*Record{nested}, "Id;Customer.Email;Paid;Note\r\n5012;a@b.de;true;\r\n"},
		{"one empty value", CSVOptions{}, []*Record{rec("a", "")}, "a\r\n\"\"\r\n"},
		{"BOM at the start is quoted", CSVOptions{Header: boolp(false)}, []*Record{rec("a", "\uFEFFx", "b", "\uFEFFy")},
			"\"\uFEFFx\";\uFEFFy\r\n"},
		{"quote none", CSVOptions{Quote: "none", Delimiter: "|"}, []*Record{rec("a", `16" hoch`, "b", " x")},
			"a|b\r\n16\" hoch| x\r\n"},
		{"tab", CSVOptions{Delimiter: "\t"}, []*Record{rec("a", "x\ty", "b", "z")}, "a\tb\r\n\"x\ty\"\tz\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := csvWrite(t, c.opt, c.recs...)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestCSVWriteErrors(t *testing.T) {
	second := rec("a", "3", "x", "4")
	second.Pos = Pos{Line: 7, Col: 1, Index: 6}
	second.Fields[1].Pos = Pos{Line: 7, Col: 3}
	cases := []struct {
		name string
		opt  CSVOptions
		recs []*Record
		want string
	}{
		{"unknown field", CSVOptions{}, []*Record{rec("a", "1", "b", "2"), second},
			`7:3: field "x": not one of the columns of this file (the columns come from the first record: a, b)`},
		{"unknown field with columns", CSVOptions{Columns: []string{"a"}}, []*Record{second},
			`7:3: field "x": not one of the columns of this file (the columns are set in the options: a)`},
		{"duplicate field", CSVOptions{}, []*Record{rec("a", "1", "b", "2"), rec("b", "1", "b", "2")},
			`field "b": the record has two fields of this name`},
		{"duplicate in first record", CSVOptions{}, []*Record{rec("a", "1", "a", "2")},
			`field "a": the first record has two fields of this name; a CSV file needs one column per name`},
		{"none: delimiter in value", CSVOptions{Quote: "none"}, []*Record{rec("a", "x;y")},
			`field "a": "x;y" contains the delimiter ";", which cannot be written without quotes (quote: none)`},
		{"none: line break", CSVOptions{Quote: "none"}, []*Record{rec("a", "1", "b", "x\ny")},
			`field "b": "x\ny" contains a line break, which cannot be written without quotes (quote: none)`},
		{"none: one empty value", CSVOptions{Quote: "none"}, []*Record{rec("a", "")},
			`field "a": an empty value in a one-column file cannot be written without quotes: the empty line would be skipped when reading`},
		{"none: BOM", CSVOptions{Quote: "none", Header: boolp(false)}, []*Record{rec("a", "\uFEFFx")},
			`field "a": "\ufeffx" starts with an invisible byte order mark (U+FEFF), which readers drop at the start of a file`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			w, err := CSVFormat().NewWriter(&buf, Options{CSV: c.opt})
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
			if err := w.Write(rec("a", "1")); err != werr {
				t.Errorf("error does not stick on Write: %v", err)
			}
			if err := w.Close(); err != werr {
				t.Errorf("error does not stick on Close: %v", err)
			}
		})
	}
}

func TestCSVExcelSafe(t *testing.T) {
	cases := []struct{ in, want string }{
		{"=HYPERLINK(\"http://x\";\"klick\")", "'=HYPERLINK(\"http://x\";\"klick\")"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"-", "'-"},
		{"+", "'+"},
		{"+49 421 123", "'+49 421 123"},
		{"=1+1", "'=1+1"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"-12,50", "-12,50"},
		{"-1.234,56", "-1.234,56"},
		{"+3.5", "+3.5"},
		{"-0", "-0"},
		{"-12,", "'-12,"},
		{"-,5", "'-,5"},
		{"-1..2", "'-1..2"},
		{"-1e5", "'-1e5"},
		{"12", "12"},
		{"Becher", "Becher"},
		{"", ""},
		{"a=b", "a=b"},
	}
	for _, c := range cases {
		out, err := csvWrite(t, CSVOptions{ExcelSafe: true, Header: boolp(false), Quote: "none", Delimiter: "|"}, rec("v", c.in, "w", "x"))
		if err != nil && c.in != "\rx" {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if c.in == "\rx" {
			continue // quote none cannot hold a CR; checked with quotes below
		}
		if got := strings.TrimSuffix(out, "|x\r\n"); got != c.want {
			t.Errorf("%q → %q, want %q", c.in, got, c.want)
		}
	}
	out, _ := csvWrite(t, CSVOptions{ExcelSafe: true}, rec("=Name", "\rx", "b", "-5"))
	if out != "'=Name;b\r\n\"'\rx\";-5\r\n" {
		t.Errorf("got %q", out)
	}
	out, _ = csvWrite(t, CSVOptions{}, rec("a", "=1+1"))
	if out != "a\r\n=1+1\r\n" {
		t.Errorf("without ExcelSafe: %q", out)
	}
}

// TestCSVWriteMatchesEncodingCSV: the writer produces the bytes Go's
// encoding/csv.Writer produces for the same rows.
func TestCSVWriteMatchesEncodingCSV(t *testing.T) {
	rows := artikelRows(2000)
	rows = append(rows, []string{"x", " lead", "trail ", "\"q\"", "a\nb", "a\r\nb", `\.`, "", "ü;ö", "\t", "-1", "=2"})
	for _, crlf := range []bool{true, false} {
		var want bytes.Buffer
		cw := csv.NewWriter(&want)
		cw.Comma, cw.UseCRLF = ';', crlf
		_ = cw.WriteAll(rows)

		le := "lf"
		if crlf {
			le = "crlf"
		}
		var got bytes.Buffer
		w, _ := CSVFormat().NewWriter(&got, Options{CSV: CSVOptions{LineEnding: le}})
		for _, r := range rowsToRecords(rows[0], rows[1:]) {
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Errorf("crlf=%v: output differs from encoding/csv:\n%s", crlf, lineDiff(want.String(), got.String()))
		}
	}
}

var artikelHeader = []string{"Artikelnummer", "Bezeichnung", "Langtext", "Warengruppe", "Einheit", "VK1", "VK2", "Steuerschluessel", "Gewicht", "EAN", "Bestand", "Aktiv"}

// artikelRows makes the reference benchmark layout (see
// shared/bench/gen_artikel.py), header first, deterministically.
func artikelRows(n int) [][]string {
	words := []string{"Schraube", "Dübel", "Mutter", "Unterlegscheibe", "Winkel", "Scharnier", "Griff", "Schlüssel", "Säge", "Bohrer", "Hülse", "Öse"}
	groups := []string{"100", "110", "200", "210", "300"}
	rows := make([][]string, 0, n+1)
	rows = append(rows, artikelHeader)
	seed := uint32(7)
	rnd := func(m int) int {
		seed = seed*1664525 + 1013904223
		return int(seed>>8) % m
	}
	dec := func(cents int, places int) string {
		s := strconv.Itoa(cents)
		for len(s) <= places {
			s = "0" + s
		}
		return s[:len(s)-places] + "," + s[len(s)-places:]
	}
	for i := 0; i < n; i++ {
		w := words[rnd(len(words))]
		p := 5 + rnd(99995)
		aktiv := "1"
		if i%7 == 0 {
			aktiv = "0"
		}
		rows = append(rows, []string{
			fmt.Sprintf("%06d", i),
			fmt.Sprintf("%s %d mm", w, i%200),
			fmt.Sprintf("%s aus Edelstahl, verzinkt; Größe %d", w, i%50),
			groups[rnd(len(groups))], "Stk", dec(p, 2), dec(p*9/10, 2), "1", dec(rnd(5000), 3),
			fmt.Sprintf("%013d", 4000000000000+i), strconv.Itoa(rnd(501)), aktiv,
		})
	}
	return rows
}

func rowsToRecords(header []string, rows [][]string) []*Record {
	recs := make([]*Record, len(rows))
	for i, row := range rows {
		r := NewRecord(len(row))
		for j, v := range row {
			r.Add(header[j], String(v), Pos{Line: i + 2, Col: 1})
		}
		recs[i] = r
	}
	return recs
}

func artikelCSV(n int) []byte {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.Comma, cw.UseCRLF = ';', true
	_ = cw.WriteAll(artikelRows(n))
	return b.Bytes()
}

const benchRows = 50000

func BenchmarkCSVRead(b *testing.B) {
	data := artikelCSV(benchRows)
	b.Run("ferry", func(b *testing.B) { benchRead(b, CSVFormat(), Options{}, data, benchRows) })
	// The hand-written baseline: encoding/csv reading the same bytes and
	// keeping every row's values.
	b.Run("encoding-csv", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for i := 0; i < b.N; i++ {
			cr := csv.NewReader(bytes.NewReader(data))
			cr.Comma, cr.ReuseRecord = ';', true
			n := 0
			for {
				row, err := cr.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n += len(row)
			}
			if n != (benchRows+1)*len(artikelHeader) {
				b.Fatalf("%d fields", n)
			}
		}
	})
}

func BenchmarkCSVWrite(b *testing.B) {
	rows := artikelRows(benchRows)
	recs := rowsToRecords(rows[0], rows[1:])
	size := int64(len(artikelCSV(benchRows)))
	b.Run("ferry", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			w, _ := CSVFormat().NewWriter(io.Discard, Options{})
			for _, r := range recs {
				if err := w.Write(r); err != nil {
					b.Fatal(err)
				}
			}
			if err := w.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-csv", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(size)
		row := make([]string, len(artikelHeader))
		for i := 0; i < b.N; i++ {
			cw := csv.NewWriter(io.Discard)
			cw.Comma, cw.UseCRLF = ';', true
			_ = cw.Write(artikelHeader)
			for _, r := range recs {
				for j := range r.Fields {
					row[j] = r.Fields[j].Value.Text()
				}
				_ = cw.Write(row)
			}
			cw.Flush()
		}
	})
}

func FuzzCSVRead(f *testing.F) {
	for _, p := range []string{"artikel.csv", "product-import.csv", "quotes-lf.csv", "pipes-noquote.csv", "artikel-wrong-columns.csv", "only-header.csv", "bare-quotes.csv", "location_coordinates.csv"} {
		f.Add(readFile(f, filepath.Join("testdata", "csv", p)))
	}
	f.Add([]byte("a;b\n1;\"x\"y\n2;\"open\n"))
	f.Add([]byte("\uFEFFa,b\r\n\"\r\r\n\",x\r\n"))
	f.Add([]byte("a;b;c\r\n5\" Rohr; \"x\";Zoll\"\r\n\"\";a\"b\"\"c;\"\"\"\"\r\n"))
	opts := []CSVOptions{
		{Delimiter: ";"},
		{Delimiter: ",", LineEnding: "lf"},
		{Delimiter: "|", Quote: "none"},
		{Delimiter: "\t", Header: boolp(false)},
		{Delimiter: ";", Header: boolp(false), Quote: "none", Columns: []string{"a", "b", "c"}},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// sniffing: no panic, positioned errors (a round trip may change the
		// delimiter the sniffer sees, so it is checked with fixed delimiters)
		if _, err := readBytes(CSVFormat(), Options{}, bytes.NewReader(data), "fuzz"); err != nil && !Positioned(err) {
			t.Fatalf("error without position: %v", err)
		}
		for _, o := range opts {
			opt := Options{CSV: o}
			recs, err := readBytes(CSVFormat(), opt, bytes.NewReader(data), "fuzz")
			if err == nil && len(recs) == 0 {
				// a header without records writes nothing, which reads back
				// as an empty file: not a round trip
				continue
			}
			if bytes.Contains(data, []byte("\r\r\n")) && o.Quote == "" {
				// CR CR LF inside quotes reads as CR LF, which any CSV reader
				// takes back as a line end (LF)
				if err != nil && !Positioned(err) {
					t.Fatalf("error without position: %v", err)
				}
				continue
			}
			fuzzRead(t, CSVFormat(), opt, data)
		}
	})
}

// FuzzCSVMatchesEncodingCSV holds the parser to encoding/csv: for any
// input, every record encoding/csv reads comes out the same, with the same
// start line and field positions, and every error encoding/csv reports
// comes at the same line and column – up to the first bare quote (a quote
// inside an unquoted field), where the two part ways by design:
// encoding/csv rejects it, ferry reads it as data.
func FuzzCSVMatchesEncodingCSV(f *testing.F) {
	for _, p := range []string{"artikel.csv", "product-import.csv", "quotes-lf.csv", "bare-quotes.csv", "location_coordinates.csv", "artikel-wrong-columns.csv"} {
		f.Add(readFile(f, filepath.Join("testdata", "csv", p)))
	}
	for _, s := range []string{
		"a;b\n1;\"x\"y\n2;\"open\n",
		"\uFEFFa,b\r\n\"\r\r\n\",x\r\n",
		"\"a\"\"b\";\"c\r\nd\";e\r\n\r\n\"\"\r\n",
		"x;\"y\"\r",
		"§\"a§b\"§\"c\"d\n",
		"a\r\rb;\"\r\"\n\n\n\"\n",
		",\"\n\r",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, comma := range []rune{';', ',', '§'} {
			compareWithEncodingCSV(t, data, comma)
		}
	})
}

func compareWithEncodingCSV(t *testing.T, data []byte, comma rune) {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	cr.Comma, cr.FieldsPerRecord = comma, -1
	r, err := newCSVReader(bytes.NewReader(data), "f.csv", CSVOptions{Delimiter: string(comma), Header: boolp(false)}, "csv")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
	for n := 1; ; n++ {
		want, werr := cr.Read()
		line, err := r.readRow(true)
		var pe *csv.ParseError
		switch {
		case werr == io.EOF:
			if err != io.EOF {
				t.Fatalf("comma %q, row %d: encoding/csv is at the end, ferry read %q, %v", comma, n, r.values(), err)
			}
			return
		case errors.As(werr, &pe) && errors.Is(pe.Err, csv.ErrBareQuote):
			return
		case werr != nil:
			de := AsDataError(err)
			if !errors.As(werr, &pe) || de == nil || de.Pos.Line != pe.Line || de.Pos.Col != pe.Column {
				t.Fatalf("comma %q, row %d: encoding/csv: %v; ferry: %v", comma, n, werr, err)
			}
			if !de.RecordOnly {
				return
			}
			continue
		case err != nil:
			t.Fatalf("comma %q, row %d: encoding/csv read %q, ferry: %v", comma, n, want, err)
		}
		if got := r.values(); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
			t.Fatalf("comma %q, row %d: ferry %q, encoding/csv %q", comma, n, got, want)
		}
		if l, _ := cr.FieldPos(0); l != line {
			t.Fatalf("comma %q, row %d: ferry starts at line %d, encoding/csv at %d", comma, n, line, l)
		}
		for i := range want {
			if l, c := cr.FieldPos(i); l != r.row[i].line || c != r.row[i].col {
				t.Fatalf("comma %q, row %d field %d: ferry at %d:%d, encoding/csv at %d:%d", comma, n, i+1, r.row[i].line, r.row[i].col, l, c)
			}
		}
	}
}

// BenchmarkCSVJob is the reference job without the charset layer (the
// input is UTF-8 already): artikel rows in, Smartstore product rows out,
// once through ferry's reader and writer with a hand-written mapping, once
// as the plain encoding/csv program. The outputs are compared first.
func BenchmarkCSVJob(b *testing.B) {
	data := artikelCSV(benchRows)
	outHeader := []string{"Sku", "Name", "FullDescription", "Price", "StockQuantity", "Weight", "Gtin", "Published"}
	point := func(s string) string { return strings.Replace(s, ",", ".", 1) }
	published := func(s string) string {
		if s == "1" {
			return "true"
		}
		return "false"
	}
	ferryJob := func(w io.Writer) error {
		r, err := CSVFormat().NewReader(bytes.NewReader(data), "artikel.csv", Options{})
		if err != nil {
			return err
		}
		cw, err := CSVFormat().NewWriter(w, Options{CSV: CSVOptions{Columns: outHeader}})
		if err != nil {
			return err
		}
		for {
			in, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			f := in.Fields
			out := &Record{Pos: in.Pos, Fields: []Field{
				{Name: "Sku", Value: f[0].Value, Pos: f[0].Pos},
				{Name: "Name", Value: f[1].Value, Pos: f[1].Pos},
				{Name: "FullDescription", Value: f[2].Value, Pos: f[2].Pos},
				{Name: "Price", Value: Number(point(f[5].Value.Text())), Pos: f[5].Pos},
				{Name: "StockQuantity", Value: f[10].Value, Pos: f[10].Pos},
				{Name: "Weight", Value: Number(point(f[8].Value.Text())), Pos: f[8].Pos},
				{Name: "Gtin", Value: f[9].Value, Pos: f[9].Pos},
				{Name: "Published", Value: Bool(f[11].Value.Text() == "1"), Pos: f[11].Pos},
			}}
			if err := cw.Write(out); err != nil {
				return err
			}
		}
		return cw.Close()
	}
	// ferryReuse maps into one output record reused for every row (the
	// writers do not keep records), as a pipeline engine could.
	ferryReuse := func(w io.Writer) error {
		r, err := CSVFormat().NewReader(bytes.NewReader(data), "artikel.csv", Options{})
		if err != nil {
			return err
		}
		cw, err := CSVFormat().NewWriter(w, Options{CSV: CSVOptions{Columns: outHeader}})
		if err != nil {
			return err
		}
		out := NewRecord(len(outHeader))
		for _, n := range outHeader {
			out.Add(n, Null, Pos{})
		}
		o := out.Fields
		for {
			in, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			f := in.Fields
			out.Pos = in.Pos
			o[0].Value, o[1].Value, o[2].Value = f[0].Value, f[1].Value, f[2].Value
			o[3].Value = Number(point(f[5].Value.Text()))
			o[4].Value = f[10].Value
			o[5].Value = Number(point(f[8].Value.Text()))
			o[6].Value = f[9].Value
			o[7].Value = Bool(f[11].Value.Text() == "1")
			if err := cw.Write(out); err != nil {
				return err
			}
		}
		return cw.Close()
	}
	plainJob := func(w io.Writer) error {
		cr := csv.NewReader(bytes.NewReader(data))
		cr.Comma, cr.ReuseRecord = ';', true
		cw := csv.NewWriter(w)
		cw.Comma, cw.UseCRLF = ';', true
		if _, err := cr.Read(); err != nil {
			return err
		}
		if err := cw.Write(outHeader); err != nil {
			return err
		}
		row := make([]string, len(outHeader))
		for {
			in, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			row[0], row[1], row[2], row[3] = in[0], in[1], in[2], point(in[5])
			row[4], row[5], row[6], row[7] = in[10], point(in[8]), in[9], published(in[11])
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	var got, want bytes.Buffer
	if err := ferryJob(&got); err != nil {
		b.Fatal(err)
	}
	if err := plainJob(&want); err != nil {
		b.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		b.Fatalf("outputs differ:\n%s", lineDiff(want.String(), got.String()))
	}
	got.Reset()
	if err := ferryReuse(&got); err != nil || !bytes.Equal(got.Bytes(), want.Bytes()) {
		b.Fatalf("ferry-reuse: %v\n%s", err, lineDiff(want.String(), got.String()))
	}
	for name, job := range map[string]func(io.Writer) error{"ferry": ferryJob, "ferry-reuse": ferryReuse, "encoding-csv": plainJob} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				if err := job(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestSizeText(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{
		{1000, "1000 bytes"},
		{1 << 10, "1 KiB"},
		{16 << 20, "16 MiB"},
		{16<<20 + 1, "16777217 bytes"},
		{2 << 30, "2 GiB"},
	} {
		if got := sizeText(c.n); got != c.want {
			t.Errorf("sizeText(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
