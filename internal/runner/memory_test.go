package runner

import (
	"bytes"
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/ferry-sync/ferry/formats"
)

// setLimit sets the soft memory limit for the test and restores the one
// before afterwards.
func setLimit(t *testing.T, n int64) {
	old := debug.SetMemoryLimit(n)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
}

func limit() int64 { return debug.SetMemoryLimit(-1) }

// gcPercent returns the GC target without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestMemoryLimitFor(t *testing.T) {
	const tight = 48 << 20
	setLimit(t, tight)
	oldGC := debug.SetGCPercent(400)
	t.Cleanup(func() { debug.SetGCPercent(oldGC) })
	var m MemoryLimit
	var a, b func()
	type step struct {
		do   func()
		want int64
	}
	steps := []step{
		{func() { m.For("csv")() }, tight},
		{func() { a = m.For("xlsx") }, math.MaxInt64},
		{func() { b = m.For("xlsx") }, math.MaxInt64},
		{func() { a(); a() }, math.MaxInt64}, // a second call is harmless; b still runs
		{func() { b() }, tight},
		{func() { (*MemoryLimit)(nil).For("xlsx")() }, tight},
	}
	for i, s := range steps {
		s.do()
		if got := limit(); got != s.want {
			t.Fatalf("step %d: limit %d, want %d", i, got, s.want)
		}
		wantGC := 400
		if s.want == math.MaxInt64 {
			wantGC = 100
		}
		if got := gcPercent(); got != wantGC {
			t.Fatalf("step %d: GC target %d %%, want %d %%", i, got, wantGC)
		}
	}
}

// With KeepGCPercent (GOGC set by hand) only the limit is lifted.
func TestMemoryLimitKeepGCPercent(t *testing.T) {
	setLimit(t, 48<<20)
	oldGC := debug.SetGCPercent(250)
	t.Cleanup(func() { debug.SetGCPercent(oldGC) })
	m := MemoryLimit{KeepGCPercent: true}
	restore := m.For("xlsx")
	if limit() != math.MaxInt64 || gcPercent() != 250 {
		t.Errorf("lifted: limit %d, GC %d %%", limit(), gcPercent())
	}
	restore()
	if limit() != 48<<20 || gcPercent() != 250 {
		t.Errorf("restored: limit %d, GC %d %%", limit(), gcPercent())
	}
}

// limitSeen is a Progress that records the memory limit while the input
// is read.
type limitSeen struct{ during int64 }

func (l *limitSeen) Update(int64, int64) { l.during = limit() }
func (l *limitSeen) Done()               {}

// The runner lifts the limit while it reads an XLSX input, not while it
// reads a CSV one, and restores it after the file.
func TestRunnerLiftsLimitForXLSX(t *testing.T) {
	const tight = 48 << 20
	e := newEnv(t, nil)
	// A second pipeline: the example's articles as a workbook, to CSV.
	writeFile := func(rel string, b []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(e.path(rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(e.path(rel), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeFile("pipelines/xlsx-in.yaml", []byte(`name: xlsx-in
description: Artikel aus einer Arbeitsmappe
input:
  inbox: inbox/xlsx
  match: ["*.xlsx"]
  format: xlsx
outputs:
  - outbox: outbox/xlsx
    name: "${input.stem}.csv"
    format: csv
`))
	writeFile("inbox/xlsx/artikel.xlsx", csvToXLSX(t, read(t, e.path(inboxRel+"/artikel.csv"))))
	e.open()
	setLimit(t, tight)
	e.r.Memory = &MemoryLimit{}
	seen := map[string]*limitSeen{}
	e.r.Progress = func(_, file string, _ int64) Progress {
		seen[file] = &limitSeen{}
		return seen[file]
	}
	e.r.Workers = 1
	sum, err := e.r.RunOnce(context.Background(), nil)
	if err != nil || sum.Done != 2 {
		t.Fatalf("%+v %v", sum, err)
	}
	if got := seen["artikel.xlsx"].during; got != math.MaxInt64 {
		t.Errorf("limit while reading the workbook: %d, want none (MaxInt64)", got)
	}
	if got := seen["artikel.csv"].during; got != tight {
		t.Errorf("limit while reading the CSV file: %d, want %d", got, tight)
	}
	if got := limit(); got != tight {
		t.Errorf("limit after the run: %d, want %d", got, tight)
	}
}

// csvToXLSX converts a Windows-1252 CSV file into a workbook.
func csvToXLSX(t *testing.T, csv []byte) []byte {
	t.Helper()
	reg := formats.Builtin()
	cf, err := reg.Lookup("csv")
	if err != nil {
		t.Fatal(err)
	}
	xf, err := reg.Lookup("xlsx")
	if err != nil {
		t.Fatal(err)
	}
	rd, err := formats.NewTextReader(cf, bytes.NewReader(csv), "artikel.csv", "windows-1252", formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	wr, err := formats.NewTextWriter(xf, &out, "", nil, formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := wr.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := wr.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
