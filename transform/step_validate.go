package transform

// The validate step: every record is checked against a JSON Schema and a
// list of rules (expressions that must be true). A record that breaks any
// of them is refused with one error listing every problem, each at the
// position of its field; records that pass go on unchanged.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/ferry-sync/ferry/formats"
)

// validateStep refuses records that do not satisfy a JSON Schema or rules.
//
//	steps:
//	  - validate:
//	      schema: schemas/sage-auftrag.schema.json   # a .json/.yaml file, JSON text, or inline:
//	      #   schema: {required: [Artikelnummer], properties: {Artikelnummer: {maxLength: 30}}}
//	      rules:
//	        - check: 'Menge != "0"'
//	          message: 'position ${Pos}: the quantity is 0'
//	          field: Menge                            # optional: the field the message is about
//	        - encodable: windows-1252                 # text the importer's charset cannot hold
//	          fields: [Name, Adresse.Ort]
//	          message: '"${value}" contains "${char}", which Sage cannot store'
//
// The schema sees each record as a JSON object: text stays text (CSV
// values are always text, so check them with pattern, not type: number),
// numbers of JSON/XML input are numbers, nested records are objects and
// lists arrays. It is compiled once, when the pipeline is loaded; "format"
// keywords (date, email …) are checked, and $ref may name other local
// schema files (JSON or YAML), never web addresses.
//
// A rule's check is an expression that must give true; otherwise its
// message (with ${expression} parts filled in from the record) is reported
// at field (default: the one field the check reads, if it reads exactly
// one). A check that fails to evaluate is reported as it is, except when
// the schema already refused the record (the schema's message is then the
// better one).
//
// All problems of one record make one error: positioned at the first
// problem, with every message joined by "; " (at most 10, then "and N more
// problem(s)"), so a rejects file gets one line per record. Its Err is the
// Violations, one DataError per problem.
type validateStep struct {
	schema *jsonschema.Schema
	rules  []validateRule
	env    *envSet // the rules' checks on one environment; nil: each on its own
}

// validateRule is one compiled rule: a check, or an encodable rule.
type validateRule struct {
	check *program
	msg   *textTemplate
	field string
	// encodable: each of paths that holds text must be writable in the
	// charset (unencodable finds the first character that is not), when
	// when holds (nil: always).
	unencodable func(s string) (rune, string, bool)
	paths       [][]string
	when        *program
}

// validateConfig is the YAML of a validate step.
type validateConfig struct {
	Schema any          `yaml:"schema"`
	Rules  []ruleConfig `yaml:"rules"`
}

// ruleConfig is one rule as written.
type ruleConfig struct {
	Check   string `yaml:"check"`
	Message string `yaml:"message"`
	Field   string `yaml:"field"`
	// an encodable rule instead of a check
	Encodable string   `yaml:"encodable"`
	Fields    []string `yaml:"fields"`
	When      string   `yaml:"when"`
}

