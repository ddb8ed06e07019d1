package transform

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"
)

var update = flag.Bool("update", false, "rewrite the generated docs/functions.md and docs/steps.md")

// testClock is the now() of every test: 13.03.2026 10:04:07 in Berlin.
func testClock() time.Time { return time.Date(2026, 3, 13, 9, 4, 7, 0, time.UTC) }

func testLookup(table string, keys ...string) (any, bool, error) {
	tables := map[string]map[string]any{
		"payment": {"PayPal": "PP", "Rechnung": "RE", "Vorkasse": "VK"},
		"country": {"DE": "DEU", "AT": "AUT"},
	}
	t, ok := tables[table]
	if !ok {
		return nil, false, fmt.Errorf("unknown lookup table %q", table)
	}
	v, ok := t[strings.Join(keys, "\x00")]
	return v, ok, nil
}

func newFuncs() *Functions {
	return &Functions{Now: testClock, Lookup: testLookup}
}

// compileMode says how the environment's types are known at compile time.
type compileMode int

const (
	typed   compileMode = iota // expr.Env(the example's env): static types
	untyped                    // no env: every field is of unknown type
)

func (m compileMode) String() string { return [...]string{"typed", "untyped"}[m] }

func compile(f *Functions, src string, env map[string]any, mode compileMode) (*vm.Program, error) {
	opts := f.Options()
	if mode == typed && env != nil {
		opts = append([]expr.Option{expr.Env(env)}, opts...)
	} else {
		opts = append([]expr.Option{expr.Env(map[string]any{}), expr.AllowUndefinedVariables()}, opts...)
	}
	return expr.Compile(src, opts...)
}

// eval compiles and runs src in both modes and checks they agree.
func eval(t *testing.T, f *Functions, src string, env map[string]any) (any, error) {
	t.Helper()
	var results [2]any
	var errs [2]error
	for _, mode := range []compileMode{typed, untyped} {
		run := env
		if run == nil {
			run = map[string]any{}
		}
		p, err := compile(f, src, env, mode)
		if err == nil {
			results[mode], err = expr.Run(p, run)
		}
		errs[mode] = err
	}
	r0, r1 := outcome(results[0], errs[0]), outcome(results[1], errs[1])
	if r0 != r1 && !(strings.HasPrefix(r0, "error: ") && strings.HasPrefix(r1, "error: ")) {
		t.Errorf("%s: typed env gives %s, untyped %s", src, r0, r1)
	}
	return results[0], errs[0]
}

func runProgram(p *vm.Program, env map[string]any) (any, error) {
	if env == nil {
		env = map[string]any{}
	}
	return expr.Run(p, env)
}

func outcome(v any, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return render(v)
}

func check(t *testing.T, f *Functions, src string, env map[string]any, want string) {
	t.Helper()
	v, err := eval(t, f, src, env)
	got := outcome(v, err)
	if strings.HasPrefix(want, "error: ") {
		if err == nil {
			t.Errorf("%s = %s, want an error containing %q", src, got, strings.TrimPrefix(want, "error: "))
		} else if !strings.Contains(err.Error(), strings.TrimPrefix(want, "error: ")) {
			t.Errorf("%s: error %q does not contain %q", src, err, strings.TrimPrefix(want, "error: "))
		}
		return
	}
	if got != want {
		t.Errorf("%s = %s, want %s", src, got, want)
	}
}

// TestExamples runs every example of the documentation.
func TestExamples(t *testing.T) {
	f := newFuncs()
	for _, d := range Docs() {
		t.Run(d.Name, func(t *testing.T) {
			if len(d.Examples) == 0 {
				t.Fatal("no examples")
			}
			for _, e := range d.Examples {
				check(t, f, e.Expr, e.Env, e.Want)
			}
		})
	}
}

// TestFunctionDocs keeps docs/functions.md in step with Docs.
func TestFunctionDocs(t *testing.T) { generatedDoc(t, "functions.md", Markdown(), "TestFunctionDocs") }

