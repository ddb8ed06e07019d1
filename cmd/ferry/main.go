// Command ferry carries business data between a Smartstore shop and the ERP
// Sage GS-Auftrag through plain files. See README.md, or run `ferry --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"

	"github.com/ferry-sync/ferry/internal/cli"
)

func init() {
	// No allocation sampling: nothing in ferry reads a heap profile, and
	// the sampler's records count against the soft memory limit
	// (cli.TuneGC), i.e. against the heap the collector may use. Measured
	// (convert, Bestellimport, 100,000 orders): MemStats.BuckHashSys was
	// 1.45 MB with and without sampling; its table is mostly allocated
	// during the packages' initialisation, before this line runs.
	runtime.MemProfileRate = 0
}

func main() { os.Exit(run()) }

// run is the command; its deferred calls run before the process exits.
func run() int {
	cli.TuneGC() // GC target and soft memory limit (internal/cli/memory.go)
	// FERRY_CPUPROFILE=file writes a CPU profile of the whole command, for
	// `go tool pprof` (docs/performance.md).
	if path := os.Getenv("FERRY_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil {
			defer f.Close()
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return cli.New(os.Stdin, os.Stdout, os.Stderr).Run(ctx, os.Args[1:])
}
