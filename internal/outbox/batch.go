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

// Commit makes every staged file visible. A file that replaces an existing
// one (a lookup table, an output of the same name) first moves the old one
// aside, so that it can be put back. On the first failure the files not
// yet renamed are removed and the ones already renamed are taken back (the
// files they replaced put back, new ones removed): nothing of the batch
// stays visible, and the error is returned.
func (b *Batch) Commit() error {
	if b.done {
		return errors.New("outbox: batch already committed or aborted")
	}
	b.done = true
	fsys := fsOrOS(b.FS)
	for i, f := range b.files {
		err := f.moveAside()
		if err == nil {
			err = f.Commit()
		} else {
			_ = f.Abort()
		}
		if err != nil {
			for _, rest := range b.files[i+1:] {
				_ = rest.Abort()
			}
			errs := []error{err}
			dirs := map[string]bool{}
			for j := i; j >= 0; j-- {
				pub := b.files[j]
				var rerr error
				switch {
				case pub.backup != "":
					rerr = pub.renameRetry(pub.backup, pub.final)
				case j < i:
					rerr = fsys.Remove(pub.final)
				}
				if rerr != nil {
					errs = append(errs, fmt.Errorf("and %s could not be taken back: %w", pub.final, rerr))
				}
				dirs[filepath.Dir(pub.final)] = true
			}
			for d := range dirs {
				_ = syncDir(fsys, d)
			}
			return errors.Join(errs...)
		}
	}
	for _, f := range b.files {
		if f.backup != "" {
			_ = fsys.Remove(f.backup)
		}
	}
	return nil
}

// moveAside renames the file the output will replace (if any) to a backup
// name, remembered in backup: TempPrefix+base+"."+random+".old", a dotfile
// importers ignore, deliberately not ending in ".tmp", so that clean-ups of
// temp files never delete the only copy of a replaced file (if a crash or a
// second fault keeps it from being put back, it stays for a person to
// restore).
func (o *File) moveAside() error {
	if _, err := o.fs.Stat(o.final); err != nil {
		return nil // nothing to replace (or nothing we can see: the rename decides)
	}
	dir, base := filepath.Split(o.final)
	bak, err := backupName(dir, base)
	if err != nil {
		return err
	}
	if err := o.renameRetry(o.final, bak); err != nil {
		return fmt.Errorf("writing %s: moving the old file aside: %w", o.final, err)
	}
	o.backup = bak
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
