package cli

// ferry run: recover what an earlier run left unfinished, then process
// every ready file in the inboxes once, and exit.

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"github.com/ferry-sync/ferry/internal/fsutil"
	"github.com/ferry-sync/ferry/internal/journal"
	"github.com/ferry-sync/ferry/internal/runner"
	"github.com/ferry-sync/ferry/transform"
)

func (c *CLI) runCmd() *cobra.Command {
	var config string
	var pipelines []string
	var settle time.Duration
	cmd := &cobra.Command{
		Use:   "run [--pipeline NAME…]",
		Short: "Process every ready file in the inboxes once, then exit",
		Long: `Process every file that is ready in the pipelines' inboxes (unchanged for the
settle time, no temp-file name, its done-marker present where asked for), then
exit. Each file's outputs appear together in the outboxes and the file moves to
archive/<pipeline>/<date>/; a file that fails moves to error/<pipeline>/ with a
<name>.error.txt report beside it, and nothing of it is written. A file whose
content was already processed is archived as a duplicate with a note.
Whatever an interrupted earlier run left unfinished is finished or undone first.
With archive_keep in ferry.yaml (e.g. 90d), archive folders of older days are
deleted (each one is listed); the error folder is never cleaned.
A file larger than 8 MiB shows how far it is on standard error: a progress bar
(bytes done / total, records/s) on a terminal, a line at every tenth otherwise.

Exit codes: 0 every file succeeded (or there was none), 1 a file failed (see the
error folder), 2 configuration error.`,
		Example: "  ferry run\n  ferry run --pipeline artikel-to-products\n  ferry run --settle 0    # files copied in by hand are complete: do not wait",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			proj, pipes, err := c.loadAll(config)
			if err != nil {
				return configErr(err)
			}
			for _, n := range pipelines {
				if pipes[n] == nil {
					return configErr(fmt.Errorf("%s has no pipeline %q", config, n))
				}
			}
			if cmd.Flags().Changed("settle") {
				if settle < 0 {
					return configErr(fmt.Errorf("--settle %s: the settle time cannot be negative", settle))
				}
				for _, p := range pipes {
					// The inbox treats 0 as "the default"; one nanosecond
					// is "no wait" in effect.
					p.Config.Input.SettleTime = max(settle, time.Nanosecond)
				}
			}
			r, done, err := c.openRunner(proj, pipes, config)
			if err != nil {
				return err
			}
			defer done()
			r.Log = slog.New(c.runLogHandler())
			r.Progress = c.runProgress()
			rel := func(p string) string {
				if p == "" {
					return ""
				}
				if rp, err := filepath.Rel(proj.Dir, p); err == nil && !strings.HasPrefix(rp, "..") {
					return filepath.ToSlash(rp)
				}
				return p
			}
			recovered, rerr := r.Recover(ctx)
			for _, rc := range recovered {
				fmt.Fprintf(c.Stdout, "recovered  %s  %s: %s %s\n", rc.Entry.Pipeline, filepath.Base(rc.Entry.Original), rc.Action, rel(rc.Path))
			}
			if rerr != nil {
				return failed(rerr)
			}
			pruned, perr := r.PruneArchive(ctx)
			for _, p := range pruned {
				fmt.Fprintf(c.Stdout, "deleted    %s (archived more than %d days ago; archive_keep)\n", rel(p.Path), int(proj.ArchiveKeep/(24*time.Hour)))
			}
			if perr != nil {
				// Old archives left in place harm no file: warn, go on.
				fmt.Fprintln(c.Stderr, "ferry: warning:", perr)
			}
			sum, err := r.RunOnce(ctx, pipelines)
			for _, res := range sum.Results {
				counts := fmt.Sprintf("%d in, %d out, %d refused", res.Counts.In, res.Counts.Out, res.Counts.Rejected)
				if res.AlreadySent > 0 {
					counts += fmt.Sprintf(", %d already sent before", res.AlreadySent)
				}
				switch res.Outcome {
				case runner.Done:
					outs := make([]string, len(res.Outputs))
					for i, o := range res.Outputs {
						outs[i] = rel(o)
					}
					written := strings.Join(outs, ", ")
					if len(outs) == 0 {
						written = "nothing to write (every record was left out on purpose; see the warnings)"
					}
					fmt.Fprintf(c.Stdout, "done       %s  %s: %s → %s (archived: %s)\n", res.Pipeline, res.File, counts, written, rel(res.Moved))
				case runner.Failed:
					// Records that had passed before the file failed were not
					// written either: only the refused count means anything.
					fmt.Fprintf(c.Stdout, "failed     %s  %s: %d in, %d refused; nothing written → %s (report: %s)\n",
						res.Pipeline, res.File, res.Counts.In, res.Counts.Rejected, rel(res.Moved), rel(res.Report))
				case runner.Duplicate:
					fmt.Fprintf(c.Stdout, "duplicate  %s  %s: already processed, not again → %s (note: %s)\n", res.Pipeline, res.File, rel(res.Moved), rel(res.Report))
				}
			}
			fmt.Fprintf(c.Stdout, "ferry run: %d done, %d failed, %d duplicate(s)\n", sum.Done, sum.Failed, sum.Duplicates)
			if err != nil {
				return failed(err)
			}
			if sum.Failed > 0 {
				return failed(fmt.Errorf("%d file(s) failed; they are in the error folder with a report", sum.Failed))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&config, "config", "c", "ferry.yaml", "the project file")
	cmd.Flags().StringSliceVarP(&pipelines, "pipeline", "p", nil, "process only these pipelines (repeatable)")
	cmd.Flags().DurationVar(&settle, "settle", 0, "override every inbox's settle time (e.g. 0 for files that are known to be complete)")
	return cmd
}

// openRunner takes the configuration's lock, opens its journal and builds
// the runner that ferry run and ferry watch use; done releases both.
func (c *CLI) openRunner(proj *transform.Project, pipes map[string]*transform.Pipeline, config string) (r *runner.Runner, done func(), err error) {
	lock, err := lockProject(proj.Journal, config)
	if err != nil {
		return nil, nil, err
	}
	j, err := journal.Open(proj.Journal, journal.Options{Now: c.now})
	if err != nil {
		_ = lock.Unlock()
		return nil, nil, failed(err)
	}
	done = func() {
		_ = j.Close()
		_ = lock.Unlock()
	}
	if r, err = runner.New(proj, pipes, j); err != nil {
		done()
		return nil, nil, configErr(err)
	}
	r.Now = c.now
	// cmd/ferry's tight soft limit is lifted per XLSX file (a limit set
	// by hand stays as it is; so does a GC target set by hand).
	r.Memory = memoryLimit()
	return r, done, nil
}

// lockProject makes sure that only one ferry run or ferry watch works on a
// configuration at a time: recovery at start treats every unfinished
// journal entry as its own, which is only true for a single instance. The
// lock lies beside the journal; the OS releases it when the process ends,
// however it ends.
func lockProject(journalPath, config string) (*fsutil.Lock, error) {
	l, err := fsutil.TryLock(journalPath + ".lock")
	if errors.Is(err, fsutil.ErrLocked) {
		return nil, failed(fmt.Errorf("another ferry run or ferry watch is already working on %s: %v; wait until it has finished (ferry watch handles new files by itself) or stop it", config, err))
	}
	if err != nil {
		return nil, failed(err)
	}
	return l, nil
}

// largeFile is the input size from which ferry run and ferry convert show
// how far a file is (a progress bar on a terminal, plain lines otherwise).
const largeFile = 8 << 20

// byteBar is the progress bar of ferry convert and ferry run: bytes done
// of size and the rate on standard error, cleared when finished.
func (c *CLI) byteBar(size int64, desc string) *progressbar.ProgressBar {
	return progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(c.Stderr),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowBytes(true),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish())
}

