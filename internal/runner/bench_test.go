package runner

// Benchmarks of the runtime on small files (the example's artikel.csv, 14
// records, 2.6 KB), with the real SQLite journal in temp folders:
//
//	go test ./internal/runner -run '^$' -bench . -count 3
//
// BenchmarkReadyToVisible reports the median latency from the moment a
// file is ready (the scan that finds it settled) to its output being
// visible in the outbox; BenchmarkFilesPerSecond the small files per second
// that RunOnce carries through with 2 workers.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/internal/journal"
	"github.com/ferry-sync/ferry/transform"
)

// benchEnv copies the example project (without its input) and opens a
// Runner on it with a fake clock; it returns the runner, the clock, the
// project folder and the example's input.
func benchEnv(b *testing.B) (*Runner, *clock, string, []byte) {
	b.Helper()
	dir := b.TempDir()
	if err := os.CopyFS(dir, os.DirFS(sampleDir)); err != nil {
		b.Fatal(err)
	}
	in := filepath.Join(dir, filepath.FromSlash(inboxRel), "artikel.csv")
	input, err := os.ReadFile(in)
	if err != nil {
		b.Fatal(err)
	}
	if err := os.Remove(in); err != nil {
		b.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)}
	proj, err := transform.LoadProject(filepath.Join(dir, "ferry.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	pipes := map[string]*transform.Pipeline{}
	for _, pc := range proj.Pipelines {
		p, err := transform.Compile(pc, proj, &transform.Functions{Now: clk.Now})
		if err != nil {
			b.Fatal(err)
		}
		pipes[pc.Name] = p
	}
	j, err := journal.Open(proj.Journal, journal.Options{Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { j.Close() })
	r, err := New(proj, pipes, j)
	if err != nil {
		b.Fatal(err)
	}
	r.Now, r.Sleep, r.Workers = clk.Now, clk.Sleep, 2
	return r, clk, dir, input
}

// smallFile is the example's input with its first article number made
// unique (n), so that no file is a duplicate of another.
func smallFile(input []byte, n int) []byte {
	return bytes.Replace(input, []byte("000815;"), fmt.Appendf(nil, "9%08d;", n), 1)
}

// BenchmarkReadyToVisible: ferry watch's loop (Watch) with its wake-ups
// and settle timer driven by the benchmark: a file is dropped and seen,
// the clock passes the settle time, and from the scan that finds it ready
// the benchmark polls until its output is in the outbox. Reports the
// median and the 90th percentile of that latency.
func BenchmarkReadyToVisible(b *testing.B) {
	r, clk, dir, input := benchEnv(b)
	inbox := filepath.Join(dir, filepath.FromSlash(inboxRel))
	outbox := filepath.Join(dir, "outbox", "smartstore", "products")
	wake, handled, timer := make(chan struct{}), make(chan struct{}), make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- r.Watch(ctx, WatchOptions{Wake: wake, handled: handled,
			After: func(time.Duration) <-chan time.Time { return timer }})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	}()
	settle := r.Pipelines[pipeName].Config.Input.SettleTime
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		name := fmt.Sprintf("f%06d", i)
		if err := os.WriteFile(filepath.Join(inbox, name+".csv"), smallFile(input, i), 0o644); err != nil {
			b.Fatal(err)
		}
		wake <- struct{}{} // seen
		<-handled
		_ = clk.Sleep(ctx, settle)
		t0 := time.Now()
		timer <- t0 // settled: ready, handed to a worker
		<-handled
		out := filepath.Join(outbox, name+"-products.csv")
		for {
			if _, err := os.Stat(out); err == nil {
				break
			}
			if time.Since(t0) > 20*time.Second {
				b.Fatalf("%s: no output after 20 s", name)
			}
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(lat[len(lat)*9/10].Microseconds())/1000, "ms-p90")
}

// BenchmarkFilesPerSecond: 100 small files per iteration dropped at once,
// carried through by RunOnce with 2 workers (scan, settle on the fake
// clock, claim, pipeline, journal, publish, archive). Reports files/s.
func BenchmarkFilesPerSecond(b *testing.B) {
	const perRun = 100
	r, _, dir, input := benchEnv(b)
	inbox := filepath.Join(dir, filepath.FromSlash(inboxRel))
	var took time.Duration
	n := 0
	for range b.N {
		b.StopTimer()
		for range perRun {
			if err := os.WriteFile(filepath.Join(inbox, fmt.Sprintf("f%06d.csv", n)), smallFile(input, n), 0o644); err != nil {
				b.Fatal(err)
			}
			n++
		}
		b.StartTimer()
		t0 := time.Now()
		sum, err := r.RunOnce(context.Background(), nil)
		took += time.Since(t0)
		if err != nil || sum.Done != perRun {
			b.Fatalf("%+v %v", sum, err)
		}
	}
	b.ReportMetric(float64(n)/took.Seconds(), "files/s")
}
