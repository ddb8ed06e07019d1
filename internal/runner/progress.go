package runner

// Progress of the input file a worker reads: the runner counts the bytes
// its pipeline has read from the file and the records it has read, and
// tells a Progress that the caller (ferry run's progress bar) supplies.

import (
	"io"
	"sync/atomic"

	"github.com/ferry-sync/ferry/formats"
)

// Progress follows one input file through its pipeline. Update and Done
// are called from the worker that processes the file; different files'
// Progress values are used concurrently.
type Progress interface {
	// Update reports how many bytes of the input the pipeline has read so
	// far and how many records; it is called after every read from the
	// file (every few ten KiB), so it should be cheap or throttle itself.
	Update(bytes, records int64)
	// Done ends the file's progress: it was read to its end, or its run
	// stopped (failed, rolled back). An Update with the final counts comes
	// just before it.
	Done()
}

// ProgressFunc is Runner.Progress: it is called when a worker starts to
// read an input file (its pipeline, its name in the inbox, its size in
// bytes) and returns the Progress to tell, or nil for none.
type ProgressFunc func(pipeline, file string, size int64) Progress

// tracked is what track wraps around one input: the file's bytes and its
// records, counted.
type tracked struct {
	p              Progress
	bytes, records atomic.Int64 // atomic: a format may read ahead in its own goroutine
}

// track wraps the opened input file for Runner.Progress: in is the file to
// read from, records wraps the format's reader, and done must be called
// when the run has ended. Without a Progress (no Runner.Progress, or it
// returned nil) in is f and records returns its reader unchanged.
func (r *Runner) track(pipeline, file string, f io.Reader, size int64) (in io.Reader, records func(formats.Reader) formats.Reader, done func()) {
	var p Progress
	if r.Progress != nil {
		p = r.Progress(pipeline, file, size)
	}
	if p == nil {
		return f, func(rd formats.Reader) formats.Reader { return rd }, func() {}
	}
	t := &tracked{p: p}
	return &countingReader{r: f, t: t}, func(rd formats.Reader) formats.Reader { return &countingRecords{rd: rd, t: t} }, func() {
		// The run has ended: the final counts, then Done.
		p.Update(t.bytes.Load(), t.records.Load())
		p.Done()
	}
}

// countingReader counts the bytes read through it and tells the Progress.
type countingReader struct {
	r io.Reader
	t *tracked
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if n > 0 {
		c.t.p.Update(c.t.bytes.Add(int64(n)), c.t.records.Load())
	}
	return n, err
}

// countingRecords counts the records a reader returns.
type countingRecords struct {
	rd formats.Reader
	t  *tracked
}

func (c *countingRecords) Read() (*formats.Record, error) {
	rec, err := c.rd.Read()
	if err == nil {
		c.t.records.Add(1)
	}
	return rec, err
}
