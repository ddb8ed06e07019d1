package transform

import (
	"context"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"

	"github.com/ferry-sync/ferry/formats"
)

// Step is one compiled pipeline step. Apply gets one record and emits zero
// (filtered), one, or many (exploded) records to the next step. Steps that
// must see the whole file (group, sort, dedupe) also implement Flusher. A
// step is shared by every file the pipeline runs on at once: per-file state
// lives in what NewState returns (see Stateful).
//
// Who owns a record. A step may change the record it receives in place
// (instead of copying it) only when nothing else will read it again; the
// step learns at compile time what it gets (ownership, set through
// inputOwner) and asks RunState.mayChange at run time:
//
//   - The run's input record: Run hands it to RunOptions.Rejected when a
//     step fails for it (the rejects file must show the record as read),
//     so it is ownReported; when the first step is an inputCopier, Run
//     gives it back to the reader for reuse after that step: then it is
//     not owned at all (ownNone), and that step copies. Readers do not keep
//     the records they return (a formats.Recycler gets back only what Run
//     releases).
//   - A record emitted with plain emit by a step that made it (map, set,
//     drop, lookup, render) is owned by the next step: the maker lets go of
//     it with the emit and never reads it again. So is the top-level copy
//     each output with steps gets (copyRecord), and the record a
//     single output's steps get without that copy (see Run).
//   - A record emitted with emitOwn (explode, group, sort, dedupe) is still
//     held by its maker: if a later step fails, the maker hands it to
//     RunState.RecordError, and under on_error reject that record goes to
//     the rejects file. Such a record may be changed in place only when the
//     run keeps no rejected records (on_error fail, or no
//     RunOptions.Rejected): ownReported.
//   - Steps that pass their input on (validate, filter, assign, lengths)
//     pass its ownership on (assign sets its number on a copy when it
//     may not change its input); sort and dedupe keep records and emit them
//     later, at most ownReported. An unknown kind owns nothing.
//   - Changing in place means changing the record's own top level only:
//     setting, adding or removing fields of its Fields slice (which may
//     grow into a new array). Nested records and lists are shared
//     (explode's parent record is shared by all elements of an order, the
//     outputs share nested values, a set's copy shares them with the
//     input) and are never changed in place. Every record has a Fields
//     array of its own: explode gives each element its own (or, below,
//     one spare), and the parent it nests takes over the input's array
//     only when it removes the list field in place.
//   - explode hands its own input to RecordError when an element is
//     refused, so it removes the list field in place only when the run
//     keeps no rejected records; and when the next step is a map or drop
//     (copiesAndLetsGo: it reads its input and lets go of it before
//     returning), explode builds every element in one spare record of the
//     run, again only when no rejected records are kept.
//   - Who keeps a record after emitting it: explode, group, sort and
//     dedupe (only to report it, emitOwn); the write-ahead goroutine (from
//     deliver until written; a map whose records go straight to the writer
//     gets them back after that, see recyclesOutput); preview
//     (RunOptions.Output, at the end of the chain). group, sort and dedupe
//     keep records they receive until Flush and emit each once; none of
//     them reads a record again after emitting it.
type Step interface {
	Apply(ctx context.Context, st *RunState, r *formats.Record, emit Emit) error
}

// Emit passes a record to the rest of the pipeline.
type Emit func(*formats.Record) error

// ownership is what a step may do with the record it receives (see Step).
type ownership uint8

const (
	// ownNone: something before the step may still read the record.
	ownNone ownership = iota
	// ownReported: the record's maker holds it only to report it with a
	// later step's error (emitOwn): changeable when the run keeps no
	// rejected records.
	ownReported
	// ownFull: nothing else reads the record any more.
	ownFull
)

// inputOwner is a step that can change its input in place when it owns
// it: compileSteps tells it what it receives.
type inputOwner interface{ setInputOwnership(ownership) }

// ownershipAfter is the ownership of the records a step of kind emits,
// given the ownership of those it receives.
func ownershipAfter(kind string, in ownership) ownership {
	if passesOn(kind) {
		return in
	}
	switch kind {
	case "map", "set", "drop", "lookup", "render":
		return ownFull
	case "assign":
		return in
	case "explode", "group":
		return ownReported
	case "sort", "dedupe":
		return min(in, ownReported)
	}
	return ownNone
}

