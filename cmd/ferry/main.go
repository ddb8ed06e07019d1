// Command ferry carries business data between a Smartstore shop and the ERP
// Sage GS-Auftrag through plain files. See README.md, or run `ferry --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/ferry-sync/ferry/internal/cli"
)

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
