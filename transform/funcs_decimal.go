package transform

// Decimal functions: parsing (invariant "1234.56" and German "1234,56"),
// rounding, aggregates and formatting. Every number is a
// shopspring/decimal.Decimal; nothing passes through float64. A float64
// that reaches a function (a literal in an expression) is taken by its
// shortest exact text (strconv 'f', -1), so 0.19 is 0.19, not
// 0.190000000000000002.

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/ferry-sync/ferry/formats"
)

// maxPlaces bounds decimal places and rounding positions, so that a
// runaway argument cannot make a number of a million digits.
const maxPlaces = 28

// divPlaces is the precision of / and mean(): 16 decimal places, rounded
// half away from zero; round the result to what you need.
const divPlaces = 16

// parseNumber parses s strictly: an optional sign, digits, and optionally
// the decimal separator point followed by digits. If group is not 0, the
// integer digits may be split by group into blocks of three ("1.234.567").
func parseNumber(s string, point, group byte) (decimal.Decimal, bool) {
	i := 0
	neg := false
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	j := i
	groups := false
	for j < len(s) && (isDigit(s[j]) || (group != 0 && s[j] == group)) {
		if s[j] == group {
			groups = true
		}
		j++
	}
	intPart := s[i:j]
	if intPart == "" {
		return decimal.Decimal{}, false
	}
	if groups && !validGroups(intPart, group) {
		return decimal.Decimal{}, false
	}
	frac := ""
	if j < len(s) {
		if s[j] != point || j+1 == len(s) {
			return decimal.Decimal{}, false
		}
		frac = s[j+1:]
		for k := 0; k < len(frac); k++ {
			if !isDigit(frac[k]) {
				return decimal.Decimal{}, false
			}
		}
	}
	return buildDecimal(neg, intPart, frac, group), true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// validGroups checks "1.234.567": a first block of 1–3 digits, then blocks
// of exactly three.
func validGroups(s string, group byte) bool {
	first := true
	for s != "" {
		k := strings.IndexByte(s, group)
		block := s
		if k >= 0 {
			block, s = s[:k], s[k+1:]
			if s == "" {
				return false
			}
		} else {
			s = ""
		}
		if first {
			if len(block) < 1 || len(block) > 3 {
				return false
			}
			first = false
		} else if len(block) != 3 {
			return false
		}
	}
	return true
}

// buildDecimal makes the decimal of checked digits (intPart may contain
// group separators).
func buildDecimal(neg bool, intPart, frac string, group byte) decimal.Decimal {
	n := len(intPart) + len(frac)
	if n <= 18 {
		var m int64
		for i := 0; i < len(intPart); i++ {
			if c := intPart[i]; c != group || group == 0 {
				m = m*10 + int64(c-'0')
			}
		}
		for i := 0; i < len(frac); i++ {
			m = m*10 + int64(frac[i]-'0')
		}
		if neg {
			m = -m
		}
		return decimal.New(m, -int32(len(frac)))
	}
	var b strings.Builder
	b.Grow(n + 1)
	if neg {
		b.WriteByte('-')
	}
	for i := 0; i < len(intPart); i++ {
		if c := intPart[i]; c != group || group == 0 {
			b.WriteByte(c)
		}
	}
	b.WriteString(frac)
	bi, _ := new(big.Int).SetString(b.String(), 10)
	return decimal.NewFromBigInt(bi, -int32(len(frac)))
}

// parseInvariant parses the invariant form "1234.56" with the message of
// dec() when it is not one.
func parseInvariant(s string) (decimal.Decimal, string) {
	if d, ok := parseNumber(s, '.', 0); ok {
		return d, ""
	}
	switch {
	case s == "":
		return decimal.Decimal{}, "empty value is not a decimal"
	case strings.TrimSpace(s) != s:
		if _, ok := parseNumber(strings.TrimSpace(s), '.', 0); ok {
			return decimal.Decimal{}, formats.Quote(s) + " is not a decimal: it has spaces before or after the number (use trim first)"
		}
	case strings.IndexByte(s, ',') >= 0:
		if _, ok := parseNumber(s, ',', '.'); ok {
			return decimal.Decimal{}, formats.Quote(s) + " is not a decimal in the form 1234.56; for German numbers with a decimal comma use deDec"
		}
	}
	return decimal.Decimal{}, formats.Quote(s) + " is not a decimal (expected e.g. 1234.56)"
}

// parseGerman parses "1234,56" (and "1.234,56" if thousands) with the
// message of deDec() when it is not one.
func parseGerman(s string, thousands bool) (decimal.Decimal, string) {
	var group byte
	if thousands {
		group = '.'
	}
	if d, ok := parseNumber(s, ',', group); ok {
		return d, ""
	}
	hasDot := strings.IndexByte(s, '.') >= 0
	switch {
	case s == "":
		return decimal.Decimal{}, "empty value is not a decimal"
	case strings.TrimSpace(s) != s:
		if _, ok := parseNumber(strings.TrimSpace(s), ',', group); ok {
			return decimal.Decimal{}, formats.Quote(s) + " is not a decimal: it has spaces before or after the number (use trim first)"
		}
	case !thousands && hasDot:
		if _, ok := parseNumber(s, ',', '.'); ok {
			return decimal.Decimal{}, formats.Quote(s) + " contains a thousands separator; expected a decimal comma without thousands separator, e.g. 1234,56"
		}
		if _, ok := parseNumber(s, '.', 0); ok {
			return decimal.Decimal{}, formats.Quote(s) + " has a decimal point; expected a decimal comma, e.g. 12,50"
		}
	case thousands && hasDot:
		if _, ok := parseNumber(s, '.', 0); ok {
			return decimal.Decimal{}, formats.Quote(s) + " is not a decimal: a dot may only separate thousands (groups of three digits), e.g. 1.234,56"
		}
	}
	return decimal.Decimal{}, formats.Quote(s) + " is not a decimal"
}

// floatDec is the decimal of a float64 by its shortest exact text.
func floatDec(f float64) (decimal.Decimal, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return decimal.Decimal{}, false
	}
	d, ok := parseNumber(strconv.FormatFloat(f, 'f', -1, 64), '.', 0)
	return d, ok
}

