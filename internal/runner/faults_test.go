package runner

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/internal/inbox/inboxtest"
	"github.com/ferry-sync/ferry/internal/journal"
	"github.com/ferry-sync/ferry/internal/store"
)

// faulty puts the env's runner on a store whose file system injects
// faults (over the real folders) and returns the injector.
func (e *env) faulty() *inboxtest.Faulty {
	f := inboxtest.NewFaulty(store.OSFS{})
	e.r.Store = store.NewLocal(f)
	return f
}

// byState returns the journal's entries by state.
func (e *env) byState(ctx context.Context) map[journal.State][]journal.Entry {
	e.t.Helper()
	all, err := e.j.Query(ctx, journal.Filter{})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[journal.State][]journal.Entry{}
	for _, en := range all {
		out[en.State] = append(out[en.State], en)
	}
	return out
}

// TestStoreFaults: a full disk, a read-only outbox or error folder, a
// refused rename while publishing. The decision per fault class (see
// ProcessFile): a fault of the store is not the input's fault, so the input
// goes back into its inbox unchanged, its journal entry is released with
// the reason, nothing of the attempt is visible anywhere (no output, no
// temp file, no report); once the fault is gone, the next run processes it
// exactly once.
func TestStoreFaults(t *testing.T) {
	outDir := filepath.Dir(outRel)
	errDir := "error/" + pipeName
	for _, tc := range []struct {
		name  string
		bad   bool   // drop a bad file instead of the good one
		op    string // the faulted operation
		dir   string // in this folder (relative)
		glob  string // on these names
		errno syscall.Errno
		msg   string // in the release reason
		times int    // how often the fault fires (0: until cleared)
	}{
		{name: "full-disk-outbox", op: inboxtest.OpWrite, dir: outDir, glob: "*", errno: syscall.ENOSPC, msg: "no space left on device"},
		{name: "read-only-outbox", op: inboxtest.OpCreate, dir: outDir, glob: "*", errno: syscall.EROFS, msg: "read-only file system"},
		{name: "outbox-access-denied", op: inboxtest.OpCreate, dir: outDir, glob: "*", errno: syscall.EACCES, msg: "permission denied"},
		{name: "publish-refused", op: inboxtest.OpRename, dir: outDir, glob: ".ferry-*", errno: syscall.EACCES, msg: "publishing the outputs of artikel.csv"},
		{name: "publish-read-only", op: inboxtest.OpRename, dir: outDir, glob: ".ferry-*", errno: syscall.EROFS, msg: "read-only file system"},
		{name: "full-disk-error-folder", bad: true, op: inboxtest.OpWrite, dir: errDir, glob: "*", errno: syscall.ENOSPC, msg: "writing the error report"},
		{name: "read-only-error-folder", bad: true, op: inboxtest.OpCreate, dir: errDir, glob: "*", errno: syscall.EROFS, msg: "read-only file system"},
		{name: "error-folder-move-refused", bad: true, op: inboxtest.OpRename, dir: ".ferry/work/" + pipeName, glob: "*", errno: syscall.EACCES, msg: "moving artikel-bad-decimal.csv to the error folder", times: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, nil)
			name := "artikel.csv"
			if tc.bad {
				name = "artikel-bad-decimal.csv"
				e.drop(name, read(t, filepath.Join(badDir, name)))
				if err := e.r.store().Remove(e.path(inboxRel + "/artikel.csv")); err != nil {
					t.Fatal(err)
				}
			}
			input := read(t, e.path(inboxRel+"/"+name))
			f := e.faulty()
			f.Inject(inboxtest.Fault{Op: tc.op, Path: filepath.Join(e.path(tc.dir), tc.glob), Err: tc.errno, Times: tc.times})

			sum, err := e.r.RunOnce(ctx, nil)
			if !errors.Is(err, ErrGivenBack) || !errors.Is(err, tc.errno) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("RunOnce: %v", err)
			}
			if len(sum.Results) != 0 {
				t.Errorf("results %+v", sum.Results)
			}
			// Nothing partial anywhere: the input is back, unchanged.
			same(t, e.files(), []string{inboxRel + "/" + name})
			if got := read(t, e.path(inboxRel+"/"+name)); !bytes.Equal(got, input) {
				t.Error("the input changed")
			}
			ents := e.byState(ctx)
			if len(ents[journal.StateReleased]) != 1 || len(ents) != 1 {
				t.Fatalf("journal: %+v", ents)
			}
			if reason := ents[journal.StateReleased][0].Error; !strings.Contains(reason, tc.msg) {
				t.Errorf("release reason %q does not say %q", reason, tc.msg)
			}

			// The fault is gone: the next run processes it once.
			f.ClearFaults()
			sum, err = e.r.RunOnce(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			ents = e.byState(ctx)
			if tc.bad {
				if sum.Failed != 1 || len(ents[journal.StateFailed]) != 1 {
					t.Fatalf("%+v, journal %+v", sum, ents)
				}
				same(t, e.files(), []string{errDir + "/" + name, errDir + "/" + name + ".error.txt"})
				return
			}
			if sum.Done != 1 || len(ents[journal.StateDone]) != 1 || len(ents[journal.StateReleased]) != 1 {
				t.Fatalf("%+v, journal %+v", sum, ents)
			}
			same(t, e.files(), []string{"archive/" + pipeName + "/2026-03-16/artikel.csv", outRel})
			if got := read(t, e.path(outRel)); !bytes.Equal(got, expectedOutput(t)) {
				t.Error("output differs from a clean run")
			}
		})
	}
}

