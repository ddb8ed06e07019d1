//go:build !windows

package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTwoConfigurationsShareInbox: two configurations (two projects, two
// journals, two work folders) whose pipelines read the same inbox folder,
// each run by its own `ferry watch`. The 22 inputs of the crash project are
// dropped while both run: each one is taken by exactly one of them (the
// claim is a rename), so every input is archived (or in an error folder)
// exactly once, every output exists in exactly one outbox, byte-identical
// to an uninterrupted single run's, and neither journal has an unfinished
// entry.
func TestTwoConfigurationsShareInbox(t *testing.T) {
	tmpl, inputs, want := crashTemplate(t)
	all := inputs.all()
	names := sortedKeys(all)
	root := t.TempDir()
	a := copyCrashProject(t, tmpl, filepath.Join(root, "a"))
	b := copyCrashProject(t, tmpl, filepath.Join(root, "b"))
	shared := filepath.Join(a, filepath.FromSlash(crashInbox))
	for _, dir := range []string{a, b} {
		for _, name := range names {
			if err := os.Remove(filepath.Join(dir, filepath.FromSlash(crashInbox), name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// b's pipeline reads a's inbox.
	pf := filepath.Join(b, "pipelines", crashPipeline+".yaml")
	src, err := os.ReadFile(pf)
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(src, []byte("inbox: "+crashInbox), []byte("inbox: "+filepath.ToSlash(shared)), 1)
	if bytes.Equal(edited, src) {
		t.Fatalf("%s has no line \"inbox: %s\"", pf, crashInbox)
	}
	writeFile(t, pf, edited)

	wa, wb := startWatch(t, a), startWatch(t, b)
	wa.waitLog(t, "msg=watching")
	wb.waitLog(t, "msg=watching")
	// Dropped in three batches while both watch.
	for i := 0; i < len(names); i += 8 {
		dropFiles(t, a, names[i:min(i+8, len(names))], all)
	}

	// Every input through one of the two.
	waitThrough(t, inputs, shared, []string{a, b}, wa, wb)
	wa.term(t)
	wb.term(t)

	ga, gb := crashSnapshot(t, a), crashSnapshot(t, b)
	// Every output once, in one of the outboxes, as the clean run wrote it.
	for name, w := range want.outbox {
		inA, inB := ga.outbox[name], gb.outbox[name]
		switch {
		case inA != nil && inB != nil:
			t.Errorf("output %s was written by both", name)
		case inA == nil && inB == nil:
			t.Errorf("output %s missing", name)
		case !bytes.Equal(inA, w) && !bytes.Equal(inB, w):
			t.Errorf("output %s differs from the clean run's", name)
		}
	}
	if n := len(ga.outbox) + len(gb.outbox); n != len(want.outbox) {
		t.Errorf("%d outputs, want %d: a %v, b %v", n, len(want.outbox), sortedKeys(ga.outbox), sortedKeys(gb.outbox))
	}
	// Every input once: archived (good) or in an error folder with its
	// report (bad).
	count := func(tree map[string][]byte, name string, data []byte) int {
		n := 0
		for rel, b := range tree {
			if filepath.Base(rel) == name && bytes.Equal(b, data) {
				n++
			}
		}
		return n
	}
	byA := 0
	for name, data := range inputs.good {
		na, nb := count(ga.archive, name, data), count(gb.archive, name, data)
		if na+nb != 1 {
			t.Errorf("%s archived %d times (a %d, b %d)", name, na+nb, na, nb)
		}
		byA += na
	}
	if n := len(ga.archive) + len(gb.archive); n != len(inputs.good) {
		t.Errorf("%d archived files, want %d", n, len(inputs.good))
	}
	for name, data := range inputs.bad {
		na, nb := count(ga.errors, name, data), count(gb.errors, name, data)
		if na+nb != 1 {
			t.Errorf("%s in the error folders %d times", name, na+nb)
		}
		rep := crashPipeline + "/" + name + ".error.txt"
		if !bytes.Equal(ga.errors[rep], want.errors[rep]) && !bytes.Equal(gb.errors[rep], want.errors[rep]) {
			t.Errorf("report %s missing or different", rep)
		}
	}
	if n := len(ga.errors) + len(gb.errors); n != 2*len(inputs.bad) {
		t.Errorf("%d files in the error folders, want %d", n, 2*len(inputs.bad))
	}
	checkJournalFinished(t, a)
	checkJournalFinished(t, b)
	t.Logf("good inputs done by a: %d, by b: %d", byA, len(inputs.good)-byA)
}

// TestSecondProcessRefused: while `ferry watch` works on a configuration,
// a second `ferry watch` and a `ferry run` on it refuse to start (exit 1,
// naming the reason) and touch nothing; the first one processes every
// input once.
func TestSecondProcessRefused(t *testing.T) {
	tmpl, inputs, want := crashTemplate(t)
	dir := copyCrashProject(t, tmpl, filepath.Join(t.TempDir(), "p"))

	first := startWatch(t, dir)
	first.waitLog(t, "msg=watching")
	for _, cmdName := range []string{"watch", "run"} {
		second := startFerry(t, dir, cmdName)
		var err error
		select {
		case err = <-second.done:
		case <-time.After(20 * time.Second):
			t.Fatalf("the second ferry %s did not refuse\n%s", cmdName, second.out)
		}
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != ExitFailed || !strings.Contains(second.out.String(), "another ferry run or ferry watch is already working on ferry.yaml") {
			t.Errorf("the second ferry %s: %v\n%s", cmdName, err, second.out)
		}
		if strings.Contains(second.out.String(), "done ") || strings.Contains(second.out.String(), "recovered") {
			t.Errorf("the second ferry %s touched files:\n%s", cmdName, second.out)
		}
	}
	waitWatchDone(t, dir, inputs, first)
	first.term(t)
	checkCrashFinal(t, dir, inputs, want)
}
