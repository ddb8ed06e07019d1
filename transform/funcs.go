package transform

// The expression function library: Functions, the expr options that
// install it, the argument conversions every function shares, and the
// errors they return.
//
// Every function is registered with expr.Function and typed signatures, so
// that a wrong number of arguments is a compile-time error. Arguments are
// declared as any and converted at run time with messages an accountant
// can read (`"12,5x" is not a decimal`); results are typed, so that the
// decimal operators (funcs_ops.go) know at compile time when a value is a
// decimal. A function never panics: the wrapper turns a panic into a
// *FuncError as a last resort.

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // Windows has no time zone database

	"github.com/expr-lang/expr"
	"github.com/shopspring/decimal"

	"github.com/ferry-sync/ferry/formats"
)

// Functions is the function library; one per loaded configuration
// (read-only once Options has been called, safe for concurrent use).
type Functions struct {
	// Now is the clock of now(); nil means time.Now.
	Now func() time.Time
	// Lookup answers lookup() and lookupOr(): the value stored under keys
	// in the named table, whether there is one, and an error if the table
	// cannot be read (for example an unknown table). Injected by the
	// engine; nil means lookup() fails with "no lookup tables configured".
	Lookup func(table string, keys ...string) (any, bool, error)
	// Location is the zone of local dates: parseDate and formatDate use it
	// when no zone is given, and now() returns times in it. nil means
	// Europe/Berlin.
	Location *time.Location

	once sync.Once
	lib  *lib
}

// FuncError is the error a library function returns for a value it cannot
// work with. Msg is meant for the person who fixes the data or the
// pipeline (`"1.234,56" contains a thousands separator; …`); expr wraps it
// with the position in the expression, and errors.As finds it again.
type FuncError struct {
	Func string // the function or operator, e.g. "deDec" or "/"
	Msg  string
	Err  error // the cause, if another error (of Functions.Lookup) led to it
}

// Error returns Msg.
func (e *FuncError) Error() string { return e.Msg }

// Unwrap returns Err.
func (e *FuncError) Unwrap() error { return e.Err }

func errf(fn, format string, args ...any) error {
	return &FuncError{Func: fn, Msg: fmt.Sprintf(format, args...)}
}

// lib is the state behind a Functions: the closures of every expression
// compiled with its Options share it.
type lib struct {
	f        *Functions
	loc      *time.Location // default zone of local dates
	translit map[rune]string
	regexps  boundedCache[*regexp.Regexp]
	zones    boundedCache[*time.Location]
	charsets boundedCache[*charsetCheck]
}

func (f *Functions) state() *lib {
	f.once.Do(func() {
		l := &lib{f: f, loc: f.Location}
		if l.loc == nil {
			// The embedded database (time/tzdata) always has Europe/Berlin.
			loc, err := time.LoadLocation("Europe/Berlin")
			if err != nil {
				loc = time.UTC
			}
			l.loc = loc
		}
		l.translit, _ = formats.Transliteration("latin")
		f.lib = l
	})
	return f.lib
}

// Options returns the expr options that install every function and the
// decimal operators; use them with
// expr.Compile(src, append(envOptions, fns.Options()...)...).
// Each call returns fresh options; all of them share the caches of f.
func (f *Functions) Options() []expr.Option {
	l := f.state()
	specs := append(l.specs(), l.opSpecs()...)
	opts := make([]expr.Option, 0, len(specs)+1)
	for _, s := range specs {
		opts = append(opts, s.option())
	}
	return append(opts, l.patchOption())
}

// spec is one function of the library.
type spec struct {
	name  string
	call  func(a []any) (any, error)
	types []any // signatures, as new(func(...) ...)
}

func (s spec) option() expr.Option {
	lo, hi := arity(s.types)
	name, call := s.name, s.call
	return expr.Function(name, func(a ...any) (out any, err error) {
		if len(a) < lo || (hi >= 0 && len(a) > hi) {
			return nil, errf(name, "%s: wrong number of arguments (%d)", name, len(a))
		}
		defer func() {
			if r := recover(); r != nil {
				out, err = nil, errf(name, "%s: internal error: %v", name, r)
			}
		}()
		return call(a)
	}, s.types...)
}

// arity returns the smallest and largest argument count of the signatures;
// -1 = no limit (variadic).
func arity(types []any) (lo, hi int) {
	lo = math.MaxInt
	for _, t := range types {
		ft := reflect.TypeOf(t).Elem()
		n := ft.NumIn()
		if ft.IsVariadic() {
			n--
			hi = -1
		} else if hi >= 0 && n > hi {
			hi = n
		}
		lo = min(lo, n)
	}
	return lo, hi
}