// TestStoreFaultWhileArchiving: the outputs are published, then moving the
// input to the archive is refused. It must not run again (its outputs are
// out), so it stays in the work folder with its entry committed; Recover
// archives it once the fault is gone.
func TestStoreFaultWhileArchiving(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	f := e.faulty()
	f.Inject(inboxtest.Fault{Op: inboxtest.OpRename, Path: filepath.Join(e.r.WorkDir(pipeName), "*"), Err: syscall.EACCES})
	_, err := e.r.RunOnce(ctx, nil)
	if err == nil || errors.Is(err, ErrGivenBack) || !strings.Contains(err.Error(), "stays in the work folder until it is archived") {
		t.Fatalf("RunOnce: %v", err)
	}
	if got := read(t, e.path(outRel)); !bytes.Equal(got, expectedOutput(t)) {
		t.Error("output differs from a clean run")
	}
	if ents := e.byState(ctx); len(ents[journal.StateCommitted]) != 1 {
		t.Fatalf("journal %+v", ents)
	}
	f.ClearFaults()
	rec, err := e.r.Recover(ctx)
	if err != nil || len(rec) != 1 || rec[0].Action != "archived" {
		t.Fatalf("recovered %+v, %v", rec, err)
	}
	same(t, e.files(), []string{"archive/" + pipeName + "/2026-03-16/artikel.csv", outRel})
	if ents := e.byState(ctx); len(ents[journal.StateDone]) != 1 || len(ents) != 1 {
		t.Fatalf("journal %+v", ents)
	}
}

// TestStoreFaultPublishTakesBackOutputs: an input with two outputs (the
// products file and, under on_error reject, the rejects file in the error
// folder); the second rename of the commit is refused. The first output,
// already renamed, is taken back: nothing is visible, the input is back.
func TestStoreFaultPublishTakesBackOutputs(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, func(s string) string { return s + "on_error: reject\n" })
	if err := e.r.store().Remove(e.path(inboxRel + "/artikel.csv")); err != nil {
		t.Fatal(err)
	}
	e.drop("artikel.csv", read(t, filepath.Join(badDir, "artikel-bad-decimal.csv")))
	// The rejects file is staged first (the first bad record comes before
	// the first output record), so the products file's rename is refused.
	f := e.faulty()
	f.Inject(inboxtest.Fault{Op: inboxtest.OpRename, Path: filepath.Join(filepath.Dir(e.path(outRel)), ".ferry-*"), Err: syscall.EACCES})
	_, err := e.r.RunOnce(ctx, nil)
	if !errors.Is(err, ErrGivenBack) || !errors.Is(err, syscall.EACCES) {
		t.Fatalf("RunOnce: %v", err)
	}
	same(t, e.files(), []string{inboxRel + "/artikel.csv"})
	rel := e.byState(ctx)[journal.StateReleased]
	if len(rel) != 1 || len(rel[0].Outputs) != 2 || filepath.Dir(rel[0].Outputs[1].Path) != filepath.Dir(e.path(outRel)) {
		t.Fatalf("released entries %+v: the products file must be staged second for this test", rel)
	}
	f.ClearFaults()
	if sum, err := e.r.RunOnce(ctx, nil); err != nil || sum.Done != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	same(t, e.files(), []string{"archive/" + pipeName + "/2026-03-16/artikel.csv", "error/" + pipeName + "/artikel.csv.rejected.csv", outRel})
}

