// Package storetest is the contract test suite every store.Store
// implementation must pass: reading and listing, claiming and giving back,
// staging and publishing a batch together or not at all, the attempt fence
// (a stale attempt never publishes over a newer one), finishing an
// interrupted commit, moves with free names, small atomic files, temp
// files, and, where the implementation can inject them, storage faults
// (full disk, read-only folder, refused rename) that leave nothing partial
// behind.
//
// The suite uses only the Store's own methods to set up and check files,
// so an implementation that does not keep files in local folders can run
// it unchanged.
package storetest

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/ferry-sync/ferry/internal/inbox"
	"github.com/ferry-sync/ferry/internal/journal"
	"github.com/ferry-sync/ferry/internal/store"
)

// Operations a Harness's Fault can make fail.
const (
	// OpCreate: creating a file (a staged output, a Put).
	OpCreate = "create"
	// OpWrite: writing to a created file.
	OpWrite = "write"
	// OpRename: renaming a file (the path is the old one: a temp file when
	// publishing).
	OpRename = "rename"
)

// Harness is one fresh, empty store for one subtest.
type Harness struct {
	// Store is the store under test.
	Store store.Store
	// Dir is the root below which the subtest's locations (inbox, work,
	// outbox, archive folders) are; the store must accept paths below it.
	Dir string
	// Fault, when not nil, makes every later operation op on a path
	// matching the filepath.Match pattern glob fail with err, until
	// ClearFaults. Without it the fault subtests are skipped.
	Fault func(op, glob string, err error)
	// ClearFaults removes every fault.
	ClearFaults func()
}

// Factory makes a Harness for one subtest.
type Factory func(t *testing.T) Harness

// Run runs every subtest of the contract on stores made by f.
func Run(t *testing.T, f Factory) {
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"PutOpenListStat", testPut},
		{"ClaimAndUnclaim", testClaim},
		{"ClaimSkipsChangedAndGone", testClaimSkips},
		{"CommitMakesAllVisibleTogether", testCommit},
		{"AbortLeavesNothing", testAbort},
		{"CreateNewKeepsBoth", testCreateNew},
		{"CreateRefusesEscapeAndTwice", testCreateRefuses},
		{"StaleAttemptNeverPublishes", testStale},
		{"PublishFinishesAnInterruptedCommit", testPublish},
		{"MoveTakesAFreeName", testMove},
		{"RemoveAndTemps", testRemove},
		{"FullDiskLeavesNothing", testFullDisk},
		{"ReadOnlyOutboxLeavesNothing", testReadOnly},
		{"RefusedRenameTakesBackTheBatch", testRefusedRename},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, f(t)) })
	}
}

func (h Harness) path(rel string) string { return filepath.Join(h.Dir, filepath.FromSlash(rel)) }

func put(t *testing.T, h Harness, rel, data string) string {
	t.Helper()
	p := h.path(rel)
	if err := h.Store.Put(p, []byte(data)); err != nil {
		t.Fatalf("Put %s: %v", rel, err)
	}
	return p
}

// content returns a file's content, or "<missing>".
func content(t *testing.T, s store.Store, path string) string {
	t.Helper()
	r, err := s.Open(path)
	if err != nil {
		return "<missing>"
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading %s: %v", path, err)
	}
	return string(b)
}

