package transform

import (
	"bytes"
	"errors"
	"testing"

	"github.com/ferry-sync/ferry/formats"
)

func TestRejectsWriter(t *testing.T) {
	var buf bytes.Buffer
	rw := NewRejectsWriter(&buf)
	r1 := formats.NewRecord(2)
	r1.Add("Artikelnummer", formats.String("000816"), formats.Pos{})
	r1.Add("VK1", formats.String("12,5x"), formats.Pos{})
	r2 := formats.NewRecord(3)
	r2.Add("Artikelnummer", formats.String("004711"), formats.Pos{})
	r2.Add("VK1", formats.String("1.234,56"), formats.Pos{})
	r2.Add("Extra", formats.String("x"), formats.Pos{})
	_ = rw.Add(r1, &formats.DataError{File: "a.csv", Pos: formats.Pos{Line: 3, Col: 137}, Field: "VK1", Msg: `"12,5x" is not a decimal`, RecordOnly: true})
	_ = rw.Add(r2, &formats.DataError{File: "a.csv", Pos: formats.Pos{Line: 4}, Field: "VK1", Msg: "thousands separator"})
	_ = rw.Add(nil, errors.New("a line the reader could not read"))
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	want := "\ufefferror;where;Artikelnummer;VK1;other fields\r\n" +
		"\"field \"\"VK1\"\": \"\"12,5x\"\" is not a decimal\";a.csv:3:137;000816;12,5x;\r\n" +
		"\"field \"\"VK1\"\": thousands separator\";a.csv:4;004711;1.234,56;Extra=x\r\n" +
		"a line the reader could not read;;;;\r\n"
	if buf.String() != want {
		t.Errorf("got:\n%q\nwant:\n%q", buf.String(), want)
	}
	if rw.Count() != 3 {
		t.Errorf("count %d", rw.Count())
	}
}
