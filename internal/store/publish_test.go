package store

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/ferry-sync/ferry/internal/inbox/inboxtest"
	"github.com/ferry-sync/ferry/internal/journal"
)

// TestPublishRemovesMovedAside: killed in the middle of a commit, after the
// old a.csv was moved aside and before the new one was renamed in. Publish
// (recovery) puts the new one in place and drops the old one; another
// file's old version is left alone.
func TestPublishRemovesMovedAside(t *testing.T) {
	fsys := inboxtest.New(nil)
	s := NewLocal(fsys)
	dir := t.TempDir() // only as a name: the files are in memory
	b, err := s.Stage(Attempt{Pipeline: "p", SHA256: "x", Number: 1})
	if err != nil {
		t.Fatal(err)
	}
	o, err := b.Create(dir, "a.csv")
	if err != nil {
		t.Fatal(err)
	}
	o.Write([]byte("new"))
	fsys.WriteFile(filepath.Join(dir, ".ferry-a.csv.0123456789abcdef.old"), []byte("old"))
	fsys.WriteFile(filepath.Join(dir, ".ferry-b.csv.0123456789abcdef.old"), []byte("other"))
	if err := s.Publish(Attempt{Pipeline: "p", SHA256: "x", Number: 1}, []journal.Output{{Path: o.Path(), Temp: o.Temp()}}); err != nil {
		t.Fatal(err)
	}
	if got := fsys.Names(dir); !slices.Equal(got, []string{".ferry-b.csv.0123456789abcdef.old", "a.csv"}) {
		t.Errorf("the folder holds %q", got)
	}
}
