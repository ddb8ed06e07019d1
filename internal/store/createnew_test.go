package store

import (
	"os"
	"path/filepath"
	"testing"
)

// CreateNew never stages over a file that exists or that another open
// batch staged: two runs whose outputs have the same name both keep
// theirs ("x.csv", "x (2).csv", "x (3).csv"); a name is free again once
// its batch is aborted.
func TestCreateNewKeepsBoth(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "orders-auftraege.csv"), []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := NewLocal(nil)
	stage := func(sha string) Batch {
		b, err := s.Stage(Attempt{Pipeline: "p", SHA256: sha, Number: 1})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b, c := stage("a"), stage("b"), stage("c")
	oa, err := a.CreateNew(dir, "orders-auftraege.csv")
	if err != nil {
		t.Fatal(err)
	}
	ob, err := b.CreateNew(dir, "orders-auftraege.csv")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(oa.Path()) != "orders-auftraege (2).csv" || filepath.Base(ob.Path()) != "orders-auftraege (3).csv" {
		t.Fatalf("names %q, %q", oa.Path(), ob.Path())
	}
	a.Abort()
	oc, err := c.CreateNew(dir, "orders-auftraege.csv")
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(oc.Path()) != "orders-auftraege (2).csv" {
		t.Errorf("after the abort: %q", oc.Path())
	}
	oc.Write([]byte("c"))
	ob.Write([]byte("b"))
	if err := c.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"orders-auftraege.csv": "old", "orders-auftraege (2).csv": "c", "orders-auftraege (3).csv": "b"} {
		if got, _ := os.ReadFile(filepath.Join(dir, name)); string(got) != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	// Sub-folders of rel are kept.
	d := stage("d")
	od, err := d.CreateNew(dir, "10002/index.json")
	if err != nil {
		t.Fatal(err)
	}
	if od.Path() != filepath.Join(dir, "10002", "index.json") {
		t.Errorf("sub-folder: %q", od.Path())
	}
	d.Abort()
}
