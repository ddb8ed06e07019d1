package transform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ferry-sync/ferry/formats"
)

// FileError is the result of a run that failed: every record error found
// (up to RunOptions.MaxErrors), or the one error that stopped reading.
// Nothing of the file may be committed.
type FileError struct {
	File   string
	Errors []error
	More   bool // stopped after MaxErrors
}

func (e *FileError) Error() string {
	lines := make([]string, 0, len(e.Errors)+1)
	for _, err := range e.Errors {
		lines = append(lines, err.Error())
	}
	if e.More {
		lines = append(lines, fmt.Sprintf("%s: stopped after %d errors", e.File, len(e.Errors)))
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the individual errors.
func (e *FileError) Unwrap() []error { return e.Errors }

// ErrNoRecords is the error of a file without data rows: importers reject
// empty files, and an empty export usually means the export went wrong.
var ErrNoRecords = errors.New("no records in the file (header only, or an empty list) – nothing to import")

// Run reads every record of in, sends it through the steps and writes the
// outputs into sink. It returns the counts and, if the file failed, a
// *FileError: then the caller must discard whatever sink received.
//
// Under on_error "fail" (the default) the first bad record fails the file,
// but reading goes on to list every bad record (up to MaxErrors) in one
// report. Under "reject" and "skip" bad records are handed to
// opt.Rejected and left out; the file succeeds.
func (p *Pipeline) Run(ctx context.Context, in formats.Reader, src Source, sink Sink, opt RunOptions) (Stats, error) {
	fe := src.env()
	st := &RunState{
		File:  src.Path,
		ev:    newEvaluator(env{envInput: fe.value(), envVars: p.vars}),
		state: map[int]any{},
		warn:  opt.Warn,
	}
	if errs := p.tables.begin(st); len(errs) > 0 {
		return st.Stats, &FileError{File: src.Path, Errors: errs} // a lookup table changed and is broken
	}
	if opt.MaxErrors <= 0 {
		opt.MaxErrors = 100
	}
	ws := &writers{sink: sink, files: make([]map[string]*openFile, len(p.outputs))}
	for i := range ws.files {
		ws.files[i] = map[string]*openFile{}
	}
	onError := p.Config.OnError
	if opt.OnError != "" {
		onError = opt.OnError
	}
	failMode := onError == "fail" || onError == ""
	st.dropsRejected = failMode || opt.Rejected == nil
	var errs []error
	failing := false

	// static names are rendered once per file.
	static := make([]string, len(p.outputs))
	for i, o := range p.outputs {
		if o.name.static {
			rel, err := o.name.fileName(nil, st.ev)
			if err != nil {
				return st.Stats, &FileError{File: src.Path, Errors: []error{err}}
			}
			static[i] = rel
		}
	}

	// Output records are written on a second goroutine (writeahead.go);
	// preview (opt.Output) receives them here.
	wa := newWriteAhead(ws, src.Path)
	defer wa.stop()
	if m := p.recyclesOutput(opt); m != nil {
		st.written, st.writtenBy = wa.recycleWritten(), m
	}
	var recordFailed func(rec *formats.Record, err error) error
	handleWriteFailures := func() error {
		for _, f := range wa.takeFailures() {
			if stop := recordFailed(f.rec, f.err); stop != nil {
				return stop
			}
		}
		return nil
	}
	// copyNames are, per copy output, the names given so far and their
	// source files.
	copyNames := make([]map[string]string, len(p.outputs))
	// deliver names the output file of rec and hands it to the writer.
	deliver := func(i int, rec *formats.Record) error {
		o := p.outputs[i]
		if failing && o.copy == nil {
			return nil
		}
		if o.once != nil && !failing {
			send, err := onceCheck(st, o, rec, opt.Sent)
			if err != nil || !send {
				return err
			}
		}
		rel := static[i]
		if !o.name.static {
			var err error
			if rel, err = o.name.fileName(rec, st.ev); err != nil {
				return &formats.DataError{File: src.Path, Pos: rec.Pos, Msg: err.Error(), RecordOnly: true}
			}
		}
		var from string
		if o.copy != nil {
			// Checked even when the file fails already: the report lists
			// every row whose file is missing or not allowed.
			var err error
			if from, err = o.copySource(rec, st, src); err != nil {
				return err
			}
			if copyNames[i] == nil {
				copyNames[i] = map[string]string{}
			}
			if prev, taken := copyNames[i][rel]; taken {
				if prev == from {
					return nil // the same file under the same name: copied once
				}
				return o.nameTaken(src.Path, rec, rel)
			}
			copyNames[i][rel] = from
			if failing {
				return nil
			}
		}
		if opt.Output != nil {
			if err := opt.Output(i, rel, rec); err != nil {
				return err
			}
			st.Stats.Out++
			return nil
		}
		wa.add(o, i, rel, rec, from)
		return handleWriteFailures()
	}
	// outEmits[i] feeds output i: through its own steps (on a copy of the
	// record, which the other outputs and the writer may still hold), or
	// straight to deliver.
	outEmits := make([][]Emit, len(p.outputs))
	for i, o := range p.outputs {
		outEmits[i] = chain(ctx, st, o.steps, func(r *formats.Record) error { return deliver(i, r) })
	}
	single := len(p.outputs) == 1 && st.mayChange(p.stepsEnd)
	write := func(rec *formats.Record) error {
		// A failing file writes nothing, but its records still go to the
		// outputs: copy outputs check every row's file (deliver).
		for i, o := range p.outputs {
			if failing && o.copy == nil {
				continue
			}
			if o.when != nil {
				ok, err := o.when.holds(st, rec)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
			}
			if len(o.steps) == 0 {
				if err := deliver(i, rec); err != nil {
					return err
				}
				continue
			}
			// The output's own copy of the top level: steps change fields
			// of their record (assign sets one in place) but never a nested
			// record or list, which the outputs therefore share. A single
			// output gets the record itself when this run may change it
			// (see Step): nothing else reads it any more.
			out := rec
			if !single {
				out = copyRecord(rec, o.room)
			}
			if err := outEmits[i][0](out); err != nil {
				return err
			}
		}
		return nil
	}
	// emits[i] feeds step i; emits[len(steps)] writes – or, when the
	// outputs' work runs on a goroutine of its own (outstage.go), queues
	// the record for it; the pipeline's steps then run on a RunState of
	// their own (top), which queues what they report.
	top := st
	var stage *outStage
	var reading *formats.Record // the record read that the steps work on
	end := write
	if p.asyncOutputs(opt) {
		top = &RunState{File: st.File, ev: newEvaluator(env{envInput: fe.value(), envVars: p.vars}), state: map[int]any{},
			tables: st.tables, dropsRejected: st.dropsRejected}
		end = func(rec *formats.Record) error {
			stage.send(outItem{kind: outWrite, rec: rec, in: reading, n: top.Stats.In, dropped: top.Stats.Dropped})
			return nil
		}
		top.warn = func(msg string) {
			stage.send(outItem{kind: outWarn, msg: msg, n: top.Stats.In, dropped: top.Stats.Dropped})
		}
		top.recordErr = func(rec *formats.Record, err error) error {
			stage.send(outItem{kind: outFail, rec: rec, err: err, n: top.Stats.In, dropped: top.Stats.Dropped})
			return nil
		}
	}
	emits := chain(ctx, top, p.steps, end)

	// recordFailed handles one bad record; it returns a non-nil error when
	// the run must stop.
	recordFailed = func(rec *formats.Record, err error) error {
		var stopped *FileError
		if errors.As(err, &stopped) {
			return err // a step passed on the stop of an earlier record
		}
		if !formats.RecordOnly(err) {
			return err // not about one record: the file cannot go on
		}
		st.Stats.Rejected++
		if failMode {
			failing = true
			errs = append(errs, err)
			if len(errs) >= opt.MaxErrors {
				return &FileError{File: src.Path, Errors: errs, More: true}
			}
			return nil
		}
		if opt.Rejected != nil {
			opt.Rejected(rec, err)
		}
		return nil
	}
	st.recordErr = recordFailed

	if rr, ok := in.(formats.RoomReader); ok && p.inputRoom > 0 {
		rr.SetRoom(p.inputRoom)
	}
	pf := newPrefetcher(ctx, in)
	defer pf.close()
	if top != st {
		stage = newOutStage(func(it outItem) error {
			switch it.kind {
			case outWrite:
				if err := write(it.rec); err != nil {
					return recordFailed(it.in, err)
				}
			case outFail:
				return recordFailed(it.rec, it.err)
			case outWarn:
				st.Stats.Warnings++ // top.Warn counted it in top's Stats, which is not merged
				if opt.Warn != nil {
					opt.Warn(it.msg)
				}
			}
			return nil
		})
		stopped, err := p.readAsync(ctx, pf, top, emits, stage, &reading)
		st.mergeFrom(top, stopped)
		if err != nil {
			return st.Stats, err
		}
		if stopped != nil {
			return st.Stats, fileError(src.Path, errs, stopped.err)
		}
	} else {
		stop, err := p.readSync(ctx, pf, st, emits, recordFailed)
		if err != nil {
			return st.Stats, err
		}
		if stop != nil {
			return st.Stats, fileError(src.Path, errs, stop)
		}
	}
	// Held-back records come out of each output's own steps.
	for i, o := range p.outputs {
		if stop := flush(ctx, st, o.steps, outEmits[i], recordFailed); stop != nil {
			return st.Stats, fileError(src.Path, errs, stop)
		}
	}
	wa.finish()
	if err := handleWriteFailures(); err != nil {
		return st.Stats, fileError(src.Path, errs, err)
	}
	st.Stats.Out += wa.written
	if err := ws.close(); err != nil && !failing {
		return st.Stats, fileError(src.Path, errs, err)
	}
	if len(errs) > 0 {
		return st.Stats, &FileError{File: src.Path, Errors: errs}
	}
	if st.Stats.In == 0 {
		return st.Stats, &FileError{File: src.Path, Errors: []error{&formats.DataError{File: src.Path, Err: ErrNoRecords, Msg: ErrNoRecords.Error()}}}
	}
	if opt.Output == nil { // a preview keeps nothing
		if err := p.persist(st, sink); err != nil {
			return st.Stats, &FileError{File: src.Path, Errors: []error{err}}
		}
	}
	st.Stats.Keys = p.onceKeys(st)
	for _, f := range ws.order {
		st.Stats.Files = append(st.Stats.Files, f.rel)
	}
	st.Stats.Copied = ws.copied
	return st.Stats, nil
}

// readSync is the read loop of a run on one goroutine: it reads, runs
// the pipeline's steps and the outputs, and flushes the steps that hold
// records back, until the input ends, recordFailed stops the run (stop)
// or ctx is cancelled (err).
func (p *Pipeline) readSync(ctx context.Context, pf *prefetcher, st *RunState, emits []Emit, recordFailed func(*formats.Record, error) error) (stop, err error) {
	recycle := p.recyclesInput()
	for n := 0; ; n++ {
		if n&255 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		rec, err := pf.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if stop := recordFailed(nil, err); stop != nil {
				return stop, nil
			}
			continue
		}
		st.Stats.In++
		if err := emits[0](rec); err != nil {
			if stop := recordFailed(rec, err); stop != nil {
				return stop, nil
			}
		} else if recycle {
			pf.release(rec)
		}
	}
	// Held-back records come out of the pipeline's steps first.
	return flush(ctx, st, p.steps, emits, recordFailed), nil
}

// readAsync is the read loop of a run whose outputs' work runs on the
// output stage: it reads, runs the pipeline's steps (on top) and queues,
// until the input ends, the stage stops the run (its stopState) or ctx is
// cancelled (the error). The stage is finished either way.
func (p *Pipeline) readAsync(ctx context.Context, pf *prefetcher, top *RunState, emits []Emit, stage *outStage, reading **formats.Record) (stop *stopState, err error) {
	finished := false
	defer func() {
		if !finished { // cancelled, or a panic of a step: no goroutine is left waiting
			stage.cancel()
		}
	}()
	for n := 0; ; n++ {
		if n&255 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if stage.stopped() != nil {
				break
			}
		}
		rec, err := pf.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			stage.send(outItem{kind: outFail, err: err, n: top.Stats.In, dropped: top.Stats.Dropped})
			continue
		}
		top.Stats.In++
		*reading = rec
		if err := emits[0](rec); err != nil {
			stage.send(outItem{kind: outFail, rec: rec, err: err, n: top.Stats.In, dropped: top.Stats.Dropped})
		}
	}
	// the pipeline's steps hold nothing back (asyncSafeKinds): no flush
	finished = true
	return stage.close(), nil
}

