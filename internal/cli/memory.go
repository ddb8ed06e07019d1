package cli

import (
	"os"
	"runtime/debug"

	"github.com/ferry-sync/ferry/formats"
	"github.com/ferry-sync/ferry/internal/runner"
)

// SoftMemoryLimit is the soft memory limit a ferry process runs under
// (TuneGC): 40 MiB. ferry streams, so its live heap is small: a few MiB,
// plus what a run keeps per once key and new number (tens of bytes each:
// ~5 MiB at the end of 100,000 orders). The limit keeps the peak flat
// however long the file is. Under 32 MiB the heap goal was 21 MB over a
// live heap of 13–15 MB (GODEBUG=gctrace=1, 100,000 orders: 615
// collections); under 40 MiB it is 28–29 MB (323 collections). Measured
// (ferry convert, Bestellimport, 100,000 orders, interleaved runs,
// 2026-11-28 08:31 UTC): 32 MiB 6.8–7.7 s, 12.0–13.7 s CPU, 46 MiB peak;
// 40 MiB 6.1–7.1 s, 10.8–12.4 s CPU, 55 MiB peak. The reference job's
// peak went from 44 to 47–49 MiB, the same for 1M and 4M rows
// (docs/performance.md).
const SoftMemoryLimit = 40 << 20

// TuneGC sets the garbage collector for a ferry process: GC target 400 %
// (the default 100 % makes the collector run every few megabytes of a
// small, steady heap: ~25 % of the CPU time in profiles) under the soft
// limit SoftMemoryLimit. An XLSX workbook is read whole: while one is read
// the limit is lifted and the GC target is 100 % (runner.MemoryLimit).
// GOGC and GOMEMLIMIT in the environment still win. cmd/ferry calls it
// first thing, and the benchmarks (bench) so that they measure what a
// ferry process does.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(SoftMemoryLimit)
	}
}

// memoryLimit is the runner.MemoryLimit of this process: nil (the limit
// left alone) when GOMEMLIMIT was set by hand, and the GC target left alone
// when GOGC was.
func memoryLimit() *runner.MemoryLimit {
	if os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	return &runner.MemoryLimit{KeepGCPercent: os.Getenv("GOGC") != ""}
}

// forFormat adapts the process's soft memory limit (TuneGC, for streaming
// jobs) to the input of a one-file command (convert, preview):
// an XLSX workbook is read whole, so its limit is lifted as the runner
// does per file (runner.MemoryLimit), here for the rest of the process.
func forFormat(f *formats.Format) {
	memoryLimit().For(f.Name) // not restored: the process ends with the file
}
