// Command ferry carries business data between a Smartstore shop and the ERP
// Sage GS-Auftrag through plain files. See README.md, or run `ferry --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/ferry-sync/ferry/internal/cli"
)

func init() {
	// No allocation sampling: nothing in ferry reads a heap profile, and
	// the sampler's records (1.6 MB after a minute of a large order file)
	// count against the soft memory limit (cli.TuneGC), i.e. against the heap
	// the collector may use.
	runtime.MemProfileRate = 0
}

func main() {
	cli.TuneGC() // GC target and soft memory limit (internal/cli/memory.go)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.New(os.Stdin, os.Stdout, os.Stderr).Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
