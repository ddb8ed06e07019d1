package journal_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/internal/journal"
	"github.com/ferry-sync/ferry/internal/journal/journaltest"
)

func openSQLite(t testing.TB, path string, now func() time.Time) *journal.SQLite {
	t.Helper()
	j, err := journal.Open(path, journal.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestSQLiteContract(t *testing.T) {
	journaltest.Run(t, func(t *testing.T, now func() time.Time) (journal.Journal, func(*testing.T) journal.Journal) {
		path := filepath.Join(t.TempDir(), "sub", "folder", "journal.db") // folders are created
		open := func(t *testing.T) journal.Journal { return openSQLite(t, path, now) }
		return open(t), open
	})
}

// twoHandles spreads the calls over two handles on one file, alternately,
// so that every step's effect must be visible to the other handle.
type twoHandles struct {
	h [2]journal.Journal
	n atomic.Uint64
}

func (x *twoHandles) next() journal.Journal { return x.h[x.n.Add(1)%2] }

func (x *twoHandles) Claim(ctx context.Context, c journal.ClaimInfo) (journal.Entry, error) {
	return x.next().Claim(ctx, c)
}
func (x *twoHandles) Staged(ctx context.Context, id int64, a int, o []journal.Output) error {
	return x.next().Staged(ctx, id, a, o)
}
func (x *twoHandles) Published(ctx context.Context, id int64, a int) error {
	return x.next().Published(ctx, id, a)
}
func (x *twoHandles) Finish(ctx context.Context, id int64, a int, r journal.Result) error {
	return x.next().Finish(ctx, id, a, r)
}
func (x *twoHandles) Fail(ctx context.Context, id int64, a int, f journal.Failure) error {
	return x.next().Fail(ctx, id, a, f)
}
func (x *twoHandles) Release(ctx context.Context, id int64, a int, r string) error {
	return x.next().Release(ctx, id, a, r)
}
func (x *twoHandles) Unfinished(ctx context.Context) ([]journal.Entry, error) {
	return x.next().Unfinished(ctx)
}
func (x *twoHandles) DoneBySHA256(ctx context.Context, sha string) ([]journal.Entry, error) {
	return x.next().DoneBySHA256(ctx, sha)
}
func (x *twoHandles) Get(ctx context.Context, id int64) (journal.Entry, error) {
	return x.next().Get(ctx, id)
}
func (x *twoHandles) Query(ctx context.Context, f journal.Filter) ([]journal.Entry, error) {
	return x.next().Query(ctx, f)
}
func (x *twoHandles) RecordKeys(ctx context.Context, id int64, a int, k []journal.Key) error {
	return x.next().RecordKeys(ctx, id, a, k)
}
func (x *twoHandles) KeySent(ctx context.Context, p, scope, key string) (int64, bool, error) {
	return x.next().KeySent(ctx, p, scope, key)
}
func (x *twoHandles) Close() error {
	err0, err1 := x.h[0].Close(), x.h[1].Close()
	if err0 != nil {
		return err0
	}
	return err1
}

func TestSQLiteContractTwoHandles(t *testing.T) {
	journaltest.Run(t, func(t *testing.T, now func() time.Time) (journal.Journal, func(*testing.T) journal.Journal) {
		path := filepath.Join(t.TempDir(), "journal.db")
		open := func(t *testing.T) journal.Journal {
			return &twoHandles{h: [2]journal.Journal{openSQLite(t, path, now), openSQLite(t, path, now)}}
		}
		return open(t), open
	})
}

func TestOpenRequiresClock(t *testing.T) {
	_, err := journal.Open(filepath.Join(t.TempDir(), "j.db"), journal.Options{})
	if err == nil || !strings.Contains(err.Error(), "Now") {
		t.Fatalf("Open without clock: %v", err)
	}
}

func TestOpenBadPath(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	now := journaltest.NewClock(time.Unix(0, 0)).Now
	for _, p := range []string{"", filepath.Join(dir, "a?b.db"), filepath.Join(blocker, "j.db")} {
		if j, err := journal.Open(p, journal.Options{Now: now}); err == nil {
			j.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
	// Not an SQLite file: refused, and left as it was.
	text := []byte(strings.Repeat("Artikelnummer;Bezeichnung;Preis\r\n0815;Schraube;0,10\r\n", 40))
	csv := filepath.Join(dir, "artikel.csv")
	if err := os.WriteFile(csv, text, 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(csv, journal.Options{Now: now})
	if err == nil {
		j.Close()
		t.Errorf("Open of a text file succeeded")
	} else {
		t.Logf("Open of a text file: %v", err)
	}
	if got, _ := os.ReadFile(csv); string(got) != string(text) {
		t.Errorf("Open changed the text file")
	}
}

func TestSchemaVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	now := journaltest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)).Now
	j := openSQLite(t, path, now)
	j.Close()
	j = openSQLite(t, path, now) // reopening does not migrate again
	j.Close()

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, v int
	var at, mode string
	if err := db.QueryRow(`SELECT COUNT(*), MAX(version), MAX(applied_at) FROM schema_version`).Scan(&n, &v, &at); err != nil {
		t.Fatal(err)
	}
	if n != journal.SchemaVersion || v != journal.SchemaVersion || at != "2026-01-02T03:04:05.000000006Z" { // one row per migration
		t.Errorf("schema_version: %d rows, version %d applied %s", n, v, at)
	}
	if err := db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q, %v; want wal", mode, err)
	}
	// A journal from a newer ferry is refused with a clear message.
	if _, err := db.Exec(`INSERT INTO schema_version (version, applied_at) VALUES (?, 'x')`, journal.SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	if _, err := journal.Open(path, journal.Options{Now: now}); err == nil || !strings.Contains(err.Error(), "newer ferry") {
		t.Errorf("Open of a newer journal: %v", err)
	}
}

func TestIndexesUsed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.db")
	openSQLite(t, path, time.Now).Close()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	queries := map[string]string{
		`SELECT id FROM entries WHERE sha256 = 'x' AND state = 'done'`:                                   "entries_sha256",
		`SELECT id FROM entries WHERE state IN ('claimed','committing','committed') ORDER BY claimed_at`: "entries_state",
		`SELECT id FROM entries WHERE pipeline = 'p' AND claimed_at >= 'x' ORDER BY claimed_at DESC`:     "entries_pipeline_time",
		`SELECT entry_id FROM outputs WHERE path = 'x'`:                                                  "outputs_path",
		`SELECT MAX(attempt) FROM entries WHERE pipeline = 'p' AND sha256 = 'x'`:                         "sqlite_autoindex_entries_1",
	}
	// KeySent's own statements, for one pipeline and for a shared
	// once_scope: a key is looked up for every record of a once output, so
	// a scan of all keys ever sent would make each file slower than the
	// last.
	for q, index := range journal.KeySentQueries {
		queries[q] = index
	}
	for q, index := range queries {
		args := make([]any, strings.Count(q, "?")) // NULLs: the plan does not depend on them
		rows, err := db.Query(`EXPLAIN QUERY PLAN `+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if !strings.Contains(strings.Join(plan, "; "), index) {
			t.Errorf("%s\nplan %q does not use %s", q, plan, index)
		}
	}
}

// BenchmarkSQLiteFile is the journal's cost per processed file: Claim,
// Staged (two outputs), Published, Finish, each a durable transaction.
// files/s = 1e9 / (ns/op).
func BenchmarkSQLiteFile(b *testing.B) {
	for _, handles := range []int{1, 2} {
		b.Run(fmt.Sprintf("handles=%d", handles), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "j.db")
			clock := journaltest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			js := make([]*journal.SQLite, handles)
			for i := range js {
				js[i] = openSQLite(b, path, clock.Now)
				defer js[i].Close()
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				j := js[i%handles]
				sha := fmt.Sprintf("%064x", i)
				e, err := j.Claim(ctx, journal.ClaimInfo{Pipeline: "artikel", Original: `C:\in\a.csv`, Work: `C:\work\a.csv`, Size: 1234, SHA256: sha, ConfigHash: "c"})
				if err != nil {
					b.Fatal(err)
				}
				outs := []journal.Output{{Path: `C:\out\a.csv`, Temp: `C:\out\.a.tmp`, Size: 1, SHA256: sha}, {Path: `C:\out\b.xml`, Temp: `C:\out\.b.tmp`, Size: 2, SHA256: sha}}
				if err := j.Staged(ctx, e.ID, e.Attempt, outs); err != nil {
					b.Fatal(err)
				}
				if err := j.Published(ctx, e.ID, e.Attempt); err != nil {
					b.Fatal(err)
				}
				if err := j.Finish(ctx, e.ID, e.Attempt, journal.Result{Archive: `C:\arch\a.csv`}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "files/s")
		})
	}
}

// BenchmarkSQLiteFileParallel runs the per-file steps from GOMAXPROCS
// goroutines on one handle: the throughput of one busy ferry process.
func BenchmarkSQLiteFileParallel(b *testing.B) {
	path := filepath.Join(b.TempDir(), "j.db")
	clock := journaltest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	j := openSQLite(b, path, clock.Now)
	defer j.Close()
	ctx := context.Background()
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			sha := fmt.Sprintf("%064x", n.Add(1))
			e, err := j.Claim(ctx, journal.ClaimInfo{Pipeline: "artikel", Original: "a", Work: "w", SHA256: sha})
			if err == nil {
				err = j.Staged(ctx, e.ID, e.Attempt, []journal.Output{{Path: "o", Temp: "t", SHA256: sha}})
			}
			if err == nil {
				err = j.Published(ctx, e.ID, e.Attempt)
			}
			if err == nil {
				err = j.Finish(ctx, e.ID, e.Attempt, journal.Result{})
			}
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "files/s")
}