// generatedDoc compares docs/NAME with got, or rewrites it with -update.
func generatedDoc(t *testing.T, name, got, test string) {
	t.Helper()
	path := filepath.Join("..", "docs", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./transform -run %s -update)", err, test)
	}
	if string(want) != got {
		t.Errorf("docs/%s is out of date: run go test ./transform -run %s -update", name, test)
	}
}

// TestEveryFunctionDocumented checks that Docs and the registered
// functions name the same set.
func TestEveryFunctionDocumented(t *testing.T) {
	l := newFuncs().state()
	registered := map[string]bool{}
	for _, s := range l.specs() {
		registered[s.name] = true
	}
	documented := map[string]bool{}
	builtins := map[string]bool{"trim": true, "upper": true, "lower": true, "replace": true, "split": true,
		"join": true, "len": true, "string": true, "float": true, "arithmetic": true, "comparison": true,
		"sum": true, "sortBy": true}
	for _, d := range Docs() {
		if documented[d.Name] {
			t.Errorf("%s documented twice", d.Name)
		}
		documented[d.Name] = true
		if !registered[d.Name] && !builtins[d.Name] {
			t.Errorf("%s is documented but not registered", d.Name)
		}
		if d.Signature == "" || d.Doc == "" || d.Group == "" {
			t.Errorf("%s: signature, doc or group missing", d.Name)
		}
	}
	for name := range registered {
		if !documented[name] {
			t.Errorf("%s is registered but not documented", name)
		}
	}
}

// TestReplacedBuiltins checks that none of expr's float builtins is left.
func TestReplacedBuiltins(t *testing.T) {
	f := newFuncs()
	for _, c := range []struct{ src, want string }{
		{`round(2.5)`, "3"},
		{`round(-2.5)`, "-3"},
		{`floor(-2.5)`, "-3"},
		{`ceil(2.1)`, "3"},
		{`abs(-2.5)`, "2.5"},
		{`min(3, 1.5, 2)`, "1.5"},
		{`max([3, 1.5, 2])`, "3"},
		{`sum([0.1, 0.2, 0.3])`, "0.6"},
		{`mean([1, 2])`, "1.5"},
		{`median([1, 3, 2])`, "2"},
		{`int("42")`, "42"},
		{`fromJSON("[0.1, 0.2]")[0] + fromJSON("[0.1, 0.2]")[1]`, "0.3"},
		{`type(now())`, `"time.Time"`},
		{`2 ** 10`, "1024"},
		{`2 ^ 3`, "8"},
		{`10 / 4`, "2.5"},
		{`1 / 3`, "0.3333333333333333"},
		{`float(1)`, "error: float() is not available"},
		{`-1.5`, "-1.5"},
		{`[1.5, 2][0] * 2`, "3"},
	} {
		check(t, f, c.src, nil, c.want)
	}
}

func TestNowUsesClockAndZone(t *testing.T) {
	check(t, newFuncs(), `now()`, nil, "2026-03-13T10:04:07+01:00")
	utc := &Functions{Now: testClock, Location: time.UTC}
	check(t, utc, `formatDate(now(), "TT.MM.JJJJ hh:mm")`, nil, `"13.03.2026 09:04"`)
	p, err := compile(&Functions{}, `now()`, nil, untyped)
	if err != nil {
		t.Fatal(err)
	}
	v, err := expr.Run(p, nil)
	if err != nil || time.Since(v.(time.Time)) > time.Hour {
		t.Errorf("now() without clock = %v, %v", v, err)
	}
}