// toDec converts a number, or a text in invariant form, to a decimal. The
// message is empty on success and has no function name.
func toDec(v any) (decimal.Decimal, string) {
	switch x := v.(type) {
	case decimal.Decimal:
		return x, ""
	case string:
		return parseInvariant(x)
	case float64:
		if d, ok := floatDec(x); ok {
			return d, ""
		}
		return decimal.Decimal{}, show(v) + " is not a number"
	case float32:
		if d, ok := floatDec(float64(x)); ok {
			return d, ""
		}
		return decimal.Decimal{}, show(v) + " is not a number"
	case *decimal.Decimal:
		if x != nil {
			return *x, ""
		}
	case json.Number:
		return parseInvariant(string(x))
	case nil:
		return decimal.Decimal{}, "the value is missing (nil); use coalesce(x, 0) if a missing value means 0"
	}
	if n, ok := intOf(v); ok {
		return decimal.NewFromInt(n), ""
	}
	if u, ok := v.(uint64); ok {
		return decimal.NewFromBigInt(new(big.Int).SetUint64(u), 0), ""
	}
	if u, ok := v.(uint); ok {
		return decimal.NewFromBigInt(new(big.Int).SetUint64(uint64(u)), 0), ""
	}
	return decimal.Decimal{}, show(v) + " is not a number"
}

// decArg is toDec for an argument of fn; the message names fn.
func decArg(fn string, v any) (decimal.Decimal, error) {
	d, msg := toDec(v)
	if msg != "" {
		return d, errf(fn, "%s: %s", fn, msg)
	}
	return d, nil
}

