package cli

// ferry status, history, show and retry: what the journal knows about the
// files ferry processed, and putting a failed file back into its inbox.
// They read the journal (never create it) and the inbox folders; only
// retry moves files. Times are shown in the project's time zone as
// TT.MM.JJJJ hh:mm:ss; paths below the project folder are shown relative.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferry-sync/ferry/internal/inbox"
	"github.com/ferry-sync/ferry/internal/journal"
	"github.com/ferry-sync/ferry/internal/outbox"
	"github.com/ferry-sync/ferry/transform"
)

// timeLayout is how the inspection commands show times (TT.MM.JJJJ hh:mm:ss).
const timeLayout = "02.01.2006 15:04:05"

// inspectEnv is what every inspection command needs: the loaded project,
// its time zone and its journal (nil when no file was processed yet).
type inspectEnv struct {
	proj *transform.Project
	loc  *time.Location
	j    journal.Journal
}

// openInspect loads the project and opens its journal if it exists: the
// inspection commands never create one.
func (c *CLI) openInspect(config string) (*inspectEnv, error) {
	proj, err := transform.LoadProject(config)
	if err != nil {
		return nil, configErr(err)
	}
	env := &inspectEnv{proj: proj, loc: time.Local}
	if loc, err := time.LoadLocation(proj.Timezone); err == nil {
		env.loc = loc
	}
	if _, err := os.Stat(proj.Journal); errors.Is(err, fs.ErrNotExist) {
		return env, nil
	}
	j, err := journal.Open(proj.Journal, journal.Options{Now: c.now})
	if err != nil {
		return nil, failed(err)
	}
	env.j = j
	return env, nil
}

func (env *inspectEnv) close() {
	if env.j != nil {
		env.j.Close()
	}
}

// query runs f on the journal; no journal means no entries.
func (env *inspectEnv) query(ctx context.Context, f journal.Filter) ([]journal.Entry, error) {
	if env.j == nil {
		return nil, nil
	}
	es, err := env.j.Query(ctx, f)
	if err != nil {
		return nil, failed(err)
	}
	return es, nil
}

// get returns entry id, or an exit-1 error when the journal does not know it.
func (env *inspectEnv) get(ctx context.Context, id int64) (journal.Entry, error) {
	if env.j == nil {
		return journal.Entry{}, failed(fmt.Errorf("there is no journal entry %d (no file was processed yet)", id))
	}
	e, err := env.j.Get(ctx, id)
	if errors.Is(err, journal.ErrNotFound) {
		return e, failed(fmt.Errorf("there is no journal entry %d; \"ferry history\" lists them", id))
	}
	if err != nil {
		return e, failed(err)
	}
	return e, nil
}

// when formats t in the project's time zone; the zero time is "-".
func (env *inspectEnv) when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(env.loc).Format(timeLayout)
}

// rel shows p relative to the project folder when it lies below it.
func (env *inspectEnv) rel(p string) string {
	if p == "" {
		return "-"
	}
	if rp, err := filepath.Rel(env.proj.Dir, p); err == nil && rp != ".." && !strings.HasPrefix(rp, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(rp)
	}
	return p
}

// result names what became of an entry: its state, or "duplicate" for a
// done entry that only archived its input beside a duplicate note.
func result(e journal.Entry) string {
	if e.State == journal.StateDone && len(e.Outputs) == 0 && e.Archive != "" {
		if _, err := os.Stat(e.Archive + ".duplicate.txt"); err == nil {
			return "duplicate"
		}
	}
	return string(e.State)
}

// counts formats the record counts of a finished entry.
func counts(e journal.Entry) (in, out, refused string) {
	if e.State.Unfinished() {
		return "-", "-", "-"
	}
	out = strconv.FormatInt(e.Out, 10)
	if e.State != journal.StateDone {
		// Records that passed before the file failed were not written.
		out = "0"
	}
	return strconv.FormatInt(e.In, 10), out, strconv.FormatInt(e.Rejected, 10)
}