// passesOn reports whether a step of kind passes the record it receives
// on or leaves it out, keeping none and adding no field to it (validate,
// filter, lengths: a record lengths cuts is a copy with the same fields).
func passesOn(kind string) bool {
	switch kind {
	case "validate", "filter", "lengths":
		return true
	}
	return false
}

// mayChange reports whether a step that receives records of ownership o
// may change them in place in this run.
func (st *RunState) mayChange(o ownership) bool {
	return o == ownFull || (o == ownReported && st.dropsRejected)
}

// fieldAdder is a step that may add fields to its record in place (set,
// lookup, assign): addsFields is how many at most.
type fieldAdder interface{ addsFields() int }

// roomTaker is a step that makes records (set and lookup when they copy,
// explode): setRoom tells it how many fields the steps after it may add
// in place, so that it makes its records with that much spare capacity
// and they are not grown again (see recordRoom).
type roomTaker interface{ setRoom(n int) }

// recordRoom gives each roomTaker of steps the number of fields the steps
// after it add in place before the next step that makes new records, and
// returns that number for the records the first step receives.
func recordRoom(steps []compiledStep) int {
	room := 0
	for i := len(steps) - 1; i >= 0; i-- {
		if t, ok := steps[i].Step.(roomTaker); ok {
			t.setRoom(room)
		}
		if a, ok := steps[i].Step.(fieldAdder); ok {
			room += a.addsFields()
			continue
		}
		if !passesOn(steps[i].kind) {
			room = 0
		}
	}
	return room
}

// copyRecord returns a copy of r's top level with room for extra more
// fields.
func copyRecord(r *formats.Record, extra int) *formats.Record {
	fs := make([]formats.Field, len(r.Fields), len(r.Fields)+extra)
	copy(fs, r.Fields)
	return &formats.Record{Fields: fs, Pos: r.Pos}
}

// inputCopier is a step whose Apply builds new records from its input and
// emits only those: it never keeps the input record, never passes it or its
// Fields slice on, and never changes it (the values it copies are kept
// only as values). After such a step's Apply returned without an error,
// nothing refers to the input record any more.
type inputCopier interface{ copiesInput() }

// recyclesInput reports whether the records read can go back to the reader
// once the first step is done with them: the first step is an inputCopier.
// Errors are the exception (the record may be handed to RunOptions.Rejected),
// so Run recycles only records whose first step returned nil.
func (p *Pipeline) recyclesInput() bool {
	if len(p.steps) == 0 {
		return false // the records themselves go to the outputs
	}
	_, ok := p.steps[0].Step.(inputCopier)
	return ok
}

// recyclesOutput returns the step whose records can be reused once they
// are written, or nil: the last step that makes records before the writer
// is a map (its records are its own, from its slab), there is exactly one
// output, the map's records go to the writer each once (the map is among
// the output's own steps, or the output has none and the map is among the
// pipeline's steps; only validate, filter and lengths may follow it: they
// pass a record on or leave it out, and keep none), and nothing else sees
// them (no preview). The formats' writers do not keep a record after Write
// returns. A record lengths cut is a copy: then the copy comes back to the
// map, which is just as free.
func (p *Pipeline) recyclesOutput(opt RunOptions) Step {
	if len(p.outputs) != 1 || opt.Output != nil {
		return nil
	}
	steps := p.outputs[0].steps
	if len(steps) == 0 {
		steps = p.steps
	}
	if len(steps) == 0 {
		return nil
	}
	for i := len(steps) - 1; i >= 0; i-- {
		if passesOn(steps[i].kind) {
			continue
		}
		if m, ok := steps[i].Step.(*mapStep); ok {
			return m
		}
		return nil
	}
	return nil
}

// Flusher is a step that holds records back until the end of the file.
type Flusher interface {
	Flush(ctx context.Context, st *RunState, emit Emit) error
}

// Pipeline is a loaded and compiled pipeline: read-only, safe to run on
// many files at once.
type Pipeline struct {
	Config  *PipelineConfig
	steps   []compiledStep
	outputs []*output
	vars    map[string]any
	reg     *formats.Registry
	tables  *pipelineTables // lookup tables (lookup.go)
	fns     *Functions      // the library its expressions use: with its own Lookup
	// stepsEnd is the ownership of the records the pipeline's steps emit
	// (without steps: that of the input records themselves, ownReported).
	stepsEnd ownership
	// inputRoom is the number of fields the steps add in place to the
	// records read (formats.RoomReader).
	inputRoom int
}