func (l *lib) fnDec(a []any) (any, error) {
	d, msg := toDec(a[0])
	if msg != "" {
		return nil, errf("dec", "%s", msg)
	}
	return d, nil
}

func (l *lib) fnDeDec(a []any) (any, error) {
	d, msg, err := deDec("deDec", a)
	if err != nil {
		return nil, err
	}
	if msg != "" {
		return nil, errf("deDec", "%s", msg)
	}
	return d, nil
}

// deDec parses deDec's arguments: a text, or a decimal that is already
// one (so that a field declared decimal can go through deDec unchanged).
func deDec(fn string, a []any) (decimal.Decimal, string, error) {
	thousands := false
	if len(a) > 1 {
		var err error
		if thousands, err = boolArg(fn, "second argument (thousands separators allowed)", a[1]); err != nil {
			return decimal.Decimal{}, "", err
		}
	}
	switch x := a[0].(type) {
	case string:
		d, msg := parseGerman(x, thousands)
		return d, msg, nil
	case decimal.Decimal:
		return x, "", nil
	case nil:
		return decimal.Decimal{}, "the value is missing (nil); use coalesce(x, \"0\") if a missing value means 0", nil
	}
	if n, ok := intOf(a[0]); ok {
		return decimal.NewFromInt(n), "", nil
	}
	return decimal.Decimal{}, show(a[0]) + " is not a decimal", nil
}

func (l *lib) fnIsDec(a []any) (any, error) {
	switch x := a[0].(type) {
	case string:
		_, ok := parseNumber(x, '.', 0)
		return ok, nil
	case decimal.Decimal:
		return true, nil
	}
	_, ok := intOf(a[0])
	return ok, nil
}

func (l *lib) fnIsDeDec(a []any) (any, error) {
	_, msg, err := deDec("isDeDec", a)
	if err != nil {
		return nil, err
	}
	return msg == "", nil
}

// ---------------------------------------------------------------------------
// Rounding

type roundMode uint8

const (
	roundHalfUp roundMode = iota // half away from zero (kaufmännisch)
	roundBank                    // half to even
	roundDown                    // toward zero
	roundFloor                   // toward minus infinity
	roundCeil                    // toward plus infinity
)

func roundDec(d decimal.Decimal, places int32, mode roundMode) decimal.Decimal {
	switch mode {
	case roundBank:
		return d.RoundBank(places)
	case roundDown:
		return d.Truncate(places)
	case roundFloor, roundCeil:
		t := d.Truncate(places)
		c := d.Cmp(t)
		unit := decimal.New(1, -places)
		if mode == roundFloor && c < 0 {
			return t.Sub(unit)
		}
		if mode == roundCeil && c > 0 {
			return t.Add(unit)
		}
		return t
	}
	return d.Round(places)
}

func (l *lib) roundFn(name string, mode roundMode) func(a []any) (any, error) {
	return func(a []any) (any, error) {
		d, err := decArg(name, a[0])
		if err != nil {
			return nil, err
		}
		places := 0
		if len(a) > 1 {
			if places, err = intArg(name, "number of decimal places", a[1], -maxPlaces, maxPlaces); err != nil {
				return nil, err
			}
		}
		return roundDec(d, int32(places), mode), nil
	}
}

func (l *lib) fnAbs(a []any) (any, error) {
	d, err := decArg("abs", a[0])
	if err != nil {
		return nil, err
	}
	return d.Abs(), nil
}

func (l *lib) fnNeg(a []any) (any, error) {
	d, err := decArg("neg", a[0])
	if err != nil {
		return nil, err
	}
	return d.Neg(), nil
}

// ---------------------------------------------------------------------------
// Aggregates

// decList converts the elements of a list to decimals.
func decList(fn string, v any) ([]decimal.Decimal, error) {
	list, err := listArg(fn, v)
	if err != nil {
		return nil, err
	}
	out := make([]decimal.Decimal, len(list))
	for i, e := range list {
		d, msg := toDec(e)
		if msg != "" {
			return nil, errf(fn, "%s: value %d of the list: %s", fn, i+1, msg)
		}
		out[i] = d
	}
	return out, nil
}

