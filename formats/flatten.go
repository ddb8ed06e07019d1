package formats

import (
	"strconv"
	"strings"
)

// Flatten returns r with nested values spread into top-level fields, for
// flat outputs (CSV, TXT, XLSX). The rule:
//
//   - a nested record field "Customer" with a field "Email" becomes "Customer.Email";
//   - element i (0-based) of a list field "OrderItems" becomes "OrderItems[i]",
//     and its fields "OrderItems[i].Sku";
//   - an empty nested record or empty list becomes one field with an empty value;
//   - scalar fields stay as they are, in order.
//
// A record that is already flat is returned as is (no copy).
func Flatten(r *Record) *Record {
	flat := true
	for i := range r.Fields {
		if !r.Fields[i].Value.IsScalar() {
			flat = false
			break
		}
	}
	if flat {
		return r
	}
	out := &Record{Fields: make([]Field, 0, len(r.Fields)*2), Pos: r.Pos}
	var b strings.Builder
	for _, f := range r.Fields {
		b.Reset()
		b.WriteString(f.Name)
		flattenInto(out, &b, f.Value, f.Pos)
	}
	return out
}

func flattenInto(out *Record, prefix *strings.Builder, v Value, pos Pos) {
	switch v.kind {
	case KindRecord:
		if v.Record() == nil || len(v.Record().Fields) == 0 {
			out.Add(prefix.String(), String(""), pos)
			return
		}
		n := prefix.Len()
		base := prefix.String()
		for _, f := range v.Record().Fields {
			prefix.Reset()
			prefix.WriteString(base)
			prefix.WriteByte('.')
			prefix.WriteString(f.Name)
			flattenInto(out, prefix, f.Value, f.Pos)
		}
		prefix.Reset()
		prefix.WriteString(base[:n])
	case KindList:
		if len(v.List()) == 0 {
			out.Add(prefix.String(), String(""), pos)
			return
		}
		base := prefix.String()
		for i, e := range v.List() {
			prefix.Reset()
			prefix.WriteString(base)
			prefix.WriteByte('[')
			prefix.WriteString(strconv.Itoa(i))
			prefix.WriteByte(']')
			p := pos
			if e.kind == KindRecord && e.Record() != nil {
				p = e.Record().Pos
			}
			flattenInto(out, prefix, e, p)
		}
		prefix.Reset()
		prefix.WriteString(base)
	default:
		out.Add(prefix.String(), v, pos)
	}
}
