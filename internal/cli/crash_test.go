//go:build !windows

package cli

// The crash test: `ferry run` is killed with SIGKILL at random points, then
// started again until a run finishes; after every kill and every restart
// nothing may be half-written, lost or doubled, and the end result must be
// byte-identical to an uninterrupted run's. ferry is this test binary
// re-executed under the name "ferry" (see TestMain).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/internal/journal"
)

const (
	crashPipeline = "artikel-to-products"
	crashInbox    = "inbox/sage/artikel"
	crashOutbox   = "outbox/smartstore/products"
	crashGood     = 20 // good input files per project
)

// crashBad are the bad inputs (samples/bad) dropped beside the good ones.
var crashBad = []string{"artikel-bad-decimal.csv", "artikel-wrong-columns.csv"}

// TestCrashRun is the crash test (issue 4, "How it is verified"). Each
// iteration takes a fresh copy of a project holding 20 good and 2 bad
// inputs, kills `ferry run` one to three times after a random delay (up to
// an uninterrupted run's time), checks the outbox and error folder after
// each kill, then runs ferry until a run finishes and checks the end state
// against the clean run. FERRY_CRASH_ITERATIONS and FERRY_CRASH_SEED
// override the iteration count and the seed of the delays.
func TestCrashRun(t *testing.T) {
	// At least this many iterations and this many real kills (a run may
	// finish before its kill: then the loop goes on).
	iterations, minKills := 50, 50
	if testing.Short() {
		iterations, minKills = 10, 10
	}
	if s := os.Getenv("FERRY_CRASH_ITERATIONS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		iterations = n
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("FERRY_CRASH_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seed = n
	}
	t.Logf("seed %d (FERRY_CRASH_SEED=%d reproduces the delays, not the timing)", seed, seed)

	start := time.Now()
	tmpl := t.TempDir()
	inputs := makeCrashProject(t, tmpl)

	// The expected outcome: one uninterrupted run.
	clean := copyCrashProject(t, tmpl, filepath.Join(t.TempDir(), "clean"))
	t0 := time.Now()
	code, out := runFerry(t, clean)
	cleanTime := time.Since(t0)
	if code != ExitFailed {
		t.Fatalf("clean run: exit %d, want %d (two bad files)\n%s", code, ExitFailed, out)
	}
	want := crashSnapshot(t, clean)
	if n := len(want.outbox); n != crashGood {
		t.Fatalf("clean run wrote %d outputs, want %d\n%s", n, crashGood, out)
	}
	checkCrashFinal(t, clean, inputs, want)
	t.Logf("clean run: %v", cleanTime)

	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	kills, finishedEarly := 0, 0
	i := 0
	defer func() { t.Logf("%d iterations", i) }()
	for ; i < iterations || kills < minKills; i++ {
		if i >= 4*max(iterations, minKills) {
			t.Fatalf("%d iterations gave only %d kills", i, kills)
		}
		dir := copyCrashProject(t, tmpl, filepath.Join(t.TempDir(), "it"))
		// One to three killed runs, each followed by the checks, then runs
		// until one finishes.
		for k := range 1 + rng.IntN(3) {
			delay := time.Duration(rng.Int64N(int64(cleanTime) + 1))
			finished := killFerry(t, dir, delay)
			if finished {
				finishedEarly++
			} else {
				kills++
			}
			if err := checkCrashState(dir, want, true); err != nil {
				t.Fatalf("iteration %d, kill %d after %v: %v", i, k+1, delay, err)
			}
		}
		code, out := runFerry(t, dir)
		if code != ExitOK && code != ExitFailed {
			t.Fatalf("iteration %d: restart exit %d\n%s", i, code, out)
		}
		if err := checkCrashState(dir, want, false); err != nil {
			t.Fatalf("iteration %d after the restart: %v\n%s", i, err, out)
		}
		checkCrashFinal(t, dir, inputs, want)
		if t.Failed() {
			t.Fatalf("iteration %d after the restart:\n%s", i, out)
		}
		os.RemoveAll(dir)
	}
	t.Logf("%d kills, %d runs finished before their kill, %v", kills, finishedEarly, time.Since(start).Round(time.Millisecond))
}

// crashInputs are the input files of a project: name → bytes.
type crashInputs struct {
	good, bad map[string][]byte
}

// all returns the good and the bad inputs in one map.
func (in crashInputs) all() map[string][]byte {
	m := make(map[string][]byte, len(in.good)+len(in.bad))
	for name, b := range in.good {
		m[name] = b
	}
	for name, b := range in.bad {
		m[name] = b
	}
	return m
}

// crashTemplate builds the crash project in a temp folder and runs one
// uninterrupted ferry run over every input in a copy of it: the template,
// its inputs and the clean run's result, which every test of a killed or
// shared project compares with.
func crashTemplate(t *testing.T) (tmpl string, in crashInputs, want crashResult) {
	t.Helper()
	tmpl = t.TempDir()
	in = makeCrashProject(t, tmpl)
	clean := copyCrashProject(t, tmpl, filepath.Join(t.TempDir(), "clean"))
	if code, out := runFerry(t, clean); code != ExitFailed {
		t.Fatalf("clean run: exit %d, want %d (two bad files)\n%s", code, ExitFailed, out)
	}
	want = crashSnapshot(t, clean)
	checkCrashFinal(t, clean, in, want)
	return tmpl, in, want
}

// makeCrashProject builds the template project in dir: the example with a
// short settle time, crashGood variants of artikel.csv and the bad files.
func makeCrashProject(t *testing.T, dir string) crashInputs {
	t.Helper()
	samples := filepath.Join("..", "..", "samples")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(samples, "example"))); err != nil {
		t.Fatal(err)
	}
	proj, err := os.ReadFile(filepath.Join(dir, "ferry.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	proj = bytes.Replace(proj, []byte("version: 1\n"), []byte("version: 1\nsettle: 10ms\n"), 1)
	if !bytes.Contains(proj, []byte("settle: 10ms")) {
		t.Fatal("ferry.yaml of the example has no \"version: 1\" line")
	}
	writeFile(t, filepath.Join(dir, "ferry.yaml"), proj)
	inbox := filepath.Join(dir, filepath.FromSlash(crashInbox))
	base, err := os.ReadFile(filepath.Join(inbox, "artikel.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(inbox, "artikel.csv")); err != nil {
		t.Fatal(err)
	}
	in := crashInputs{good: map[string][]byte{}, bad: map[string][]byte{}}
	for i := range crashGood {
		// Different content (and so a different output) per file: the
		// article names carry the file's number.
		b := bytes.ReplaceAll(base, []byte("Kaffeebecher"), fmt.Appendf(nil, "Kaffeebecher %02d", i))
		b = bytes.ReplaceAll(b, []byte("Untersetzer"), fmt.Appendf(nil, "Untersetzer %02d", i))
		name := fmt.Sprintf("artikel-%02d.csv", i)
		in.good[name] = b
		writeFile(t, filepath.Join(inbox, name), b)
	}
	for _, name := range crashBad {
		b, err := os.ReadFile(filepath.Join(samples, "bad", name))
		if err != nil {
			t.Fatal(err)
		}
		in.bad[name] = b
		writeFile(t, filepath.Join(inbox, name), b)
	}
	return in
}

// copyCrashProject copies the template into dst (modification times are
// not kept, which does not matter: the files are settled by the time ferry
// looks twice).
func copyCrashProject(t *testing.T, tmpl, dst string) string {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(tmpl)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// ferryCmd returns `ferry run` in dir: this test binary named "ferry".
func ferryCmd(t *testing.T, dir string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "run")
	cmd.Args[0] = "ferry"
	cmd.Dir = dir
	// Under -race the child would sleep 1 s before exiting (atexit_sleep_ms);
	// a race it finds still makes it exit 66, which fails the test.
	cmd.Env = append(os.Environ(), "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	return cmd, &out
}

// runFerry runs `ferry run` in dir to its end and returns its exit code
// and output.
func runFerry(t *testing.T, dir string) (int, string) {
	t.Helper()
	cmd, out := ferryCmd(t, dir)
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, out.String()
	case errors.As(err, &ee) && ee.Exited():
		return ee.ExitCode(), out.String()
	}
	t.Fatalf("ferry run: %v\n%s", err, out)
	return 0, ""
}

// killFerry starts `ferry run` in dir and kills it with SIGKILL after delay;
// it reports whether the run had finished by itself before that.
func killFerry(t *testing.T, dir string, delay time.Duration) bool {
	t.Helper()
	cmd, out := ferryCmd(t, dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(delay)
	defer timer.Stop()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if err != nil && !(errors.As(err, &ee) && ee.Exited() && ee.ExitCode() == ExitFailed) {
			t.Fatalf("ferry run (not killed): %v\n%s", err, out)
		}
		return true
	case <-timer.C:
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatal(err)
	}
	err := <-done
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return false
		}
	}
	// It ended on its own just before the signal.
	if err != nil && !(errors.As(err, &ee) && ee.Exited() && ee.ExitCode() == ExitFailed) {
		t.Fatalf("ferry run (not killed): %v\n%s", err, out)
	}
	return true
}

