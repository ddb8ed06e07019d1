package outbox

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestCommitMakesFileAppearWhole(t *testing.T) {
	dir := t.TempDir()
	final := filepath.Join(dir, "out.csv")
	o, err := Create(final)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := o.Write([]byte("a;b\r\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(final); !os.IsNotExist(err) {
		t.Fatalf("final name visible before commit: %v", err)
	}
	if !strings.HasPrefix(filepath.Base(o.TempName()), TempPrefix) {
		t.Errorf("temp name %q does not start with %q", o.TempName(), TempPrefix)
	}
	if err := o.Commit(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(final)
	if err != nil || string(b) != "a;b\r\n" {
		t.Fatalf("got %q, %v", b, err)
	}
	assertOnly(t, dir, "out.csv")
	if err := o.Abort(); err != nil {
		t.Errorf("abort after commit: %v", err)
	}
}

func TestAbortLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	o, err := Create(filepath.Join(dir, "out.csv"))
	if err != nil {
		t.Fatal(err)
	}
	_, _ = o.Write([]byte("partial"))
	if err := o.Abort(); err != nil {
		t.Fatal(err)
	}
	assertOnly(t, dir)
	if _, err := o.Write([]byte("x")); err == nil {
		t.Error("write after abort succeeded")
	}
}

func TestRefusedRenameIsRetriedThenReported(t *testing.T) {
	dir := t.TempDir()
	final := filepath.Join(dir, "out.csv")
	locked := errors.New("sharing violation")
	for _, c := range []struct {
		name      string
		failures  int
		wantError bool
	}{{"succeeds after 3 refusals", 3, false}, {"gives up after 10", 100, true}} {
		t.Run(c.name, func(t *testing.T) {
			o, err := Create(final)
			if err != nil {
				t.Fatal(err)
			}
			calls, slept := 0, time.Duration(0)
			o.Rename = func(a, b string) error {
				if calls++; calls <= c.failures {
					return locked
				}
				return os.Rename(a, b)
			}
			o.Retryable = func(err error) bool { return errors.Is(err, locked) }
			o.Sleep = func(d time.Duration) { slept += d }
			err = o.Commit()
			if c.wantError {
				if err == nil || !strings.Contains(err.Error(), "open in another program") {
					t.Fatalf("err = %v", err)
				}
				if calls != 10 {
					t.Errorf("%d rename attempts, want 10", calls)
				}
				assertOnly(t, dir)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if calls != 4 || slept != 350*time.Millisecond {
				t.Errorf("calls %d, slept %v", calls, slept)
			}
			assertOnly(t, dir, "out.csv")
			os.Remove(final)
		})
	}
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("folder holds %v, want %v", got, names)
	}
}

func TestBatchCommitsTogether(t *testing.T) {
	dir := t.TempDir()
	var b Batch
	for _, rel := range []string{"a.csv", "10001/index.json"} {
		w, err := b.Create(dir, rel)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(rel))
	}
	if _, err := b.Create(dir, "a.csv"); err == nil {
		t.Error("the same file staged twice")
	}
	if _, err := b.Create(dir, "../escape.csv"); err == nil {
		t.Error("a name outside the folder was accepted")
	}
	assertOnlyPrefix(t, dir, TempPrefix)
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, p := range b.Paths() {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	assertOnly(t, dir, "10001", "a.csv")
}

func TestBatchAbortRemovesEverything(t *testing.T) {
	dir := t.TempDir()
	var b Batch
	w, _ := b.Create(dir, "x.xml")
	w.Write([]byte("<half"))
	b.Abort()
	assertOnly(t, dir)
	if err := b.Commit(); err == nil {
		t.Error("commit after abort succeeded")
	}
}

// assertOnlyPrefix checks that dir holds files and that every one of them
// is a temp file.
func assertOnlyPrefix(t *testing.T, dir, prefix string) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		if !strings.HasPrefix(d.Name(), prefix) {
			t.Errorf("%s is visible before commit", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Errorf("%s holds no staged file", dir)
	}
}

// refuseFS is the OS with renames to one final name refused.
type refuseFS struct {
	OS
	refuse string
}

func (f refuseFS) Rename(a, b string) error {
	if filepath.Base(b) == f.refuse {
		return &os.LinkError{Op: "rename", Old: a, New: b, Err: syscall.EROFS}
	}
	return os.Rename(a, b)
}

// TestBatchCommitFailureTakesBackWhatWasPublished: the second rename of a
// commit is refused; the first file, already renamed, is removed again and
// no temp file stays: nothing of the batch is visible.
func TestBatchCommitFailureTakesBackWhatWasPublished(t *testing.T) {
	dir := t.TempDir()
	b := Batch{FS: refuseFS{refuse: "b.csv"}}
	for _, rel := range []string{"a.csv", "b.csv", "c.csv"} {
		w, err := b.Create(dir, rel)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(rel))
	}
	err := b.Commit()
	if !errors.Is(err, syscall.EROFS) {
		t.Fatalf("commit: %v", err)
	}
	assertOnly(t, dir)
}

