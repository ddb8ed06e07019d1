package transform

// The record-shaping steps explode, group, dedupe and sort share what is in
// the second half of this file: field references with dotted paths into
// nested records (fieldPath), keys built from fields' text, and checks of
// the field lists in the configuration.

import (
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"github.com/ferry-sync/ferry/formats"
)

// Defaults of the caps of the steps that hold records or keys in memory.
const (
	DefaultMaxRecords = 100000  // group (keyed, or one consecutive group), sort
	DefaultMaxKeys    = 1000000 // dedupe, group's check for repeated keys
)

// groupStep turns runs of records with equal key fields into one record:
// the key fields, taken from the group's first record (a nested key such as
// Customer.CustomerNumber comes out nested as it went in, Customer:
// {CustomerNumber: …}, so a later step still writes Customer.CustomerNumber
// and a CSV column is still called that), followed by the field named in
// into, a list holding the group's records. The records in the list are
// kept whole, key fields included, so that nothing is lost and an output
// can still read them per position. The group record takes its first
// record's position.
//
//   - group:
//     by: [Belegnummer]            # one or more fields; "Customer.Id" reads a nested field
//     into: Positionen             # the list field of the output record
//     mode: consecutive            # default: a group ends where the key changes
//     allow_repeat: false          # consecutive: a key seen again later is an error (true: a new group)
//     max_records: 100000          # cap on records held (one group, or all under keyed)
//     max_keys: 1000000            # consecutive: cap on keys remembered to find repeats
//
// mode: consecutive streams: the input must come sorted (or at least
// grouped) by the key, as Sage writes order lines. mode: keyed takes the
// records in any order and holds every group until the end of the file,
// then writes them in the order their keys first appeared; max_records
// caps what it holds.
type groupStep struct {
	index       int
	keys        keySpec
	into        string
	keyed       bool
	allowRepeat bool
	maxRecords  int
	maxKeys     int
}

// groupConfig is the YAML of a group step.
type groupConfig struct {
	By          []string `yaml:"by"`
	Into        string   `yaml:"into"`
	Mode        string   `yaml:"mode"`
	AllowRepeat bool     `yaml:"allow_repeat"`
	MaxRecords  int      `yaml:"max_records"`
	MaxKeys     int      `yaml:"max_keys"`
}

