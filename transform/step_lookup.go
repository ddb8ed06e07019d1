package transform

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/ferry-sync/ferry/formats"
)

// lookupStep sets fields of each record from the matching row of a lookup
// table (see lookup.go). The table is a name declared under `tables:` (in
// the pipeline or in ferry.yaml) or a file; keys maps the table's key
// columns to expressions on the record (usually a field name); fields maps
// the record fields to set to table columns (default: every column that is
// not a key, under its own name). The fields are set on a copy of the
// record, or on the record itself when the step owns it (see Step) and it
// has room for them (recordRoom): an existing field is overwritten in
// place, a new one is added at the end.
//
//   - lookup:
//     table: zahlungsarten               # or a file: lookups/zahlungsarten.csv
//     keys: {Zahlungsmethode: PaymentMethodSystemName}
//     fields: {Zahlungsart: Zahlungsart, Zahlungsziel: Zahlungsziel_Tage}
//     missing: default                   # error (default) | default | drop
//     default: {Zahlungsart: RE, Zahlungsziel: 14}
//
// Keys are compared as exact text after trimming spaces at both ends
// (ignore_case: true also ignores upper and lower case); an empty key never
// matches. A key that is not in the table is, under missing: error, an
// error of that record at the key field's position:
//
//	orders.json:157:9: field "Sku": "000817" is not in lookup table "artikel" (lookups/artikel.csv)
//
// under missing: default the fields get the default values (a field
// without one gets empty text), under missing: drop the record is left
// out. A table named by file takes its settings from the step: format,
// encoding, options, max_rows.
type lookupStep struct {
	slot     *tableSlot
	view     int
	desc     string     // the table, for messages
	keyCols  []string   // table key columns, in view order
	keys     []*program // their expressions, same order
	fields   []string   // record fields to set
	missing  string     // "error", "default" or "drop"
	defaults []formats.Value
	own      ownership // of the records it receives
	room     int       // fields later steps add in place (recordRoom)
}

func (s *lookupStep) setInputOwnership(o ownership) { s.own = o }
func (s *lookupStep) addsFields() int               { return len(s.fields) }
func (s *lookupStep) setRoom(n int)                 { s.room = n }

// lookupConfig is the step's YAML.
type lookupConfig struct {
	Table      string            `yaml:"table"`
	Format     string            `yaml:"format"`
	Encoding   string            `yaml:"encoding"`
	Options    map[string]any    `yaml:"options"`
	MaxRows    int               `yaml:"max_rows"`
	IgnoreCase *bool             `yaml:"ignore_case"`
	Keys       map[string]string `yaml:"keys"`
	Fields     map[string]string `yaml:"fields"`
	Missing    string            `yaml:"missing"`
	Default    map[string]any    `yaml:"default"`
}

// tableName is the form of a declared table's name; anything else in
// `table:` is a file.
var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// errReported is returned by a step whose problem was already reported
// (its table could not be loaded): Compile fails on that report.
var errReported = ConfigErrors{}

