package formats

import (
	"strconv"
	"strings"
)

// Kind tells what a Value holds.
type Kind uint8

// The kinds of values a record field can hold.
const (
	KindNull   Kind = iota // no value (JSON null, an absent XML element)
	KindString             // text, exactly as read
	KindNumber             // a number literal kept as its exact text (never a float64)
	KindBool               // true or false
	KindRecord             // a nested record (JSON object, XML element with children)
	KindList               // a list of values (JSON array, repeated XML elements)
)

// String returns the kind's name as used in messages and record dumps.
func (k Kind) String() string {
	switch k {
	case KindNull:
		return "null"
	case KindString:
		return "string"
	case KindNumber:
		return "number"
	case KindBool:
		return "bool"
	case KindRecord:
		return "record"
	case KindList:
		return "list"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one field value. It is a small struct rather than an interface so
// that flat records (CSV, TXT) carry no boxing: a string value is its text.
// Numbers keep their literal text ("55.6500") so nothing goes through float64.
type Value struct {
	text string // string, number literal, or "true"/"false"
	nest *nest  // KindRecord, KindList
	kind Kind
}

// nest holds a nested value out of line, so that the common scalar Value
// stays 32 bytes (records hold many of them).
type nest struct {
	rec  *Record
	list []Value
}

// Null is the null value.
var Null = Value{}

// String makes a text value.
func String(s string) Value { return Value{kind: KindString, text: s} }

// Number makes a number value from its exact literal text, e.g. "55.6500".
// The caller is responsible for the text being a valid number literal.
func Number(lit string) Value { return Value{kind: KindNumber, text: lit} }

// Bool makes a boolean value.
func Bool(b bool) Value {
	if b {
		return Value{kind: KindBool, text: "true"}
	}
	return Value{kind: KindBool, text: "false"}
}

// Nested makes a value holding a nested record.
func Nested(r *Record) Value {
	if r == nil {
		return Null
	}
	return Value{kind: KindRecord, nest: &nest{rec: r}}
}

// List makes a list value.
func List(vs []Value) Value { return Value{kind: KindList, nest: &nest{list: vs}} }

// Kind returns what the value holds.
func (v Value) Kind() Kind { return v.kind }

// IsNull reports whether the value is null.
func (v Value) IsNull() bool { return v.kind == KindNull }

// IsScalar reports whether the value is null, text, number or bool.
func (v Value) IsScalar() bool { return v.kind <= KindBool }

// Text returns the value as text: the string itself, the exact number
// literal, "true"/"false", or "" for null. Nested values give "".
func (v Value) Text() string { return v.text }

// Record returns the nested record, or nil if the value is not a record.
func (v Value) Record() *Record {
	if v.kind != KindRecord || v.nest == nil {
		return nil
	}
	return v.nest.rec
}

// List returns the list elements, or nil if the value is not a list.
func (v Value) List() []Value {
	if v.kind != KindList || v.nest == nil {
		return nil
	}
	return v.nest.list
}

// Bool returns the boolean value and whether the value is a bool.
func (v Value) Bool() (b, ok bool) { return v.text == "true", v.kind == KindBool }

// Equal reports whether two values are deeply equal (positions ignored).
func (v Value) Equal(w Value) bool {
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case KindRecord:
		return v.Record().Equal(w.Record())
	case KindList:
		vl, wl := v.List(), w.List()
		if len(vl) != len(wl) {
			return false
		}
		for i := range vl {
			if !vl[i].Equal(wl[i]) {
				return false
			}
		}
		return true
	}
	return v.text == w.text
}

// Pos is where a record or field came from. Line and Col are 1-based (0 =
// unknown); Col counts bytes of the decoded line, as Go's encoding/csv does.
// Ref is a spreadsheet reference ("Tabelle1!C12") or an element path
// ("/ORDER/ORDER_ITEM_LIST/ORDER_ITEM[2]/PRICE"); Index is the 1-based
// number of the record in its file.
type Pos struct {
	Line  int
	Col   int
	Ref   string
	Index int
}

// IsZero reports whether nothing is known about the position.
func (p Pos) IsZero() bool { return p.Line == 0 && p.Col == 0 && p.Ref == "" && p.Index == 0 }

// String renders the position the way compilers do: "14:9", "1203",
// "Tabelle1!C12" (a spreadsheet cell, shown alone), or
// "14:9 (/ORDER/ITEM[2])" when a line and an element path are known.
func (p Pos) String() string {
	if strings.IndexByte(p.Ref, '!') >= 0 {
		// A spreadsheet cell says it all: "Tabelle1!C12" is what people
		// look up in Excel; the row and column numbers would only repeat it.
		return p.Ref
	}
	var b strings.Builder
	p.writeLineRef(&b)
	if b.Len() == 0 && p.Index > 0 {
		b.WriteString("record ")
		b.WriteString(strconv.Itoa(p.Index))
	}
	return b.String()
}

// writeLineRef writes "14:9", "14:9 (Ref)" or "Ref": the line, column and
// reference that are known. Pos.String and the golden dumps share it.
func (p Pos) writeLineRef(b *strings.Builder) {
	if p.Line > 0 {
		b.WriteString(strconv.Itoa(p.Line))
		if p.Col > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(p.Col))
		}
	}
	if p.Ref != "" {
		if p.Line > 0 {
			b.WriteString(" (")
			b.WriteString(p.Ref)
			b.WriteByte(')')
		} else {
			b.WriteString(p.Ref)
		}
	}
}

