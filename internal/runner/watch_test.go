package runner

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/internal/journal"
	"github.com/ferry-sync/ferry/transform"
)

// logBuf collects log output and wakes waiters on every write.
type logBuf struct {
	mu     sync.Mutex
	b      bytes.Buffer
	notify chan struct{}
}

func newLogBuf() *logBuf { return &logBuf{notify: make(chan struct{})} }

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Write(p)
	close(l.notify)
	l.notify = make(chan struct{})
	return len(p), nil
}

// snapshot returns the text so far and a channel closed at the next write.
func (l *logBuf) snapshot() (string, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String(), l.notify
}

func (l *logBuf) String() string { s, _ := l.snapshot(); return s }

// count counts the log lines matching re.
func (l *logBuf) count(re string) int {
	return len(regexp.MustCompile("(?m)"+re).FindAllString(l.String(), -1))
}

// waitFor waits until the log has n lines matching re (deadline: 20 s).
func (l *logBuf) waitFor(t *testing.T, re string, n int) {
	t.Helper()
	rx := regexp.MustCompile("(?m)" + re)
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	for {
		s, ch := l.snapshot()
		if len(rx.FindAllString(s, -1)) >= n {
			return
		}
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("no %d log line(s) matching %q in time; log:\n%s", n, re, s)
		}
	}
}

// watchRun is a Watch running in the background, driven by the test: its
// wake-ups and settle timer are channels the test sends on.
type watchRun struct {
	wake    chan struct{}
	handled chan struct{}
	timer   chan time.Time
	cancel  context.CancelFunc
	done    chan error
	log     *logBuf
}

// watch starts e.r.Watch; the test's cleanup stops it.
func (e *env) watch(opt WatchOptions) *watchRun {
	ctx, cancel := context.WithCancel(context.Background())
	w := &watchRun{wake: make(chan struct{}), timer: make(chan time.Time), cancel: cancel, done: make(chan error, 1), log: newLogBuf()}
	w.handled = make(chan struct{})
	opt.Wake, opt.handled = w.wake, w.handled
	opt.After = func(time.Duration) <-chan time.Time { return w.timer }
	e.r.Log = slog.New(slog.NewTextHandler(w.log, nil))
	go func() { w.done <- e.r.Watch(ctx, opt) }()
	e.t.Cleanup(func() { w.stop(e.t) })
	return w
}

// round wakes the loop and returns once it has handled the wake-up.
func (w *watchRun) round() {
	w.wake <- struct{}{}
	<-w.handled
}

// fire fires the settle timer and returns once the loop has handled it.
func (w *watchRun) fire(t time.Time) {
	w.timer <- t
	<-w.handled
}

// hup requests a reload and returns once the loop has handled it.
func (w *watchRun) hup(reload chan<- struct{}) {
	reload <- struct{}{}
	<-w.handled
}

