package journal_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/internal/journal"
	"github.com/ferry-sync/ferry/internal/journal/journaltest"
)

const (
	childEnv        = "FERRY_JOURNAL_TEST_CHILD"
	childWorkers    = 4
	childFiles      = 15
	childSharedHash = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
	childShared     = 10
)

// TestTwoProcesses runs two processes (this test binary again) on one
// journal file at the same time, each with several goroutines: every
// lifecycle completes, and claims of one shared input get distinct attempts.
func TestTwoProcesses(t *testing.T) {
	if spec := os.Getenv(childEnv); spec != "" {
		var name, path string
		if _, err := fmt.Sscanf(spec, "%s %s", &name, &path); err != nil {
			t.Fatal(err)
		}
		childRun(t, name, path)
		return
	}
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := filepath.Join(t.TempDir(), "journal.db")
	var cmds []*exec.Cmd
	for _, name := range []string{"A", "B"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestTwoProcesses$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+name+" "+path)
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("process %s output:\n%s", name, out.String())
			}
		})
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("process %d: %v", i, err)
		}
	}
	j := openSQLite(t, path, time.Now)
	defer j.Close()
	ctx := context.Background()
	done, err := j.Query(ctx, journal.Filter{States: []journal.State{journal.StateDone}})
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 * childWorkers * childFiles; len(done) != want {
		t.Errorf("%d done entries, want %d", len(done), want)
	}
	for _, e := range done {
		if len(e.Outputs) != 1 || e.Archive != e.Work {
			t.Errorf("entry %d incomplete: %+v", e.ID, e)
		}
	}
	shared, err := j.Query(ctx, journal.Filter{SHA256: childSharedHash})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, e := range shared {
		seen[e.Attempt] = true
	}
	if len(shared) != 2*childShared || len(seen) != 2*childShared {
		t.Errorf("shared input: %d claims with %d distinct attempts, want %d", len(shared), len(seen), 2*childShared)
	}
}

func childRun(t *testing.T, name, path string) {
	clock := journaltest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	j := openSQLite(t, path, clock.Now)
	defer j.Close()
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range childWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range childFiles {
				clock.Advance(time.Millisecond)
				c := journal.ClaimInfo{Pipeline: "p", Original: "in", Work: fmt.Sprintf("%s-%d-%d", name, w, i), SHA256: fmt.Sprintf("%s%d-%d", name, w, i)}
				e, err := j.Claim(ctx, c)
				if err == nil {
					err = j.Staged(ctx, e.ID, e.Attempt, []journal.Output{{Path: "out-" + c.Work, Temp: "tmp"}})
				}
				if err == nil {
					err = j.Published(ctx, e.ID, e.Attempt)
				}
				if err == nil {
					err = j.Finish(ctx, e.ID, e.Attempt, journal.Result{Archive: c.Work})
				}
				if err != nil {
					t.Errorf("process %s worker %d file %d: %v", name, w, i, err)
				}
				if w == 0 && i < childShared {
					if _, err := j.Claim(ctx, journal.ClaimInfo{Pipeline: "p", Original: "shared", Work: name, SHA256: childSharedHash}); err != nil {
						t.Errorf("process %s: shared claim: %v", name, err)
					}
				}
			}
		}()
	}
	wg.Wait()
}

type lockedBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}
