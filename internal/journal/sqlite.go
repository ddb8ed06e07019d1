// SQLite journal: one database file (WAL mode) shared by every goroutine of a
// ferry process and by other ferry processes on the same machine. Each state
// change is one BEGIN IMMEDIATE transaction that reads the entry, checks the
// transition, and updates it with WHERE id = ? AND attempt = ? AND state = ?.

package journal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // database/sql driver "sqlite", pure Go
)

// Options configures a journal.
type Options struct {
	// Now returns the current time; every recorded time comes from it
	// (stored in UTC, to the nanosecond). Required.
	Now func() time.Time
	// BusyTimeout is how long a step waits for another process holding the
	// journal's write lock before it fails; 0 means 10 seconds.
	BusyTimeout time.Duration
}

// SQLite is the Journal kept in an SQLite database file. It is safe for
// concurrent use; several processes may open the same file.
type SQLite struct {
	db   *sql.DB
	now  func() time.Time
	path string
	// wlock serialises this process's write transactions, so that its
	// goroutines queue here instead of polling SQLite's busy handler;
	// other processes are still kept out by SQLite's own lock.
	wlock chan struct{}
	// keySent holds KeySent's two statements, prepared once: a run asks
	// for every new once key, one query per order of an order file.
	keySent struct{ any, pipeline *sql.Stmt }
}

var _ Journal = (*SQLite)(nil)

// SchemaVersion is the schema version this build writes. Open upgrades
// older journals and refuses newer ones.
const SchemaVersion = 3

// migrations[i] brings the schema from version i to i+1.
var migrations = [][]string{
	{ // v1
		`CREATE TABLE entries (
			id           INTEGER PRIMARY KEY AUTOINCREMENT,
			pipeline     TEXT    NOT NULL,
			sha256       TEXT    NOT NULL,
			attempt      INTEGER NOT NULL,
			state        TEXT    NOT NULL CHECK (state IN ('claimed','committing','committed','done','failed','released')),
			original     TEXT    NOT NULL,
			work         TEXT    NOT NULL,
			size         INTEGER NOT NULL,
			mod_time     TEXT,
			config_hash  TEXT    NOT NULL,
			owner        TEXT    NOT NULL,
			claimed_at   TEXT    NOT NULL,
			staged_at    TEXT,
			published_at TEXT,
			ended_at     TEXT,
			records_in   INTEGER NOT NULL DEFAULT 0,
			records_out  INTEGER NOT NULL DEFAULT 0,
			rejected     INTEGER NOT NULL DEFAULT 0,
			duration_ns  INTEGER NOT NULL DEFAULT 0,
			archive      TEXT    NOT NULL DEFAULT '',
			error_path   TEXT    NOT NULL DEFAULT '',
			error        TEXT    NOT NULL DEFAULT '',
			UNIQUE (pipeline, sha256, attempt)
		)`,
		`CREATE TABLE outputs (
			entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
			seq      INTEGER NOT NULL,
			path     TEXT    NOT NULL,
			temp     TEXT    NOT NULL,
			size     INTEGER NOT NULL,
			sha256   TEXT    NOT NULL,
			PRIMARY KEY (entry_id, seq)
		)`,
		`CREATE INDEX entries_sha256 ON entries (sha256, state)`,
		`CREATE INDEX entries_state ON entries (state, claimed_at)`,
		`CREATE INDEX entries_pipeline_time ON entries (pipeline, claimed_at)`,
		`CREATE INDEX entries_time ON entries (claimed_at)`,
		`CREATE INDEX outputs_path ON outputs (path)`,
	},
	{ // v2: keys sent under an output's once
		`CREATE TABLE once_keys (
			entry_id INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
			pipeline TEXT    NOT NULL,
			scope    TEXT    NOT NULL,
			key      TEXT    NOT NULL)`,
		`CREATE INDEX once_keys_key ON once_keys (pipeline, scope, key)`,
	},
	{ // v3: a once_scope shared by pipelines looks its keys up without the
		// pipeline (KeySent with pipeline ""): without this index every
		// lookup read all keys ever sent
		`CREATE INDEX once_keys_scope ON once_keys (scope, key)`,
	},
}

