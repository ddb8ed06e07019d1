// Package outbox writes output files atomically: a temp file in the target
// folder (with a name importers ignore), fsync, rename, fsync of the folder.
// A reader of the folder sees either no file or the complete file, never a
// half-written one, whatever happens to the process in between.
package outbox

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/ferry-sync/ferry/internal/fsutil"
)

// TempPrefix starts the name of every temp file ferry writes into a target
// folder. Importers and ferry's own inbox scanner ignore dotfiles and *.tmp.
const TempPrefix = ".ferry-"

// File is an output being written. Write to it, then Commit to make it
// visible under its final name, or Abort to remove it. After either, further
// calls are no-ops that return the first outcome.
type File struct {
	w      io.WriteCloser
	fs     FS
	tmp    string
	final  string
	backup string // the file final replaced, kept until the batch is committed
	done   bool
	closed bool
	result error
	// Rename is the file system's rename; tests replace it to simulate a
	// refused rename.
	Rename func(oldpath, newpath string) error
	// Sleep waits between rename retries; tests replace it.
	Sleep func(time.Duration)
	// Retryable tells a rename refusal worth waiting out (on Windows: a file
	// held open by another process); tests replace it.
	Retryable func(error) bool
}

// Create starts an output that will be named path when committed. The temp
// file is created in path's folder so that the rename stays on one volume.
func Create(path string) (*File, error) { return CreateIn(nil, path) }

// CreateIn is Create on the file system fsys (nil: OS).
func CreateIn(fsys FS, path string) (*File, error) {
	fsys = fsOrOS(fsys)
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	for try := 0; ; try++ {
		tmp, err := tempName(dir, base)
		if err != nil {
			return nil, err
		}
		w, err := fsys.Create(tmp)
		if errors.Is(err, fs.ErrExist) && try < 10 {
			continue
		}
		if err != nil {
			return nil, err
		}
		return &File{w: w, fs: fsys, tmp: tmp, final: path, Rename: fsys.Rename, Sleep: time.Sleep, Retryable: fsutil.HeldOpen}, nil
	}
}

// tempName returns a fresh temp path for base in dir:
// TempPrefix+base+"."+random+".tmp".
func tempName(dir, base string) (string, error) {
	r, err := random()
	return filepath.Join(dir, TempPrefix+base+"."+r+".tmp"), err
}

// backupName returns a fresh path for the old version of base in dir
// (see Batch.Commit): TempPrefix+base+"."+random+".old".
func backupName(dir, base string) (string, error) {
	r, err := random()
	return filepath.Join(dir, TempPrefix+base+"."+r+".old"), err
}

// BackupPattern is the filepath.Match pattern of the old versions of the
// file base that Batch.Commit moved aside (see there); after a crash, the
// one who finishes the commit removes them.
func BackupPattern(base string) string {
	return TempPrefix + escapeGlob(base) + ".????????????????.old"
}

// escapeGlob quotes the characters filepath.Match treats specially.
func escapeGlob(s string) string {
	if runtime.GOOS == "windows" { // no escaping there: replace by "?"
		return strings.NewReplacer("*", "?", "[", "?", "]", "?").Replace(s)
	}
	return strings.NewReplacer(`\`, `\\`, "*", `\*`, "?", `\?`, "[", `\[`, "]", `\]`).Replace(s)
}

// random returns 16 random hex digits.
func random() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// Write writes to the temp file.
func (o *File) Write(p []byte) (int, error) {
	if o.done {
		return 0, errors.New("outbox: write after commit or abort")
	}
	return o.w.Write(p)
}

// TempName returns the temp file's path.
func (o *File) TempName() string { return o.tmp }

// FinalName returns the path the file gets when committed.
func (o *File) FinalName() string { return o.final }

// close syncs (where the writer can) and closes the temp file once.
func (o *File) close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	var err error
	if s, ok := o.w.(interface{ Sync() error }); ok {
		err = s.Sync()
	}
	if cerr := o.w.Close(); err == nil {
		err = cerr
	}
	return err
}

// Commit flushes the temp file to disk, renames it to its final name and
// syncs the folder. On failure the temp file is removed and no file appears
// under the final name.
func (o *File) Commit() error {
	if o.done {
		return o.result
	}
	o.done = true
	err := o.close()
	if err == nil {
		err = o.renameRetry(o.tmp, o.final)
	}
	if err != nil {
		_ = o.fs.Remove(o.tmp)
		o.result = fmt.Errorf("writing %s: %w", o.final, err)
		return o.result
	}
	o.result = syncDir(o.fs, filepath.Dir(o.final))
	return o.result
}

// Abort removes the temp file. It is safe to call after Commit (it does
// nothing then), so `defer o.Abort()` is the usual pattern.
func (o *File) Abort() error {
	if o.done {
		return nil
	}
	o.done = true
	o.result = errors.New("outbox: aborted")
	_ = o.close()
	return o.fs.Remove(o.tmp)
}

// renameRetry renames, retrying with backoff when the OS refuses: on
// Windows a virus scanner, an indexer or the importer itself may hold the
// target open for a moment (sharing violation, access denied).
func (o *File) renameRetry(from, to string) error {
	const attempts = 10
	delay := 50 * time.Millisecond
	var err error
	for attempt := 1; ; attempt++ {
		if err = o.Rename(from, to); err == nil {
			return nil
		}
		if !o.Retryable(err) {
			return err
		}
		if attempt == attempts {
			return fmt.Errorf("%w (still refused after %d attempts – is the file open in another program?)", err, attempts)
		}
		o.Sleep(delay)
		if delay < 2*time.Second {
			delay *= 2
		}
	}
}

// SyncDir makes a rename in dir durable. Windows cannot sync a folder
// handle (and its NTFS metadata is journaled), so it is a no-op there.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}