// runProgress returns ferry run's runner.ProgressFunc: files larger than
// largeFile get a progress bar (bytes done / total, records/s) on a
// terminal — one at a time; a large file read while another one's bar is
// shown gets none —, otherwise a plain line on standard error when the
// file is started and at every tenth of it.
func (c *CLI) runProgress() runner.ProgressFunc {
	term := c.IsTerminal != nil && c.IsTerminal(c.Stderr)
	var mu sync.Mutex // the bar slot and writes to Stderr
	barShown := false
	return func(pipeline, file string, size int64) runner.Progress {
		if size <= largeFile {
			return nil
		}
		start := time.Now()
		if term {
			mu.Lock()
			defer mu.Unlock()
			if barShown {
				return nil
			}
			barShown = true
			return &barProgress{bar: c.byteBar(size, file), file: file, start: start, done: func() {
				mu.Lock()
				barShown = false
				mu.Unlock()
			}}
		}
		lp := &lineProgress{w: c.Stderr, mu: &mu, file: file, size: size, start: start}
		mu.Lock()
		fmt.Fprintf(c.Stderr, "ferry: %s (%s): reading %s\n", file, pipeline, mib(size))
		mu.Unlock()
		return lp
	}
}

// mib formats a byte count in MiB with one decimal.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// rate is records per second since start, or "" before the first second.
func rate(records int64, start time.Time) string {
	took := time.Since(start)
	if took < time.Second {
		return ""
	}
	return fmt.Sprintf(", %.0f records/s", float64(records)/took.Seconds())
}

// barProgress drives a progress bar; the description carries the records
// read and their rate, updated at most every 250 ms.
type barProgress struct {
	bar       *progressbar.ProgressBar
	file      string
	start     time.Time
	described time.Time
	done      func()
}

func (b *barProgress) Update(bytes, records int64) {
	_ = b.bar.Set64(bytes)
	if now := time.Now(); records > 0 && now.Sub(b.described) >= 250*time.Millisecond {
		b.described = now
		b.bar.Describe(fmt.Sprintf("%s: %d records%s", b.file, records, rate(records, b.start)))
	}
}

func (b *barProgress) Done() {
	_ = b.bar.Finish()
	b.done()
}

// lineProgress writes a plain line at every tenth of the file.
type lineProgress struct {
	w     io.Writer
	mu    *sync.Mutex
	file  string
	size  int64
	start time.Time
	tenth int64 // the last tenth written
}

func (l *lineProgress) Update(bytes, records int64) {
	t := bytes * 10 / l.size
	if t <= l.tenth || t > 10 {
		return
	}
	l.tenth = t
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "ferry: %s: %d%% (%s of %s, %d records%s)\n", l.file, t*10, mib(bytes), mib(l.size), records, rate(records, l.start))
}

func (l *lineProgress) Done() {}
