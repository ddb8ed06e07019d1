package transform

import (
	"fmt"
	"sync/atomic"

	"github.com/ferry-sync/ferry/formats"
)

// The output stage: when a pipeline's outputs have steps of their own (the
// Bestellimport shapes every order into head, positions and shipping rows
// for each output), that work runs on a goroutine of its own while the
// pipeline's steps go on with the next records, so that the run uses a
// second core beside the read-ahead (prefetch.go) and the writer
// (writeahead.go).
//
// Everything the run does that can be seen – records handed to outputs,
// warnings, record errors, rejected records, the decision to stop – happens
// on the output goroutine, in the order the records came: the pipeline's
// steps do not report directly but queue what they report behind the
// records before it. So a run gives the same files, the same warnings and
// the same report, in the same order, as when one goroutine does it all.
// Two things make that hold, and asyncOutputs checks them:
//
//   - the pipeline's own steps pass an error of what comes after them on
//     unchanged (map, set, drop, validate, lookup, assign, filter, lengths,
//     render): the output goroutine can then handle it exactly as the read
//     loop would have. explode, group, sort and dedupe handle such errors
//     themselves (an exploded element is rejected, not its order) or hold
//     records back, so a pipeline with one of them keeps one goroutine.
//   - no step of either side touches the other's state: the pipeline's
//     steps get a RunState of their own (its own expression evaluator and
//     per-step state, the same pinned lookup tables), merged into the run's
//     when the stage ends.
//
// After the output goroutine stops the run (too many errors, an error that
// is not about one record) the pipeline's steps may have worked on a few
// more records; what they queued is dropped unseen.

// outKind says what an outItem asks the output goroutine to do.
type outKind uint8

const (
	outWrite outKind = iota // hand rec to the outputs; an error is in's
	outFail                 // the record error err of rec (rec may be nil)
	outWarn                 // pass the warning msg on
)

// outItem is one thing queued for the output goroutine.
type outItem struct {
	kind outKind
	rec  *formats.Record
	in   *formats.Record // outWrite: the record read that rec came from
	err  error
	msg  string
	// the read loop's counts when it was queued (Stats.In and Dropped):
	// the run's counts when this item stops it
	n, dropped int
}

// outBatch bounds how much waits for the output goroutine: items per
// batch, fields per batch (as prefetchWeight) and batches in the queue.
const (
	outBatchItems  = 64
	outBatchWeight = 4096
	outDepth       = 2
)

// outStage runs process for every item on its own goroutine, in order.
type outStage struct {
	ch       chan []outItem
	free     chan []outItem
	batch    []outItem
	weight   int
	done     chan struct{}
	stopErr  atomic.Pointer[stopState]
	abort    atomic.Bool
	panicked any
}

// stopState is the error that stopped the run and the records read when
// the item that caused it was queued.
type stopState struct {
	err        error
	n, dropped int
}

func newOutStage(process func(outItem) error) *outStage {
	s := &outStage{ch: make(chan []outItem, outDepth), free: make(chan []outItem, outDepth+2), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		defer func() {
			if p := recover(); p != nil {
				s.panicked = p
				s.stopErr.CompareAndSwap(nil, &stopState{err: fmt.Errorf("internal error: %v", p)})
				for range s.ch { // let the sender finish
				}
			}
		}()
		for b := range s.ch {
			for i := range b {
				if s.stopErr.Load() == nil && !s.abort.Load() {
					if err := process(b[i]); err != nil {
						s.stopErr.Store(&stopState{err: err, n: b[i].n, dropped: b[i].dropped})
					}
				}
				b[i] = outItem{}
			}
			select {
			case s.free <- b[:0]:
			default:
			}
		}
	}()
	return s
}

// send queues it; a full batch goes to the output goroutine.
func (s *outStage) send(it outItem) {
	if s.batch == nil {
		select {
		case s.batch = <-s.free:
		default:
			s.batch = make([]outItem, 0, outBatchItems)
		}
	}
	s.batch = append(s.batch, it)
	if it.rec != nil {
		s.weight += weight(it.rec)
	}
	if len(s.batch) >= outBatchItems || s.weight >= outBatchWeight {
		s.flush()
	}
}

// flush hands the queued items over.
func (s *outStage) flush() {
	if len(s.batch) > 0 {
		s.ch <- s.batch
		s.batch, s.weight = nil, 0
	}
}

// stopped is the error the output goroutine stopped the run with, if any.
func (s *outStage) stopped() *stopState { return s.stopErr.Load() }

// close hands over what is queued and waits for the output goroutine to
// finish it. A panic of the output goroutine is raised again here.
func (s *outStage) close() *stopState {
	s.flush()
	close(s.ch)
	<-s.done
	if s.panicked != nil {
		panic(s.panicked)
	}
	return s.stopErr.Load()
}

// cancel drops what is queued and waits for the output goroutine.
func (s *outStage) cancel() {
	s.abort.Store(true)
	s.batch = nil
	close(s.ch)
	<-s.done
}

// oneGoroutine turns the output stage off (tests compare both ways).
var oneGoroutine = false

// asyncSafeKinds are the step kinds that pass an error of the steps after
// them on unchanged and hold no record back (see above).
var asyncSafeKinds = map[string]bool{
	"map": true, "set": true, "drop": true, "validate": true, "lookup": true,
	"assign": true, "filter": true, "lengths": true, "render": true,
}

// asyncOutputs reports whether the outputs' work runs on a goroutine of its
// own in this run: some output has steps, and the pipeline's steps all
// pass errors on (asyncSafeKinds). A preview (opt.Output) keeps one
// goroutine.
func (p *Pipeline) asyncOutputs(opt RunOptions) bool {
	if opt.Output != nil || oneGoroutine {
		return false
	}
	heavy := false
	for _, o := range p.outputs {
		if len(o.steps) > 0 {
			heavy = true
		}
	}
	if !heavy {
		return false
	}
	for _, s := range p.steps {
		if !asyncSafeKinds[s.kind] {
			return false
		}
	}
	return true
}

// mergeFrom adds what the pipeline's steps counted and kept in their own
// RunState (the read loop's) to the run's: records read and dropped (up
// to the item that stopped the run, if one did: stop), and their steps'
// state (assign's new numbers, for Persist). Their warnings were counted
// by the output goroutine as it passed them on.
func (st *RunState) mergeFrom(top *RunState, stop *stopState) {
	in, dropped := top.Stats.In, top.Stats.Dropped
	if stop != nil {
		in, dropped = stop.n, stop.dropped
	}
	st.Stats.In += in
	st.Stats.Dropped += dropped
	for k, v := range top.state {
		st.state[k] = v
	}
}