func newGroupStep(sc *stepContext) (Step, error) {
	var cfg groupConfig
	if err := sc.decode(&cfg); err != nil {
		return nil, sc.errAt(nil, "expected by, into and options: "+err.Error())
	}
	var errs ConfigErrors
	keys, es := checkKeyFields(sc, "by", cfg.By, false)
	errs = append(errs, es...)
	switch {
	case cfg.Into == "":
		errs = append(errs, sc.errAt([]string{"into"}, "into needs the name of the list field that holds the group's records"))
	case keys.has(cfg.Into) || keys.hasPrefix(cfg.Into):
		errs = append(errs, sc.errAt([]string{"into"}, fmt.Sprintf("into %q is also a key field (or the start of one) in by; choose another name for the list", cfg.Into)))
	}
	g := &groupStep{index: sc.index, keys: keys, into: cfg.Into, allowRepeat: cfg.AllowRepeat,
		maxRecords: orDefault(cfg.MaxRecords, DefaultMaxRecords), maxKeys: orDefault(cfg.MaxKeys, DefaultMaxKeys)}
	switch cfg.Mode {
	case "", "consecutive":
	case "keyed":
		g.keyed = true
		if cfg.AllowRepeat {
			errs = append(errs, sc.errAt([]string{"allow_repeat"}, "allow_repeat is for mode: consecutive; mode: keyed always puts equal keys into one group"))
		}
		if cfg.MaxKeys != 0 {
			errs = append(errs, sc.errAt([]string{"max_keys"}, "max_keys is for mode: consecutive; under mode: keyed, max_records is the cap"))
		}
	default:
		errs = append(errs, sc.errAt([]string{"mode"}, fmt.Sprintf("unknown mode %q (use consecutive or keyed)", cfg.Mode)))
	}
	if cfg.MaxRecords < 0 || cfg.MaxKeys < 0 {
		errs = append(errs, sc.errAt(nil, "max_records and max_keys must be positive"))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return g, nil
}

// group is one group being collected.
type group struct {
	key   string      // consecutive: owned copy
	head  keyHead     // the key fields of the first record
	pos   formats.Pos // the first record's position
	items []formats.Value
}

// groupState is a group step's state for one file.
type groupState struct {
	kb keyBuilder
	// consecutive
	cur  *group
	seen map[string]struct{} // keys of finished groups, unless allow_repeat
	// keyed
	byKey  map[string]int
	groups []*group
	held   int
}

func (g *groupStep) state(st *RunState) *groupState {
	return st.StateFor(g.index, func() any { return &groupState{} }).(*groupState)
}

// Apply adds r to its group; under consecutive it emits the previous group
// when the key changes.
func (g *groupStep) Apply(_ context.Context, st *RunState, r *formats.Record, emit Emit) error {
	s := g.state(st)
	key, _, err := s.kb.build(st, r, g.keys, false)
	if err != nil {
		return err
	}
	if g.keyed {
		i, ok := s.byKey[key]
		if s.held >= g.maxRecords {
			return &formats.DataError{File: st.File, Pos: r.Pos, Msg: fmt.Sprintf(
				"group by %s holds more than %d records; sort the input by %s and use mode: consecutive, or raise max_records",
				g.keys.list(), g.maxRecords, g.keys.list())}
		}
		if !ok {
			if s.byKey == nil {
				s.byKey = map[string]int{}
			}
			i = len(s.groups)
			s.byKey[strings.Clone(key)] = i
			_, head, _ := s.kb.build(st, r, g.keys, true) // read above without error
			s.groups = append(s.groups, &group{head: head, pos: r.Pos})
		}
		s.groups[i].items = append(s.groups[i].items, formats.Nested(r))
		s.held++
		return nil
	}

	if s.cur != nil && key == s.cur.key {
		if len(s.cur.items) >= g.maxRecords {
			return &formats.DataError{File: st.File, Pos: r.Pos, Msg: fmt.Sprintf(
				"group by %s: more than %d records have %s; raise max_records",
				g.keys.list(), g.maxRecords, g.keys.describe(s.cur.head.fields))}
		}
		s.cur.items = append(s.cur.items, formats.Nested(r))
		return nil
	}
	key = strings.Clone(key)
	_, head, _ := s.kb.build(st, r, g.keys, true) // read above without error
	if !g.allowRepeat {
		if _, dup := s.seen[key]; dup {
			de := &formats.DataError{File: st.File, Pos: r.Pos, RecordOnly: true}
			what := g.keys.describe(head.fields)
			if len(g.keys) == 1 {
				f := head.fields[0]
				de.Field, de.Pos, what = g.keys[0].name, posOr(f.Pos, r.Pos), formats.Quote(f.Value.Text())
			}
			de.Msg = fmt.Sprintf("%s came before, but not right before this record, and its group is already written: sort the input by %s, use mode: keyed, or set allow_repeat: true to start a new group",
				what, g.keys.list())
			return de
		}
	}
	prev := s.cur
	s.cur = &group{key: key, head: head, pos: r.Pos, items: []formats.Value{formats.Nested(r)}}
	if prev == nil {
		return nil
	}
	return g.finish(st, s, prev, emit)
}

// finish emits a finished consecutive group and remembers its key.
func (g *groupStep) finish(st *RunState, s *groupState, grp *group, emit Emit) error {
	if !g.allowRepeat {
		if len(s.seen) >= g.maxKeys {
			return &formats.DataError{File: st.File, Pos: grp.pos, Msg: fmt.Sprintf(
				"group by %s has seen more than %d different keys, the most it remembers to find a key that comes again; raise max_keys, or set allow_repeat: true if the input is sorted",
				g.keys.list(), g.maxKeys)}
		}
		if s.seen == nil {
			s.seen = map[string]struct{}{}
		}
		s.seen[grp.key] = struct{}{}
	}
	return emitOwn(st, emit, g.record(grp))
}

// record builds the output record of a group.
func (g *groupStep) record(grp *group) *formats.Record {
	out := &formats.Record{Fields: make([]formats.Field, 0, len(grp.head.fields)+1), Pos: grp.pos}
	grp.head.put(out, grp.pos)
	out.Add(g.into, formats.List(grp.items), grp.pos)
	return out
}

// Flush emits the last group (consecutive) or every group (keyed).
func (g *groupStep) Flush(ctx context.Context, st *RunState, emit Emit) error {
	s := g.state(st)
	if !g.keyed {
		if s.cur == nil {
			return nil
		}
		grp := s.cur
		s.cur = nil
		return emitOwn(st, emit, g.record(grp))
	}
	groups := s.groups
	s.groups, s.byKey = nil, nil
	for i, grp := range groups {
		if i&255 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		groups[i] = nil // let the memory go as the groups leave
		if err := emitOwn(st, emit, g.record(grp)); err != nil {
			return err
		}
	}
	return nil
}

// emitOwn emits a record that a step made on its own (not the record it
// was given): an error about it goes to the run's on_error handling as the
// error of that record, and the step goes on unless the run must stop.
func emitOwn(st *RunState, emit Emit, r *formats.Record) error {
	if err := emit(r); err != nil {
		return st.RecordError(r, err)
	}
	return nil
}

func orDefault(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// ---- shared by explode, group, dedupe and sort ----

// fieldPath returns the field at path in r: a field name as written, or a
// dotted path into nested records ("Customer.CustomerNumber"). A field
// whose own name has dots (a flat CSV column "Customer.Id") wins over the
// path reading. A null or absent value on the way into nested records
// gives (nil, nil): JSON leaves out empty members. A first name the record
// does not have at all is an error (most likely a typo in the pipeline),
// and so is a path that runs into text or a list.
func fieldPath(r *formats.Record, path string) (*formats.Field, error) {
	_, f, err := locate(r, path, nil)
	return f, err
}

// locate is fieldPath that also returns the indexes of the fields along
// the way (appended to chain), so that explode can take the field out.
func locate(r *formats.Record, path string, chain []int) ([]int, *formats.Field, error) {
	top, full := r, path
	for level := 0; ; level++ {
		if i := r.Index(path); i >= 0 {
			return append(chain, i), &r.Fields[i], nil
		}
		next := false
		for off := 0; !next; {
			j := strings.IndexByte(path[off:], '.')
			if j < 0 {
				break
			}
			dot := off + j
			off = dot + 1
			i := r.Index(path[:dot])
			if i < 0 {
				continue
			}
			v := r.Fields[i].Value
			switch v.Kind() {
			case formats.KindRecord:
				chain = append(chain, i)
				r, path, next = v.Record(), path[dot+1:], true
			case formats.KindNull:
				return nil, nil, nil
			default:
				return nil, nil, &errNotNested{path: full, name: full[:len(full)-len(path)+dot], kind: v.Kind(), pos: r.Fields[i].Pos}
			}
		}
		if !next {
			if level == 0 {
				return nil, nil, missingField(full, top)
			}
			return nil, nil, nil
		}
	}
}

// errNotNested is a dotted path that runs into a value that is not a
// nested record.
type errNotNested struct {
	path, name string
	kind       formats.Kind
	pos        formats.Pos
}

func (e *errNotNested) Error() string {
	what := "text"
	switch e.kind {
	case formats.KindList:
		what = "a list"
	case formats.KindNumber:
		what = "a number"
	case formats.KindBool:
		what = "true or false"
	}
	return fmt.Sprintf("field %q holds %s, not a nested record, so %q cannot be read", e.name, what, e.path)
}

// checkPath checks a field reference of the configuration.
func checkPath(p string) string {
	switch {
	case p == "":
		return "a field name is empty"
	case strings.HasPrefix(p, ".") || strings.HasSuffix(p, ".") || strings.Contains(p, ".."):
		return fmt.Sprintf("%q is not a field name or dotted path (like Customer.Id)", p)
	}
	return ""
}

// keyField is one field of a key.
type keyField struct {
	name    string // as written in the configuration: the path
	desc    bool   // sort: "-" prefix
	numeric bool   // sort: compare as numbers
}

// keySpec is the list of fields a step keys records by.
type keySpec []keyField

// checkKeyFields reads the by list of a step; signed allows the "-" (and
// "+") prefix of sort.
func checkKeyFields(sc *stepContext, at string, names []string, signed bool) (keySpec, ConfigErrors) {
	var errs ConfigErrors
	if len(names) == 0 {
		return nil, ConfigErrors{sc.errAt([]string{at}, at+" needs at least one field")}
	}
	seen := map[string]bool{}
	ks := make(keySpec, 0, len(names))
	for i, n := range names {
		k := keyField{name: n}
		if signed {
			switch {
			case strings.HasPrefix(n, "-"):
				k.name, k.desc = n[1:], true
			case strings.HasPrefix(n, "+"):
				k.name = n[1:]
			}
		}
		if msg := checkPath(k.name); msg != "" {
			errs = append(errs, sc.errAt([]string{at, strconv.Itoa(i)}, msg))
			continue
		}
		if seen[k.name] {
			errs = append(errs, sc.errAt([]string{at, strconv.Itoa(i)}, fmt.Sprintf("%q is listed twice", k.name)))
			continue
		}
		seen[k.name] = true
		ks = append(ks, k)
	}
	return ks, errs
}

func (ks keySpec) has(name string) bool {
	for _, k := range ks {
		if k.name == name {
			return true
		}
	}
	return false
}

// hasPrefix reports whether a key is a dotted path starting with name.
func (ks keySpec) hasPrefix(name string) bool {
	for _, k := range ks {
		if strings.HasPrefix(k.name, name+".") {
			return true
		}
	}
	return false
}

// list names the key fields for messages: "OrderNumber" or
// "Kundennummer, Lieferadresse".
func (ks keySpec) list() string {
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = k.name
	}
	return strings.Join(names, ", ")
}

// describe shows a key's values for messages: `OrderNumber "5012"`.
func (ks keySpec) describe(head []formats.Field) string {
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = k.name + " " + formats.Quote(head[i].Value.Text())
	}
	return strings.Join(parts, ", ")
}

