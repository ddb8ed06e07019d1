package runner

// Recovery at start: every unfinished journal entry is finished or rolled
// back, following the rules in internal/journal's package documentation.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/internal/inbox"
	"github.com/ferry-sync/ferry/internal/journal"
	"github.com/ferry-sync/ferry/internal/store"
)

// Recovered describes what Recover did with one unfinished entry.
type Recovered struct {
	// Entry is the entry as Unfinished listed it (for a work file that no
	// entry refers to: only Pipeline, Original and Work, ID 0).
	Entry journal.Entry
	// Action is "put back" (input back in its inbox), "published" (an
	// interrupted commit was finished and the input archived) or
	// "archived" (outputs were published; the input was archived).
	Action string
	// Path is where the input is now.
	Path string
}

// Recover finishes or undoes every unfinished entry of the journal, oldest
// first:
//   - claimed: the work file goes back to its inbox (if it still exists)
//     and the entry is released; but when the work file is gone and the
//     input lies in the error folder beside its report (a crash between
//     that move and the journal's Fail), the entry is failed with that
//     path and report;
//   - committing: if every output is complete (at its final path, or a temp
//     file with the journaled size and SHA-256), the rest are published and
//     the entry continues as committed; otherwise the temp files are
//     removed, the input goes back to its inbox and the entry is released;
//   - committed: the input is archived and the entry finished; when the
//     work file is gone (a crash between archiving and Finish), the archived
//     input is looked up (same name or "name (n)", same content, named by no
//     other entry, in the archive folders of the days since the claim) and
//     its path recorded.
//
// Then it removes the temp files a crash left in the pipelines' outbox
// and error folders (those of entries it could not recover stay), and puts
// back into their inboxes the work files no entry refers to (a crash
// between claiming a file and journaling the claim).
//
// Recover does not look at ClaimInfo.Owner: it treats every unfinished
// entry as its own, so only one ferry instance may use a journal while
// Recover runs (run it at start, before any worker).
func (r *Runner) Recover(ctx context.Context) ([]Recovered, error) {
	entries, err := r.Journal.Unfinished(ctx)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	var done []Recovered
	var errs []error
	keep := map[string]bool{} // temp files of entries still unfinished
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		rec, err := r.recoverEntry(ctx, e)
		if err != nil {
			errs = append(errs, fmt.Errorf("recovering %s (journal entry %d): %w", filepath.Base(e.Original), e.ID, err))
			for _, o := range e.Outputs {
				keep[o.Temp] = true
			}
			continue
		}
		done = append(done, rec)
		r.log().Info("recovered "+rec.Action, "pipeline", e.Pipeline, "file", filepath.Base(e.Original), "entry", e.ID, "path", rec.Path)
	}
	if err := r.removeTemps(keep); err != nil {
		errs = append(errs, err)
	}
	back, err := r.putBackOrphans(ctx)
	done = append(done, back...)
	if err != nil {
		errs = append(errs, err)
	}
	return done, errors.Join(errs...)
}

