package transform

import (
	"context"

	"github.com/goccy/go-yaml/ast"

	"github.com/ferry-sync/ferry/formats"
)

// mapStep builds each output record from scratch: the listed fields in the
// listed order, each a copy of an input field or an expression's result.
//
//   - map:
//     Sku: Artikelnummer                 # copy (no expression run)
//     Price: fmtDec(deDec(VK1), 2)       # expression
type mapStep struct {
	names []string
	progs []*program
	index int // the step's place: keys its per-file record slab
}

func newMapStep(sc *stepContext) (Step, error) {
	names, progs, err := sc.fieldMap()
	if err != nil {
		return nil, err
	}
	return &mapStep{names: names, progs: progs, index: sc.index}, nil
}

// recordSlab hands out output records and their fields from blocks of 64,
// so that a mapped record costs no allocation of its own. Each record's
// field slice has its capacity cut to its length: a later step that adds a
// field reallocates instead of writing into the next record.
type recordSlab struct {
	recs   []formats.Record
	fields []formats.Field
	free   []*formats.Record // written records back for reuse
}

const slabRecords = 64

// next returns a record with nfields fields; the caller sets every field
// and the position (a reused record still holds its old ones).
func (s *recordSlab) next(nfields int) *formats.Record {
	for len(s.free) > 0 {
		r := s.free[len(s.free)-1]
		s.free[len(s.free)-1] = nil
		s.free = s.free[:len(s.free)-1]
		if cap(r.Fields) >= nfields {
			r.Fields = r.Fields[:nfields:nfields]
			return r
		}
	}
	if len(s.recs) == 0 {
		s.recs = make([]formats.Record, slabRecords)
		s.fields = make([]formats.Field, slabRecords*nfields)
	}
	r := &s.recs[0]
	s.recs = s.recs[1:]
	r.Fields = s.fields[:nfields:nfields]
	s.fields = s.fields[nfields:]
	return r
}

// copiesInput marks map (and set, which embeds it) as a step that builds new
// records and never keeps or changes its input (see recyclesInput). A set
// changes its input in place only when it owns it (see Step), which the
// first step of a pipeline never does: there it copies.
func (m *mapStep) copiesInput() {}

func (m *mapStep) Apply(_ context.Context, st *RunState, r *formats.Record, emit Emit) error {
	slab := st.StateFor(m.index, func() any { return &recordSlab{} }).(*recordSlab)
	if len(slab.free) == 0 && st.written != nil && st.writtenBy == Step(m) {
		select {
		case slab.free = <-st.written: // written: nothing refers to them any more
		default:
		}
	}
	out := slab.next(len(m.names))
	out.Pos = r.Pos
	for i, p := range m.progs {
		v, pos, err := evalField(p, r, st)
		if err != nil {
			return fieldError(st, r, m.names[i], p, err)
		}
		out.Fields[i] = formats.Field{Name: m.names[i], Value: v, Pos: pos}
	}
	return emit(out)
}

// setStep adds fields or overwrites existing ones, keeping the rest.
//
//   - set:
//     Published: 'Shop_aktiv == "1" ? "true" : "false"'
//
// The fields are set on a copy of the record, or on the record itself when
// the step owns it (see Step) and it has room for them (recordRoom).
type setStep struct {
	mapStep
	own  ownership // of the records it receives
	room int       // fields later steps add in place (recordRoom)
}

func newSetStep(sc *stepContext) (Step, error) {
	names, progs, err := sc.fieldMap()
	if err != nil {
		return nil, err
	}
	return &setStep{mapStep: mapStep{names: names, progs: progs}}, nil
}

func (s *setStep) setInputOwnership(o ownership) { s.own = o }
func (s *setStep) addsFields() int               { return len(s.names) }
func (s *setStep) setRoom(n int)                 { s.room = n }