func newValidateStep(sc *stepContext) (Step, error) {
	var cfg validateConfig
	if err := sc.decode(&cfg); err != nil {
		return nil, sc.errAt(nil, "expected schema: and/or rules: – "+err.Error())
	}
	if cfg.Schema == nil && len(cfg.Rules) == 0 {
		return nil, sc.errAt(nil, "give a schema, rules, or both")
	}
	s := &validateStep{}
	var errs ConfigErrors
	if cfg.Schema != nil {
		sch, err := compileRecordSchema(sc, cfg.Schema)
		if err != nil {
			errs = append(errs, asConfigErrors(sc.pc, append(append([]string(nil), sc.path...), "schema"), err)...)
		}
		s.schema = sch
	}
	for i, rc := range cfg.Rules {
		at := []string{"rules", strconv.Itoa(i)}
		r := validateRule{field: rc.Field}
		var err error
		switch {
		case rc.Encodable != "":
			errs = append(errs, r.compileEncodable(sc, at, rc)...)
		case strings.TrimSpace(rc.Check) == "":
			errs = append(errs, sc.errAt(at, "a rule needs check (an expression that must be true) or encodable (a charset its fields must fit)"))
		default:
			if r.check, err = sc.c.compile(rc.Check); err != nil {
				errs = append(errs, sc.errAt(append(at, "check"), err.Error()))
			}
		}
		mc := sc.c
		if rc.Encodable != "" {
			mc = sc.c.withNames(encodableNames...) // the message's value, char, field
		}
		if r.msg, err = compileTextTemplate(rc.Message, mc); err != nil {
			errs = append(errs, sc.errAt(append(at, "message"), err.Error()))
		}
		s.rules = append(s.rules, r)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	checks := make([]*program, len(s.rules))
	for i := range s.rules {
		checks[i] = s.rules[i].check // nil for an encodable rule
	}
	s.env = newEnvSet(checks)
	return s, nil
}

// compileEncodable compiles a rule that names fields whose text must be
// writable in a charset:
//
//   - encodable: windows-1252
//     fields: [BillingAddress.Company, BillingAddress.City, CustomerOrderComment]
//     when: "!vars.sage_transliteration"
//     message: 'Bestellung ${Id}: "${value}" enthält "${char}", das Windows-1252 nicht darstellen kann'
//
// Each field that holds text with a character the charset lacks is one
// problem, at that field; in the message, value is the field's text, char
// the character and field the field's name. A field the record lacks, or
// that is empty, null or not text, passes.
func (r *validateRule) compileEncodable(sc *stepContext, at []string, rc ruleConfig) ConfigErrors {
	var errs ConfigErrors
	if rc.Check != "" {
		errs = append(errs, sc.errAt(append(at, "check"), "a rule has either check or encodable, not both"))
	}
	var err error
	if r.unencodable, err = formats.Unencodable(rc.Encodable); err != nil {
		errs = append(errs, sc.errAt(append(at, "encodable"), err.Error()))
	}
	if len(rc.Fields) == 0 {
		errs = append(errs, sc.errAt(at, "encodable needs fields: the fields whose text must fit the charset"))
	}
	for i, f := range rc.Fields {
		if strings.TrimSpace(f) == "" {
			errs = append(errs, sc.errAt(append(at, "fields", strconv.Itoa(i)), "empty field name"))
			continue
		}
		r.paths = append(r.paths, strings.Split(f, "."))
	}
	if rc.When != "" {
		if r.when, err = sc.c.compile(rc.When); err != nil {
			errs = append(errs, sc.errAt(append(at, "when"), err.Error()))
		}
	}
	return errs
}

// encodableNames are what an encodable rule's message sees besides the
// record: the field's text, the character and the field's name.
var encodableNames = []string{"value", "char", "field"}

// encodable checks r's fields for the rule; each problem is appended to
// vs. An error of when: is reported as a check's error is: not when the
// schema refused the record already (schemaFailed).
func (rule *validateRule) encodable(st *RunState, r *formats.Record, vs Violations, schemaFailed bool) Violations {
	if rule.when != nil {
		ok, err := rule.when.holds(st, r)
		if err != nil {
			if de := formats.AsDataError(err); de != nil && !schemaFailed {
				return append(vs, de)
			}
			return vs
		}
		if !ok {
			return vs
		}
	}
	for _, path := range rule.paths {
		f := fieldAt(r, path)
		if f == nil || f.Value.Kind() != formats.KindString {
			continue
		}
		c, _, found := rule.unencodable(f.Value.Text())
		if !found {
			continue
		}
		name := strings.Join(path, ".")
		// the message sees value, char and field before the record's own
		with := formats.NewRecord(len(r.Fields) + 3)
		with.Add("value", f.Value, f.Pos)
		with.Add("char", formats.String(string(c)), f.Pos)
		with.Add("field", formats.String(name), f.Pos)
		with.Fields = append(with.Fields, r.Fields...)
		with.Pos = r.Pos
		de := &formats.DataError{File: st.File, Pos: r.Pos, Field: name, Msg: rule.msg.render(with, st.ev), RecordOnly: true}
		if !f.Pos.IsZero() {
			de.Pos = f.Pos
		}
		vs = append(vs, de)
	}
	return vs
}

// fieldAt is the field at path: a top-level field (the first of its name)
// then, in nested records, the last of each name (as expressions read
// them); when the record has no field path[0], a top-level field of the
// whole dotted name (a flattened column). nil: none.
func fieldAt(r *formats.Record, path []string) *formats.Field {
	f := r.Field(path[0])
	if f == nil && len(path) > 1 {
		return r.Field(strings.Join(path, ".")) // a flattened column ("Adresse.Ort")
	}
	for _, k := range path[1:] {
		if f == nil {
			return nil
		}
		rec := f.Value.Record()
		if rec == nil {
			return nil
		}
		f = nil
		for i := len(rec.Fields) - 1; i >= 0; i-- {
			if rec.Fields[i].Name == k {
				f = &rec.Fields[i]
				break
			}
		}
	}
	return f
}

func (s *validateStep) Apply(_ context.Context, st *RunState, r *formats.Record, emit Emit) error {
	var vs Violations
	if s.schema != nil {
		vs = s.validate(st.File, r)
	}
	schemaFailed := len(vs) > 0
	// filled: the environment holds what s.env put there for r (nothing
	// else evaluated since: a check on its own or a message changes it).
	filled := false
	var bad []bool
	for i := range s.rules {
		rule := &s.rules[i]
		if rule.unencodable != nil {
			vs = rule.encodable(st, r, vs, schemaFailed)
			filled = false
			continue
		}
		var x any
		var err error
		if s.env != nil && s.env.at[i] != nil {
			if !filled {
				bad, filled = s.env.fill(r, st.ev), true
			}
			x, err = s.env.run(i, r, bad, st.ev)
		} else {
			x, err = rule.check.eval(r, st.ev)
			filled = false
		}
		if err != nil {
			if !schemaFailed {
				if de := formats.AsDataError(fieldError(st, r, rule.field, rule.check, err)); de != nil {
					vs = append(vs, de)
				}
			}
			continue
		}
		ok, isBool := checkResult(x)
		if ok {
			continue
		}
		var msg string
		if isBool {
			msg = rule.msg.render(r, st.ev)
			filled = false
		} else {
			msg = fmt.Sprintf("the check %s gave %s, not true or false", rule.check.src, shownResult(x))
		}
		de := &formats.DataError{File: st.File, Pos: r.Pos, Field: rule.field, Msg: msg, RecordOnly: true}
		if de.Field == "" && len(rule.check.fields) == 1 {
			de.Field = rule.check.fields[0]
		}
		if f := r.Field(de.Field); f != nil && !f.Pos.IsZero() {
			de.Pos = f.Pos
		}
		vs = append(vs, de)
	}
	if len(vs) > 0 {
		return vs.recordError()
	}
	return emit(r)
}

// validate checks r against the schema. A number the validator cannot
// take (not a JSON number literal, or an exponent beyond ±maxSchemaExponent)
// is reported instead of validating the record.
func (s *validateStep) validate(file string, r *formats.Record) (vs Violations) {
	bad := false
	inst := recordJSON(r, &bad)
	if bad {
		return badNumbers(file, r, "", nil)
	}
	defer func() {
		// The validator is a library: should it ever panic on a value,
		// refuse the record rather than crash the run.
		if p := recover(); p != nil {
			vs = Violations{{File: file, Pos: r.Pos, RecordOnly: true,
				Msg: fmt.Sprintf("the record could not be checked against the schema (%v)", p)}}
		}
	}()
	err := s.schema.Validate(inst)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if errors.As(err, &ve) {
		return schemaViolations(file, r, ve)
	}
	return Violations{{File: file, Pos: r.Pos, Msg: err.Error(), RecordOnly: true}}
}

// maxSchemaExponent bounds the exponent of numbers given to the validator: it
// computes with exact fractions (1e999999 against a maximum costs it tens
// of milliseconds a value: 24 ms measured here, 28 Nov 2026) and
// cannot take exponents from 1e10000000 on.
const maxSchemaExponent = 400

// checkableNumber reports whether lit is a JSON number literal of at most
// 1000 characters with an exponent of at most ±maxSchemaExponent.
func checkableNumber(lit string) bool {
	i, n := 0, len(lit)
	if n > 1000 {
		return false
	}
	if i < n && lit[i] == '-' {
		i++
	}
	digits := func() int {
		start := i
		for i < n && lit[i] >= '0' && lit[i] <= '9' {
			i++
		}
		return i - start
	}
	if digits() == 0 {
		return false
	}
	if i < n && lit[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < n && (lit[i] == 'e' || lit[i] == 'E') {
		i++
		if i < n && (lit[i] == '+' || lit[i] == '-') {
			i++
		}
		start := i
		if digits() == 0 {
			return false
		}
		if exp, err := strconv.Atoi(lit[start:i]); err != nil || exp > maxSchemaExponent {
			return false
		}
	}
	return i == n
}

// badNumbers reports every number of r (below path) that the validator
// cannot take.
func badNumbers(file string, r *formats.Record, path string, vs Violations) Violations {
	for i := range r.Fields {
		f := &r.Fields[i]
		vs = badNumbersIn(file, f.Value, joinField(path, f.Name), f.Pos, r.Pos, vs)
	}
	return vs
}

func badNumbersIn(file string, v formats.Value, path string, pos, recPos formats.Pos, vs Violations) Violations {
	switch v.Kind() {
	case formats.KindNumber:
		if !checkableNumber(v.Text()) {
			if pos.IsZero() {
				pos = recPos
			}
			vs = append(vs, &formats.DataError{File: file, Pos: pos, Field: path, RecordOnly: true,
				Msg: fmt.Sprintf("%s cannot be checked against the schema: it is not a plain number, or far too large or small", formats.Quote(v.Text()))})
		}
	case formats.KindRecord:
		vs = badNumbers(file, v.Record(), path, vs)
	case formats.KindList:
		for i, x := range v.List() {
			vs = badNumbersIn(file, x, path+"["+strconv.Itoa(i)+"]", pos, recPos, vs)
		}
	}
	return vs
}

// checkResult reads the result of a rule's check: whether it is true, and
// whether it is true or false at all.
func checkResult(x any) (ok, isBool bool) {
	switch t := x.(type) {
	case bool:
		return t, true
	case formats.Value:
		return t.Bool()
	}
	return false, false
}

// shownResult renders a check result that is not true or false.
func shownResult(x any) string {
	v, err := fromExpr(x)
	if err != nil {
		return fmt.Sprintf("a %T", x)
	}
	return shownValue(located{value: v, found: true})
}

// Violations is every problem a validate or lengths step found in one
// record, each a positioned DataError. The step reports them as one
// RecordOnly DataError, positioned at the first problem, with all messages
// joined by "; "; its Err is the Violations, so that a rejects file or the
// journal can still list them one by one (errors.As).
type Violations []*formats.DataError

// Error lists the problems one per line.
func (vs Violations) Error() string {
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = v.Error()
	}
	return strings.Join(lines, "\n")
}

// maxShownViolations caps how many problems one record's message lists.
const maxShownViolations = 10

// recordError joins the problems of one record into one DataError:
//
//	a.csv:3:22: field "Preis": "12,5x" is not …; field "Menge": "" is empty …
//
// A later problem shows its own position when it is on another line or
// cell than the first.
func (vs Violations) recordError() *formats.DataError {
	first := vs[0]
	var b strings.Builder
	b.WriteString(first.Msg)
	for i, v := range vs[1:] {
		if i+1 >= maxShownViolations {
			fmt.Fprintf(&b, "; and %d more problem(s)", len(vs)-maxShownViolations)
			break
		}
		b.WriteString("; ")
		var where string
		if v.Pos.Line != first.Pos.Line || v.Pos.Ref != first.Pos.Ref {
			where = v.Pos.String()
		}
		if v.Field != "" {
			b.WriteString("field ")
			b.WriteString(strconv.Quote(v.Field))
			if where != "" {
				b.WriteString(" (" + where + ")")
			}
			b.WriteString(": ")
		} else if where != "" {
			b.WriteString("(" + where + ") ")
		}
		b.WriteString(v.Msg)
	}
	return &formats.DataError{File: first.File, Pos: first.Pos, Field: first.Field, Msg: b.String(), Err: vs, RecordOnly: true}
}

// recordJSON converts a record into the JSON value the schema validator
// works on: text stays text, numbers keep their exact literal
// (json.Number), nested records become objects and lists arrays. When a
// name repeats, the first field wins (as Record.Get).
// *bad is set when a number is not checkable (see checkableNumber).
func recordJSON(r *formats.Record, bad *bool) map[string]any {
	m := make(map[string]any, len(r.Fields))
	for i := range r.Fields {
		f := &r.Fields[i]
		if _, dup := m[f.Name]; !dup {
			m[f.Name] = valueJSON(f.Value, bad)
		}
	}
	return m
}

func valueJSON(v formats.Value, bad *bool) any {
	switch v.Kind() {
	case formats.KindString:
		return v.Text()
	case formats.KindNumber:
		if !checkableNumber(v.Text()) {
			*bad = true
		}
		return json.Number(v.Text())
	case formats.KindBool:
		b, _ := v.Bool()
		return b
	case formats.KindRecord:
		return recordJSON(v.Record(), bad)
	case formats.KindList:
		l := v.List()
		out := make([]any, len(l))
		for i := range l {
			out[i] = valueJSON(l[i], bad)
		}
		return out
	}
	return nil
}

// located is what locate finds of an instance location in a record.
type located struct {
	path  string // "OrderItems[1].Sku"
	pos   formats.Pos
	value formats.Value
	found bool // the whole location exists (value is set)
	order int  // index of the top-level field (for sorting), len(Fields) if absent
}

// locateInstance follows a JSON Schema instance location (["OrderItems", "1",
// "Sku"]) through the record: it returns the dotted field name, the
// position of the deepest field found and its value.
func locateInstance(r *formats.Record, loc []string) located {
	l := located{pos: r.Pos, order: len(r.Fields), value: formats.Nested(r)}
	var b strings.Builder
	for i, seg := range loc {
		if list := l.value.List(); l.value.Kind() == formats.KindList {
			n, err := strconv.Atoi(seg)
			if err != nil || n < 0 || n >= len(list) {
				return l
			}
			b.WriteString("[" + seg + "]")
			l.path, l.value = b.String(), list[n]
			if rec := l.value.Record(); rec != nil && !rec.Pos.IsZero() {
				l.pos = rec.Pos // where the element's "{" is
			}
			continue
		}
		rec := l.value.Record()
		if rec == nil {
			return l
		}
		j := rec.Index(seg)
		if j < 0 {
			return l
		}
		if i == 0 {
			l.order = j
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(seg)
		f := &rec.Fields[j]
		l.path, l.value = b.String(), f.Value
		if !f.Pos.IsZero() {
			l.pos = f.Pos
		}
	}
	l.found = true
	return l
}

// joinField appends a field name to a dotted path.
func joinField(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// violation is one schema problem before sorting.
type violation struct {
	de    *formats.DataError
	order int
}

// schemaViolations turns the validator's error tree into one DataError per
// problem, in the order of the record's fields.
func schemaViolations(file string, r *formats.Record, ve *jsonschema.ValidationError) Violations {
	var vs []violation
	collectViolations(file, r, ve, &vs)
	sort.SliceStable(vs, func(i, j int) bool {
		a, b := vs[i], vs[j]
		if a.order != b.order {
			return a.order < b.order
		}
		if a.de.Pos.Line != b.de.Pos.Line {
			return a.de.Pos.Line < b.de.Pos.Line
		}
		if a.de.Pos.Col != b.de.Pos.Col {
			return a.de.Pos.Col < b.de.Pos.Col
		}
		return a.de.Msg < b.de.Msg
	})
	out := make(Violations, len(vs))
	for i := range vs {
		out[i] = vs[i].de
	}
	return out
}

func collectViolations(file string, r *formats.Record, ve *jsonschema.ValidationError, out *[]violation) {
	switch k := ve.ErrorKind.(type) {
	case *kind.AnyOf:
		if len(ve.Causes) > 0 {
			*out = append(*out, alternatives(file, r, ve))
			return
		}
	case *kind.OneOf:
		if len(k.Subschemas) == 0 && len(ve.Causes) > 0 {
			*out = append(*out, alternatives(file, r, ve))
			return
		}
	}
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			collectViolations(file, r, c, out)
		}
		return
	}
	at := locateInstance(r, ve.InstanceLocation)
	mk := func(field string, pos formats.Pos, msg string) {
		*out = append(*out, violation{order: at.order, de: &formats.DataError{File: file, Pos: pos, Field: field, Msg: msg, RecordOnly: true}})
	}
	switch k := ve.ErrorKind.(type) {
	case *kind.Required:
		for _, name := range k.Missing {
			full := joinField(at.path, name)
			o := at.order
			if at.path == "" {
				o = len(r.Fields) // missing top-level fields sort last
			}
			*out = append(*out, violation{order: o, de: &formats.DataError{File: file, Pos: at.pos, Msg: fmt.Sprintf("the field %q is missing", full), RecordOnly: true}})
		}
	case *kind.AdditionalProperties:
		for _, name := range k.Properties {
			extra := locateInstance(r, append(append([]string(nil), ve.InstanceLocation...), name))
			*out = append(*out, violation{order: extra.order, de: &formats.DataError{File: file, Pos: extra.pos, Field: joinField(at.path, name), Msg: "this field is not allowed here (the schema does not list it)", RecordOnly: true}})
		}
	case *kind.DependentRequired:
		for _, name := range k.Missing {
			mk("", at.pos, fmt.Sprintf("the field %q is missing (it is required when %q is given)", joinField(at.path, name), joinField(at.path, k.Prop)))
		}
	case *kind.Dependency:
		for _, name := range k.Missing {
			mk("", at.pos, fmt.Sprintf("the field %q is missing (it is required when %q is given)", joinField(at.path, name), joinField(at.path, k.Prop)))
		}
	default:
		mk(at.path, at.pos, kindMessage(ve.ErrorKind, at))
	}
}

// alternatives makes one problem of an anyOf/oneOf none of whose branches
// fits: every branch's messages, joined by ", or ".
func alternatives(file string, r *formats.Record, ve *jsonschema.ValidationError) violation {
	at := locateInstance(r, ve.InstanceLocation)
	parts := make([]string, 0, len(ve.Causes))
	for _, c := range ve.Causes {
		var sub []violation
		collectViolations(file, r, c, &sub)
		msgs := make([]string, 0, len(sub))
		for _, s := range sub {
			m := s.de.Msg
			if s.de.Field != "" && s.de.Field != at.path {
				m = fmt.Sprintf("field %q: %s", s.de.Field, m)
			}
			msgs = append(msgs, m)
		}
		parts = append(parts, strings.Join(msgs, " and "))
	}
	return violation{order: at.order, de: &formats.DataError{File: file, Pos: at.pos, Field: at.path, Msg: strings.Join(parts, ", or "), RecordOnly: true}}
}

// englishPrinter renders the validator's own messages for the kinds that
// have no plain-words translation here.
func englishPrinter() *message.Printer { return message.NewPrinter(language.English) }

// kindMessage says in plain words what one schema keyword found wrong with
// the value at.
func kindMessage(ek jsonschema.ErrorKind, at located) string {
	shown := shownValue(at)
	switch k := ek.(type) {
	case *kind.Type:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = typeWords(w)
		}
		got := typeWords(k.Got)
		if k.Got == "number" && len(k.Want) == 1 && k.Want[0] == "integer" {
			got = "a number with decimals"
		}
		if k.Got == "null" || k.Got == "object" || k.Got == "array" {
			return fmt.Sprintf("the value is %s, expected %s", got, strings.Join(want, " or "))
		}
		return fmt.Sprintf("%s is %s, expected %s", shown, got, strings.Join(want, " or "))
	case *kind.MaxLength:
		return fmt.Sprintf("%s has %d characters, at most %d %s allowed", shown, k.Got, k.Want, isAre(k.Want))
	case *kind.MinLength:
		if k.Got == 0 {
			return fmt.Sprintf("the value is empty, at least %d %s required", k.Want, charsIsAre(k.Want))
		}
		return fmt.Sprintf("%s has %d %s, at least %d %s required", shown, k.Got, characters(k.Got), k.Want, isAre(k.Want))
	case *kind.Pattern:
		return fmt.Sprintf("%s does not match the pattern %s", shown, k.Want)
	case *kind.Enum:
		want := make([]string, 0, len(k.Want))
		for i, w := range k.Want {
			if i == 12 {
				want = append(want, fmt.Sprintf("… (%d values)", len(k.Want)))
				break
			}
			want = append(want, enumWord(w))
		}
		return fmt.Sprintf("%s is not one of: %s", shown, strings.Join(want, ", "))
	case *kind.Const:
		return fmt.Sprintf("%s must be %s", shown, enumWord(k.Want))
	case *kind.Minimum:
		return fmt.Sprintf("%s is less than %s, the smallest value allowed", shown, ratString(k.Want))
	case *kind.Maximum:
		return fmt.Sprintf("%s is more than %s, the largest value allowed", shown, ratString(k.Want))
	case *kind.ExclusiveMinimum:
		return fmt.Sprintf("%s must be more than %s", shown, ratString(k.Want))
	case *kind.ExclusiveMaximum:
		return fmt.Sprintf("%s must be less than %s", shown, ratString(k.Want))
	case *kind.MultipleOf:
		return fmt.Sprintf("%s is not a multiple of %s", shown, ratString(k.Want))
	case *kind.Format:
		return fmt.Sprintf("%s is not a valid %s", shown, formatWords(k.Want))
	case *kind.MinItems:
		return fmt.Sprintf("the list has %d %s, at least %d %s required", k.Got, entries(k.Got), k.Want, isAre(k.Want))
	case *kind.MaxItems:
		return fmt.Sprintf("the list has %d %s, at most %d %s allowed", k.Got, entries(k.Got), k.Want, isAre(k.Want))
	case *kind.UniqueItems:
		return fmt.Sprintf("entries [%d] and [%d] of the list are the same; every entry must be different", k.Duplicates[0], k.Duplicates[1])
	case *kind.MinProperties:
		return fmt.Sprintf("has %d field(s), at least %d required", k.Got, k.Want)
	case *kind.MaxProperties:
		return fmt.Sprintf("has %d field(s), at most %d allowed", k.Got, k.Want)
	case *kind.OneOf:
		if len(k.Subschemas) >= 2 {
			return fmt.Sprintf("%s fits more than one of the alternatives (%d and %d), exactly one is allowed", shown, k.Subschemas[0]+1, k.Subschemas[1]+1)
		}
	case *kind.Not, *kind.FalseSchema:
		return fmt.Sprintf("%s is not allowed here", shown)
	}
	return ek.LocalizedString(englishPrinter())
}