// putBackOrphans moves every file in the pipelines' work folders that no
// unfinished entry refers to back into its inbox: inbox.Claim renames a
// file into the work folder before the journal records the claim, so a
// crash in between leaves a work file without an entry.
func (r *Runner) putBackOrphans(ctx context.Context) ([]Recovered, error) {
	entries, err := r.Journal.Unfinished(ctx)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	inUse := map[string]bool{}
	for _, e := range entries {
		inUse[filepath.Dir(e.Work)+"\x00"+workStamp(e)] = true
	}
	var done []Recovered
	var errs []error
	for name, p := range r.Pipelines {
		ic := p.Config.Input
		if ic.InboxPath == "" {
			continue
		}
		dir := r.WorkDir(name)
		des, err := r.store().List(dir)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		files := map[string]bool{}
		for _, d := range des {
			if !d.IsDir() {
				files[d.Name()] = true
			}
		}
		for _, d := range des {
			stamp, orig, ok := strings.Cut(d.Name(), "-")
			if d.IsDir() || !ok || orig == "" || strings.Trim(stamp, "0123456789") != "" || inUse[dir+"\x00"+stamp+"-"] {
				continue
			}
			cl := inbox.Claimed{Path: filepath.Join(dir, d.Name()), Dir: ic.InboxPath, Name: orig, DoneMarker: ic.DoneMarker}
			if ic.DoneMarker != "" {
				if isMarkerOf(ic.DoneMarker, orig, stamp, files) {
					continue // it travels with its input
				}
				m := inbox.MarkerName(ic.DoneMarker, orig)
				if m != orig && files[stamp+"-"+m] {
					cl.Marker, cl.MarkerName = filepath.Join(dir, stamp+"-"+m), m
				}
			}
			path, err := r.store().Unclaim(cl)
			if err != nil {
				errs = append(errs, fmt.Errorf("putting back %s: %w", cl.Path, err))
				continue
			}
			rec := Recovered{Entry: journal.Entry{ClaimInfo: journal.ClaimInfo{Pipeline: name, Original: filepath.Join(ic.InboxPath, orig), Work: cl.Path}}, Action: "put back", Path: path}
			done = append(done, rec)
			r.log().Info("recovered put back", "pipeline", name, "file", orig, "path", path)
		}
	}
	return done, errors.Join(errs...)
}

// isMarkerOf reports whether the work file stamp-name is the done-marker of
// another work file with the same stamp.
func isMarkerOf(tmpl, name, stamp string, files map[string]bool) bool {
	prefix := stamp + "-"
	for f := range files {
		if in, ok := strings.CutPrefix(f, prefix); ok && in != name && inbox.MarkerName(tmpl, in) == name {
			return true
		}
	}
	return false
}

// removeTemps removes the temp files (store.Temps) a crash
// left in the pipelines' outbox folders and error folders, except those
// in keep. An attempt writes its outputs as temp files before it journals
// them (Staged), so a crash while the pipeline runs leaves temp files no
// entry names; with every entry recovered, no temp file there is in use.
func (r *Runner) removeTemps(keep map[string]bool) error {
	dirs := map[string]bool{}
	for name, p := range r.Pipelines {
		for _, o := range p.Config.Outputs {
			if o.OutboxPath != "" {
				dirs[o.OutboxPath] = true
			}
		}
		if r.Project != nil && r.Project.Error != "" {
			dirs[r.errorDir(name)] = true
		}
	}
	var errs []error
	for dir := range dirs {
		temps, err := r.store().Temps(dir)
		if err != nil {
			errs = append(errs, fmt.Errorf("removing temp files left by a crash: %w", err))
		}
		for _, path := range temps {
			if keep[path] {
				continue
			}
			if err := r.store().Remove(path); err != nil {
				errs = append(errs, fmt.Errorf("removing temp files left by a crash: %w", err))
				continue
			}
			r.log().Info("removed a temp file left by a crash", "path", path)
		}
	}
	return errors.Join(errs...)
}

