package runner

// The files that copy outputs take from an inbox (the PDFs an index file
// names) are archived beside the index once the outputs are committed.
// Their list is written next to the work file before the commit (a
// "sources" file), so that a crash between the commit and the moves is
// finished by Recover as well: each source is moved by one rename, only if
// it still has the content that was copied, and the list is removed when
// every source is archived. A source therefore ends up exactly once in the
// archive (or, if its move fails, stays in its inbox and is logged), never
// lost and never copied twice.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/ferry-sync/ferry/internal/inbox"
)

// sourcesPrefix starts the name of a sources file in the work folder; the
// dot keeps it apart from claimed work files ("<stamp>-<name>").
const sourcesPrefix = ".sources-"

// sourceList is the content of a sources file.
type sourceList struct {
	Inbox string       `json:"inbox"` // the folder the index was dropped in
	Files []sourceFile `json:"files"`
}

type sourceFile struct {
	Path   string `json:"path"`   // absolute, inside Inbox
	SHA256 string `json:"sha256"` // of the content that was copied
}

// sourcesPath is the sources file of a work file.
func sourcesPath(work string) string {
	return filepath.Join(filepath.Dir(work), sourcesPrefix+filepath.Base(work))
}

// writeSources records the copied sources of a claimed input (none: no
// file is written).
func (r *Runner) writeSources(cl inbox.Claimed, copied []string) error {
	if len(copied) == 0 {
		return nil
	}
	l := sourceList{Inbox: cl.Dir}
	for _, p := range copied {
		sum, _, err := r.hashFile(p)
		if err != nil {
			return fmt.Errorf("reading the copied file %s: %w", filepath.Base(p), err)
		}
		l.Files = append(l.Files, sourceFile{Path: p, SHA256: sum})
	}
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	if err := r.store().Put(sourcesPath(cl.Path), b); err != nil {
		return fmt.Errorf("writing the list of copied files: %w", err)
	}
	return nil
}

// dropSources removes the sources file of a work file whose outputs were
// not committed (the sources stay where they are).
func (r *Runner) dropSources(work string) {
	_ = r.store().Remove(sourcesPath(work))
}

// archiveSources moves the sources listed for work into dir (the input's
// archive folder), keeping their sub-folders below the inbox, and removes
// the list when nothing is left to do. It returns the new paths. A source
// already gone was moved before a crash; one whose content changed since
// it was copied is a new file and stays in the inbox.
func (r *Runner) archiveSources(pipeline, name, work, dir string) []string {
	path := sourcesPath(work)
	b, err := r.readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	warn := func(msg string, rel string) {
		r.log().Warn(msg, "pipeline", pipeline, "file", name, "copied", rel)
	}
	var l sourceList
	if err == nil {
		err = json.Unmarshal(b, &l)
	}
	if err != nil {
		warn("the list of copied files cannot be read; they stay in the inbox: "+err.Error(), filepath.Base(path))
		return nil
	}
	var moved []string
	done := true
	for _, f := range l.Files {
		rel, err := filepath.Rel(l.Inbox, f.Path)
		if err != nil || !filepath.IsLocal(rel) {
			continue // never below the inbox: never copied
		}
		sum, _, err := r.hashFile(f.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue // archived before a crash
		case err != nil:
			warn("copied file left in the inbox: "+err.Error(), rel)
			done = false
			continue
		case sum != f.SHA256:
			warn("copied file left in the inbox: it changed after it was copied (a new version?)", rel)
			continue
		}
		dst := filepath.Join(dir, rel)
		dst, err = r.store().Move(f.Path, filepath.Dir(dst), filepath.Base(dst))
		if dst == "" { // moved but not synced is moved
			warn("copied file left in the inbox: "+err.Error(), rel)
			done = false
			continue
		}
		moved = append(moved, dst)
	}
	if done {
		_ = r.store().Remove(path)
	}
	return moved
}
