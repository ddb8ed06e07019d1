package cli

import (
	"os"

	"github.com/ferry-sync/ferry/formats"
	"github.com/ferry-sync/ferry/internal/runner"
)

// memoryLimit is the runner.MemoryLimit of this process: nil (the limit
// left alone) when GOMEMLIMIT was set by hand, and the GC target left alone
// when GOGC was.
func memoryLimit() *runner.MemoryLimit {
	if os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	return &runner.MemoryLimit{KeepGCPercent: os.Getenv("GOGC") != ""}
}

// forFormat adapts the process's soft memory limit (set in cmd/ferry for
// streaming jobs) to the input of a one-file command (convert, preview):
// an XLSX workbook is read whole, so its limit is lifted as the runner
// does per file (runner.MemoryLimit), here for the rest of the process.
func forFormat(f *formats.Format) {
	memoryLimit().For(f.Name) // not restored: the process ends with the file
}
