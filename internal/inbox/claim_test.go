package inbox_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/internal/inbox"
	"github.com/ferry-sync/ferry/internal/inbox/inboxtest"
)

// ready puts name into the inbox and scans until it is ready.
func (e *env) ready(name string) inbox.Candidate {
	e.t.Helper()
	e.fs.WriteFile(e.path(name), []byte("Nr;Name\n1;Müller\n"))
	e.scan()
	e.clk.Advance(2 * time.Second)
	cs, err := e.s.Scan(context.Background())
	if err != nil || len(cs) != 1 {
		e.t.Fatalf("ready %s: %+v %v", name, cs, err)
	}
	return cs[0]
}

func TestClaimOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(e *env, c inbox.Candidate)
		want    error // nil: claimed; else errors.Is target
		skipped bool
		inInbox bool // the file is still (or again) in the inbox afterwards
		again   bool // Scan returns it again once settled
	}{
		{name: "ok", setup: func(*env, inbox.Candidate) {}},
		{name: "changed", setup: func(e *env, c inbox.Candidate) { e.fs.Append(c.Path(), []byte("2;x\n")) },
			want: inbox.ErrChanged, skipped: true, inInbox: true, again: true},
		{name: "mtime changed", setup: func(e *env, c inbox.Candidate) { e.fs.SetModTime(c.Path(), time.Unix(1, 0)) },
			want: inbox.ErrChanged, skipped: true, inInbox: true, again: true},
		{name: "vanished", setup: func(e *env, c inbox.Candidate) { e.fs.Remove(c.Path()) },
			want: inbox.ErrGone, skipped: true},
		{name: "taken by another instance", setup: func(e *env, c inbox.Candidate) {
			e.fs.Hook = func(op, p string) error {
				if op == inboxtest.OpRename && p == c.Path() {
					e.fs.Hook = nil
					e.fs.MkdirAll(filepath.FromSlash("/data/work2"), 0o755)
					e.fs.Rename(p, filepath.FromSlash("/data/work2/a.csv"))
				}
				return nil
			}
		}, want: inbox.ErrGone, skipped: true},
		{name: "written during claim", setup: func(e *env, c inbox.Candidate) {
			// A writer holding the file open keeps writing after the rename:
			// simulate by changing the claimed file right after it moves.
			e.fs.Hook = func(op, p string) error {
				if op == inboxtest.OpStat && strings.HasPrefix(p, workDir) && strings.HasSuffix(p, "-"+c.Name) && e.fs.Exists(p) {
					e.fs.Hook = nil
					e.fs.Append(p, []byte("more"))
				}
				return nil
			}
		}, want: inbox.ErrChanged, skipped: true, inInbox: true, again: true},
		{name: "busy", setup: func(e *env, c inbox.Candidate) {
			e.fs.Inject(inboxtest.Fault{Op: inboxtest.OpRename, Err: inbox.ErrBusy, Times: 1})
		}, want: inbox.ErrBusy, skipped: true, inInbox: true, again: true},
		{name: "rename refused", setup: func(e *env, c inbox.Candidate) {
			e.fs.Inject(inboxtest.Fault{Op: inboxtest.OpRename, Err: syscall.EACCES})
		}, want: syscall.EACCES, inInbox: true},
		{name: "disk full", setup: func(e *env, c inbox.Candidate) {
			e.fs.Inject(inboxtest.Fault{Op: inboxtest.OpMkdir, Err: syscall.ENOSPC})
		}, want: syscall.ENOSPC, inInbox: true},
		{name: "other volume", setup: func(e *env, c inbox.Candidate) {
			e.fs.Inject(inboxtest.Fault{Op: inboxtest.OpRename, Err: syscall.EXDEV})
		}, want: syscall.EXDEV, inInbox: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, inbox.Config{})
			c := e.ready("a.csv")
			tc.setup(e, c)
			cl, err := e.s.Claim(c, workDir)
			e.fs.ClearFaults()
			e.fs.Hook = nil
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if b, _ := e.fs.ReadFile(cl.Path); !strings.Contains(string(b), "Müller") {
					t.Fatalf("claimed content %q", b)
				}
				if filepath.Dir(cl.Path) != workDir || !strings.HasSuffix(cl.Path, "-a.csv") || cl.Name != "a.csv" || cl.Dir != inDir {
					t.Fatalf("claimed %+v", cl)
				}
			} else if !errors.Is(err, tc.want) {
				t.Fatalf("Claim error %v, want %v", err, tc.want)
			}
			if inbox.Skipped(err) != tc.skipped {
				t.Errorf("Skipped(%v) = %v", err, !tc.skipped)
			}
			if err != nil && !strings.Contains(err.Error(), c.Path()) {
				t.Errorf("error does not name the file: %v", err)
			}
			if got := e.fs.Exists(c.Path()); got != tc.inInbox {
				t.Fatalf("in inbox = %v; inbox %q work %q", got, e.fs.Names(inDir), e.fs.Names(workDir))
			}
			if tc.inInbox && len(e.fs.Names(workDir)) != 0 {
				t.Fatalf("work folder not empty: %q", e.fs.Names(workDir))
			}
			e.scan()
			e.clk.Advance(2 * time.Second)
			if got := len(e.scan()) == 1; got != tc.again {
				t.Errorf("returned again = %v, want %v", got, tc.again)
			}
		})
	}
}

