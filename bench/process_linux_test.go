//go:build linux

package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// BenchmarkConvertProcess runs the built binary (bin/ferry, from `make
// build`) on the 100,000- and 1,000,000-row reference files and reports the
// peak resident memory of the process: it must stay flat as the input grows.
func BenchmarkConvertProcess(b *testing.B) {
	bin, err := filepath.Abs(filepath.Join("..", "bin", "ferry"))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		b.Skip("bin/ferry missing: run `make build`")
	}
	for _, size := range []string{"100k", "1m"} {
		b.Run(size, func(b *testing.B) {
			path, n := dataFile(b, "artikel-"+size+".csv")
			out := filepath.Join(b.TempDir(), "out.csv")
			b.SetBytes(n)
			var peak int64
			for b.Loop() {
				cmd := exec.Command(bin, "convert", "-q", "--in-encoding", "windows-1252", "--out-encoding", "utf-8-bom", path, out)
				cmd.Stderr = os.Stderr
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > peak {
					peak = ru.Maxrss // KiB on Linux
				}
			}
			b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
		})
	}
}
