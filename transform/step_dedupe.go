package transform

import (
	"context"
	"fmt"
	"strings"

	"github.com/ferry-sync/ferry/formats"
)

// dedupeStep keeps one record per key and leaves out the others; the
// records left out are counted in Stats.Dropped.
//
//   - dedupe:
//     by: [Kundennummer]     # one or more fields; "Customer.CustomerNumber" reads a nested field
//     keep: first            # first (default, streams) or last
//     max_keys: 1000000      # cap on keys remembered (records held, with keep: last)
//
// keep: first passes the first record of each key on at once and remembers
// only keys. keep: last holds one record per key until the end of the file
// and then writes them in the order their keys first appeared. Keys
// compare by text exactly ("00042" and "42" differ; null and empty text
// are the same). A record whose key fields are all empty has no key: it is
// always kept (new shop customers without a customer number are not
// merged into one).
type dedupeStep struct {
	index   int
	keys    keySpec
	last    bool
	maxKeys int
}

// dedupeConfig is the YAML of a dedupe step.
type dedupeConfig struct {
	By      []string `yaml:"by"`
	Keep    string   `yaml:"keep"`
	MaxKeys int      `yaml:"max_keys"`
}

func newDedupeStep(sc *stepContext) (Step, error) {
	var cfg dedupeConfig
	if err := sc.decode(&cfg); err != nil {
		return nil, sc.errAt(nil, "expected by, keep and max_keys: "+err.Error())
	}
	keys, errs := checkKeyFields(sc, "by", cfg.By, false)
	d := &dedupeStep{index: sc.index, keys: keys, maxKeys: orDefault(cfg.MaxKeys, DefaultMaxKeys)}
	switch cfg.Keep {
	case "", "first":
	case "last":
		d.last = true
	default:
		errs = append(errs, sc.errAt([]string{"keep"}, fmt.Sprintf("unknown keep %q (use first or last)", cfg.Keep)))
	}
	if cfg.MaxKeys < 0 {
		errs = append(errs, sc.errAt([]string{"max_keys"}, "max_keys must be positive"))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return d, nil
}

// dedupeState is a dedupe step's state for one file.
type dedupeState struct {
	kb   keyBuilder
	seen map[string]int    // key → index in kept (keep: last)
	kept []*formats.Record // keep: last, in order of first appearance
}

// Apply passes r on if its key is new (keep: first), or holds it
// (keep: last).
func (d *dedupeStep) Apply(_ context.Context, st *RunState, r *formats.Record, emit Emit) error {
	s := st.StateFor(d.index, func() any { return &dedupeState{seen: map[string]int{}} }).(*dedupeState)
	key, empty, err := d.key(st, s, r)
	if err != nil {
		return err
	}
	if !empty {
		if i, dup := s.seen[key]; dup {
			st.Stats.Dropped++
			if d.last {
				s.kept[i] = r
			}
			return nil
		}
	}
	if !d.last {
		if !empty {
			if len(s.seen) >= d.maxKeys {
				return d.capError(st, r)
			}
			s.seen[strings.Clone(key)] = 0
		}
		return emit(r)
	}
	if len(s.kept) >= d.maxKeys {
		return d.capError(st, r)
	}
	if !empty {
		s.seen[strings.Clone(key)] = len(s.kept)
	}
	s.kept = append(s.kept, r)
	return nil
}

func (d *dedupeStep) capError(st *RunState, r *formats.Record) error {
	msg := "dedupe by %s remembers more than %d different keys, its limit; raise max_keys"
	if d.last {
		msg = "dedupe by %s holds more than %d records (one per key) until the end of the file, its limit; raise max_keys"
	}
	return &formats.DataError{File: st.File, Pos: r.Pos, Msg: fmt.Sprintf(msg, d.keys.list(), d.maxKeys)}
}

// key returns r's key and whether all its fields are empty.
func (d *dedupeStep) key(st *RunState, s *dedupeState, r *formats.Record) (string, bool, error) {
	key, _, err := s.kb.build(st, r, d.keys, false)
	if err != nil {
		return "", false, err
	}
	if len(d.keys) == 1 {
		return key, key == "", nil
	}
	for _, b := range []byte(key) {
		if b != 0 { // every part is a zero length and nothing else
			return key, false, nil
		}
	}
	return key, true, nil
}

// Flush writes the records kept under keep: last.
func (d *dedupeStep) Flush(ctx context.Context, st *RunState, emit Emit) error {
	if !d.last {
		return nil
	}
	s := st.StateFor(d.index, func() any { return &dedupeState{} }).(*dedupeState)
	kept := s.kept
	s.kept, s.seen = nil, nil
	for i, r := range kept {
		if i&255 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		kept[i] = nil
		if err := emitOwn(st, emit, r); err != nil {
			return err
		}
	}
	return nil
}