func TestLookupErrors(t *testing.T) {
	check(t, &Functions{}, `lookup("payment", "PayPal")`, nil, "error: no lookup tables configured")
	f := newFuncs()
	check(t, f, `lookup("zahlung", "PayPal")`, nil, `error: unknown lookup table "zahlung"`)
	check(t, f, `lookup("payment", Zahlungsart)`, map[string]any{"Zahlungsart": nil}, "error: the value is missing")
	check(t, f, `lookupOr("payment", "??", "Bar")`, nil, `"??"`)
	check(t, f, `lookupOr("payment", "??", "PayPal")`, nil, `"PP"`)
	var got []string
	f2 := &Functions{Lookup: func(table string, keys ...string) (any, bool, error) {
		got = append([]string{table}, keys...)
		return "x", true, nil
	}}
	check(t, f2, `lookup("prices", Kunde, Artikel, 3, dec("1.50"), true)`, map[string]any{"Kunde": "10002", "Artikel": "000815"}, `"x"`)
	if want := []string{"prices", "10002", "000815", "3", "1.5", "true"}; !reflect.DeepEqual(got, want) {
		t.Errorf("keys = %q, want %q", got, want)
	}
}

func TestCoalesceAndEmpty(t *testing.T) {
	f := newFuncs()
	for _, c := range []struct {
		src  string
		env  map[string]any
		want string
	}{
		{`coalesce(a, b)`, map[string]any{"a": nil, "b": "x"}, `"x"`},
		{`coalesce(a, b)`, map[string]any{"a": "", "b": ""}, "nil"},
		{`coalesce(a, 0)`, map[string]any{"a": decimal.Zero}, "0"},
		{`isEmpty(a)`, map[string]any{"a": nil}, "true"},
		{`isEmpty(a)`, map[string]any{"a": []any{}}, "true"},
		{`isEmpty(a)`, map[string]any{"a": map[string]any{}}, "true"},
		{`isEmpty(a)`, map[string]any{"a": decimal.Zero}, "false"},
		{`isEmpty(a)`, map[string]any{"a": " "}, "false"},
		{`digits(a)`, map[string]any{"a": "+49 (0)421 555-0"}, `"4904215550"`},
	} {
		check(t, f, c.src, c.env, c.want)
	}
}

// TestErrorsAreFuncErrors checks that a function's error reaches the
// caller as a *FuncError with the plain message.
func TestErrorsAreFuncErrors(t *testing.T) {
	f := newFuncs()
	p, err := compile(f, `deDec(VK1)`, nil, untyped)
	if err != nil {
		t.Fatal(err)
	}
	_, err = expr.Run(p, map[string]any{"VK1": "12,5x"})
	var fe *FuncError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *FuncError", err, err)
	}
	if fe.Msg != `"12,5x" is not a decimal` || fe.Func != "deDec" {
		t.Errorf("FuncError = %+v", fe)
	}
}

// TestArgumentErrors checks wrong types of arguments: errors, no panics.
func TestArgumentErrors(t *testing.T) {
	f := newFuncs()
	for _, c := range []struct {
		src  string
		env  map[string]any
		want string
	}{
		{`round(x, 2)`, map[string]any{"x": true}, "round: true is not a number"},
		{`round(x, 2)`, map[string]any{"x": nil}, "round: the value is missing (nil)"},
		{`round(1, x)`, map[string]any{"x": "2"}, "round: the number of decimal places must be a whole number"},
		{`round(1, 99)`, nil, "between -28 and 28"},
		{`fmtDec(1, -1)`, nil, "between 0 and 28"},
		{`padLeft(x, 5)`, map[string]any{"x": nil}, "padLeft: the value is missing"},
		{`padLeft("1", 1000000)`, nil, "between 0 and 10000"},
		{`padLeft("1", 5, x)`, map[string]any{"x": "00"}, "exactly one character"},
		{`left(x, 2)`, map[string]any{"x": []any{1}}, "left: expected a text, got a list of 1 values"},
		{`formatDate(x, "TT.MM.JJJJ")`, map[string]any{"x": "13.03.2026"}, `formatDate: "13.03.2026" is a text, not a date`},
		{`addDays(x, 1)`, map[string]any{"x": nil}, "addDays: the date is missing"},
		{`sum(x)`, map[string]any{"x": "1"}, "sum: expected a list"},
		{`sum(x)`, map[string]any{"x": []any{"1", "zwei"}}, `sum: value 2 of the list: "zwei" is not a decimal`},
		{`min([])`, nil, "min: the list is empty"},
		{`mean([])`, nil, "mean: the list is empty"},
		{`deDec("1", "ja")`, nil, "must be true or false"},
		{`reMatch(x, y)`, map[string]any{"x": "a", "y": "("}, `reMatch: the pattern "(" is not a valid regular expression: missing closing )`},
		{`translit("a", x)`, map[string]any{"x": "ebcdic"}, `unknown charset "ebcdic"`},
		{`translit("a", x)`, map[string]any{"x": "auto"}, "only for reading"},
		{`toTZ(now(), x)`, map[string]any{"x": "Local"}, "name the time zone"},
		{`int(x)`, map[string]any{"x": "3,5"}, `int: "3,5" is not a whole number`},
		{`int(x)`, map[string]any{"x": decimal.RequireFromString("1e30")}, "too large"},
		{`fromJSON(x)`, map[string]any{"x": "{"}, "is not valid JSON"},
	} {
		check(t, f, c.src, c.env, "error: "+c.want)
	}
}

