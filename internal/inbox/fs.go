package inbox

import (
	"io"
	"io/fs"
	"os"
)

// FS is the file system access the inbox needs. OS is the real one;
// inboxtest.FS is an in-memory fake with fault injection for tests. Paths
// are in the host's syntax (filepath), as for package os.
//
// Errors should behave like the os package's: errors.Is(err,
// fs.ErrNotExist) for a missing file or folder. An implementation may
// report a file that another program holds open (and that therefore cannot
// be renamed yet) with an error matching ErrBusy; on Windows the OS
// sharing-violation errors are recognised without that.
type FS interface {
	// ReadDir lists a folder, sorted by name.
	ReadDir(dir string) ([]fs.DirEntry, error)
	// Stat describes a file, following symbolic links.
	Stat(name string) (fs.FileInfo, error)
	// Rename moves a file within one volume, replacing newpath if present.
	Rename(oldpath, newpath string) error
	// Remove deletes a file or empty folder.
	Remove(name string) error
	// MkdirAll creates a folder and its missing parents.
	MkdirAll(dir string, perm fs.FileMode) error
	// Open opens a file for reading.
	Open(name string) (io.ReadCloser, error)
	// Create creates or truncates a file for writing.
	Create(name string) (io.WriteCloser, error)
}

// OS is the FS of the operating system (package os).
type OS struct{}

// ReadDir calls os.ReadDir.
func (OS) ReadDir(dir string) ([]fs.DirEntry, error) { return os.ReadDir(dir) }

// Stat calls os.Stat.
func (OS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

// Rename calls os.Rename.
func (OS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// Remove calls os.Remove.
func (OS) Remove(name string) error { return os.Remove(name) }

// MkdirAll calls os.MkdirAll.
func (OS) MkdirAll(dir string, perm fs.FileMode) error { return os.MkdirAll(dir, perm) }

// Open calls os.Open.
func (OS) Open(name string) (io.ReadCloser, error) { return os.Open(name) }

// Create calls os.Create.
func (OS) Create(name string) (io.WriteCloser, error) { return os.Create(name) }

// fsOrOS returns f, or OS when f is nil.
func fsOrOS(f FS) FS {
	if f == nil {
		return OS{}
	}
	return f
}