// timeLayout stores times as fixed-width UTC text: exact to the nanosecond,
// sorts in time order, and readable with the sqlite3 shell.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// Open opens the journal at path, creating its folder and file if needed,
// and brings its schema up to date. The file must be on a local disk: WAL
// mode shares memory between the processes using it, which network shares
// do not provide, so instances on different machines cannot share a journal.
func Open(path string, opt Options) (*SQLite, error) {
	if opt.Now == nil {
		return nil, fmt.Errorf("journal: Options.Now is required: %w", ErrInvalid)
	}
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("journal: unusable journal file name %q: %w", path, ErrInvalid)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("journal: cannot create the journal's folder: %w", err)
	}
	busy := opt.BusyTimeout
	if busy <= 0 {
		busy = 10 * time.Second
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout("+strconv.FormatInt(busy.Milliseconds(), 10)+")")
	// WAL: readers never block the writer, and a commit is one append.
	q.Add("_pragma", "journal_mode(WAL)")
	// synchronous=FULL: in WAL mode, NORMAL does not fsync the WAL at each
	// commit, so after a power loss the last steps could be missing although
	// the runtime has already acted on them (renamed outputs after Staged,
	// archived the input after Published). Recovery would then undo or redo
	// work wrongly. FULL makes every recorded step durable before the call
	// returns: the journal is never behind the file system.
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	// BEGIN IMMEDIATE for write transactions: take the write lock first, so
	// that a read-then-write transaction never fails upgrading its lock.
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	j := &SQLite{db: db, now: opt.Now, path: path, wlock: make(chan struct{}, 1)}
	// Two processes opening a new journal at the same moment: while one
	// switches it to WAL (or replays the WAL), SQLite can answer "database
	// is locked" at once, without waiting for busy_timeout. Such an answer
	// is retried, within the same time budget.
	err = j.migrate(context.Background())
	for deadline := time.Now().Add(busy); err != nil && isBusy(err) && time.Now().Before(deadline); {
		time.Sleep(25 * time.Millisecond)
		err = j.migrate(context.Background())
	}
	if err != nil {
		db.Close()
		if u := errors.Unwrap(err); u != nil && strings.HasPrefix(err.Error(), "journal: ") {
			err = u
		}
		return nil, fmt.Errorf("journal: cannot open %s: %w", path, err)
	}
	if j.keySent.any, err = db.Prepare(keySentAny); err == nil {
		j.keySent.pipeline, err = db.Prepare(keySentPipeline)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("journal: cannot open %s: %w", path, err)
	}
	return j, nil
}

// isBusy reports whether err is SQLite's "database is locked".
func isBusy(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked")
}

// Path returns the journal's file name.
func (j *SQLite) Path() string { return j.path }

// Close closes the database.
func (j *SQLite) Close() error {
	j.keySent.any.Close()
	j.keySent.pipeline.Close()
	return j.db.Close()
}

func (j *SQLite) stamp() string { return fmtTime(j.now()) }

func fmtTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(timeLayout, s.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("journal: damaged time %q in the journal: %w", s.String, err)
	}
	return t.UTC(), nil
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return fmtTime(t)
}

// write runs fn in a write transaction (BEGIN IMMEDIATE) and commits it.
func (j *SQLite) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	select {
	case j.wlock <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-j.wlock }()
	tx, err := j.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

// read runs fn in a read transaction: one consistent snapshot.
func (j *SQLite) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := j.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer tx.Rollback()
	return fn(tx)
}