func TestClaimMarkerRefusedPutsFileBack(t *testing.T) {
	e := newEnv(t, inbox.Config{DoneMarker: "{name}.done"})
	e.fs.WriteFile(e.path("a.csv.done"), nil)
	c := e.ready("a.csv")
	e.fs.Inject(inboxtest.Fault{Op: inboxtest.OpRename, Path: e.path("a.csv.done"), Err: syscall.EACCES})
	_, err := inbox.Claim(c, workDir)
	if !errors.Is(err, syscall.EACCES) || !strings.Contains(err.Error(), "done-marker") {
		t.Fatalf("Claim: %v", err)
	}
	if got := e.fs.Names(inDir); !slices.Equal(got, []string{"a.csv", "a.csv.done"}) {
		t.Fatalf("inbox %q", got)
	}
}

func TestUnclaim(t *testing.T) {
	e := newEnv(t, inbox.Config{DoneMarker: "{name}.done"})
	e.fs.WriteFile(e.path("a.csv.done"), nil)
	c := e.ready("a.csv")
	cl, err := inbox.Claim(c, workDir)
	if err != nil {
		t.Fatal(err)
	}
	// No clash: back under its own name.
	if p, err := inbox.Unclaim(cl); err != nil || p != e.path("a.csv") {
		t.Fatalf("Unclaim = %q, %v", p, err)
	}
	// Clash: newer files took the names.
	for _, want := range []string{"a (2).csv", "a (3).csv"} {
		cl, err = inbox.Claim(c, workDir)
		if err != nil {
			t.Fatal(err)
		}
		e.fs.WriteFile(e.path("a.csv"), []byte("newer"))
		p, err := inbox.Unclaim(cl)
		if err != nil || p != e.path(want) {
			t.Fatalf("Unclaim = %q, %v; want %s", p, err, want)
		}
		if !e.fs.Exists(e.path(want + ".done")) {
			t.Fatalf("marker did not follow: %q", e.fs.Names(inDir))
		}
		if b, _ := e.fs.ReadFile(e.path("a.csv")); string(b) != "newer" {
			t.Fatal("the newer file was replaced")
		}
		e.fs.Remove(e.path("a.csv"))
		e.fs.Rename(e.path(want), e.path("a.csv"))
		e.fs.Rename(e.path(want+".done"), e.path("a.csv.done"))
		e.fs.WriteFile(e.path(want), []byte("taken"))
	}
	// A refused rename is an error and leaves the file claimed.
	cl, err = inbox.Claim(c, workDir)
	if err != nil {
		t.Fatal(err)
	}
	e.fs.Inject(inboxtest.Fault{Op: inboxtest.OpRename, Err: syscall.EACCES, Times: 1})
	if _, err := inbox.Unclaim(cl); !errors.Is(err, syscall.EACCES) {
		t.Fatalf("Unclaim with refused rename: %v", err)
	}
	if !e.fs.Exists(cl.Path) {
		t.Fatal("claimed file lost")
	}
}