// TestBatchCommitFailurePutsBackReplacedFiles: a file the batch replaced
// (a lookup table the run extended) is back with its old content after a
// failed commit, and replaced after a good one, with no temp file left.
func TestBatchCommitFailurePutsBackReplacedFiles(t *testing.T) {
	for _, fail := range []bool{true, false} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "table.csv"), []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		b := Batch{FS: refuseFS{refuse: "z.csv"}}
		if !fail {
			b.FS = nil
		}
		for _, rel := range []string{"table.csv", "z.csv"} {
			w, err := b.Create(dir, rel)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte("new " + rel))
		}
		err := b.Commit()
		if fail != (err != nil) {
			t.Fatalf("fail %v: commit: %v", fail, err)
		}
		got, _ := os.ReadFile(filepath.Join(dir, "table.csv"))
		if fail {
			assertOnly(t, dir, "table.csv")
			if string(got) != "old" {
				t.Errorf("table after a failed commit: %q", got)
			}
		} else {
			assertOnly(t, dir, "table.csv", "z.csv")
			if string(got) != "new table.csv" {
				t.Errorf("table after a commit: %q", got)
			}
		}
	}
}

// presentFS checks before every rename and remove that the file a batch
// replaces is still there: a reader (a lookup table being reloaded, an
// importer) must see the old or the new version, never no file at all.
type presentFS struct {
	FS
	t     *testing.T
	final string
}

func (p presentFS) check(op string) {
	if _, err := os.Stat(p.final); err != nil {
		p.t.Errorf("before %s: %s is missing: %v", op, filepath.Base(p.final), err)
	}
}

func (p presentFS) Rename(from, to string) error {
	p.check("renaming " + filepath.Base(from))
	return p.FS.Rename(from, to)
}

func (p presentFS) Link(a, b string) error {
	if l, ok := p.FS.(interface{ Link(string, string) error }); ok {
		return l.Link(a, b)
	}
	return errors.ErrUnsupported
}

func (p presentFS) Open(name string) (io.ReadCloser, error) {
	return os.Open(name)
}

func (p presentFS) Remove(name string) error {
	p.check("removing " + filepath.Base(name))
	return p.FS.Remove(name)
}

// withoutLink hides OS.Link: a share without hard links, where the old
// version is kept as a copy.
type withoutLink struct{ inner OS }

func (w withoutLink) Create(name string) (io.WriteCloser, error) { return w.inner.Create(name) }
func (w withoutLink) Rename(a, b string) error                   { return w.inner.Rename(a, b) }
func (w withoutLink) Remove(name string) error                   { return w.inner.Remove(name) }
func (w withoutLink) MkdirAll(d string, p fs.FileMode) error     { return w.inner.MkdirAll(d, p) }
func (w withoutLink) Stat(name string) (fs.FileInfo, error)      { return w.inner.Stat(name) }
func (w withoutLink) Open(name string) (io.ReadCloser, error)    { return w.inner.Open(name) }

// TestBatchReplaceNeverLeavesTheNameEmpty is the regression test of a
// lookup table that a run failed to read ("file not found") while another
// run's commit replaced it: the old version was moved aside before the
// new one took its place.
func TestBatchReplaceNeverLeavesTheNameEmpty(t *testing.T) {
	for name, base := range map[string]FS{"link": OS{}, "copy": withoutLink{}} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			final := filepath.Join(dir, "table.csv")
			if err := os.WriteFile(final, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			b := Batch{FS: presentFS{FS: base, t: t, final: final}}
			w, err := b.Create(dir, "table.csv")
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte("new"))
			if err := b.Commit(); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(final); string(got) != "new" {
				t.Errorf("table: %q", got)
			}
			assertOnly(t, dir, "table.csv")
		})
	}
}
