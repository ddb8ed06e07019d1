// Package inboxtest provides an in-memory file system with an injectable
// clock and fault injection, implementing inbox.FS, for tests of the inbox
// and of the runtime built on it (crash recovery, full disk, refused
// renames). It is safe for concurrent use.
package inboxtest

import (
	"bytes"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"
)

// Clock is a manual clock for injecting into code under test. The zero
// value starts at 2026-01-01 00:00 UTC. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t.IsZero() {
		c.t = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.Now()
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Operation names used by Fault and Hook.
const (
	OpReadDir = "readdir"
	OpStat    = "stat"
	OpRename  = "rename"
	OpRemove  = "remove"
	OpMkdir   = "mkdir"
	OpOpen    = "open"
	OpCreate  = "create"
	OpWrite   = "write"
)

// Fault makes matching operations fail.
type Fault struct {
	// Op is the operation (OpRename, ...); "" matches every operation.
	Op string
	// Path is a filepath.Match pattern on the operation's (first) path;
	// "" matches every path.
	Path string
	// Err is returned (wrapped in *fs.PathError or *os.LinkError style
	// errors like the os package's), e.g. syscall.ENOSPC, syscall.EACCES.
	Err error
	// Times is how often the fault fires before it is used up; 0 = always.
	Times int
}

// faults is a list of Faults, safe for concurrent use.
type faults struct {
	mu   sync.Mutex
	list []*Fault
}

func (fl *faults) inject(ft Fault) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	fl.list = append(fl.list, &ft)
}

func (fl *faults) clear() {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	fl.list = nil
}

// check returns the error of the first fault matching op and path (using
// it up when it has Times), or nil.
func (fl *faults) check(op, path string) error {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	for i, ft := range fl.list {
		if ft.Op != "" && ft.Op != op {
			continue
		}
		if ft.Path != "" {
			if ok, _ := filepath.Match(ft.Path, path); !ok {
				continue
			}
		}
		if ft.Times > 0 {
			ft.Times--
			if ft.Times == 0 {
				fl.list = slices.Delete(fl.list, i, i+1)
			}
		}
		return ft.Err
	}
	return nil
}

// FS is an in-memory file system. Create it with New.
type FS struct {
	mu     sync.Mutex
	files  map[string]*file
	dirs   map[string]bool
	faults faults
	// Clock stamps modification times; nil means a fixed time.
	Clock *Clock
	// Hook, if set, runs before every operation, outside the FS's lock (it
	// may call the FS); a non-nil result is returned as the operation's
	// error. Use it to change files in the middle of a caller's sequence.
	// Set it before the FS is used concurrently.
	Hook func(op, path string) error
}

type file struct {
	data []byte
	mod  time.Time
}

// New returns an empty file system whose modification times come from clk
// (nil: a fixed time). The root "/" (and the volume root on Windows) exist.
func New(clk *Clock) *FS {
	return &FS{files: map[string]*file{}, dirs: map[string]bool{}, Clock: clk}
}

