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
//     and the entry is released;
//   - committing: if every output is complete (at its final path, or a temp
//     file with the journaled size and SHA-256), the rest are published and
//     the entry continues as committed; otherwise the temp files are
//     removed, the input goes back to its inbox and the entry is released;
//   - committed: the input is archived and the entry finished.
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
		des, err := os.ReadDir(dir)
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
				m := markerName(ic.DoneMarker, orig)
				if m != orig && files[stamp+"-"+m] {
					cl.Marker, cl.MarkerName = filepath.Join(dir, stamp+"-"+m), m
				}
			}
			path, err := inbox.Unclaim(cl)
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

// markerName applies a done_marker template to an input name.
func markerName(tmpl, name string) string {
	m := strings.ReplaceAll(tmpl, "{name}", name)
	return strings.ReplaceAll(m, "{stem}", strings.TrimSuffix(name, filepath.Ext(name)))
}

// isMarkerOf reports whether the work file stamp-name is the done-marker of
// another work file with the same stamp.
func isMarkerOf(tmpl, name, stamp string, files map[string]bool) bool {
	prefix := stamp + "-"
	for f := range files {
		if in, ok := strings.CutPrefix(f, prefix); ok && in != name && markerName(tmpl, in) == name {
			return true
		}
	}
	return false
}

// removeTemps removes the temp files (outbox.TempPrefix…".tmp") a crash
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
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			name := d.Name()
			if d.IsDir() || keep[path] || !strings.HasPrefix(name, outbox.TempPrefix) || !strings.HasSuffix(name, ".tmp") {
				return nil
			}
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			r.log().Info("removed a temp file left by a crash", "path", path)
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("removing temp files left by a crash: %w", err))
		}
	}
	return errors.Join(errs...)
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
	dropSources(e.Work) // nothing was committed: the sources stay in the inbox
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
	m := markerName(p.Config.Input.DoneMarker, filepath.Base(e.Original))
	path := filepath.Join(filepath.Dir(e.Work), workStamp(e)+m)
	if _, err := os.Lstat(path); err != nil {
		return ""
	}
	return path
}
