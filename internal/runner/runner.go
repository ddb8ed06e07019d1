// Package runner carries input files end to end: claimed from an inbox,
// run through their pipeline, outputs committed together into the
// outboxes, the input archived (or, when it fails, moved to the error
// folder with a report in plain words), and every step recorded in the
// journal so that Recover can finish or undo whatever a crash interrupted.
//
// Every file operation goes through a store.Store (Runner.Store; folders
// on a drive by default). File moves are renames inside one volume
// followed by a sync of both folders; nothing the journal still refers to
// is deleted.
//
// # Faults of the store
//
// What happens to an input when the storage fails, by fault class:
//   - a full disk, a read-only or refused outbox or error folder, a refused
//     rename while publishing, an unreadable input (any store.IsFault while
//     reading the input, writing or publishing the outputs, writing the
//     report of a bad file or moving it to the error folder): the input is
//     not at fault, so it is not sent to the error folder. Nothing of the
//     attempt stays visible (a failed publish takes back what it had
//     published and puts back the files it replaced), the input goes back
//     into its inbox unchanged, the journal entry is released with the
//     reason, and the error matches ErrGivenBack. `ferry run` reports it and
//     exits non-zero; the next run takes the file again. `ferry watch` logs
//     it and tries again with backoff.
//   - a problem of the input itself (its content; an output name or path
//     its values make impossible): the error folder with the report.
//   - a fault while archiving an input whose outputs are published: it
//     must not run again, so it stays in the work folder with its entry
//     committed; `ferry watch` tries the archiving again with backoff, and
//     Recover archives it at the next start.
package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ferry-sync/ferry/formats"
	"github.com/ferry-sync/ferry/internal/inbox"
	"github.com/ferry-sync/ferry/internal/journal"
	"github.com/ferry-sync/ferry/internal/outbox"
	"github.com/ferry-sync/ferry/internal/store"
	"github.com/ferry-sync/ferry/transform"
)

// Outcome is what became of one input file.
type Outcome string

// The outcomes of ProcessFile.
const (
	// Done: the outputs are published and the input is archived.
	Done Outcome = "done"
	// Failed: nothing was published; the input lies in the error folder
	// beside its report.
	Failed Outcome = "failed"
	// Duplicate: the same content was already done by the same pipeline;
	// the input was archived with a note and not processed again.
	Duplicate Outcome = "duplicate"
)

// Result describes one processed input file.
type Result struct {
	// Pipeline and File (the input's name in its inbox) identify the input.
	Pipeline, File string
	// Outcome says what became of it.
	Outcome Outcome
	// EntryID is the journal entry of this attempt.
	EntryID int64
	// Counts are the record counts of the run.
	Counts journal.Counts
	// AlreadySent counts the records left out of an output because their
	// once key went out with an earlier file.
	AlreadySent int
	// Outputs are the published files (Done; including a rejects file).
	Outputs []string
	// Moved is where the input went: its archive or error-folder path.
	Moved string
	// Archived are the files copy outputs took from the inbox, moved into
	// the archive beside the input (their new paths).
	Archived []string
	// Report is the error report (Failed) or the duplicate note (Duplicate).
	Report string
	// Err is the reason of a Failed outcome.
	Err error
	// Duration is how long the run took.
	Duration time.Duration
}