// specs lists every function of the library but the operators.
func (l *lib) specs() []spec {
	return []spec{
		// Decimals (funcs_decimal.go)
		{"dec", l.fnDec, []any{new(func(any) decimal.Decimal)}},
		{"deDec", l.fnDeDec, []any{new(func(any) decimal.Decimal), new(func(any, any) decimal.Decimal)}},
		{"isDec", l.fnIsDec, []any{new(func(any) bool)}},
		{"isDeDec", l.fnIsDeDec, []any{new(func(any) bool), new(func(any, any) bool)}},
		{"round", l.roundFn("round", roundHalfUp), []any{new(func(any) decimal.Decimal), new(func(any, any) decimal.Decimal)}},
		{"roundBank", l.roundFn("roundBank", roundBank), []any{new(func(any) decimal.Decimal), new(func(any, any) decimal.Decimal)}},
		{"trunc", l.roundFn("trunc", roundDown), []any{new(func(any) decimal.Decimal), new(func(any, any) decimal.Decimal)}},
		{"floor", l.roundFn("floor", roundFloor), []any{new(func(any) decimal.Decimal), new(func(any, any) decimal.Decimal)}},
		{"ceil", l.roundFn("ceil", roundCeil), []any{new(func(any) decimal.Decimal), new(func(any, any) decimal.Decimal)}},
		{"abs", l.fnAbs, []any{new(func(any) decimal.Decimal)}},
		{"neg", l.fnNeg, []any{new(func(any) decimal.Decimal)}},
		{"min", l.minMax("min", -1), []any{new(func(any, ...any) decimal.Decimal)}},
		{"max", l.minMax("max", 1), []any{new(func(any, ...any) decimal.Decimal)}},
		{"mean", l.fnMean, []any{new(func(any) decimal.Decimal)}},
		{"median", l.fnMedian, []any{new(func(any) decimal.Decimal)}},
		{"int", l.fnInt, []any{new(func(any) int)}},
		{"fmtDec", l.fnFmtDec, []any{new(func(any, any) string)}},
		{"fmtDE", l.fnFmtDE, []any{new(func(any, any) string), new(func(any, any, any) string)}},
		{"fromJSON", l.fnFromJSON, []any{new(func(any) any)}},
		{"sort", l.fnSort, []any{new(func(any) []any), new(func(any, any) []any)}},

		// Dates (funcs_date.go)
		{"parseDate", l.fnParseDate, []any{new(func(any, any) time.Time), new(func(any, any, any) time.Time)}},
		{"parseISO", l.fnParseISO, []any{new(func(any) time.Time)}},
		{"formatDate", l.fnFormatDate, []any{new(func(any, any) string), new(func(any, any, any) string)}},
		{"toTZ", l.fnToTZ, []any{new(func(any, any) time.Time)}},
		{"toUTC", l.fnToUTC, []any{new(func(any) time.Time)}},
		{"startOfDay", l.fnStartOfDay, []any{new(func(any) time.Time)}},
		{"endOfDay", l.fnEndOfDay, []any{new(func(any) time.Time)}},
		{"addDays", l.fnAddDays, []any{new(func(any, any) time.Time)}},
		{"isoUTC", l.fnIsoUTC, []any{new(func(any) string)}},
		{"now", l.fnNow, []any{new(func() time.Time)}},

		// Text (funcs_string.go)
		{"reReplace", l.fnReReplace, []any{new(func(any, any, any) string)}},
		{"reMatch", l.fnReMatch, []any{new(func(any, any) bool)}},
		{"reFind", l.fnReFind, []any{new(func(any, any) string)}},
		{"padLeft", l.padFn("padLeft", true), []any{new(func(any, any) string), new(func(any, any, any) string)}},
		{"padRight", l.padFn("padRight", false), []any{new(func(any, any) string), new(func(any, any, any) string)}},
		{"truncate", l.cutFn("truncate", false), []any{new(func(any, any) string)}},
		{"left", l.cutFn("left", false), []any{new(func(any, any) string)}},
		{"right", l.cutFn("right", true), []any{new(func(any, any) string)}},
		{"stripHTML", l.fnStripHTML, []any{new(func(any) string)}},
		{"translit", l.fnTranslit, []any{new(func(any, any) string)}},
		{"digits", l.fnDigits, []any{new(func(any) string)}},
		{"uuidName", l.fnUUIDName, []any{new(func(any, any) string)}},
		{"coalesce", l.fnCoalesce, []any{new(func(any, ...any) any)}},
		{"isEmpty", l.fnIsEmpty, []any{new(func(any) bool)}},
		{"record", l.fnRecord, []any{new(func(...any) any)}},

		// Lookup tables
		{"lookup", l.fnLookup, []any{new(func(any, any, ...any) any)}},
		{"lookupOr", l.fnLookupOr, []any{new(func(any, any, any, ...any) any)}},

		// Addresses (funcs_street.go)
		{"street", l.fnStreet, []any{new(func(any) string)}},
		{"houseNo", l.fnHouseNo, []any{new(func(any) string)}},
		{"streetAddition", l.fnStreetAddition, []any{new(func(any) string)}},
		{"splitStreet", l.fnSplitStreet, []any{new(func(any) []any)}},
	}
}

