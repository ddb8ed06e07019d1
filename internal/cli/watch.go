package cli

// ferry watch: the daemon. Recover, then process every file that becomes
// ready in the inboxes until SIGINT/SIGTERM; reload the configuration when
// its files change (or on SIGHUP, on Unix) after it passed the same checks
// as `ferry lint`.

import (
	"errors"
	"fmt"
	"log/slog"
	"sort"

	"github.com/spf13/cobra"

	"github.com/ferry-sync/ferry/internal/runner"
	"github.com/ferry-sync/ferry/transform"
)

func (c *CLI) watchCmd() *cobra.Command {
	var config string
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Process the inboxes' files as they arrive, until stopped",
		Long: `Run until stopped (Ctrl+C, SIGTERM): every file that becomes ready in a
pipeline's inbox (unchanged for the settle time, no temp-file name, its
done-marker present where asked for) is processed as by "ferry run": its outputs
appear together in the outboxes and it moves to archive/<pipeline>/<date>/, or
to error/<pipeline>/ with a <name>.error.txt report when it fails. Each file
gets one log line on stderr.

When stopped, nothing new is started; a file in progress either finishes or is
put back into its inbox, nothing is left half-written. Whatever an earlier run
left unfinished is finished or undone at the start. With archive_keep in
ferry.yaml (e.g. 90d), archive folders of older days are deleted at the start
and then daily (logged); the error folder is never cleaned.

When ferry.yaml, a pipeline file or a lookup table changes (or on SIGHUP, not on
Windows), the configuration is loaded and checked as "ferry lint" does; if it
has problems they are logged and the running configuration stays in use,
otherwise the new one is used from the next file on.

Exit codes: 0 stopped normally, 1 could not run (journal, folders), 2 the
configuration has problems at the start.`,
		Example: "  ferry watch\n  ferry watch --config /srv/ferry/ferry.yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			proj, pipes, err := c.loadAll(config)
			if err != nil {
				var ce transform.ConfigErrors
				if errors.As(err, &ce) {
					for _, p := range ce {
						fmt.Fprintln(c.Stderr, p.Error())
					}
					return configErr(fmt.Errorf("%s: %d problem(s)", config, len(ce)))
				}
				return configErr(err)
			}
			r, done, err := c.openRunner(proj, pipes, config)
			if err != nil {
				return err
			}
			defer done()
			log := slog.New(slog.NewTextHandler(c.Stderr, nil))
			r.Log = log
			hup, stop := hangups()
			defer stop()
			log.Info("watching", "config", config, "pipelines", len(pipes), "workers", max(r.Workers, 1))
			err = r.Watch(ctx, runner.WatchOptions{
				Load:   func() (*transform.Project, map[string]*transform.Pipeline, error) { return c.loadAll(config) },
				Reload: hup,
			})
			if err != nil {
				return failed(err)
			}
			log.Info("stopped")
			return nil
		},
	}
	cmd.Flags().StringVarP(&config, "config", "c", "ferry.yaml", "the project file")
	return cmd
}

// loadAll loads the project and compiles every pipeline. All problems are
// returned together as transform.ConfigErrors, sorted as `ferry lint`
// prints them; other errors (an unreadable file) alone.
func (c *CLI) loadAll(config string) (*transform.Project, map[string]*transform.Pipeline, error) {
	proj, err := transform.LoadProject(config)
	var problems transform.ConfigErrors
	if err != nil {
		if !errors.As(err, &problems) {
			return nil, nil, err
		}
		problems = append(transform.ConfigErrors(nil), problems...)
	}
	pipes := map[string]*transform.Pipeline{}
	if proj != nil {
		for _, pc := range proj.Pipelines {
			p, err := transform.Compile(pc, proj, c.functions(proj))
			if err != nil {
				var ce transform.ConfigErrors
				if !errors.As(err, &ce) {
					return nil, nil, err
				}
				problems = append(problems, ce...)
				continue
			}
			pipes[pc.Name] = p
		}
	}
	if len(problems) > 0 {
		sort.SliceStable(problems, func(i, j int) bool {
			a, b := problems[i], problems[j]
			if a.File != b.File {
				return a.File < b.File
			}
			return a.Pos.Line < b.Pos.Line || (a.Pos.Line == b.Pos.Line && a.Pos.Col < b.Pos.Col)
		})
		return nil, nil, problems
	}
	return proj, pipes, nil
}