// names lists a folder's file names (folders with a trailing "/"; none for
// a missing folder).
func names(t *testing.T, s store.Store, dir string) []string {
	t.Helper()
	des, err := s.List(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, d := range des {
		n := d.Name()
		if d.IsDir() {
			n += "/"
		}
		out = append(out, n)
	}
	return out
}

func wantNames(t *testing.T, s store.Store, dir string, want ...string) {
	t.Helper()
	got := names(t, s, dir)
	if !slices.Equal(got, want) {
		t.Errorf("%s holds %q, want %q", dir, got, want)
	}
}

func candidate(t *testing.T, h Harness, dir, name string) inbox.Candidate {
	t.Helper()
	st, err := h.Store.Stat(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return inbox.Candidate{Dir: dir, Name: name, Size: st.Size(), ModTime: st.ModTime()}
}

func testPut(t *testing.T, h Harness) {
	s := h.Store
	p := put(t, h, "in/b.csv", "second")
	put(t, h, "in/a.csv", "first")
	put(t, h, "in/sub/c.csv", "deep")
	wantNames(t, s, h.path("in"), "a.csv", "b.csv", "sub/")
	if got := content(t, s, p); got != "second" {
		t.Errorf("content %q", got)
	}
	put(t, h, "in/b.csv", "replaced")
	if got := content(t, s, p); got != "replaced" {
		t.Errorf("Put did not replace: %q", got)
	}
	st, err := s.Stat(p)
	if err != nil || st.Size() != int64(len("replaced")) {
		t.Errorf("Stat: %v, %v", st, err)
	}
	if _, err := s.Stat(h.path("in/none.csv")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Stat of a missing file: %v", err)
	}
	if _, err := s.List(h.path("nowhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("List of a missing folder: %v", err)
	}
	if tmp, err := s.Temps(h.path("in")); err != nil || len(tmp) != 0 {
		t.Errorf("Put left temp files: %v %v", tmp, err)
	}
}

func testClaim(t *testing.T, h Harness) {
	s := h.Store
	in, work := h.path("inbox"), h.path("work/p")
	put(t, h, "inbox/a.csv", "data")
	cl, err := s.Claim(candidate(t, h, in, "a.csv"), work)
	if err != nil {
		t.Fatal(err)
	}
	wantNames(t, s, in)
	if got := content(t, s, cl.Path); got != "data" {
		t.Errorf("claimed file holds %q", got)
	}
	if filepath.Dir(cl.Path) != work || cl.Name != "a.csv" || cl.Dir != in {
		t.Errorf("claimed %+v", cl)
	}
	// A newer file took the name meanwhile: the claimed one comes back
	// beside it.
	put(t, h, "inbox/a.csv", "newer")
	back, err := s.Unclaim(cl)
	if err != nil {
		t.Fatal(err)
	}
	if back != filepath.Join(in, "a (2).csv") || content(t, s, back) != "data" {
		t.Errorf("put back as %s", back)
	}
	wantNames(t, s, in, "a (2).csv", "a.csv")
	wantNames(t, s, work)
}

func testClaimSkips(t *testing.T, h Harness) {
	s := h.Store
	in, work := h.path("inbox"), h.path("work/p")
	put(t, h, "inbox/a.csv", "data")
	c := candidate(t, h, in, "a.csv")
	c.Size++
	if _, err := s.Claim(c, work); !errors.Is(err, inbox.ErrChanged) {
		t.Errorf("claiming a changed file: %v", err)
	}
	c.Size--
	if _, err := s.Claim(c, work); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(c, work); !errors.Is(err, inbox.ErrGone) {
		t.Errorf("claiming it twice: %v", err)
	}
}

// stage stages files (rel → content) in dir for attempt a.
func stage(t *testing.T, s store.Store, a store.Attempt, dir string, files ...string) (store.Batch, []store.Output) {
	t.Helper()
	b, err := s.Stage(a)
	if err != nil {
		t.Fatalf("Stage %+v: %v", a, err)
	}
	var outs []store.Output
	for i := 0; i+1 < len(files); i += 2 {
		o, err := b.Create(dir, files[i])
		if err != nil {
			t.Fatalf("Create %s: %v", files[i], err)
		}
		if _, err := o.Write([]byte(files[i+1])); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, o)
	}
	return b, outs
}

func attempt(n int) store.Attempt { return store.Attempt{Pipeline: "p", SHA256: "abc", Number: n} }

func testCommit(t *testing.T, h Harness) {
	s := h.Store
	out := h.path("outbox")
	b, outs := stage(t, s, attempt(1), out, "a.csv", "A", "sub/b.csv", "B")
	for _, o := range outs {
		if content(t, s, o.Path()) != "<missing>" {
			t.Errorf("%s visible before the commit", o.Path())
		}
		if o.Temp() == o.Path() || o.Temp() == "" {
			t.Errorf("temp %q for %q", o.Temp(), o.Path())
		}
	}
	if tmp, _ := s.Temps(out); len(tmp) != 2 {
		t.Errorf("Temps lists %q while staging, want the 2 staged files", tmp)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if content(t, s, filepath.Join(out, "a.csv")) != "A" || content(t, s, filepath.Join(out, "sub", "b.csv")) != "B" {
		t.Error("outputs missing or wrong after the commit")
	}
	wantNames(t, s, out, "a.csv", "sub/")
	if tmp, _ := s.Temps(out); len(tmp) != 0 {
		t.Errorf("temps left: %q", tmp)
	}
	if err := b.Commit(); err == nil {
		t.Error("a second commit of the batch succeeded")
	}
}

func testAbort(t *testing.T, h Harness) {
	s := h.Store
	out := h.path("outbox")
	put(t, h, "outbox/keep.csv", "kept")
	b, _ := stage(t, s, attempt(1), out, "a.csv", "A", "keep.csv", "overwritten?")
	b.Abort()
	wantNames(t, s, out, "keep.csv")
	if got := content(t, s, filepath.Join(out, "keep.csv")); got != "kept" {
		t.Errorf("abort changed an existing file: %q", got)
	}
	if err := b.Commit(); err == nil {
		t.Error("commit after abort succeeded")
	}
	wantNames(t, s, out, "keep.csv")
}

func testCreateRefuses(t *testing.T, h Harness) {
	s := h.Store
	b, err := s.Stage(attempt(1))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	out := h.path("outbox")
	if _, err := b.Create(out, "../escape.csv"); err == nil {
		t.Error("a name outside the folder was accepted")
	}
	if _, err := b.Create(out, "a.csv"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Create(out, "a.csv"); err == nil {
		t.Error("the same file was staged twice")
	}
}

// testStale: a commit carries its attempt; once a newer attempt of the
// same input staged, the older one can never publish, whichever commits
// first.
func testStale(t *testing.T, h Harness) {
	s := h.Store
	out := h.path("outbox")
	final := filepath.Join(out, "a.csv")

	// The stale worker commits first: refused, nothing visible.
	old, _ := stage(t, s, attempt(1), out, "a.csv", "old")
	newer, _ := stage(t, s, attempt(2), out, "a.csv", "new")
	if err := old.Commit(); !errors.Is(err, store.ErrStale) {
		t.Fatalf("stale commit: %v, want ErrStale", err)
	}
	if got := content(t, s, final); got != "<missing>" {
		t.Fatalf("the stale attempt published %q", got)
	}
	if err := newer.Commit(); err != nil {
		t.Fatal(err)
	}

	// The newer one committed first; the stale one comes late: refused,
	// the newer output stays.
	late, _ := stage(t, s, attempt(3), out, "b.csv", "three")
	newest, _ := stage(t, s, attempt(4), out, "b.csv", "four")
	if err := newest.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := late.Commit(); !errors.Is(err, store.ErrStale) {
		t.Fatalf("late stale commit: %v, want ErrStale", err)
	}
	if got := content(t, s, filepath.Join(out, "b.csv")); got != "four" {
		t.Errorf("b.csv holds %q, want the newer attempt's", got)
	}
	if got := content(t, s, final); got != "new" {
		t.Errorf("a.csv holds %q", got)
	}

	// An older attempt cannot even start staging, nor finish a commit.
	if _, err := s.Stage(attempt(2)); !errors.Is(err, store.ErrStale) {
		t.Errorf("staging an old attempt: %v", err)
	}
	if err := s.Publish(attempt(1), []journal.Output{{Path: final}}); !errors.Is(err, store.ErrStale) {
		t.Errorf("publishing an old attempt: %v", err)
	}
	// Other inputs (another hash, another pipeline) are not fenced.
	other := store.Attempt{Pipeline: "p", SHA256: "def", Number: 1}
	b, _ := stage(t, s, other, out, "c.csv", "C")
	if err := b.Commit(); err != nil {
		t.Errorf("another input's attempt 1: %v", err)
	}
	if tmp, _ := s.Temps(out); len(tmp) != 0 {
		t.Errorf("temps left: %q", tmp)
	}
	wantNames(t, s, out, "a.csv", "b.csv", "c.csv")
}

// testPublish: the journal recorded the staged outputs (path, temp), then
// the process died before or during the commit; Publish finishes it.
func testPublish(t *testing.T, h Harness) {
	s := h.Store
	out := h.path("outbox")
	_, outs := stage(t, s, attempt(1), out, "a.csv", "A", "b.csv", "B")
	var jo []journal.Output
	for _, o := range outs {
		jo = append(jo, journal.Output{Path: o.Path(), Temp: o.Temp()})
	}
	// (The batch is dropped unfinished, as by a crash.)
	if err := s.Publish(attempt(1), jo); err != nil {
		t.Fatal(err)
	}
	wantNames(t, s, out, "a.csv", "b.csv")
	if content(t, s, jo[0].Path) != "A" || content(t, s, jo[1].Path) != "B" {
		t.Error("published contents differ")
	}
	// Again (a crash during recovery): the temp files are gone, nothing
	// changes.
	if err := s.Publish(attempt(1), jo); err != nil {
		t.Fatal(err)
	}
	wantNames(t, s, out, "a.csv", "b.csv")
}

func testMove(t *testing.T, h Harness) {
	s := h.Store
	src := put(t, h, "work/1-a.csv", "one")
	put(t, h, "archive/a.csv", "earlier")
	dst, err := s.Move(src, h.path("archive"), "a.csv")
	if err != nil {
		t.Fatal(err)
	}
	if dst != h.path("archive/a (2).csv") || content(t, s, dst) != "one" {
		t.Errorf("moved to %s", dst)
	}
	wantNames(t, s, h.path("work"))
	src = put(t, h, "work/2-x.csv", "two")
	dst, err = s.Move(src, h.path("error/p"), "x.csv") // the folder is created
	if err != nil || dst != h.path("error/p/x.csv") {
		t.Errorf("moved to %s: %v", dst, err)
	}
	// A free name: the name itself when it is not taken, else numbered.
	if n, err := s.FreeName(h.path("error/p"), "y.csv"); err != nil || n != "y.csv" {
		t.Errorf("FreeName of a free name: %q %v", n, err)
	}
	if n, err := s.FreeName(h.path("error/p"), "x.csv"); err != nil || n != "x (2).csv" {
		t.Errorf("FreeName of a taken name: %q %v", n, err)
	}
}

func testRemove(t *testing.T, h Harness) {
	s := h.Store
	p := put(t, h, "outbox/a.csv", "A")
	if err := s.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := s.Remove(p); err != nil {
		t.Errorf("removing a missing file: %v", err)
	}
	if tmp, err := s.Temps(h.path("nowhere")); err != nil || len(tmp) != 0 {
		t.Errorf("Temps of a missing folder: %v %v", tmp, err)
	}
	// A batch dropped without Commit or Abort (a crash) leaves temps that
	// Temps finds, at any depth, and Remove deletes.
	_, outs := stage(t, s, attempt(1), h.path("outbox"), "x/y/z.csv", "Z")
	tmp, err := s.Temps(h.path("outbox"))
	if err != nil || len(tmp) != 1 || tmp[0] != outs[0].Temp() {
		t.Fatalf("Temps: %q %v, want %q", tmp, err, outs[0].Temp())
	}
	if err := s.Remove(tmp[0]); err != nil {
		t.Fatal(err)
	}
	if tmp, _ := s.Temps(h.path("outbox")); len(tmp) != 0 {
		t.Errorf("temps left: %q", tmp)
	}
}

func needFaults(t *testing.T, h Harness) {
	if h.Fault == nil {
		t.Skip("the store under test cannot inject faults")
	}
	t.Cleanup(h.ClearFaults)
}

// afterFault checks that nothing of a failed batch is visible, then that a
// newer attempt succeeds once the fault is gone.
func afterFault(t *testing.T, h Harness, out string, n int, want ...string) {
	t.Helper()
	s := h.Store
	if tmp, _ := s.Temps(out); len(tmp) != 0 {
		t.Errorf("temps left after the fault: %q", tmp)
	}
	wantNames(t, s, out, want...)
	h.ClearFaults()
	b, _ := stage(t, s, attempt(n+1), out, "a.csv", "A", "b.csv", "B")
	if err := b.Commit(); err != nil {
		t.Fatalf("commit after the fault is gone: %v", err)
	}
	if content(t, s, filepath.Join(out, "a.csv")) != "A" || content(t, s, filepath.Join(out, "b.csv")) != "B" {
		t.Error("outputs wrong after the fault is gone")
	}
}

func testFullDisk(t *testing.T, h Harness) {
	needFaults(t, h)
	s := h.Store
	out := h.path("outbox")
	h.Fault(OpWrite, filepath.Join(out, "*"), syscall.ENOSPC)
	b, err := s.Stage(attempt(1))
	if err != nil {
		t.Fatal(err)
	}
	o, err := b.Create(out, "a.csv")
	if err == nil {
		_, err = o.Write(bytes.Repeat([]byte("x"), 100))
	}
	if !errors.Is(err, syscall.ENOSPC) || !store.IsFault(err) {
		t.Fatalf("writing on a full disk: %v", err)
	}
	b.Abort()
	afterFault(t, h, out, 1)
	// A Put on a full disk leaves nothing, not even a temp file.
	h.Fault(OpWrite, filepath.Join(h.path("error"), "*"), syscall.ENOSPC)
	if err := s.Put(h.path("error/r.txt"), []byte("report")); !store.IsFault(err) {
		t.Errorf("Put on a full disk: %v", err)
	}
	wantNames(t, s, h.path("error"))
}

func testReadOnly(t *testing.T, h Harness) {
	needFaults(t, h)
	s := h.Store
	out := h.path("outbox")
	put(t, h, "outbox/a.csv", "old")
	for _, e := range []error{syscall.EROFS, syscall.EACCES} {
		h.Fault(OpCreate, filepath.Join(out, "*"), e)
		b, err := s.Stage(attempt(1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.Create(out, "a.csv"); !errors.Is(err, e) || !store.IsFault(err) {
			t.Errorf("creating in a read-only outbox (%v): %v", e, err)
		}
		b.Abort()
		h.ClearFaults()
	}
	if got := content(t, s, filepath.Join(out, "a.csv")); got != "old" {
		t.Errorf("a.csv holds %q", got)
	}
	afterFault(t, h, out, 1, "a.csv")
}

// testRefusedRename: the second rename of a commit is refused (a read-only
// outbox, a file held by another program): the first output, already
// published, is taken back, and a file it replaced is put back.
func testRefusedRename(t *testing.T, h Harness) {
	needFaults(t, h)
	s := h.Store
	out := h.path("outbox")
	put(t, h, "outbox/a.csv", "old")
	b, outs := stage(t, s, attempt(1), out, "a.csv", "new A", "b.csv", "new B", "c.csv", "new C")
	h.Fault(OpRename, outs[1].Temp(), syscall.EACCES)
	err := b.Commit()
	if !errors.Is(err, syscall.EACCES) || !store.IsFault(err) {
		t.Fatalf("commit with a refused rename: %v", err)
	}
	if got := content(t, s, filepath.Join(out, "a.csv")); got != "old" {
		t.Errorf("a.csv holds %q after the failed commit, want the old content", got)
	}
	afterFault(t, h, out, 1, "a.csv")
	if strings.Contains(content(t, s, filepath.Join(out, "c.csv")), "new C") {
		t.Error("c.csv of the failed batch is visible")
	}
}

// testCreateNew: CreateNew never takes the name of an existing file or of
// a file another open batch staged; the batch that gets the name back
// after an abort publishes under it; nothing is overwritten; sub-folders
// of rel are kept.
func testCreateNew(t *testing.T, h Harness) {
	s := h.Store
	out := h.path("outbox")
	put(t, h, "outbox/x.csv", "first")
	stage := func(a store.Attempt) store.Batch {
		b, err := s.Stage(a)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b1 := stage(attempt(1))
	b2 := stage(store.Attempt{Pipeline: "p", SHA256: "other", Number: 1})
	b3 := stage(store.Attempt{Pipeline: "p", SHA256: "third", Number: 1})
	o1, err := b1.CreateNew(out, "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	o2, err := b2.CreateNew(out, "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(o1.Path()) != "x (2).csv" || filepath.Base(o2.Path()) != "x (3).csv" {
		t.Fatalf("CreateNew gave %q and %q; want x (2).csv and x (3).csv", filepath.Base(o1.Path()), filepath.Base(o2.Path()))
	}
	b1.Abort()
	o3, err := b3.CreateNew(out, "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(o3.Path()) != "x (2).csv" {
		t.Fatalf("after the abort, CreateNew gave %q; want x (2).csv", filepath.Base(o3.Path()))
	}
	o3.Write([]byte("second"))
	o2.Write([]byte("third"))
	if err := b2.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := b3.Commit(); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"x.csv": "first", "x (2).csv": "second", "x (3).csv": "third"} {
		if got := content(t, s, filepath.Join(out, name)); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	b4 := stage(store.Attempt{Pipeline: "p", SHA256: "fourth", Number: 1})
	defer b4.Abort()
	o4, err := b4.CreateNew(out, "10002/index.json")
	if err != nil {
		t.Fatal(err)
	}
	if o4.Path() != filepath.Join(out, "10002", "index.json") {
		t.Errorf("sub-folder: %q", o4.Path())
	}
}
