package runner

// RunOnce: scan every inbox, wait for the files to settle, process what is
// ready with a bounded number of workers, and return.

import (
	"context"
	"errors"
	"time"
)

// Summary is the outcome of RunOnce.
type Summary struct {
	// Done, Failed and Duplicates count the files by outcome.
	Done, Failed, Duplicates int
	// Results lists every processed file, in the order they finished.
	Results []Result
}

// RunOnce processes every ready file in the inboxes of the named pipelines
// (all pipelines when names is empty) and returns. It scans each inbox,
// waits (Sleep) for the longest settle time, scans again, and claims and
// processes the files found ready with Workers goroutines; a FIFO inbox's
// files are processed one at a time, oldest first. A file that is still
// changing or vanished when claimed is skipped (the next run takes it).
//
// Bad files are not errors (they are Failed results); the error reports
// what kept files from being processed at all (unknown pipeline names,
// unreadable inboxes, journal or file-system failures), joined.
func (r *Runner) RunOnce(ctx context.Context, names []string) (Summary, error) {
	var sum Summary
	e, err := r.newEngine(names)
	if err != nil {
		return sum, err
	}
	var errs []error
	scan := func() {
		e.scan(ctx, func(_ *inboxScan, err error) {
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	scan()
	if len(e.inboxes) > 0 {
		sleep := r.Sleep
		if sleep == nil {
			sleep = sleepCtx
		}
		_, longest := e.settles()
		if err := sleep(ctx, longest); err != nil {
			return sum, err
		}
		scan()
	}

	book := func(f finished) {
		switch {
		case f.err != nil:
			errs = append(errs, f.err)
		case f.res.Outcome == Done:
			sum.Done++
		case f.res.Outcome == Failed:
			sum.Failed++
		case f.res.Outcome == Duplicate:
			sum.Duplicates++
		}
		if f.err == nil && f.res.Outcome != "" {
			sum.Results = append(sum.Results, f.res)
		}
	}
	e.start(ctx)
	for ctx.Err() == nil {
		j, ok := e.peek()
		if !ok && e.running == 0 {
			break
		}
		var jobs chan job
		if ok {
			jobs = e.jobs
		}
		select {
		case jobs <- j:
			e.pop(j)
		case f := <-e.done:
			e.finish(f)
			book(f)
		case <-ctx.Done():
		}
	}
	e.drop()
	e.stop(book)
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	return sum, errors.Join(errs...)
}

// sleepCtx waits for d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