func newLookupStep(sc *stepContext) (Step, error) {
	var cfg lookupConfig
	if err := sc.decode(&cfg); err != nil {
		return nil, sc.errAt(nil, "expected table, keys and optionally fields, missing, default: "+err.Error())
	}
	ts := sc.tables
	s := &lookupStep{missing: cfg.Missing}
	var errs ConfigErrors

	// The table.
	fold := cfg.IgnoreCase != nil && *cfg.IgnoreCase
	if tableName.MatchString(cfg.Table) {
		slot := ts.byName[cfg.Table]
		if slot == nil {
			where, failed := ts.failed[cfg.Table]
			switch {
			case failed && where == "":
				return nil, errReported // the pipeline's own table: reported at its declaration
			case failed:
				return nil, sc.errAt([]string{"table"}, fmt.Sprintf("lookup table %q could not be loaded (see the error for %s)", cfg.Table, where))
			}
			declared := "none are declared"
			if len(ts.declared) > 0 {
				declared = "declared: " + strings.Join(ts.declared, ", ")
			}
			return nil, sc.errAt([]string{"table"}, fmt.Sprintf("there is no lookup table %q (%s); name a table from tables: or a file such as lookups/%s.csv", cfg.Table, declared, cfg.Table))
		}
		s.slot = slot
		for _, f := range []struct {
			name string
			set  bool
		}{{"format", cfg.Format != ""}, {"encoding", cfg.Encoding != ""}, {"options", len(cfg.Options) > 0}, {"max_rows", cfg.MaxRows != 0}} {
			if f.set {
				errs = append(errs, sc.errAt([]string{f.name}, fmt.Sprintf("%s belongs to the declaration of table %q under tables:", f.name, cfg.Table)))
			}
		}
		if cfg.IgnoreCase == nil {
			fold = slot.t.fold // the declared rule
		}
	} else {
		rename := map[string]string{"file": "table", "key": "keys"}
		slot, es := ts.inlineTable(tableDecl{file: cfg.Table, format: cfg.Format, charset: cfg.Encoding, options: cfg.Options, maxRows: cfg.MaxRows,
			at: func(field, msg string) *ConfigError {
				if r, ok := rename[field]; ok {
					field = r
				}
				return sc.errAt([]string{field}, msg)
			}})
		if len(es) > 0 {
			return nil, append(errs, es...)
		}
		s.slot = slot
	}
	s.desc = s.slot.t.describe()
	s.slot.used.Store(true)

	// The keys, in the order written.
	spec := viewSpec{fold: fold}
	for _, kv := range stepPairs(sc.node, "keys", cfg.Keys) {
		col := kv.name
		p, err := sc.c.compile(kv.text)
		if err != nil {
			ce := sc.errAt([]string{"keys", col}, err.Error())
			if kv.value != nil {
				ce.Pos = posOf(kv.value) // at the expression itself
			}
			errs = append(errs, ce)
			continue
		}
		spec.keys = append(spec.keys, col)
		s.keys = append(s.keys, p)
	}
	if len(spec.keys) == 0 && len(errs) == 0 {
		errs = append(errs, sc.errAt([]string{"keys"}, "name at least one key column: keys: {TableColumn: field or expression}"))
	}
	s.keyCols = spec.keys

	// The fields to set: record field → table column.
	entries := stepPairs(sc.node, "fields", cfg.Fields)
	cols := make([]string, 0, len(entries))
	for _, kv := range entries {
		s.fields = append(s.fields, kv.name)
		cols = append(cols, kv.text)
	}
	if len(entries) == 0 {
		for _, c := range s.slot.t.data().cols {
			if !slices.Contains(spec.keys, c) {
				s.fields = append(s.fields, c)
				cols = append(cols, c)
			}
		}
	}
	spec.fields = cols

	// What a missing key does.
	defaults := stepPairs(sc.node, "default", cfg.Default)
	switch {
	case s.missing == "" && len(defaults) > 0:
		s.missing = "default"
	case s.missing == "":
		s.missing = "error"
	case s.missing != "default" && len(defaults) > 0:
		errs = append(errs, sc.errAt([]string{"default"}, fmt.Sprintf("default values are used only with missing: default (this step has missing: %s)", s.missing)))
	}
	if s.missing == "default" {
		s.defaults = make([]formats.Value, len(s.fields))
		for i := range s.defaults {
			s.defaults[i] = formats.String("")
		}
		for _, kv := range defaults {
			name := kv.name
			i := slices.Index(s.fields, name)
			if i < 0 {
				errs = append(errs, sc.errAt([]string{"default", name}, fmt.Sprintf("%q is not one of the fields this lookup sets (%s)", name, strings.Join(s.fields, ", "))))
				continue
			}
			s.defaults[i] = formats.String(kv.text)
			if kv.value != nil {
				s.defaults[i] = scalarValue(kv.value)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}

	view, probs := s.slot.t.ensureView(spec)
	for _, p := range probs {
		switch {
		case p.column != "" && p.field:
			at := []string{"fields"}
			if i := slices.Index(cols, p.column); i >= 0 && len(entries) > 0 {
				at = append(at, s.fields[i])
			}
			errs = append(errs, sc.errAt(at, p.msg))
		case p.column != "":
			errs = append(errs, sc.errAt([]string{"keys", p.column}, p.msg))
		default:
			errs = append(errs, sc.errAt([]string{"keys"}, p.msg))
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	s.view = view
	return s, nil
}

// Apply sets the fields from the row of the record's key.
func (s *lookupStep) Apply(_ context.Context, st *RunState, r *formats.Record, emit Emit) error {
	d := st.tableFor(s.slot)
	if s.view >= len(d.views) {
		d = s.slot.t.data()
	}
	v := d.views[s.view]
	var textBuf [4]string
	texts := textBuf[:0]
	keyPos, keyField := r.Pos, ""
	for i, p := range s.keys {
		val, pos, err := evalField(p, r, st)
		if err != nil {
			return fieldError(st, r, "", p, err)
		}
		if i == 0 {
			keyPos = pos
			if len(p.fields) == 1 {
				keyField = p.fields[0]
			}
		}
		if !val.IsScalar() {
			return &formats.DataError{File: st.File, Pos: pos, Field: keyField, RecordOnly: true,
				Msg: fmt.Sprintf("a key for %s must be a single value, not a %s", s.desc, val.Kind())}
		}
		texts = append(texts, val.Text())
	}
	var keyBuf [64]byte
	row, found := v.find(texts, keyBuf[:0])
	if !found {
		switch s.missing {
		case "drop":
			return nil
		case "error":
			return s.missingError(st, texts, keyPos, keyField)
		}
	}
	out := r
	if !st.mayChange(s.own) || cap(r.Fields)-len(r.Fields) < len(s.fields) {
		out = copyRecord(r, len(s.fields)+s.room)
	}
	n := len(d.cols)
	for i, name := range s.fields {
		var val formats.Value
		if found {
			val = d.cells[row*n+v.fields[i]]
		} else {
			val = s.defaults[i]
		}
		if j := out.Index(name); j >= 0 {
			out.Fields[j].Value = val
			continue
		}
		out.Fields = append(out.Fields, formats.Field{Name: name, Value: val, Pos: keyPos})
	}
	return emit(out)
}

// missingError is the record error of a key that is not in the table.
func (s *lookupStep) missingError(st *RunState, texts []string, pos formats.Pos, field string) error {
	de := &formats.DataError{File: st.File, Pos: pos, RecordOnly: true}
	empty := true
	for _, t := range texts {
		empty = empty && strings.TrimSpace(t) == ""
	}
	switch {
	case len(texts) == 1 && empty:
		de.Field = field
		de.Msg = "the value is empty, so it cannot be found in " + s.desc
	case len(texts) == 1:
		de.Field = field
		de.Msg = fmt.Sprintf("%s is not in %s", formats.Quote(texts[0]), s.desc)
	default:
		parts := make([]string, len(texts))
		for i, t := range texts {
			parts[i] = s.keyCols[i] + " " + formats.Quote(t)
		}
		de.Msg = fmt.Sprintf("no row with %s in %s", strings.Join(parts, " and "), s.desc)
	}
	return de
}

// stepPair is one entry of a mapping in a step: its name, its value as
// text, and the value's node (nil when the mapping could not be read from
// the document, e.g. an alias: then the pairs come from decoded).
type stepPair struct {
	name  string
	text  string
	value ast.Node
}

// stepPairs returns the entries of the mapping under key in a step's node
// in the order written; decoded is the same mapping as decoded, used when
// the document does not hold it as a plain mapping (then in name order).
func stepPairs[V any](node ast.Node, key string, decoded map[string]V) []stepPair {
	var pairs []stepPair
	for _, kv := range mappingEntries(node) {
		if keyText(kv.Key) == key {
			for _, e := range mappingEntries(kv.Value) {
				pairs = append(pairs, stepPair{name: keyText(e.Key), text: scalarText(e.Value), value: e.Value})
			}
		}
	}
	if len(pairs) == len(decoded) {
		return pairs
	}
	pairs = pairs[:0]
	for _, name := range slices.Sorted(maps.Keys(decoded)) {
		pairs = append(pairs, stepPair{name: name, text: fmt.Sprint(decoded[name])})
	}
	return pairs
}

func mappingEntries(n ast.Node) []*ast.MappingValueNode {
	switch t := n.(type) {
	case *ast.MappingNode:
		return t.Values
	case *ast.MappingValueNode:
		return []*ast.MappingValueNode{t}
	case *ast.AnchorNode:
		return mappingEntries(t.Value)
	case *ast.TagNode:
		return mappingEntries(t.Value)
	}
	return nil
}

// scalarValue is a YAML scalar as a record value: numbers keep the text
// they are written with.
func scalarValue(n ast.Node) formats.Value {
	switch t := n.(type) {
	case *ast.IntegerNode, *ast.FloatNode:
		return formats.Number(t.GetToken().Value)
	case *ast.BoolNode:
		return formats.Bool(t.Value)
	case *ast.NullNode:
		return formats.Null
	}
	return formats.String(scalarText(n))
}