// onceCheck decides whether rec goes out through an output with once:
// not when its key went out in an earlier run (sent). Records of one key
// within one run all go (one order's positions): the key is an order, a
// delivery, a customer, not a row. A key that goes out is remembered in
// st.Stats.Keys, once.
func onceCheck(st *RunState, o *output, rec *formats.Record, sent func(scope, key string) (string, bool, error)) (bool, error) {
	v, pos, err := evalField(o.once, rec, st)
	if err != nil {
		return false, fieldError(st, rec, "", o.once, err)
	}
	field := ""
	if len(o.once.fields) == 1 {
		field = o.once.fields[0]
	}
	key := strings.TrimSpace(v.Text())
	if !v.IsScalar() || key == "" {
		return false, &formats.DataError{File: st.File, Pos: pos, Field: field, RecordOnly: true,
			Msg: fmt.Sprintf("the once key of %s is empty, so it cannot be told whether this record already went out", o.scope)}
	}
	// this run's verdict per key: the rows of one key in one file (the
	// positions of one order) all go, or none.
	seen := st.StateFor(-1-o.index, func() any { return onceSeen{} }).(onceSeen)
	place, known := seen[key]
	send := place > 0
	if !known {
		by := ""
		if sent != nil {
			b, ok, err := sent(o.scope, key)
			if err != nil {
				return false, err
			}
			if ok {
				by = b
			}
		}
		send = by == ""
		if send {
			st.onceSent++
			seen[key] = uint32(st.onceSent)
		} else {
			seen[key] = 0
			st.Warn((&formats.DataError{File: st.File, Pos: pos, Field: field,
				Msg: fmt.Sprintf("%s already went out to %s (%s); not again", formats.Quote(key), o.scope, by)}).Error())
		}
	}
	if !send {
		st.Stats.Once++
	}
	return send, nil
}