// TestWatchRetriesAfterPublishFault: while watching, publishing is refused
// (a read-only outbox). The input does not wait in the work folder until
// a restart: it goes back to its inbox, the log says when it is tried
// again, and it is held back, doubling from twice the settle time per
// fault; once the fault is gone it is processed exactly once.
func TestWatchRetriesAfterPublishFault(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	f := e.faulty()
	f.Inject(inboxtest.Fault{Op: inboxtest.OpRename, Path: filepath.Join(filepath.Dir(e.path(outRel)), ".ferry-*"), Err: syscall.EROFS})
	retryLine := `^.*level=ERROR msg="file not processed; it is back in its inbox and is tried again" pipeline=` + pipeName + ` file=artikel.csv retry_in=`
	released := func() int { return len(e.byState(ctx)[journal.StateReleased]) }

	w := e.watch(WatchOptions{})
	w.round() // the file is seen
	e.advance(2 * time.Second)
	w.round() // settled: processed, publishing refused
	w.log.waitFor(t, retryLine+`4s error=".*read-only file system`, 1)
	same(t, e.files(), []string{inboxRel + "/artikel.csv"})
	if n := released(); n != 1 {
		t.Fatalf("%d released entries, want 1", n)
	}

	// Held back 4 s: seen again, settled, tried again (still refused).
	e.advance(2 * time.Second)
	w.round()
	e.advance(2 * time.Second)
	w.round()
	w.log.waitFor(t, retryLine+`8s `, 1)

	// Now held back 8 s: settled after 4 s, but not tried yet.
	f.ClearFaults()
	e.advance(2 * time.Second)
	w.round()
	e.advance(2 * time.Second)
	w.round()
	e.advance(2 * time.Second)
	w.round()
	if n := released(); n != 2 || w.log.count(`msg=done`) != 0 {
		t.Fatalf("tried again before its backoff passed: %d released\n%s", n, w.log)
	}
	e.advance(2 * time.Second)
	w.round()
	w.log.waitFor(t, doneLine+`artikel.csv `, 1)
	for range 3 {
		e.advance(10 * time.Second)
		w.round()
	}
	w.stop(t)
	if n := w.log.count(`msg=done`); n != 1 {
		t.Errorf("%d done lines:\n%s", n, w.log)
	}
	ents := e.byState(ctx)
	if len(ents[journal.StateDone]) != 1 || len(ents[journal.StateReleased]) != 2 || len(ents) != 2 {
		t.Errorf("journal: %+v", ents)
	}
	same(t, e.files(), []string{"archive/" + pipeName + "/2026-03-16/artikel.csv", outRel})
	if got := read(t, e.path(outRel)); !bytes.Equal(got, expectedOutput(t)) {
		t.Error("output differs from a clean run")
	}
}

