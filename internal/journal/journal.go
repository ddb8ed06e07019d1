package journal

import (
	"context"
	"errors"
	"time"
)

// Journal records every step of every input ferry processes. Implementations
// are safe for concurrent use by several goroutines, and by several processes
// sharing one journal. Every state change is one transaction: it happens
// completely or not at all. See the package documentation for the states.
type Journal interface {
	// Claim records that an input was claimed (renamed into the work folder)
	// and returns the new entry in state claimed. Each claim is a new entry
	// with a new ID; its Attempt is one more than the highest attempt of the
	// same input (same Pipeline and SHA256) so far, starting at 1.
	Claim(ctx context.Context, c ClaimInfo) (Entry, error)
	// Staged records the outputs of an attempt, written as temp files but
	// not yet published: claimed → committing. It refuses with ErrStale when
	// a newer attempt of the same input exists, or another attempt of it is
	// committing or committed (a stale worker never publishes over a newer
	// one, and one input is never published twice at once), and with
	// ErrState when the entry is not claimed.
	Staged(ctx context.Context, id int64, attempt int, outputs []Output) error
	// Published records that every output was renamed to its final path:
	// committing → committed.
	Published(ctx context.Context, id int64, attempt int) error
	// Finish records the archive path, counts and duration: committed → done.
	Finish(ctx context.Context, id int64, attempt int, r Result) error
	// Fail records the error report, the error-folder path and counts:
	// claimed or committing → failed. From claimed it refuses with ErrStale
	// when a newer attempt of the same input exists (that attempt owns the
	// input now).
	Fail(ctx context.Context, id int64, attempt int, f Failure) error
	// Release records that recovery gave the input back (moved the work file
	// back to the inbox, removed any temp files): claimed or committing →
	// released. A later claim of the same file is a new attempt.
	Release(ctx context.Context, id int64, attempt int, reason string) error
	// Unfinished lists the entries in states claimed, committing and
	// committed, with their outputs, oldest first: what recovery must finish
	// or undo at start.
	Unfinished(ctx context.Context) ([]Entry, error)
	// DoneBySHA256 returns the done entries whose input had this content
	// hash (any pipeline), with their outputs, newest first: the duplicates.
	DoneBySHA256(ctx context.Context, sha string) ([]Entry, error)
	// Get returns one entry with its outputs, or an error wrapping
	// ErrNotFound.
	Get(ctx context.Context, id int64) (Entry, error)
	// Query lists the entries matching the filter, with their outputs,
	// newest first.
	Query(ctx context.Context, f Filter) ([]Entry, error)
	// RecordKeys records the keys an attempt sent out under `once` (an
	// output that must never carry the same key twice, e.g. one payment
	// e-mail per order). The entry must be claimed and the attempt its
	// own. The keys count as sent once the entry is committing, committed
	// or done (KeySent): keys of an attempt that fails or is released are
	// as if never recorded, so an interrupted run sends them again.
	RecordKeys(ctx context.Context, id int64, attempt int, keys []Key) error
	// KeySent reports whether an entry of the pipeline that counts (see
	// RecordKeys) sent key under scope, and which entry (the oldest).
	KeySent(ctx context.Context, pipeline, scope, key string) (int64, bool, error)
	// Close releases the journal. Entries already recorded stay recorded.
	Close() error
}

// Key is one key sent out under an output's `once`: Scope names the output
// (its outbox and file name as configured), Key the value.
type Key struct {
	Scope string
	Key   string
}

// State is the step an entry has reached.
type State string

// The states of an entry; see the package documentation for the diagram.
const (
	// StateClaimed: the input lies in the work folder, no output exists yet.
	StateClaimed State = "claimed"
	// StateCommitting: every output is written as a temp file (Entry.Outputs
	// has their paths, sizes and hashes); publishing may be under way.
	StateCommitting State = "committing"
	// StateCommitted: every output is published under its final path; the
	// input still has to be archived.
	StateCommitted State = "committed"
	// StateDone: outputs published and input archived.
	StateDone State = "done"
	// StateFailed: the input was moved to the error folder with a report; no
	// output was published.
	StateFailed State = "failed"
	// StateReleased: recovery gave the input back to the inbox; no output
	// was published. A later claim of it is a new attempt.
	StateReleased State = "released"
)

// States lists every state in the order of the diagram.
var States = []State{StateClaimed, StateCommitting, StateCommitted, StateDone, StateFailed, StateReleased}

