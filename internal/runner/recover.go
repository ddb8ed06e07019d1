package runner

// Recovery at start: every unfinished journal entry is finished or rolled
// back, following the rules in internal/journal's package documentation.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ferry-sync/ferry/internal/inbox"
	"github.com/ferry-sync/ferry/internal/journal"
	"github.com/ferry-sync/ferry/internal/outbox"
)

// Recovered describes what Recover did with one unfinished entry.
type Recovered struct {
	// Entry is the entry as Unfinished listed it.
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
//     and the entry is released;
//   - committing: if every output is complete (at its final path, or a temp
//     file with the journaled size and SHA-256), the rest are published and
//     the entry continues as committed; otherwise the temp files are
//     removed, the input goes back to its inbox and the entry is released;
//   - committed: the input is archived and the entry finished.
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
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return done, err
		}
		rec, err := r.recoverEntry(ctx, e)
		if err != nil {
			errs = append(errs, fmt.Errorf("recovering %s (journal entry %d): %w", filepath.Base(e.Original), e.ID, err))
			continue
		}
		done = append(done, rec)
		r.log().Info("recovered "+rec.Action, "pipeline", e.Pipeline, "file", filepath.Base(e.Original), "entry", e.ID, "path", rec.Path)
	}
	return done, errors.Join(errs...)
}

func (r *Runner) recoverEntry(ctx context.Context, e journal.Entry) (Recovered, error) {
	rec := Recovered{Entry: e}
	state := e.State
	if state == journal.StateCommitting {
		complete, err := outputsComplete(e.Outputs)
		if err != nil {
			return rec, err
		}
		if !complete {
			for _, o := range e.Outputs {
				if o.Temp != "" {
					if err := os.Remove(o.Temp); err != nil && !errors.Is(err, fs.ErrNotExist) {
						return rec, err
					}
				}
			}
			return r.putBack(ctx, e, "interrupted before its outputs were complete")
		}
		dirs := map[string]bool{}
		for _, o := range e.Outputs {
			if _, err := os.Lstat(o.Temp); err == nil {
				if err := os.Rename(o.Temp, o.Path); err != nil {
					return rec, fmt.Errorf("publishing %s: %w", o.Path, err)
				}
				dirs[filepath.Dir(o.Path)] = true
			}
		}
		for d := range dirs {
			if err := outbox.SyncDir(d); err != nil {
				return rec, err
			}
		}
		if err := r.Journal.Published(ctx, e.ID, e.Attempt); err != nil {
			return rec, fmt.Errorf("journal: %w", err)
		}
		state = journal.StateCommitted
		rec.Action = "published"
	}
	switch state {
	case journal.StateClaimed:
		return r.putBack(ctx, e, "interrupted before anything was written")
	case journal.StateCommitted:
		if rec.Action == "" {
			rec.Action = "archived"
		}
		archive := ""
		if _, err := os.Lstat(e.Work); err == nil {
			m := r.workMarker(e)
			moved, err := r.moveInput(e.Work, m, strings.TrimPrefix(filepath.Base(m), workStamp(e)), r.archiveDir(e.Pipeline), filepath.Base(e.Original))
			if err != nil {
				return rec, fmt.Errorf("archiving: %w", err)
			}
			archive = moved
		}
		rec.Path = archive
		if err := r.Journal.Finish(ctx, e.ID, e.Attempt, journal.Result{Counts: e.Counts, Archive: archive, Duration: r.now().Sub(e.ClaimedAt)}); err != nil {
			return rec, fmt.Errorf("journal: %w", err)
		}
		return rec, nil
	}
	return rec, fmt.Errorf("unexpected state %s", state)
}

// outputsComplete reports whether every output is at its final path or a
// complete temp file.
func outputsComplete(outs []journal.Output) (bool, error) {
	for _, o := range outs {
		if o.Temp != "" {
			sum, size, err := hashFile(o.Temp)
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
		sum, size, err := hashFile(o.Path)
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
	if _, err := os.Lstat(e.Work); err == nil {
		cl := inbox.Claimed{Path: e.Work, Dir: filepath.Dir(e.Original), Name: filepath.Base(e.Original)}
		if m := r.workMarker(e); m != "" {
			cl.Marker = m
			cl.MarkerName = strings.TrimPrefix(filepath.Base(m), workStamp(e))
			if p := r.Pipelines[e.Pipeline]; p != nil {
				cl.DoneMarker = p.Config.Input.DoneMarker
			}
		}
		back, err := inbox.Unclaim(cl)
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
	name := filepath.Base(e.Original)
	m := strings.ReplaceAll(p.Config.Input.DoneMarker, "{name}", name)
	m = strings.ReplaceAll(m, "{stem}", strings.TrimSuffix(name, filepath.Ext(name)))
	path := filepath.Join(filepath.Dir(e.Work), workStamp(e)+m)
	if _, err := os.Lstat(path); err != nil {
		return ""
	}
	return path
}
