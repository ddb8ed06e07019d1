package transform

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ferry-sync/ferry/formats"
)

// sortStep sorts the whole file. It holds every record until the end of
// the file (at most max_records) and then writes them in order. The sort
// is stable: records with equal keys keep their order.
//
//   - sort:
//     by: [Warengruppe, -VK1]   # "-" sorts descending; "Customer.Id" reads a nested field
//     numeric: [VK1]            # these compare as numbers, the others as text
//     max_records: 100000       # cap on records held
//
// Text compares character by character in Unicode order (exactly: "a"
// after "Z", "00042" before "42", no locale). numeric fields compare as
// exact decimals: "1234.56", German "1234,56" and "1.234,56" (a comma
// makes the comma the decimal separator and dots group thousands), JSON
// numbers such as 1.5e3. A value that is not a number is an error of its
// record, at its position. Empty (or null) values come first in ascending
// order, last in descending order.
type sortStep struct {
	index      int
	keys       keySpec
	maxRecords int
}

// sortConfig is the YAML of a sort step.
type sortConfig struct {
	By         []string `yaml:"by"`
	Numeric    []string `yaml:"numeric"`
	MaxRecords int      `yaml:"max_records"`
}

func newSortStep(sc *stepContext) (Step, error) {
	var cfg sortConfig
	if err := sc.decode(&cfg); err != nil {
		return nil, sc.errAt(nil, "expected by, numeric and max_records: "+err.Error())
	}
	keys, errs := checkKeyFields(sc, "by", cfg.By, true)
	for i, n := range cfg.Numeric {
		n = strings.TrimPrefix(strings.TrimPrefix(n, "-"), "+") // the direction belongs in by
		found := false
		for j := range keys {
			if keys[j].name == n {
				keys[j].numeric, found = true, true
			}
		}
		if !found {
			errs = append(errs, sc.errAt([]string{"numeric", strconv.Itoa(i)}, fmt.Sprintf("%q is not one of the fields in by (%s)", n, keys.list())))
		}
	}
	if cfg.MaxRecords < 0 {
		errs = append(errs, sc.errAt([]string{"max_records"}, "max_records must be positive"))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &sortStep{index: sc.index, keys: keys, maxRecords: orDefault(cfg.MaxRecords, DefaultMaxRecords)}, nil
}

// sortKey is one key value of a record.
type sortKey struct {
	text string
	num  decKey
	null bool // empty or null: before everything else
}

// sortEntry is a held record; its keys are keys[k : k+len(spec)] of the
// state, so that holding a record costs no allocation of its own.
type sortEntry struct {
	rec *formats.Record
	k   int
	seq int
}

// sortState is a sort step's state for one file.
type sortState struct {
	entries []sortEntry
	keys    []sortKey
}

// Apply reads r's keys and holds it.
func (s *sortStep) Apply(_ context.Context, st *RunState, r *formats.Record, _ Emit) error {
	ss := st.StateFor(s.index, func() any { return &sortState{} }).(*sortState)
	if len(ss.entries) >= s.maxRecords {
		return &formats.DataError{File: st.File, Pos: r.Pos, Msg: fmt.Sprintf(
			"sort by %s holds at most %d records, and the file has more; raise max_records (the records are held in memory)",
			s.keys.list(), s.maxRecords)}
	}
	k := len(ss.keys)
	for _, kf := range s.keys {
		v, pos, _, err := keyValue(st, r, kf.name)
		if err != nil {
			ss.keys = ss.keys[:k]
			return err
		}
		key := sortKey{text: v.Text(), null: v.Text() == ""}
		if kf.numeric && !key.null {
			d, ok := parseDecKey(key.text)
			if !ok {
				ss.keys = ss.keys[:k]
				return &formats.DataError{File: st.File, Pos: posOr(pos, r.Pos), Field: kf.name, RecordOnly: true, Msg: fmt.Sprintf(
					"%s is not a number (sort compares %s as a number, like 1234,56 or 1234.56)", formats.Quote(key.text), kf.name)}
			}
			key.num, key.text = d, ""
		}
		ss.keys = append(ss.keys, key)
	}
	ss.entries = append(ss.entries, sortEntry{rec: r, k: k, seq: len(ss.entries)})
	return nil
}

// Flush sorts the held records and writes them.
func (s *sortStep) Flush(ctx context.Context, st *RunState, emit Emit) error {
	ss := st.StateFor(s.index, func() any { return &sortState{} }).(*sortState)
	entries, keys := ss.entries, ss.keys
	ss.entries, ss.keys = nil, nil
	n := len(s.keys)
	slices.SortFunc(entries, func(a, b sortEntry) int {
		ka, kb := keys[a.k:a.k+n], keys[b.k:b.k+n]
		for i := range ka {
			if c := s.keys[i].compare(&ka[i], &kb[i]); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.seq, b.seq)
	})
	for i := range entries {
		if i&255 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		r := entries[i].rec
		entries[i].rec = nil // let the memory go as the records leave
		if err := emitOwn(st, emit, r); err != nil {
			return err
		}
	}
	return nil
}

// compare orders two values of this key field.
func (kf *keyField) compare(a, b *sortKey) int {
	var c int
	switch {
	case a.null || b.null:
		c = cmpBool(!a.null, !b.null)
	case kf.numeric:
		c = a.num.compare(b.num)
	default:
		c = strings.Compare(a.text, b.text)
	}
	if kf.desc {
		return -c
	}
	return c
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// decKey is an exact decimal in a form that orders without arithmetic:
// the sign, the integer digits without leading zeros and the fraction
// digits without trailing zeros. Zero is all empty. Comparing two costs no
// allocation and no rescaling, whatever their scales.
type decKey struct {
	neg    bool
	ip, fp string
}

// compare orders two decimals.
func (a decKey) compare(b decKey) int {
	if a.neg != b.neg {
		if a.neg {
			return -1
		}
		return 1
	}
	c := cmp.Compare(len(a.ip), len(b.ip))
	if c == 0 {
		c = strings.Compare(a.ip, b.ip)
	}
	if c == 0 {
		c = strings.Compare(a.fp, b.fp)
	}
	if a.neg {
		return -c
	}
	return c
}

// maxSortExponent bounds the exponent of a number such as 1.5e3: a larger one
// is not a business value and would make a key of that many digits.
const maxSortExponent = 1000

// parseDecKey reads a number: "1234.56", "-0.5", "+3", ".5", JSON
// "1.5e3", or German "1234,56" and "1.234,56" (with a comma, the comma is
// the decimal separator and dots may group thousands in threes).
// Surrounding spaces are ignored.
func parseDecKey(s string) (decKey, bool) {
	s = strings.TrimSpace(s)
	var d decKey
	if s != "" && (s[0] == '-' || s[0] == '+') {
		d.neg = s[0] == '-'
		s = s[1:]
	}
	var ip, fp string
	exp := 0
	if c := strings.IndexByte(s, ','); c >= 0 {
		ip, fp = s[:c], s[c+1:]
		if strings.IndexByte(ip, '.') >= 0 {
			var ok bool
			if ip, ok = ungroup(ip); !ok {
				return d, false
			}
		}
	} else {
		mant := s
		if e := strings.IndexAny(s, "eE"); e >= 0 {
			mant = s[:e]
			x, err := strconv.Atoi(s[e+1:])
			if err != nil || x > maxSortExponent || x < -maxSortExponent {
				return d, false
			}
			exp = x
		}
		ip, fp, _ = strings.Cut(mant, ".")
	}
	if ip == "" && fp == "" || !digitsOnly(ip) || !digitsOnly(fp) {
		return d, false
	}
	if exp != 0 {
		digits := ip + fp
		point := len(ip) + exp
		switch {
		case point <= 0:
			ip, fp = "", strings.Repeat("0", -point)+digits
		case point >= len(digits):
			ip, fp = digits+strings.Repeat("0", point-len(digits)), ""
		default:
			ip, fp = digits[:point], digits[point:]
		}
	}
	d.ip = strings.TrimLeft(ip, "0")
	d.fp = strings.TrimRight(fp, "0")
	if d.ip == "" && d.fp == "" {
		d.neg = false // -0 is 0
	}
	return d, true
}

// ungroup removes thousands dots from "1.234.567": groups of three after
// the first group of one to three digits.
func ungroup(s string) (string, bool) {
	parts := strings.Split(s, ".")
	if len(parts[0]) == 0 || len(parts[0]) > 3 {
		return "", false
	}
	for _, p := range parts[1:] {
		if len(p) != 3 {
			return "", false
		}
	}
	return strings.Join(parts, ""), true
}

// digitsOnly reports whether s has no characters but ASCII digits ("" has none).
func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
