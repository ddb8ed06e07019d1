package formats

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

func jsonTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "json", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestJSONConformance(t *testing.T) {
	wrap := Options{JSON: JSONOptions{Compact: true, Wrap: "value"}}
	tabs := Options{JSON: JSONOptions{Indent: "\t", Wrap: "data.items"}}
	cases := []conformanceCase{
		{Name: "json-orders", Format: JSONFormat(), Input: jsonTestdata(t, "orders.json"), RoundTrip: true},
		{Name: "json-customers", Format: JSONFormat(), Input: jsonTestdata(t, "customers.json"), RoundTrip: true},
		{Name: "json-unknown-sku", Format: JSONFormat(), Input: jsonTestdata(t, "orders-unknown-sku.json"), RoundTrip: true, WriteOpt: &wrap},
		{Name: "jsonl-lines", Format: JSONLinesFormat(), Input: jsonTestdata(t, "lines.jsonl"), RoundTrip: true},
		{Name: "json-nested", Format: JSONFormat(), Input: jsonTestdata(t, "nested.json"), RoundTrip: true, WriteOpt: &wrap},
		{Name: "json-unicode", Format: JSONFormat(), Input: jsonTestdata(t, "unicode.json"), RoundTrip: true},
		{Name: "json-path", Format: JSONFormat(), Opt: Options{JSON: JSONOptions{Records: "data.items"}},
			Input: jsonTestdata(t, "path.json"), RoundTrip: true, WriteOpt: &tabs},
	}
	runConformanceCases(t, JSONFormat(), cases)
}

// The error the bad-input README asks for, and the complete order before it.
func TestJSONTruncatedOrders(t *testing.T) {
	in := jsonTestdata(t, "orders-truncated.json")
	for name, wrap := range map[string]func(io.Reader) io.Reader{
		"plain":   func(r io.Reader) io.Reader { return r },
		"OneByte": iotest.OneByteReader,
	} {
		recs, err := readBytes(JSONFormat(), Options{}, wrap(bytes.NewReader(in)), "orders-truncated.json")
		if len(recs) != 1 || recs[0].Text("Id") != "5012" || recs[0].Pos != (Pos{Line: 4, Col: 5, Index: 1}) {
			t.Fatalf("%s: want order 5012 first, got %d records", name, len(recs))
		}
		de := AsDataError(err)
		if de == nil {
			t.Fatalf("%s: err = %v, want a DataError", name, err)
		}
		const msg = "unexpected end of file inside a string (value[1], Id 5013, string started at column 24); " +
			"the file is incomplete – was it still being written?"
		if de.Pos.Line != 293 || de.Pos.Col != 32 || de.Field != "BillingAddress.PhoneNumber" || de.Msg != msg ||
			de.File != "orders-truncated.json" || de.Offset != 10275 || de.RecordOnly {
			t.Errorf("%s: got %+v", name, de)
		}
		const want = `orders-truncated.json:293:32: field "BillingAddress.PhoneNumber": ` + msg
		if err.Error() != want {
			t.Errorf("%s:\n got %s\nwant %s", name, err, want)
		}
	}
}

// The bad-input README wants the line of "Sku": "000817".
func TestJSONFieldLine(t *testing.T) {
	recs, err := readBytes(JSONFormat(), Options{}, bytes.NewReader(jsonTestdata(t, "orders-unknown-sku.json")), "x")
	if err != nil || len(recs) != 1 {
		t.Fatal(len(recs), err)
	}
	v, _ := recs[0].Get("OrderItems")
	item := v.List()[1].Record()
	f := item.Field("Sku")
	if f.Value.Text() != "000817" || f.Pos.Line != 157 || f.Pos.Col != 11 || item.Text("Id") != "3133" {
		t.Errorf("Sku %q at %v", f.Value.Text(), f.Pos)
	}
}

