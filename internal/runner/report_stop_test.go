package runner

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/ferry-sync/ferry/internal/journal"
)

// TestStopAfterStaged: a stop (ctx ends, as on SIGTERM in ferry watch)
// that comes once the outputs are staged, or once a bad file's report or a
// duplicate's note is written, does not leave the entry half-committed:
// the file is finished (found by the crash test against ferry watch: the
// journal entry stayed "committed" or "claimed" with the input already
// archived or in the error folder).
func TestStopAfterStaged(t *testing.T) {
	for _, tc := range []struct {
		stage, file string
		want        Outcome
		state       journal.State
	}{
		{"staged", "artikel.csv", Done, journal.StateDone},
		{"published", "artikel.csv", Done, journal.StateDone},
		{"reported", "artikel-bad-decimal.csv", Failed, journal.StateFailed},
		{"noted", "copy.csv", Duplicate, journal.StateDone},
	} {
		t.Run(tc.stage, func(t *testing.T) {
			e := newEnv(t, nil)
			input := read(t, e.path(inboxRel+"/artikel.csv"))
			switch tc.file {
			case "artikel-bad-decimal.csv":
				e.drop(tc.file, read(t, filepath.Join(badDir, tc.file)))
			case "copy.csv":
				if _, err := e.r.ProcessFile(context.Background(), pipeName, e.claim("artikel.csv")); err != nil {
					t.Fatal(err)
				}
				e.drop(tc.file, input)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			e.r.crashAt = func(stage string) error {
				if stage == tc.stage {
					cancel()
				}
				return nil
			}
			res, err := e.r.ProcessFile(ctx, pipeName, e.claim(tc.file))
			if err != nil {
				t.Fatalf("stopped at %s: %v", tc.stage, err)
			}
			if res.Outcome != tc.want {
				t.Fatalf("outcome %s, want %s", res.Outcome, tc.want)
			}
			ent, err := e.j.Get(context.Background(), res.EntryID)
			if err != nil || ent.State != tc.state {
				t.Fatalf("journal entry %+v %v", ent, err)
			}
			if tc.want == Done && !bytes.Equal(read(t, e.path(outRel)), expectedOutput(t)) {
				t.Error("output differs")
			}
		})
	}
}
