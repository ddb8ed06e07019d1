package runner

import (
	"context"
	"testing"
)

// recorder is a Progress that keeps what it was told.
type recorder struct {
	pipeline, file   string
	size             int64
	bytes, records   int64
	updates, dones   int
	updatesAfterDone int
}

func (r *recorder) Update(bytes, records int64) {
	if r.dones > 0 {
		r.updatesAfterDone++
	}
	r.updates++
	r.bytes, r.records = bytes, records
}

func (r *recorder) Done() { r.dones++ }

// The runner tells Progress the bytes and records its pipeline read, up to
// the whole file, and ends it once.
func TestProgress(t *testing.T) {
	e := newEnv(t, nil)
	rec := &recorder{}
	e.r.Progress = func(pipeline, file string, size int64) Progress {
		rec.pipeline, rec.file, rec.size = pipeline, file, size
		return rec
	}
	input := read(t, e.path(inboxRel+"/artikel.csv"))
	res, err := e.r.ProcessFile(context.Background(), pipeName, e.claim("artikel.csv"))
	if err != nil || res.Outcome != Done {
		t.Fatalf("%+v %v", res, err)
	}
	if rec.pipeline != pipeName || rec.file != "artikel.csv" || rec.size != int64(len(input)) {
		t.Errorf("started with %q %q %d", rec.pipeline, rec.file, rec.size)
	}
	if rec.updates == 0 || rec.bytes != int64(len(input)) || rec.dones != 1 || rec.updatesAfterDone != 0 {
		t.Errorf("progress %+v, want every one of %d bytes and one Done", rec, len(input))
	}
	if rec.records != res.Counts.In {
		t.Errorf("%d records, the run read %d", rec.records, res.Counts.In)
	}

	// A Progress func that returns nil: no progress, the file is processed.
	e.r.Progress = func(string, string, int64) Progress { return nil }
	e.drop("b.csv", append(input, input[len(input)-10:]...))
	if res, err := e.r.ProcessFile(context.Background(), pipeName, e.claim("b.csv")); err != nil || res.Outcome == "" {
		t.Fatalf("%+v %v", res, err)
	}
}
