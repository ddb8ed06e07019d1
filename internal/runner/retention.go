package runner

// Archive retention: archive_keep in ferry.yaml (e.g. 90d) says how long
// done inputs are kept in archive/<pipeline>/<YYYY-MM-DD>/. ferry run
// prunes once per run, ferry watch at its start and then daily. Only
// folders named as a date below a pipeline's archive folder are deleted;
// other files and folders there, and the error folder, are never touched.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/internal/store"
)

// Pruned is one archive folder that PruneArchive deleted.
type Pruned struct {
	// Pipeline is the name of the pipeline folder below the archive.
	Pipeline string
	// Day is the folder's date.
	Day time.Time
	// Path is the deleted folder.
	Path string
}

// PruneArchive deletes the archive folders archive/<pipeline>/<YYYY-MM-DD>/
// whose date lies more than Project.ArchiveKeep before today (Now, in the
// project's time zone): with 90d on 2026-11-28, 2026-08-30 is kept and
// 2026-08-29 deleted. ArchiveKeep 0 keeps everything. A folder that is, or
// holds, the error or work folder is never deleted. It returns the deleted
// folders (by pipeline, then date) and the problems met (joined); a folder
// that cannot be deleted does not stop the others.
func (r *Runner) PruneArchive(ctx context.Context) ([]Pruned, error) {
	if r.Project == nil || r.Project.ArchiveKeep <= 0 || r.Project.Archive == "" {
		return nil, nil
	}
	loc := r.location()
	now := r.now().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	days := int(r.Project.ArchiveKeep / (24 * time.Hour))
	oldest := today.AddDate(0, 0, -days) // the oldest day that is kept
	st := r.store()
	pipes, err := st.List(r.Project.Archive)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("archive retention: %w", err)
	}
	var out []Pruned
	var errs []error
	for _, p := range pipes {
		if !p.IsDir() {
			continue
		}
		pdir := filepath.Join(r.Project.Archive, p.Name())
		if r.protected(pdir) {
			continue
		}
		ents, err := st.List(pdir)
		if err != nil {
			errs = append(errs, fmt.Errorf("archive retention: %w", err))
			continue
		}
		for _, d := range ents {
			if ctx.Err() != nil {
				return out, errors.Join(append(errs, ctx.Err())...)
			}
			day, err := time.ParseInLocation("2006-01-02", d.Name(), loc)
			if !d.IsDir() || err != nil || !day.Before(oldest) {
				continue
			}
			path := filepath.Join(pdir, d.Name())
			if r.protected(path) {
				continue
			}
			if err := removeTree(st, path); err != nil {
				errs = append(errs, fmt.Errorf("archive retention: deleting %s: %w", path, err))
				continue
			}
			out = append(out, Pruned{Pipeline: p.Name(), Day: day, Path: path})
		}
	}
	return out, errors.Join(errs...)
}

// removeTree deletes the folder dir with everything below it through the
// store (files first, then the emptied folders).
func removeTree(st store.Store, dir string) error {
	ents, err := st.List(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if e.IsDir() {
			err = removeTree(st, p)
		} else {
			err = st.Remove(p)
		}
		if err != nil {
			return err
		}
	}
	return st.Remove(dir)
}

// protected reports whether dir is, or holds, the error or the work folder.
func (r *Runner) protected(dir string) bool {
	for _, keep := range []string{r.Project.Error, r.Project.Work} {
		if keep == "" {
			continue
		}
		rel, err := filepath.Rel(dir, keep)
		if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// pruneLogged runs PruneArchive and logs each deleted folder and any
// problem (ferry watch).
func (r *Runner) pruneLogged(ctx context.Context) {
	pruned, err := r.PruneArchive(ctx)
	for _, p := range pruned {
		r.log().Info("archive folder deleted", "pipeline", p.Pipeline, "day", p.Day.Format("2006-01-02"),
			"path", p.Path, "archive_keep_days", int(r.Project.ArchiveKeep/(24*time.Hour)))
	}
	if err != nil && ctx.Err() == nil {
		r.log().Error("archive retention", "error", err.Error())
	}
}