func (l *lib) minMax(name string, sign int) func(a []any) (any, error) {
	return func(a []any) (any, error) {
		var ds []decimal.Decimal
		if len(a) == 1 && !isList(a[0]) {
			d, err := decArg(name, a[0])
			return d, err
		}
		if len(a) == 1 {
			var err error
			if ds, err = decList(name, a[0]); err != nil {
				return nil, err
			}
		} else {
			ds = make([]decimal.Decimal, len(a))
			for i, v := range a {
				d, msg := toDec(v)
				if msg != "" {
					return nil, errf(name, "%s: argument %d: %s", name, i+1, msg)
				}
				ds[i] = d
			}
		}
		if len(ds) == 0 {
			return nil, errf(name, "%s: the list is empty", name)
		}
		best := ds[0]
		for _, d := range ds[1:] {
			if d.Cmp(best)*sign > 0 {
				best = d
			}
		}
		return best, nil
	}
}

// isList reports a slice or array.
func isList(v any) bool {
	if _, ok := v.([]any); ok {
		return true
	}
	k := reflect.ValueOf(v).Kind()
	return k == reflect.Slice || k == reflect.Array
}

func (l *lib) fnSum(a []any) (any, error) {
	ds, err := decList("sum", a[0])
	if err != nil {
		return nil, err
	}
	return sumDec(ds), nil
}

func sumDec(ds []decimal.Decimal) decimal.Decimal {
	s := decimal.Decimal{}
	for _, d := range ds {
		s = s.Add(d)
	}
	return s
}

func (l *lib) fnMean(a []any) (any, error) {
	ds, err := decList("mean", a[0])
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, errf("mean", "mean: the list is empty")
	}
	return sumDec(ds).DivRound(decimal.NewFromInt(int64(len(ds))), divPlaces), nil
}

func (l *lib) fnMedian(a []any) (any, error) {
	ds, err := decList("median", a[0])
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		return nil, errf("median", "median: the list is empty")
	}
	sort.SliceStable(ds, func(i, j int) bool { return ds[i].Cmp(ds[j]) < 0 })
	m := len(ds) / 2
	if len(ds)%2 == 1 {
		return ds[m], nil
	}
	return ds[m-1].Add(ds[m]).Mul(decimal.New(5, -1)), nil
}

// fnInt replaces expr's int(): a decimal or text must be a whole number
// (no silent cut of 3.5 to 3; use trunc or round first).
func (l *lib) fnInt(a []any) (any, error) {
	v := a[0]
	if n, ok := intOf(v); ok {
		return int(n), nil
	}
	var d decimal.Decimal
	switch x := v.(type) {
	case string:
		t := strings.TrimSpace(x)
		n, err := strconv.ParseInt(t, 10, 64)
		if err == nil && n >= math.MinInt && n <= math.MaxInt {
			return int(n), nil
		}
		return nil, errf("int", "int: %s is not a whole number", formats.Quote(x))
	default:
		var msg string
		if d, msg = toDec(x); msg != "" {
			return nil, errf("int", "int: %s", msg)
		}
	}
	if !d.IsInteger() {
		return nil, errf("int", "int: %s is not a whole number; use trunc(x) or round(x) first", d.String())
	}
	if d.Cmp(decimal.NewFromInt(math.MaxInt64)) > 0 || d.Cmp(decimal.NewFromInt(math.MinInt64)) < 0 {
		return nil, errf("int", "int: %s is too large for a whole number", d.String())
	}
	return int(d.IntPart()), nil
}

// ---------------------------------------------------------------------------
// Formatting

func (l *lib) fnFmtDec(a []any) (any, error) {
	d, places, err := fmtArgs("fmtDec", a)
	if err != nil {
		return nil, err
	}
	return d.StringFixed(int32(places)), nil
}

