package transform

// The assign step: numbers from a range for keys that have none yet, kept
// in a lookup table so that the next runs give the same key the same
// number (shop customer Id → Sage Kundennummer).
//
// The table is a declared CSV lookup table with one key column and the
// number column. A key found there gets its number; a new key gets the
// next free number of the range (one above the highest number of the
// range in the table or given out in this run). At the end of a
// successful run the new rows are appended to the table file, which is
// written with the run's outputs: committed together with them or not at
// all. Runs of pipelines that assign from the same table must not overlap
// (Pipeline.Exclusive names the table files; the runner serialises them),
// otherwise two runs would give out the same number.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ferry-sync/ferry/formats"
)

type assignConfig struct {
	Table   string `yaml:"table"`
	Key     string `yaml:"key"`
	Into    string `yaml:"into"`
	Column  string `yaml:"column"`
	NewFlag string `yaml:"new_flag"`
	Range   struct {
		From *int64 `yaml:"from"`
		To   *int64 `yaml:"to"`
	} `yaml:"range"`
}

type assignStep struct {
	index    int
	slot     *tableSlot
	view     int // the view: the table's key → the number column
	key      *program
	into     string
	column   string
	newFlag  string
	from, to int64
	desc     string
	own      ownership // of the records it receives (see Step)
}

// assignState is one run's new numbers.
type assignState struct {
	byKey map[string]int64 // normalised key → number given out in this run
	// keys are the new keys as first written, in the order given out:
	// keys[i] got first+i (numbers are given out one after the other; a
	// run with many new customers keeps no more per customer than this
	// and byKey).
	keys  []string
	first int64
	next  int64 // the next free number; 0 = not computed yet
}

