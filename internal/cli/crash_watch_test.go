//go:build !windows

package cli

// The crash test against the daemon: `ferry watch` is killed with SIGKILL
// at random points while files are dropped into its inbox, and started
// again; at the end (after a clean SIGTERM stop) every input must be
// archived or in the error folder exactly once and the outbox
// byte-identical to an uninterrupted `ferry run`'s. It shares the project,
// snapshots and checks of crash_test.go.

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCrashWatch: each iteration takes a fresh copy of the crash project
// with an empty inbox, and seven to twelve times starts `ferry watch`, drops
// a random batch of the 22 inputs (by rename, as an SFTP upload does)
// after a random delay, and kills it with SIGKILL after another one; after
// every kill the outbox and error folder may hold only what the clean run
// wrote (temp files aside). Then the remaining inputs are dropped, ferry
// watch runs until every input is archived or in the error folder, is
// stopped with SIGTERM (exit 0), and the project is checked against the
// clean run (checkCrashFinal: no temp file, empty inbox and work folder,
// every input once, no unfinished journal entry). At least 50 kills per
// `go test` (10 with -short); FERRY_CRASH_SEED fixes the random choices.
func TestCrashWatch(t *testing.T) {
	minKills, minIterations := 50, 4
	if testing.Short() {
		minKills, minIterations = 10, 2
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("FERRY_CRASH_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seed = n
	}
	t.Logf("seed %d (FERRY_CRASH_SEED=%d reproduces the choices, not the timing)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 0x3a7c4))
	start := time.Now()

	tmpl, inputs, want := crashTemplate(t)

	// The watch template: the inputs wait outside the inbox.
	inbox := filepath.Join(tmpl, filepath.FromSlash(crashInbox))
	all := inputs.all()
	names := sortedKeys(all)
	for _, name := range names {
		if err := os.Remove(filepath.Join(inbox, name)); err != nil {
			t.Fatal(err)
		}
	}

	// How long an uninterrupted watch takes to start, and then to take
	// every input dropped at once through (the quicker of two runs: the
	// first one pays for cold caches). A killed run gets up to a third of
	// the inputs: its kill delay is up to the start-up time and a third of
	// the processing time.
	var up, full time.Duration
	for m := range 2 {
		dir := copyCrashProject(t, tmpl, filepath.Join(t.TempDir(), "measure"))
		t0 := time.Now()
		w := startWatch(t, dir)
		w.waitLog(t, "msg=watching")
		u := time.Since(t0)
		dropFiles(t, dir, names, all)
		waitWatchDone(t, dir, inputs, w)
		f := time.Since(t0)
		w.term(t)
		checkCrashFinal(t, dir, inputs, want)
		if m == 0 || f < full {
			up, full = u, f
		}
	}
	killRange := up + (full-up)/3
	t.Logf("uninterrupted watch: started in %v, all inputs through after %v; kills within %v", up, full, killRange)

	kills, i := 0, 0
	for ; kills < minKills || i < minIterations; i++ {
		dir := copyCrashProject(t, tmpl, filepath.Join(t.TempDir(), "it"))
		left := append([]string(nil), names...)
		rng.Shuffle(len(left), func(a, b int) { left[a], left[b] = left[b], left[a] })
		for k := range 7 + rng.IntN(6) {
			w := startWatch(t, dir)
			killAt := time.Duration(rng.Int64N(int64(killRange) + 1))
			dropAt := time.Duration(rng.Int64N(int64(killAt) + 1))
			n := min(len(left), rng.IntN(len(names)/3+1))
			w.after(t, dropAt)
			dropFiles(t, dir, left[:n], all)
			left = left[n:]
			w.after(t, killAt-dropAt)
			w.kill(t)
			kills++
			if err := checkCrashState(dir, want, true); err != nil {
				t.Fatalf("iteration %d, kill %d (drop after %v, kill after %v): %v\n%s", i, k+1, dropAt, killAt, err, w.out)
			}
		}
		w := startWatch(t, dir)
		dropFiles(t, dir, left, all)
		waitWatchDone(t, dir, inputs, w)
		w.term(t)
		if err := checkCrashState(dir, want, false); err != nil {
			t.Fatalf("iteration %d after the last start: %v\n%s", i, err, w.out)
		}
		checkCrashFinal(t, dir, inputs, want)
		if t.Failed() {
			t.Fatalf("iteration %d after the last start:\n%s", i, w.out)
		}
		os.RemoveAll(dir)
	}
	t.Logf("%d iterations, %d kills, %v", i, kills, time.Since(start).Round(time.Millisecond))
}

// watchProc is a running `ferry watch` or `ferry run` (this test binary
// re-executed).
type watchProc struct {
	cmd  *exec.Cmd
	out  *syncBuf
	done chan error
}

// startWatch starts `ferry watch` in dir.
func startWatch(t *testing.T, dir string) *watchProc {
	t.Helper()
	return startFerry(t, dir, "watch")
}

// startFerry starts `ferry ARGS…` in dir (this test binary re-executed).
func startFerry(t *testing.T, dir string, args ...string) *watchProc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Args[0] = "ferry"
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	w := &watchProc{cmd: cmd, out: &syncBuf{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = w.out, w.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-w.done
		}
	})
	return w
}