// since is when an entry reached its current state.
func since(e journal.Entry) time.Time {
	switch {
	case !e.EndedAt.IsZero():
		return e.EndedAt
	case !e.PublishedAt.IsZero():
		return e.PublishedAt
	case !e.StagedAt.IsZero():
		return e.StagedAt
	}
	return e.ClaimedAt
}

func (c *CLI) statusCmd() *cobra.Command {
	var config string
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show the files in flight, the files waiting in the inboxes and the last results",
		Long: `Show what ferry is doing and has just done:
  - in flight: files claimed by a run that has not finished them (with the step
    reached and since when); after a crash, the next "ferry run" finishes or
    undoes them;
  - queued: per pipeline, the files waiting in its inbox (count and the oldest
    modification time); temp files and done-markers are not counted;
  - the last 10 files with their result, record counts and time.
Times are in the project's time zone (ferry.yaml: timezone).

Exit codes: 0 shown, 1 the journal or an inbox cannot be read, 2 configuration error.`,
		Example: "  ferry status\n  ferry status --config /srv/ferry/ferry.yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			env, err := c.openInspect(config)
			if err != nil {
				return err
			}
			defer env.close()
			return c.status(cmd.Context(), env)
		},
	}
	cmd.Flags().StringVarP(&config, "config", "c", "ferry.yaml", "the project file")
	return cmd
}

