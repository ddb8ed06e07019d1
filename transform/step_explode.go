package transform

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ferry-sync/ferry/formats"
)

// explodeStep turns a list field into one record per element: an order
// with three OrderItems becomes three records, one per order position.
//
//   - explode: {field: OrderItems, as: item, index_as: Pos}
//
// With as, each output record is the parent's fields without the list
// field, then index_as (if given), then the field named in as holding the
// element (a nested record, or a value), so that later steps write
// item.Sku next to OrderNumber.
//
//   - explode: {field: OrderItems}
//
// Without as, the elements must be records: their fields come first, then
// index_as (if given), then the parent's other fields as one nested record
// named parent (parent.OrderNumber).
//
// index_as adds the element's 1-based number in the list. field may be a
// dotted path into a nested record ("Order.Items"). A list that is empty,
// null, empty text or missing gives no record; with keep_empty: true
// (needs as) it gives the parent once, with as and index_as null. A field
// that holds a single record or value instead of a list (an XML element
// that occurs once) counts as a list of one. A file in which no record has
// the field at all fails: that is a misspelt name. Each output record takes
// its element's position, so that an error names the line of the order
// position.
type explodeStep struct {
	index     int
	field     string
	as        string
	indexAs   string
	keepEmpty bool
	own       ownership // of the records it receives
	room      int       // fields later steps add to a child in place (recordRoom)
	// nextCopies: the next step only reads each element's record and lets
	// go of it (copiesAndLetsGo): one record can serve every element.
	nextCopies bool
}

func (x *explodeStep) setInputOwnership(o ownership) { x.own = o }
func (x *explodeStep) setRoom(n int)                 { x.room = n }

// explodeConfig is the YAML of an explode step.
type explodeConfig struct {
	Field     string `yaml:"field"`
	As        string `yaml:"as"`
	IndexAs   string `yaml:"index_as"`
	KeepEmpty bool   `yaml:"keep_empty"`
}

// explodeParent is the name of the nested parent record without as.
const explodeParent = "parent"