// BenchmarkKeySentSharedScope looks a key up in a shared once_scope
// (pipeline "") of a journal that holds 100,000 keys: one lookup per
// record of a once output, so it must not grow with the journal.
func BenchmarkKeySentSharedScope(b *testing.B) {
	path := filepath.Join(b.TempDir(), "j.db")
	j := openSQLite(b, path, time.Now)
	defer j.Close()
	ctx := context.Background()
	for f := 0; f < 100; f++ {
		e, err := j.Claim(ctx, journal.ClaimInfo{Pipeline: "trackingcode", Original: "in/a.csv", Work: "work/a.csv", Size: 1, SHA256: fmt.Sprintf("%064x", f), ConfigHash: "c"})
		if err != nil {
			b.Fatal(err)
		}
		keys := make([]journal.Key, 1000)
		for i := range keys {
			keys[i] = journal.Key{Scope: "@versand", Key: fmt.Sprintf("LI%07d", f*1000+i)}
		}
		if err := j.RecordKeys(ctx, e.ID, e.Attempt, keys); err != nil {
			b.Fatal(err)
		}
		if err := j.Staged(ctx, e.ID, e.Attempt, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		if _, sent, err := j.KeySent(ctx, "", "@versand", fmt.Sprintf("LI%07d", (i*7919)%100000)); err != nil || !sent {
			b.Fatal(sent, err)
		}
	}
}