type compiledStep struct {
	Step
	kind string
	name string // label for messages: "steps[2] (lookup)"
}

// Compile builds the pipeline from its configuration: every expression,
// template and option is checked now, so that a mistake fails at load with
// its position, not on the first file.
func Compile(pc *PipelineConfig, proj *Project, fns *Functions) (*Pipeline, error) {
	if fns == nil {
		fns = &Functions{}
	}
	p := &Pipeline{Config: pc, reg: formats.Builtin()}
	if proj != nil {
		p.vars = proj.Vars
	}
	var errs ConfigErrors
	tables, terrs := newPipelineTables(pc, proj, fns.Lookup)
	errs = append(errs, terrs...)
	p.tables = tables
	if tables.any() {
		fns = fns.withLookup(tables.lookup) // this pipeline's tables, for lookup()
	}
	p.fns = fns
	c := newCompiler(fns, pc.Fields)
	c.vars = p.vars
	next := 0 // step indexes are unique across the pipeline and its outputs
	steps, end, room, serrs := compileSteps(pc, pc.Steps, nil, "", c, proj, tables, &next, ownReported)
	p.stepsEnd, p.inputRoom = end, room
	errs = append(errs, serrs...)
	p.steps = steps
	for i := range pc.Outputs {
		o, err := compileOutput(pc, i, c, p.reg)
		if err != nil {
			errs = append(errs, asConfigErrors(pc, []string{"outputs", fmt.Sprint(i)}, err)...)
			continue
		}
		at := []string{"outputs", fmt.Sprint(i)}
		o.steps, _, o.room, serrs = compileSteps(pc, pc.Outputs[i].Steps, at, fmt.Sprintf("outputs[%d].", i), c, proj, tables, &next, ownFull)
		errs = append(errs, serrs...)
		p.outputs = append(p.outputs, o)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return p, nil
}

// compileSteps compiles a list of steps: the pipeline's (prefix nil) or
// an output's own (prefix outputs.N). next numbers the steps across the
// whole pipeline: the number keys a step's per-file state. own is the
// ownership of the records the first step receives (see Step), lowered to
// ownNone for the pipeline's own first step when that is an inputCopier
// (its input may go back to the reader); the results are the ownership of
// the records the last step emits and the number of fields the steps add
// in place to the records they receive before any step makes new ones
// (recordRoom).
func compileSteps(pc *PipelineConfig, cfgs []StepConfig, prefix []string, label string, c *compiler, proj *Project, tables *pipelineTables, next *int, own ownership) ([]compiledStep, ownership, int, ConfigErrors) {
	var errs ConfigErrors
	var steps []compiledStep
	for i, sc := range cfgs {
		path := append(append([]string{}, prefix...), "steps", fmt.Sprint(i), sc.Kind)
		build, ok := stepKinds[sc.Kind]
		if !ok {
			errs = append(errs, pc.errorAt(path, fmt.Sprintf("unknown step %q", sc.Kind)))
			continue
		}
		st, err := build(&stepContext{pc: pc, path: path, node: sc.Raw, c: c, proj: proj, tables: tables, index: *next})
		*next++
		if err != nil {
			errs = append(errs, asConfigErrors(pc, path, err)...)
			continue
		}
		name := fmt.Sprintf("%ssteps[%d] (%s)", label, i, sc.Kind)
		if sc.Name != "" {
			name = fmt.Sprintf("step %q", sc.Name)
		}
		if _, copier := st.(inputCopier); copier && prefix == nil && len(steps) == 0 {
			own = ownNone // recyclesInput
		}
		if o, ok := st.(inputOwner); ok {
			o.setInputOwnership(own)
		}
		own = ownershipAfter(sc.Kind, own)
		steps = append(steps, compiledStep{Step: st, kind: sc.Kind, name: name})
	}
	room := recordRoom(steps)
	for i := 0; i+1 < len(steps); i++ {
		if x, ok := steps[i].Step.(*explodeStep); ok {
			x.nextCopies = copiesAndLetsGo(steps[i+1].Step)
		}
	}
	return steps, own, room, errs
}

// copiesAndLetsGo reports whether step s builds new records from its input
// and lets go of the input when its Apply returns: it neither keeps nor
// changes nor emits it, and keeps none of its Fields (only values). map and
// drop are such steps (set is not: it may change its input in place).
func copiesAndLetsGo(s Step) bool {
	switch s.(type) {
	case *mapStep, *dropStep:
		return true
	}
	return false
}

// stepContext is what a step constructor gets.
type stepContext struct {
	pc   *PipelineConfig
	path []string
	node ast.Node
	c    *compiler
	proj *Project
	// tables are the lookup tables the pipeline sees (lookup.go).
	tables *pipelineTables
	// index is the step's place in the pipeline: unique per pipeline, it
	// keys the step's per-file state (RunState.StateFor).
	index int
}

// decode decodes the step's YAML into v.
func (sc *stepContext) decode(v any) error {
	b, err := sc.node.MarshalYAML()
	if err != nil {
		return err
	}
	return yaml.UnmarshalWithOptions(b, v, yaml.Strict())
}

// errAt makes a positioned configuration error below the step.
func (sc *stepContext) errAt(sub []string, msg string) *ConfigError {
	return sc.pc.errorAt(append(append([]string(nil), sc.path...), sub...), msg)
}

// fieldMap reads an ordered mapping of output field → expression.
func (sc *stepContext) fieldMap() ([]string, []*program, error) {
	entries := mappingEntries(sc.node)
	if len(entries) == 0 {
		return nil, nil, sc.errAt(nil, "expected a mapping of field: expression")
	}
	var errs ConfigErrors
	names := make([]string, 0, len(entries))
	progs := make([]*program, 0, len(entries))
	for _, kv := range entries {
		name := keyText(kv.Key)
		src := scalarText(kv.Value)
		prog, err := sc.c.compile(src)
		if err != nil {
			errs = append(errs, &ConfigError{File: sc.pc.File, Pos: posOf(kv.Value), Path: pathString(append(append([]string(nil), sc.path...), name)), Msg: err.Error()})
			continue
		}
		names = append(names, name)
		progs = append(progs, prog)
	}
	if len(errs) > 0 {
		return nil, nil, errs
	}
	return names, progs, nil
}

// scalarText returns a YAML scalar's value as written (strings unquoted).
func scalarText(n ast.Node) string {
	switch t := n.(type) {
	case *ast.StringNode:
		return t.Value
	case *ast.LiteralNode:
		return t.Value.Value
	}
	return n.String()
}

func asConfigErrors(pc *PipelineConfig, path []string, err error) ConfigErrors {
	switch t := err.(type) {
	case ConfigErrors:
		return t
	case *ConfigError:
		return ConfigErrors{t}
	}
	return ConfigErrors{pc.errorAt(path, err.Error())}
}

// stepKinds maps a step kind to its constructor.
var stepKinds = map[string]func(*stepContext) (Step, error){
	"assign":   newAssignStep,
	"dedupe":   newDedupeStep,
	"drop":     newDropStep,
	"explode":  newExplodeStep,
	"filter":   newFilterStep,
	"group":    newGroupStep,
	"lengths":  newLengthsStep,
	"lookup":   newLookupStep,
	"map":      newMapStep,
	"render":   newRenderStep,
	"set":      newSetStep,
	"sort":     newSortStep,
	"validate": newValidateStep,
}

// OnceKey is a key sent through an output with once: Scope names the
// output (its outbox and file name as configured).
type OnceKey struct{ Scope, Key string }

// Source describes the input file of a run.
type Source struct {
	Path string // as given; its base name is used in messages and templates
	// Dir is the folder the input was dropped in (its inbox): copy
	// outputs find their files relative to it. Empty: Path's folder.
	Dir string
}

// dir is the folder copy outputs read from.
func (s Source) dir() string {
	if s.Dir != "" {
		return s.Dir
	}
	return filepath.Dir(s.Path)
}

func (s Source) env() fileEnv {
	name := filepath.Base(s.Path)
	ext := filepath.Ext(name)
	return fileEnv{Name: name, Stem: strings.TrimSuffix(name, ext), Ext: ext, Path: s.Path}
}

// RunState is the state of one run of a pipeline on one file.
type RunState struct {
	File  string // source name for messages
	ev    *evaluator
	state map[int]any
	warn  func(msg string)
	Stats Stats
	// tables pins one version of each lookup table for the whole run
	// (by pipelineTables slot; lookup.go).
	tables []*tableData
	// recordErr is the run's on_error handling of one bad record; nil
	// outside Run (RecordError then returns the error as it is).
	recordErr func(rec *formats.Record, err error) error
	// written brings back the records the write-ahead has written, for
	// reuse by the step named in writtenBy (the last step; see
	// Pipeline.recyclesOutput); nil: records are not reused.
	written   <-chan []*formats.Record
	writtenBy Step
	// dropsRejected is set when the run hands no record to
	// RunOptions.Rejected (on_error fail, or no Rejected): records held
	// only to be reported (ownReported) may then be changed in place.
	dropsRejected bool
	// onceSent counts the once keys sent so far (onceSeen).
	onceSent int
}

// Warn reports something a step changed or noticed without refusing the
// record (a value cut to its maximum length …): it is counted in
// Stats.Warnings and passed to RunOptions.Warn.
func (st *RunState) Warn(msg string) {
	st.Stats.Warnings++
	if st.warn != nil {
		st.warn(msg)
	}
}

// Stats counts what happened to a file's records.
type Stats struct {
	In       int // records read
	Out      int // records written (summed over outputs)
	Rejected int // records rejected or skipped with an error
	Warnings int // warnings reported through RunOptions.Warn
	Dropped  int // records left out on purpose: duplicates (dedupe), filter with warn
	Once     int // records left out because their once key already went out
	Files    []string
	// Copied are the source files copy outputs copied (absolute paths,
	// each once, in the order first copied); the runner archives them
	// after the outputs are committed.
	Copied []string
	// Keys are the once keys this run sent, in order: the caller records
	// them with the run's commit (journal.RecordKeys). Set when the run
	// succeeds.
	Keys []OnceKey
}

// StateFor returns per-run state of step i, created by mk on first use.
func (st *RunState) StateFor(i int, mk func() any) any {
	if v, ok := st.state[i]; ok {
		return v
	}
	v := mk()
	st.state[i] = v
	return v
}

// RecordError hands the error of a record that a step emits on its own
// (an exploded element, a finished group, a sorted record at the end of
// the file) to the run's on_error handling, so that the step can go on
// with its other records instead of losing them. A nil result means the
// error was taken (listed for the report, rejected or skipped); a non-nil
// one stops the run, and the step returns it.
func (st *RunState) RecordError(rec *formats.Record, err error) error {
	if st.recordErr == nil {
		return err
	}
	return st.recordErr(rec, err)
}

// Sink receives the files a run writes. Create returns where an output file
// (relative to its outbox) is written; the caller commits all files of a run
// together after Run succeeded, or discards them.
type Sink interface {
	Create(outbox, rel string) (io.Writer, error)
}

// NewSink is a Sink that can also create a file under a name no file in the
// outbox has yet ("<stem> (2)<ext>" …). Outputs without replace: true use
// it when the sink has it: a second orders.json must never overwrite the
// order file of the first one before the importer has taken it.
type NewSink interface {
	Sink
	CreateNew(outbox, rel string) (io.Writer, error)
}

// create opens an output file in sink: replacing an existing file of the
// same name only when the output says replace.
func create(sink Sink, o *output, rel string) (io.Writer, error) {
	if ns, ok := sink.(NewSink); ok && !o.cfg.Replace {
		return ns.CreateNew(o.cfg.OutboxPath, path.Clean(rel))
	}
	return sink.Create(o.cfg.OutboxPath, path.Clean(rel))
}

// Options of one run.
type RunOptions struct {
	// Rejected receives records refused under on_error reject or skip,
	// with their error. nil = they are counted only.
	Rejected func(rec *formats.Record, err error)
	// MaxErrors stops a failing run after this many record errors (the
	// report lists them); 0 = 100.
	MaxErrors int
	// OnError overrides the pipeline's on_error ("fail", "reject", "skip").
	OnError string
	// Sent reports whether key already went out under an output's once
	// scope in an earlier committed run, and names that run for messages
	// ("journal entry 17"). nil: only this run's keys count.
	Sent func(scope, key string) (by string, sent bool, err error)
	// Output, when set, receives the records instead of the output files
	// (ferry preview): output is the index in the pipeline's outputs, rel
	// the file name the record would go to.
	Output func(output int, rel string, rec *formats.Record) error
	// Warn receives warnings in the error format ("artikel.csv:5:17: field
	// "Bezeichnung": cut from 72 to 60 characters; …"): things a step
	// changed or noticed without refusing the record. nil = counted only.
	Warn func(msg string)
}

// Outputs returns the pipeline's output configurations, in order.
func (p *Pipeline) Outputs() []*OutputConfig {
	out := make([]*OutputConfig, len(p.outputs))
	for i, o := range p.outputs {
		out[i] = o.cfg
	}
	return out
}