// after waits d; ferry watch must not end by itself meanwhile.
func (w *watchProc) after(t *testing.T, d time.Duration) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case err := <-w.done:
		w.done <- err
		t.Fatalf("ferry watch ended by itself: %v\n%s", err, w.out)
	case <-timer.C:
	}
}

// kill kills ferry watch with SIGKILL and waits for it to be gone.
func (w *watchProc) kill(t *testing.T) {
	t.Helper()
	if err := w.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := <-w.done
	var ee *exec.ExitError
	if ws, ok := w.cmd.ProcessState.Sys().(syscall.WaitStatus); !errors.As(err, &ee) || !ok || !ws.Signaled() {
		t.Fatalf("ferry watch ended by itself before the kill: %v\n%s", err, w.out)
	}
}

// term stops ferry watch with SIGTERM; it must exit 0 within 20 s. It
// waits for ferry's "watching" line first: before it, the signal handler
// may not be installed yet.
func (w *watchProc) term(t *testing.T) {
	t.Helper()
	w.waitLog(t, "msg=watching")
	if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-w.done:
		if err != nil {
			t.Fatalf("ferry watch after SIGTERM: %v\n%s", err, w.out)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("ferry watch did not stop after SIGTERM\n%s", w.out)
	}
	if !strings.Contains(w.out.String(), "msg=stopped") {
		t.Errorf("ferry watch did not log its stop:\n%s", w.out)
	}
}

// waitLog polls (deadline 20 s) until ferry's output contains s.
func (w *watchProc) waitLog(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(w.out.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q from ferry in time:\n%s", s, w.out)
		}
		select {
		case err := <-w.done:
			w.done <- err
			t.Fatalf("ferry ended before %q: %v\n%s", s, err, w.out)
		case <-tick.C:
		}
	}
}

// dropFiles puts the named inputs into the inbox as an upload would: under
// a temp name that ferry ignores, then renamed.
func dropFiles(t *testing.T, dir string, names []string, data map[string][]byte) {
	t.Helper()
	inbox := filepath.Join(dir, filepath.FromSlash(crashInbox))
	for _, name := range names {
		tmp := filepath.Join(inbox, "."+name+".part")
		writeFile(t, tmp, data[name])
		if err := os.Rename(tmp, filepath.Join(inbox, name)); err != nil {
			t.Fatal(err)
		}
	}
}

// waitWatchDone polls (deadline 20 s) until every input has left the inbox
// and the work folder and is in the archive or the error folder.
func waitWatchDone(t *testing.T, dir string, in crashInputs, w *watchProc) {
	t.Helper()
	waitThrough(t, in, filepath.Join(dir, filepath.FromSlash(crashInbox)), []string{dir}, w)
}

// waitThrough polls (deadline 20 s) until every input has left inbox and
// the work folders of the projects in dirs and is in one of their archives
// or error folders; none of ws may end meanwhile.
func waitThrough(t *testing.T, in crashInputs, inbox string, dirs []string, ws ...*watchProc) {
	t.Helper()
	logs := func() string {
		var b strings.Builder
		for i, w := range ws {
			fmt.Fprintf(&b, "--- ferry watch %d:\n%s", i+1, w.out)
		}
		return b.String()
	}
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		state, done := watchProgress(in, inbox, dirs)
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("ferry watch did not finish the inputs in time: %s\n%s", state, logs())
		}
		for _, w := range ws {
			select {
			case err := <-w.done:
				w.done <- err
				t.Fatalf("ferry watch ended by itself: %v\n%s", err, logs())
			default:
			}
		}
		<-tick.C
	}
}

// watchProgress describes where the inputs are and reports whether all
// of them are through: counted by name only (files come and go while
// ferry works), temp files and error reports left out.
func watchProgress(in crashInputs, inbox string, dirs []string) (string, bool) {
	count := func(rel string) int {
		n := 0
		for _, dir := range dirs {
			n += countFiles(filepath.Join(dir, filepath.FromSlash(rel)), ".error.txt")
		}
		return n
	}
	inboxN, work, archive, errs := countFiles(inbox, ".error.txt"), count(".ferry/work"), count("archive"), count("error")
	state := fmt.Sprintf("inbox %d, work %d, archive %d of %d, error folder %d of %d", inboxN, work, archive, len(in.good), errs, len(in.bad))
	return state, inboxN == 0 && work == 0 && archive >= len(in.good) && errs >= len(in.bad)
}

// countFiles counts the files below root (none when it does not exist),
// leaving out temp files (.*) and names ending in skip (when not "");
// files that vanish while it looks are not counted.
func countFiles(root, skip string) int {
	n := 0
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if !d.IsDir() && !strings.HasPrefix(d.Name(), ".") && (skip == "" || !strings.HasSuffix(d.Name(), skip)) {
			n++
		}
		return nil
	})
	return n
}