// onceSeen is one output's verdicts on its once keys in this run: a key's
// place among the keys the run sends (from 1), or 0 when it went out
// before and does not go again. It is all the run keeps per key (an order
// file of 100,000 orders: one entry per order).
type onceSeen map[string]uint32

// onceKeys lists the keys the run sent, in the order first sent
// (Stats.Keys).
func (p *Pipeline) onceKeys(st *RunState) []OnceKey {
	if st.onceSent == 0 {
		return nil
	}
	keys := make([]OnceKey, st.onceSent)
	for _, o := range p.outputs {
		seen, _ := st.state[-1-o.index].(onceSeen)
		for k, place := range seen {
			if place > 0 {
				keys[place-1] = OnceKey{Scope: o.scope, Key: k}
			}
		}
	}
	return keys
}

// persist lets every step that keeps files of its own (Persister) write
// them into the run's sink, after the outputs.
func (p *Pipeline) persist(st *RunState, sink Sink) error {
	steps := p.steps
	for _, o := range p.outputs {
		steps = append(steps[:len(steps):len(steps)], o.steps...)
	}
	for _, s := range steps {
		if ps, ok := s.Step.(Persister); ok {
			if err := ps.Persist(st, sink); err != nil {
				return err
			}
		}
	}
	return nil
}

