package transform

import (
	"context"
	"io"

	"github.com/ferry-sync/ferry/formats"
)

// prefetchBatch is how many records the read-ahead goroutine hands over at
// once, and prefetchDepth how many batches may wait: together they bound
// the memory the read-ahead holds (a few hundred records).
const (
	prefetchBatch = 128
	prefetchDepth = 4
	// prefetchWeight ends a batch early when its records hold this many
	// fields, nested ones included: 128 flat CSV rows stay one batch, but
	// a batch of orders with their addresses and positions (some 200
	// fields each) is cut at about 20, so that the read-ahead does not keep
	// megabytes alive (which the GC would scan over and over).
	prefetchWeight = 4096
)

// weight counts the fields of rec, nested records and lists included.
func weight(rec *formats.Record) int {
	if rec == nil {
		return 1
	}
	n := len(rec.Fields)
	for i := range rec.Fields {
		if k := rec.Fields[i].Value.Kind(); k == formats.KindRecord || k == formats.KindList {
			n += valueWeight(rec.Fields[i].Value)
		}
	}
	return n
}

func valueWeight(v formats.Value) int {
	switch v.Kind() {
	case formats.KindRecord:
		return weight(v.Record())
	case formats.KindList:
		n := 0
		for _, e := range v.List() {
			n += 1 + valueWeight(e)
		}
		return n
	}
	return 0
}

// readResult is one Read's outcome.
type readResult struct {
	rec *formats.Record
	err error
}

// prefetcher reads records on its own goroutine while the pipeline works on
// the previous ones, so that parsing and decoding use a second core. Records
// and errors arrive in the order the reader gave them, so the reader's
// error semantics (RecordOnly errors, then more records; a final error,
// then the same again) are unchanged.
type prefetcher struct {
	batches chan []readResult
	cur     []readResult
	stop    context.CancelFunc
	final   *readResult

	// Records the pipeline is done with go back to a formats.Recycler in
	// batches (nil recycled: the reader is none).
	recycled chan []*formats.Record
	done     []*formats.Record
}

// newPrefetcher starts reading r ahead. Call close when done (also after an
// early stop) to end the goroutine.
func newPrefetcher(ctx context.Context, r formats.Reader) *prefetcher {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetcher{batches: make(chan []readResult, prefetchDepth), stop: cancel}
	rc, _ := r.(formats.Recycler)
	if rc != nil {
		p.recycled = make(chan []*formats.Record, prefetchDepth)
	}
	go func() {
		defer close(p.batches)
		batch := make([]readResult, 0, prefetchBatch)
		w := 0
		for {
			if len(batch) == 0 && rc != nil {
				select {
				case recs := <-p.recycled:
					rc.Recycle(recs)
				default:
				}
			}
			rec, err := r.Read()
			batch = append(batch, readResult{rec, err})
			w += weight(rec)
			final := err != nil && !formats.RecordOnly(err)
			if len(batch) == prefetchBatch || w >= prefetchWeight || final {
				select {
				case p.batches <- batch:
				case <-ctx.Done():
					return
				}
				if final {
					return
				}
				batch = make([]readResult, 0, prefetchBatch)
				w = 0
			}
		}
	}()
	return p
}

// Read returns the next record, like formats.Reader.
func (p *prefetcher) Read() (*formats.Record, error) {
	if p.final != nil {
		return nil, p.final.err
	}
	if len(p.cur) == 0 {
		b, ok := <-p.batches
		if !ok {
			p.final = &readResult{err: io.ErrUnexpectedEOF}
			return nil, p.final.err
		}
		p.cur = b
	}
	r := p.cur[0]
	p.cur[0] = readResult{}
	p.cur = p.cur[1:]
	if r.err != nil && !formats.RecordOnly(r.err) {
		final := r // a copy: taking r's address would move every r to the heap
		p.final = &final
	}
	return r.rec, r.err
}

// release hands a record back to the reader for reuse, if it is a
// formats.Recycler. The caller guarantees that nothing refers to rec or
// its Fields slice any more (see Pipeline.recyclesInput).
func (p *prefetcher) release(rec *formats.Record) {
	if p.recycled == nil {
		return
	}
	if p.done == nil {
		p.done = make([]*formats.Record, 0, prefetchBatch)
	}
	p.done = append(p.done, rec)
	if len(p.done) < prefetchBatch {
		return
	}
	select {
	case p.recycled <- p.done:
		p.done = nil
	default:
		// the reader has enough spare records: let these go to the GC
		clear(p.done)
		p.done = p.done[:0]
	}
}

// close stops the read-ahead. It does not wait: a goroutine blocked in a
// slow Read (a pipe) ends when that Read returns, and nothing reads what
// it sent.
func (p *prefetcher) close() { p.stop() }
