package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ferry-sync/ferry/formats"
)

// Exit codes of every ferry command.
const (
	ExitOK     = 0 // everything succeeded
	ExitFailed = 1 // a file failed (bad data, I/O); the message says which and where
	ExitUsage  = 2 // wrong command line or configuration
)

// CLI is one invocation environment: standard streams and the format
// registry. Build it with New; tests set the fields directly.
type CLI struct {
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Formats *formats.Registry
	// IsTerminal reports whether w is an interactive terminal (progress bars
	// are shown only there).
	IsTerminal func(w io.Writer) bool
	// Now is the clock of expressions (now()), archive dates and the
	// journal; tests fix it so that outputs are reproducible.
	Now func() time.Time
}

// New returns a CLI on the given streams with the builtin formats.
func New(stdin io.Reader, stdout, stderr io.Writer) *CLI {
	return &CLI{Stdin: stdin, Stdout: stdout, Stderr: stderr, Formats: formats.Builtin(), IsTerminal: isTerminal, Now: time.Now}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// exitError carries an exit code through cobra.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErr(format string, a ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, a...)}
}

func failed(err error) error { return &exitError{code: ExitFailed, err: err} }

// Run executes the command line args (without the program name) and returns
// the exit code.
func (c *CLI) Run(ctx context.Context, args []string) int {
	root := c.rootCmd()
	root.SetArgs(args)
	root.SetIn(c.Stdin)
	root.SetOut(c.Stdout)
	root.SetErr(c.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(c.Stderr, "ferry:", err)
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	// cobra's own errors: unknown command or flag, wrong argument count.
	return ExitUsage
}

func (c *CLI) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "ferry",
		Short: "Carry business data between a Smartstore shop and Sage GS-Auftrag through files",
		Long: `ferry converts the files that a Smartstore web shop and the ERP Sage GS-Auftrag
exchange: CSV, JSON, XML, fixed-width TXT and XLSX, in Windows-1252 or UTF-8,
with positioned errors that name file, line and field. Declarative pipelines
(YAML: field mapping, expressions, lookups, validation) describe what becomes of
each file; "ferry lint", "ferry preview" and "ferry test" check them.

Exit codes: 0 success, 1 a file failed (bad data or I/O), 2 usage or configuration error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       version(),
	}
	root.SetVersionTemplate("ferry {{.Version}}\n")
	root.AddCommand(c.convertCmd(), c.lintCmd(), c.previewCmd(), c.testCmd(), c.runCmd(), c.watchCmd())
	root.AddCommand(c.statusCmd(), c.historyCmd(), c.showCmd(), c.retryCmd())
	return root
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "devel-" + s.Value[:12]
			}
		}
	}
	return "devel"
}
