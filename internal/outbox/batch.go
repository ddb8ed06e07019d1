package outbox

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
)

// Batch stages every output file of one input and makes them visible
// together: Create writes temp files, Commit renames them all, Abort
// removes them all. If a rename of Commit fails, the files it already
// renamed are removed again, so that none of the batch stays visible. (A
// crash between two renames of one Commit leaves some final files and some
// temp files; the journal of the runtime finishes or undoes such a commit
// on restart.) The zero value writes to the OS.
type Batch struct {
	// FS is the file system; nil means OS.
	FS    FS
	files []*File
	seen  map[string]bool
	done  bool
}

// Create stages the file rel inside the folder dir (rel may have
// sub-folders; it is checked with Confine, so it cannot leave dir).
func (b *Batch) Create(dir, rel string) (io.Writer, error) {
	f, err := b.CreateFile(dir, rel)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// CreateFile is Create returning the staged *File (its temp name).
func (b *Batch) CreateFile(dir, rel string) (*File, error) {
	if b.done {
		return nil, errors.New("outbox: batch already committed or aborted")
	}
	full, err := Confine(dir, rel)
	if err != nil {
		return nil, err
	}
	if b.seen == nil {
		b.seen = map[string]bool{}
	}
	if b.seen[full] {
		return nil, fmt.Errorf("%s is written twice by one input", full)
	}
	b.seen[full] = true
	fsys := fsOrOS(b.FS)
	if err := fsys.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		return nil, err
	}
	f, err := CreateIn(fsys, full)
	if err != nil {
		return nil, err
	}
	b.files = append(b.files, f)
	return f, nil
}

// Paths returns the final paths of the staged files, in creation order.
func (b *Batch) Paths() []string {
	ps := make([]string, len(b.files))
	for i, f := range b.files {
		ps[i] = f.final
	}
	return ps
}

// Commit makes every staged file visible. On the first failure the files
// not yet renamed are removed, the ones already renamed are removed again
// (nothing of the batch stays visible), and the error is returned.
func (b *Batch) Commit() error {
	if b.done {
		return errors.New("outbox: batch already committed or aborted")
	}
	b.done = true
	for i, f := range b.files {
		if err := f.Commit(); err != nil {
			for _, rest := range b.files[i+1:] {
				_ = rest.Abort()
			}
			var errs []error
			dirs := map[string]bool{}
			for _, pub := range b.files[:i] {
				if rerr := fsOrOS(b.FS).Remove(pub.final); rerr != nil {
					errs = append(errs, fmt.Errorf("and %s, already published, could not be taken back: %w", pub.final, rerr))
				}
				dirs[filepath.Dir(pub.final)] = true
			}
			for d := range dirs {
				_ = syncDir(fsOrOS(b.FS), d)
			}
			return errors.Join(append([]error{err}, errs...)...)
		}
	}
	return nil
}

// Abort removes every staged file; it does nothing after Commit.
func (b *Batch) Abort() {
	if b.done {
		return
	}
	b.done = true
	for _, f := range b.files {
		_ = f.Abort()
	}
}
