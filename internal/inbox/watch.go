package inbox

// The Watcher turns file system notifications into wake-ups. They are hints
// only: notifications get lost (overflow), never arrive (SMB/NFS shares,
// SFTP-mounted folders) or cannot be set up at all, so a poll tick always
// runs as well and the Scanner decides what is ready.

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultPoll is the poll interval used when WatchOptions.Poll is zero; it
// matches DefaultSettle so that a file found unsettled is rescanned about
// when it can be ready.
const DefaultPoll = 2 * time.Second

// Hint is a source of change notifications for the Watcher.
type Hint struct {
	// Events delivers changes; their content is ignored. A closed channel
	// means no more hints (polling continues).
	Events <-chan fsnotify.Event
	// Errors delivers notifier errors (fsnotify.ErrEventOverflow after lost
	// events); each one wakes the runtime, as something may have changed.
	Errors <-chan error
	// Close stops the source.
	Close func() error
}

// WatchOptions configure Watch; zero values mean the defaults.
type WatchOptions struct {
	// Poll is the interval of the fallback wake-up; default DefaultPoll.
	Poll time.Duration
	// Tick replaces the poll ticker (tests); when set, Poll is not used.
	Tick <-chan time.Time
	// Notify starts the hint source for the folders; default fsnotify.
	// When it fails, the Watcher only polls.
	Notify func(dirs []string) (Hint, error)
}

// Watcher wakes the runtime when an inbox may have changed: on a file
// system notification (coalesced) and on every poll tick. The runtime
// loops: receive from Wake, Scan, Claim. The first wake-up is immediate.
type Watcher struct {
	wake    chan struct{}
	done    chan struct{}
	stopped chan struct{}
	hint    Hint
	hintErr error
	once    sync.Once
	ticker  *time.Ticker
}

// Watch starts watching dirs. It never fails: if notifications cannot be
// set up (HintErr tells why), it only polls.
func Watch(dirs []string, opt WatchOptions) *Watcher {
	w := &Watcher{wake: make(chan struct{}, 1), done: make(chan struct{}), stopped: make(chan struct{})}
	w.wake <- struct{}{}
	tick := opt.Tick
	if tick == nil {
		poll := opt.Poll
		if poll <= 0 {
			poll = DefaultPoll
		}
		w.ticker = time.NewTicker(poll)
		tick = w.ticker.C
	}
	notify := opt.Notify
	if notify == nil {
		notify = FSNotify
	}
	w.hint, w.hintErr = notify(dirs)
	if w.hintErr != nil {
		w.hint = Hint{}
	}
	go w.loop(tick)
	return w
}

// FSNotify is the default hint source: fsnotify on every folder. It fails
// if any folder cannot be watched; the Watcher then polls only.
func FSNotify(dirs []string) (Hint, error) {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return Hint{}, fmt.Errorf("file change notifications are not available: %w", err)
	}
	for _, d := range dirs {
		if err := fw.Add(d); err != nil {
			fw.Close()
			return Hint{}, fmt.Errorf("cannot watch %s for changes (checking it regularly instead): %w", d, err)
		}
	}
	return Hint{Events: fw.Events, Errors: fw.Errors, Close: fw.Close}, nil
}

func (w *Watcher) loop(tick <-chan time.Time) {
	defer close(w.stopped)
	events, errs := w.hint.Events, w.hint.Errors
	for {
		select {
		case <-w.done:
			return
		case _, ok := <-events:
			if !ok {
				events = nil
				continue
			}
		case _, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
		case <-tick:
		}
		select { // coalesce: one pending wake-up is enough
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// Wake delivers a value when the inboxes should be scanned. Bursts of
// changes coalesce into one pending wake-up; the notifier is never blocked.
func (w *Watcher) Wake() <-chan struct{} { return w.wake }

// Hinted reports whether file system notifications are in use (otherwise
// the Watcher only polls).
func (w *Watcher) Hinted() bool { return w.hintErr == nil }

// HintErr says why notifications are not in use, or nil.
func (w *Watcher) HintErr() error { return w.hintErr }

// Close stops the Watcher and its notifier. Wake is not closed.
func (w *Watcher) Close() error {
	var err error
	w.once.Do(func() {
		close(w.done)
		<-w.stopped
		if w.ticker != nil {
			w.ticker.Stop()
		}
		if w.hint.Close != nil {
			err = w.hint.Close()
		}
	})
	return err
}

// errNoHints is used by callers who want polling only.
var errNoHints = errors.New("file change notifications are switched off")

// PollOnly is a WatchOptions.Notify that declines notifications, for
// folders where they are known not to work (network shares).
func PollOnly([]string) (Hint, error) { return Hint{}, errNoHints }