// TestConstantArgumentsAtCompileTime checks that a wrong constant is a
// compile error that names the function and the problem.
func TestConstantArgumentsAtCompileTime(t *testing.T) {
	f := newFuncs()
	for _, c := range []struct{ src, want string }{
		{`reMatch(x, "([a-z")`, `reMatch: the pattern "([a-z" is not a valid regular expression: missing closing ]`},
		{`reMatch(x, "(a")`, `reMatch: the pattern "(a" is not a valid regular expression: missing closing )`},
		{`reReplace(x, "*", "")`, "missing argument to repetition operator"},
		{`reFind(x, "a{2,1}")`, "invalid repeat count"},
		{`parseDate(x, "DD.MM.YYYY")`, `parseDate: the date layout "DD.MM.YYYY" uses the letters YYYY; write dates with TT (day)`},
		{`parseDate(x, "TT.MM.")`, "has no year"},
		{`formatDate(now(), "Datum")`, "has no date parts"},
		{`parseDate(x, "TT.MM.JJJJ", "Europe/Berln")`, `parseDate: unknown time zone "Europe/Berln"`},
		{`toTZ(now(), "Mars/Olympus")`, `unknown time zone "Mars/Olympus"`},
		{`translit(x, "latin-2")`, `translit: unknown charset "latin-2"`},
		{`padLeft(x, 6, "00")`, "exactly one character"},
		{`dec("12,50")`, `dec: "12,50" is not a decimal in the form 1234.56`},
		{`deDec("1.234,56")`, "contains a thousands separator"},
		{`parseISO("13.03.2026")`, `"13.03.2026" is not an ISO date-time`},
		{`float(x)`, "float() is not available"},
		{`round(x, 2, 3)`, "round"},
		{`splitStreet()`, "splitStreet"},
	} {
		_, err := compile(f, c.src, nil, untyped)
		if err == nil {
			t.Errorf("%s compiled", c.src)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v\nwant %q", c.src, err, c.want)
		}
	}
	// Constants that are fine compile.
	for _, src := range []string{`reMatch(x, "^[0-9]{5}$")`, `parseDate(x, "TT.MM.JJJJ", "UTC")`, `deDec("1.234,56", true)`,
		`parseDate(x, "02.01.2006")`, `translit(x, "ISO-8859-15")`, `dec("-0.5")`} {
		if _, err := compile(f, src, nil, untyped); err != nil {
			t.Errorf("%s: %v", src, err)
		}
	}
}