// Valid reports whether s is one of the known states.
func (s State) Valid() bool {
	switch s {
	case StateClaimed, StateCommitting, StateCommitted, StateDone, StateFailed, StateReleased:
		return true
	}
	return false
}

// Unfinished reports whether s is a state recovery has to deal with.
func (s State) Unfinished() bool {
	return s == StateClaimed || s == StateCommitting || s == StateCommitted
}

// Errors returned (wrapped) by every Journal; test them with errors.Is.
var (
	// ErrStale refuses a step of an attempt that no longer owns its input: a
	// newer attempt of the same input exists, another attempt is publishing
	// it, or the attempt number does not match the entry.
	ErrStale = errors.New("stale attempt")
	// ErrState refuses a step the entry's current state does not allow (for
	// example Finish before Published, or any step after done).
	ErrState = errors.New("step not allowed in this state")
	// ErrNotFound is returned for an entry ID the journal does not know.
	ErrNotFound = errors.New("no such journal entry")
	// ErrInvalid refuses an argument that cannot be recorded (an empty
	// pipeline or hash, a negative size, an unknown state in a filter).
	ErrInvalid = errors.New("invalid journal argument")
)

// ClaimInfo describes a claimed input.
type ClaimInfo struct {
	// Pipeline is the name of the pipeline that will process the input.
	Pipeline string
	// Original is the path the input had in the inbox.
	Original string
	// Work is the path where the claimed input lies now (the work folder).
	Work string
	// Size is the input's size in bytes.
	Size int64
	// ModTime is the input's modification time (stored in UTC).
	ModTime time.Time
	// SHA256 is the hex SHA-256 of the input's content; with Pipeline it
	// identifies the input across attempts.
	SHA256 string
	// ConfigHash identifies the pipeline configuration used (provenance).
	ConfigHash string
	// Owner names the ferry instance that claimed it (for example
	// "host:pid"), so that recovery can tell its own entries from another
	// live instance's. Optional.
	Owner string
}

// Output is one output file of an attempt.
type Output struct {
	// Path is the output's final (published) path.
	Path string
	// Temp is the temp file the output is written to before publishing.
	Temp string
	// Size is the output's size in bytes.
	Size int64
	// SHA256 is the hex SHA-256 of the output's content; recovery compares
	// it with the temp file to decide whether the temp file is complete.
	SHA256 string
}

// Counts are the record counts of a run.
type Counts struct {
	// In is the number of records read.
	In int64
	// Out is the number of records written (summed over the outputs).
	Out int64
	// Rejected is the number of records rejected with an error.
	Rejected int64
}

// Result is what Finish records.
type Result struct {
	Counts
	// Archive is the path the input was archived to.
	Archive string
	// Duration is how long the run took.
	Duration time.Duration
}

// Failure is what Fail records.
type Failure struct {
	Counts
	// Error is the full error report shown to the user.
	Error string
	// ErrorPath is the path the input was moved to in the error folder.
	ErrorPath string
	// Duration is how long the run took until it failed.
	Duration time.Duration
}

// Entry is one attempt at one input, with everything recorded about it.
// Times are UTC; a step not reached yet has the zero time.
type Entry struct {
	// ID identifies the entry; IDs increase with every claim.
	ID int64
	// Attempt counts the claims of the same input (Pipeline + SHA256), from 1.
	Attempt int
	ClaimInfo
	// State is the step reached.
	State State
	// ClaimedAt, StagedAt, PublishedAt are the times of Claim, Staged and
	// Published.
	ClaimedAt, StagedAt, PublishedAt time.Time
	// EndedAt is the time of Finish, Fail or Release.
	EndedAt time.Time
	Counts
	// Archive is the archive path (done).
	Archive string
	// ErrorPath is the error-folder path (failed).
	ErrorPath string
	// Error is the error report (failed) or the release reason (released).
	Error string
	// Duration is the run's duration (done, failed).
	Duration time.Duration
	// Outputs are the staged outputs, in the order given to Staged.
	Outputs []Output
}

// Filter selects entries for Query. Zero fields do not filter.
type Filter struct {
	// Pipeline keeps the entries of this pipeline.
	Pipeline string
	// States keeps the entries in one of these states.
	States []State
	// Since keeps the entries claimed at or after this time.
	Since time.Time
	// Until keeps the entries claimed before this time.
	Until time.Time
	// SHA256 keeps the entries whose input has this content hash.
	SHA256 string
	// Output keeps the entries that staged an output with this final path
	// ("which input produced this file?"; the done one among them published
	// it).
	Output string
	// Limit caps the number of entries returned (the newest); 0 means all.
	Limit int
}