func (j *SQLite) migrate(ctx context.Context) error {
	return j.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
			version    INTEGER PRIMARY KEY,
			applied_at TEXT NOT NULL)`); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		var v int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_version`).Scan(&v); err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		if v > len(migrations) {
			return fmt.Errorf("journal: %w", fmt.Errorf("it was written by a newer ferry (journal version %d, this ferry knows up to %d); update ferry", v, len(migrations)))
		}
		for ; v < len(migrations); v++ {
			for _, stmt := range migrations[v] {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("journal: %w", fmt.Errorf("upgrading to version %d: %w", v+1, err))
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, applied_at) VALUES (?, ?)`, v+1, j.stamp()); err != nil {
				return fmt.Errorf("journal: %w", err)
			}
		}
		return nil
	})
}

// Claim implements Journal.
func (j *SQLite) Claim(ctx context.Context, c ClaimInfo) (Entry, error) {
	c.SHA256 = strings.ToLower(c.SHA256)
	switch {
	case c.Pipeline == "":
		return Entry{}, fmt.Errorf("journal: claim of %q without a pipeline name: %w", c.Original, ErrInvalid)
	case c.SHA256 == "":
		return Entry{}, fmt.Errorf("journal: claim of %q without a content hash: %w", c.Original, ErrInvalid)
	case c.Size < 0:
		return Entry{}, fmt.Errorf("journal: claim of %q with negative size %d: %w", c.Original, c.Size, ErrInvalid)
	}
	now := j.now().UTC()
	if !c.ModTime.IsZero() {
		c.ModTime = c.ModTime.UTC()
	}
	e := Entry{ClaimInfo: c, State: StateClaimed, ClaimedAt: now}
	err := j.write(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO entries
			(pipeline, sha256, attempt, state, original, work, size, mod_time, config_hash, owner, claimed_at)
			SELECT ?, ?, COALESCE(MAX(attempt), 0) + 1, 'claimed', ?, ?, ?, ?, ?, ?, ?
			FROM entries WHERE pipeline = ? AND sha256 = ?
			RETURNING id, attempt`,
			c.Pipeline, c.SHA256, c.Original, c.Work, c.Size, nullTime(c.ModTime), c.ConfigHash, c.Owner, fmtTime(now),
			c.Pipeline, c.SHA256).Scan(&e.ID, &e.Attempt)
	})
	if err != nil {
		return Entry{}, wrapDB("claim of "+strconv.Quote(c.Original), err)
	}
	return e, nil
}

func wrapDB(what string, err error) error {
	if errors.Is(err, ErrStale) || errors.Is(err, ErrState) || errors.Is(err, ErrNotFound) ||
		errors.Is(err, ErrInvalid) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		strings.HasPrefix(err.Error(), "journal:") {
		return err
	}
	return fmt.Errorf("journal: %s: %w", what, err)
}

// step describes one state transition.
type step struct {
	name string
	from []State
	to   State
	// refuseNewer refuses (ErrStale) from claimed when a newer attempt of
	// the same input exists.
	refuseNewer bool
	// refuseBusy refuses (ErrStale) when another attempt of the same input
	// is committing or committed.
	refuseBusy bool
	// set is the extra SET clause (after state = ?), with its arguments.
	set  string
	args []any
	// then runs after the update, in the same transaction.
	then func(tx *sql.Tx) error
}