func TestJSONErrors(t *testing.T) {
	dot := Options{JSON: JSONOptions{Records: "."}}
	lines := Options{JSON: JSONOptions{Lines: true}}
	cases := []struct {
		in    string
		opt   Options
		recs  int    // records returned before the error
		want  string // err.Error()
		field string
	}{
		{"", Options{}, 0, `t.json: the file is empty (0 bytes) – expected a JSON array or object`, ""},
		{" \n\t", Options{}, 0, `t.json:2:2: the file holds no data, only blank space – expected a JSON array or object`, ""},
		{"\uFEFF", Options{}, 0, `t.json:1:1: the file holds no data, only blank space – expected a JSON array or object`, ""},
		{`[{"Email": "a@b.de" "Name": 1}]`, Options{}, 0,
			`t.json:1:21: expected "," or "}" after the value of "Email", found "\"" (element [0])`, ""},
		{`{"value": [{"Id": 1}, {"Id": 2, "Email": "a@b.de" "Name": 1}]}`, Options{}, 1,
			`t.json:1:51: expected "," or "}" after the value of "Email", found "\"" (value[1], Id 2)`, ""},
		{`[{"a": 1},]`, Options{}, 1, `t.json:1:11: unexpected "]" (element [1])`, ""},
		{`[{"a": [1,]}]`, Options{}, 0, `t.json:1:11: field "a[1]": unexpected "]" (element [0])`, "a[1]"},
		{`[{"a": 1}] x`, Options{}, 1, `t.json:1:12: text after the end of the JSON document: "x"`, ""},
		{"{\"a\": 1}\n\n}} more", Options{}, 1, `t.json:3:1: text after the end of the JSON document: "}} more"`, ""},
		{`[{"n": -01}]`, Options{}, 0, `t.json:1:8: field "n": invalid number "-01" (element [0])`, "n"},
		{`[{"n": 1.5.2}]`, Options{}, 0, `t.json:1:8: field "n": invalid number "1.5.2" (element [0])`, "n"},
		{`[{"n": 12a}]`, Options{}, 0, `t.json:1:8: field "n": invalid number "12a" (element [0])`, "n"},
		{`[{"s": "a\xb"}]`, Options{}, 0,
			`t.json:1:10: field "s": invalid escape "\x" (element [0]) – a backslash in a text must be written as \\`, "s"},
		{`[{"s": "\u12G4"}]`, Options{}, 0,
			`t.json:1:9: field "s": invalid escape "\u12G4" (element [0]) – expected \u and four hex digits`, "s"},
		{`[{"s": "\uD800x"}]`, Options{}, 0,
			`t.json:1:9: field "s": invalid escape "\uD800" (element [0]) – the first half of a character (a UTF-16 surrogate) without its second half`, "s"},
		{`[{"s": "\uDC00"}]`, Options{}, 0,
			`t.json:1:9: field "s": invalid escape "\uDC00" (element [0]) – the second half of a character (a UTF-16 surrogate) without its first half`, "s"},
		{"[{\"s\": \"K\xfcche\"}]", Options{}, 0,
			`t.json:1:10: field "s": byte 0xFC is not valid UTF-8 (element [0]) – the file is probably in another encoding (Windows-1252?); JSON must be UTF-8`, "s"},
		{"[{\"s\": \"a\tb\"}]", Options{}, 0,
			`t.json:1:10: field "s": a tab character inside a string (element [0]) – in JSON it must be written as \t`, "s"},
		{"[{\"s\": \"ab\n\"}]", Options{}, 0,
			`t.json:1:11: field "s": a line break inside a string (element [0]) – is the closing quote missing? In JSON a line break in a text is written as \n`, "s"},
		{"[{\"s\": \"a\x01\"}]", Options{}, 0,
			`t.json:1:10: field "s": a control character (byte 0x01) inside a string (element [0]) – in JSON it must be written as \u0001`, "s"},
		{`[{"a": True}]`, Options{}, 0,
			`t.json:1:8: field "a": unexpected "True" (element [0]) – not a JSON value (text must be in double quotes; true, false and null are lower case)`, "a"},
		{`[{"a": 'x'}]`, Options{}, 0, `t.json:1:8: field "a": unexpected "'" (element [0]) – text in JSON must be in double quotes`, "a"},
		{`{'a': 1}`, Options{}, 0, `t.json:1:2: expected a field name in double quotes, found "'" – JSON needs double quotes`, ""},
		{`[{"a": 1,}]`, Options{}, 0, `t.json:1:10: expected a field name after ",", found "}" (element [0])`, ""},
		{`[{"a" 1}]`, Options{}, 0, `t.json:1:7: expected ":" after the field name "a", found "1" (element [0])`, ""},
		{`[{"Id": "A-1", "x": [1 2]}]`, Options{}, 0,
			`t.json:1:24: field "x": expected "," or "]" after element [0], found "2" (element [0], Id "A-1")`, "x"},
		{`[{"a": 1} {"a": 2}]`, Options{}, 1, `t.json:1:11: expected "," or "]" after element [0], found "{"`, ""},
		{`[{"a": 1}`, Options{}, 1,
			`t.json:1:10: unexpected end of file inside an array, after element [0]; the file is incomplete – was it still being written?`, ""},
		{`[{"a": tru`, Options{}, 0,
			`t.json:1:11: field "a": unexpected end of file in the middle of "tru" (element [0]); the file is incomplete – was it still being written?`, "a"},
		{"[{\"a\": {\"b\": [1, \"x", Options{}, 0,
			`t.json:1:20: field "a.b[1]": unexpected end of file inside a string (element [0], string started at column 18); the file is incomplete – was it still being written?`, "a.b[1]"},
		{`[{"s": "\uD83D`, Options{}, 0,
			`t.json:1:15: field "s": unexpected end of file inside a string (element [0], string started at column 8); the file is incomplete – was it still being written?`, "s"},
		{"[{\"s\": \"\xe2\x82", Options{}, 0,
			`t.json:1:11: field "s": unexpected end of file inside a string (element [0], string started at column 8); the file is incomplete – was it still being written?`, "s"},
		{`{"@odata.context": "x", "value": [`, Options{}, 0,
			`t.json:1:35: unexpected end of file inside an array; the file is incomplete – was it still being written?`, ""},
		{`{"@odata.context": "x`, Options{}, 0,
			`t.json:1:22: field "@odata.context": unexpected end of file inside a string (string started at column 20); the file is incomplete – was it still being written?`, "@odata.context"},
		{`42`, Options{}, 0, `t.json:1:1: the document is a number, expected an object (a record) or an array of objects`, ""},
		{`"x"`, dot, 0, `t.json:1:1: the document is a string, expected an object (a record) or an array of objects`, ""},
		{`{"data": {"items": "x"}}`, Options{JSON: JSONOptions{Records: "data.items"}}, 0,
			`t.json:1:20: "data.items" is a string, expected an array of records or an object (a record)`, ""},
		{`{"data": {"item": []}}`, Options{JSON: JSONOptions{Records: "data.items"}}, 0,
			`t.json:1:23: no "data.items" in this document – the records were expected there`, ""},
		{`[{"a": [[[[1]]]]}]`, Options{JSON: JSONOptions{MaxDepth: 4}}, 0,
			`t.json:1:11: field "a[0][0][0]": nested deeper than 4 levels (element [0])`, "a[0][0][0]"},
		{"{\"a\": 1}\n{\"a\": 2} {\"a\": 3}\n", lines, 1,
			`t.json:2:10: text after the record on this line: "{" – JSON Lines has one record per line`, ""},
		{"{\"a\": 1}\n{\"a\": 2", lines, 1,
			`t.json:2:8: unexpected end of file inside an object, after the value of "a"; the file is incomplete – was it still being written?`, ""},
	}
	for _, c := range cases {
		recs, err := readBytes(JSONFormat(), c.opt, strings.NewReader(c.in), "t.json")
		if err == nil {
			t.Errorf("%q: no error", c.in)
			continue
		}
		if err.Error() != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.in, err, c.want)
		}
		de := AsDataError(err)
		if de == nil || de.Field != c.field || len(recs) != c.recs {
			t.Errorf("%q: %d records, error %#v", c.in, len(recs), err)
		}
	}
}