// stop cancels Watch and waits for it to return.
func (w *watchRun) stop(t *testing.T) {
	t.Helper()
	w.cancel()
	select {
	case err, ok := <-w.done:
		if ok && err != nil {
			t.Errorf("Watch: %v", err)
		}
		if ok {
			close(w.done)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Watch did not return after cancel")
	}
}

// advance moves the fake clock.
func (e *env) advance(d time.Duration) { e.clock.Sleep(context.Background(), d) }

// entries lists the journal's entries.
func (e *env) entries() []journal.Entry {
	e.t.Helper()
	es, err := e.j.Query(context.Background(), journal.Filter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

const doneLine = `^.*level=INFO msg=done pipeline=` + pipeName + ` file=`

func TestWatchProcessesDroppedFileOnce(t *testing.T) {
	e := newEnv(t, nil)
	input := read(t, e.path(inboxRel+"/artikel.csv"))
	os.Remove(e.path(inboxRel + "/artikel.csv"))
	w := e.watch(WatchOptions{})
	w.round()
	e.drop("artikel.csv", input)
	w.round() // first seen
	e.advance(2 * time.Second)
	w.round() // settled: processed
	w.log.waitFor(t, doneLine+`artikel.csv records_in=\d+ records_out=\d+ rejected=0 duration=`, 1)
	for range 3 {
		e.advance(2 * time.Second)
		w.round()
	}
	w.stop(t)
	if n := w.log.count(`msg=done`); n != 1 {
		t.Errorf("%d done lines:\n%s", n, w.log)
	}
	if es := e.entries(); len(es) != 1 || es[0].State != journal.StateDone {
		t.Errorf("journal: %+v", es)
	}
	same(t, e.files(), []string{"archive/" + pipeName + "/2026-03-16/artikel.csv", outRel})
	if got := read(t, e.path(outRel)); !bytes.Equal(got, expectedOutput(t)) {
		t.Errorf("output differs from the fixture:\n%s", got)
	}
}

// A file written slowly (appended across several wake-ups) is taken once,
// complete; the settle timer alone brings the second look.
func TestWatchSlowWriter(t *testing.T) {
	e := newEnv(t, nil)
	input := read(t, e.path(inboxRel+"/artikel.csv"))
	os.Remove(e.path(inboxRel + "/artikel.csv"))
	w := e.watch(WatchOptions{})
	p := filepath.Join(e.path(inboxRel), "artikel.csv")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	third := len(input) / 3
	for i, chunk := range [][]byte{input[:third], input[third : 2*third], input[2*third:]} {
		if i > 0 {
			e.advance(time.Second) // less than the settle time between writes
		}
		if _, err := f.Write(chunk); err != nil {
			t.Fatal(err)
		}
		w.round()
	}
	f.Close()
	e.advance(time.Second)
	w.round()
	if got := e.files(); len(got) != 1 || got[0] != inboxRel+"/artikel.csv" {
		t.Fatalf("taken before it settled: %v", got)
	}
	e.advance(time.Second)
	w.fire(e.clock.Now()) // no wake-up: the settle timer's look finds it ready
	w.log.waitFor(t, doneLine+`artikel.csv `, 1)
	for range 3 {
		e.advance(2 * time.Second)
		w.round()
	}
	w.stop(t)
	if n := w.log.count(`msg=`); n != 1 {
		t.Errorf("log:\n%s", w.log)
	}
	archived := "archive/" + pipeName + "/2026-03-16/artikel.csv"
	same(t, e.files(), []string{archived, outRel})
	if !bytes.Equal(read(t, e.path(archived)), input) {
		t.Error("archived input is not the complete file")
	}
	if !bytes.Equal(read(t, e.path(outRel)), expectedOutput(t)) {
		t.Error("output differs from the fixture")
	}
}

// cancelJournal cancels the watch when a file has been claimed: the
// worker is then in the middle of the file.
type cancelJournal struct {
	journal.Journal
	cancel func()
}

func (j *cancelJournal) Claim(ctx context.Context, c journal.ClaimInfo) (journal.Entry, error) {
	e, err := j.Journal.Claim(ctx, c)
	j.cancel()
	return e, err
}

// bigInput is the example input with its data rows repeated (unique
// article numbers) to about n rows.
func bigInput(t *testing.T, input []byte, n int) []byte {
	lines := strings.SplitAfter(string(input), "\n")
	var b strings.Builder
	b.WriteString(lines[0])
	rows := lines[1:]
	for i := 0; b.Len() < 1<<30 && i < n; i++ {
		row := rows[i%len(rows)]
		if strings.TrimSpace(row) == "" {
			continue
		}
		_, rest, _ := strings.Cut(row, ";")
		fmt.Fprintf(&b, "%07d;%s", i, rest)
	}
	return []byte(b.String())
}

func TestWatchCancelRollsBackAndRestartProcesses(t *testing.T) {
	e := newEnv(t, nil)
	input := read(t, e.path(inboxRel+"/artikel.csv"))
	os.Remove(e.path(inboxRel + "/artikel.csv"))
	big := bigInput(t, input, 50000)
	e.drop("big.csv", big)

	cj := &cancelJournal{Journal: e.j}
	e.r.Journal = cj
	w := e.watch(WatchOptions{})
	cj.cancel = w.cancel // before the wake-ups below: no claim can happen earlier
	w.round()            // first seen
	e.advance(2 * time.Second)
	w.round()
	select {
	case err := <-w.done:
		close(w.done)
		if err != nil {
			t.Fatalf("Watch: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Watch did not end after cancel")
	}
	if !strings.Contains(w.log.String(), "stopped") {
		t.Errorf("log:\n%s", w.log)
	}
	same(t, e.files(), []string{inboxRel + "/big.csv"})
	if !bytes.Equal(read(t, e.path(inboxRel+"/big.csv")), big) {
		t.Error("the input came back changed")
	}
	if es := e.entries(); len(es) != 1 || es[0].State != journal.StateReleased {
		t.Fatalf("journal: %+v", es)
	}
	work, _ := os.ReadDir(e.r.WorkDir(pipeName))
	if len(work) != 0 {
		t.Errorf("work folder not empty: %v", work)
	}

	// Restart: processed once, completely.
	e.r.Journal = e.j
	w2 := e.watch(WatchOptions{})
	w2.round()
	e.advance(2 * time.Second)
	w2.round()
	w2.log.waitFor(t, doneLine+`big.csv `, 1)
	w2.stop(t)
	out := "outbox/smartstore/products/big-products.csv"
	archived := "archive/" + pipeName + "/2026-03-16/big.csv"
	same(t, e.files(), []string{archived, out})
	if !bytes.Equal(read(t, e.path(archived)), big) {
		t.Error("archived input differs")
	}
	if n := bytes.Count(read(t, e.path(out)), []byte("\n")); n < 1000 {
		t.Errorf("output has only %d lines", n)
	}
}

// loader loads and compiles the env's configuration as the CLI does.
func (e *env) loader() LoadFunc {
	return func() (*transform.Project, map[string]*transform.Pipeline, error) {
		proj, err := transform.LoadProject(filepath.Join(e.dir, "ferry.yaml"))
		if err != nil {
			return nil, nil, err
		}
		pipes := map[string]*transform.Pipeline{}
		var errs transform.ConfigErrors
		for _, pc := range proj.Pipelines {
			p, err := transform.Compile(pc, proj, &transform.Functions{Now: e.clock.Now})
			if err != nil {
				ce, ok := err.(transform.ConfigErrors)
				if !ok {
					return nil, nil, err
				}
				errs = append(errs, ce...)
				continue
			}
			pipes[pc.Name] = p
		}
		if len(errs) > 0 {
			return nil, nil, errs
		}
		return proj, pipes, nil
	}
}

func (e *env) editPipeline(edit func(string) string) {
	e.t.Helper()
	pf := filepath.Join(e.dir, "pipelines", pipeName+".yaml")
	b := read(e.t, pf)
	s := edit(string(b))
	if s == string(b) {
		e.t.Fatal("the edit changed nothing")
	}
	if err := os.WriteFile(pf, []byte(s), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func TestWatchReload(t *testing.T) {
	e := newEnv(t, nil)
	input := read(t, e.path(inboxRel+"/artikel.csv"))
	os.Remove(e.path(inboxRel + "/artikel.csv"))
	reload := make(chan struct{})
	w := e.watch(WatchOptions{Load: e.loader(), Reload: reload})
	w.round()

	// A broken edit: logged, positioned; the running configuration stays.
	e.editPipeline(func(s string) string {
		return strings.Replace(s, "Price: fmtDec(deDec(VK1), 2)", "Price: fmtDec(deDec(VK1), 2", 1)
	})
	w.round()
	w.log.waitFor(t, `level=WARN msg="configuration problem" problem="pipelines/`+pipeName+`\.yaml:\d+:\d+: `, 1)
	e.drop("artikel.csv", input)
	w.round()
	e.advance(2 * time.Second)
	w.round()
	w.log.waitFor(t, doneLine+`artikel.csv `, 1)
	if !bytes.Equal(read(t, e.path(outRel)), expectedOutput(t)) {
		t.Error("output of the old configuration differs from the fixture")
	}
	w.round() // unchanged files: not loaded again
	if n := w.log.count(`configuration problem`); n != 1 {
		t.Errorf("the broken configuration was loaded %d times:\n%s", n, w.log)
	}

	// A good edit takes effect for the next file.
	e.editPipeline(func(s string) string {
		s = strings.Replace(s, "Price: fmtDec(deDec(VK1), 2", "Price: fmtDec(deDec(VK1), 2)", 1)
		return strings.Replace(s, "${input.stem}-products.csv", "${input.stem}-produkte.csv", 1)
	})
	w.round()
	w.log.waitFor(t, `msg="configuration reloaded" pipelines=1`, 1)
	e.drop("artikel2.csv", append(append([]byte(nil), input...), input[bytes.IndexByte(input, '\n')+1:]...))
	w.round()
	e.advance(2 * time.Second)
	w.round()
	w.log.waitFor(t, doneLine+`artikel2.csv `, 1)
	if _, err := os.Stat(e.path("outbox/smartstore/products/artikel2-produkte.csv")); err != nil {
		t.Errorf("the new configuration's output is missing: %v\n%s", err, w.log)
	}

	// A reload request (SIGHUP) loads even when nothing changed.
	w.hup(reload)
	w.log.waitFor(t, `msg="configuration reloaded"`, 2)
}

// Many files dropped at once, two workers, a FIFO inbox: each file is
// processed exactly once, in order of age.
func TestWatchManyFilesFIFO(t *testing.T) {
	e := newEnv(t, func(s string) string {
		return strings.Replace(s, "  encoding: windows-1252\n", "  encoding: windows-1252\n  fifo: true\n", 1)
	})
	input := read(t, e.path(inboxRel+"/artikel.csv"))
	os.Remove(e.path(inboxRel + "/artikel.csv"))
	e.r.Workers = 2
	w := e.watch(WatchOptions{})
	const n = 30
	base := time.Date(2026, 3, 16, 8, 0, 0, 0, time.UTC)
	for i := range n {
		name := fmt.Sprintf("f%02d.csv", n-1-i) // names against the age order
		// distinct content: not a duplicate
		e.drop(name, bytes.Replace(input, []byte("\n000815;"), fmt.Appendf(nil, "\n9%05d;", i), 1))
		mt := base.Add(time.Duration(i) * time.Minute)
		if err := os.Chtimes(filepath.Join(e.path(inboxRel), name), mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	w.round()
	e.advance(2 * time.Second)
	w.round()
	w.log.waitFor(t, doneLine, n)
	for range 2 {
		e.advance(2 * time.Second)
		w.round()
	}
	w.stop(t)
	if c := w.log.count(`msg=done`); c != n {
		t.Errorf("%d done lines, want %d", c, n)
	}
	lines := regexp.MustCompile(`msg=done pipeline=\S+ file=(f\d\d)`).FindAllStringSubmatch(w.log.String(), -1)
	for i, m := range lines {
		if want := fmt.Sprintf("f%02d", n-1-i); m[1] != want {
			t.Errorf("file %d done was %s, want %s (oldest first)", i, m[1], want)
		}
	}
	es := e.entries()
	if len(es) != n {
		t.Errorf("%d journal entries", len(es))
	}
	for _, en := range es {
		if en.State != journal.StateDone {
			t.Errorf("entry %d: %s", en.ID, en.State)
		}
	}
}

// A pipeline file added broken, then repaired in place (no rename), is
// picked up: the pipelines folder's YAML files are part of the check.
func TestWatchReloadNewPipeline(t *testing.T) {
	e := newEnv(t, nil)
	w := e.watch(WatchOptions{Load: e.loader()})
	w.round()
	if err := os.MkdirAll(e.path("inbox/extra"), 0o755); err != nil {
		t.Fatal(err)
	}
	pf := filepath.Join(e.dir, "pipelines", "extra.yaml")
	good := strings.Replace(strings.Replace(string(read(t, filepath.Join(e.dir, "pipelines", pipeName+".yaml"))),
		"name: "+pipeName, "name: extra", 1), "inbox: inbox/sage/artikel", "inbox: inbox/extra", 1)
	broken := strings.Replace(good, "fmtDec(deDec(VK1), 2)", "fmtDec(deDec(VK1), 2", 1)
	if err := os.WriteFile(pf, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	w.round()
	w.log.waitFor(t, `msg="configuration problem" problem="pipelines/extra\.yaml:\d+:\d+: `, 1)
	f, err := os.OpenFile(pf, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(good); err != nil {
		t.Fatal(err)
	}
	f.Close()
	w.round()
	w.log.waitFor(t, `msg="configuration reloaded" pipelines=2`, 1)
}