func (f *FS) now() time.Time {
	if f.Clock == nil {
		return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return f.Clock.Now()
}

// Inject adds a fault.
func (f *FS) Inject(ft Fault) { f.faults.inject(ft) }

// ClearFaults removes all faults.
func (f *FS) ClearFaults() { f.faults.clear() }

// begin runs the hook and then checks faults; it returns with f.mu held
// when the error is nil.
func (f *FS) begin(op, path string) error {
	if f.Hook != nil {
		if err := f.Hook(op, path); err != nil {
			return err
		}
	}
	if err := f.faults.check(op, path); err != nil {
		return err
	}
	f.mu.Lock()
	return nil
}

func clean(p string) string { return filepath.Clean(p) }

// isDir reports whether p is a folder; roots always are. f.mu held.
func (f *FS) isDir(p string) bool {
	return f.dirs[p] || filepath.Dir(p) == p
}

// WriteFile creates or replaces a file, creating missing parent folders,
// and stamps its modification time from the clock.
func (f *FS) WriteFile(name string, data []byte) {
	name = clean(name)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mkdirAll(filepath.Dir(name))
	f.files[name] = &file{data: bytes.Clone(data), mod: f.now()}
}

// Append adds data to a file (creating it) and stamps its modification time.
func (f *FS) Append(name string, data []byte) {
	name = clean(name)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mkdirAll(filepath.Dir(name))
	fl := f.files[name]
	if fl == nil {
		fl = &file{}
		f.files[name] = fl
	}
	fl.data = append(fl.data, data...)
	fl.mod = f.now()
}

// SetModTime sets a file's modification time (like a copy that keeps the
// original's); it reports whether the file exists.
func (f *FS) SetModTime(name string, t time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl := f.files[clean(name)]
	if fl != nil {
		fl.mod = t
	}
	return fl != nil
}

// ReadFile returns a copy of a file's content.
func (f *FS) ReadFile(name string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fl := f.files[clean(name)]
	if fl == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return bytes.Clone(fl.data), nil
}

// Exists reports whether a file or folder exists.
func (f *FS) Exists(name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	name = clean(name)
	return f.files[name] != nil || f.isDir(name)
}

// Names returns the names in a folder (files and folders), sorted.
func (f *FS) Names(dir string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.names(clean(dir))
}

func (f *FS) names(dir string) []string {
	var out []string
	for p := range f.files {
		if filepath.Dir(p) == dir {
			out = append(out, filepath.Base(p))
		}
	}
	for p := range f.dirs {
		if p != dir && filepath.Dir(p) == dir {
			out = append(out, filepath.Base(p))
		}
	}
	slices.Sort(out)
	return out
}

func (f *FS) mkdirAll(dir string) {
	for !f.isDir(dir) {
		f.dirs[dir] = true
		dir = filepath.Dir(dir)
	}
}

// ReadDir lists a folder, sorted by name.
func (f *FS) ReadDir(dir string) ([]fs.DirEntry, error) {
	dir = clean(dir)
	if err := f.begin(OpReadDir, dir); err != nil {
		return nil, &fs.PathError{Op: "readdir", Path: dir, Err: err}
	}
	defer f.mu.Unlock()
	if !f.isDir(dir) {
		return nil, &fs.PathError{Op: "readdir", Path: dir, Err: fs.ErrNotExist}
	}
	names := f.names(dir)
	out := make([]fs.DirEntry, 0, len(names))
	for _, n := range names {
		out = append(out, fs.FileInfoToDirEntry(f.infoLocked(filepath.Join(dir, n))))
	}
	return out, nil
}

func (f *FS) infoLocked(p string) fs.FileInfo {
	if fl := f.files[p]; fl != nil {
		return info{name: filepath.Base(p), size: int64(len(fl.data)), mod: fl.mod}
	}
	return info{name: filepath.Base(p), dir: true}
}

// Stat describes a file or folder.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	name = clean(name)
	if err := f.begin(OpStat, name); err != nil {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	defer f.mu.Unlock()
	if f.files[name] == nil && !f.isDir(name) {
		return nil, &fs.PathError{Op: "stat", Path: name, Err: fs.ErrNotExist}
	}
	return f.infoLocked(name), nil
}

// linkError mirrors *os.LinkError without importing os for it.
type linkError struct {
	Op, Old, New string
	Err          error
}

func (e *linkError) Error() string { return e.Op + " " + e.Old + " " + e.New + ": " + e.Err.Error() }
func (e *linkError) Unwrap() error { return e.Err }

// Rename moves a file, replacing newpath like POSIX rename. Folders cannot
// be renamed by this fake.
func (f *FS) Rename(oldpath, newpath string) error {
	oldpath, newpath = clean(oldpath), clean(newpath)
	if err := f.begin(OpRename, oldpath); err != nil {
		return &linkError{"rename", oldpath, newpath, err}
	}
	defer f.mu.Unlock()
	fl := f.files[oldpath]
	switch {
	case fl == nil || !f.isDir(filepath.Dir(newpath)):
		return &linkError{"rename", oldpath, newpath, fs.ErrNotExist}
	case f.isDir(newpath):
		return &linkError{"rename", oldpath, newpath, syscall.EEXIST}
	}
	delete(f.files, oldpath)
	f.files[newpath] = fl
	return nil
}

// Remove deletes a file or an empty folder.
func (f *FS) Remove(name string) error {
	name = clean(name)
	if err := f.begin(OpRemove, name); err != nil {
		return &fs.PathError{Op: "remove", Path: name, Err: err}
	}
	defer f.mu.Unlock()
	switch {
	case f.files[name] != nil:
		delete(f.files, name)
	case f.dirs[name]:
		if len(f.names(name)) > 0 {
			return &fs.PathError{Op: "remove", Path: name, Err: syscall.ENOTEMPTY}
		}
		delete(f.dirs, name)
	default:
		return &fs.PathError{Op: "remove", Path: name, Err: fs.ErrNotExist}
	}
	return nil
}

// MkdirAll creates a folder and its parents.
func (f *FS) MkdirAll(dir string, _ fs.FileMode) error {
	dir = clean(dir)
	if err := f.begin(OpMkdir, dir); err != nil {
		return &fs.PathError{Op: "mkdir", Path: dir, Err: err}
	}
	defer f.mu.Unlock()
	for p := dir; !f.isDir(p); p = filepath.Dir(p) {
		if f.files[p] != nil {
			return &fs.PathError{Op: "mkdir", Path: p, Err: syscall.ENOTDIR}
		}
	}
	f.mkdirAll(dir)
	return nil
}

// Open opens a file for reading; the reader sees the content at Open time.
func (f *FS) Open(name string) (io.ReadCloser, error) {
	name = clean(name)
	if err := f.begin(OpOpen, name); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer f.mu.Unlock()
	fl := f.files[name]
	if fl == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return io.NopCloser(bytes.NewReader(bytes.Clone(fl.data))), nil
}

// Create creates or truncates a file; writes go through fault checks for
// OpWrite (inject syscall.ENOSPC there for a full disk).
func (f *FS) Create(name string) (io.WriteCloser, error) {
	name = clean(name)
	if err := f.begin(OpCreate, name); err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	defer f.mu.Unlock()
	if !f.isDir(filepath.Dir(name)) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if f.isDir(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: syscall.EISDIR}
	}
	fl := &file{mod: f.now()}
	f.files[name] = fl
	return &writer{fs: f, name: name, f: fl}, nil
}

type writer struct {
	fs     *FS
	name   string
	f      *file
	closed bool
}

func (w *writer) Write(p []byte) (int, error) {
	if w.closed {
		return 0, &fs.PathError{Op: "write", Path: w.name, Err: fs.ErrClosed}
	}
	if err := w.fs.begin(OpWrite, w.name); err != nil {
		return 0, &fs.PathError{Op: "write", Path: w.name, Err: err}
	}
	defer w.fs.mu.Unlock()
	w.f.data = append(w.f.data, p...)
	w.f.mod = w.fs.now()
	return len(p), nil
}

func (w *writer) Close() error {
	if w.closed {
		return &fs.PathError{Op: "close", Path: w.name, Err: fs.ErrClosed}
	}
	w.closed = true
	return nil
}

// info is the fake's fs.FileInfo.
type info struct {
	name string
	size int64
	mod  time.Time
	dir  bool
}

func (i info) Name() string       { return i.name }
func (i info) Size() int64        { return i.size }
func (i info) ModTime() time.Time { return i.mod }
func (i info) IsDir() bool        { return i.dir }
func (i info) Sys() any           { return nil }
func (i info) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}
