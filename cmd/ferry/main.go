// Command ferry carries business data between a Smartstore shop and the ERP
// Sage GS-Auftrag through plain files. See README.md, or run `ferry --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/ferry-sync/ferry/internal/cli"
)

func main() {
	// ferry streams: its live heap is small and steady, so the default GC
	// target (heap doubles) makes the collector run every few megabytes.
	// A higher target trades a few MiB of memory for a quarter of the CPU
	// time; GOGC in the environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.New(os.Stdin, os.Stdout, os.Stderr).Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