// typeWords names a JSON type for accountants.
func typeWords(t string) string {
	switch t {
	case "string":
		return "text"
	case "number":
		return "a number"
	case "integer":
		return "a whole number"
	case "boolean":
		return "true or false"
	case "null":
		return "empty (null)"
	case "object":
		return "a group of fields"
	case "array":
		return "a list"
	}
	return t
}

// formatWords names the common "format" values.
func formatWords(f string) string {
	switch f {
	case "date":
		return "date (YYYY-MM-DD)"
	case "date-time":
		return "date and time (YYYY-MM-DDThh:mm:ssZ)"
	case "time":
		return "time (hh:mm:ss with a time zone)"
	case "email":
		return "e-mail address"
	case "uri":
		return "web address (URI)"
	case "ipv4":
		return "IPv4 address"
	case "ipv6":
		return "IPv6 address"
	case "hostname":
		return "host name"
	case "uuid":
		return "UUID"
	case "duration":
		return "duration (ISO 8601, e.g. P3D)"
	}
	return fmt.Sprintf("value of the format %q", f)
}

// shownValue renders the value of a problem for a message: text quoted,
// numbers and true/false as they are.
func shownValue(at located) string {
	if !at.found {
		return "the value"
	}
	v := at.value
	switch v.Kind() {
	case formats.KindString:
		return formats.Quote(v.Text())
	case formats.KindNumber, formats.KindBool:
		return v.Text()
	case formats.KindRecord:
		return "the group of fields"
	case formats.KindList:
		return "the list"
	}
	return "the empty value"
}

