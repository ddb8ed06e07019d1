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
}

const slabRecords = 64

func (s *recordSlab) next(nfields int) *formats.Record {
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

func (m *mapStep) Apply(_ context.Context, st *RunState, r *formats.Record, emit Emit) error {
	slab := st.StateFor(m.index, func() any { return &recordSlab{} }).(*recordSlab)
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
type setStep struct{ mapStep }

func newSetStep(sc *stepContext) (Step, error) {
	names, progs, err := sc.fieldMap()
	if err != nil {
		return nil, err
	}
	return &setStep{mapStep{names: names, progs: progs}}, nil
}

func (s *setStep) Apply(_ context.Context, st *RunState, r *formats.Record, emit Emit) error {
	// Evaluate everything against the incoming record first, so that one
	// set's fields do not see each other's new values half way.
	vals := make([]formats.Value, len(s.names))
	poss := make([]formats.Pos, len(s.names))
	for i, p := range s.progs {
		v, pos, err := evalField(p, r, st)
		if err != nil {
			return fieldError(st, r, s.names[i], p, err)
		}
		vals[i], poss[i] = v, pos
	}
	out := &formats.Record{Fields: append(make([]formats.Field, 0, len(r.Fields)+len(s.names)), r.Fields...), Pos: r.Pos}
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
	v, err := f.prog.eval(r, st.ev)
	if err != nil {
		return fieldError(st, r, "", f.prog, err)
	}
	keep, err := truth(v)
	if err != nil {
		return fieldError(st, r, "", f.prog, err)
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
