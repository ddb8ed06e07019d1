package runner

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mkdirs creates the folders (with a file in each) below the project.
func (e *env) mkdirs(rels ...string) {
	e.t.Helper()
	for _, rel := range rels {
		if err := os.MkdirAll(e.path(rel), 0o755); err != nil {
			e.t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(e.path(rel), "a.csv"), []byte("x"), 0o644); err != nil {
			e.t.Fatal(err)
		}
	}
}

func TestPruneArchive(t *testing.T) {
	folders := []string{
		"archive/p1/2026-08-28", "archive/p1/2026-08-29", "archive/p1/2026-08-30", "archive/p1/2026-11-28",
		"archive/p2/2025-01-01", "archive/p2/notes", "archive/p2/2026-13-01",
		"archive/failed/2020-01-01", // the error folder lies inside the archive here: never touched
		"error/p1",
	}
	for _, tc := range []struct {
		name    string
		project string
		now     time.Time
		deleted []string
	}{
		{"keep forever by default", "error: archive/failed\n", time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC), nil},
		{"90 days", "error: archive/failed\narchive_keep: 90d\n", time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC),
			[]string{"archive/p1/2026-08-28", "archive/p1/2026-08-29", "archive/p2/2025-01-01"}},
		// 23:30 UTC is already the 28th in Berlin (the project's zone).
		{"days count in the project's zone", "error: archive/failed\narchive_keep: 90d\n", time.Date(2026, 11, 27, 23, 30, 0, 0, time.UTC),
			[]string{"archive/p1/2026-08-28", "archive/p1/2026-08-29", "archive/p2/2025-01-01"}},
		{"one day keeps yesterday", "error: archive/failed\narchive_keep: 1d\n", time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC),
			[]string{"archive/p1/2026-08-28", "archive/p1/2026-08-29", "archive/p1/2026-08-30", "archive/p2/2025-01-01"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil)
			e.setProject(tc.project)
			e.clock.t = tc.now
			e.mkdirs(folders...)
			pruned, err := e.r.PruneArchive(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range pruned {
				rel, _ := filepath.Rel(e.dir, p.Path)
				got = append(got, filepath.ToSlash(rel))
				if p.Day.Format("2006-01-02") != filepath.Base(p.Path) || p.Pipeline != filepath.Base(filepath.Dir(p.Path)) {
					t.Errorf("pruned %+v", p)
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.deleted, " ") {
				t.Errorf("deleted %v, want %v", got, tc.deleted)
			}
			gone := map[string]bool{}
			for _, d := range tc.deleted {
				gone[d] = true
			}
			for _, f := range folders {
				if _, err := os.Stat(e.path(f)); (err == nil) == gone[f] {
					t.Errorf("%s: exists %v, want %v", f, err == nil, !gone[f])
				}
			}
		})
	}
}

// A project without an archive folder yet has nothing to prune.
func TestPruneArchiveNoFolder(t *testing.T) {
	e := newEnv(t, nil)
	e.setProject("archive_keep: 30d\n")
	if pruned, err := e.r.PruneArchive(context.Background()); err != nil || len(pruned) != 0 {
		t.Fatalf("%v %v", pruned, err)
	}
}

// Watch prunes at its start and on every Prune tick, and logs each folder.
func TestWatchPrunesDaily(t *testing.T) {
	e := newEnv(t, nil)
	e.setProject("archive_keep: 10d\n")
	e.clock.t = time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	e.mkdirs("archive/" + pipeName + "/2026-11-01")
	tick := make(chan time.Time)
	w := e.watch(WatchOptions{Prune: tick})
	log := w.log
	log.waitFor(t, `msg="archive folder deleted" pipeline=`+pipeName+` day=2026-11-01 `, 1)

	// A day later, the folder of the 18th is too old.
	e.mkdirs("archive/" + pipeName + "/2026-11-18")
	e.clock.Sleep(context.Background(), 24*time.Hour)
	tick <- time.Time{}
	<-w.handled
	if log.count(`msg="archive folder deleted" pipeline=`+pipeName+` day=2026-11-18 `) != 1 {
		t.Errorf("log:\n%s", log)
	}
	if _, err := os.Stat(e.path("archive/" + pipeName + "/2026-11-18")); err == nil {
		t.Error("2026-11-18 still there")
	}
}
