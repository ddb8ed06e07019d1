//go:build linux

package bench

import (
	"crypto/sha256"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// BenchmarkConvertProcess runs the built binary (bin/ferry, from `make
// build`) on the 100,000- and 1,000,000-row reference files and reports the
// peak resident memory of the process: it must stay flat as the input grows.
//
// Linux records a child's peak RSS at exec as at least the high-water mark
// of the process it was started from: after the in-process benchmarks of
// this package the figure is that of the test binary (~45 MiB, the
// baseline's too). bench/suite, a small process, measures the real peaks
// for docs/performance.md; run these alone (-bench Process|Job) for
// meaningful figures here.
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
			runProcesses(b, bin, "convert", "-q", "--in-encoding", "windows-1252", "--out-encoding", "utf-8-bom", path, out)
		})
	}
}

// BenchmarkReferenceJob runs the reference job of REFERENCE.md as whole
// processes on the same 1,000,000-row file: the hand-written baseline
// (bin/baseline) and ferry with the shipped pipeline. Compare the ns/op of
// the two sub-benchmarks of one run; the outputs must be byte-identical.
func BenchmarkReferenceJob(b *testing.B) {
	root, _ := filepath.Abs("..")
	path, n := dataFile(b, "artikel-1m.csv")
	pipeline := filepath.Join(root, "samples", "bench", "artikel-to-products.yaml")
	outs := map[string]string{}
	for _, job := range []struct {
		name, bin string
		args      []string
	}{
		{"baseline", "baseline", nil},
		{"ferry", "ferry", []string{"convert", "-q", "--pipeline", pipeline}},
	} {
		b.Run(job.name, func(b *testing.B) {
			bin := filepath.Join(root, "bin", job.bin)
			if _, err := os.Stat(bin); err != nil {
				b.Skipf("%s missing: run `make bench`", bin)
			}
			out := filepath.Join(b.TempDir(), "products.csv")
			b.SetBytes(n)
			runProcesses(b, bin, append(append([]string(nil), job.args...), path, out)...)
			// A hash, not the bytes: the benchmark process must stay small,
			// since a child's peak RSS counts the parent's pages until exec.
			f, err := os.Open(out)
			if err != nil {
				b.Fatal(err)
			}
			h := sha256.New()
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				b.Fatal(err)
			}
			outs[job.name] = string(h.Sum(nil))
			if base, ok := outs["baseline"]; ok && job.name == "ferry" && base != outs["ferry"] {
				b.Fatal("ferry's output differs from the baseline's")
			}
		})
	}
}

// runProcesses runs bin with args once per benchmark iteration and reports
// the largest peak resident memory of those processes.
func runProcesses(b *testing.B, bin string, args ...string) {
	b.Helper()
	var peak int64
	for b.Loop() {
		cmd := exec.Command(bin, args...)
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru.Maxrss > peak {
			peak = ru.Maxrss // KiB on Linux
		}
	}
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
}
