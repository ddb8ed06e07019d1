package runner

// Watch: the daemon loop of `ferry watch`. It recovers, then waits for a
// wake-up (a file system hint or the poll tick of an inbox.Watcher, or the
// settle timer), scans every inbox, and hands the ready files to the
// workers, until its context ends. On a configuration change it loads the
// new configuration and switches to it between files; a broken edit is
// logged and the running configuration stays in use.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/internal/inbox"
	"github.com/ferry-sync/ferry/internal/journal"
	"github.com/ferry-sync/ferry/internal/store"
	"github.com/ferry-sync/ferry/transform"
)

// LoadFunc loads and compiles the whole configuration again (as `ferry
// lint` does): the project and its compiled pipelines by name. Problems
// are returned as transform.ConfigErrors where possible, in the order
// `ferry lint` prints them, so that Watch can log them one per line,
// positioned.
type LoadFunc func() (*transform.Project, map[string]*transform.Pipeline, error)

// WatchOptions configure Watch; zero values mean the defaults.
type WatchOptions struct {
	// Load reloads the configuration when its files change or on Reload;
	// nil means the configuration is never reloaded.
	Load LoadFunc
	// Reload requests a reload whether or not the files changed (SIGHUP).
	Reload <-chan struct{}
	// Notify is the file-change hint source for the inbox folders (see
	// inbox.WatchOptions.Notify); default fsnotify.
	Notify func(dirs []string) (inbox.Hint, error)
	// Poll is the interval at which the inboxes and the configuration's
	// files are checked even without a hint; default (and upper bound) the
	// smallest settle time of the inboxes.
	Poll time.Duration
	// Wake replaces the inbox.Watcher (tests): every value received is one
	// wake-up. Notify and Poll are then not used.
	Wake <-chan struct{}
	// After returns a channel that delivers once d has passed; it times
	// the second look at files that had not settled yet: after every scan
	// the inboxes are scanned again at the latest after the smallest
	// settle time, even without a wake-up. Default time.After; tests
	// inject their clock.
	After func(d time.Duration) <-chan time.Time
	// Prune delivers when the archive retention is due again (after the
	// one at the start); default every 24 hours. See PruneArchive.
	Prune <-chan time.Time

	// handled, when set, receives a value after each wake-up or timer was
	// handled (tests synchronise on it).
	handled chan<- struct{}
}