// Syntax errors are final: every later Read gives the same error.
func TestJSONErrorsAreSticky(t *testing.T) {
	r, _ := JSONFormat().NewReader(strings.NewReader(`[{"a": 1}, {"a": x}, {"a": 3}]`), "t.json", Options{})
	if _, err := r.Read(); err != nil {
		t.Fatal(err)
	}
	_, err1 := r.Read()
	_, err2 := r.Read()
	if err1 == nil || err1 != err2 {
		t.Errorf("errors %v, %v", err1, err2)
	}
}

// A record that is not an object is skipped with a RecordOnly error; the
// next Read goes on.
func TestJSONRecordOnly(t *testing.T) {
	for _, c := range []struct {
		f    Format
		in   string
		want string
	}{
		{JSONFormat(), `{"value": [{"Id": 1}, 5, {"Id": 3}, [{"Id": 4}], {"Id": 5}]}`,
			`1|t.json:1:23: value[1] is a number, expected an object (a record)|3|t.json:1:37: value[3] is an array, expected an object (a record)|5|EOF`},
		{JSONFormat(), `[null, {"Id": 2}]`, `t.json:1:2: element [0] is null, expected an object (a record)|2|EOF`},
		{JSONLinesFormat(), "{\"Id\": 1}\n\"x\"\n\n{\"Id\": 3}\n", `1|t.json:2:1: the line holds a string, expected an object (a record)|3|EOF`},
	} {
		r, err := c.f.NewReader(strings.NewReader(c.in), "t.json", Options{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for len(got) < 10 {
			rec, err := r.Read()
			if err == io.EOF {
				got = append(got, "EOF")
				break
			}
			if err != nil {
				if de := AsDataError(err); de == nil || !de.RecordOnly {
					t.Errorf("not RecordOnly: %v", err)
				}
				got = append(got, err.Error())
				continue
			}
			got = append(got, rec.Text("Id"))
		}
		if g := strings.Join(got, "|"); g != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.in, g, c.want)
		}
	}
}

