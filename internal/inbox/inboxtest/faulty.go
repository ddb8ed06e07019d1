package inboxtest

import (
	"io"
	"io/fs"
	"os"

	"github.com/ferry-sync/ferry/internal/inbox"
)

// Faulty wraps another inbox.FS (typically inbox.OS on a test's temp
// folder) and injects the same Faults as FS: a full disk (OpWrite with
// syscall.ENOSPC), a read-only folder (OpCreate or OpRename with
// syscall.EROFS or syscall.EACCES). Faults match the operation's first
// path (for a rename: the old path). It is safe for concurrent use.
// Writers it returns keep the inner writer's Sync, and Faulty keeps the
// inner FS's SyncDir, so that code that syncs still does.
type Faulty struct {
	// FS is the wrapped file system; nil means inbox.OS.
	FS     inbox.FS
	faults faults
}

// NewFaulty returns a Faulty over inner (nil: inbox.OS).
func NewFaulty(inner inbox.FS) *Faulty { return &Faulty{FS: inner} }

// Inject adds a fault.
func (f *Faulty) Inject(ft Fault) { f.faults.inject(ft) }

// ClearFaults removes all faults (the disk has room again).
func (f *Faulty) ClearFaults() { f.faults.clear() }

func (f *Faulty) inner() inbox.FS {
	if f.FS == nil {
		return inbox.OS{}
	}
	return f.FS
}

// ReadDir lists a folder.
func (f *Faulty) ReadDir(dir string) ([]fs.DirEntry, error) {
	if err := f.faults.check(OpReadDir, clean(dir)); err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: dir, Err: err}
	}
	return f.inner().ReadDir(dir)
}

// Stat describes a file.
func (f *Faulty) Stat(name string) (fs.FileInfo, error) {
	if err := f.faults.check(OpStat, clean(name)); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	return f.inner().Stat(name)
}

// Rename moves a file.
func (f *Faulty) Rename(oldpath, newpath string) error {
	if err := f.faults.check(OpRename, clean(oldpath)); err != nil {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: err}
	}
	return f.inner().Rename(oldpath, newpath)
}

// Remove deletes a file or empty folder.
func (f *Faulty) Remove(name string) error {
	if err := f.faults.check(OpRemove, clean(name)); err != nil {
		return &fs.PathError{Op: "remove", Path: name, Err: err}
	}
	return f.inner().Remove(name)
}

// MkdirAll creates a folder and its parents.
func (f *Faulty) MkdirAll(dir string, perm fs.FileMode) error {
	if err := f.faults.check(OpMkdir, clean(dir)); err != nil {
		return &fs.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	return f.inner().MkdirAll(dir, perm)
}

// Open opens a file for reading; reads are not faulted.
func (f *Faulty) Open(name string) (io.ReadCloser, error) {
	if err := f.faults.check(OpOpen, clean(name)); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return f.inner().Open(name)
}

// Create creates a file; its writes go through the OpWrite faults.
func (f *Faulty) Create(name string) (io.WriteCloser, error) {
	if err := f.faults.check(OpCreate, clean(name)); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	w, err := f.inner().Create(name)
	if err != nil {
		return nil, err
	}
	return &faultyWriter{w: w, f: f, name: clean(name)}, nil
}

// SyncDir syncs a folder through the inner FS, if it can.
func (f *Faulty) SyncDir(dir string) error {
	if s, ok := f.inner().(interface{ SyncDir(string) error }); ok {
		return s.SyncDir(dir)
	}
	return nil
}

type faultyWriter struct {
	w    io.WriteCloser
	f    *Faulty
	name string
}

func (w *faultyWriter) Write(p []byte) (int, error) {
	if err := w.f.faults.check(OpWrite, w.name); err != nil {
		return 0, &fs.PathError{Op: "write", Path: w.name, Err: err}
	}
	return w.w.Write(p)
}

// Sync syncs the inner writer, if it can.
func (w *faultyWriter) Sync() error {
	if s, ok := w.w.(interface{ Sync() error }); ok {
		return s.Sync()
	}
	return nil
}

func (w *faultyWriter) Close() error { return w.w.Close() }
