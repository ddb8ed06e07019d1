// Package store is the seam between ferry's runtime and where its files
// live: the inbox folders, the private work folder, the outboxes, the
// archive and the error folder. The runner (internal/runner) does every
// file operation of processing and recovering an input through a Store:
// list an inbox, claim a file, open it, stage the outputs of an attempt and
// publish them together, archive the input or move it to the error folder,
// write reports and notes. Formats, steps and pipelines never see it: they
// read from an io.Reader and write through the transform.Sink a Batch
// provides.
//
// Today there is one implementation, Local (folders on a local or mounted
// drive, built on internal/inbox and internal/outbox). Another one (an
// S3-compatible object store) must pass the same contract suite,
// internal/store/storetest, to drop in.
//
// Paths are in the host's syntax (filepath) and name locations the project
// configured (an inbox folder, an outbox folder, …); an implementation maps
// them to where it keeps the files.
//
// # Attempts
//
// A commit carries the attempt it belongs to (the journal's attempt number
// of the input, identified by pipeline and content hash). Once an attempt
// of an input has staged, an older attempt of the same input can no longer
// publish: Batch.Commit and Publish refuse it with ErrStale and publish
// nothing, so a stale worker (one that stalled while recovery gave its
// input to a newer attempt) never overwrites a newer attempt's outputs.
//
// # Faults
//
// Every method reports a failure of the storage (a full disk, a read-only
// or refused folder, a file another program holds) as an error the os
// package would give (*fs.PathError, *os.LinkError wrapping a
// syscall.Errno), so that callers can tell a storage fault from a problem
// of the input (IsFault). A failed Commit leaves nothing of its batch
// visible.
package store

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/ferry-sync/ferry/internal/inbox"
	"github.com/ferry-sync/ferry/internal/journal"
)

// ErrStale refuses the commit of an attempt when a newer attempt of the
// same input has staged (test it with errors.Is). It is journal.ErrStale,
// so that callers treat a refusal of the journal and of the store alike.
var ErrStale = journal.ErrStale

// Attempt identifies one attempt at one input, as the journal numbers it.
type Attempt struct {
	// Pipeline and SHA256 (the input's content hash) identify the input.
	Pipeline, SHA256 string
	// Number is the journal's attempt number (from 1).
	Number int
}

// Store is where the files live. Implementations are safe for concurrent
// use by the runner's workers.
type Store interface {
	// List lists a folder (an inbox, a work folder, an archive folder),
	// sorted by name; a missing folder is an error matching
	// fs.ErrNotExist.
	List(dir string) ([]fs.DirEntry, error)
	// Stat describes a file; a missing one is an error matching
	// fs.ErrNotExist.
	Stat(path string) (fs.FileInfo, error)
	// Open opens a file for reading.
	Open(path string) (io.ReadCloser, error)
	// Claim takes a ready inbox file into the work folder workDir, with its
	// done-marker, as inbox.Claim does (same typed outcomes: ErrChanged,
	// ErrGone, ErrBusy).
	Claim(c inbox.Candidate, workDir string) (inbox.Claimed, error)
	// Unclaim puts a claimed file (and its marker) back into its inbox, as
	// inbox.Unclaim does, and returns its path there.
	Unclaim(cl inbox.Claimed) (string, error)
	// Stage starts the batch of outputs of attempt a. It refuses with
	// ErrStale when a newer attempt of the same input has staged.
	Stage(a Attempt) (Batch, error)
	// Publish finishes the commit of attempt a that a crash interrupted:
	// every output whose temp file still exists is renamed to its final
	// path (the others were renamed already). It refuses with ErrStale
	// like Batch.Commit.
	Publish(a Attempt, outs []journal.Output) error
	// Move moves the file src into the folder dir (created if missing) as
	// name, or as "<stem> (n)<ext>" when that is taken (see FreeName), and
	// returns its new path: archiving an input, moving it to the error
	// folder, moving its done-marker beside it.
	Move(src, dir, name string) (string, error)
	// FreeName returns name, or "<stem> (n)<ext>" for the smallest n >= 2
	// that does not exist in dir.
	FreeName(dir, name string) (string, error)
	// Put writes a small file (a report, a note) atomically, replacing any
	// file of that name; its folder is created if missing.
	Put(path string, data []byte) error
	// Remove deletes a file; a missing file is not an error.
	Remove(path string) error
	// Temps lists the temp files (of batches and Put) below dir, at any
	// depth, that a crash left behind; a missing dir has none.
	Temps(dir string) ([]string, error)
}

// Batch is the staged outputs of one attempt. Create stages a file; Commit
// makes every staged file visible together, or none of them; Abort
// removes them. A Batch is used by one goroutine.
type Batch interface {
	// Create stages the file rel (which may have sub-folders, but cannot
	// leave dir) in the folder dir and returns where to write it. The
	// same file twice is refused.
	Create(dir, rel string) (Output, error)
	// CreateNew stages like Create, under a name that neither an existing
	// file in the folder nor a file staged by another open batch has: rel,
	// else "<stem> (n)<ext>" (see FreeName). An output that would replace
	// one the importer has not taken yet keeps both instead.
	CreateNew(dir, rel string) (Output, error)
	// Commit publishes every staged file under its final path, together:
	// on any failure nothing of the batch is visible (a file it replaced
	// is put back) and the error says why. It refuses with ErrStale (and
	// publishes nothing) when a newer attempt of the same input has
	// staged since.
	Commit() error
	// Abort removes every staged file; it does nothing after Commit.
	Abort()
}

// Output is one staged file of a Batch.
type Output interface {
	io.Writer
	// Path is the file's final path; Temp is where it is staged (the
	// journal records both, for recovery).
	Path() string
	Temp() string
}

// IsFault reports whether err is a failure of the storage (a full disk, a
// read-only or refused folder, a file held by another program, an I/O
// error) rather than a problem of the input or the configuration: the
// errors the os package gives (*fs.PathError, *os.LinkError, a
// syscall.Errno), wherever they are in err's chain.
func IsFault(err error) bool {
	var pe *fs.PathError
	var le *os.LinkError
	var se *os.SyscallError
	var errno syscall.Errno
	return errors.As(err, &pe) || errors.As(err, &le) || errors.As(err, &se) || errors.As(err, &errno)
}
