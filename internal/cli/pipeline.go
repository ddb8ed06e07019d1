package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferry-sync/ferry/formats"
	"github.com/ferry-sync/ferry/internal/outbox"
	"github.com/ferry-sync/ferry/transform"
)

// loadPipeline finds a pipeline by file (a .yaml/.yml path) or by name in
// the project at config, and compiles it.
func (c *CLI) loadPipeline(config, ref string) (*transform.Pipeline, error) {
	var pc *transform.PipelineConfig
	var proj *transform.Project
	var err error
	if ext := strings.ToLower(filepath.Ext(ref)); ext == ".yaml" || ext == ".yml" {
		pc, err = transform.LoadPipeline(ref)
	} else {
		proj, err = transform.LoadProject(config)
		if err == nil {
			pc, err = proj.Pipeline(ref)
		}
	}
	if err != nil {
		return nil, configErr(err)
	}
	p, err := transform.Compile(pc, proj, c.functions(proj))
	if err != nil {
		return nil, configErr(err)
	}
	return p, nil
}

// functions is the expression library with the real clock and the
// project's time zone (nil project: Europe/Berlin).
func (c *CLI) functions(proj *transform.Project) *transform.Functions {
	return c.functionsAt(proj, c.now)
}

// now is c.Now, or the real clock when a CLI was built without New.
func (c *CLI) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *CLI) functionsAt(proj *transform.Project, now func() time.Time) *transform.Functions {
	f := &transform.Functions{Now: now}
	if proj != nil {
		if loc, err := time.LoadLocation(proj.Timezone); err == nil {
			f.Location = loc
		}
	}
	return f
}

// configErr marks configuration problems (exit 2).
func configErr(err error) error { return &exitError{code: ExitUsage, err: err} }

func (c *CLI) lintCmd() *cobra.Command {
	var config string
	cmd := &cobra.Command{
		Use:   "lint",
		Short: "Check the configuration: ferry.yaml, every pipeline, expression and template",
		Long: `Load and compile the whole configuration exactly as ferry run would, and print
every problem with its position (file:line:column: where: what). Exits 0 when
everything is fine, 2 when anything is wrong. Run it after every edit.`,
		Example: "  ferry lint\n  ferry lint --config /srv/ferry/ferry.yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			proj, _, err := c.loadAll(config)
			var problems transform.ConfigErrors
			if errors.As(err, &problems) {
				for _, p := range problems {
					fmt.Fprintln(c.Stdout, p.Error())
				}
				return configErr(fmt.Errorf("%s: %d problem(s)", config, len(problems)))
			}
			if err != nil {
				return configErr(err)
			}
			fmt.Fprintf(c.Stdout, "%s: %d pipeline(s), no problems\n", config, len(proj.Pipelines))
			return nil
		},
	}
	cmd.Flags().StringVarP(&config, "config", "c", "ferry.yaml", "the project file")
	return cmd
}

func (c *CLI) previewCmd() *cobra.Command {
	var config, pipeline, encoding string
	var n int
	cmd := &cobra.Command{
		Use:   "preview FILE --pipeline NAME",
		Short: "Show what a pipeline makes of a file, without writing anything",
		Long: `Run FILE through a pipeline and show the first output records of each output as a
table, and the records the pipeline would refuse, with their reasons. Nothing is
written. --pipeline takes a pipeline name from the project (--config) or a
pipeline file (.yaml).`,
		Example: "  ferry preview inbox/sage/artikel/artikel.csv --pipeline artikel-to-products -n 5",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if pipeline == "" {
				return usageErr("--pipeline is required")
			}
			p, err := c.loadPipeline(config, pipeline)
			if err != nil {
				return err
			}
			return c.preview(cmd.Context(), p, args[0], encoding, n)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&config, "config", "c", "ferry.yaml", "the project file")
	f.StringVarP(&pipeline, "pipeline", "p", "", "pipeline name, or a pipeline file (.yaml)")
	f.StringVar(&encoding, "in-encoding", "", "override the pipeline's input encoding")
	f.IntVarP(&n, "n", "n", 20, "how many records to show per output")
	return cmd
}

var errPreviewDone = errors.New("preview: enough records")

