package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/internal/fsutil"
)

// TestSecondInstanceRefused: while one ferry holds a configuration, a
// second `ferry run` (or watch) refuses to start instead of recovering the
// first one's files as its own.
func TestSecondInstanceRefused(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "..", "samples", "example"))); err != nil {
		t.Fatal(err)
	}
	lock, err := fsutil.TryLock(filepath.Join(dir, "state", "journal.db.lock"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "ferry.yaml")
	for _, cmd := range []string{"run", "watch"} {
		code, _, stderr := run(t, "", cmd, "--config", cfg)
		if code != ExitFailed || !strings.Contains(stderr, "another ferry run or ferry watch is already working on") {
			t.Errorf("%s: exit %d, stderr %s", cmd, code, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "inbox", "sage", "artikel", "artikel.csv")); err != nil {
		t.Errorf("the input was touched: %v", err)
	}
	_ = lock.Unlock()
	if code, _, stderr := run(t, "", "run", "--config", cfg); code != ExitOK {
		t.Errorf("after the first instance ended: exit %d, %s", code, stderr)
	}
}
