//go:build !windows

package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/internal/journal"
)

// TestSIGTERMDuringLargeFile: ferry watch (and ferry run) get SIGTERM while
// a 9 MiB file is in the pipeline (its output's temp file is in the
// outbox): the file is rolled back (back in its inbox, byte-identical;
// nothing in the outbox, not even a temp file; the work folder empty; no
// unfinished journal entry), and the next ferry run processes it.
func TestSIGTERMDuringLargeFile(t *testing.T) {
	data, rows := bigArtikel(t, 9<<20)
	for _, cmdName := range []string{"watch", "run"} {
		t.Run(cmdName, func(t *testing.T) {
			dir := copyTree(t)
			inbox := filepath.Join(dir, "inbox", "sage", "artikel")
			outbox := filepath.Join(dir, "outbox", "smartstore", "products")
			if err := os.Remove(filepath.Join(inbox, "artikel.csv")); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(inbox, "big.csv"), data)

			w := startFerry(t, dir, cmdName)
			// In the pipeline: the output's temp file is being written.
			inPipeline := func() bool {
				ents, _ := os.ReadDir(outbox)
				for _, e := range ents {
					if strings.HasPrefix(e.Name(), ".ferry-") {
						return true
					}
				}
				return false
			}
			eventually(t, "the output's temp file in the outbox", inPipeline, w.out)
			if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			var err error
			select {
			case err = <-w.done:
			case <-time.After(20 * time.Second):
				t.Fatalf("ferry %s did not stop after SIGTERM\n%s", cmdName, w.out)
			}
			var ee *exec.ExitError
			switch {
			case cmdName == "watch" && err != nil:
				t.Fatalf("ferry watch after SIGTERM: %v (want exit 0)\n%s", err, w.out)
			case cmdName == "run" && !(errors.As(err, &ee) && ee.ExitCode() == ExitFailed):
				// ferry run did not process every file: exit 1.
				t.Fatalf("ferry run after SIGTERM: %v (want exit 1)\n%s", err, w.out)
			}
			if cmdName == "watch" && !strings.Contains(w.out.String(), `msg="stopped during the file; it is processed at the next start" pipeline=artikel-to-products file=big.csv`) {
				t.Errorf("no rollback logged:\n%s", w.out)
			}

			// Rolled back: the input in its inbox, nothing else anywhere.
			if b, err := os.ReadFile(filepath.Join(inbox, "big.csv")); err != nil || !bytes.Equal(b, data) {
				t.Fatalf("big.csv is not back in its inbox unchanged (%v)\n%s", err, w.out)
			}
			for _, sub := range []string{"outbox", ".ferry/work", "archive", "error"} {
				if left, err := readTree(filepath.Join(dir, filepath.FromSlash(sub))); err != nil || len(left) > 0 {
					t.Errorf("%s holds %v (%v)", sub, sortedKeys(left), err)
				}
			}
			checkJournalFinished(t, dir)

			// The next start processes it.
			code, out := runFerry(t, dir)
			if code != ExitOK {
				t.Fatalf("the next ferry run: exit %d\n%s", code, out)
			}
			got, err := os.ReadFile(filepath.Join(outbox, "big-products.csv"))
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if n := bytes.Count(got, []byte("\n")); n != rows+1 {
				t.Errorf("big-products.csv has %d lines, want %d", n, rows+1)
			}
			if left, _ := readTree(inbox); len(left) > 0 {
				t.Errorf("inbox holds %v", sortedKeys(left))
			}
			checkJournalFinished(t, dir)
		})
	}
}

// checkJournalFinished fails the test if the project's journal has an
// unfinished entry.
func checkJournalFinished(t *testing.T, dir string) {
	t.Helper()
	j, err := journal.Open(filepath.Join(dir, "state", "journal.db"), journal.Options{Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	un, err := j.Unfinished(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range un {
		t.Errorf("journal: entry %d (%s) is unfinished: %s", e.ID, filepath.Base(e.Original), e.State)
	}
}