// ---------------------------------------------------------------------------
// Argument conversions

// show renders a value for a message.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "no value (nil)"
	case string:
		return formats.Quote(x)
	case decimal.Decimal:
		return x.String()
	case time.Time:
		return x.Format(time.RFC3339Nano)
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		return fmt.Sprintf("a list of %d values", len(x))
	case map[string]any:
		return "a record"
	}
	if n, ok := intOf(v); ok {
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprintf("a value of type %T", v)
}

// intOf returns the value of any Go integer.
func intOf(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case uint:
		return int64(x), x <= math.MaxInt64
	case uint64:
		return int64(x), x <= math.MaxInt64
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	}
	return 0, false
}

// textArg returns v as text: strings as they are, decimals and integers in
// their plain form. Anything else, nil included, is an error.
func textArg(fn string, v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case decimal.Decimal:
		return x.String(), nil
	case nil:
		return "", errf(fn, "%s: the value is missing (nil); use coalesce(x, \"\") if a missing value means empty text", fn)
	}
	if n, ok := intOf(v); ok {
		return strconv.FormatInt(n, 10), nil
	}
	return "", errf(fn, "%s: expected a text, got %s", fn, show(v))
}

// strArg is textArg for parameters that must be given as text, like a
// pattern, a layout or a zone name.
func strArg(fn, what string, v any) (string, error) {
	if s, ok := v.(string); ok {
		return s, nil
	}
	return "", errf(fn, "%s: the %s must be a text, got %s", fn, what, show(v))
}

// intArg returns a whole number in [lo, hi]: a Go integer, or a decimal
// without fraction.
func intArg(fn, what string, v any, lo, hi int) (int, error) {
	n, ok := intOf(v)
	if !ok {
		switch x := v.(type) {
		case decimal.Decimal:
			if x.IsInteger() && x.Abs().Cmp(decimal.NewFromInt(math.MaxInt32)) <= 0 {
				n, ok = x.IntPart(), true
			}
		case float64:
			if x == math.Trunc(x) && math.Abs(x) <= math.MaxInt32 {
				n, ok = int64(x), true
			}
		}
	}
	if !ok {
		return 0, errf(fn, "%s: the %s must be a whole number, got %s", fn, what, show(v))
	}
	if n < int64(lo) || n > int64(hi) {
		return 0, errf(fn, "%s: the %s must be between %d and %d, got %d", fn, what, lo, hi, n)
	}
	return int(n), nil
}

func boolArg(fn, what string, v any) (bool, error) {
	if b, ok := v.(bool); ok {
		return b, nil
	}
	return false, errf(fn, "%s: the %s must be true or false, got %s", fn, what, show(v))
}

// listArg returns the elements of a list: []any, or any other slice.
func listArg(fn string, v any) ([]any, error) {
	switch x := v.(type) {
	case []any:
		return x, nil
	case nil:
		return nil, errf(fn, "%s: the list is missing (nil)", fn)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array {
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = rv.Index(i).Interface()
		}
		return out, nil
	}
	return nil, errf(fn, "%s: expected a list, got %s", fn, show(v))
}

// ---------------------------------------------------------------------------
// Lists and empty values

func (l *lib) fnCoalesce(a []any) (any, error) {
	for _, v := range a {
		if v == nil {
			continue
		}
		if s, ok := v.(string); ok && s == "" {
			continue
		}
		return v, nil
	}
	return nil, nil
}

// fnRecord builds a nested record whose fields keep the order of the
// arguments (name, value, name, value, …), for outputs where the order of
// nested elements matters (an openTRANS ORDER). A missing value (nil)
// leaves its field out, so an optional XML element is not written.
func (l *lib) fnRecord(a []any) (any, error) {
	if len(a)%2 != 0 {
		return nil, errf("record", "record takes pairs of a field name and a value; %d argument(s) were given", len(a))
	}
	r := formats.NewRecord(len(a) / 2)
	for i := 0; i < len(a); i += 2 {
		name, ok := a[i].(string)
		if !ok || name == "" {
			return nil, errf("record", "argument %d must be a field name (a text), not %s", i+1, show(a[i]))
		}
		if r.Index(name) >= 0 {
			return nil, errf("record", "the field name %q is given twice", name)
		}
		if a[i+1] == nil {
			continue
		}
		v, err := fromExpr(a[i+1])
		if err != nil {
			return nil, errf("record", "field %q: %v", name, err)
		}
		r.Add(name, v, formats.Pos{})
	}
	return formats.Nested(r), nil
}

