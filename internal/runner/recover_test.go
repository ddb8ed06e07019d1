package runner

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/internal/journal"
)

var errCrash = errors.New("simulated crash")

// crashAfter is a Runner.crashAt that fails with errCrash at stage.
func crashAfter(stage string) func(string) error {
	return func(s string) error {
		if s == stage {
			return errCrash
		}
		return nil
	}
}

func TestRunOnce(t *testing.T) {
	e := newEnv(t, nil)
	e.drop("artikel-bad.csv", read(t, filepath.Join(badDir, "artikel-bad-decimal.csv")))
	e.drop("artikel.csv.part", []byte("still uploading"))
	sum, err := e.r.RunOnce(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 1 || sum.Failed != 1 || sum.Duplicates != 0 || len(sum.Results) != 2 {
		t.Fatalf("summary %+v", sum)
	}
	errDir := "error/" + pipeName + "/"
	same(t, e.files(), []string{"archive/" + pipeName + "/2026-03-16/artikel.csv",
		errDir + "artikel-bad.csv", errDir + "artikel-bad.csv.error.txt", inboxRel + "/artikel.csv.part", outRel})

	// Nothing left: a second run finds nothing.
	sum, err = e.r.RunOnce(context.Background(), nil)
	if err != nil || len(sum.Results) != 0 {
		t.Fatalf("second run: %+v, %v", sum, err)
	}
	if _, err := e.r.RunOnce(context.Background(), []string{"nope"}); err == nil {
		t.Error("unknown pipeline name accepted")
	}
}

// TestRecover interrupts ProcessFile at each stage, restarts (a new runner
// on the same journal), recovers and runs again: every time exactly one
// output with the expected bytes, the input archived once, no temp file
// and no unfinished journal entry.
func TestRecover(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stage  string
		after  func(t *testing.T, e *env, ent journal.Entry) // what else happened before the crash
		action string                                        // what Recover reports
	}{
		{name: "claimed", stage: "claimed", action: "put back"},
		{name: "staged", stage: "staged", action: "published"},
		{name: "half-published", stage: "staged", action: "published", after: func(t *testing.T, e *env, ent journal.Entry) {
			// one rename of the commit happened (here the only one)
			if err := os.Rename(ent.Outputs[0].Temp, ent.Outputs[0].Path); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "temp-incomplete", stage: "staged", action: "put back", after: func(t *testing.T, e *env, ent journal.Entry) {
			if err := os.WriteFile(ent.Outputs[0].Temp, []byte("torn"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "temp-missing", stage: "staged", action: "put back", after: func(t *testing.T, e *env, ent journal.Entry) {
			os.Remove(ent.Outputs[0].Temp)
		}},
		{name: "published", stage: "published", action: "archived"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, nil)
			input := read(t, e.path(inboxRel+"/artikel.csv"))
			e.r.crashAt = crashAfter(tc.stage)
			res, err := e.r.ProcessFile(ctx, pipeName, e.claim("artikel.csv"))
			if !errors.Is(err, errCrash) {
				t.Fatalf("ProcessFile: %v", err)
			}
			ent, err := e.j.Get(ctx, res.EntryID)
			if err != nil {
				t.Fatal(err)
			}
			if tc.after != nil {
				tc.after(t, e, ent)
			}

			e.open() // restart
			rec, err := e.r.Recover(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(rec) != 1 || rec[0].Action != tc.action {
				t.Fatalf("recovered %+v, want one %q", rec, tc.action)
			}
			if _, err := e.r.RunOnce(ctx, nil); err != nil {
				t.Fatal(err)
			}
			same(t, e.files(), []string{"archive/" + pipeName + "/2026-03-16/artikel.csv", outRel})
			if got := read(t, e.path(outRel)); !bytes.Equal(got, expectedOutput(t)) {
				t.Error("output differs from a clean run")
			}
			if got := read(t, e.path("archive/"+pipeName+"/2026-03-16/artikel.csv")); !bytes.Equal(got, input) {
				t.Error("archived input differs")
			}
			if un, _ := e.j.Unfinished(ctx); len(un) != 0 {
				t.Errorf("unfinished entries left: %+v", un)
			}
			done, _ := e.j.Query(ctx, journal.Filter{States: []journal.State{journal.StateDone}})
			if len(done) != 1 {
				t.Errorf("%d done entries, want 1", len(done))
			}
			// The work folder is empty.
			if left, _ := os.ReadDir(e.r.WorkDir(pipeName)); len(left) != 0 {
				t.Errorf("work folder not empty: %v", left)
			}
		})
	}
}

func TestRecoverNothing(t *testing.T) {
	e := newEnv(t, nil)
	rec, err := e.r.Recover(context.Background())
	if err != nil || len(rec) != 0 {
		t.Fatalf("%+v %v", rec, err)
	}
}

func TestReport(t *testing.T) {
	got := Report("x.csv", errors.New("disk full"))
	if !strings.HasPrefix(got, "Die Datei x.csv wurde nicht verarbeitet") || !strings.Contains(got, "\ndisk full\n") {
		t.Errorf("report:\n%s", got)
	}
}

// TestRunOnceSameContentAtOnce drops one content under several names at
// once: with several workers it is processed once, the others are
// archived as duplicates.
func TestRunOnceSameContentAtOnce(t *testing.T) {
	e := newEnv(t, nil)
	e.r.Workers = 4
	input := read(t, e.path(inboxRel+"/artikel.csv"))
	for _, n := range []string{"b.csv", "c.csv", "d.csv", "e.csv", "f.csv"} {
		e.drop(n, input)
	}
	sum, err := e.r.RunOnce(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != 1 || sum.Duplicates != 5 || sum.Failed != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if left, _ := os.ReadDir(e.path(inboxRel)); len(left) != 0 {
		t.Errorf("inbox not empty: %v", left)
	}
	if e.r.inflight != nil && len(e.r.inflight) != 0 {
		t.Errorf("locks left: %d", len(e.r.inflight))
	}
}

// TestRunOnceManyFiles processes distinct files with several workers:
// each exactly once.
func TestRunOnceManyFiles(t *testing.T) {
	e := newEnv(t, nil)
	e.r.Workers = 3
	input := read(t, e.path(inboxRel+"/artikel.csv"))
	const n = 12
	for i := range n {
		// a distinct content per file: one more CRLF at the end
		e.drop("a"+strings.Repeat("x", i)+".csv", append(bytes.Clone(input), bytes.Repeat([]byte("\r\n"), i+1)...))
	}
	sum, err := e.r.RunOnce(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Done != n+1 || len(sum.Results) != n+1 {
		t.Fatalf("summary %+v", sum)
	}
	outs, _ := os.ReadDir(filepath.Dir(e.path(outRel)))
	if len(outs) != n+1 {
		t.Errorf("%d outputs, want %d", len(outs), n+1)
	}
	for _, o := range outs {
		if got := read(t, filepath.Join(filepath.Dir(e.path(outRel)), o.Name())); !bytes.Equal(got, expectedOutput(t)) {
			t.Errorf("%s differs", o.Name())
		}
	}
}

// TestProcessFileCancelled: a cancelled run puts the input back untouched.
func TestProcessFileCancelled(t *testing.T) {
	e := newEnv(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.r.ProcessFile(ctx, pipeName, e.claim("artikel.csv")); err == nil {
		t.Fatal("no error")
	}
	same(t, e.files(), []string{inboxRel + "/artikel.csv"})
	if un, _ := e.j.Unfinished(context.Background()); len(un) != 0 {
		t.Errorf("unfinished: %+v", un)
	}
}

// TestDoneMarker: the done-marker travels with its input: into the archive,
// and back into the inbox when recovery gives the input back.
func TestDoneMarker(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, func(s string) string {
		return strings.Replace(s, "  encoding: windows-1252\n", "  encoding: windows-1252\n  done_marker: \"{name}.done\"\n", 1)
	})
	// Without its marker the file is not ready.
	if sum, err := e.r.RunOnce(ctx, nil); err != nil || len(sum.Results) != 0 {
		t.Fatalf("%+v %v", sum, err)
	}
	e.drop("artikel.csv.done", nil)
	// Crash right after the claim; recovery puts both back.
	e.r.crashAt = crashAfter("claimed")
	if _, err := e.r.RunOnce(ctx, nil); !errors.Is(err, errCrash) {
		t.Fatalf("RunOnce: %v", err)
	}
	e.open()
	if _, err := e.r.Recover(ctx); err != nil {
		t.Fatal(err)
	}
	same(t, e.files(), []string{inboxRel + "/artikel.csv", inboxRel + "/artikel.csv.done"})
	sum, err := e.r.RunOnce(ctx, nil)
	if err != nil || sum.Done != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	arch := "archive/" + pipeName + "/2026-03-16/"
	same(t, e.files(), []string{arch + "artikel.csv", arch + "artikel.csv.done", outRel})
}

// The crash test (internal/cli/crash_test.go) killed `ferry run` at points
// that TestRecover's stages did not cover; each case below is one of them,
// reproduced deterministically.
func TestRecoverCrashRegressions(t *testing.T) {
	ctx := context.Background()
	errDir := "error/" + pipeName + "/"

	// Killed while the pipeline wrote its outputs: the temp files were
	// not journaled yet (Staged comes after), and stayed in the outbox.
	t.Run("temp-before-staged", func(t *testing.T) {
		e := newEnv(t, nil)
		cl := e.claim("artikel.csv")
		if _, err := e.j.Claim(ctx, journal.ClaimInfo{Pipeline: pipeName, Original: filepath.Join(cl.Dir, cl.Name), Work: cl.Path, SHA256: "x"}); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(e.path(outRel)), 0o755); err != nil {
			t.Fatal(err)
		}
		tmp := filepath.Join(filepath.Dir(e.path(outRel)), ".ferry-artikel-products.csv.123.tmp")
		rej := e.path(errDir + ".ferry-artikel.csv.rejected.csv.456.tmp")
		for _, p := range []string{tmp, rej} {
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte("half"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		e.open()
		if _, err := e.r.Recover(ctx); err != nil {
			t.Fatal(err)
		}
		same(t, e.files(), []string{inboxRel + "/artikel.csv"})
	})

	// Killed between inbox.Claim's rename and the journal's Claim: the
	// input lay in the work folder with no entry, and was never processed.
	t.Run("claimed-not-journaled", func(t *testing.T) {
		e := newEnv(t, nil)
		e.claim("artikel.csv")
		e.open()
		rec, err := e.r.Recover(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec) != 1 || rec[0].Action != "put back" || rec[0].Path != e.path(inboxRel+"/artikel.csv") {
			t.Fatalf("recovered %+v", rec)
		}
		sum, err := e.r.RunOnce(ctx, nil)
		if err != nil || sum.Done != 1 {
			t.Fatalf("%+v %v", sum, err)
		}
		same(t, e.files(), []string{"archive/" + pipeName + "/2026-03-16/artikel.csv", outRel})
	})

	// Killed after a bad file's report was written, before the input moved
	// beside it: the next attempt wrote "name (2).csv" and a second report.
	t.Run("report-before-move", func(t *testing.T) {
		e := newEnv(t, nil)
		os.Remove(e.path(inboxRel + "/artikel.csv"))
		bad := read(t, filepath.Join(badDir, "artikel-bad-decimal.csv"))
		e.drop("artikel-bad-decimal.csv", bad)
		e.r.crashAt = crashAfter("reported")
		if _, err := e.r.ProcessFile(ctx, pipeName, e.claim("artikel-bad-decimal.csv")); !errors.Is(err, errCrash) {
			t.Fatalf("ProcessFile: %v", err)
		}
		e.open()
		if _, err := e.r.Recover(ctx); err != nil {
			t.Fatal(err)
		}
		sum, err := e.r.RunOnce(ctx, nil)
		if err != nil || sum.Failed != 1 {
			t.Fatalf("%+v %v", sum, err)
		}
		moved := errDir + "artikel-bad-decimal.csv"
		same(t, e.files(), []string{moved, moved + ".error.txt"})
		if un, _ := e.j.Unfinished(ctx); len(un) != 0 {
			t.Errorf("unfinished entries left: %+v", un)
		}
	})

	// The same for a duplicate's note: killed after the note was written,
	// before the input moved beside it.
	t.Run("note-before-move", func(t *testing.T) {
		e := newEnv(t, nil)
		input := read(t, e.path(inboxRel+"/artikel.csv"))
		if _, err := e.r.ProcessFile(ctx, pipeName, e.claim("artikel.csv")); err != nil {
			t.Fatal(err)
		}
		e.drop("artikel.csv", input)
		e.r.crashAt = crashAfter("noted")
		if _, err := e.r.ProcessFile(ctx, pipeName, e.claim("artikel.csv")); !errors.Is(err, errCrash) {
			t.Fatalf("ProcessFile: %v", err)
		}
		e.open()
		if _, err := e.r.Recover(ctx); err != nil {
			t.Fatal(err)
		}
		sum, err := e.r.RunOnce(ctx, nil)
		if err != nil || sum.Duplicates != 1 {
			t.Fatalf("%+v %v", sum, err)
		}
		arch := "archive/" + pipeName + "/2026-03-16/"
		same(t, e.files(), []string{arch + "artikel (2).csv", arch + "artikel (2).csv.duplicate.txt", arch + "artikel.csv", outRel})
		if un, _ := e.j.Unfinished(ctx); len(un) != 0 {
			t.Errorf("unfinished entries left: %+v", un)
		}
	})
}

// The journal gaps the crash test found: the files were right after a kill
// between a move and its journal step, but the journal was not.
func TestRecoverJournalGaps(t *testing.T) {
	ctx := context.Background()

	// Killed after a bad file reached the error folder, before Fail: the
	// entry was released by Recover (history --failed missed it); now it
	// ends failed with its error path and report.
	t.Run("moved-to-error-before-fail", func(t *testing.T) {
		e := newEnv(t, nil)
		os.Remove(e.path(inboxRel + "/artikel.csv"))
		e.drop("artikel-bad-decimal.csv", read(t, filepath.Join(badDir, "artikel-bad-decimal.csv")))
		e.r.crashAt = crashAfter("moved")
		res, err := e.r.ProcessFile(ctx, pipeName, e.claim("artikel-bad-decimal.csv"))
		if !errors.Is(err, errCrash) {
			t.Fatalf("ProcessFile: %v", err)
		}
		e.open()
		rec, err := e.r.Recover(ctx)
		if err != nil {
			t.Fatal(err)
		}
		moved := e.path("error/" + pipeName + "/artikel-bad-decimal.csv")
		if len(rec) != 1 || rec[0].Action != "failed" || rec[0].Path != moved {
			t.Fatalf("recovered %+v", rec)
		}
		ent, err := e.j.Get(ctx, res.EntryID)
		if err != nil {
			t.Fatal(err)
		}
		report := read(t, moved+".error.txt")
		if ent.State != journal.StateFailed || ent.ErrorPath != moved || ent.Error != string(report) {
			t.Errorf("entry %s %q, error %q", ent.State, ent.ErrorPath, ent.Error)
		}
		if !strings.Contains(ent.Error, "VK1") {
			t.Errorf("the journaled report is not the report: %q", ent.Error)
		}
		same(t, e.files(), []string{"error/" + pipeName + "/artikel-bad-decimal.csv", "error/" + pipeName + "/artikel-bad-decimal.csv.error.txt"})
	})

	// Killed after archiving, before Finish: the entry ended done with an
	// empty archive path; now Recover finds the archived input.
	for _, dup := range []bool{false, true} {
		name := "archived-before-finish"
		if dup {
			name += "-duplicate"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, nil)
			input := read(t, e.path(inboxRel+"/artikel.csv"))
			arch := "archive/" + pipeName + "/2026-03-16/"
			want := e.path(arch + "artikel.csv")
			if dup {
				// The first copy is done and archived; the second has the
				// same content, so the hash alone cannot tell them apart.
				if _, err := e.r.ProcessFile(ctx, pipeName, e.claim("artikel.csv")); err != nil {
					t.Fatal(err)
				}
				e.drop("artikel.csv", input)
				want = e.path(arch + "artikel (2).csv")
			}
			e.r.crashAt = crashAfter("archived")
			res, err := e.r.ProcessFile(ctx, pipeName, e.claim("artikel.csv"))
			if !errors.Is(err, errCrash) {
				t.Fatalf("ProcessFile: %v", err)
			}
			// The next day: the archive date is the day of the move.
			e.clock.Sleep(ctx, 24*time.Hour)
			e.open()
			rec, err := e.r.Recover(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(rec) != 1 || rec[0].Action != "archived" || rec[0].Path != want {
				t.Fatalf("recovered %+v, want archived to %s", rec, want)
			}
			ent, err := e.j.Get(ctx, res.EntryID)
			if err != nil {
				t.Fatal(err)
			}
			if ent.State != journal.StateDone || ent.Archive != want {
				t.Errorf("entry %s, archive %q, want %q", ent.State, ent.Archive, want)
			}
		})
	}
}