func (c *CLI) status(ctx context.Context, env *inspectEnv) error {
	w := tabwriter.NewWriter(c.Stdout, 0, 0, 2, ' ', 0)
	inflight, err := env.query(ctx, journal.Filter{States: []journal.State{journal.StateClaimed, journal.StateCommitting, journal.StateCommitted}})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "In flight: %d\n", len(inflight))
	if len(inflight) > 0 {
		fmt.Fprintln(w, "  ID\tPIPELINE\tFILE\tSTEP\tSINCE\tBY")
		for _, e := range inflight {
			fmt.Fprintf(w, "  %d\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Pipeline, filepath.Base(e.Original), e.State, env.when(since(e)), dash(e.Owner))
		}
	}
	w.Flush()

	fmt.Fprintln(w, "\nQueued:")
	fmt.Fprintln(w, "  PIPELINE\tINBOX\tFILES\tOLDEST")
	var errs []error
	for _, pc := range env.proj.Pipelines {
		ic := pc.Input
		if ic.InboxPath == "" {
			continue
		}
		n, oldest, err := queued(ic)
		if err != nil {
			errs = append(errs, err)
			fmt.Fprintf(w, "  %s\t%s\t?\t-\n", pc.Name, env.rel(ic.InboxPath))
			continue
		}
		fmt.Fprintf(w, "  %s\t%s\t%d\t%s\n", pc.Name, env.rel(ic.InboxPath), n, env.when(oldest))
	}
	w.Flush()

	last, err := env.query(ctx, journal.Filter{States: []journal.State{journal.StateDone, journal.StateFailed, journal.StateReleased}, Limit: 10})
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\nLast files:")
	if len(last) == 0 {
		fmt.Fprintln(w, "  none yet")
	} else {
		fmt.Fprintln(w, "  ID\tPIPELINE\tFILE\tRESULT\tIN\tOUT\tREFUSED\tENDED")
		for _, e := range last {
			in, out, ref := counts(e)
			fmt.Fprintf(w, "  %d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Pipeline, filepath.Base(e.Original), result(e), in, out, ref, env.when(e.EndedAt))
		}
	}
	w.Flush()
	if len(errs) > 0 {
		return failed(errors.Join(errs...))
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// queued counts the files waiting in an inbox and returns the oldest
// modification time among them. It uses the inbox's own rules (match,
// temp-file names, done-markers) but claims nothing and does not wait for
// files to settle: a file still being written counts as waiting.
func queued(ic transform.InputConfig) (int, time.Time, error) {
	s, err := inbox.New(inbox.Config{Dir: ic.InboxPath, Match: ic.Match, DoneMarker: ic.DoneMarker, FIFO: ic.FIFO}, inbox.Options{})
	if err != nil {
		return 0, time.Time{}, err
	}
	entries, err := os.ReadDir(ic.InboxPath)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("inbox %s: cannot list the folder: %w", ic.InboxPath, err)
	}
	var n int
	var oldest time.Time
	for _, de := range entries {
		if de.IsDir() || s.Ignored(de.Name()) {
			continue
		}
		info, err := os.Stat(filepath.Join(ic.InboxPath, de.Name()))
		if err != nil || !info.Mode().IsRegular() {
			continue // vanished, or not a file
		}
		n++
		if oldest.IsZero() || info.ModTime().Before(oldest) {
			oldest = info.ModTime()
		}
	}
	return n, oldest, nil
}

func (c *CLI) historyCmd() *cobra.Command {
	var (
		config, pipeline, sinceArg string
		failedOnly, asJSON         bool
		limit                      int
	)
	cmd := &cobra.Command{
		Use:   "history [--pipeline NAME] [--failed] [--since DATE|DURATION] [--limit N] [--json]",
		Short: "List the processed files, newest first",
		Long: `List every attempt at every input file the journal knows, newest first: its
journal ID (for "ferry show ID" and "ferry retry ID"), when it was claimed,
pipeline, file, result and record counts (in, out, refused).

--since takes a date (2026-03-01 or 01.03.2026, midnight in the project's time
zone) or a duration back from now (90m, 24h, 7d). --limit 0 lists everything.
--json prints the entries with every detail as a JSON array (times in RFC 3339).

Exit codes: 0 listed (also when nothing matched), 1 the journal cannot be read,
2 wrong arguments or configuration error.`,
		Example: "  ferry history\n  ferry history --failed --since 24h\n  ferry history --pipeline artikel-to-products --since 2026-03-01 --limit 0\n  ferry history --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if limit < 0 {
				return usageErr("--limit must be 0 (everything) or more, not %d", limit)
			}
			env, err := c.openInspect(config)
			if err != nil {
				return err
			}
			defer env.close()
			f := journal.Filter{Pipeline: pipeline, Limit: limit}
			if sinceArg != "" {
				t, err := parseSince(sinceArg, c.now(), env.loc)
				if err != nil {
					return usageErr("--since: %v", err)
				}
				f.Since = t
			}
			if failedOnly {
				f.States = []journal.State{journal.StateFailed}
			}
			if pipeline != "" && !hasPipeline(env.proj, pipeline) {
				// Not an error: the pipeline may have been removed since.
				fmt.Fprintf(c.Stderr, "ferry: note: %s has no pipeline %q (any history of it is still listed)\n", config, pipeline)
			}
			es, err := env.query(cmd.Context(), f)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(c.Stdout, env, es)
			}
			if len(es) == 0 {
				fmt.Fprintln(c.Stdout, "no files match")
				return nil
			}
			w := tabwriter.NewWriter(c.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tCLAIMED\tPIPELINE\tFILE\tRESULT\tIN\tOUT\tREFUSED")
			for _, e := range es {
				in, out, ref := counts(e)
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, env.when(e.ClaimedAt), e.Pipeline, filepath.Base(e.Original), result(e), in, out, ref)
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVarP(&config, "config", "c", "ferry.yaml", "the project file")
	cmd.Flags().StringVarP(&pipeline, "pipeline", "p", "", "only this pipeline's files")
	cmd.Flags().BoolVar(&failedOnly, "failed", false, "only the files that failed")
	cmd.Flags().StringVar(&sinceArg, "since", "", "only files claimed since this date (2026-03-01) or this long ago (24h, 7d)")
	cmd.Flags().IntVarP(&limit, "limit", "n", 50, "at most this many files (0: all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON with every detail")
	return cmd
}

func hasPipeline(proj *transform.Project, name string) bool {
	for _, pc := range proj.Pipelines {
		if pc.Name == name {
			return true
		}
	}
	return false
}

// parseSince reads a --since value: a date (2006-01-02 or 02.01.2006, at
// midnight in loc) or a duration back from now (Go syntax like 90m or 24h,
// or whole days like 7d).
func parseSince(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "02.01.2006"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(d); err == nil && n >= 0 && n <= 100000 {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither a date (2026-03-01) nor a duration (24h, 7d)", s)
}

// jsonEntry is one journal entry as history --json and show --json print it.
type jsonEntry struct {
	ID          int64        `json:"id"`
	Attempt     int          `json:"attempt"`
	Pipeline    string       `json:"pipeline"`
	File        string       `json:"file"`
	State       string       `json:"state"`
	Result      string       `json:"result"`
	Original    string       `json:"original"`
	Work        string       `json:"work,omitempty"`
	Size        int64        `json:"size"`
	ModTime     *time.Time   `json:"mod_time,omitempty"`
	SHA256      string       `json:"sha256"`
	ConfigHash  string       `json:"config_hash,omitempty"`
	Owner       string       `json:"owner,omitempty"`
	ClaimedAt   *time.Time   `json:"claimed_at,omitempty"`
	StagedAt    *time.Time   `json:"staged_at,omitempty"`
	PublishedAt *time.Time   `json:"published_at,omitempty"`
	EndedAt     *time.Time   `json:"ended_at,omitempty"`
	DurationMS  int64        `json:"duration_ms"`
	RecordsIn   int64        `json:"records_in"`
	RecordsOut  int64        `json:"records_out"`
	Refused     int64        `json:"refused"`
	Archive     string       `json:"archive,omitempty"`
	ErrorPath   string       `json:"error_path,omitempty"`
	Error       string       `json:"error,omitempty"`
	Outputs     []jsonOutput `json:"outputs"`
}

type jsonOutput struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

func toJSON(env *inspectEnv, e journal.Entry) jsonEntry {
	tp := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		t = t.In(env.loc)
		return &t
	}
	je := jsonEntry{
		ID: e.ID, Attempt: e.Attempt, Pipeline: e.Pipeline, File: filepath.Base(e.Original), State: string(e.State), Result: result(e),
		Original: e.Original, Work: e.Work, Size: e.Size, ModTime: tp(e.ModTime), SHA256: e.SHA256, ConfigHash: e.ConfigHash, Owner: e.Owner,
		ClaimedAt: tp(e.ClaimedAt), StagedAt: tp(e.StagedAt), PublishedAt: tp(e.PublishedAt), EndedAt: tp(e.EndedAt),
		DurationMS: e.Duration.Milliseconds(), RecordsIn: e.In, RecordsOut: e.Out, Refused: e.Rejected,
		Archive: e.Archive, ErrorPath: e.ErrorPath, Error: e.Error, Outputs: []jsonOutput{},
	}
	for _, o := range e.Outputs {
		je.Outputs = append(je.Outputs, jsonOutput{Path: o.Path, Size: o.Size, SHA256: o.SHA256})
	}
	return je
}

func writeJSON(w io.Writer, env *inspectEnv, es []journal.Entry) error {
	out := make([]jsonEntry, len(es))
	for i, e := range es {
		out[i] = toJSON(env, e)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func (c *CLI) showCmd() *cobra.Command {
	var config, output string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID | --output PATH",
		Short: "Show one file's journey: input, configuration, every step, outputs, error",
		Long: `Show everything the journal recorded about one attempt at one input file: the
input (original path, size, modification time, SHA-256), the pipeline and the
hash of its configuration, the time of every step, the state, the record
counts, every output with its path, size and SHA-256, where the input was
archived or put aside, and the error report.

With --output PATH it answers "which input produced this file?": it shows the
attempts that wrote PATH (the output's path as ferry wrote it, absolute or
relative to the current or the project folder), newest first.

ID is the number "ferry history" and "ferry status" list.

Exit codes: 0 shown, 1 no such entry (or no entry wrote PATH), 2 wrong arguments
or configuration error.`,
		Example: "  ferry show 42\n  ferry show --output outbox/smartstore/products/artikel-products.csv\n  ferry show 42 --json",
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case output == "" && len(args) != 1:
				return usageErr("show needs one journal ID (see \"ferry history\"), or --output PATH")
			case output != "" && len(args) != 0:
				return usageErr("show takes either an ID or --output PATH, not both")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var id int64
			if output == "" {
				var err error
				if id, err = parseID(args[0]); err != nil {
					return err
				}
			}
			env, err := c.openInspect(config)
			if err != nil {
				return err
			}
			defer env.close()
			ctx := cmd.Context()
			var es []journal.Entry
			if output != "" {
				if es, err = env.byOutput(ctx, output); err != nil {
					return err
				}
			} else {
				e, err := env.get(ctx, id)
				if err != nil {
					return err
				}
				es = []journal.Entry{e}
			}
			if asJSON {
				return writeJSON(c.Stdout, env, es)
			}
			for i, e := range es {
				if i > 0 {
					fmt.Fprintln(c.Stdout)
				}
				env.show(c.Stdout, e)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&config, "config", "c", "ferry.yaml", "the project file")
	cmd.Flags().StringVarP(&output, "output", "o", "", "show the input(s) that produced this output file")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON with every detail")
	return cmd
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErr("%q is not a journal ID (a number as \"ferry history\" lists them)", s)
	}
	return id, nil
}

// byOutput finds the entries that staged an output at path: as given, then
// relative to the project folder, then absolute.
func (env *inspectEnv) byOutput(ctx context.Context, path string) ([]journal.Entry, error) {
	var cands []string
	add := func(p string) {
		for _, c := range cands {
			if c == p {
				return
			}
		}
		cands = append(cands, p)
	}
	p := filepath.Clean(filepath.FromSlash(path))
	add(p)
	if !filepath.IsAbs(p) {
		add(filepath.Join(env.proj.Dir, p))
	}
	if abs, err := filepath.Abs(p); err == nil {
		add(abs)
		if rp, err := filepath.Rel(env.proj.Dir, abs); err == nil && !strings.HasPrefix(rp, "..") {
			add(filepath.Join(env.proj.Dir, rp))
		}
	}
	for _, cand := range cands {
		es, err := env.query(ctx, journal.Filter{Output: cand})
		if err != nil {
			return nil, err
		}
		if len(es) > 0 {
			return es, nil
		}
	}
	return nil, failed(fmt.Errorf("no journal entry wrote %s", path))
}

// show prints one entry as labelled lines.
func (env *inspectEnv) show(w io.Writer, e journal.Entry) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(label, format string, a ...any) {
		fmt.Fprintf(tw, "%s\t"+format+"\n", append([]any{label}, a...)...)
	}
	line("Entry:", "%d (attempt %d of this content)", e.ID, e.Attempt)
	line("Result:", "%s", result(e))
	line("Pipeline:", "%s", e.Pipeline)
	line("Configuration:", "sha256 %s", dash(e.ConfigHash))
	line("Input:", "%s", env.rel(e.Original))
	line("  size:", "%d bytes", e.Size)
	line("  modified:", "%s", env.when(e.ModTime))
	line("  sha256:", "%s", e.SHA256)
	if e.State.Unfinished() {
		line("  work copy:", "%s", env.rel(e.Work))
	}
	line("Claimed:", "%s%s", env.when(e.ClaimedAt), by(e.Owner))
	line("Staged:", "%s", env.when(e.StagedAt))
	line("Published:", "%s", env.when(e.PublishedAt))
	line("Ended:", "%s", env.when(e.EndedAt))
	if e.Duration > 0 {
		line("Duration:", "%s", e.Duration.Round(time.Millisecond))
	}
	switch {
	case e.State == journal.StateDone:
		line("Records:", "%d in, %d out, %d refused", e.In, e.Out, e.Rejected)
	case !e.State.Unfinished():
		line("Records:", "%d in, %d refused; nothing written", e.In, e.Rejected)
	}
	if len(e.Outputs) == 0 {
		line("Outputs:", "none")
	} else {
		line("Outputs:", "%d", len(e.Outputs))
		for _, o := range e.Outputs {
			gone := ""
			if _, err := os.Stat(o.Path); errors.Is(err, fs.ErrNotExist) {
				gone = " (no longer in the outbox: taken by its importer?)"
			}
			line("", "%s%s", env.rel(o.Path), gone)
			line("", "  %d bytes, sha256 %s", o.Size, o.SHA256)
		}
	}
	if e.Archive != "" {
		gone := ""
		if _, err := os.Stat(e.Archive); errors.Is(err, fs.ErrNotExist) {
			gone = " (no longer there: removed by archive_keep, or moved by hand)"
		}
		line("Archived to:", "%s%s", env.rel(e.Archive), gone)
	}

	if e.ErrorPath != "" {
		line("Error folder:", "%s", env.rel(e.ErrorPath))
	}
	tw.Flush()
	if e.Error != "" {
		label := "Error report:"
		if e.State == journal.StateReleased {
			label = "Released because:"
		}
		fmt.Fprintln(w, label)
		for _, l := range strings.Split(strings.TrimRight(e.Error, "\n"), "\n") {
			fmt.Fprintln(w, "  "+l)
		}
	}
}

func by(owner string) string {
	if owner == "" {
		return ""
	}
	return " by " + owner
}

func (c *CLI) retryCmd() *cobra.Command {
	var config string
	cmd := &cobra.Command{
		Use:   "retry ID|FILE",
		Short: "Put a failed file back into its pipeline's inbox, for the next run",
		Long: `Put a failed input file back into its pipeline's inbox, typically after the file
or the configuration was fixed, so that the next "ferry run" (or the running
"ferry watch") processes it again as a new attempt.

The file is named by its journal ID (see "ferry history --failed") or by its
path or name in the error folder (or its original name). It goes back under its
original name, or "<name> (2).<ext>" when that name is taken. Its report
<name>.error.txt in the error folder is renamed to <name>.error.txt.old (an
older .old of the same name is replaced; the journal keeps every report). Where
the inbox asks for a done-marker, the marker is put back too (or created). The
journal keeps the failed attempt as it was: the history stays true.

Only a failed file that still lies in the error folder can be retried.

Exit codes: 0 put back, 1 no such entry or it cannot be retried (the message
says why), 2 wrong arguments or configuration error.`,
		Example: "  ferry retry 42\n  ferry retry error/artikel-to-products/artikel.csv\n  ferry retry artikel.csv",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("retry needs one journal ID or error-folder file (see \"ferry history --failed\")")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			env, err := c.openInspect(config)
			if err != nil {
				return err
			}
			defer env.close()
			ctx := cmd.Context()
			e, err := env.findRetry(ctx, args[0])
			if err != nil {
				return err
			}
			back, note, err := env.retry(ctx, e)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.Stdout, "retry      %s  %s: back in the inbox as %s (entry %d stays failed; the next run is a new attempt)\n",
				e.Pipeline, filepath.Base(e.Original), env.rel(back), e.ID)
			if note != "" {
				fmt.Fprintln(c.Stdout, "           "+note)
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&config, "config", "c", "ferry.yaml", "the project file")
	return cmd
}

// findRetry finds the entry a retry argument names: a journal ID, or a file
// in the error folder (its path, its name there, or its original name; the
// newest failed entry wins).
func (env *inspectEnv) findRetry(ctx context.Context, arg string) (journal.Entry, error) {
	if id, err := strconv.ParseInt(arg, 10, 64); err == nil && id > 0 {
		if _, serr := os.Stat(arg); serr != nil { // a file named "42" wins over entry 42
			return env.get(ctx, id)
		}
	}
	es, err := env.query(ctx, journal.Filter{States: []journal.State{journal.StateFailed}})
	if err != nil {
		return journal.Entry{}, err
	}
	abs := func(p string) string {
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return filepath.Clean(p)
	}
	target := abs(filepath.FromSlash(arg))
	name := filepath.Base(filepath.FromSlash(arg))
	for _, match := range []func(journal.Entry) bool{
		func(e journal.Entry) bool { return e.ErrorPath != "" && abs(e.ErrorPath) == target },
		func(e journal.Entry) bool { return e.ErrorPath != "" && filepath.Base(e.ErrorPath) == name },
		func(e journal.Entry) bool { return filepath.Base(e.Original) == name },
	} {
		for _, e := range es { // newest first
			if match(e) {
				return e, nil
			}
		}
	}
	return journal.Entry{}, failed(fmt.Errorf("no failed file %s is known to the journal; \"ferry history --failed\" lists them", arg))
}

// retry moves a failed entry's input from the error folder back into its
// pipeline's inbox (unique name if taken), with its done-marker where the
// inbox needs one, and renames its report to .error.txt.old. It returns
// the input's new path and a note about anything not done.
func (env *inspectEnv) retry(ctx context.Context, e journal.Entry) (string, string, error) {
	if e.State != journal.StateFailed {
		return "", "", failed(fmt.Errorf("entry %d (%s) is %s, not failed: only a failed file can be retried", e.ID, filepath.Base(e.Original), result(e)))
	}
	var pc *transform.PipelineConfig
	for _, p := range env.proj.Pipelines {
		if p.Name == e.Pipeline {
			pc = p
		}
	}
	if pc == nil || pc.Input.InboxPath == "" {
		return "", "", failed(fmt.Errorf("entry %d: the configuration has no pipeline %q with an inbox any more; put %s into an inbox by hand", e.ID, e.Pipeline, env.rel(e.ErrorPath)))
	}
	if info, err := os.Stat(e.ErrorPath); e.ErrorPath == "" || err != nil || !info.Mode().IsRegular() {
		return "", "", failed(fmt.Errorf("entry %d: %s is no longer in the error folder (%s); was it retried or removed already?", e.ID, filepath.Base(e.Original), env.rel(e.ErrorPath)))
	}
	// A later attempt of the same file may have failed again into the same
	// place: the file there is that attempt's now.
	later, err := env.query(ctx, journal.Filter{Pipeline: e.Pipeline, States: []journal.State{journal.StateFailed}})
	if err != nil {
		return "", "", err
	}
	for _, l := range later { // newest first
		if l.ID > e.ID && l.ErrorPath == e.ErrorPath {
			return "", "", failed(fmt.Errorf("entry %d: the file %s in the error folder belongs to the later failed attempt %d now; retry %d instead", e.ID, env.rel(e.ErrorPath), l.ID, l.ID))
		}
	}
	ic := pc.Input
	if err := os.MkdirAll(ic.InboxPath, 0o755); err != nil {
		return "", "", failed(fmt.Errorf("cannot create the inbox %s: %w", env.rel(ic.InboxPath), err))
	}
	name := filepath.Base(e.Original)
	cl := inbox.Claimed{Path: e.ErrorPath, Dir: ic.InboxPath, Name: name, DoneMarker: ic.DoneMarker}
	errDir := filepath.Dir(e.ErrorPath)
	if ic.DoneMarker != "" {
		// The run moved the marker into the error folder under its inbox name.
		m := markerName(ic.DoneMarker, name)
		if info, err := os.Stat(filepath.Join(errDir, m)); err == nil && info.Mode().IsRegular() {
			cl.Marker, cl.MarkerName = filepath.Join(errDir, m), m
		}
	}
	back, err := inbox.Unclaim(cl)
	if err != nil {
		if back == "" {
			return "", "", failed(fmt.Errorf("entry %d: cannot put %s back: %w", e.ID, name, err))
		}
		return "", "", failed(fmt.Errorf("entry %d: %w", e.ID, err))
	}
	var notes []string
	if ic.DoneMarker != "" && cl.Marker == "" {
		m := filepath.Join(ic.InboxPath, markerName(ic.DoneMarker, filepath.Base(back)))
		if err := os.WriteFile(m, nil, 0o644); err != nil {
			notes = append(notes, fmt.Sprintf("could not create its done-marker %s (%v): create it by hand", env.rel(m), err))
		}
	}
	_ = outbox.SyncDir(ic.InboxPath)
	report := filepath.Join(errDir, filepath.Base(e.ErrorPath)+".error.txt")
	if _, err := os.Stat(report); err == nil {
		if err := os.Rename(report, report+".old"); err != nil {
			notes = append(notes, fmt.Sprintf("could not rename its report %s to .old (%v)", env.rel(report), err))
		}
	}
	_ = outbox.SyncDir(errDir)
	return back, strings.Join(notes, "; "), nil
}

// markerName applies a done-marker template ("{name}.done", "{stem}.ok")
// to an input name.
func markerName(template, name string) string {
	if strings.Contains(template, "{stem}") {
		return strings.Replace(template, "{stem}", strings.TrimSuffix(name, filepath.Ext(name)), 1)
	}
	return strings.Replace(template, "{name}", name, 1)
}