func (l *lib) fnIsEmpty(a []any) (any, error) {
	switch x := a[0].(type) {
	case nil:
		return true, nil
	case string:
		return x == "", nil
	case []any:
		return len(x) == 0, nil
	case map[string]any:
		return len(x) == 0, nil
	}
	rv := reflect.ValueOf(a[0])
	switch rv.Kind() {
	case reflect.Slice, reflect.Map:
		return rv.Len() == 0, nil
	case reflect.Pointer:
		return rv.IsNil(), nil
	}
	return false, nil
}

// ---------------------------------------------------------------------------
// Lookup tables

func (l *lib) fnLookup(a []any) (any, error) {
	v, found, table, keys, err := l.lookup("lookup", a[0], a[1:])
	if err != nil {
		return nil, err
	}
	if !found {
		qs := make([]string, len(keys))
		for i, k := range keys {
			qs[i] = formats.Quote(k)
		}
		return nil, errf("lookup", "no entry for %s in lookup table %s", strings.Join(qs, ", "), formats.Quote(table))
	}
	return v, nil
}

func (l *lib) fnLookupOr(a []any) (any, error) {
	v, found, _, _, err := l.lookup("lookupOr", a[0], a[2:])
	if err != nil {
		return nil, err
	}
	if !found {
		return a[1], nil
	}
	return v, nil
}

func (l *lib) lookup(fn string, tableArg any, keyArgs []any) (v any, found bool, table string, keys []string, err error) {
	table, err = strArg(fn, "table name", tableArg)
	if err != nil {
		return nil, false, "", nil, err
	}
	if len(keyArgs) == 0 {
		return nil, false, table, nil, errf(fn, "%s: no key given for lookup table %s", fn, formats.Quote(table))
	}
	keys = make([]string, len(keyArgs))
	for i, k := range keyArgs {
		switch x := k.(type) {
		case bool:
			keys[i] = strconv.FormatBool(x)
		default:
			s, err := textArg(fn, k)
			if err != nil {
				return nil, false, table, nil, errf(fn, "%s: key %d for lookup table %s: %s", fn, i+1, formats.Quote(table), strings.TrimPrefix(err.Error(), fn+": "))
			}
			keys[i] = s
		}
	}
	if l.f.Lookup == nil {
		return nil, false, table, keys, errf(fn, "%s: no lookup tables configured (lookup table %s)", fn, formats.Quote(table))
	}
	v, found, err = l.f.Lookup(table, keys...)
	if err != nil {
		return nil, false, table, keys, &FuncError{Func: fn, Msg: err.Error(), Err: err}
	}
	return v, found, table, keys, nil
}

// ---------------------------------------------------------------------------
// fromJSON without float64

// fnFromJSON replaces expr's fromJSON, which turns every JSON number into
// a float64: numbers become decimals, exactly as written.
func (l *lib) fnFromJSON(a []any) (any, error) {
	s, err := textArg("fromJSON", a[0])
	if err != nil {
		return nil, err
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, errf("fromJSON", "fromJSON: %s is not valid JSON: %v", formats.Quote(s), err)
	}
	if d.More() {
		return nil, errf("fromJSON", "fromJSON: %s has more than one JSON value", formats.Quote(s))
	}
	return jsonNumbers(v)
}

func jsonNumbers(v any) (any, error) {
	switch x := v.(type) {
	case json.Number:
		d, err := decimal.NewFromString(string(x))
		if err != nil {
			return nil, errf("fromJSON", "fromJSON: the number %s cannot be read exactly", x)
		}
		return d, nil
	case []any:
		for i, e := range x {
			n, err := jsonNumbers(e)
			if err != nil {
				return nil, err
			}
			x[i] = n
		}
	case map[string]any:
		for k, e := range x {
			n, err := jsonNumbers(e)
			if err != nil {
				return nil, err
			}
			x[k] = n
		}
	}
	return v, nil
}

// ---------------------------------------------------------------------------
// A small cache with a size limit: patterns, zones and charsets given as
// data (not as constants) must not make memory grow with the file.

const cacheLimit = 256

type boundedCache[V any] struct {
	mu sync.RWMutex
	m  map[string]V
}

// get returns the cached value for key, or makes it with mk and keeps it
// while the cache has room. Errors are not cached.
func (c *boundedCache[V]) get(key string, mk func(string) (V, error)) (V, error) {
	c.mu.RLock()
	v, ok := c.m[key]
	c.mu.RUnlock()
	if ok {
		return v, nil
	}
	v, err := mk(key)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = make(map[string]V)
	}
	if len(c.m) < cacheLimit {
		c.m[key] = v
	}
	c.mu.Unlock()
	return v, nil
}