// Runner processes the input files of a project's pipelines. Set the
// fields (Project, Pipelines, Journal are required) or use New; a Runner
// is safe for concurrent ProcessFile calls on different files.
type Runner struct {
	// Project is the loaded ferry.yaml (folders: work, archive, error).
	Project *transform.Project
	// Pipelines are the compiled pipelines by name.
	Pipelines map[string]*transform.Pipeline
	// ConfigHashes are the configuration hashes by pipeline name
	// (provenance in the journal); New computes them.
	ConfigHashes map[string]string
	// Journal records every step.
	Journal journal.Journal
	// Store is where the files live: every file operation of ProcessFile,
	// Recover, RunOnce and Watch (listing inboxes, claiming, reading the
	// input, staging and publishing outputs, archiving, error reports and
	// notes) goes through it. New sets a store.Local on the OS; nil means
	// the same.
	Store store.Store
	// Now is the clock (archive dates, durations); default time.Now.
	Now func() time.Time
	// Sleep waits for d or until ctx is done (RunOnce's settle wait);
	// default a real timer. Tests advance a fake clock instead.
	Sleep func(ctx context.Context, d time.Duration) error
	// Log receives one line per file with the keys pipeline, file,
	// records_in, records_out, rejected, duration; nil discards.
	Log *slog.Logger
	// Workers is how many files are processed at once; <1 means 1.
	Workers int
	// Owner names this instance in the journal ("host:pid").
	Owner string
	// Progress, when set, follows each input file while its pipeline
	// reads it (ferry run's progress bar); see ProgressFunc.
	Progress ProgressFunc
	// Memory, when set, lifts the soft memory limit while an XLSX input
	// is processed (see MemoryLimit); nil leaves the limit alone.
	Memory *MemoryLimit

	// inflight serialises the runs of one content per pipeline, so that a
	// file dropped twice at once is processed once and archived once as a
	// duplicate (instead of the journal refusing one attempt as stale).
	mu       sync.Mutex
	inflight map[string]*keyLock

	locOnce sync.Once
	loc     *time.Location // see location

	// crashAt is a test seam: called after each journaled stage
	// ("claimed", "staged", "published"), after a failed file's report
	// is written ("reported") or a duplicate's note ("noted"), after a
	// failed input was moved beside its report ("moved") and after a done
	// input was archived ("archived"); an error stops ProcessFile right
	// there, as a crash would.
	crashAt func(stage string) error
}

// New returns a Runner for the project, its compiled pipelines (by name)
// and the journal, with Workers from the project, Owner "host:pid" and a
// store.Local on the OS. It computes each pipeline's configuration hash:
// the SHA-256 of the pipeline file's bytes followed by ferry.yaml's bytes.
func New(proj *transform.Project, pipelines map[string]*transform.Pipeline, j journal.Journal) (*Runner, error) {
	r := &Runner{Project: proj, Pipelines: pipelines, Journal: j, Store: store.NewLocal(nil), ConfigHashes: map[string]string{}, Workers: proj.Workers}
	projBytes, err := os.ReadFile(proj.File)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", proj.File, err)
	}
	for name, p := range pipelines {
		path := p.Config.File
		if !filepath.IsAbs(path) {
			path = filepath.Join(proj.Dir, filepath.FromSlash(path))
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("reading pipeline %s: %w", name, err)
		}
		h := sha256.New()
		h.Write(b)
		h.Write(projBytes)
		r.ConfigHashes[name] = hex.EncodeToString(h.Sum(nil))
	}
	if host, err := os.Hostname(); err == nil {
		r.Owner = host + ":" + strconv.Itoa(os.Getpid())
	}
	return r, nil
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (r *Runner) crash(stage string) error {
	if r.crashAt != nil {
		return r.crashAt(stage)
	}
	return nil
}

// location is the project's time zone for archive dates, loaded on
// first use (not once per file).
func (r *Runner) location() *time.Location {
	r.locOnce.Do(func() {
		r.loc = time.Local
		if r.Project != nil && r.Project.Timezone != "" {
			if loc, err := time.LoadLocation(r.Project.Timezone); err == nil {
				r.loc = loc
			}
		}
	})
	return r.loc
}

// WorkDir is the work folder of a pipeline (below the project's work folder).
func (r *Runner) WorkDir(pipeline string) string {
	return filepath.Join(r.Project.Work, segment(pipeline))
}

func (r *Runner) archiveDir(pipeline string) string {
	return filepath.Join(r.Project.Archive, segment(pipeline), r.now().In(r.location()).Format("2006-01-02"))
}

func (r *Runner) errorDir(pipeline string) string {
	return filepath.Join(r.Project.Error, segment(pipeline))
}

// segment makes a pipeline name safe as a folder name.
func segment(name string) string {
	if s, err := outbox.SafeSegment(name); err == nil {
		return s
	}
	return "_"
}

