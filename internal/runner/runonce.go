package runner

// RunOnce: scan every inbox, wait for the files to settle, process what is
// ready with a bounded number of workers, and return.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/internal/inbox"
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
	type inboxScan struct {
		pipeline string
		scanner  *inbox.Scanner
		settle   time.Duration
		fifo     bool
		ready    []inbox.Candidate
	}
	selected := map[string]bool{}
	for _, n := range names {
		if r.Pipelines[n] == nil {
			return sum, fmt.Errorf("there is no pipeline %q", n)
		}
		selected[n] = true
	}
	var scans []*inboxScan
	var maxSettle time.Duration
	pnames := make([]string, 0, len(r.Pipelines))
	for n := range r.Pipelines {
		pnames = append(pnames, n)
	}
	sort.Strings(pnames)
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
			return sum, err
		}
		settle := ic.SettleTime
		if settle <= 0 {
			settle = inbox.DefaultSettle
		}
		maxSettle = max(maxSettle, settle)
		scans = append(scans, &inboxScan{pipeline: n, scanner: s, settle: settle, fifo: ic.FIFO})
	}
	var errs []error
	scanAll := func() {
		for _, s := range scans {
			c, err := s.scanner.Scan(ctx)
			if err != nil {
				errs = append(errs, err)
			}
			s.ready = append(s.ready, c...)
		}
	}
	scanAll()
	if len(scans) > 0 {
		sleep := r.Sleep
		if sleep == nil {
			sleep = sleepCtx
		}
		if err := sleep(ctx, maxSettle); err != nil {
			return sum, err
		}
		scanAll()
	}

	// Jobs: one per file, or one per FIFO inbox (its files in order).
	type job struct {
		pipeline string
		files    []inbox.Candidate
	}
	var jobs []job
	for _, s := range scans {
		if s.fifo {
			if len(s.ready) > 0 {
				jobs = append(jobs, job{s.pipeline, s.ready})
			}
			continue
		}
		for _, c := range s.ready {
			jobs = append(jobs, job{s.pipeline, []inbox.Candidate{c}})
		}
	}
	workers := max(r.Workers, 1)
	ch := make(chan job)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range min(workers, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				for _, c := range j.files {
					if ctx.Err() != nil {
						break
					}
					res, err := r.claimAndProcess(ctx, j.pipeline, c)
					mu.Lock()
					switch {
					case err != nil:
						errs = append(errs, err)
					case res.Outcome == Done:
						sum.Done++
					case res.Outcome == Failed:
						sum.Failed++
					case res.Outcome == Duplicate:
						sum.Duplicates++
					}
					if err == nil && res.Outcome != "" {
						sum.Results = append(sum.Results, res)
					}
					mu.Unlock()
				}
			}
		}()
	}
	for _, j := range jobs {
		select {
		case ch <- j:
		case <-ctx.Done():
		}
	}
	close(ch)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		errs = append(errs, err)
	}
	return sum, errors.Join(errs...)
}

// claimAndProcess claims one candidate into the pipeline's work folder and
// processes it. A skipped claim returns an empty Result and no error.
func (r *Runner) claimAndProcess(ctx context.Context, pipeline string, c inbox.Candidate) (Result, error) {
	cl, err := inbox.Claim(c, r.WorkDir(pipeline))
	if err != nil {
		if inbox.Skipped(err) {
			return Result{}, nil
		}
		return Result{}, err
	}
	res, err := r.ProcessFile(ctx, pipeline, cl)
	if err != nil {
		return res, fmt.Errorf("%s: %w", c.Name, err)
	}
	return res, nil
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