func TestThousandFilesOnce(t *testing.T) {
	e := newEnv(t, inbox.Config{})
	const n = 1000
	for i := range n {
		e.fs.WriteFile(e.path(fmt.Sprintf("f%04d.csv", i)), []byte("x"))
	}
	seen := map[string]int{}
	for range 5 {
		for _, name := range e.scan() {
			seen[name]++
		}
		e.clk.Advance(time.Second)
	}
	if len(seen) != n {
		t.Fatalf("%d files returned, want %d", len(seen), n)
	}
	for name, k := range seen {
		if k != 1 {
			t.Fatalf("%s returned %d times", name, k)
		}
	}
}

// TestTwoInstances runs two scanners (two "ferry instances") on one real
// inbox, claiming concurrently: every file is claimed exactly once.
func TestTwoInstances(t *testing.T) {
	root := t.TempDir()
	in := filepath.Join(root, "in")
	os.Mkdir(in, 0o755)
	const n = 1000
	for i := range n {
		if err := os.WriteFile(filepath.Join(in, fmt.Sprintf("f%04d.csv", i)), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		won  = map[string]int{}
		errs []error
	)
	for k := range 2 {
		wg.Go(func() {
			clk := &inboxtest.Clock{}
			s, err := inbox.New(inbox.Config{Dir: in}, inbox.Options{Now: clk.Now})
			if err != nil {
				panic(err)
			}
			work := filepath.Join(root, fmt.Sprintf("work%d", k))
			for range 3 {
				cs, err := s.Scan(context.Background())
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
				for _, c := range cs {
					_, err := s.Claim(c, work)
					mu.Lock()
					switch {
					case err == nil:
						won[c.Name]++
					case !errors.Is(err, inbox.ErrGone):
						errs = append(errs, err)
					}
					mu.Unlock()
				}
				clk.Advance(2 * time.Second)
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(won) != n {
		t.Fatalf("%d files claimed, want %d", len(won), n)
	}
	for name, k := range won {
		if k != 1 {
			t.Fatalf("%s claimed %d times", name, k)
		}
	}
	left, _ := os.ReadDir(in)
	w0, _ := os.ReadDir(filepath.Join(root, "work0"))
	w1, _ := os.ReadDir(filepath.Join(root, "work1"))
	if len(left) != 0 || len(w0)+len(w1) != n {
		t.Fatalf("left %d, work %d+%d", len(left), len(w0), len(w1))
	}
	t.Logf("instance 0 claimed %d, instance 1 claimed %d", len(w0), len(w1))
}

func TestInboxtestFaults(t *testing.T) {
	f := inboxtest.New(nil)
	f.Inject(inboxtest.Fault{Op: inboxtest.OpWrite, Path: filepath.FromSlash("/out/*"), Err: syscall.ENOSPC, Times: 1})
	w, err := f.Create(filepath.FromSlash("/out/a"))
	if err == nil {
		t.Fatal("Create in a missing folder succeeded")
	}
	f.MkdirAll(filepath.FromSlash("/out"), 0o755)
	if w, err = f.Create(filepath.FromSlash("/out/a")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("first write: %v", err)
	}
	if _, err := w.Write([]byte("y")); err != nil {
		t.Fatalf("second write: %v", err)
	}
	w.Close()
	if b, _ := f.ReadFile(filepath.FromSlash("/out/a")); string(b) != "y" {
		t.Fatalf("content %q", b)
	}
	if err := f.Remove(filepath.FromSlash("/out")); err == nil {
		t.Fatal("removed a non-empty folder")
	}
}
