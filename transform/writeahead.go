package transform

import (
	"sync"
	"sync/atomic"

	"github.com/ferry-sync/ferry/formats"
)

// writeAhead writes output records on their own goroutine, so that
// formatting, character-set encoding and the file writes use a second core
// while the steps work on the next records. Records reach each file in the
// order they were emitted. Errors of single records (a character the
// output encoding cannot hold) come back to the run's goroutine, which
// handles them under on_error exactly as before; only the moment they are
// noticed is a batch later.
type writeAhead struct {
	ws    *writers
	src   string
	jobs  chan []writeJob
	batch []writeJob
	done  chan struct{}
	abort atomic.Bool

	mu       sync.Mutex
	failures []writeFailure
	written  int // records written; read after done
	closed   bool
}

type writeJob struct {
	o   *output
	oi  int
	rel string
	rec *formats.Record
	src string // copy outputs: the file to copy
}

type writeFailure struct {
	rec *formats.Record
	err error
}

const writeBatch = 128

func newWriteAhead(ws *writers, src string) *writeAhead {
	wa := &writeAhead{ws: ws, src: src, jobs: make(chan []writeJob, 4), done: make(chan struct{}), batch: make([]writeJob, 0, writeBatch)}
	go wa.loop()
	return wa
}

func (wa *writeAhead) loop() {
	defer close(wa.done)
	fatal := false
	for batch := range wa.jobs {
		if fatal || wa.abort.Load() {
			continue // drain: the run stops or fails anyway
		}
		for _, j := range batch {
			err := wa.ws.write(j.o, j.oi, j.rel, j.rec, j.src)
			if err == nil {
				wa.written++
				continue
			}
			if de := formats.AsDataError(err); de != nil && de.File == "" {
				de.File = wa.src
			}
			wa.mu.Lock()
			wa.failures = append(wa.failures, writeFailure{j.rec, err})
			wa.mu.Unlock()
			if !formats.RecordOnly(err) {
				fatal = true // I/O: nothing more can be written
				break
			}
		}
	}
}

// add queues one record for one output; it blocks when the writer is
// several batches behind (memory stays bounded).
func (wa *writeAhead) add(o *output, oi int, rel string, rec *formats.Record, src string) {
	wa.batch = append(wa.batch, writeJob{o, oi, rel, rec, src})
	if len(wa.batch) == writeBatch {
		wa.jobs <- wa.batch
		wa.batch = make([]writeJob, 0, writeBatch)
	}
}

// takeFailures returns the errors the writer met since the last call.
func (wa *writeAhead) takeFailures() []writeFailure {
	wa.mu.Lock()
	defer wa.mu.Unlock()
	f := wa.failures
	wa.failures = nil
	return f
}

// finish hands over the last records and waits until all are written.
func (wa *writeAhead) finish() {
	if wa.closed {
		return
	}
	wa.closed = true
	if len(wa.batch) > 0 {
		wa.jobs <- wa.batch
		wa.batch = nil
	}
	close(wa.jobs)
	<-wa.done
}

// stop ends the writer without writing what is still queued.
func (wa *writeAhead) stop() {
	wa.abort.Store(true)
	wa.finish()
}