// crashResult is what a run left in a project: relative path → bytes.
type crashResult struct {
	outbox, errors, archive map[string][]byte
}

func crashSnapshot(t *testing.T, dir string) crashResult {
	t.Helper()
	var r crashResult
	var err error
	for _, x := range []struct {
		m   *map[string][]byte
		rel string
	}{{&r.outbox, crashOutbox}, {&r.errors, "error"}, {&r.archive, "archive"}} {
		if *x.m, err = readTree(filepath.Join(dir, filepath.FromSlash(x.rel))); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// checkCrashState checks what must hold at any time between runs: every
// output in the outbox equals the clean run's, every report in the error
// folder equals the clean run's. Temp files (.ferry-*, which importers
// ignore) may be left by a killed run (tempOK) but never by one that
// finished: its recovery removes or publishes them.
// sameFiles checks that every file in got is in want with the same bytes;
// temp files (.ferry-*) are allowed only when tempOK (right after a kill).
func sameFiles(where string, got, want map[string][]byte, tempOK bool) error {
	for name, b := range got {
		if strings.HasPrefix(filepath.Base(name), ".ferry-") {
			if tempOK {
				continue
			}
			return fmt.Errorf("temp file %s visible in the %s after a finished run", name, where)
		}
		w, ok := want[name]
		if !ok {
			return fmt.Errorf("%s: unexpected file %s", where, name)
		}
		if !bytes.Equal(b, w) {
			return fmt.Errorf("%s: %s differs from the clean run's:\n%s", where, name, lineDiffs(w, b))
		}
	}
	return nil
}

func checkCrashState(dir string, want crashResult, tempOK bool) error {
	outs, err := readTree(filepath.Join(dir, filepath.FromSlash(crashOutbox)))
	if err != nil {
		return err
	}
	if err := sameFiles("outbox", outs, want.outbox, tempOK); err != nil {
		return err
	}
	errs, err := readTree(filepath.Join(dir, "error"))
	if err != nil {
		return err
	}
	if err := sameFiles("error folder", errs, want.errors, tempOK); err != nil {
		return err
	}
	return nil
}

// checkCrashFinal checks a project after a run that finished: inbox and
// work folder empty, every good input archived exactly once (same bytes),
// every bad input in the error folder exactly once with its report, the
// outbox and error folder identical to the clean run's, no unfinished
// journal entry.
func checkCrashFinal(t *testing.T, dir string, in crashInputs, want crashResult) {
	t.Helper()
	got := crashSnapshot(t, dir)
	for _, sub := range []string{crashInbox, ".ferry/work"} {
		left, err := readTree(filepath.Join(dir, filepath.FromSlash(sub)))
		if err != nil {
			t.Fatal(err)
		}
		if len(left) > 0 {
			t.Errorf("%s still holds %s", sub, strings.Join(sortedKeys(left), ", "))
		}
	}
	if d := diffTrees(want.outbox, got.outbox); d != "" {
		t.Errorf("outbox differs from the clean run's:\n%s", d)
	}
	if d := diffTrees(want.errors, got.errors); d != "" {
		t.Errorf("error folder differs from the clean run's:\n%s", d)
	}
	for name, b := range in.bad {
		rep := crashPipeline + "/" + name + ".error.txt"
		if !bytes.Equal(got.errors[crashPipeline+"/"+name], b) {
			t.Errorf("error folder: %s is missing or differs from the input", name)
		}
		if len(got.errors[rep]) == 0 {
			t.Errorf("error folder: report %s missing", rep)
		}
	}
	if n := len(got.errors); n != 2*len(in.bad) {
		t.Errorf("error folder holds %d files, want %d: %s", n, 2*len(in.bad), strings.Join(sortedKeys(got.errors), ", "))
	}
	// The archive: <pipeline>/<date>/<name>, each good input once.
	archived := map[string]int{}
	for rel, b := range got.archive {
		name := rel[strings.LastIndex(rel, "/")+1:]
		if w, ok := in.good[name]; !ok || !bytes.Equal(w, b) {
			t.Errorf("archive: unexpected file %s", rel)
			continue
		}
		archived[name]++
	}
	for name := range in.good {
		if archived[name] != 1 {
			t.Errorf("archive: %s is there %d times, want once", name, archived[name])
		}
	}
	checkJournalFinished(t, dir)
	j, err := journal.Open(filepath.Join(dir, "state", "journal.db"), journal.Options{Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	// Every good input is done once, with the archive path it has; every
	// bad one failed once, with its error-folder path (a kill between a
	// move and its journal step once left these empty or "released").
	ended, err := j.Query(context.Background(), journal.Filter{States: []journal.State{journal.StateDone, journal.StateFailed}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range ended {
		name, path := filepath.Base(e.Original), e.Archive
		if e.State == journal.StateFailed {
			path = e.ErrorPath
		}
		seen[name+" "+string(e.State)]++
		if _, err := os.Stat(path); path == "" || err != nil {
			t.Errorf("journal: entry %d (%s, %s) names %q, which is not there", e.ID, name, e.State, path)
		}
	}
	for name := range in.good {
		if seen[name+" done"] != 1 {
			t.Errorf("journal: %s is done %d times, want once", name, seen[name+" done"])
		}
	}
	for name := range in.bad {
		if seen[name+" failed"] != 1 {
			t.Errorf("journal: %s failed %d times, want once", name, seen[name+" failed"])
		}
	}
}