// keyBuilder builds keys; it keeps its buffer between records.
type keyBuilder struct{ buf []byte }

// keyHead is the key fields of a group's first record, for its output.
type keyHead struct {
	fields []formats.Field // named by the path as written in by
	// segs[i] is the path of a nested key field, split where it was found
	// ("Customer.CustomerNumber" → Customer, CustomerNumber); nil entries
	// (and a nil segs) are top-level fields.
	segs [][]string
}

// build returns r's key for ks and, when head is set, the key fields with
// their values and positions, for the output. The key of one field is its
// text (borrowed from r: clone it to keep it); of several, each text with
// its length in front, so that ("ab","c") and ("a","bc") differ. Null and
// empty text are the same key.
func (kb *keyBuilder) build(st *RunState, r *formats.Record, ks keySpec, head bool) (string, keyHead, error) {
	var h keyHead
	if head {
		h.fields = make([]formats.Field, len(ks))
	}
	one := len(ks) == 1
	if !one {
		kb.buf = kb.buf[:0]
	}
	for i, k := range ks {
		v, pos, chain, err := keyValue(st, r, k.name)
		if err != nil {
			return "", keyHead{}, err
		}
		if head {
			h.fields[i] = formats.Field{Name: k.name, Value: v, Pos: pos}
			if segs := pathSegments(r, k.name, chain); segs != nil {
				if h.segs == nil {
					h.segs = make([][]string, len(ks))
				}
				h.segs[i] = segs
			}
		}
		if one {
			return v.Text(), h, nil
		}
		kb.buf = binary.AppendUvarint(kb.buf, uint64(len(v.Text())))
		kb.buf = append(kb.buf, v.Text()...)
	}
	return string(kb.buf), h, nil
}