func (s *setStep) Apply(_ context.Context, st *RunState, r *formats.Record, emit Emit) error {
	// Evaluate everything against the incoming record first, so that one
	// set's fields do not see each other's new values half way.
	var valBuf [4]formats.Value
	var posBuf [4]formats.Pos
	vals, poss := valBuf[:0], posBuf[:0]
	if len(s.names) > len(valBuf) {
		vals, poss = make([]formats.Value, 0, len(s.names)), make([]formats.Pos, 0, len(s.names))
	}
	for i, p := range s.progs {
		v, pos, err := evalField(p, r, st)
		if err != nil {
			return fieldError(st, r, s.names[i], p, err)
		}
		vals, poss = append(vals, v), append(poss, pos)
	}
	out := r
	if !st.mayChange(s.own) || cap(r.Fields)-len(r.Fields) < len(s.names) {
		out = copyRecord(r, len(s.names)+s.room)
	}
	for i, name := range s.names {
		if j := out.Index(name); j >= 0 {
			out.Fields[j].Value = vals[i]
			continue
		}
		out.Add(name, vals[i], poss[i])
	}
	return emit(out)
}

// dropStep removes fields.
//
//   - drop: [Langtext, Bezeichnung2]
type dropStep struct{ names map[string]bool }

func newDropStep(sc *stepContext) (Step, error) {
	var names []string
	if err := sc.decode(&names); err != nil {
		return nil, sc.errAt(nil, "expected a list of field names: "+err.Error())
	}
	d := &dropStep{names: map[string]bool{}}
	for _, n := range names {
		d.names[n] = true
	}
	return d, nil
}

// copiesInput marks drop as a step that builds new records and never keeps
// or changes its input (see recyclesInput).
func (d *dropStep) copiesInput() {}

func (d *dropStep) Apply(_ context.Context, _ *RunState, r *formats.Record, emit Emit) error {
	out := &formats.Record{Fields: make([]formats.Field, 0, len(r.Fields)), Pos: r.Pos}
	for _, f := range r.Fields {
		if !d.names[f.Name] {
			out.Fields = append(out.Fields, f)
		}
	}
	return emit(out)
}

// filterStep keeps the records for which its expression is true.
//
//   - filter: Shop_aktiv == "1" && Artikeltyp != "VARIANTE"
//
// In its long form a record left out is counted (Stats.Dropped) and
// reported as a warning with the record's position, so that rows dropped
// on purpose (an expired price) are never dropped silently:
//
//   - filter:
//     keep: Gueltig_bis == "" || parseDate(Gueltig_bis, "TT.MM.JJJJ") >= now()
//     warn: "price expired on ${Gueltig_bis}, left out"
type filterStep struct {
	prog *program
	warn *textTemplate // nil: drop without a word (short form)
}

// filterConfig is the long form of a filter step.
type filterConfig struct {
	Keep string `yaml:"keep"`
	Warn string `yaml:"warn"`
}

func newFilterStep(sc *stepContext) (Step, error) {
	src := scalarText(sc.node)
	var warn string
	if _, ok := sc.node.(*ast.MappingNode); ok {
		var cfg filterConfig
		if err := sc.decode(&cfg); err != nil {
			return nil, sc.errAt(nil, "expected an expression, or {keep: expression, warn: message}: "+err.Error())
		}
		if cfg.Keep == "" || cfg.Warn == "" {
			return nil, sc.errAt(nil, "the long form of filter needs both keep (the expression) and warn (the message for a record left out)")
		}
		src, warn = cfg.Keep, cfg.Warn
	}
	p, err := sc.c.compile(src)
	if err != nil {
		return nil, &ConfigError{File: sc.pc.File, Pos: posOf(sc.node), Path: pathString(sc.path), Msg: err.Error()}
	}
	f := &filterStep{prog: p}
	if warn != "" {
		if f.warn, err = compileTextTemplate(warn, sc.c); err != nil {
			return nil, sc.errAt([]string{"warn"}, err.Error())
		}
	}
	return f, nil
}

func (f *filterStep) Apply(_ context.Context, st *RunState, r *formats.Record, emit Emit) error {
	keep, err := f.prog.holds(st, r)
	if err != nil {
		return err
	}
	if !keep {
		if f.warn != nil {
			st.Stats.Dropped++
			st.Warn((&formats.DataError{File: st.File, Pos: r.Pos, Msg: "left out: " + f.warn.render(r, st.ev)}).Error())
		}
		return nil
	}
	return emit(r)
}