func TestJSONRecordsOption(t *testing.T) {
	ids := func(recs []*Record) string {
		var s []string
		for _, r := range recs {
			s = append(s, r.Pos.String()+"#"+r.Text("Id"))
		}
		return strings.Join(s, " ")
	}
	odata := `{"@odata.context": "x", "value": [{"Id": 1}, {"Id": 2}], "@odata.nextLink": "y"}`
	cases := []struct {
		records, in, want string
	}{
		{"", `[{"Id": 1}, {"Id": 2}]`, "1:2#1 1:13#2"},
		{"", odata, "1:35#1 1:46#2"},
		{"", `{"Id": 7, "value": 5}`, "1:1#7"},
		{"", `{"Id": 7, "value": {"a": 1}}`, "1:1#7"},
		{"", `{"Id": 7}`, "1:1#7"},
		{"", `{"value": []}`, ""},
		{"", `[]`, ""},
		{".", odata, "1:1#"},
		{".", `[{"Id": 1}]`, "1:2#1"},
		{"value", odata, "1:35#1 1:46#2"},
		{"value", `{"value": {"Id": 9}}`, "1:11#9"},
		{"data.items", `{"x": [1, {"items": 2}], "data": {"n": 1, "items": [{"Id": 3}]}}`, "1:53#3"},
		{"data.items", `{"data": 5, "data": {"items": [{"Id": 4}]}}`, "1:32#4"},
	}
	for _, c := range cases {
		recs, err := readBytes(JSONFormat(), Options{JSON: JSONOptions{Records: c.records}}, strings.NewReader(c.in), "t")
		if err != nil {
			t.Errorf("%q %s: %v", c.records, c.in, err)
			continue
		}
		if got := ids(recs); got != c.want {
			t.Errorf("%q %s: got %s, want %s", c.records, c.in, got, c.want)
		}
		for i, r := range recs {
			if r.Pos.Index != i+1 {
				t.Errorf("%q %s: record %d has Index %d", c.records, c.in, i+1, r.Pos.Index)
			}
		}
	}
}

func TestJSONOptionErrors(t *testing.T) {
	for _, o := range []JSONOptions{{MaxDepth: -1}, {Records: "a..b"}, {Records: ".a"}, {Records: "value", Lines: true}} {
		if _, err := JSONFormat().NewReader(strings.NewReader("[]"), "t", Options{JSON: o}); err == nil {
			t.Errorf("reader accepted %+v", o)
		}
	}
	for _, o := range []JSONOptions{{Indent: "x"}, {Wrap: "a."}} {
		if _, err := JSONFormat().NewWriter(io.Discard, Options{JSON: o}); err == nil {
			t.Errorf("writer accepted %+v", o)
		}
	}
}

func TestJSONDuplicateKeys(t *testing.T) {
	recs, err := readBytes(JSONFormat(), Options{}, strings.NewReader(`[{"a": 1, "b": 2, "a": {"x": 3}, "b": 4, "c": 5}]`), "t")
	if err != nil {
		t.Fatal(err)
	}
	got := dumpString(recs)
	want := "record 1 @1:2\n  a @1:24\n    x = 3 (number) @1:25\n  b = 4 (number) @1:34\n  c = 5 (number) @1:42\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// Many fields: the name filter must not hide a repeat.
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < 200; i++ {
		b.WriteString(`"f` + string(rune('a'+i%26)) + string(rune('a'+i/26)) + `": 1, `)
	}
	b.WriteString(`"fab": 2}`)
	recs, err = readBytes(JSONFormat(), Options{}, strings.NewReader(b.String()), "t")
	if err != nil || recs[0].Len() != 200 || recs[0].Text("fab") != "2" || recs[0].Fields[26].Name != "fab" {
		t.Errorf("%v %d %q", err, recs[0].Len(), recs[0].Text("fab"))
	}
	// A huge object (hostile input) stays linear; nested big objects keep
	// their own names.
	b.Reset()
	b.WriteString(`[{"n": {`)
	for i := 0; i < 100; i++ {
		b.WriteString(`"k` + strconv.Itoa(i) + `": 0, `)
	}
	b.WriteString(`"k5": 1}, `)
	for i := 0; i < 200000; i++ {
		b.WriteString(`"k` + strconv.Itoa(i) + `": 0, `)
	}
	b.WriteString(`"k7": 1, "n": 2}]`)
	recs, err = readBytes(JSONFormat(), Options{}, strings.NewReader(b.String()), "t")
	if err != nil || recs[0].Len() != 200001 || recs[0].Text("k7") != "1" || recs[0].Text("n") != "2" || recs[0].Fields[0].Name != "n" {
		t.Fatalf("%v", err)
	}
}