// TestConcurrentUse runs one program from many goroutines (go test -race).
func TestConcurrentUse(t *testing.T) {
	f := newFuncs()
	p, err := compile(f, `reReplace(x, "[0-9]+", "#") + formatDate(parseDate(d, "TT.MM.JJJJ", z), "JJJJ-MM-TT") + fmtDE(deDec(n) * 3, 2)`, nil, untyped)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				env := map[string]any{"x": fmt.Sprintf("a%db", i), "d": "01.03.2026", "z": []string{"UTC", "Europe/Berlin"}[i%2], "n": "1,5"}
				v, err := expr.Run(p, env)
				if err != nil || v != "a#b2026-03-014,50" {
					errs <- fmt.Errorf("got %v, %v", v, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestBoundedCaches checks that patterns from data do not grow the cache
// without limit.
func TestBoundedCaches(t *testing.T) {
	f := newFuncs()
	p, err := compile(f, `reMatch("a", x)`, nil, untyped)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2*cacheLimit; i++ {
		if _, err := expr.Run(p, map[string]any{"x": fmt.Sprintf("a%d*", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.state().regexps.m); n > cacheLimit {
		t.Errorf("%d cached patterns", n)
	}
}

func TestArity(t *testing.T) {
	cases := []struct {
		types  []any
		lo, hi int
	}{
		{[]any{new(func(any) any)}, 1, 1},
		{[]any{new(func(any) any), new(func(any, any, any) any)}, 1, 3},
		{[]any{new(func(any, ...any) any)}, 1, -1},
		{[]any{new(func() any)}, 0, 0},
	}
	for _, c := range cases {
		if lo, hi := arity(c.types); lo != c.lo || hi != c.hi {
			t.Errorf("arity = %d, %d, want %d, %d", lo, hi, c.lo, c.hi)
		}
	}
}

func TestRender(t *testing.T) {
	for _, c := range []struct {
		v    any
		want string
	}{
		{nil, "nil"},
		{"a\"b", `"a\"b"`},
		{decimal.RequireFromString("1.50"), "1.5"},
		{[]string{"a"}, `["a"]`},
		{map[string]any{"b": 1, "a": true}, "{a: true, b: 1}"},
		{time.Duration(0), "0s"},
	} {
		if got := render(c.v); got != c.want {
			t.Errorf("render(%#v) = %s, want %s", c.v, got, c.want)
		}
	}
}

// TestRecord checks record(): argument order kept at every level (also
// inside map() over a list), nil leaves a field out, and wrong calls are
// errors that say what is wrong.
func TestRecord(t *testing.T) {
	f := newFuncs()
	items := []any{
		map[string]any{"Sku": "000815", "Quantity": 2},
		map[string]any{"Sku": "00042", "Quantity": 1},
	}
	for _, c := range []struct {
		src  string
		env  map[string]any
		want string
	}{
		{`record("Z", 1, "A", record("Y", "y", "B", nil, "C", ""))`, nil, `{Z: 1, A: {Y: "y", C: ""}}`},
		{`map(Items, record("SUPPLIER_PID", .Sku, "QUANTITY", .Quantity, "LINE", #index + 1))`, map[string]any{"Items": items},
			`[{SUPPLIER_PID: "000815", QUANTITY: 2, LINE: 1}, {SUPPLIER_PID: "00042", QUANTITY: 1, LINE: 2}]`},
		{`record("ROLE", ["buyer", "invoice_recipient"])`, nil, `{ROLE: ["buyer", "invoice_recipient"]}`},
		{`record()`, nil, `{}`},
		{`record("A", 1, "A", 2)`, nil, `error: the field name "A" is given twice`},
		{`record(1, 2)`, nil, `error: argument 1 must be a field name`},
		{`record("A", 1, "B")`, nil, `error: 3 argument(s) were given`},
	} {
		check(t, f, c.src, c.env, c.want)
	}
	// The record is an output value: fromExpr keeps it, order and all.
	v, err := eval(t, f, `record("b", 2, "a", 1)`, nil)
	if err != nil {
		t.Fatal(err)
	}
	fv, err := fromExpr(v)
	if err != nil {
		t.Fatal(err)
	}
	r := fv.Record()
	if r == nil || len(r.Fields) != 2 || r.Fields[0].Name != "b" || r.Fields[1].Name != "a" {
		t.Errorf("fromExpr(record(…)) = %v, want fields b, a", fv)
	}
}