func (r *Runner) recoverEntry(ctx context.Context, e journal.Entry) (Recovered, error) {
	rec := Recovered{Entry: e}
	state := e.State
	if state == journal.StateCommitting {
		complete, err := r.outputsComplete(e.Outputs)
		if err != nil {
			return rec, err
		}
		if !complete {
			for _, o := range e.Outputs {
				if o.Temp != "" {
					if err := r.store().Remove(o.Temp); err != nil {
						return rec, err
					}
				}
			}
			return r.putBack(ctx, e, "interrupted before its outputs were complete")
		}
		if err := r.store().Publish(store.Attempt{Pipeline: e.Pipeline, SHA256: e.SHA256, Number: e.Attempt}, e.Outputs); err != nil {
			return rec, err
		}
		if err := r.Journal.Published(ctx, e.ID, e.Attempt); err != nil {
			return rec, fmt.Errorf("journal: %w", err)
		}
		state = journal.StateCommitted
		rec.Action = "published"
	}
	switch state {
	case journal.StateClaimed:
		if _, err := r.store().Stat(e.Work); errors.Is(err, fs.ErrNotExist) {
			// A bad file moved beside its report, killed before Fail.
			moved, err := r.findMoved(ctx, e, []string{r.errorDir(e.Pipeline)}, ".error.txt")
			if err != nil {
				return rec, err
			}
			if moved != "" {
				return r.recoverFailed(ctx, e, moved)
			}
		}
		return r.putBack(ctx, e, "interrupted before anything was written")
	case journal.StateCommitted:
		if rec.Action == "" {
			rec.Action = "archived"
		}
		archive := ""
		if _, err := r.store().Stat(e.Work); err == nil {
			m := r.workMarker(e)
			moved, err := r.moveInput(e.Work, m, strings.TrimPrefix(filepath.Base(m), workStamp(e)), r.archiveDir(e.Pipeline), filepath.Base(e.Original))
			if moved == "" {
				return rec, fmt.Errorf("archiving: %w", err)
			}
			archive = moved
		} else if errors.Is(err, fs.ErrNotExist) {
			// Archived, killed before Finish: find where it went.
			moved, err := r.findMoved(ctx, e, r.archiveDirsSince(e), "")
			if err != nil {
				return rec, err
			}
			archive = moved
		}
		rec.Path = archive
		dir := r.archiveDir(e.Pipeline)
		if archive != "" {
			dir = filepath.Dir(archive)
		}
		r.archiveSources(e.Pipeline, filepath.Base(e.Original), e.Work, dir)
		if err := r.Journal.Finish(ctx, e.ID, e.Attempt, journal.Result{Counts: e.Counts, Archive: archive, Duration: r.now().Sub(e.ClaimedAt)}); err != nil {
			return rec, fmt.Errorf("journal: %w", err)
		}
		return rec, nil
	}
	return rec, fmt.Errorf("unexpected state %s", state)
}

// outputsComplete reports whether every output is at its final path or a
// complete temp file.
func (r *Runner) outputsComplete(outs []journal.Output) (bool, error) {
	for _, o := range outs {
		if o.Temp != "" {
			sum, size, err := r.hashFile(o.Temp)
			if err == nil {
				if size != o.Size || sum != o.SHA256 {
					return false, nil
				}
				continue
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return false, err
			}
		}
		// No temp file: it must have been published already.
		sum, size, err := r.hashFile(o.Path)
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if size != o.Size || sum != o.SHA256 {
			return false, nil
		}
	}
	return true, nil
}

// putBack moves the work file back into its inbox and releases the entry.
func (r *Runner) putBack(ctx context.Context, e journal.Entry, reason string) (Recovered, error) {
	rec := Recovered{Entry: e, Action: "put back"}
	r.dropSources(e.Work) // nothing was committed: the sources stay in the inbox
	if _, err := r.store().Stat(e.Work); err == nil {
		cl := inbox.Claimed{Path: e.Work, Dir: filepath.Dir(e.Original), Name: filepath.Base(e.Original)}
		if m := r.workMarker(e); m != "" {
			cl.Marker = m
			cl.MarkerName = strings.TrimPrefix(filepath.Base(m), workStamp(e))
			if p := r.Pipelines[e.Pipeline]; p != nil {
				cl.DoneMarker = p.Config.Input.DoneMarker
			}
		}
		back, err := r.store().Unclaim(cl)
		if err != nil {
			return rec, err
		}
		rec.Path = back
	}
	if err := r.Journal.Release(ctx, e.ID, e.Attempt, reason); err != nil {
		return rec, fmt.Errorf("journal: %w", err)
	}
	return rec, nil
}

// workStamp is the "<unix-nanos>-" prefix inbox.Claim gave the work file.
func workStamp(e journal.Entry) string {
	return strings.TrimSuffix(filepath.Base(e.Work), filepath.Base(e.Original))
}