func newExplodeStep(sc *stepContext) (Step, error) {
	var cfg explodeConfig
	if err := sc.decode(&cfg); err != nil {
		return nil, sc.errAt(nil, "expected field, as, index_as and keep_empty: "+err.Error())
	}
	var errs ConfigErrors
	if msg := checkPath(cfg.Field); msg != "" {
		errs = append(errs, sc.errAt([]string{"field"}, msg))
	}
	if cfg.IndexAs != "" && cfg.IndexAs == cfg.As {
		errs = append(errs, sc.errAt([]string{"index_as"}, fmt.Sprintf("index_as and as are both %q; give them different names", cfg.As)))
	}
	if cfg.As == "" && cfg.IndexAs == explodeParent {
		errs = append(errs, sc.errAt([]string{"index_as"}, `without as, the parent's fields go into "parent"; choose another name for index_as`))
	}
	if cfg.KeepEmpty && cfg.As == "" {
		errs = append(errs, sc.errAt([]string{"keep_empty"}, "keep_empty needs as: the record of an empty list has no element fields, only as (null) next to the parent's fields"))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &explodeStep{index: sc.index, field: cfg.Field, as: cfg.As, indexAs: cfg.IndexAs, keepEmpty: cfg.KeepEmpty}, nil
}

// explodeState is what explode remembers of a file: whether any record had
// the field at all (a file where none has it is a typo in the pipeline).
type explodeState struct {
	seen  bool
	names []string // the first record's fields, for the message
	// spare is the one record every element is made in when the next
	// step lets go of it (explodeStep.nextCopies).
	spare *formats.Record
}

// Apply emits one record per element of r's list.
func (x *explodeStep) Apply(_ context.Context, st *RunState, r *formats.Record, emit Emit) error {
	chain, f, err := locate(r, x.field, nil)
	missing := false
	if err != nil {
		if _, missing = err.(*errMissingField); !missing {
			return pathError(st, r, x.field, err)
		}
	}
	s := st.StateFor(x.index, func() any { return &explodeState{} }).(*explodeState)
	switch {
	case s.seen:
	case !missing:
		s.seen, s.names = true, nil
	case s.names == nil:
		s.names = r.Names()
	}

	var elems []formats.Value
	listPos := r.Pos
	if f != nil {
		listPos = posOr(f.Pos, r.Pos)
		switch v := f.Value; v.Kind() {
		case formats.KindList:
			elems = v.List()
		case formats.KindNull:
		case formats.KindString:
			if v.Text() != "" {
				elems = []formats.Value{v}
			}
		default:
			elems = []formats.Value{v}
		}
	}
	if len(elems) == 0 && !x.keepEmpty {
		return nil
	}

	// The parent without the list field, shared by every element. The
	// record itself loses the field when the step may change it and no
	// error of an element hands it to the rejects (RecordError below).
	var base []formats.Field
	if chain != nil && len(chain) == 1 && st.dropsRejected && st.mayChange(x.own) {
		i := chain[0]
		base = append(r.Fields[:i], r.Fields[i+1:]...)
		r.Fields = nil // r is not read again: its array is base's now
	} else if chain != nil {
		base = without(r, chain).Fields
	} else {
		base = r.Fields
	}
	if x.as != "" {
		if err := x.checkFree(st, r, base, listPos); err != nil {
			return err
		}
		if len(elems) == 0 {
			out := &formats.Record{Fields: make([]formats.Field, 0, len(base)+2+x.room), Pos: r.Pos}
			out.Fields = append(out.Fields, base...)
			if x.indexAs != "" {
				out.Add(x.indexAs, formats.Null, listPos)
			}
			out.Add(x.as, formats.Null, listPos)
			return emit(out)
		}
	}
	var parent formats.Value
	if x.as == "" {
		parent = formats.Nested(&formats.Record{Fields: base, Pos: r.Pos})
	}
	// One record of the run's for all elements when the next step lets go
	// of each before the next is made and no error hands it to the rejects
	// (emitOwn, RecordError): it would be changed under their feet.
	reusing := x.nextCopies && st.dropsRejected
	record := func(n int, pos formats.Pos) *formats.Record {
		if reusing && s.spare != nil {
			s.spare.Fields, s.spare.Pos = s.spare.Fields[:0], pos
			return s.spare
		}
		out := &formats.Record{Fields: make([]formats.Field, 0, n+x.room), Pos: pos}
		if reusing {
			s.spare = out
		}
		return out
	}
	for i, e := range elems {
		pos := listPos
		if er := e.Record(); er != nil && !er.Pos.IsZero() {
			pos = er.Pos
		}
		if pos.Index == 0 {
			pos.Index = r.Pos.Index
		}
		var out *formats.Record
		if x.as != "" {
			out = record(len(base)+2, pos)
			out.Fields = append(out.Fields, base...)
			if x.indexAs != "" {
				out.Add(x.indexAs, formats.Number(strconv.Itoa(i+1)), pos)
			}
			out.Add(x.as, e, pos)
		} else {
			er := e.Record()
			if er == nil {
				err := &formats.DataError{File: st.File, Pos: pos, Field: x.field, RecordOnly: true, Msg: fmt.Sprintf(
					"element %d is %s, not a record with fields; add as: to keep each element as one field", i+1, valueWords(e))}
				if stop := st.RecordError(r, err); stop != nil {
					return stop
				}
				continue
			}
			if err := x.checkElement(st, er, pos); err != nil {
				if stop := st.RecordError(r, err); stop != nil {
					return stop
				}
				continue
			}
			out = record(len(er.Fields)+2, pos)
			out.Fields = append(out.Fields, er.Fields...)
			if x.indexAs != "" {
				out.Add(x.indexAs, formats.Number(strconv.Itoa(i+1)), pos)
			}
			out.Add(explodeParent, parent, r.Pos)
		}
		if err := emitOwn(st, emit, out); err != nil {
			return err
		}
	}
	return nil
}

// checkFree makes sure the parent has no field that as or index_as would
// duplicate.
func (x *explodeStep) checkFree(st *RunState, r *formats.Record, base []formats.Field, pos formats.Pos) error {
	for _, f := range base {
		if f.Name == x.as || (x.indexAs != "" && f.Name == x.indexAs) {
			opt := "as"
			if f.Name != x.as {
				opt = "index_as"
			}
			return &formats.DataError{File: st.File, Pos: posOr(f.Pos, pos), Field: f.Name, RecordOnly: true, Msg: fmt.Sprintf(
				"the record already has a field %q; give %s another name", f.Name, opt)}
		}
	}
	return nil
}

// checkElement makes sure an element has no field named like index_as or
// parent.
func (x *explodeStep) checkElement(st *RunState, er *formats.Record, pos formats.Pos) error {
	for _, f := range er.Fields {
		if f.Name == explodeParent || (x.indexAs != "" && f.Name == x.indexAs) {
			return &formats.DataError{File: st.File, Pos: posOr(f.Pos, pos), Field: f.Name, RecordOnly: true, Msg: fmt.Sprintf(
				"the %s element already has a field %q; use as: to keep elements nested, or give index_as another name", x.field, f.Name)}
		}
	}
	return nil
}

// Flush fails a file in which no record had the field at all: that is a
// misspelt field name, not a file without order positions.
func (x *explodeStep) Flush(_ context.Context, st *RunState, _ Emit) error {
	s, _ := st.StateFor(x.index, func() any { return &explodeState{} }).(*explodeState)
	if s.seen || s.names == nil {
		return nil
	}
	const max = 12
	names, more := s.names, ""
	if len(names) > max {
		names, more = names[:max], ", …"
	}
	return &formats.DataError{File: st.File, Msg: fmt.Sprintf("explode: no record has a field %q (the first has: %s%s)",
		x.field, strings.Join(names, ", "), more)}
}

// without returns r without the field at the end of chain (indexes from
// locate); nested records on the way are copied, r is not changed.
func without(r *formats.Record, chain []int) *formats.Record {
	out := &formats.Record{Fields: make([]formats.Field, 0, len(r.Fields)), Pos: r.Pos}
	i := chain[0]
	out.Fields = append(out.Fields, r.Fields[:i]...)
	if len(chain) > 1 {
		f := r.Fields[i]
		f.Value = formats.Nested(without(f.Value.Record(), chain[1:]))
		out.Fields = append(out.Fields, f)
	}
	out.Fields = append(out.Fields, r.Fields[i+1:]...)
	return out
}

// valueWords describes a value for a message: `the text "abc"`.
func valueWords(v formats.Value) string {
	switch v.Kind() {
	case formats.KindNull:
		return "empty (null)"
	case formats.KindList:
		return "a list"
	case formats.KindRecord:
		return "a record"
	case formats.KindNumber:
		return "the number " + v.Text()
	case formats.KindBool:
		return v.Text()
	}
	return "the text " + formats.Quote(v.Text())
}