// Watch runs until ctx ends: see the file comment. It recovers first (what
// Recover cannot repair is logged and stays in the journal for the next
// start), then processes every file that becomes ready in the inboxes with
// Workers goroutines, a FIFO inbox's files one at a time. Each file is
// logged by ProcessFile (one INFO line); files that could not be processed
// are logged as errors and retried once they have settled again. A file
// given back after a fault of the store (ErrGivenBack: a full disk, a
// read-only outbox) is held back besides: twice its inbox's settle time,
// doubling per fault in a row, at most 5 minutes (logged as retry_in). An
// input whose outputs are published but whose archiving failed is archived
// again with the same backoff.
//
// When ctx ends nothing more is claimed; files in progress finish or roll
// back (the input goes back to its inbox, its journal entry is released).
// Watch returns nil once every worker has ended. After a reload the
// Runner's configuration fields still describe the configuration Watch
// started with; the new one lives in a new Runner that shares Journal,
// Now, Sleep, Log and Owner.
func (r *Runner) Watch(ctx context.Context, opt WatchOptions) error {
	log := r.log()
	if _, err := r.Recover(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		log.Error("could not finish or undo everything an earlier run left unfinished; it is tried again at the next start", "error", err.Error())
	}
	after := opt.After
	if after == nil {
		after = time.After
	}
	r.pruneLogged(ctx)
	prune := opt.Prune
	if prune == nil {
		daily := time.NewTicker(24 * time.Hour)
		defer daily.Stop()
		prune = daily.C
	}
	e, err := r.newEngine(nil)
	if err != nil {
		return err
	}
	e.retry = true
	var (
		watcher *inbox.Watcher
		wake    = opt.Wake
		timer   <-chan time.Time
		pending *engine // a loaded configuration waiting for the workers to be idle
		files   = configFiles(r.Project, r.Pipelines)
		stamp   = fingerprint(files)
	)
	startWatcher := func() {
		if opt.Wake != nil {
			return
		}
		poll, _ := e.settles()
		if opt.Poll > 0 && (poll == 0 || opt.Poll < poll) {
			poll = opt.Poll
		}
		watcher = inbox.Watch(e.dirs(), inbox.WatchOptions{Poll: poll, Notify: opt.Notify})
		if err := watcher.HintErr(); err != nil && len(e.inboxes) > 0 {
			log.Info("checking the inboxes regularly instead of being notified", "reason", err.Error())
		}
		wake = watcher.Wake()
	}
	stopWatcher := func() {
		if watcher != nil {
			watcher.Close()
			watcher = nil
		}
	}
	defer stopWatcher()
	report := func(f finished) {
		switch {
		case f.err == nil:
		case ctx.Err() != nil && errors.Is(f.err, context.Canceled) && !strings.Contains(f.err.Error(), "\n"):
			// Only the cancellation: the input is back in its inbox, or its
			// commit is finished by Recover at the next start.
			log.Info("stopped during the file; it is processed at the next start", "pipeline", f.job.in.pipeline, "file", f.job.c.Name)
		case f.retryIn > 0 && errors.As(f.err, new(*notArchived)):
			log.Error("file processed and its outputs published, but not archived; archiving is tried again",
				"pipeline", f.job.in.pipeline, "file", f.job.c.Name, "retry_in", f.retryIn, "error", f.err.Error())
		case f.retryIn > 0:
			log.Error("file not processed; it is back in its inbox and is tried again",
				"pipeline", f.job.in.pipeline, "file", f.job.c.Name, "retry_in", f.retryIn, "error", f.err.Error())
		default:
			log.Error("file not processed; it is tried again once it is back in its inbox and settled, or at the next start",
				"pipeline", f.job.in.pipeline, "file", f.job.c.Name, "error", f.err.Error())
		}
	}
	scan := func() {
		e.retryArchives(ctx, log)
		e.scan(ctx, func(in *inboxScan, err error) {
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			if msg != in.lastErr && ctx.Err() == nil {
				if msg != "" {
					log.Error("cannot scan the inbox", "pipeline", in.pipeline, "error", msg)
				} else {
					log.Info("the inbox can be scanned again", "pipeline", in.pipeline)
				}
			}
			in.lastErr = msg
		})
		if timer == nil && len(e.inboxes) > 0 {
			settle, _ := e.settles()
			timer = after(settle)
		}
	}
	reload := func(forced bool) {
		if opt.Load == nil {
			return
		}
		now := fingerprint(files)
		if !forced && now == stamp {
			return
		}
		stamp = now // taken before loading: an edit during the load is seen next time
		next, newFiles, err := reloadEngine(opt.Load, e.r)
		if err != nil {
			logProblems(log, err)
			return
		}
		if !slices.Equal(files, newFiles) {
			files, stamp = newFiles, fingerprint(newFiles)
		}
		pending = next
	}

	handled := func() {
		if opt.handled != nil {
			select {
			case opt.handled <- struct{}{}:
			case <-ctx.Done():
			}
		}
	}

	startWatcher()
	e.start(ctx)
	scan()
	for ctx.Err() == nil {
		if pending != nil && e.running == 0 {
			e.drop()
			e.stop(report)
			stopWatcher()
			pending.backoff = e.backoff // a file held back stays held back
			pending.archives = e.archives
			e, pending, timer = pending, nil, nil
			e.retry = true
			log.Info("configuration reloaded", "pipelines", len(e.r.Pipelines))
			startWatcher()
			e.start(ctx)
			scan()
		}
		var jobs chan job
		j, ok := e.peek()
		if ok && pending == nil {
			jobs = e.jobs
		}
		select {
		case <-ctx.Done():
		case <-wake:
			reload(false)
			if pending == nil {
				scan()
			}
			handled()
		case <-timer:
			timer = nil
			if pending == nil {
				scan()
			}
			handled()
		case <-opt.Reload:
			reload(true)
			handled()
		case <-prune:
			e.r.pruneLogged(ctx)
			handled()
		case jobs <- j:
			e.pop(j)
		case f := <-e.done:
			f.retryIn = e.finish(f)
			report(f)
		}
	}
	e.drop()
	e.stop(report)
	return nil
}

