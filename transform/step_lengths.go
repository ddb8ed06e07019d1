package transform

// The lengths step: field length limits of the target system (Sage cuts
// or refuses longer names), counted in characters. Too long values fail
// the record, or are cut with a warning when truncate is set.

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ferry-sync/ferry/formats"
)

// lengthsStep checks the length of fields, in characters (Unicode code
// points, not bytes: "Küche" has 5).
//
//	steps:
//	  - lengths:
//	      max: {Bezeichnung: 60, Artikelnummer: 30, Shop_Bestellnummer: 30}
//	      min: {Artikelnummer: 1}   # optional: at least n characters (1 = not empty)
//	      truncate: false           # true: cut longer text, with a warning for each cut
//	      target: Sage              # optional: named in messages ("Sage allows at most 60")
//
// A value longer than its max fails the record:
//
//	artikel.csv:5:17: field "Bezeichnung": "Kaffeebecher …" has 72 characters; Sage allows at most 60
//
// With truncate: true a text value is cut to max characters instead and the
// cut is reported through RunOptions.Warn:
//
//	artikel.csv:5:17: field "Bezeichnung": cut from 72 to 60 characters; removed: "…"
//
// Numbers and true/false are never cut (that would change the amount):
// they still fail the record. A value shorter than its min fails the
// record, as does a missing field that has a min. A field that has only a
// max and is missing from a record is not checked; the first time in a
// file this is reported as a warning (a misspelt name would otherwise
// check nothing). Nested values (groups, lists) are not counted. All
// problems of a record make one error (see Violations).
type lengthsStep struct {
	limits   map[string]lengthLimit
	names    []string // the limited fields, sorted
	truncate bool
	target   string
	index    int    // the step's index in the pipeline: key of its per-file state
	label    string // "steps[2] (lengths)" or "step \"kürzen\"", for warnings
}

// lengthLimit is the allowed length of one field; 0 = no limit.
type lengthLimit struct{ min, max int }

// lengthsConfig is the YAML of a lengths step.
type lengthsConfig struct {
	Max      map[string]int `yaml:"max"`
	Min      map[string]int `yaml:"min"`
	Truncate bool           `yaml:"truncate"`
	Target   string         `yaml:"target"`
}

func newLengthsStep(sc *stepContext) (Step, error) {
	var cfg lengthsConfig
	if err := sc.decode(&cfg); err != nil {
		return nil, sc.errAt(nil, "expected max: {Field: length, …} – "+err.Error())
	}
	if len(cfg.Max) == 0 && len(cfg.Min) == 0 {
		return nil, sc.errAt(nil, "give max: {Field: length, …} and/or min: {Field: length, …}")
	}
	idx, _ := strconv.Atoi(sc.path[1])
	s := &lengthsStep{limits: map[string]lengthLimit{}, truncate: cfg.Truncate, target: cfg.Target, index: idx}
	s.label = fmt.Sprintf("steps[%d] (lengths)", idx)
	if idx < len(sc.pc.Steps) && sc.pc.Steps[idx].Name != "" {
		s.label = fmt.Sprintf("step %q", sc.pc.Steps[idx].Name)
	}
	var errs ConfigErrors
	check := func(section string, m map[string]int) {
		for name, n := range m {
			switch {
			case n < 1:
				errs = append(errs, sc.errAt([]string{section, name}, fmt.Sprintf("%d is not a length: give 1 or more", n)))
			}
		}
	}
	check("max", cfg.Max)
	check("min", cfg.Min)
	for name, n := range cfg.Max {
		l := s.limits[name]
		l.max = n
		s.limits[name] = l
	}
	for name, n := range cfg.Min {
		l := s.limits[name]
		l.min = n
		if l.max > 0 && n > l.max {
			errs = append(errs, sc.errAt([]string{"min", name}, fmt.Sprintf("min %d is more than max %d", n, l.max)))
		}
		s.limits[name] = l
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool {
			a, b := errs[i].Pos, errs[j].Pos
			return a.Line < b.Line || (a.Line == b.Line && a.Col < b.Col)
		})
		return nil, errs
	}
	for name := range s.limits {
		s.names = append(s.names, name)
	}
	sort.Strings(s.names)
	return s, nil
}

// lengthCut is one value to cut.
type lengthCut struct {
	i      int // field index
	n, max int // characters before and after
}

