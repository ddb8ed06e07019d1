package outbox

import (
	"io"
	"io/fs"
	"os"
)

// FS is the file access File and Batch need; inbox.FS (and so every fake
// of it) satisfies it. A writer returned by Create that has a Sync method
// (like *os.File) is synced before it is renamed; an FS with a method
// SyncDir(dir string) error makes renames durable with it. OS is the real
// one.
type FS interface {
	// Create creates or truncates a file for writing.
	Create(name string) (io.WriteCloser, error)
	// Rename moves a file within one volume, replacing newpath if present.
	Rename(oldpath, newpath string) error
	// Remove deletes a file.
	Remove(name string) error
	// MkdirAll creates a folder and its missing parents.
	MkdirAll(dir string, perm fs.FileMode) error
	// Stat describes a file, following symbolic links.
	Stat(name string) (fs.FileInfo, error)
}

// OS is the FS of the operating system.
type OS struct{}

// Create creates the file exclusively (a temp name is never reused).
func (OS) Create(name string) (io.WriteCloser, error) {
	return os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
}

// Rename calls os.Rename.
func (OS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// Remove calls os.Remove.
func (OS) Remove(name string) error { return os.Remove(name) }

// MkdirAll calls os.MkdirAll.
func (OS) MkdirAll(dir string, perm fs.FileMode) error { return os.MkdirAll(dir, perm) }

// Stat calls os.Stat.
func (OS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

// SyncDir calls the package's SyncDir.
func (OS) SyncDir(dir string) error { return SyncDir(dir) }

// fsOrOS returns f, or OS when f is nil.
func fsOrOS(f FS) FS {
	if f == nil {
		return OS{}
	}
	return f
}

// syncDir syncs dir through fsys when it can.
func syncDir(fsys FS, dir string) error {
	if s, ok := fsys.(interface{ SyncDir(string) error }); ok {
		return s.SyncDir(dir)
	}
	return nil
}