// chain links steps: the result's element i feeds step i, the last one
// (index len(steps)) is end.
func chain(ctx context.Context, st *RunState, steps []compiledStep, end Emit) []Emit {
	emits := make([]Emit, len(steps)+1)
	emits[len(steps)] = end
	for i := len(steps) - 1; i >= 0; i-- {
		step, next := steps[i], emits[i+1]
		emits[i] = func(r *formats.Record) error { return step.Apply(ctx, st, r, next) }
	}
	return emits
}

// flush ends the file for every step that holds records back, in order,
// so that what one step releases still passes the steps after it. It
// returns the error that stops the run, if any.
func flush(ctx context.Context, st *RunState, steps []compiledStep, emits []Emit, failed func(*formats.Record, error) error) error {
	for i, s := range steps {
		if f, ok := s.Step.(Flusher); ok {
			if err := f.Flush(ctx, st, emits[i+1]); err != nil {
				if stop := failed(nil, err); stop != nil {
					return stop
				}
			}
		}
	}
	return nil
}

// fileError adds the error that stopped a run to the record errors so far.
func fileError(file string, errs []error, stop error) error {
	var fe *FileError
	if errors.As(stop, &fe) {
		return fe
	}
	return &FileError{File: file, Errors: append(errs, stop)}
}