// workMarker returns the claimed done-marker of an entry's work file, or ""
// (the journal does not record it: it is found from the pipeline's
// done_marker template and the work file's name).
func (r *Runner) workMarker(e journal.Entry) string {
	p := r.Pipelines[e.Pipeline]
	if p == nil || p.Config.Input.DoneMarker == "" {
		return ""
	}
	m := inbox.MarkerName(p.Config.Input.DoneMarker, filepath.Base(e.Original))
	path := filepath.Join(filepath.Dir(e.Work), workStamp(e)+m)
	if _, err := r.store().Stat(path); err != nil {
		return ""
	}
	return path
}

// recoverFailed records as failed an entry whose input already lies in the
// error folder at moved, beside its report (a crash between the move and
// the journal's Fail).
func (r *Runner) recoverFailed(ctx context.Context, e journal.Entry, moved string) (Recovered, error) {
	rec := Recovered{Entry: e, Action: "failed", Path: moved}
	report, err := r.readFile(moved + ".error.txt")
	if err != nil {
		return rec, fmt.Errorf("reading the error report: %w", err)
	}
	if err := r.Journal.Fail(ctx, e.ID, e.Attempt, journal.Failure{Counts: e.Counts, Error: string(report), ErrorPath: moved, Duration: r.now().Sub(e.ClaimedAt)}); err != nil {
		return rec, fmt.Errorf("journal: %w", err)
	}
	return rec, nil
}

// archiveDirsSince lists the archive folders an entry's input may have been
// moved to: one per day from its claim to now (the archive date is taken
// when the input is moved), at most 31.
func (r *Runner) archiveDirsSince(e journal.Entry) []string {
	loc := r.location()
	day := e.ClaimedAt.In(loc)
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	now := r.now().In(loc)
	var dirs []string
	for i := 0; i < 31 && !day.After(now); i++ {
		dirs = append(dirs, filepath.Join(r.Project.Archive, segment(e.Pipeline), day.Format("2006-01-02")))
		day = day.AddDate(0, 0, 1)
	}
	return dirs
}

// findMoved looks in dirs for the input of e after a crash between moving
// it out of the work folder and journaling where it went: a file named
// like the original (or "<stem> (n)<ext>"), with companion beside it when
// companion is not "", with the entry's content hash, that no other
// journal entry names as its archive or error path. It returns "" when
// there is none.
func (r *Runner) findMoved(ctx context.Context, e journal.Entry, dirs []string, companion string) (string, error) {
	others, err := r.Journal.Query(ctx, journal.Filter{Pipeline: e.Pipeline, SHA256: e.SHA256})
	if err != nil {
		return "", fmt.Errorf("journal: %w", err)
	}
	taken := map[string]bool{}
	for _, o := range others {
		if o.ID != e.ID {
			taken[o.Archive], taken[o.ErrorPath] = true, true
		}
	}
	name := filepath.Base(e.Original)
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for _, dir := range dirs {
		des, err := r.store().List(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		for _, d := range des {
			n := d.Name()
			if d.IsDir() || !(n == name || isNumbered(n, stem, ext)) {
				continue
			}
			path := filepath.Join(dir, n)
			if taken[path] {
				continue
			}
			if companion != "" {
				if _, err := r.store().Stat(path + companion); err != nil {
					continue
				}
			}
			if sum, _, err := r.hashFile(path); err == nil && sum == e.SHA256 {
				return path, nil
			}
		}
	}
	return "", nil
}

// isNumbered reports whether n is "<stem> (k)<ext>" for a number k >= 2, the
// names Store.FreeName gives.
func isNumbered(n, stem, ext string) bool {
	mid, ok := strings.CutPrefix(n, stem+" (")
	if !ok {
		return false
	}
	num, ok := strings.CutSuffix(mid, ")"+ext)
	return ok && num != "" && strings.Trim(num, "0123456789") == ""
}

// readFile reads a small file from the store.
func (r *Runner) readFile(path string) ([]byte, error) {
	f, err := r.store().Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
