package formats

import (
	"reflect"
	"strings"
	"testing"
)

func TestDataErrorFormat(t *testing.T) {
	cases := []struct {
		err  *DataError
		want string
	}{
		{&DataError{File: "artikel.csv", Pos: Pos{Line: 3}, Field: "VK1", Msg: `"12,5x" is not a decimal`},
			`artikel.csv:3: field "VK1": "12,5x" is not a decimal`},
		{&DataError{File: "orders.json", Pos: Pos{Line: 293, Col: 32}, Msg: "unexpected end of file inside a string"},
			`orders.json:293:32: unexpected end of file inside a string`},
		{&DataError{File: "preise.xlsx", Pos: Pos{Ref: "Tabelle1!C12"}, Field: "Preis", Msg: "bad"},
			`preise.xlsx:Tabelle1!C12: field "Preis": bad`},
		{&DataError{File: "preise.xlsx", Pos: Pos{Line: 12, Col: 3, Ref: "Tabelle1!C12"}, Field: "Preis", Msg: "bad"},
			`preise.xlsx:Tabelle1!C12: field "Preis": bad`},
		{&DataError{File: "o.xml", Pos: Pos{Line: 4, Col: 2, Ref: "/ORDER/ITEM[2]"}, Msg: "bad"},
			`o.xml:4:2 (/ORDER/ITEM[2]): bad`},
		{&DataError{File: "empty.csv", Msg: "the file is empty (0 bytes)"}, `empty.csv: the file is empty (0 bytes)`},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.want {
			t.Errorf("got  %s\nwant %s", got, c.want)
		}
	}
}

func TestQuoteCutsLongValues(t *testing.T) {
	q := Quote(strings.Repeat("ä", 100))
	if !strings.HasSuffix(q, `…"`) || len([]rune(q)) != 63 {
		t.Errorf("Quote = %s (%d runes)", q, len([]rune(q)))
	}
	if got := Quote("a\tb"); got != `"a\tb"` {
		t.Errorf("Quote = %s", got)
	}
}

func TestRecordOps(t *testing.T) {
	r := NewRecord(2)
	r.Add("a", String("1"), Pos{Line: 1, Col: 1})
	r.Add("b", Number("2.50"), Pos{Line: 1, Col: 3})
	r.Set("c", Bool(true))
	r.Set("a", String("x"))
	if got := strings.Join(r.Names(), ","); got != "a,b,c" {
		t.Fatalf("names %s", got)
	}
	if r.Text("a") != "x" || r.Text("b") != "2.50" || r.Text("c") != "true" {
		t.Fatalf("values %q %q %q", r.Text("a"), r.Text("b"), r.Text("c"))
	}
	c := r.Clone()
	if !c.Equal(r) {
		t.Fatal("clone differs")
	}
	c.Set("a", String("y"))
	if r.Text("a") != "x" {
		t.Fatal("clone shares fields")
	}
	if !r.Delete("b") || r.Delete("b") || r.Len() != 2 {
		t.Fatal("delete")
	}
	if String("1").Equal(Number("1")) {
		t.Fatal("a string equals a number")
	}
}

func TestFlatten(t *testing.T) {
	item := func(sku string) Value {
		r := NewRecord(1)
		r.Add("Sku", String(sku), Pos{})
		return Nested(r)
	}
	cust := NewRecord(1)
	cust.Add("Email", String("a@b.de"), Pos{})
	r := NewRecord(4)
	r.Add("Id", Number("5012"), Pos{})
	r.Add("Customer", Nested(cust), Pos{})
	r.Add("OrderItems", List([]Value{item("000815"), item("00042")}), Pos{})
	r.Add("Tags", List(nil), Pos{})
	f := Flatten(r)
	got := []string{}
	for _, fl := range f.Fields {
		got = append(got, fl.Name+"="+fl.Value.Text())
	}
	want := "Id=5012 Customer.Email=a@b.de OrderItems[0].Sku=000815 OrderItems[1].Sku=00042 Tags="
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
	flat := NewRecord(1)
	flat.Add("x", String("y"), Pos{})
	if Flatten(flat) != flat {
		t.Error("a flat record is copied")
	}
}

func TestDump(t *testing.T) {
	inner := NewRecord(1)
	inner.Pos = Pos{Line: 3, Col: 5}
	inner.Add("Id", Number("12"), Pos{Line: 3, Col: 12})
	r := &Record{Pos: Pos{Line: 2, Col: 1}}
	r.Add("Nr", String("000815"), Pos{Line: 2, Col: 1})
	r.Add("Kunde", Nested(inner), Pos{Line: 3, Col: 5})
	r.Add("Tags", List([]Value{String("a"), Null}), Pos{Line: 4, Col: 1})
	var b strings.Builder
	if err := Dump(&b, []*Record{r}); err != nil {
		t.Fatal(err)
	}
	want := `record 1 @2:1
  Nr = "000815" @2:1
  Kunde @3:5
    Id = 12 (number) @3:12
  Tags [2] @4:1
    [0] = "a"
    [1] = null
`
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestCSVRecycle: records handed back to a CSV reader come back cleared
// and refilled; a record never recycled is never touched again.
func TestCSVRecycle(t *testing.T) {
	csv, _ := Builtin().Lookup("csv")
	rd, err := NewTextReader(csv, strings.NewReader("a;b\n1;2\n3;4\n5;6\n"), "x.csv", "utf-8", Options{CSV: CSVOptions{Delimiter: ";"}})
	if err != nil {
		t.Fatal(err)
	}
	rc, ok := rd.(Recycler)
	if !ok {
		t.Fatal("the CSV reader is no Recycler")
	}
	first, err := rd.Read()
	if err != nil {
		t.Fatal(err)
	}
	kept, err := rd.Read()
	if err != nil {
		t.Fatal(err)
	}
	// dirty the record as a careless caller could, then hand it back
	first.Fields[0].Value = Nested(&Record{})
	first.Fields[1].Pos.Ref = "/x"
	first.Pos.Ref = "/y"
	rc.Recycle([]*Record{first})
	third, err := rd.Read()
	if err != nil {
		t.Fatal(err)
	}
	if third != first {
		t.Fatal("the recycled record was not reused")
	}
	want := []Field{
		{Name: "a", Value: String("5"), Pos: Pos{Line: 4, Col: 1}},
		{Name: "b", Value: String("6"), Pos: Pos{Line: 4, Col: 3}},
	}
	if !reflect.DeepEqual(third.Fields, want) || third.Pos != (Pos{Line: 4, Col: 1, Index: 3}) {
		t.Errorf("reused record = %+v %+v, want %+v", third.Fields, third.Pos, want)
	}
	if kept.Text("a") != "3" || kept.Text("b") != "4" || kept.Pos.Line != 3 {
		t.Errorf("a record not recycled changed: %+v", kept)
	}
}
