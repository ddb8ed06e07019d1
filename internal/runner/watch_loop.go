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
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/internal/inbox"
	"github.com/ferry-sync/ferry/transform"
)

// LoadFunc loads and compiles the whole configuration again (as `ferry
// lint` does): the project and its compiled pipelines by name. Problems
// are returned as transform.ConfigErrors where possible, so that Watch
// can log them one per line, positioned.
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
	// the second look at files that had not settled yet. Default
	// time.After; tests inject their clock.
	After func(d time.Duration) <-chan time.Time

	// handled, when set, receives a value after each wake-up or timer was
	// handled (tests synchronise on it).
	handled chan<- struct{}
}

// Watch runs until ctx ends: see the file comment. It recovers first (what
// Recover cannot repair is logged and stays in the journal for the next
// start), then processes every file that becomes ready in the inboxes with
// Workers goroutines, a FIFO inbox's files one at a time. Each file is
// logged by ProcessFile (one INFO line); files that could not be processed
// are logged as errors and retried once they have settled again.
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
	e, err := r.newEngine(nil)
	if err != nil {
		return err
	}
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
			log.Info("stopped: the file went back to the inbox and is processed at the next start", "pipeline", f.job.in.pipeline, "file", f.job.c.Name)
		default:
			log.Error("file not processed; it is tried again once it has settled", "pipeline", f.job.in.pipeline, "file", f.job.c.Name, "error", f.err.Error())
		}
	}
	scan := func() {
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
		stamp = now
		next, newFiles, err := reloadEngine(opt.Load, e.r)
		if err != nil {
			logProblems(log, err)
			return
		}
		files, stamp = newFiles, fingerprint(newFiles)
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
			e, pending, timer = pending, nil, nil
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
		case jobs <- j:
			e.pop(j)
		case f := <-e.done:
			e.finish(f)
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
	nr.Now, nr.Sleep, nr.Log, nr.Owner, nr.crashAt = cur.Now, cur.Sleep, cur.Log, cur.Owner, cur.crashAt
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
// problem, positioned and sorted as `ferry lint` prints them.
func logProblems(log interface {
	Warn(msg string, args ...any)
}, err error) {
	var ce transform.ConfigErrors
	if !errors.As(err, &ce) {
		log.Warn("the changed configuration cannot be used; the running one stays in use", "error", err.Error())
		return
	}
	ps := append(transform.ConfigErrors(nil), ce...)
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Pos.Line < b.Pos.Line || (a.Pos.Line == b.Pos.Line && a.Pos.Col < b.Pos.Col)
	})
	log.Warn(fmt.Sprintf("the changed configuration has %d problem(s); the running one stays in use", len(ps)))
	for _, p := range ps {
		log.Warn("configuration problem", "problem", p.Error())
	}
}

// configFiles lists the files whose change means the configuration
// changed: ferry.yaml, the folders of the pipeline files (a pipeline added
// or removed), the pipeline files and the lookup tables.
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
// absence) in one string.
func fingerprint(files []string) string {
	var b strings.Builder
	for _, f := range files {
		b.WriteString(f)
		b.WriteByte(0)
		if st, err := os.Stat(f); err == nil {
			b.WriteString(strconv.FormatInt(st.Size(), 10))
			b.WriteByte(' ')
			b.WriteString(strconv.FormatInt(st.ModTime().UnixNano(), 10))
		} else {
			b.WriteString("-")
		}
		b.WriteByte('\n')
	}
	return b.String()
}