func (j *SQLite) transition(ctx context.Context, id int64, attempt int, s step) error {
	err := j.write(ctx, func(tx *sql.Tx) error {
		var (
			cur           State
			att           int
			pipeline, sha string
		)
		err := tx.QueryRowContext(ctx, `SELECT state, attempt, pipeline, sha256 FROM entries WHERE id = ?`, id).
			Scan(&cur, &att, &pipeline, &sha)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("journal: %s: entry %d: %w", s.name, id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if att != attempt {
			return fmt.Errorf("journal: %s: entry %d is attempt %d, not %d: %w", s.name, id, att, attempt, ErrStale)
		}
		if cur == StateReleased && s.to != StateReleased {
			return fmt.Errorf("journal: %s: entry %d (attempt %d) was released by recovery: %w", s.name, id, att, ErrStale)
		}
		allowed := false
		for _, f := range s.from {
			allowed = allowed || f == cur
		}
		if !allowed {
			return fmt.Errorf("journal: %s: entry %d (attempt %d) is %s: %w", s.name, id, att, cur, ErrState)
		}
		if (s.refuseNewer && cur == StateClaimed) || s.refuseBusy {
			var other int
			var otherState State
			err := tx.QueryRowContext(ctx, `SELECT attempt, state FROM entries
				WHERE pipeline = ? AND sha256 = ? AND id <> ?
				  AND ((? AND attempt > ?) OR (? AND state IN ('committing', 'committed')))
				ORDER BY attempt DESC LIMIT 1`,
				pipeline, sha, id, s.refuseNewer && cur == StateClaimed, att, s.refuseBusy).Scan(&other, &otherState)
			switch {
			case err == nil && other > att:
				return fmt.Errorf("journal: %s: entry %d (attempt %d) is superseded by attempt %d of the same input: %w", s.name, id, att, other, ErrStale)
			case err == nil:
				return fmt.Errorf("journal: %s: entry %d (attempt %d): attempt %d of the same input is %s: %w", s.name, id, att, other, otherState, ErrStale)
			case !errors.Is(err, sql.ErrNoRows):
				return err
			}
		}
		args := append([]any{s.to}, s.args...)
		args = append(args, id, attempt, cur)
		set := "state = ?"
		if s.set != "" {
			set += ", " + s.set
		}
		res, err := tx.ExecContext(ctx, `UPDATE entries SET `+set+` WHERE id = ? AND attempt = ? AND state = ?`, args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fmt.Errorf("journal: %s: entry %d (attempt %d) changed meanwhile: %w", s.name, id, att, ErrStale)
		}
		if s.then != nil {
			return s.then(tx)
		}
		return nil
	})
	if err != nil {
		return wrapDB(fmt.Sprintf("%s: entry %d", s.name, id), err)
	}
	return nil
}

// Staged implements Journal.
func (j *SQLite) Staged(ctx context.Context, id int64, attempt int, outputs []Output) error {
	for _, o := range outputs {
		if o.Path == "" || o.Size < 0 {
			return fmt.Errorf("journal: staged: entry %d: output %q without a final path or with a negative size: %w", id, o.Temp, ErrInvalid)
		}
	}
	return j.transition(ctx, id, attempt, step{
		name: "staged", from: []State{StateClaimed}, to: StateCommitting,
		refuseNewer: true, refuseBusy: true,
		set: "staged_at = ?", args: []any{j.stamp()},
		then: func(tx *sql.Tx) error {
			st, err := tx.PrepareContext(ctx, `INSERT INTO outputs (entry_id, seq, path, temp, size, sha256) VALUES (?, ?, ?, ?, ?, ?)`)
			if err != nil {
				return err
			}
			defer st.Close()
			for i, o := range outputs {
				if _, err := st.ExecContext(ctx, id, i, o.Path, o.Temp, o.Size, strings.ToLower(o.SHA256)); err != nil {
					return err
				}
			}
			return nil
		},
	})
}

// RecordKeys implements Journal.
func (j *SQLite) RecordKeys(ctx context.Context, id int64, attempt int, keys []Key) error {
	if len(keys) == 0 {
		return nil
	}
	err := j.write(ctx, func(tx *sql.Tx) error {
		var cur State
		var att int
		var pipeline string
		err := tx.QueryRowContext(ctx, `SELECT state, attempt, pipeline FROM entries WHERE id = ?`, id).Scan(&cur, &att, &pipeline)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("journal: record keys: entry %d: %w", id, ErrNotFound)
		}
		if err != nil {
			return err
		}
		if att != attempt {
			return fmt.Errorf("journal: record keys: entry %d is attempt %d, not %d: %w", id, att, attempt, ErrStale)
		}
		if cur != StateClaimed {
			return fmt.Errorf("journal: record keys: entry %d (attempt %d) is %s: %w", id, att, cur, ErrState)
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO once_keys (entry_id, pipeline, scope, key) VALUES (?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, k := range keys {
			if _, err := st.ExecContext(ctx, id, pipeline, k.Scope, k.Key); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return wrapDB(fmt.Sprintf("record keys: entry %d", id), err)
	}
	return nil
}

// KeySent implements Journal.
func (j *SQLite) KeySent(ctx context.Context, pipeline, scope, key string) (int64, bool, error) {
	// Two statements rather than "(k.pipeline = ? OR ? = '')": with the
	// OR SQLite scans every key instead of using an index. One statement
	// is its own read transaction: no BEGIN/ROLLBACK around it (a third
	// of the time of a lookup).
	q, args := j.keySent.any, []any{scope, key}
	if pipeline != "" {
		q, args = j.keySent.pipeline, []any{pipeline, scope, key}
	}
	var id int64
	err := q.QueryRowContext(ctx, args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, wrapDB("key sent", err)
	}
	return id, true, nil
}

// The statements of KeySent: a key of one pipeline, or of any pipeline
// (a shared scope).
const (
	keySentPipeline = `SELECT k.entry_id FROM once_keys k JOIN entries e ON e.id = k.entry_id
		WHERE k.pipeline = ? AND k.scope = ? AND k.key = ? AND e.state IN ('committing', 'committed', 'done')
		ORDER BY k.entry_id LIMIT 1`
	keySentAny = `SELECT k.entry_id FROM once_keys k JOIN entries e ON e.id = k.entry_id
		WHERE k.scope = ? AND k.key = ? AND e.state IN ('committing', 'committed', 'done')
		ORDER BY k.entry_id LIMIT 1`
)

// Published implements Journal.
func (j *SQLite) Published(ctx context.Context, id int64, attempt int) error {
	return j.transition(ctx, id, attempt, step{
		name: "published", from: []State{StateCommitting}, to: StateCommitted,
		set: "published_at = ?", args: []any{j.stamp()},
	})
}

// Finish implements Journal.
func (j *SQLite) Finish(ctx context.Context, id int64, attempt int, r Result) error {
	return j.transition(ctx, id, attempt, step{
		name: "finish", from: []State{StateCommitted}, to: StateDone,
		set:  "ended_at = ?, archive = ?, records_in = ?, records_out = ?, rejected = ?, duration_ns = ?",
		args: []any{j.stamp(), r.Archive, r.In, r.Out, r.Rejected, int64(r.Duration)},
	})
}

// Fail implements Journal.
func (j *SQLite) Fail(ctx context.Context, id int64, attempt int, f Failure) error {
	return j.transition(ctx, id, attempt, step{
		name: "fail", from: []State{StateClaimed, StateCommitting}, to: StateFailed,
		refuseNewer: true,
		set:         "ended_at = ?, error = ?, error_path = ?, records_in = ?, records_out = ?, rejected = ?, duration_ns = ?",
		args:        []any{j.stamp(), f.Error, f.ErrorPath, f.In, f.Out, f.Rejected, int64(f.Duration)},
	})
}

// Release implements Journal.
func (j *SQLite) Release(ctx context.Context, id int64, attempt int, reason string) error {
	return j.transition(ctx, id, attempt, step{
		name: "release", from: []State{StateClaimed, StateCommitting}, to: StateReleased,
		set: "ended_at = ?, error = ?", args: []any{j.stamp(), reason},
	})
}

const entryColumns = `id, attempt, pipeline, original, work, size, mod_time, sha256, config_hash, owner,
	state, claimed_at, staged_at, published_at, ended_at,
	records_in, records_out, rejected, archive, error_path, error, duration_ns`

func scanEntry(rows *sql.Rows) (Entry, error) {
	var (
		e                     Entry
		mod, cl, st, pub, end sql.NullString
		dur                   int64
	)
	err := rows.Scan(&e.ID, &e.Attempt, &e.Pipeline, &e.Original, &e.Work, &e.Size, &mod, &e.SHA256, &e.ConfigHash, &e.Owner,
		&e.State, &cl, &st, &pub, &end,
		&e.In, &e.Out, &e.Rejected, &e.Archive, &e.ErrorPath, &e.Error, &dur)
	if err != nil {
		return e, err
	}
	e.Duration = time.Duration(dur)
	for _, p := range []struct {
		dst *time.Time
		src sql.NullString
	}{{&e.ModTime, mod}, {&e.ClaimedAt, cl}, {&e.StagedAt, st}, {&e.PublishedAt, pub}, {&e.EndedAt, end}} {
		if *p.dst, err = parseTime(p.src); err != nil {
			return e, err
		}
	}
	return e, nil
}

// list runs an entry query and loads the outputs, in one snapshot.
func (j *SQLite) list(ctx context.Context, what, where string, args ...any) ([]Entry, error) {
	var out []Entry
	err := j.read(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+entryColumns+` FROM entries `+where, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		byID := map[int64]int{}
		for rows.Next() {
			e, err := scanEntry(rows)
			if err != nil {
				return err
			}
			byID[e.ID] = len(out)
			out = append(out, e)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		// Outputs in chunks, far below SQLite's limit of bound parameters.
		const chunk = 500
		for lo := 0; lo < len(out); lo += chunk {
			hi := min(lo+chunk, len(out))
			ids := make([]any, 0, hi-lo)
			for _, e := range out[lo:hi] {
				ids = append(ids, e.ID)
			}
			marks := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
			orows, err := tx.QueryContext(ctx, `SELECT entry_id, path, temp, size, sha256 FROM outputs
				WHERE entry_id IN (`+marks+`) ORDER BY entry_id, seq`, ids...)
			if err != nil {
				return err
			}
			for orows.Next() {
				var id int64
				var o Output
				if err := orows.Scan(&id, &o.Path, &o.Temp, &o.Size, &o.SHA256); err != nil {
					orows.Close()
					return err
				}
				e := &out[byID[id]]
				e.Outputs = append(e.Outputs, o)
			}
			err = orows.Err()
			orows.Close()
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, wrapDB(what, err)
	}
	return out, nil
}

// Get implements Journal.
func (j *SQLite) Get(ctx context.Context, id int64) (Entry, error) {
	es, err := j.list(ctx, fmt.Sprintf("get entry %d", id), `WHERE id = ?`, id)
	if err != nil {
		return Entry{}, err
	}
	if len(es) == 0 {
		return Entry{}, fmt.Errorf("journal: entry %d: %w", id, ErrNotFound)
	}
	return es[0], nil
}

// Unfinished implements Journal.
func (j *SQLite) Unfinished(ctx context.Context) ([]Entry, error) {
	return j.list(ctx, "unfinished entries",
		`WHERE state IN ('claimed', 'committing', 'committed') ORDER BY claimed_at, id`)
}

// DoneBySHA256 implements Journal.
func (j *SQLite) DoneBySHA256(ctx context.Context, sha string) ([]Entry, error) {
	return j.list(ctx, "done entries by hash",
		`WHERE sha256 = ? AND state = 'done' ORDER BY claimed_at DESC, id DESC`, strings.ToLower(sha))
}

// Query implements Journal.
func (j *SQLite) Query(ctx context.Context, f Filter) ([]Entry, error) {
	var (
		conds []string
		args  []any
	)
	if f.Pipeline != "" {
		conds = append(conds, "pipeline = ?")
		args = append(args, f.Pipeline)
	}
	if len(f.States) > 0 {
		marks := make([]string, len(f.States))
		for i, s := range f.States {
			if !s.Valid() {
				return nil, fmt.Errorf("journal: query: unknown state %q: %w", s, ErrInvalid)
			}
			marks[i] = "?"
			args = append(args, s)
		}
		conds = append(conds, "state IN ("+strings.Join(marks, ",")+")")
	}
	if !f.Since.IsZero() {
		conds = append(conds, "claimed_at >= ?")
		args = append(args, fmtTime(f.Since))
	}
	if !f.Until.IsZero() {
		conds = append(conds, "claimed_at < ?")
		args = append(args, fmtTime(f.Until))
	}
	if f.SHA256 != "" {
		conds = append(conds, "sha256 = ?")
		args = append(args, strings.ToLower(f.SHA256))
	}
	if f.Output != "" {
		conds = append(conds, "id IN (SELECT entry_id FROM outputs WHERE path = ?)")
		args = append(args, f.Output)
	}
	if f.Limit < 0 {
		return nil, fmt.Errorf("journal: query: negative limit %d: %w", f.Limit, ErrInvalid)
	}
	where := ""
	if len(conds) > 0 {
		where = "WHERE " + strings.Join(conds, " AND ")
	}
	where += " ORDER BY claimed_at DESC, id DESC"
	if f.Limit > 0 {
		where += " LIMIT ?"
		args = append(args, f.Limit)
	}
	return j.list(ctx, "query", where, args...)
}