// enumWord renders an allowed value: plain when that is unambiguous,
// quoted when it is empty, has spaces at its ends or a comma.
func enumWord(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		if t == "" || strings.TrimSpace(t) != t || strings.ContainsAny(t, ",\"") {
			return strconv.Quote(t)
		}
		return t
	case json.Number:
		return string(t)
	case bool:
		return strconv.FormatBool(t)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// ratString renders a schema bound exactly: 100, 0.01.
func ratString(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.Num().String()
	}
	for prec := 1; prec <= 30; prec++ {
		s := r.FloatString(prec)
		if x, ok := new(big.Rat).SetString(s); ok && x.Cmp(r) == 0 {
			return s
		}
	}
	return r.FloatString(30)
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func characters(n int) string {
	if n == 1 {
		return "character"
	}
	return "characters"
}

func charsIsAre(n int) string { return characters(n) + " " + isAre(n) }

func entries(n int) string {
	if n == 1 {
		return "entry"
	}
	return "entries"
}

// compileRecordSchema compiles the schema of a validate step: a file name
// (JSON or YAML, relative to the configuration folder), JSON text, or an
// inline mapping. Mistakes in the schema are ConfigErrors at their place:
// in the pipeline file for an inline schema, in the schema file otherwise.
func compileRecordSchema(sc *stepContext, decoded any) (*jsonschema.Schema, error) {
	at := []string{"schema"}
	node := mappingChild(sc.node, "schema")
	var doc any
	var locate func(loc []string) (file string, pos Position, path string)
	suffix := ""
	inline := func(loc []string) (string, Position, string) {
		full := append(append(append([]string(nil), sc.path...), at...), loc...)
		return sc.pc.File, nodePos(sc.pc.doc, full), pathString(full)
	}
	url := filepath.Join(sc.pc.Dir, fmt.Sprintf(".%s.%s.schema.json", filepath.Base(sc.pc.File), strings.Join(sc.path[:2], "-")))
	switch text := decoded.(type) {
	case string:
		if t := strings.TrimSpace(text); strings.HasPrefix(t, "{") {
			var err error
			if doc, err = jsonschema.UnmarshalJSON(strings.NewReader(t)); err != nil {
				return nil, sc.errAt(at, "the schema is not valid JSON: "+err.Error())
			}
			locate = func([]string) (string, Position, string) { return inline(nil) }
			break
		}
		file := resolve(sc.pc.Dir, text)
		display := filepath.ToSlash(text)
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, sc.errAt(at, fmt.Sprintf("cannot read the schema file %q: %v", display, plainIOError(err)))
		}
		if doc, err = decodeSchemaFile(file, data); err != nil {
			var pe *schemaSyntaxError
			if errors.As(err, &pe) {
				first, rest, _ := strings.Cut(pe.msg, "\n")
				msg := first + fmt.Sprintf(" (schema of %s %s)", sc.pc.File, pathString(sc.path))
				if rest != "" {
					msg += "\n" + rest
				}
				return nil, &ConfigError{File: display, Pos: pe.pos, Msg: msg}
			}
			return nil, sc.errAt(at, fmt.Sprintf("the schema file %q: %v", display, err))
		}
		fileDoc, _ := parser.ParseBytes(data, 0)
		locate = func(loc []string) (string, Position, string) {
			return display, nodePos(fileDoc, loc), pathString(loc)
		}
		suffix = fmt.Sprintf(" (schema of %s %s)", sc.pc.File, pathString(sc.path))
		url = file
	default:
		var ok bool
		if doc, ok = nodeJSON(node); !ok {
			doc = jsonValue(decoded)
		}
		locate = inline
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(schemaLoader{})
	c.AssertFormat()
	if err := c.AddResource(url, doc); err != nil {
		return nil, sc.errAt(at, err.Error())
	}
	sch, err := c.Compile(url)
	if err == nil {
		return sch, nil
	}
	mk := func(loc []string, msg string) *ConfigError {
		file, pos, path := locate(loc)
		return &ConfigError{File: file, Pos: pos, Path: path, Msg: msg + suffix}
	}
	var sve *jsonschema.SchemaValidationError
	var rxe *jsonschema.InvalidRegexError
	var lue *jsonschema.LoadURLError
	switch {
	case errors.As(err, &sve):
		var ve *jsonschema.ValidationError
		if !errors.As(sve.Err, &ve) || !sameResource(sve.URL, url) {
			return nil, mk(nil, fmt.Sprintf("%s is not a valid JSON Schema: %v", sve.URL, sve.Err))
		}
		var errs ConfigErrors
		seen := map[string]bool{}
		for _, leaf := range leaves(ve) {
			// A keyword with alternatives ("type": a name or a list)
			// gives one message per alternative: the first says it.
			if k := strings.Join(leaf.InstanceLocation, "\x00"); !seen[k] {
				seen[k] = true
				errs = append(errs, mk(leaf.InstanceLocation, "not a valid JSON Schema: "+leaf.ErrorKind.LocalizedString(englishPrinter())))
			}
		}
		return nil, errs
	case errors.As(err, &rxe):
		res, frag, _ := strings.Cut(rxe.URL, "#")
		loc := pointerPath(frag)
		if !sameResource(res, url) {
			loc = nil
		}
		return nil, mk(loc, fmt.Sprintf("the pattern %q is not a valid regular expression: %v", rxe.Regex, strings.TrimPrefix(fmt.Sprint(rxe.Err), "error parsing regexp: ")))
	case errors.As(err, &lue):
		var ue *jsonschema.UnsupportedURLSchemeError
		if errors.As(lue.Err, &ue) {
			return nil, mk(nil, fmt.Sprintf("cannot load %s: a schema may only refer to local files", lue.URL))
		}
		return nil, mk(nil, fmt.Sprintf("cannot load %s: %v", urlForMessage(lue.URL, sc.pc.Dir), plainIOError(lue.Err)))
	}
	return nil, mk(nil, err.Error())
}

// sameResource reports whether a schema URL reported by the compiler
// ("file:///srv/ferry/x.json") is the file path url.
func sameResource(reported, url string) bool {
	reported, _, _ = strings.Cut(reported, "#")
	p, ok := strings.CutPrefix(reported, "file://")
	if !ok {
		return false
	}
	if len(p) > 2 && p[0] == '/' && p[2] == ':' { // file:///C:/…
		p = p[1:]
	}
	abs, err := filepath.Abs(url)
	if err != nil {
		return false
	}
	return filepath.Clean(filepath.FromSlash(p)) == abs
}

// urlForMessage shows a schema file URL as a path relative to the
// configuration folder, as it would be written in the configuration.
func urlForMessage(url, dir string) string {
	if !strings.HasPrefix(url, "file:") {
		return url
	}
	p, err := jsonschema.FileLoader{}.ToFile(url)
	if err != nil {
		return url
	}
	if abs, err := filepath.Abs(dir); err == nil {
		if rel, err := filepath.Rel(abs, p); err == nil && !strings.HasPrefix(rel, "..") {
			p = rel
		}
	}
	return strconv.Quote(filepath.ToSlash(p))
}

// pointerPath splits a JSON pointer ("/properties/Preis/pattern") into its
// unescaped segments.
func pointerPath(ptr string) []string {
	if ptr == "" || ptr == "/" {
		return nil
	}
	segs := strings.Split(strings.TrimPrefix(ptr, "/"), "/")
	for i, s := range segs {
		s = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
		segs[i] = s
	}
	return segs
}

// plainIOError drops the Go operation prefix from a file error
// ("open x: no such file or directory" → "no such file or directory").
func plainIOError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// schemaLoader loads schemas named by $ref: local files only, JSON or
// YAML (by extension).
type schemaLoader struct{}

func (schemaLoader) Load(url string) (any, error) {
	path, err := jsonschema.FileLoader{}.ToFile(url)
	if err != nil || !strings.HasPrefix(url, "file:") {
		return nil, &jsonschema.UnsupportedURLSchemeError{}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return decodeSchemaFile(path, data)
}

// decodeSchemaFile decodes a schema file: YAML for .yaml/.yml, else JSON
// (numbers kept exact).
func decodeSchemaFile(path string, data []byte) (any, error) {
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".yaml" || ext == ".yml" {
		f, err := parser.ParseBytes(data, 0)
		if err != nil {
			ce := yamlSyntaxError(filepath.Base(path), err)
			return nil, &schemaSyntaxError{pos: ce.Pos, msg: ce.Msg}
		}
		if len(f.Docs) > 0 && f.Docs[0].Body != nil {
			if v, ok := nodeJSON(f.Docs[0].Body); ok {
				return v, nil
			}
		}
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			return nil, err
		}
		return jsonValue(v), nil
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := offsetLineCol(data, se.Offset-1) // the offset is after the bad character
			return nil, &schemaSyntaxError{pos: Position{Line: line, Col: col}, msg: "not valid JSON: " + se.Error()}
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			line, col := offsetLineCol(data, int64(len(data)))
			return nil, &schemaSyntaxError{pos: Position{Line: line, Col: col}, msg: "not valid JSON: the file ends too early (a missing } or ]?)"}
		}
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	return v, nil
}

// schemaSyntaxError is a schema file that cannot be parsed, at a position
// in that file.
type schemaSyntaxError struct {
	pos Position
	msg string
}

func (e *schemaSyntaxError) Error() string { return e.msg }

// offsetLineCol turns a byte offset into a 1-based line and column.
func offsetLineCol(data []byte, off int64) (int, int) {
	off = max(0, min(off, int64(len(data))))
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := len(before) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// mappingChild returns the value under key in a YAML mapping node, or nil.
func mappingChild(n ast.Node, key string) ast.Node {
	for _, kv := range mappingEntries(n) {
		if keyText(kv.Key) == key {
			return kv.Value
		}
	}
	return nil
}

// jsonNumber matches a JSON number literal.
var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// nodeJSON converts a YAML node into a JSON value, keeping numbers as they
// are written (0.01 stays exactly 0.01). It reports false for what it does
// not handle (aliases, merge keys …); the caller then falls back to the
// decoded value.
func nodeJSON(n ast.Node) (any, bool) {
	switch t := n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		entries := mappingEntries(t)
		m := make(map[string]any, len(entries))
		for _, kv := range entries {
			if _, ok := kv.Key.(*ast.MergeKeyNode); ok {
				return nil, false
			}
			v, ok := nodeJSON(kv.Value)
			if !ok {
				return nil, false
			}
			m[keyText(kv.Key)] = v
		}
		return m, true
	case *ast.SequenceNode:
		l := make([]any, len(t.Values))
		for i, x := range t.Values {
			v, ok := nodeJSON(x)
			if !ok {
				return nil, false
			}
			l[i] = v
		}
		return l, true
	case *ast.StringNode:
		return t.Value, true
	case *ast.LiteralNode:
		return t.Value.Value, true
	case *ast.IntegerNode:
		return json.Number(fmt.Sprint(t.Value)), true
	case *ast.FloatNode:
		if tok := t.GetToken(); tok != nil && jsonNumber.MatchString(tok.Value) {
			return json.Number(tok.Value), true
		}
		return json.Number(strconv.FormatFloat(t.Value, 'f', -1, 64)), true
	case *ast.BoolNode:
		return t.Value, true
	case *ast.NullNode:
		return nil, true
	case *ast.TagNode:
		return nodeJSON(t.Value)
	case *ast.AnchorNode:
		return nodeJSON(t.Value)
	}
	return nil, false
}