// reloadEngine loads the configuration with load and returns an engine
// for it, on a Runner that shares cur's journal and settings, and the
// configuration's files.
func reloadEngine(load LoadFunc, cur *Runner) (*engine, []string, error) {
	proj, pipes, err := load()
	if err != nil {
		return nil, nil, err
	}
	nr, err := New(proj, pipes, cur.Journal)
	if err != nil {
		return nil, nil, err
	}
	nr.Now, nr.Sleep, nr.Log, nr.Owner, nr.Progress, nr.Memory, nr.crashAt = cur.Now, cur.Sleep, cur.Log, cur.Owner, cur.Progress, cur.Memory, cur.crashAt
	nr.Store = cur.store() // one attempt fence for the old and the new configuration
	e, err := nr.newEngine(nil)
	if err != nil {
		return nil, nil, err
	}
	if proj.Journal != cur.Project.Journal {
		cur.log().Warn("the journal's location changed; the running journal stays in use until ferry watch is restarted",
			"journal", cur.Project.Journal, "new", proj.Journal)
	}
	return e, configFiles(proj, pipes), nil
}

// logProblems logs why a changed configuration was not taken: one line per
// problem, positioned, in the LoadFunc's order.
func logProblems(log interface {
	Warn(msg string, args ...any)
}, err error) {
	var ps transform.ConfigErrors
	if !errors.As(err, &ps) {
		log.Warn("the changed configuration cannot be used; the running one stays in use", "error", err.Error())
		return
	}
	log.Warn(fmt.Sprintf("the changed configuration has %d problem(s); the running one stays in use", len(ps)))
	for _, p := range ps {
		log.Warn("configuration problem", "problem", p.Error())
	}
}

// configFiles lists the files whose change means the configuration
// changed: ferry.yaml, the folders of the pipeline files (whose YAML files
// fingerprint lists, so that a pipeline added, removed or edited counts),
// the pipeline files and the lookup tables.
func configFiles(proj *transform.Project, pipes map[string]*transform.Pipeline) []string {
	if proj == nil {
		return nil
	}
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(proj.Dir, filepath.FromSlash(p))
	}
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if p != "" && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	add(proj.File)
	for _, pc := range proj.Pipelines {
		add(filepath.Dir(abs(pc.File)))
		add(abs(pc.File))
	}
	for _, p := range pipes {
		add(filepath.Dir(abs(p.Config.File)))
		add(abs(p.Config.File))
	}
	for _, t := range proj.Tables {
		add(abs(t.File))
	}
	sort.Strings(out)
	return out
}

// fingerprint describes the files' sizes and modification times (or their
// absence) in one string; for a folder, those of its YAML files.
func fingerprint(files []string) string {
	var b strings.Builder
	stamp := func(name string, st fs.FileInfo, err error) {
		b.WriteString(name)
		b.WriteByte(0)
		if err != nil {
			b.WriteString("-\n")
			return
		}
		b.WriteString(strconv.FormatInt(st.Size(), 10))
		b.WriteByte(' ')
		b.WriteString(strconv.FormatInt(st.ModTime().UnixNano(), 10))
		b.WriteByte('\n')
	}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil || !st.IsDir() {
			stamp(f, st, err)
			continue
		}
		ents, err := os.ReadDir(f)
		if err != nil {
			stamp(f, nil, err)
			continue
		}
		for _, e := range ents {
			ext := strings.ToLower(filepath.Ext(e.Name()))
			if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
				continue
			}
			st, err := e.Info()
			stamp(filepath.Join(f, e.Name()), st, err)
		}
	}
	return b.String()
}

// ---- The scheduler shared by RunOnce and Watch ----

// The engine is the scheduler RunOnce and Watch share: one Scanner per
// inbox, a queue of ready files, and a bounded pool of workers that claim
// and process them. Only the goroutine that drives the engine touches the
// scanners and the queue; workers get a job and send back what became of
// it. A FIFO inbox has at most one file in a worker at a time, oldest
// first.

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
	// retryIn is how long a file given back after a fault is held back
	// (set by engine.finish when the engine retries).
	retryIn time.Duration
}

// maxBackoff caps how long a file given back after a fault waits before
// its next attempt.
const maxBackoff = 5 * time.Minute

