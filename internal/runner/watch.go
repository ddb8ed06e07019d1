package runner

// The engine is the scheduler RunOnce and Watch share: one Scanner per
// inbox, a queue of ready files, and a bounded pool of workers that claim
// and process them. Only the goroutine that drives the engine touches the
// scanners and the queue; workers get a job and send back what became of
// it. A FIFO inbox has at most one file in a worker at a time, oldest
// first.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/internal/inbox"
)

// inboxScan is one pipeline's inbox as the engine sees it.
type inboxScan struct {
	pipeline string
	dir      string
	scanner  *inbox.Scanner
	settle   time.Duration
	fifo     bool
	pending  []inbox.Candidate // FIFO: ready files waiting, oldest first
	busy     bool              // FIFO: one of its files is in a worker
	lastErr  string            // the last scan error (Watch logs changes only)
}

// job is one ready file for a worker.
type job struct {
	in *inboxScan
	c  inbox.Candidate
}

// finished is what a worker reports about a job.
type finished struct {
	job job
	res Result
	err error
	// forget: the file was not processed (it changed, was held open, or
	// was given back), so its inbox must see it settle again.
	forget bool
}

// engine schedules the ready files of one configuration (one Runner).
type engine struct {
	r       *Runner
	inboxes []*inboxScan
	queue   []job // ready files of non-FIFO inboxes, not yet in a worker
	jobs    chan job
	done    chan finished
	running int // jobs handed to workers and not yet finished
	wg      sync.WaitGroup
}

// newEngine opens a Scanner for the inbox of every named pipeline (all
// when names is empty), in pipeline name order.
func (r *Runner) newEngine(names []string) (*engine, error) {
	selected := map[string]bool{}
	for _, n := range names {
		if r.Pipelines[n] == nil {
			return nil, fmt.Errorf("there is no pipeline %q", n)
		}
		selected[n] = true
	}
	pnames := make([]string, 0, len(r.Pipelines))
	for n := range r.Pipelines {
		pnames = append(pnames, n)
	}
	sort.Strings(pnames)
	e := &engine{r: r}
	for _, n := range pnames {
		if len(selected) > 0 && !selected[n] {
			continue
		}
		ic := r.Pipelines[n].Config.Input
		if ic.InboxPath == "" {
			continue
		}
		s, err := inbox.New(inbox.Config{Dir: ic.InboxPath, Match: ic.Match, Settle: ic.SettleTime, DoneMarker: ic.DoneMarker, FIFO: ic.FIFO},
			inbox.Options{Now: r.now})
		if err != nil {
			return nil, err
		}
		settle := ic.SettleTime
		if settle <= 0 {
			settle = inbox.DefaultSettle
		}
		e.inboxes = append(e.inboxes, &inboxScan{pipeline: n, dir: ic.InboxPath, scanner: s, settle: settle, fifo: ic.FIFO})
	}
	return e, nil
}

// settles returns the smallest and the largest settle time of the inboxes
// (zero without inboxes).
func (e *engine) settles() (lo, hi time.Duration) {
	for i, in := range e.inboxes {
		if i == 0 || in.settle < lo {
			lo = in.settle
		}
		hi = max(hi, in.settle)
	}
	return lo, hi
}

// dirs lists the inbox folders.
func (e *engine) dirs() []string {
	out := make([]string, len(e.inboxes))
	for i, in := range e.inboxes {
		out[i] = in.dir
	}
	return out
}

// scan scans every inbox once and queues the files found ready; report
// receives each inbox's scan error (nil when the scan succeeded).
func (e *engine) scan(ctx context.Context, report func(in *inboxScan, err error)) {
	for _, in := range e.inboxes {
		c, err := in.scanner.Scan(ctx)
		report(in, err)
		if in.fifo {
			in.pending = append(in.pending, c...)
			continue
		}
		for _, c := range c {
			e.queue = append(e.queue, job{in, c})
		}
	}
}

// peek returns the next job to hand to a worker: a queued file, else the
// oldest waiting file of a FIFO inbox that has none in a worker.
func (e *engine) peek() (job, bool) {
	if len(e.queue) > 0 {
		return e.queue[0], true
	}
	for _, in := range e.inboxes {
		if in.fifo && !in.busy && len(in.pending) > 0 {
			return job{in, in.pending[0]}, true
		}
	}
	return job{}, false
}

// pop removes j (the last peek) from the queue: it is in a worker now.
func (e *engine) pop(j job) {
	if j.in.fifo {
		j.in.pending = j.in.pending[1:]
		j.in.busy = true
	} else {
		e.queue = e.queue[1:]
	}
	e.running++
}

// drop forgets every queued file (they were not claimed: the next scan
// finds them again).
func (e *engine) drop() {
	e.queue = nil
	for _, in := range e.inboxes {
		in.pending = nil
	}
}

// finish books a worker's report.
func (e *engine) finish(f finished) {
	e.running--
	if f.job.in.fifo {
		f.job.in.busy = false
	}
	if f.forget {
		f.job.in.scanner.Forget(f.job.c.Name)
	}
}

// start starts the workers (the Runner's Workers, at least one).
func (e *engine) start(ctx context.Context) {
	e.jobs = make(chan job)
	e.done = make(chan finished)
	for range max(e.r.Workers, 1) {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			for j := range e.jobs {
				e.done <- e.work(ctx, j)
			}
		}()
	}
}

// stop lets the workers end after their current file; each report still
// due goes to handle. It returns when every worker has ended.
func (e *engine) stop(handle func(finished)) {
	close(e.jobs)
	for e.running > 0 {
		f := <-e.done
		e.finish(f)
		handle(f)
	}
	e.wg.Wait()
}

// work claims one file into its pipeline's work folder and processes it.
// Once ctx is done nothing more is claimed.
func (e *engine) work(ctx context.Context, j job) finished {
	if ctx.Err() != nil {
		return finished{job: j}
	}
	cl, err := inbox.Claim(j.c, e.r.WorkDir(j.in.pipeline))
	if err != nil {
		if inbox.Skipped(err) {
			return finished{job: j, forget: errors.Is(err, inbox.ErrChanged) || errors.Is(err, inbox.ErrBusy)}
		}
		return finished{job: j, err: fmt.Errorf("%s: %w", j.c.Name, err), forget: true}
	}
	res, err := e.r.ProcessFile(ctx, j.in.pipeline, cl)
	if err != nil {
		return finished{job: j, res: res, err: fmt.Errorf("%s: %w", j.c.Name, err), forget: true}
	}
	return finished{job: j, res: res}
}