// pathSegments returns the names along chain when the field was found
// inside a nested record, nil for a top-level field. When a null value on
// the way ended the search (no chain), the path is split at its dots.
func pathSegments(r *formats.Record, name string, chain []int) []string {
	if len(chain) == 1 || (chain == nil && strings.IndexByte(name, '.') < 0) {
		return nil
	}
	if chain == nil {
		return strings.Split(name, ".")
	}
	segs := make([]string, len(chain))
	for i, j := range chain {
		segs[i] = r.Fields[j].Name
		if i < len(chain)-1 {
			r = r.Fields[j].Value.Record()
		}
	}
	return segs
}

// put adds the key fields to out: top-level fields as they are, nested
// ones into nested records built along their path (Customer.CustomerNumber
// gives Customer: {CustomerNumber: …}), as the input had them.
func (h keyHead) put(out *formats.Record, pos formats.Pos) {
	for i, f := range h.fields {
		if h.segs == nil || h.segs[i] == nil {
			out.Fields = append(out.Fields, f)
			continue
		}
		segs := h.segs[i]
		at := out
		for _, seg := range segs[:len(segs)-1] {
			j := at.Index(seg)
			if j < 0 || at.Fields[j].Value.Kind() != formats.KindRecord {
				sub := &formats.Record{Pos: pos}
				if j < 0 {
					at.Add(seg, formats.Nested(sub), pos)
				} else {
					at.Fields[j].Value = formats.Nested(sub)
				}
				at = sub
				continue
			}
			at = at.Fields[j].Value.Record() // made here: ours to change
		}
		at.Add(segs[len(segs)-1], f.Value, f.Pos)
	}
}

