package bench

import (
	"os"
	"testing"

	"github.com/ferry-sync/ferry/internal/cli"
)

// TestMain runs the benchmarks under the garbage collector settings of the
// ferry binary (cli.TuneGC: GOGC 400, the soft limit cli.SoftMemoryLimit),
// so that in-process figures and profiles show what a ferry process does,
// not the cost of Go's default GC target. GOGC and GOMEMLIMIT in the
// environment still win, as in the binary.
func TestMain(m *testing.M) {
	cli.TuneGC()
	os.Exit(m.Run())
}
