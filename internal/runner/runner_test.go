package runner

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/internal/inbox"
	"github.com/ferry-sync/ferry/internal/journal"
	"github.com/ferry-sync/ferry/transform"
)

const (
	pipeName  = "artikel-to-products"
	inboxRel  = "inbox/sage/artikel"
	outRel    = "outbox/smartstore/products/artikel-products.csv"
	sampleDir = "../../samples/example"
	badDir    = "../../samples/bad"
)

// clock is a fake clock that Sleep advances; safe for concurrent use
// (Watch's workers read it while a test advances it).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return nil
}

// env is a temp copy of samples/example with a runner on it.
type env struct {
	t     *testing.T
	dir   string
	clock *clock
	r     *Runner
	j     *journal.SQLite
}

// copyDir copies src into dst (files keep their bytes).
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}

// newEnv copies the example project; edit changes the pipeline file's text
// before it is loaded.
func newEnv(t *testing.T, edit func(string) string) *env {
	t.Helper()
	dir := t.TempDir()
	copyDir(t, sampleDir, dir)
	if edit != nil {
		pf := filepath.Join(dir, "pipelines", pipeName+".yaml")
		b, err := os.ReadFile(pf)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(pf, []byte(edit(string(b))), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e := &env{t: t, dir: dir, clock: &clock{t: time.Date(2026, 3, 16, 9, 30, 0, 0, time.UTC)}}
	e.open()
	return e
}

// open loads the project and opens the journal (again, as after a restart).
func (e *env) open() {
	t := e.t
	t.Helper()
	proj, err := transform.LoadProject(filepath.Join(e.dir, "ferry.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pipes := map[string]*transform.Pipeline{}
	for _, pc := range proj.Pipelines {
		p, err := transform.Compile(pc, proj, &transform.Functions{Now: e.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		pipes[pc.Name] = p
	}
	if e.j != nil {
		e.j.Close()
	}
	e.j, err = journal.Open(proj.Journal, journal.Options{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.j.Close() })
	e.r, err = New(proj, pipes, e.j)
	if err != nil {
		t.Fatal(err)
	}
	e.r.Now, e.r.Sleep = e.clock.Now, e.clock.Sleep
}

func (e *env) path(rel string) string { return filepath.Join(e.dir, filepath.FromSlash(rel)) }

// drop puts a file into the inbox.
func (e *env) drop(name string, data []byte) {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(e.path(inboxRel), name), data, 0o644); err != nil {
		e.t.Fatal(err)
	}
}

// claim claims an inbox file as RunOnce would.
func (e *env) claim(name string) inbox.Claimed {
	e.t.Helper()
	p := filepath.Join(e.path(inboxRel), name)
	st, err := os.Stat(p)
	if err != nil {
		e.t.Fatal(err)
	}
	cl, err := inbox.Claim(inbox.Candidate{Dir: e.path(inboxRel), Name: name, Size: st.Size(), ModTime: st.ModTime()}, e.r.WorkDir(pipeName))
	if err != nil {
		e.t.Fatal(err)
	}
	return cl
}

// files lists every file below the project's folder except the
// configuration, relative, sorted.
func (e *env) files() []string {
	var out []string
	err := filepath.WalkDir(e.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(e.dir, p)
		rel = filepath.ToSlash(rel)
		for _, skip := range []string{"ferry.yaml", "pipelines/", "lookups/", "state/"} {
			if strings.HasPrefix(rel, skip) {
				return nil
			}
		}
		out = append(out, rel)
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func read(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func expectedOutput(t *testing.T) []byte {
	return read(t, filepath.Join(sampleDir, "pipelines", pipeName+".tests", "basic", "expected", filepath.FromSlash(outRel)))
}

func same(t *testing.T, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("files:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

func TestProcessFileDone(t *testing.T) {
	e := newEnv(t, nil)
	input := read(t, e.path(inboxRel+"/artikel.csv"))
	res, err := e.r.ProcessFile(context.Background(), pipeName, e.claim("artikel.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Done || res.Counts.In == 0 || res.Counts.Out == 0 {
		t.Fatalf("result %+v", res)
	}
	if got := read(t, e.path(outRel)); !bytes.Equal(got, expectedOutput(t)) {
		t.Errorf("output differs from the fixture:\n%s", got)
	}
	archived := "archive/" + pipeName + "/2026-03-16/artikel.csv"
	same(t, e.files(), []string{archived, outRel})
	if !bytes.Equal(read(t, e.path(archived)), input) {
		t.Error("archived input differs from the input")
	}
	ent, err := e.j.Get(context.Background(), res.EntryID)
	if err != nil {
		t.Fatal(err)
	}
	if ent.State != journal.StateDone || ent.Archive != e.path(archived) || len(ent.Outputs) != 1 ||
		ent.Outputs[0].Path != e.path(outRel) || ent.Outputs[0].Size != int64(len(expectedOutput(t))) || ent.ConfigHash == "" {
		t.Errorf("journal entry %+v", ent)
	}
}

func TestProcessFileFailed(t *testing.T) {
	e := newEnv(t, nil)
	os.Remove(e.path(inboxRel + "/artikel.csv"))
	bad := read(t, filepath.Join(badDir, "artikel-bad-decimal.csv"))
	e.drop("artikel-bad-decimal.csv", bad)
	res, err := e.r.ProcessFile(context.Background(), pipeName, e.claim("artikel-bad-decimal.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Failed {
		t.Fatalf("outcome %s", res.Outcome)
	}
	moved := "error/" + pipeName + "/artikel-bad-decimal.csv"
	same(t, e.files(), []string{moved, moved + ".error.txt"})
	if !bytes.Equal(read(t, e.path(moved)), bad) {
		t.Error("input in the error folder differs")
	}
	report := string(read(t, e.path(moved+".error.txt")))
	for _, want := range []string{
		"Die Datei artikel-bad-decimal.csv wurde nicht verarbeitet: 2 fehlerhafte Datensätze. Nichts wurde geschrieben.\n",
		`artikel-bad-decimal.csv:3:`, `field "VK1": "12,5x" is not a decimal`,
		`artikel-bad-decimal.csv:4:`,
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	ent, _ := e.j.Get(context.Background(), res.EntryID)
	if ent.State != journal.StateFailed || ent.Error != report || ent.ErrorPath != e.path(moved) {
		t.Errorf("journal entry %+v", ent)
	}

	// The same name failing again gets a free name, report beside it.
	e.drop("artikel-bad-decimal.csv", bad)
	if _, err := e.r.ProcessFile(context.Background(), pipeName, e.claim("artikel-bad-decimal.csv")); err != nil {
		t.Fatal(err)
	}
	moved2 := "error/" + pipeName + "/artikel-bad-decimal (2).csv"
	same(t, e.files(), []string{moved2, moved2 + ".error.txt", moved, moved + ".error.txt"})
}

func TestProcessFileDuplicate(t *testing.T) {
	e := newEnv(t, nil)
	input := read(t, e.path(inboxRel+"/artikel.csv"))
	first, err := e.r.ProcessFile(context.Background(), pipeName, e.claim("artikel.csv"))
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(e.path(outRel))
	e.drop("artikel.csv", input)
	res, err := e.r.ProcessFile(context.Background(), pipeName, e.claim("artikel.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Duplicate {
		t.Fatalf("outcome %s", res.Outcome)
	}
	arch := "archive/" + pipeName + "/2026-03-16/"
	same(t, e.files(), []string{arch + "artikel (2).csv", arch + "artikel (2).csv.duplicate.txt", arch + "artikel.csv"})
	note := string(read(t, e.path(arch+"artikel (2).csv.duplicate.txt")))
	if !strings.Contains(note, "Journal-Eintrag 1,") || !strings.Contains(note, e.path(outRel)) {
		t.Errorf("note:\n%s", note)
	}
	ent, _ := e.j.Get(context.Background(), res.EntryID)
	if ent.State != journal.StateDone || len(ent.Outputs) != 0 || ent.ID == first.EntryID {
		t.Errorf("journal entry %+v", ent)
	}
}

func TestProcessFileRejects(t *testing.T) {
	e := newEnv(t, func(s string) string { return s + "on_error: reject\n" })
	os.Remove(e.path(inboxRel + "/artikel.csv"))
	e.drop("artikel.csv", read(t, filepath.Join(badDir, "artikel-bad-decimal.csv")))
	res, err := e.r.ProcessFile(context.Background(), pipeName, e.claim("artikel.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != Done || res.Counts.Rejected != 2 {
		t.Fatalf("result %+v", res)
	}
	rej := "error/" + pipeName + "/artikel.csv.rejected.csv"
	same(t, e.files(), []string{"archive/" + pipeName + "/2026-03-16/artikel.csv", rej, outRel})
	if r := string(read(t, e.path(rej))); !strings.Contains(r, `""12,5x"" is not a decimal`) {
		t.Errorf("rejects file:\n%s", r)
	}
	ent, _ := e.j.Get(context.Background(), res.EntryID)
	if len(ent.Outputs) != 2 || ent.Counts.Rejected != 2 {
		t.Errorf("journal entry %+v", ent)
	}
}