// store returns the Runner's Store, setting the default on first use.
func (r *Runner) store() store.Store {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Store == nil {
		r.Store = store.NewLocal(nil)
	}
	return r.Store
}

// hashFile returns the hex SHA-256 and the size of a file in the store.
func (r *Runner) hashFile(path string) (string, int64, error) {
	f, err := r.store().Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// ProcessFile runs one claimed input through its pipeline; see the package
// documentation. A bad file is not an error: it is a Result with Outcome
// Failed. The error is for what leaves the input unfinished (journal or
// file-system failures, a cancelled ctx): the input is then back in its
// inbox (the error matches ErrGivenBack), or in the work folder where
// Recover will find it.
//
// A fault of the store (a full disk, a read-only outbox or error folder, a
// refused rename; see store.IsFault) is not the input's fault: whether it
// happens while the outputs are written or published, or while the report
// of a bad file is written, nothing of the attempt stays visible, the input
// goes back to its inbox unchanged, its journal entry is released with the
// reason, and the error matches ErrGivenBack: the next attempt (RunOnce's
// next run, Watch's retry with backoff) processes it once the fault is
// gone. Only problems of the input itself (its content, an output name its
// values make impossible) send it to the error folder. A fault while
// archiving a done input, after its outputs were published, leaves it in
// the work folder with its entry committed: it must not be processed
// again; Watch tries the archiving again with backoff, and Recover
// archives it at the next start.
func (r *Runner) ProcessFile(ctx context.Context, pipeline string, cl inbox.Claimed) (Result, error) {
	start := r.now()
	res := Result{Pipeline: pipeline, File: cl.Name}
	p := r.Pipelines[pipeline]
	if p == nil {
		return res, r.giveBack(cl, fmt.Errorf("there is no pipeline %q", pipeline))
	}
	sum, size, err := r.hashFile(cl.Path)
	if err != nil {
		return res, r.giveBack(cl, fmt.Errorf("reading %s: %w", cl.Name, err))
	}
	// Runs that write the same table (assign steps) never overlap: each
	// must see the other's numbers. Taken in sorted order, before the
	// content lock, so that two runs cannot wait for each other.
	for _, x := range p.Exclusive() {
		unlockX := r.lock("exclusive\x00" + x)
		defer unlockX()
	}
	unlock := r.lock(pipeline + "\x00" + sum)
	defer unlock()
	e, err := r.Journal.Claim(ctx, journal.ClaimInfo{
		Pipeline: pipeline, Original: filepath.Join(cl.Dir, cl.Name), Work: cl.Path,
		Size: size, ModTime: cl.ModTime, SHA256: sum, ConfigHash: r.ConfigHashes[pipeline], Owner: r.Owner,
	})
	if err != nil {
		return res, r.giveBack(cl, fmt.Errorf("journal: %w", err))
	}
	res.EntryID = e.ID
	if err := r.crash("claimed"); err != nil {
		return res, err
	}

	dups, err := r.Journal.DoneBySHA256(ctx, sum)
	if err != nil {
		return res, r.rollback(ctx, e, cl, fmt.Errorf("journal: %w", err))
	}
	var first *journal.Entry
	for i := range dups { // newest first: the last one is the original
		if dups[i].Pipeline == pipeline {
			first = &dups[i]
		}
	}
	if first != nil {
		return r.duplicate(ctx, e, cl, first, start)
	}

	batch, err := r.store().Stage(store.Attempt{Pipeline: pipeline, SHA256: sum, Number: e.Attempt})
	if err != nil {
		return res, r.rollback(ctx, e, cl, fmt.Errorf("staging the outputs of %s: %w", cl.Name, err))
	}
	sink := &batchSink{batch: batch}
	crashed := false // a simulated crash leaves the temp files, as a real one would
	defer func() {
		if !crashed {
			batch.Abort()
		}
	}()
	st, runErr := r.run(ctx, p, cl, sink)
	res.Counts = journal.Counts{In: int64(st.In), Out: int64(st.Out), Rejected: int64(st.Rejected)}
	res.AlreadySent = st.Once
	if runErr != nil && ctx.Err() != nil {
		batch.Abort()
		return res, r.rollback(ctx, e, cl, ctx.Err())
	}
	if runErr != nil && sink.fault != nil {
		batch.Abort()
		return res, r.rollback(ctx, e, cl, fmt.Errorf("processing %s: %w", cl.Name, sink.fault))
	}
	if runErr != nil {
		batch.Abort()
		return r.fail(ctx, e, cl, res, runErr, start)
	}
	paths := make([]string, len(sink.files))
	outs := make([]journal.Output, len(sink.files))
	for i, w := range sink.files {
		paths[i] = w.out.Path()
		outs[i] = journal.Output{Path: w.out.Path(), Temp: w.out.Temp(), Size: w.n, SHA256: hex.EncodeToString(w.h.Sum(nil))}
	}
	if len(st.Keys) > 0 { // counted as sent from Staged on, with the outputs
		keys := make([]journal.Key, len(st.Keys))
		for i, k := range st.Keys {
			keys[i] = journal.Key{Scope: k.Scope, Key: k.Key}
		}
		if err := r.Journal.RecordKeys(ctx, e.ID, e.Attempt, keys); err != nil {
			batch.Abort()
			return res, r.rollback(ctx, e, cl, fmt.Errorf("journal: %w", err))
		}
	}
	// The files copy outputs took from the inbox are listed beside the
	// work file before the commit, so that whoever finishes the commit
	// (this run, or Recover after a crash) archives them too.
	if err := r.writeSources(cl, st.Copied); err != nil {
		batch.Abort()
		return res, r.rollback(ctx, e, cl, err)
	}
	if err := r.Journal.Staged(ctx, e.ID, e.Attempt, outs); err != nil {
		batch.Abort()
		return res, r.rollback(ctx, e, cl, fmt.Errorf("journal: %w", err))
	}
	// Staged: from here the file is finished even when ctx ends (SIGTERM),
	// so that nothing is left half-committed.
	ctx = context.WithoutCancel(ctx)
	if err := r.crash("staged"); err != nil {
		crashed = true
		return res, err
	}
	if err := batch.Commit(); err != nil {
		// Nothing of the batch is visible (Commit takes back what it had
		// published): the input goes back and is tried again.
		return res, r.rollback(ctx, e, cl, fmt.Errorf("publishing the outputs of %s: %w", cl.Name, err))
	}
	if err := r.Journal.Published(ctx, e.ID, e.Attempt); err != nil {
		return res, fmt.Errorf("journal: %w", err)
	}
	if err := r.crash("published"); err != nil {
		return res, err
	}
	res.Outputs = paths
	moved, err := r.moveInput(cl.Path, cl.Marker, cl.MarkerName, r.archiveDir(pipeline), cl.Name)
	if moved == "" {
		// Published, so it must not run again: it stays in the work
		// folder, and Recover archives it.
		e.State, e.Counts = journal.StateCommitted, res.Counts
		return res, &notArchived{entry: e, err: fmt.Errorf("archiving %s (its outputs are published; it stays in the work folder until it is archived): %w", cl.Name, err)}
	}
	res.Moved = moved
	res.Archived = r.archiveSources(pipeline, cl.Name, cl.Path, filepath.Dir(moved))
	if err := r.crash("archived"); err != nil {
		return res, err
	}
	res.Outcome = Done
	res.Duration = r.now().Sub(start)
	if err := r.Journal.Finish(ctx, e.ID, e.Attempt, journal.Result{Counts: res.Counts, Archive: moved, Duration: res.Duration}); err != nil {
		return res, fmt.Errorf("journal: %w", err)
	}
	r.logResult(res)
	return res, nil
}

// keyLock is one entry of Runner.inflight; n counts its holders and
// waiters, so that it is dropped when nobody needs it.
type keyLock struct {
	sync.Mutex
	n int
}

// lock takes the mutex of key and returns its unlock.
func (r *Runner) lock(key string) func() {
	r.mu.Lock()
	if r.inflight == nil {
		r.inflight = map[string]*keyLock{}
	}
	m := r.inflight[key]
	if m == nil {
		m = &keyLock{}
		r.inflight[key] = m
	}
	m.n++
	r.mu.Unlock()
	m.Lock()
	return func() {
		m.Unlock()
		r.mu.Lock()
		if m.n--; m.n == 0 {
			delete(r.inflight, key)
		}
		r.mu.Unlock()
	}
}

// run opens the claimed file and runs the pipeline into sink; rejected
// records (on_error reject) go to error/<pipeline>/<name>.rejected.csv in
// the same batch.
func (r *Runner) run(ctx context.Context, p *transform.Pipeline, cl inbox.Claimed, sink *batchSink) (transform.Stats, error) {
	ic := p.Config.Input
	fm, err := formats.Builtin().Lookup(ic.Format)
	if err != nil {
		return transform.Stats{}, err
	}
	defer r.Memory.For(fm.Name)()
	f, err := r.store().Open(cl.Path)
	if err != nil {
		sink.fault = err
		return transform.Stats{}, err
	}
	defer f.Close()
	source := cl.Name
	in, counted, done := r.track(p.Config.Name, cl.Name, &faultReader{r: f, sink: sink}, cl.Size)
	defer done()
	rd, err := formats.NewTextReader(fm, in, source, ic.Encoding, ic.FormatOpts)
	if err != nil {
		return transform.Stats{}, err
	}
	rd = counted(rd)
	rejects := transform.NewRejectsFile(func() (io.Writer, error) {
		return sink.Create(r.errorDir(p.Config.Name), cl.Name+".rejected.csv")
	})
	log := r.log()
	st, err := p.Run(ctx, rd, transform.Source{Path: source, Dir: cl.Dir}, sink, transform.RunOptions{
		Warn: func(msg string) { log.Warn(msg, "pipeline", p.Config.Name, "file", cl.Name) },
		Sent: func(scope, key string) (string, bool, error) {
			pipe := p.Config.Name
			if strings.HasPrefix(scope, transform.SharedScope) {
				pipe = "" // shared by every pipeline with this once_scope
			}
			id, ok, err := r.Journal.KeySent(ctx, pipe, scope, key)
			if err != nil || !ok {
				return "", false, err
			}
			by := fmt.Sprintf("journal entry %d", id)
			if e, err := r.Journal.Get(ctx, id); err == nil {
				by = fmt.Sprintf("with %s, journal entry %d", filepath.Base(e.Original), id)
			}
			return by, true, nil
		},
		Rejected: func(rec *formats.Record, err error) {
			if p.Config.OnError == "reject" {
				rejects.Add(rec, err)
			}
		},
	})
	if cerr := rejects.Close(); err == nil {
		err = cerr
	}
	return st, err
}

// batchSink stages every output in one store.Batch and hashes it while it
// is written. fault is the first fault of the store met while reading the
// input or writing an output: the run failed because of it, not because of
// the input.
type batchSink struct {
	batch store.Batch
	files []*hashWriter
	fault error
}

// Create stages rel in dir, replacing a file of that name.
func (s *batchSink) Create(dir, rel string) (io.Writer, error) {
	return s.add(s.batch.Create(dir, rel))
}

// CreateNew stages rel in dir under a name no file has yet
// (transform.NewSink).
func (s *batchSink) CreateNew(dir, rel string) (io.Writer, error) {
	return s.add(s.batch.CreateNew(dir, rel))
}

func (s *batchSink) add(o store.Output, err error) (io.Writer, error) {
	if err != nil {
		s.noteFault(err)
		return nil, err
	}
	hw := &hashWriter{out: o, h: sha256.New(), sink: s}
	s.files = append(s.files, hw)
	return hw, nil
}

func (s *batchSink) noteFault(err error) {
	if s.fault == nil && store.IsFault(err) {
		s.fault = err
	}
}

// hashWriter counts and hashes what it writes through.
type hashWriter struct {
	out  store.Output
	h    hash.Hash
	n    int64
	sink *batchSink
}

func (w *hashWriter) Write(p []byte) (int, error) {
	n, err := w.out.Write(p)
	w.h.Write(p[:n])
	w.n += int64(n)
	if err != nil {
		w.sink.noteFault(err)
	}
	return n, err
}

// faultReader notes a read error of the input as a fault of the store.
type faultReader struct {
	r    io.Reader
	sink *batchSink
}

func (f *faultReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err != nil && err != io.EOF {
		f.sink.noteFault(err)
	}
	return n, err
}

// fail moves the input to the error folder beside its report and records
// the failure.
func (r *Runner) fail(ctx context.Context, e journal.Entry, cl inbox.Claimed, res Result, runErr error, start time.Time) (Result, error) {
	ctx = context.WithoutCancel(ctx) // a few file moves: finished even when ctx ends
	dir := r.errorDir(res.Pipeline)
	name, err := r.store().FreeName(dir, cl.Name)
	if err != nil {
		return res, r.rollback(ctx, e, cl, err)
	}
	report := ReportIn(r.reportLanguage(), cl.Name, runErr)
	// A report without its input beside it is left by a crash between
	// writing the report and moving the input: it is replaced.
	reportPath := filepath.Join(dir, name+".error.txt")
	if err := r.store().Put(reportPath, []byte(report)); err != nil {
		return res, r.rollback(ctx, e, cl, fmt.Errorf("writing the error report of %s: %w", cl.Name, err))
	}
	if err := r.crash("reported"); err != nil {
		return res, err
	}
	moved, err := r.moveInput(cl.Path, cl.Marker, cl.MarkerName, dir, name)
	if moved == "" {
		_ = r.store().Remove(reportPath)
		return res, r.rollback(ctx, e, cl, fmt.Errorf("moving %s to the error folder: %w", cl.Name, err))
	}
	if err := r.crash("moved"); err != nil {
		return res, err
	}
	res.Outcome, res.Moved, res.Report, res.Err = Failed, moved, reportPath, runErr
	res.Duration = r.now().Sub(start)
	if err := r.Journal.Fail(ctx, e.ID, e.Attempt, journal.Failure{Counts: res.Counts, Error: report, ErrorPath: moved, Duration: res.Duration}); err != nil {
		return res, fmt.Errorf("journal: %w", err)
	}
	r.logResult(res)
	return res, nil
}

// duplicate archives an input whose content the pipeline already did, with
// a note naming the earlier entry. In the journal it is done with no
// outputs (Staged with none, Published, Finish): nothing went wrong, and
// the note beside its archive path says why nothing was written.
func (r *Runner) duplicate(ctx context.Context, e journal.Entry, cl inbox.Claimed, first *journal.Entry, start time.Time) (Result, error) {
	ctx = context.WithoutCancel(ctx) // a few file moves: finished even when ctx ends
	res := Result{Pipeline: e.Pipeline, File: cl.Name, EntryID: e.ID, Outcome: Duplicate}
	dir := r.archiveDir(e.Pipeline)
	name, err := r.store().FreeName(dir, cl.Name) // a note without its input is left by a crash: replaced
	if err != nil {
		return res, r.rollback(ctx, e, cl, err)
	}
	outs := make([]string, len(first.Outputs))
	for i, o := range first.Outputs {
		outs[i] = o.Path
	}
	note := DuplicateNote(r.reportLanguage(), cl.Name, first.ID, filepath.Base(first.Original), first.EndedAt, r.location(), outs)
	notePath := filepath.Join(dir, name+".duplicate.txt")
	if err := r.store().Put(notePath, []byte(note)); err != nil {
		return res, r.rollback(ctx, e, cl, fmt.Errorf("writing the duplicate note: %w", err))
	}
	if err := r.crash("noted"); err != nil {
		return res, err
	}
	if err := r.Journal.Staged(ctx, e.ID, e.Attempt, nil); err != nil {
		return res, r.rollback(ctx, e, cl, fmt.Errorf("journal: %w", err))
	}
	if err := r.Journal.Published(ctx, e.ID, e.Attempt); err != nil {
		return res, fmt.Errorf("journal: %w", err)
	}
	moved, err := r.moveInput(cl.Path, cl.Marker, cl.MarkerName, dir, name)
	if moved == "" {
		// Journaled as published: Watch tries again, Recover archives it
		// at the next start.
		e.State = journal.StateCommitted
		return res, &notArchived{entry: e, err: fmt.Errorf("archiving %s (a duplicate; it stays in the work folder until it is archived): %w", cl.Name, err)}
	}
	res.Moved, res.Report = moved, notePath
	if err := r.crash("archived"); err != nil {
		return res, err
	}
	res.Duration = r.now().Sub(start)
	if err := r.Journal.Finish(ctx, e.ID, e.Attempt, journal.Result{Archive: moved, Duration: res.Duration}); err != nil {
		return res, fmt.Errorf("journal: %w", err)
	}
	r.logResult(res)
	return res, nil
}

// notArchived is the error of ProcessFile when the outputs are published
// but the input could not be archived: the entry is committed, the input in
// the work folder. Watch tries the archiving again; otherwise Recover does
// it at the next start.
type notArchived struct {
	entry journal.Entry
	err   error
}

func (n *notArchived) Error() string { return n.err.Error() }
func (n *notArchived) Unwrap() error { return n.err }

// ErrGivenBack is matched (errors.Is) by an error of ProcessFile after
// which the input is back in its inbox, unchanged, and its journal entry
// (if any) released: it is processed again by a later attempt.
var ErrGivenBack = errors.New("the input was put back into its inbox")

// givenBack is an error after which the input is back in its inbox.
type givenBack struct{ err error }

func (g *givenBack) Error() string        { return g.err.Error() }
func (g *givenBack) Unwrap() error        { return g.err }
func (g *givenBack) Is(target error) bool { return target == ErrGivenBack }

// rollback gives a claimed input back to its inbox and releases its entry;
// it returns cause (joined with any failure of the rollback itself), as
// ErrGivenBack when the input is back.
func (r *Runner) rollback(ctx context.Context, e journal.Entry, cl inbox.Claimed, cause error) error {
	errs := []error{cause}
	r.dropSources(cl.Path)
	_, uerr := r.store().Unclaim(cl)
	if uerr != nil {
		errs = append(errs, uerr)
	}
	if err := r.Journal.Release(context.WithoutCancel(ctx), e.ID, e.Attempt, "given back: "+cause.Error()); err != nil {
		errs = append(errs, fmt.Errorf("journal: %w", err))
	}
	err := errors.Join(errs...)
	if uerr == nil {
		return &givenBack{err}
	}
	return err
}

// giveBack puts a claimed file back before anything was journaled.
func (r *Runner) giveBack(cl inbox.Claimed, cause error) error {
	if _, err := r.store().Unclaim(cl); err != nil {
		return errors.Join(cause, err)
	}
	return &givenBack{cause}
}

// moveInput moves the work file into dir as name (or a free name like
// it), its done-marker (if any) beside it as markerName (or a free name
// like it). It returns the input's new path, "" when it did not move.
func (r *Runner) moveInput(work, marker, markerName, dir, name string) (string, error) {
	dst, err := r.store().Move(work, dir, name)
	if dst == "" {
		return "", err
	}
	if marker != "" {
		// The marker has done its job; keep it beside the input.
		_, _ = r.store().Move(marker, dir, markerName)
	}
	if err != nil {
		r.log().Warn("moved, but could not make the move durable", "file", dst, "error", err.Error())
	}
	return dst, nil
}

func (r *Runner) logResult(res Result) {
	attrs := []any{"pipeline", res.Pipeline, "file", res.File,
		"records_in", res.Counts.In, "records_out", res.Counts.Out, "rejected", res.Counts.Rejected,
		"duration", res.Duration}
	if res.AlreadySent > 0 {
		attrs = append(attrs, "already_sent", res.AlreadySent)
	}
	r.log().Info(string(res.Outcome), attrs...)
}