// Field is one named value of a record, with the position it was read at.
type Field struct {
	Name  string
	Value Value
	Pos   Pos
}

// Record is an ordered list of fields: the order is the output column order.
// Names are normally unique; readers of formats that allow repeated names
// (XML elements) fold repeats into one list field.
type Record struct {
	Fields []Field
	Pos    Pos
}

// NewRecord returns an empty record with room for n fields.
func NewRecord(n int) *Record { return &Record{Fields: make([]Field, 0, n)} }

// Len returns the number of fields.
func (r *Record) Len() int { return len(r.Fields) }

// Index returns the index of the first field with the given name, or -1.
func (r *Record) Index(name string) int {
	for i := range r.Fields {
		if r.Fields[i].Name == name {
			return i
		}
	}
	return -1
}

// Get returns the value of the named field and whether it exists.
func (r *Record) Get(name string) (Value, bool) {
	if i := r.Index(name); i >= 0 {
		return r.Fields[i].Value, true
	}
	return Null, false
}

// Field returns the named field, or nil.
func (r *Record) Field(name string) *Field {
	if i := r.Index(name); i >= 0 {
		return &r.Fields[i]
	}
	return nil
}

// Text returns the text of the named field, "" if absent.
func (r *Record) Text(name string) string {
	v, _ := r.Get(name)
	return v.text
}

// Add appends a field without checking for an existing one of that name.
func (r *Record) Add(name string, v Value, pos Pos) {
	r.Fields = append(r.Fields, Field{Name: name, Value: v, Pos: pos})
}

// Set overwrites the named field's value, or appends the field at the end.
func (r *Record) Set(name string, v Value) {
	if i := r.Index(name); i >= 0 {
		r.Fields[i].Value = v
		return
	}
	r.Fields = append(r.Fields, Field{Name: name, Value: v})
}

// Delete removes the named field; it reports whether it existed.
func (r *Record) Delete(name string) bool {
	i := r.Index(name)
	if i < 0 {
		return false
	}
	r.Fields = append(r.Fields[:i], r.Fields[i+1:]...)
	return true
}

// Names returns the field names in order.
func (r *Record) Names() []string {
	ns := make([]string, len(r.Fields))
	for i := range r.Fields {
		ns[i] = r.Fields[i].Name
	}
	return ns
}

// Clone returns a deep copy of the record.
func (r *Record) Clone() *Record {
	if r == nil {
		return nil
	}
	c := &Record{Fields: make([]Field, len(r.Fields)), Pos: r.Pos}
	for i, f := range r.Fields {
		f.Value = f.Value.clone()
		c.Fields[i] = f
	}
	return c
}

func (v Value) clone() Value {
	switch v.kind {
	case KindRecord:
		return Nested(v.Record().Clone())
	case KindList:
		src := v.List()
		l := make([]Value, len(src))
		for i := range src {
			l[i] = src[i].clone()
		}
		return List(l)
	}
	return v
}

// Equal reports whether two records have the same fields in the same order
// with equal values; positions are ignored.
func (r *Record) Equal(s *Record) bool {
	if r == nil || s == nil {
		return r == s
	}
	if len(r.Fields) != len(s.Fields) {
		return false
	}
	for i := range r.Fields {
		if r.Fields[i].Name != s.Fields[i].Name || !r.Fields[i].Value.Equal(s.Fields[i].Value) {
			return false
		}
	}
	return true
}
