// Command ferry carries business data between a Smartstore shop and the ERP
// Sage GS-Auftrag through plain files. See README.md, or run `ferry --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"

	"github.com/ferry-sync/ferry/internal/cli"
)

func init() {
	// No allocation sampling: nothing in ferry reads a heap profile, and
	// the sampler's records (1.6 MB after a minute of a large order file)
	// count against the soft memory limit below, i.e. against the heap
	// the collector may use.
	runtime.MemProfileRate = 0
}

func main() {
	// ferry streams: its live heap is small and steady (a few MiB), so the
	// default GC target (heap doubles) makes the collector run every few
	// megabytes (profiles at the default showed it at ~25 % of the CPU
	// time, docs/performance.md). The soft memory limit keeps the peak flat
	// however long the file is (make bench, docs/performance.md: 44.1 MiB
	// for 1M rows, 44.2 MiB for 4M). An XLSX workbook is read whole: while
	// one is read the limit is lifted and the GC target is 100 % (convert
	// and preview per process; run and watch per file, see
	// internal/runner/memory.go). GOGC and GOMEMLIMIT in the environment
	// still win.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(32 << 20)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.New(os.Stdin, os.Stdout, os.Stderr).Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
