package inbox_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/ferry-sync/ferry/internal/inbox"
)

// deadline bounds every wait for something that must happen; it is never
// used to let time pass.
const deadline = 10 * time.Second

func mustWake(t *testing.T, w *inbox.Watcher, what string) {
	t.Helper()
	select {
	case <-w.Wake():
	case <-time.After(deadline):
		t.Fatalf("no wake-up after %s", what)
	}
}

func TestWatcherWakesOnChanges(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before func(dir string) error
		op     func(dir string) error
	}{
		{"create", nil, func(dir string) error { return os.WriteFile(filepath.Join(dir, "a.csv"), []byte("x"), 0o644) }},
		{"write", func(dir string) error { return os.WriteFile(filepath.Join(dir, "a.csv"), nil, 0o644) },
			func(dir string) error {
				f, err := os.OpenFile(filepath.Join(dir, "a.csv"), os.O_WRONLY|os.O_APPEND, 0)
				if err != nil {
					return err
				}
				_, err = f.Write([]byte("more"))
				return errors.Join(err, f.Close())
			}},
		{"rename in", func(dir string) error { return os.WriteFile(filepath.Join(dir, ".up.tmp"), nil, 0o644) },
			func(dir string) error { return os.Rename(filepath.Join(dir, ".up.tmp"), filepath.Join(dir, "a.csv")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.before != nil {
				if err := tc.before(dir); err != nil {
					t.Fatal(err)
				}
			}
			tick := make(chan time.Time) // never ticks
			w := inbox.Watch([]string{dir}, inbox.WatchOptions{Tick: tick})
			defer w.Close()
			if !w.Hinted() {
				t.Skipf("no file notifications here: %v", w.HintErr())
			}
			mustWake(t, w, "start") // the first wake-up is immediate
			select {
			case <-w.Wake():
				t.Fatal("woke without a change")
			default:
			}
			if err := tc.op(dir); err != nil {
				t.Fatal(err)
			}
			mustWake(t, w, tc.name)
		})
	}
}

// fakeHint is a hint source the test drives.
func fakeHint(events chan fsnotify.Event, errs chan error) func([]string) (inbox.Hint, error) {
	return func([]string) (inbox.Hint, error) {
		return inbox.Hint{Events: events, Errors: errs, Close: func() error { return nil }}, nil
	}
}

func TestWatcherCoalescesAndNeverBlocks(t *testing.T) {
	events, errs := make(chan fsnotify.Event), make(chan error)
	w := inbox.Watch([]string{"in"}, inbox.WatchOptions{Tick: make(chan time.Time), Notify: fakeHint(events, errs)})
	defer w.Close()
	// Nobody reads Wake while a burst arrives: every send must still be
	// taken at once (unbuffered channel: a send completes only when the
	// watcher received it).
	for i := range 1000 {
		select {
		case events <- fsnotify.Event{Name: "in/a.csv", Op: fsnotify.Write}:
		case <-time.After(deadline):
			t.Fatalf("notifier blocked at event %d", i)
		}
	}
	if n := len(w.Wake()); n != 1 {
		t.Fatalf("%d pending wake-ups, want 1", n)
	}
	<-w.Wake()
	// Overflow: events were lost, wake anyway.
	select {
	case errs <- fsnotify.ErrEventOverflow:
	case <-time.After(deadline):
		t.Fatal("error send blocked")
	}
	mustWake(t, w, "overflow")
}

func TestWatcherPollsWithoutHints(t *testing.T) {
	tick := make(chan time.Time)
	w := inbox.Watch([]string{"//server/share/in"}, inbox.WatchOptions{Tick: tick, Notify: inbox.PollOnly})
	defer w.Close()
	if w.Hinted() || w.HintErr() == nil {
		t.Fatal("hints reported available")
	}
	mustWake(t, w, "start")
	for range 3 {
		select {
		case tick <- time.Now():
		case <-time.After(deadline):
			t.Fatal("tick not taken")
		}
		mustWake(t, w, "tick")
	}
}

func TestWatcherMissingFolderFallsBack(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "not-there")
	tick := make(chan time.Time)
	w := inbox.Watch([]string{missing}, inbox.WatchOptions{Tick: tick})
	defer w.Close()
	if w.Hinted() {
		t.Fatal("watching a missing folder")
	}
	mustWake(t, w, "start")
	tick <- time.Now()
	mustWake(t, w, "tick")
}

func TestWatcherHintSourceEnds(t *testing.T) {
	events, errs := make(chan fsnotify.Event), make(chan error)
	tick := make(chan time.Time)
	w := inbox.Watch([]string{"in"}, inbox.WatchOptions{Tick: tick, Notify: fakeHint(events, errs)})
	<-w.Wake()
	close(events)
	close(errs)
	tick <- time.Now()
	mustWake(t, w, "tick after the notifier ended")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
}