func (l *lib) fnFmtDE(a []any) (any, error) {
	d, places, err := fmtArgs("fmtDE", a)
	if err != nil {
		return nil, err
	}
	thousands := false
	if len(a) > 2 {
		if thousands, err = boolArg("fmtDE", "third argument (thousands separators)", a[2]); err != nil {
			return nil, err
		}
	}
	return germanText(d.StringFixed(int32(places)), thousands), nil
}

func fmtArgs(fn string, a []any) (decimal.Decimal, int, error) {
	d, err := decArg(fn, a[0])
	if err != nil {
		return d, 0, err
	}
	places, err := intArg(fn, "number of decimal places", a[1], 0, maxPlaces)
	return d, places, err
}

// germanText turns "-1234.50" into "-1234,50" or, with thousands,
// "-1.234,50".
func germanText(s string, thousands bool) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	b.Grow(len(s) + len(s)/3 + 1)
	b.WriteString(sign)
	if thousands && len(intPart) > 3 {
		first := len(intPart) % 3
		if first == 0 {
			first = 3
		}
		b.WriteString(intPart[:first])
		for i := first; i < len(intPart); i += 3 {
			b.WriteByte('.')
			b.WriteString(intPart[i : i+3])
		}
	} else {
		b.WriteString(intPart)
	}
	if hasFrac {
		b.WriteByte(',')
		b.WriteString(frac)
	}
	return b.String()
}

// ---------------------------------------------------------------------------
// Sorting

// fnSort replaces expr's sort: numbers (decimals, whole numbers) by value,
// texts and dates in their order; "asc" (default) or "desc".
func (l *lib) fnSort(a []any) (any, error) {
	list, err := listArg("sort", a[0])
	if err != nil {
		return nil, err
	}
	return sortList("sort", list, list, a[1:])
}

// fnSortBy sorts a list by keys computed for each element (the patcher
// passes them as map(list, predicate)).
func (l *lib) fnSortBy(a []any) (any, error) {
	list, err := listArg("sortBy", a[0])
	if err != nil {
		return nil, err
	}
	keys, err := listArg("sortBy", a[1])
	if err != nil {
		return nil, err
	}
	return sortList("sortBy", list, keys, a[2:])
}

func sortList(fn string, list, keys []any, order []any) (any, error) {
	desc := false
	if len(order) > 0 {
		o, err := strArg(fn, "order", order[0])
		if err != nil {
			return nil, err
		}
		switch o {
		case "asc":
		case "desc":
			desc = true
		default:
			return nil, errf(fn, "%s: the order must be \"asc\" or \"desc\", got %s", fn, show(order[0]))
		}
	}
	if len(keys) != len(list) {
		return nil, errf(fn, "%s: %d keys for %d values", fn, len(keys), len(list))
	}
	idx := make([]int, len(list))
	for i := range idx {
		idx[i] = i
	}
	var sortErr error
	sort.SliceStable(idx, func(i, j int) bool {
		c, err := orderOf(keys[idx[i]], keys[idx[j]])
		if err != nil && sortErr == nil {
			sortErr = errf(fn, "%s: %v", fn, err)
		}
		if desc {
			return c > 0
		}
		return c < 0
	})
	if sortErr != nil {
		return nil, sortErr
	}
	out := make([]any, len(list))
	for i, k := range idx {
		out[i] = list[k]
	}
	return out, nil
}

// orderOf compares two sort keys of the same kind.
func orderOf(x, y any) (int, error) {
	if kindOf(x) != notNum && kindOf(y) != notNum {
		a, _ := toDec(x)
		b, _ := toDec(y)
		return a.Cmp(b), nil
	}
	switch a := x.(type) {
	case string:
		if b, ok := y.(string); ok {
			return strings.Compare(a, b), nil
		}
	case time.Time:
		if b, ok := y.(time.Time); ok {
			return a.Compare(b), nil
		}
	}
	return 0, fmt.Errorf("cannot sort %s and %s together", show(x), show(y))
}