// backoff is the retry state of one inbox file given back after faults.
type backoff struct {
	n     int       // attempts given back in a row
	until time.Time // not claimed again before
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
	// retry: a file given back after a fault of the store (ErrGivenBack)
	// is tried again once it has settled again and its backoff has passed
	// (Watch); backoff holds that state by pipeline and file name.
	retry   bool
	backoff map[string]*backoff
	// archives are the inputs whose outputs are published but whose
	// archiving failed, waiting for their next try (Watch).
	archives []*archiveRetry
}

// archiveRetry is an input waiting for its archiving to be tried again.
type archiveRetry struct {
	entry journal.Entry
	base  time.Duration // the inbox's settle time
	backoff
}

// retryArchives tries again to archive the inputs whose time has come, as
// Recover would (their entries are committed, nobody else touches them).
func (e *engine) retryArchives(ctx context.Context, log *slog.Logger) {
	now := e.r.now()
	keep := e.archives[:0]
	for _, a := range e.archives {
		if now.Before(a.until) {
			keep = append(keep, a)
			continue
		}
		name := filepath.Base(a.entry.Original)
		rec, err := e.r.recoverEntry(ctx, a.entry)
		if err != nil {
			a.next(a.base, now)
			log.Error("archiving failed again; it is tried again", "pipeline", a.entry.Pipeline, "file", name,
				"retry_in", a.until.Sub(now), "error", err.Error())
			keep = append(keep, a)
			continue
		}
		log.Info("archived after an earlier failure", "pipeline", a.entry.Pipeline, "file", name, "path", rec.Path)
	}
	clear(e.archives[len(keep):])
	e.archives = keep
}

// backoffDelay is how long the n-th retry in a row waits: twice base (at
// least 1 s), doubling per retry, at most maxBackoff.
func backoffDelay(base time.Duration, n int) time.Duration {
	d := max(base, time.Second)
	for i := 0; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

// next counts one more fault in a row and holds back until now plus its
// backoffDelay, which it returns.
func (b *backoff) next(base time.Duration, now time.Time) time.Duration {
	b.n++
	d := backoffDelay(base, b.n)
	b.until = now.Add(d)
	return d
}

func backoffKey(j job) string { return j.in.pipeline + "\x00" + j.c.Name }

// held reports whether a ready file is still held back after a fault.
func (e *engine) held(j job) bool {
	b := e.backoff[backoffKey(j)]
	return b != nil && e.r.now().Before(b.until)
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
			inbox.Options{Now: r.now, FS: store.ScanFS(r.store())})
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
		cs, err := in.scanner.Scan(ctx)
		report(in, err)
		for _, c := range cs {
			j := job{in, c}
			if e.held(j) {
				in.scanner.Forget(c.Name) // looked at again at a later scan
				continue
			}
			if in.fifo {
				in.pending = append(in.pending, c)
			} else {
				e.queue = append(e.queue, j)
			}
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

// finish books a worker's report. When the engine retries and the file
// was given back after a fault, it is held back, doubling from twice the
// inbox's settle time (at least 1 s) per fault in a row up to maxBackoff;
// finish returns that delay (0 otherwise).
func (e *engine) finish(f finished) time.Duration {
	e.running--
	if f.job.in.fifo {
		f.job.in.busy = false
	}
	if f.forget {
		f.job.in.scanner.Forget(f.job.c.Name)
	}
	k := backoffKey(f.job)
	var na *notArchived
	switch {
	case !e.retry:
		return 0
	case f.err == nil:
		delete(e.backoff, k)
		return 0
	case errors.As(f.err, &na):
		a := &archiveRetry{entry: na.entry, base: f.job.in.settle}
		e.archives = append(e.archives, a)
		return a.next(a.base, e.r.now())
	case !errors.Is(f.err, ErrGivenBack):
		return 0
	}
	if e.backoff == nil {
		e.backoff = map[string]*backoff{}
	}
	b := e.backoff[k]
	if b == nil {
		b = &backoff{}
		e.backoff[k] = b
	}
	return b.next(f.job.in.settle, e.r.now())
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
		f.retryIn = e.finish(f)
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
	cl, err := e.r.store().Claim(j.c, e.r.WorkDir(j.in.pipeline))
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