func TestJSONPositions(t *testing.T) {
	in := "\uFEFF[\r\n  {\"a\": \"ü\", \"b\":\n    [1, {\"c\": null}]},\n{}]"
	recs, err := readBytes(JSONFormat(), Options{}, strings.NewReader(in), "t")
	if err != nil {
		t.Fatal(err)
	}
	got := dumpString(recs)
	want := `record 1 @2:3
  a = "ü" @2:4
  b [2] @2:15
    [0] = 1 (number)
    [1] @3:9
      c = null @3:10
record 2 @4:1
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// MaxDepth keeps hostile nesting from exhausting the stack.
func TestJSONDepth(t *testing.T) {
	deep := strings.Repeat("[", 100000)
	_, err := readBytes(JSONFormat(), Options{JSON: JSONOptions{Records: "."}}, strings.NewReader(deep), "t")
	if err == nil || !strings.HasPrefix(err.Error(), "t:1:258: ") || !strings.Contains(err.Error(), "nested deeper than 256 levels") {
		t.Errorf("got %v", err)
	}
	// Levels count from the record, so a record from a top-level object can
	// be written into an array and read back.
	ok := strings.Repeat(`{"a":`, 256) + "1" + strings.Repeat("}", 256)
	for _, in := range []string{ok, "[" + ok + "]", `{"value": [` + ok + "]}"} {
		recs, err := readBytes(JSONFormat(), Options{}, strings.NewReader(in), "t")
		if err != nil {
			t.Fatalf("256 levels: %v", err)
		}
		out, err := writeBytes(JSONFormat(), Options{JSON: JSONOptions{Wrap: "value"}}, recs)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := readBytes(JSONFormat(), Options{}, bytes.NewReader(out), "t"); err != nil {
			t.Fatalf("256 levels written: %v", err)
		}
	}
	if _, err := readBytes(JSONFormat(), Options{}, strings.NewReader(`[{"a":`+ok+"}]"), "t"); err == nil {
		t.Error("257 levels accepted")
	}
}

func TestJSONNumbersExact(t *testing.T) {
	in := `[{"a":55.6500,"b":-0.0,"c":1e400,"d":12345678901234567890123,"e":1E-7,"f":0,"g":-1.5e+10,"h":[0.10,2.000]}]` + "\n"
	recs, err := readBytes(JSONFormat(), Options{}, strings.NewReader(in), "t")
	if err != nil {
		t.Fatal(err)
	}
	out, err := writeBytes(JSONFormat(), Options{JSON: JSONOptions{Compact: true}}, recs)
	if err != nil || string(out) != in {
		t.Errorf("got %s (%v)\nwant %s", out, err, in)
	}
}

func TestJSONReadErrors(t *testing.T) {
	bad := errors.New("network share gone")
	r := io.MultiReader(strings.NewReader(`[{"a": 1}, {"a": "x`), iotest.ErrReader(bad))
	recs, err := readBytes(JSONFormat(), Options{}, r, "t.json")
	de := AsDataError(err)
	if len(recs) != 1 || de == nil || !errors.Is(err, bad) || de.Pos.Line != 1 ||
		!strings.Contains(err.Error(), "could not be read to the end: network share gone") {
		t.Errorf("%d records, %v", len(recs), err)
	}
	// A DataError of the layer below (a charset decoder) is passed on as is.
	inner := &DataError{File: "t.json", Pos: Pos{Line: 9}, Msg: "byte 0x81 is not Windows-1252"}
	r = io.MultiReader(strings.NewReader(`[{"a": 1}`), iotest.ErrReader(inner))
	if _, err := readBytes(JSONFormat(), Options{}, r, "t.json"); err != inner {
		t.Errorf("got %v", err)
	}
}

// Memory stays bounded by the largest token and record, not the file.
func TestJSONStreamingMemory(t *testing.T) {
	rec := `{"Sku": "000815", "Name": "` + strings.Repeat("x", 1000) + `", "Price": 8.3193},` + "\n"
	n := 20000 // ~20 MB
	src := io.MultiReader(strings.NewReader("["), &repeatReader{s: rec, n: n}, strings.NewReader(`{"Sku": "end"}]`))
	r, _ := JSONFormat().NewReader(src, "t", Options{})
	count := 0
	for {
		_, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		count++
	}
	if jr := r.(*jsonReader); count != n+1 || len(jr.buf) > jsonBufSize || len(jr.fields) != 0 || cap(jr.fields) > 16 {
		t.Errorf("%d records, buffer %d bytes, %d scratch fields", count, len(jr.buf), cap(jr.fields))
	}
	// One string larger than the buffer grows it as needed.
	big := `[{"a": "` + strings.Repeat("ä", 200000) + `"}]`
	recs, err := readBytes(JSONFormat(), Options{}, iotest.HalfReader(strings.NewReader(big)), "t")
	if err != nil || len(recs[0].Text("a")) != 400000 {
		t.Errorf("big string: %v", err)
	}
}

type repeatReader struct {
	s   string
	n   int
	off int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := copy(p, r.s[r.off:])
	if r.off += k; r.off == len(r.s) {
		r.off = 0
		r.n--
	}
	return k, nil
}

func TestJSONWriter(t *testing.T) {
	inner := NewRecord(2)
	inner.Add("x", Number("1.50"), Pos{})
	inner.Add("y", List([]Value{String("a"), Null, Bool(true)}), Pos{})
	r1 := NewRecord(5)
	r1.Add("Nr", String("000815"), Pos{})
	r1.Add("Sub", Nested(inner), Pos{})
	r1.Add("Empty", List(nil), Pos{})
	r1.Add("None", Nested(NewRecord(0)), Pos{})
	r1.Add("Esc", String("\"\\/<>&\x01\n\t\u2028\u2029é😀"), Pos{})
	r2 := NewRecord(1)
	r2.Add("Nr", String("00042"), Pos{})
	recs := []*Record{r1, r2}
	cases := []struct {
		name string
		o    JSONOptions
		recs []*Record
		want string
	}{
		{"indent", JSONOptions{}, recs, `[
  {
    "Nr": "000815",
    "Sub": {
      "x": 1.50,
      "y": [
        "a",
        null,
        true
      ]
    },
    "Empty": [],
    "None": {},
    "Esc": "\"\\/<>&\u0001\n\t\u2028\u2029é😀"
  },
  {
    "Nr": "00042"
  }
]
`},
		{"compact", JSONOptions{Compact: true}, recs,
			`[{"Nr":"000815","Sub":{"x":1.50,"y":["a",null,true]},"Empty":[],"None":{},"Esc":"\"\\/<>&\u0001\n\t\u2028\u2029é😀"},{"Nr":"00042"}]` + "\n"},
		{"wrap", JSONOptions{Wrap: "value", Indent: "\t"}, recs[1:], "{\n\t\"value\": [\n\t\t{\n\t\t\t\"Nr\": \"00042\"\n\t\t}\n\t]\n}\n"},
		{"wrap2", JSONOptions{Wrap: "data.items", Compact: true}, recs[1:], `{"data":{"items":[{"Nr":"00042"}]}}` + "\n"},
		{"lines", JSONOptions{Lines: true, Wrap: "ignored"}, recs,
			`{"Nr":"000815","Sub":{"x":1.50,"y":["a",null,true]},"Empty":[],"None":{},"Esc":"\"\\/<>&\u0001\n\t\u2028\u2029é😀"}` + "\n" + `{"Nr":"00042"}` + "\n"},
		{"empty", JSONOptions{}, nil, "[]\n"},
		{"empty-wrap", JSONOptions{Wrap: "value"}, nil, "{\n  \"value\": []\n}\n"},
		{"empty-lines", JSONOptions{Lines: true}, nil, ""},
	}
	for _, c := range cases {
		out, err := writeBytes(JSONFormat(), Options{JSON: c.o}, c.recs)
		if err != nil || string(out) != c.want {
			t.Errorf("%s: %v\n got %s\nwant %s", c.name, err, out, c.want)
		}
		if !json.Valid(out) && !c.o.Lines {
			t.Errorf("%s: invalid JSON", c.name)
		}
	}
}

func TestJSONWriterErrors(t *testing.T) {
	item := NewRecord(1)
	item.Pos = Pos{Line: 7, Col: 3}
	item.Add("Price", Number("12,50"), Pos{Line: 8, Col: 5})
	bad := NewRecord(2)
	bad.Add("Id", Number("1"), Pos{})
	bad.Add("Items", List([]Value{Nested(NewRecord(0)), Nested(item)}), Pos{})
	good := NewRecord(1)
	good.Add("Id", Number("2"), Pos{})

	var buf bytes.Buffer
	w, _ := JSONFormat().NewWriter(&buf, Options{})
	if err := w.Write(good); err != nil {
		t.Fatal(err)
	}
	err := w.Write(bad)
	de := AsDataError(err)
	want := `8:5: field "Items[1].Price": "12,50" is not a valid JSON number (JSON numbers use a decimal point and no thousands separators)`
	if de == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if err2 := w.Write(good); err2 != err {
		t.Errorf("error did not stick: %v", err2)
	}
	if err2 := w.Close(); err2 != err {
		t.Errorf("Close: %v", err2)
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %q before the error was found", buf.String())
	}

	s := NewRecord(1)
	s.Add("Name", String("K\xfcche"), Pos{Line: 3})
	if _, err := writeBytes(JSONFormat(), Options{}, []*Record{s}); AsDataError(err) == nil ||
		err.Error() != "3: field \"Name\": the text \"K\uFFFDche\" is not valid UTF-8 (byte 0xFC) and cannot be written as JSON" {
		t.Errorf("got %v", err)
	}
	n := NewRecord(1)
	n.Add("K\xfc", String(""), Pos{})
	if _, err := writeBytes(JSONFormat(), Options{}, []*Record{n}); AsDataError(err) == nil {
		t.Errorf("bad field name: %v", err)
	}
	for _, lit := range []string{"", "+1", "01", "1.", ".5", "1e", "NaN", "0x10", "1 "} {
		n := NewRecord(1)
		n.Add("n", Number(lit), Pos{})
		if _, err := writeBytes(JSONFormat(), Options{}, []*Record{n}); AsDataError(err) == nil {
			t.Errorf("number %q written", lit)
		}
	}
}

// JSONTestSuite: n_ files are rejected with a positioned, final error; y_
// files are accepted with what encoding/json sees; i_ files only must not
// crash or hang.
func TestJSONTestSuite(t *testing.T) {
	dir := sharedDir(t, "conformance/JSONTestSuite")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in %s: %v", dir, err)
	}
	opt := Options{JSON: JSONOptions{Records: "."}}
	var ny, nn, ni int
	for _, path := range files {
		name := filepath.Base(path)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		recs, skipped, final := readLenient(t, opt, data, name)
		if final != nil && !Positioned(final) {
			t.Errorf("%s: error without position: %v", name, final)
		}
		switch name[0] {
		case 'n':
			nn++
			if final == nil {
				t.Errorf("%s accepted: %q", name, data)
			}
		case 'i':
			ni++
		case 'y':
			ny++
			var want any
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.UseNumber()
			if err := dec.Decode(&want); err != nil {
				t.Fatalf("%s: encoding/json: %v", name, err)
			}
			// Every value, records or not, as encoding/json sees it.
			whole, err := parseWhole(data)
			if err != nil {
				t.Errorf("%s: %v", name, err)
			} else if g, w := marshal(t, valueAny(whole)), marshal(t, want); g != w {
				t.Errorf("%s: got %s, want %s", name, g, w)
			}
			if !recordsShape(want) {
				for _, e := range append(skipped, final) {
					if e != nil && !strings.Contains(e.Error(), "expected an object (a record)") {
						t.Errorf("%s: %v", name, e)
					}
				}
				continue
			}
			if final != nil || len(skipped) > 0 {
				t.Errorf("%s: %v %v", name, skipped, final)
				continue
			}
			var got any
			if _, ok := want.(map[string]any); ok && len(recs) == 1 {
				got = valueAny(Nested(recs[0]))
			} else {
				l := make([]any, len(recs))
				for i, r := range recs {
					l[i] = valueAny(Nested(r))
				}
				got = l
			}
			if g, w := marshal(t, got), marshal(t, want); g != w {
				t.Errorf("%s: got %s, want %s", name, g, w)
			}
		}
	}
	t.Logf("%d y_, %d n_, %d i_ files", ny, nn, ni)
}

// readLenient reads every record, going on after RecordOnly errors.
func readLenient(t *testing.T, opt Options, data []byte, name string) (recs []*Record, skipped []error, final error) {
	r, err := JSONFormat().NewReader(bytes.NewReader(data), name, opt)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		if i > len(data)+1 {
			t.Fatalf("%s: reader does not end", name)
		}
		rec, err := r.Read()
		if err == io.EOF {
			return recs, skipped, nil
		}
		if de := AsDataError(err); de != nil && de.RecordOnly {
			skipped = append(skipped, err)
			continue
		}
		if err != nil {
			return recs, skipped, err
		}
		recs = append(recs, rec)
	}
}

// parseWhole parses a whole document as one value with the reader's scanner.
func parseWhole(data []byte) (Value, error) {
	rd, _ := newJSONReader(bytes.NewReader(data), "t", Options{})
	r := rd.(*jsonReader)
	if err := r.start(); err != nil {
		return Null, err
	}
	c, _ := r.ws()
	v, err := r.value(c, 1, true)
	if err != nil {
		return Null, r.finish(err)
	}
	r.done = true
	if err := r.end0(); err != io.EOF {
		return Null, err
	}
	return v, nil
}

// recordsShape reports whether v is an object or an array of objects.
func recordsShape(v any) bool {
	switch v := v.(type) {
	case map[string]any:
		return true
	case []any:
		for _, e := range v {
			if _, ok := e.(map[string]any); !ok {
				return false
			}
		}
		return true
	}
	return false
}

// valueAny converts a value to what encoding/json decodes (UseNumber).
func valueAny(v Value) any {
	switch v.Kind() {
	case KindString:
		return v.Text()
	case KindNumber:
		return json.Number(v.Text())
	case KindBool:
		b, _ := v.Bool()
		return b
	case KindRecord:
		m := map[string]any{}
		for _, f := range v.Record().Fields {
			m[f.Name] = valueAny(f.Value)
		}
		return m
	case KindList:
		l := make([]any, len(v.List()))
		for i, e := range v.List() {
			l[i] = valueAny(e)
		}
		return l
	}
	return nil
}

func marshal(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func FuzzJSONRead(f *testing.F) {
	for _, name := range []string{"orders-truncated.json", "orders-unknown-sku.json", "lines.jsonl", "nested.json", "unicode.json", "path.json"} {
		f.Add(jsonTestdata(f, name), uint8(0))
	}
	if files, _ := filepath.Glob(filepath.Join("..", "..", "shared", "conformance", "JSONTestSuite", "*.json")); len(files) > 0 {
		for i, p := range files {
			if i%4 == 0 { // a sample of the suite
				if b, err := os.ReadFile(p); err == nil {
					f.Add(b, uint8(i))
				}
			}
		}
	}
	f.Add([]byte(`{"data": {"items": [{"a": 1}]}}`), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		switch mode % 4 {
		case 0:
			fuzzRead(t, JSONFormat(), Options{}, data)
		case 1:
			fuzzRead(t, JSONFormat(), Options{JSON: JSONOptions{Records: "."}}, data)
		case 2:
			fuzzRead(t, JSONLinesFormat(), Options{}, data)
		case 3:
			fuzzRead(t, JSONFormat(), Options{JSON: JSONOptions{Records: "data.items", Wrap: "data.items", MaxDepth: 8}}, data)
		}
	})
}

// benchJSON is orders.json with its orders repeated to about 20 MB.
func benchJSON(b *testing.B) []byte {
	data := jsonTestdata(b, "orders.json")
	start := bytes.Index(data, []byte(`"value": [`)) + len(`"value": [`)
	end := bytes.LastIndexByte(data, ']')
	orders := data[start:end]
	var buf bytes.Buffer
	buf.Write(data[:start])
	for i := 0; buf.Len() < 20<<20; i++ {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(orders)
	}
	buf.Write(data[end:])
	return buf.Bytes()
}

func BenchmarkJSONRead(b *testing.B) {
	benchRead(b, JSONFormat(), Options{}, benchJSON(b), -1)
}

// BenchmarkJSONDecoderToken is the encoding/json baseline for BenchmarkJSONRead.
func BenchmarkJSONDecoderToken(b *testing.B) {
	data := benchJSON(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkJSONWrite(b *testing.B) {
	recs, err := readBytes(JSONFormat(), Options{}, bytes.NewReader(jsonTestdata(b, "orders.json")), "orders.json")
	if err != nil {
		b.Fatal(err)
	}
	out, err := writeBytes(JSONFormat(), Options{}, recs)
	if err != nil {
		b.Fatal(err)
	}
	reps := (20 << 20) / len(out)
	b.SetBytes(int64(reps * len(out)))
	b.ReportAllocs()
	for b.Loop() {
		w, _ := JSONFormat().NewWriter(io.Discard, Options{})
		for range reps {
			for _, r := range recs {
				if err := w.Write(r); err != nil {
					b.Fatal(err)
				}
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestJSONRoom: after SetRoom the records read have that much spare
// capacity, nested records none, and the same fields as without.
func TestJSONRoom(t *testing.T) {
	in := `{"value": [{"Id": 1, "Customer": {"Id": 7, "Name": "A"}}, {"Id": 2, "Customer": null, "X": [1]}]}`
	read := func(room int) []*Record {
		rd, err := JSONFormat().NewReader(strings.NewReader(in), "o.json", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if room > 0 {
			rd.(RoomReader).SetRoom(room)
		}
		var recs []*Record
		for {
			r, err := rd.Read()
			if err == io.EOF {
				return recs
			}
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, r)
		}
	}
	plain, roomy := read(0), read(5)
	if len(plain) != 2 || len(roomy) != 2 {
		t.Fatalf("%d and %d records", len(plain), len(roomy))
	}
	for i := range plain {
		if !plain[i].Equal(roomy[i]) || plain[i].Pos != roomy[i].Pos {
			t.Errorf("record %d differs with room", i+1)
		}
		if got := cap(roomy[i].Fields) - len(roomy[i].Fields); got != 5 {
			t.Errorf("record %d: room %d, want 5", i+1, got)
		}
	}
	if c := roomy[0].Field("Customer").Value.Record(); cap(c.Fields) != len(c.Fields) {
		t.Errorf("nested record got room: cap %d, len %d", cap(c.Fields), len(c.Fields))
	}
}
