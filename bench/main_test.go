package bench

import (
	"os"
	"runtime/debug"
	"testing"
)

// TestMain runs the benchmarks under the garbage collector settings of the
// ferry binary (cmd/ferry: GOGC 400, a soft limit of 32 MiB), so that
// in-process figures and profiles show what a ferry process does, not the
// cost of Go's default GC target. GOGC and GOMEMLIMIT in the environment
// still win, as in the binary.
func TestMain(m *testing.M) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(32 << 20)
	}
	os.Exit(m.Run())
}