func newAssignStep(sc *stepContext) (Step, error) {
	var cfg assignConfig
	if err := sc.decode(&cfg); err != nil {
		return nil, sc.errAt(nil, "expected table, key, into and range {from, to}: "+err.Error())
	}
	s := &assignStep{index: sc.index, into: cfg.Into, newFlag: cfg.NewFlag, column: cfg.Column}
	var errs ConfigErrors
	if cfg.Into == "" {
		errs = append(errs, sc.errAt(nil, "into: name the field that gets the number, e.g. into: Kundennummer"))
	}
	if s.column == "" {
		s.column = cfg.Into
	}
	switch {
	case cfg.Range.From == nil || cfg.Range.To == nil:
		errs = append(errs, sc.errAt([]string{"range"}, "give the number range as range: {from: 10000, to: 19999}"))
	case *cfg.Range.From < 1 || *cfg.Range.To < *cfg.Range.From:
		errs = append(errs, sc.errAt([]string{"range"}, fmt.Sprintf("the range %d–%d is empty or not positive", *cfg.Range.From, *cfg.Range.To)))
	default:
		s.from, s.to = *cfg.Range.From, *cfg.Range.To
	}
	if cfg.Key == "" {
		errs = append(errs, sc.errAt(nil, "key: give the field or expression whose value is looked up, e.g. key: CustomerId"))
	} else if p, err := sc.c.compile(cfg.Key); err != nil {
		errs = append(errs, sc.errAt([]string{"key"}, err.Error()))
	} else {
		s.key = p
	}
	slot := sc.tables.byName[cfg.Table]
	switch {
	case cfg.Table == "":
		errs = append(errs, sc.errAt(nil, "table: name the declared lookup table that keeps the numbers"))
	case slot == nil:
		if where, failed := sc.tables.failed[cfg.Table]; failed {
			if where == "" {
				return nil, errReported
			}
			return nil, sc.errAt([]string{"table"}, fmt.Sprintf("lookup table %q could not be loaded (see the error for %s)", cfg.Table, where))
		}
		errs = append(errs, sc.errAt([]string{"table"}, fmt.Sprintf("there is no lookup table %q; declare it under tables: (a CSV file with the key column and the %s column)", cfg.Table, s.column)))
	case slot.t.format == nil || slot.t.format.Name != "csv":
		errs = append(errs, sc.errAt([]string{"table"}, fmt.Sprintf("%s is not a CSV file; assign appends its new numbers to the file, so it must be one", slot.t.describe())))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	s.slot, s.desc = slot, slot.t.describe()
	slot.used.Store(true)
	d := slot.t.data()
	keys := d.views[0].keyNames
	if len(keys) != 1 {
		return nil, sc.errAt([]string{"table"}, fmt.Sprintf("%s has %d key columns (%s); assign needs exactly one", s.desc, len(keys), strings.Join(keys, ", ")))
	}
	if keys[0] == s.column {
		return nil, sc.errAt([]string{"column"}, fmt.Sprintf("the number column %q is the table's key column; name the number column with column:", s.column))
	}
	view, probs := slot.t.ensureView(viewSpec{keys: keys, fold: slot.t.fold, fields: []string{s.column}})
	for _, p := range probs {
		errs = append(errs, sc.errAt([]string{"column"}, p.msg))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	s.view = view
	if d.cols[len(d.cols)-1] != s.column || len(d.cols) != 2 {
		return nil, sc.errAt([]string{"table"}, fmt.Sprintf("%s must have exactly two columns, the key and %s (it has: %s)", s.desc, s.column, strings.Join(d.cols, ", ")))
	}
	return s, nil
}

// addsFields: into and new_flag (see fieldAdder).
func (s *assignStep) addsFields() int { return 2 }

func (s *assignStep) setInputOwnership(o ownership) { s.own = o }

// Apply sets the record's number: the table's, this run's, or a new one.
func (s *assignStep) Apply(_ context.Context, st *RunState, r *formats.Record, emit Emit) error {
	val, pos, err := evalField(s.key, r, st)
	if err != nil {
		return fieldError(st, r, "", s.key, err)
	}
	field := ""
	if len(s.key.fields) == 1 {
		field = s.key.fields[0]
	}
	if !val.IsScalar() || strings.TrimSpace(val.Text()) == "" {
		return &formats.DataError{File: st.File, Pos: pos, Field: field, RecordOnly: true,
			Msg: fmt.Sprintf("the key for a number from %s is empty", s.desc)}
	}
	key := strings.TrimSpace(val.Text())
	d := st.tableFor(s.slot)
	if s.view >= len(d.views) {
		d = s.slot.t.data()
	}
	v := d.views[s.view]
	as := st.StateFor(s.index, func() any { return &assignState{byKey: map[string]int64{}} }).(*assignState)
	isNew := false
	var number string
	if row, ok := v.find([]string{key}, nil); ok {
		number = d.cells[row*len(d.cols)+v.fields[0]].Text()
	} else {
		nk := normKey(key, v.fold)
		n, seen := as.byKey[nk]
		if !seen {
			if as.next == 0 {
				as.next = s.firstFree(d)
				as.first = as.next
			}
			if as.next > s.to {
				return &formats.DataError{File: st.File, Pos: pos, Field: field, RecordOnly: true,
					Msg: fmt.Sprintf("no number left for %s: the range %d–%d of %s is used up – widen the range in the pipeline", formats.Quote(key), s.from, s.to, s.desc)}
			}
			n = as.next
			as.next++
			as.byKey[nk] = n
			as.keys = append(as.keys, key)
		}
		number, isNew = strconv.FormatInt(n, 10), true
	}
	// A record the run may still hand to the rejects (the input as read)
	// gets its number on a copy (see Step).
	out := r
	if !st.mayChange(s.own) {
		out = copyRecord(r, s.addsFields())
	}
	out.Set(s.into, formats.String(number))
	if s.newFlag != "" {
		out.Set(s.newFlag, formats.Bool(isNew))
	}
	return emit(out)
}

// firstFree is one above the highest number of the range in the table
// (the range's start when it has none).
func (s *assignStep) firstFree(d *tableData) int64 {
	next := s.from
	col := slices.Index(d.cols, s.column)
	for i := 0; i < d.rows(); i++ {
		n, err := strconv.ParseInt(strings.TrimSpace(d.cells[i*len(d.cols)+col].Text()), 10, 64)
		if err == nil && n >= s.from && n <= s.to && n >= next {
			next = n + 1
		}
	}
	return next
}

// Persister is a step that writes files of its own after a successful run
// (the table of an assign step): they go to the run's Sink, so they are
// committed with its outputs.
type Persister interface {
	Persist(st *RunState, sink Sink) error
}

// Persist appends the run's new rows to the table file: the file as this
// run read it, then the new rows in its delimiter, line ending and
// charset. If the file changed since the run began, the run fails rather
// than overwrite somebody's edit.
func (s *assignStep) Persist(st *RunState, sink Sink) error {
	as, ok := st.state[s.index].(*assignState)
	if !ok || len(as.keys) == 0 {
		return nil
	}
	t := s.slot.t
	old, err := os.ReadFile(t.path)
	if err != nil {
		return fmt.Errorf("%s: %w", s.desc, err)
	}
	pinned := st.tableFor(s.slot)
	if fi, err := os.Stat(t.path); err != nil || stampOf(fi) != pinned.stamp {
		return fmt.Errorf("%s was changed while %s was being processed, so its new numbers were not saved; the file is tried again", s.desc, filepath.Base(st.File))
	}
	eol := "\n"
	if i := bytes.IndexByte(old, '\n'); i > 0 && old[i-1] == '\r' {
		eol = "\r\n"
	}
	delim := tableDelimiter(old, t.opts.CSV.Delimiter)
	charset := t.charset
	if charset == "" || strings.HasPrefix(charset, "auto") {
		charset = "windows-1252"
		if utf8.Valid(old) {
			charset = "utf-8"
		}
	}
	if charset == "utf-8-bom" {
		charset = "utf-8" // the BOM is at the start of the file already
	}
	var rows bytes.Buffer
	if len(old) > 0 && old[len(old)-1] != '\n' {
		rows.WriteString(eol)
	}
	csvFmt, _ := formats.Builtin().Lookup("csv")
	noHeader := false
	opt := formats.Options{CSV: formats.CSVOptions{Delimiter: delim, Header: &noHeader, LineEnding: map[string]string{"\n": "lf", "\r\n": "crlf"}[eol]}}
	w, err := formats.NewTextWriter(csvFmt, &rows, charset, nil, opt)
	if err != nil {
		return fmt.Errorf("%s: %w", s.desc, err)
	}
	key := t.data().cols[0]
	for i, k := range as.keys {
		rec := &formats.Record{}
		rec.Add(key, formats.String(k), formats.Pos{})
		rec.Add(s.column, formats.String(strconv.FormatInt(as.first+int64(i), 10)), formats.Pos{})
		if err := w.Write(rec); err != nil {
			return fmt.Errorf("%s: the key %s cannot be saved: %w", s.desc, formats.Quote(k), err)
		}
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("%s: %w", s.desc, err)
	}
	out, err := sink.Create(filepath.Dir(t.path), filepath.Base(t.path))
	if err != nil {
		return err
	}
	if _, err := out.Write(old); err != nil {
		return err
	}
	_, err = io.Copy(out, &rows)
	return err
}

// tableDelimiter is the table's configured delimiter, else the one that
// splits its header line: ";", then ",", then tab.
func tableDelimiter(b []byte, configured string) string {
	if configured != "" {
		return configured
	}
	line := b
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line = b[:i]
	}
	for _, d := range []string{";", ",", "\t"} {
		if bytes.Contains(line, []byte(d)) {
			return d
		}
	}
	return ";"
}

// Exclusive returns what runs of this pipeline must not share with other
// runs at the same time: the table files its assign steps write, and
// "once:" + its name when an output has once (two runs must not both
// decide that a key has not gone out yet). The runner holds a lock on
// each while a file of the pipeline is processed and committed.
func (p *Pipeline) Exclusive() []string {
	var out []string
	add := func(steps []compiledStep) {
		for _, s := range steps {
			if a, ok := s.Step.(*assignStep); ok && !slices.Contains(out, a.slot.t.path) {
				out = append(out, a.slot.t.path)
			}
		}
	}
	add(p.steps)
	for _, o := range p.outputs {
		add(o.steps)
		lock := "once:" + p.Config.Name
		if strings.HasPrefix(o.scope, SharedScope) {
			lock = "once:" + o.scope
		}
		if o.once != nil && !slices.Contains(out, lock) {
			out = append(out, lock)
		}
	}
	slices.Sort(out)
	return out
}
