package runner

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferry-sync/ferry/internal/inbox/inboxtest"
	"github.com/ferry-sync/ferry/internal/journal"
	"github.com/ferry-sync/ferry/internal/store"
)

// TestRunnerOnlyUsesItsStore runs the example project on a store that
// keeps every file in memory: the input is only there, a crash after
// staging is recovered, and the outputs, the archive and the error folder
// appear only there. Had ProcessFile, Recover or RunOnce touched the disk
// directly, the input would not be found or the disk would have changed.
func TestRunnerOnlyUsesItsStore(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, nil)
	input := read(t, e.path(inboxRel+"/artikel.csv"))
	bad := read(t, filepath.Join(badDir, "artikel-bad-decimal.csv"))
	if err := os.Remove(e.path(inboxRel + "/artikel.csv")); err != nil {
		t.Fatal(err)
	}
	before := e.files()
	mem := inboxtest.New(nil)
	mem.WriteFile(e.path(inboxRel+"/artikel.csv"), input)
	mem.WriteFile(e.path(inboxRel+"/bad.csv"), bad)
	e.r.Store = store.NewLocal(mem)
	e.r.crashAt = crashAfter("staged")
	sum, err := e.r.RunOnce(ctx, nil) // bad.csv fails, artikel.csv crashes
	if !errors.Is(err, errCrash) || sum.Failed != 1 {
		t.Fatalf("RunOnce: %+v, %v", sum, err)
	}
	e.open() // restart, on the same files
	e.r.Store = store.NewLocal(mem)
	if rec, err := e.r.Recover(ctx); err != nil || len(rec) != 1 || rec[0].Action != "published" {
		t.Fatalf("recovered %+v, %v", rec, err)
	}
	if sum, err := e.r.RunOnce(ctx, nil); err != nil || len(sum.Results) != 0 {
		t.Fatalf("%+v %v", sum, err)
	}
	same(t, e.files(), before) // the disk is untouched
	got, err := mem.ReadFile(e.path(outRel))
	if err != nil || !bytes.Equal(got, expectedOutput(t)) {
		t.Errorf("output in the store: %v", err)
	}
	if a, err := mem.ReadFile(e.path("archive/" + pipeName + "/2026-03-16/artikel.csv")); err != nil || !bytes.Equal(a, input) {
		t.Errorf("archive in the store: %v", err)
	}
	if _, err := mem.ReadFile(e.path("error/" + pipeName + "/bad.csv.error.txt")); err != nil {
		t.Errorf("error report in the store: %v", err)
	}
	if n := mem.Names(e.path(inboxRel)); len(n) != 0 {
		t.Errorf("inbox in the store holds %v", n)
	}
	ents := e.byState(ctx)
	if len(ents[journal.StateDone]) != 1 || len(ents[journal.StateFailed]) != 1 {
		t.Errorf("journal %+v", ents)
	}
}