func (c *CLI) preview(ctx context.Context, p *transform.Pipeline, file, encoding string, n int) error {
	in := p.Config.Input
	fm, err := formats.Builtin().Lookup(in.Format)
	if err != nil {
		return configErr(err)
	}
	forFormat(fm)
	if encoding == "" {
		encoding = in.Encoding
	}
	f, err := os.Open(file)
	if err != nil {
		return failed(err)
	}
	defer f.Close()
	rd, err := formats.NewTextReader(fm, f, file, encoding, in.FormatOpts)
	if err != nil {
		return failed(err)
	}
	outs := p.Outputs()
	shown := make([][]*formats.Record, len(outs))
	names := make([]map[string]bool, len(outs))
	var rejected, warnings []string
	nRejected := 0
	full := func() bool {
		for _, s := range shown {
			if len(s) < n {
				return false
			}
		}
		return true
	}
	st, err := p.Run(ctx, rd, transform.Source{Path: file}, nil, transform.RunOptions{
		OnError: "reject",
		Output: func(i int, rel string, rec *formats.Record) error {
			if names[i] == nil {
				names[i] = map[string]bool{}
			}
			names[i][rel] = true
			if len(shown[i]) < n {
				shown[i] = append(shown[i], formats.Flatten(rec))
			}
			if full() && len(rejected) >= n {
				return errPreviewDone
			}
			return nil
		},
		Rejected: func(_ *formats.Record, err error) {
			nRejected++
			if len(rejected) < n {
				rejected = append(rejected, err.Error())
			}
		},
		Warn: func(msg string) {
			if len(warnings) < n {
				warnings = append(warnings, msg)
			}
		},
	})
	if err != nil && !errors.Is(err, errPreviewDone) {
		fmt.Fprintln(c.Stdout, err)
	}
	for i, o := range outs {
		files := make([]string, 0, len(names[i]))
		for rel := range names[i] {
			files = append(files, rel)
		}
		desc := strings.Join(firstN(files, 3), ", ")
		kind := o.Format
		if o.Copy != "" {
			kind = "copy of " + o.Copy
		}
		fmt.Fprintf(c.Stdout, "== output %d: %s (%s) → %s\n", i+1, o.Outbox, kind, desc)
		printTable(c.Stdout, shown[i])
		fmt.Fprintln(c.Stdout)
	}
	if nRejected > 0 {
		fmt.Fprintf(c.Stdout, "== %d record(s) refused:\n", nRejected)
		for _, r := range rejected {
			fmt.Fprintln(c.Stdout, "  "+r)
		}
	}
	if st.Warnings > 0 {
		fmt.Fprintf(c.Stdout, "== %d warning(s):\n", st.Warnings)
		for _, w := range warnings {
			fmt.Fprintln(c.Stdout, "  "+w)
		}
	}
	fmt.Fprintf(c.Stdout, "%d record(s) read; nothing was written\n", st.In)
	return nil
}

func firstN(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], fmt.Sprintf("… (%d files)", len(s)))
	}
	return s
}