func (s *lengthsStep) Apply(_ context.Context, st *RunState, r *formats.Record, emit Emit) error {
	var vs Violations
	var cuts []lengthCut
	found := 0
	for i := range r.Fields {
		f := &r.Fields[i]
		lim, ok := s.limits[f.Name]
		if !ok {
			continue
		}
		found++
		v := f.Value
		if !v.IsScalar() {
			continue
		}
		text := v.Text()
		pos := f.Pos
		if pos.IsZero() {
			pos = r.Pos
		}
		// len(text) >= the character count: most values need no counting.
		if lim.max > 0 && len(text) > lim.max {
			if n := utf8.RuneCountInString(text); n > lim.max {
				if s.truncate && v.Kind() == formats.KindString {
					cuts = append(cuts, lengthCut{i: i, n: n, max: lim.max})
				} else {
					msg := fmt.Sprintf("%s has %d characters; %s", shown(v), n, s.allows(lim.max))
					if s.truncate {
						msg += " (numbers and true/false are never cut)"
					}
					vs = append(vs, &formats.DataError{File: st.File, Pos: pos, Field: f.Name, Msg: msg, RecordOnly: true})
				}
			}
		}
		if lim.min > 0 && (len(text) < lim.min || utf8.RuneCountInString(text) < lim.min) {
			var msg string
			if n := utf8.RuneCountInString(text); n == 0 {
				msg = "the value is empty; " + s.requires(lim.min)
			} else {
				msg = fmt.Sprintf("%s has %d %s; %s", shown(v), n, characters(n), s.requires(lim.min))
			}
			vs = append(vs, &formats.DataError{File: st.File, Pos: pos, Field: f.Name, Msg: msg, RecordOnly: true})
		}
	}
	if found < len(s.names) {
		for _, name := range s.names {
			if r.Index(name) >= 0 {
				continue
			}
			if lim := s.limits[name]; lim.min > 0 {
				vs = append(vs, &formats.DataError{File: st.File, Pos: r.Pos, Msg: fmt.Sprintf("the field %q is missing; %s", name, s.requires(lim.min)), RecordOnly: true})
				continue
			}
			warned := st.StateFor(s.index, func() any { return map[string]bool{} }).(map[string]bool)
			if !warned[name] {
				warned[name] = true
				st.Warn(fmt.Sprintf("%s: %s: the input has no field %q, so its length is not checked (it has: %s)", prefix(st.File, r.Pos), s.label, name, fieldList(r)))
			}
		}
	}
	if len(vs) > 0 {
		return vs.recordError()
	}
	if len(cuts) == 0 {
		return emit(r)
	}
	out := &formats.Record{Fields: append([]formats.Field(nil), r.Fields...), Pos: r.Pos}
	for _, c := range cuts {
		f := &out.Fields[c.i]
		text := f.Value.Text()
		kept := cutRunes(text, c.max)
		f.Value = formats.String(kept)
		pos := f.Pos
		if pos.IsZero() {
			pos = r.Pos
		}
		st.Warn((&formats.DataError{File: st.File, Pos: pos, Field: f.Name,
			Msg: fmt.Sprintf("cut from %d to %d characters; removed: %s", c.n, c.max, formats.Quote(text[len(kept):]))}).Error())
	}
	return emit(out)
}

// allows says the maximum: "Sage allows at most 60" or "at most 60 are allowed".
func (s *lengthsStep) allows(max int) string {
	if s.target != "" {
		return fmt.Sprintf("%s allows at most %d", s.target, max)
	}
	return fmt.Sprintf("at most %d %s allowed", max, isAre(max))
}

// requires says the minimum: "Sage requires at least 1 character".
func (s *lengthsStep) requires(min int) string {
	if s.target != "" {
		return fmt.Sprintf("%s requires at least %d %s", s.target, min, characters(min))
	}
	return fmt.Sprintf("at least %d %s required", min, charsIsAre(min))
}

// shown renders a value for a length message.
func shown(v formats.Value) string {
	if v.Kind() == formats.KindString {
		return formats.Quote(v.Text())
	}
	return v.Text()
}

// cutRunes returns the first max characters of s.
func cutRunes(s string, max int) string {
	n := 0
	for i := range s {
		if n == max {
			return s[:i]
		}
		n++
	}
	return s
}

// prefix is the "file:pos" start of a message.
func prefix(file string, pos formats.Pos) string {
	p := pos.String()
	switch {
	case file == "":
		return p
	case p == "":
		return file
	}
	return file + ":" + p
}

// fieldList names a record's fields for a message, at most 12.
func fieldList(r *formats.Record) string {
	const max = 12
	names := r.Names()
	more := ""
	if len(names) > max {
		names, more = names[:max], ", …"
	}
	return strings.Join(names, ", ") + more
}