// TestWatchRetriesArchiving: while watching, the outputs are published but
// the input cannot be moved to the archive. It must not run again; Watch
// tries the archiving again with backoff (logged) instead of leaving it in
// the work folder until a restart.
func TestWatchRetriesArchiving(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	f := e.faulty()
	f.Inject(inboxtest.Fault{Op: inboxtest.OpRename, Path: filepath.Join(e.r.WorkDir(pipeName), "*"), Err: syscall.EACCES})
	w := e.watch(WatchOptions{})
	w.round()
	e.advance(2 * time.Second)
	w.round() // processed; archiving refused
	w.log.waitFor(t, `^.*level=ERROR msg="file processed and its outputs published, but not archived; archiving is tried again" pipeline=`+pipeName+` file=artikel.csv retry_in=4s `, 1)
	e.advance(4 * time.Second)
	w.round() // tried again, still refused
	w.log.waitFor(t, `^.*level=ERROR msg="archiving failed again; it is tried again" pipeline=`+pipeName+` file=artikel.csv retry_in=8s `, 1)
	f.ClearFaults()
	e.advance(6 * time.Second)
	w.round() // not yet
	if w.log.count(`archived after`) != 0 {
		t.Fatal("archived before its backoff passed")
	}
	e.advance(2 * time.Second)
	w.round()
	w.log.waitFor(t, `^.*level=INFO msg="archived after an earlier failure" pipeline=`+pipeName+` file=artikel.csv path=`, 1)
	e.advance(10 * time.Second)
	w.round()
	w.stop(t)
	same(t, e.files(), []string{"archive/" + pipeName + "/2026-03-16/artikel.csv", outRel})
	ents := e.byState(ctx)
	if len(ents[journal.StateDone]) != 1 || len(ents) != 1 {
		t.Fatalf("journal %+v", ents)
	}
	d := ents[journal.StateDone][0]
	if d.Archive != e.path("archive/"+pipeName+"/2026-03-16/artikel.csv") || d.Counts.In == 0 {
		t.Errorf("done entry: archive %q, counts %+v", d.Archive, d.Counts)
	}
	if got := read(t, e.path(outRel)); !bytes.Equal(got, expectedOutput(t)) {
		t.Error("output differs from a clean run")
	}
}

// TestStoreFaultRestoresLookupTable: an assign step extends a lookup table
// in the same commit as the output. Publishing the table is refused after
// the output was out and the old table moved aside: the output is taken
// back and the old table put back, byte for byte; the input is back in its
// inbox. Once the fault is gone, the next run writes both.
func TestStoreFaultRestoresLookupTable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	table := "CustomerId;Kundennummer\n1;10000\n"
	for name, content := range map[string]string{
		"ferry.yaml": "version: 1\ntables:\n  kundennummern: {file: lookups/kundennummern.csv, key: [CustomerId]}\n",
		"pipelines/kunden.yaml": `name: kunden
input: {inbox: inbox, format: csv}
steps:
  - assign: {table: kundennummern, key: CustomerId, into: Kundennummer, range: {from: 10000, to: 19999}}
outputs:
  - {outbox: outbox, name: "${input.stem}.csv", format: csv, options: {line_ending: lf}}
`,
		"lookups/kundennummern.csv": table,
		"inbox/k.csv":               "CustomerId;Name\n1;Stammkunde\n7;Neukunde\n",
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{t: t, dir: dir, clock: &clock{t: time.Date(2026, 3, 16, 9, 30, 0, 0, time.UTC)}}
	e.open()
	f := e.faulty()
	f.Inject(inboxtest.Fault{Op: inboxtest.OpRename, Path: filepath.Join(dir, "lookups", ".ferry-kundennummern.csv.*.tmp"), Err: syscall.EROFS})
	_, err := e.r.RunOnce(ctx, nil)
	if !errors.Is(err, ErrGivenBack) || !errors.Is(err, syscall.EROFS) {
		t.Fatalf("RunOnce: %v", err)
	}
	rel := e.byState(ctx)[journal.StateReleased]
	if len(rel) != 1 || len(rel[0].Outputs) != 2 || filepath.Base(rel[0].Outputs[1].Path) != "kundennummern.csv" {
		t.Fatalf("released %+v: the table must be the second output for this test", rel)
	}
	same(t, e.files(), []string{"inbox/k.csv"})
	if got := string(read(t, filepath.Join(dir, "lookups", "kundennummern.csv"))); got != table {
		t.Errorf("the table after the failed commit:\n%s", got)
	}
	if names, _ := os.ReadDir(filepath.Join(dir, "lookups")); len(names) != 1 {
		t.Errorf("lookups holds %v", names)
	}

	f.ClearFaults()
	if sum, err := e.r.RunOnce(ctx, nil); err != nil || sum.Done != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	if got := string(read(t, filepath.Join(dir, "lookups", "kundennummern.csv"))); got != table+"7;10001\n" {
		t.Errorf("the table after the good run:\n%s", got)
	}
	if got := string(read(t, filepath.Join(dir, "outbox", "k.csv"))); !strings.Contains(got, "7;Neukunde;10001") {
		t.Errorf("output:\n%s", got)
	}
}
