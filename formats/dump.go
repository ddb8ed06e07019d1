package formats

import (
	"io"
	"strconv"
	"strings"
)

// Dump writes a readable, deterministic listing of records with their
// positions. Golden files under testdata/ use it, so a change in what a
// reader returns, or where it says a value came from, shows up as a diff:
//
//	record 1 @2:1
//	  Artikelnummer = "000815" @2:1
//	  Preis = 8.3193 (number) @2:15
//	  Kunde @3:5
//	    Id = 12 (number) @3:12
//	  Positionen [2]
//	    [0] @5:7
//	      Sku = "000815" @6:14
func Dump(w io.Writer, recs []*Record) error {
	var b strings.Builder
	for i, r := range recs {
		b.WriteString("record ")
		b.WriteString(strconv.Itoa(i + 1))
		dumpPos(&b, r.Pos)
		b.WriteByte('\n')
		dumpFields(&b, r.Fields, "  ")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// dumpPos writes every part of a position (unlike Pos.String, which shows
// a spreadsheet cell alone), so a golden diff shows any position change.
func dumpPos(b *strings.Builder, p Pos) {
	if p.Line == 0 && p.Ref == "" {
		return
	}
	b.WriteString(" @")
	p.writeLineRef(b)
}

func dumpFields(b *strings.Builder, fs []Field, indent string) {
	for _, f := range fs {
		b.WriteString(indent)
		b.WriteString(f.Name)
		dumpValue(b, f.Value, f.Pos, indent)
	}
}

func dumpValue(b *strings.Builder, v Value, pos Pos, indent string) {
	switch v.kind {
	case KindRecord:
		if v.Record() != nil && !v.Record().Pos.IsZero() {
			pos = v.Record().Pos
		}
		dumpPos(b, pos)
		b.WriteByte('\n')
		if v.Record() != nil {
			dumpFields(b, v.Record().Fields, indent+"  ")
		}
	case KindList:
		b.WriteString(" [")
		b.WriteString(strconv.Itoa(len(v.List())))
		b.WriteByte(']')
		dumpPos(b, pos)
		b.WriteByte('\n')
		for i, e := range v.List() {
			b.WriteString(indent)
			b.WriteString("  [")
			b.WriteString(strconv.Itoa(i))
			b.WriteByte(']')
			dumpValue(b, e, Pos{}, indent+"  ")
		}
	case KindString:
		b.WriteString(" = ")
		b.WriteString(strconv.Quote(v.text))
		dumpPos(b, pos)
		b.WriteByte('\n')
	case KindNull:
		b.WriteString(" = null")
		dumpPos(b, pos)
		b.WriteByte('\n')
	default:
		b.WriteString(" = ")
		b.WriteString(v.text)
		b.WriteString(" (")
		b.WriteString(v.kind.String())
		b.WriteByte(')')
		dumpPos(b, pos)
		b.WriteByte('\n')
	}
}