// printTable prints records as an aligned table, values cut to 40
// characters.
func printTable(w io.Writer, recs []*formats.Record) {
	if len(recs) == 0 {
		fmt.Fprintln(w, "(no records)")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	cols := recs[0].Names()
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	for _, r := range recs {
		vals := make([]string, len(cols))
		for j, c := range cols {
			v := strings.ReplaceAll(r.Text(c), "\n", "⏎")
			if rs := []rune(v); len(rs) > 40 {
				v = string(rs[:39]) + "…"
			}
			vals[j] = v
		}
		fmt.Fprintln(tw, strings.Join(vals, "\t"))
	}
	tw.Flush()
}

// runPipeline is `ferry convert --pipeline`: one file through one pipeline
// into OUT (a file when the pipeline writes one file, else a folder).
func (c *CLI) convertPipeline(ctx context.Context, fl convertFlags, in, out string) error {
	p, err := c.loadPipeline(fl.config, fl.pipeline)
	if err != nil {
		return err
	}
	ic := p.Config.Input
	fm, err := formats.Builtin().Lookup(ic.Format)
	if err != nil {
		return configErr(err)
	}
	forFormat(fm)
	enc := ic.Encoding
	if fl.inEncChanged {
		enc = fl.inEnc
	}
	var src io.Reader = c.Stdin
	source := "<stdin>"
	if in != "-" {
		f, err := os.Open(in)
		if err != nil {
			return failed(err)
		}
		defer f.Close()
		src, source = f, in
	}
	rd, err := formats.NewTextReader(fm, src, source, enc, ic.FormatOpts)
	if err != nil {
		return failed(err)
	}
	single := len(p.Outputs()) == 1 && !strings.HasSuffix(out, "/") && !strings.HasSuffix(out, string(filepath.Separator))
	if st, err := os.Stat(out); err == nil && st.IsDir() {
		single = false
	}
	sink := &convertSink{out: out, single: single}
	defer sink.batch.Abort()
	// on_error reject: refused records go to a rejects file beside the
	// output (committed with it); skip: they are only listed.
	rejectsPath := filepath.Join(out, "rejected-"+strings.TrimSuffix(filepath.Base(source), filepath.Ext(source))+".csv")
	if single {
		rejectsPath = out + ".rejected.csv"
	}
	rejects := transform.NewRejectsFile(func() (io.Writer, error) {
		return sink.batch.Create(filepath.Dir(rejectsPath), filepath.Base(rejectsPath))
	})
	start := time.Now()
	st, err := p.Run(ctx, rd, transform.Source{Path: source}, sink, transform.RunOptions{
		Warn: func(msg string) { fmt.Fprintln(c.Stderr, "ferry: warning:", msg) },
		Rejected: func(rec *formats.Record, err error) {
			if p.Config.OnError != "reject" {
				fmt.Fprintln(c.Stderr, "ferry: skipped:", err)
				return
			}
			fmt.Fprintln(c.Stderr, "ferry: rejected:", err)
			rejects.Add(rec, err)
		},
	})
	if cerr := rejects.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		var fe *transform.FileError
		if errors.As(err, &fe) {
			for _, e := range fe.Errors {
				fmt.Fprintln(c.Stderr, "ferry:", e)
			}
			return failed(fmt.Errorf("%s failed (%d error(s)); nothing was written", source, len(fe.Errors)))
		}
		return failed(err)
	}
	if err := sink.batch.Commit(); err != nil {
		return failed(err)
	}
	if !fl.quiet {
		warnings := ""
		if st.Warnings > 0 {
			warnings = fmt.Sprintf(", %d warning(s)", st.Warnings)
		}
		if rejects.Count() > 0 {
			fmt.Fprintf(c.Stderr, "ferry: %d refused record(s) with their errors: %s\n", rejects.Count(), rejectsPath)
		}
		fmt.Fprintf(c.Stderr, "ferry: %s → %s (pipeline %s): %d records in, %d out, %d refused%s (%s)\n",
			source, strings.Join(sink.batch.Paths(), ", "), p.Config.Name, st.In, st.Out, st.Rejected, warnings,
			time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// convertSink puts a pipeline's files under OUT instead of its outboxes.
type convertSink struct {
	batch  outbox.Batch
	out    string
	single bool
	n      int
}

func (s *convertSink) Create(_, rel string) (io.Writer, error) {
	if s.single {
		if s.n++; s.n > 1 {
			return nil, fmt.Errorf("the pipeline writes several files (%s, …); give a folder as OUT", rel)
		}
		return s.batch.Create(filepath.Dir(s.out), filepath.Base(s.out))
	}
	return s.batch.Create(s.out, rel)
}

func (c *CLI) testCmd() *cobra.Command {
	var config string
	var update bool
	cmd := &cobra.Command{
		Use:   "test [PIPELINE…]",
		Short: "Run the pipelines' own test cases (fixtures) and show what changed",
		Long: `Every pipeline can keep test cases beside it, in a folder named like the
pipeline file with ".tests" instead of ".yaml":

  pipelines/artikel.yaml
  pipelines/artikel.tests/basic/input/artikel.csv
  pipelines/artikel.tests/basic/expected/outbox/smartstore/products/artikel.csv
  pipelines/artikel.tests/bad-price/expected/error.txt   (a case that must fail)

ferry test runs each case's input through its pipeline, with the clock fixed
(2026-03-16T09:30:00Z, or the RFC 3339 time in the case's "now" file), and
compares the outputs with expected/ (paths relative to the configuration
folder). A difference is shown line by line; --update rewrites expected/ from
what the pipeline produces now (review the change before you commit it).
Without arguments every pipeline is tested.`,
		Example: "  ferry test\n  ferry test artikel-to-products --update",
		RunE: func(cmd *cobra.Command, args []string) error {
			proj, err := transform.LoadProject(config)
			if err != nil {
				return configErr(err)
			}
			want := map[string]bool{}
			for _, a := range args {
				if _, err := proj.Pipeline(a); err != nil {
					return configErr(err)
				}
				want[a] = true
			}
			mk := func(now func() time.Time) *transform.Functions { return c.functionsAt(proj, now) }
			var cases, failedCases int
			for _, pc := range proj.Pipelines {
				if len(want) > 0 && !want[pc.Name] {
					continue
				}
				results, err := transform.RunFixtures(cmd.Context(), pc, proj, proj.Dir, mk, update)
				if err != nil {
					return configErr(err)
				}
				for _, r := range results {
					cases++
					switch {
					case r.Updated:
						fmt.Fprintf(c.Stdout, "updated  %s\n", r.Case)
					case r.Passed:
						fmt.Fprintf(c.Stdout, "ok       %s\n", r.Case)
					default:
						failedCases++
						fmt.Fprintf(c.Stdout, "FAIL     %s\n%s", r.Case, r.Diff)
					}
				}
			}
			if cases == 0 {
				fmt.Fprintln(c.Stdout, "no test cases found (see ferry test --help for the layout)")
				return nil
			}
			fmt.Fprintf(c.Stdout, "test cases: %d ok, %d failed\n", cases-failedCases, failedCases)
			if failedCases > 0 {
				return failed(fmt.Errorf("%d test case(s) failed", failedCases))
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&config, "config", "c", "ferry.yaml", "the project file")
	cmd.Flags().BoolVar(&update, "update", false, "rewrite the expected outputs from what the pipelines produce now")
	return cmd
}