// keyValue reads one key field: a scalar (null when a nested path finds
// nothing). A nested record or list cannot be a key.
func keyValue(st *RunState, r *formats.Record, name string) (formats.Value, formats.Pos, []int, error) {
	chain, f, err := locate(r, name, nil)
	if err != nil {
		return formats.Null, r.Pos, nil, pathError(st, r, name, err)
	}
	if f == nil {
		return formats.Null, r.Pos, nil, nil
	}
	if !f.Value.IsScalar() {
		what := "a nested record"
		if f.Value.Kind() == formats.KindList {
			what = "a list"
		}
		return formats.Null, f.Pos, nil, &formats.DataError{File: st.File, Pos: posOr(f.Pos, r.Pos), Field: name, RecordOnly: true,
			Msg: fmt.Sprintf("holds %s, which cannot be a key: name a single value inside it (like %s.Id)", what, name)}
	}
	return f.Value, f.Pos, chain, nil
}

// pathError turns a fieldPath error into the record's DataError.
func pathError(st *RunState, r *formats.Record, name string, err error) error {
	de := &formats.DataError{File: st.File, Pos: r.Pos, RecordOnly: true, Msg: err.Error(), Err: err}
	if nn, ok := err.(*errNotNested); ok {
		de.Pos = posOr(nn.pos, r.Pos)
	}
	return de
}

// posOr returns p, or def when nothing is known about p.
func posOr(p, def formats.Pos) formats.Pos {
	if p.IsZero() {
		return def
	}
	return p
}
