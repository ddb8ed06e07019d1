package transform

import (
	"math"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

func TestParseGerman(t *testing.T) {
	const (
		thousandsMsg = `contains a thousands separator; expected a decimal comma without thousands separator, e.g. 1234,56`
	)
	for _, c := range []struct {
		in        string
		thousands bool
		want      string // decimal, or the message
	}{
		{"12,50", false, "12.5"},
		{"-3,5", false, "-3.5"},
		{"+3,5", false, "3.5"},
		{"1234,56", false, "1234.56"},
		{"0,350", false, "0.35"},
		{"000815", false, "815"},
		{"8,3193", false, "8.3193"},
		{"-0,00", false, "0"},
		{"123456789012345678,123456789", false, "123456789012345678.123456789"},
		{"1.234,56", false, `"1.234,56" ` + thousandsMsg},
		{"1.234", false, `"1.234" ` + thousandsMsg},
		{"12.50", false, `"12.50" has a decimal point; expected a decimal comma, e.g. 12,50`},
		{"12,5x", false, `"12,5x" is not a decimal`},
		{"", false, "empty value is not a decimal"},
		{" 12,50", false, `" 12,50" is not a decimal: it has spaces before or after the number (use trim first)`},
		{"12,", false, `"12," is not a decimal`},
		{",5", false, `",5" is not a decimal`},
		{"-", false, `"-" is not a decimal`},
		{"1,2,3", false, `"1,2,3" is not a decimal`},
		{"12,50 €", false, `"12,50 €" is not a decimal`},
		{"1e3", false, `"1e3" is not a decimal`},
		{"١٢", false, `"١٢" is not a decimal`},
		{"1.234,56", true, "1234.56"},
		{"1.234.567,8", true, "1234567.8"},
		{"-1.234", true, "-1234"},
		{"1234,56", true, "1234.56"},
		{"12.50", true, `"12.50" is not a decimal: a dot may only separate thousands (groups of three digits), e.g. 1.234,56`},
		{"1.23,4", true, `"1.23,4" is not a decimal`},
		{"1234.567,8", true, `"1234.567,8" is not a decimal`},
		{".234,5", true, `".234,5" is not a decimal`},
		{"1..234", true, `"1..234" is not a decimal`},
		{"1.234.", true, `"1.234." is not a decimal`},
	} {
		d, msg := parseGerman(c.in, c.thousands)
		got := msg
		if msg == "" {
			got = d.String()
		}
		if got != c.want {
			t.Errorf("parseGerman(%q, %v) = %s, want %s", c.in, c.thousands, got, c.want)
		}
	}
}

func TestParseInvariant(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"1234.56", "1234.56"},
		{"-3.5", "-3.5"},
		{"9.9000", "9.9"},
		{"0", "0"},
		{"99999999999999999999999.5", "99999999999999999999999.5"},
		{"12,50", `"12,50" is not a decimal in the form 1234.56; for German numbers with a decimal comma use deDec`},
		{"1.234,56", `"1.234,56" is not a decimal in the form 1234.56; for German numbers with a decimal comma use deDec`},
		{"", "empty value is not a decimal"},
		{"12.50 ", `"12.50 " is not a decimal: it has spaces before or after the number (use trim first)`},
		{"abc", `"abc" is not a decimal (expected e.g. 1234.56)`},
		{"1e5", `"1e5" is not a decimal (expected e.g. 1234.56)`},
		{".5", `".5" is not a decimal (expected e.g. 1234.56)`},
		{"NaN", `"NaN" is not a decimal (expected e.g. 1234.56)`},
	} {
		d, msg := parseInvariant(c.in)
		got := msg
		if msg == "" {
			got = d.String()
		}
		if got != c.want {
			t.Errorf("parseInvariant(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestToDec(t *testing.T) {
	for _, c := range []struct {
		in   any
		want string
	}{
		{0.19, "0.19"},
		{1.1, "1.1"},
		{float32(0.5), "0.5"},
		{1e21, "1000000000000000000000"},
		{int8(-3), "-3"},
		{uint64(math.MaxUint64), "18446744073709551615"},
		{uint(7), "7"},
		{decimal.RequireFromString("2.50"), "2.5"},
		{math.NaN(), "NaN is not a number"},
		{math.Inf(1), "+Inf is not a number"},
		{true, "true is not a number"},
		{nil, "the value is missing (nil); use coalesce(x, 0) if a missing value means 0"},
		{[]any{}, "a list of 0 values is not a number"},
		{(*decimal.Decimal)(nil), "a value of type *decimal.Decimal is not a number"},
	} {
		d, msg := toDec(c.in)
		got := msg
		if msg == "" {
			got = d.String()
		}
		if got != c.want {
			t.Errorf("toDec(%#v) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestRounding(t *testing.T) {
	f := newFuncs()
	for _, c := range []struct{ src, want string }{
		{`round(0.005, 2)`, "0.01"},
		{`round(-0.005, 2)`, "-0.01"},
		{`round(0.0049, 2)`, "0"},
		{`round(1234, -2)`, "1200"},
		{`round(1250, -2)`, "1300"},
		{`roundBank(0.125, 2)`, "0.12"},
		{`roundBank(0.135, 2)`, "0.14"},
		{`roundBank(-0.125, 2)`, "-0.12"},
		{`trunc(-0.129, 2)`, "-0.12"},
		{`trunc(5432, -2)`, "5400"},
		{`floor(0.129, 2)`, "0.12"},
		{`floor(-0.121, 2)`, "-0.13"},
		{`floor(-0.12, 2)`, "-0.12"},
		{`ceil(-0.129, 2)`, "-0.12"},
		{`ceil(0.121, 2)`, "0.13"},
		{`ceil(0.12, 2)`, "0.12"},
		{`ceil(1201, -2)`, "1300"},
		{`round(dec("8.3193") * 3, 2)`, "24.96"},
		{`fmtDec(2.005, 2)`, `"2.01"`},
		{`fmtDec(-0.001, 2)`, `"0.00"`},
		{`fmtDec(-1234.5, 0)`, `"-1235"`},
		{`fmtDE(-1234567.891, 2, true)`, `"-1.234.567,89"`},
		{`fmtDE(123, 0, true)`, `"123"`},
		{`fmtDE(123456, 0, true)`, `"123.456"`},
		{`fmtDE(0.5, 2, false)`, `"0,50"`},
		{`fmtDE(1000, 2)`, `"1000,00"`},
	} {
		check(t, f, c.src, nil, c.want)
	}
}

func TestGermanText(t *testing.T) {
	for _, c := range []struct {
		in   string
		th   bool
		want string
	}{
		{"1", true, "1"},
		{"1234", true, "1.234"},
		{"12345.6", true, "12.345,6"},
		{"-123456789.00", true, "-123.456.789,00"},
		{"-123456789.00", false, "-123456789,00"},
	} {
		if got := germanText(c.in, c.th); got != c.want {
			t.Errorf("germanText(%q, %v) = %q, want %q", c.in, c.th, got, c.want)
		}
	}
}

// TestOperators runs every operator over every pair of operand types, with
// the types known at compile time and not.
func TestOperators(t *testing.T) {
	f := newFuncs()
	env := map[string]any{
		"d":  decimal.RequireFromString("2.50"),
		"z":  decimal.Zero,
		"i":  4,
		"i8": int8(3),
		"s":  "2.50",
		"t":  "Köln",
		"b":  true,
		"n":  nil,
		"l":  []any{decimal.RequireFromString("7.00"), 19, "x"},
		"li": []int{7, 19},
		"m":  map[string]any{"a": 1},
	}
	for _, c := range []struct{ src, want string }{
		// decimal with decimal, int and literal, both orders
		{`d + d`, "5"},
		{`d + i`, "6.5"},
		{`i + d`, "6.5"},
		{`d + 1.25`, "3.75"},
		{`1.25 + d`, "3.75"},
		{`d - i`, "-1.5"},
		{`i - d`, "1.5"},
		{`d * i8`, "7.5"},
		{`d * 0.19`, "0.475"},
		{`d / i`, "0.625"},
		{`i / d`, "1.6"},
		{`d / 3`, "0.8333333333333333"},
		{`d % 1`, "0.5"},
		{`i % 3`, "1"},
		{`d ** 2`, "6.25"},
		{`d ** 0`, "1"},
		{`-d`, "-2.5"},
		{`+d`, "2.5"},
		{`-(d * 2)`, "-5"},
		{`d + d * i - 1.5 / 3`, "12"},
		// int with int stays int
		{`i + 1`, "5"},
		{`i * i8`, "12"},
		{`i - 10`, "-6"},
		{`type(i + 1)`, `"int"`},
		{`type(i / 2)`, `"github.com/shopspring/decimal.Decimal"`},
		{`i / 2`, "2"},
		// division by zero
		{`d / z`, "error: division by zero: 2.5 / 0"},
		{`d % z`, "error: division by zero"},
		{`i / 0`, "error: division by zero"},
		{`i % 0`, "error: divide by zero"},
		// powers
		{`d ** 65`, "error: the exponent must be a whole number from 0 to 64"},
		{`d ** -1`, "error: the exponent must be a whole number from 0 to 64"},
		{`d ** 0.5`, "error: the exponent must be a whole number from 0 to 64"},
		// comparisons
		{`d == 2.5`, "true"},
		{`2.5 == d`, "true"},
		{`d == dec("2.500")`, "true"},
		{`d != 2.5`, "false"},
		{`d < i`, "true"},
		{`i < d`, "false"},
		{`d <= 2.5`, "true"},
		{`d > 2.49`, "true"},
		{`d >= 2.51`, "false"},
		{`i == 4.0`, "true"},
		{`i > 3.9`, "true"},
		{`d == n`, "false"},
		{`n == d`, "false"},
		{`d != nil`, "true"},
		{`d in [2.5, 3]`, "true"},
		{`dec("7") in l`, "true"},
		{`19 in l`, "true"},
		{`dec("19.0") in li`, "true"},
		{`i in li`, "false"},
		{`"x" in l`, "true"},
		{`d in l`, "false"},
		// texts are not numbers
		{`d + s`, "error: a text is not a number"},
		{`s + d`, "error: a text is not a number"},
		{`d == s`, "error: a text is not a number"},
		{`d < s`, "error: a text is not a number"},
		{`i * s`, "error: a text is not a number"},
		{`dec(s) + d`, "5"},
		// what expr did before stays
		{`t + " " + t`, `"Köln Köln"`},
		{`t == "Köln"`, "true"},
		{`t != "Bonn"`, "true"},
		{`t < "Lübeck"`, "true"},
		{`t in ["Köln", "Bonn"]`, "true"},
		{`b == true`, "true"},
		{`n == nil`, "true"},
		{`"a" in m`, "true"},
		{`len(t) + 1`, "5"},
	} {
		check(t, f, c.src, env, c.want)
	}
	// Other operand types: with static types expr refuses them at compile
	// time ("mismatched types"); at run time the message names the values.
	for _, c := range []struct{ src, want string }{
		{`d + b`, "cannot add 2.5 and true"},
		{`d < b`, "cannot compare 2.5 with true"},
		{`d + n`, "cannot add 2.5 and no value (nil)"},
		{`-t`, `cannot negate "Köln"`},
		{`t - t`, `cannot subtract "Köln" from "Köln"`},
		{`-n`, "cannot negate no value (nil)"},
		{`i % 0`, "division by zero: 4 % 0"},
	} {
		p, err := compile(f, c.src, nil, untyped)
		if err == nil {
			_, err = runProgram(p, env)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.src, err, c.want)
		}
		if p, err := compile(f, c.src, env, typed); err == nil {
			if _, err := runProgram(p, env); err == nil {
				t.Errorf("%s (typed) did not fail", c.src)
			}
		}
	}
}

// TestOperatorsWithoutEnv: fields that arrive at run time only.
func TestOperatorsDynamic(t *testing.T) {
	for _, c := range []struct {
		x, y any
		op   string
		want string
	}{
		{decimal.RequireFromString("1.5"), 2, "+", "3.5"},
		{2, 3, "+", "5"},
		{2, 3, "/", "0.6666666666666667"},
		{int64(math.MaxInt64), 1, "+", "9223372036854775808"},
		{int64(math.MinInt64), 1, "-", "-9223372036854775809"},
		{int64(math.MinInt64), -1, "*", "9223372036854775808"},
		{int64(math.MaxInt64), 2, "*", "18446744073709551614"},
		{int64(math.MinInt64), -1, "%", "0"},
		{"a", "b", "+", `"ab"`},
		{"a", 1, "+", `error: cannot add "a" and 1 (a text is not a number: convert it with dec() or deDec())`},
		{1.5, "a", "*", `error: cannot multiply 1.5 by "a"`},
		{[]any{1}, []any{2}, "+", "error: cannot add a list of 1 values and a list of 1 values"},
	} {
		v, err := arith(c.op, c.x, c.y)
		if got := outcome(v, err); got != c.want && !(strings.HasPrefix(c.want, "error: ") && strings.Contains(got, strings.TrimPrefix(c.want, "error: "))) {
			t.Errorf("%v %s %v = %s, want %s", c.x, c.op, c.y, got, c.want)
		}
	}
	if v, err := negate(int64(math.MinInt64)); err != nil || render(v) != "9223372036854775808" {
		t.Errorf("negate(MinInt64) = %v, %v", v, err)
	}
}

// TestInsideListFunctions: decimals inside expr's predicates.
func TestInsideListFunctions(t *testing.T) {
	f := newFuncs()
	items := map[string]any{"Items": []any{
		map[string]any{"Sku": "000815", "Qty": 2, "Price": decimal.RequireFromString("9.90")},
		map[string]any{"Sku": "000816", "Qty": 1, "Price": decimal.RequireFromString("4.95")},
		map[string]any{"Sku": "00042", "Qty": 3, "Price": decimal.RequireFromString("8.50")},
	}}
	for _, c := range []struct{ src, want string }{
		{`sum(map(Items, .Price * .Qty))`, "50.25"},
		{`reduce(Items, #acc + .Price * .Qty, 0)`, "50.25"},
		{`count(Items, .Price > 5)`, "2"},
		{`map(filter(Items, .Price >= 8.5), .Sku)`, `["000815", "00042"]`},
		{`all(Items, .Price > 0)`, "true"},
		{`find(Items, .Price == 4.95).Sku`, `"000816"`},
		{`max(map(Items, .Price))`, "9.9"},
	} {
		check(t, f, c.src, items, c.want)
	}
	// Rewritten nodes inside rewritten nodes, typed and untyped.
	e := map[string]any{"d": decimal.RequireFromString("1.5"), "x": 2, "y": decimal.RequireFromString("3"),
		"items": []any{map[string]any{"p": decimal.RequireFromString("2")}, map[string]any{"p": 3}}}
	for _, c := range []struct{ src, want string }{
		{`d + sum(items, .p)`, "6.5"},
		{`d * (x + y)`, "7.5"},
		{`d + map(sortBy(items, .p, "desc"), .p)[0]`, "4.5"},
		{`round(d + sum(items, .p * d), 2) > 8`, "true"},
		{`-(d + -x) * -(1.5)`, "-0.75"},
		{`d == 1.5 ? sum(items, .p) : 0`, "5"},
		{`let z = d * 2; z + x`, "5"},
	} {
		check(t, f, c.src, e, c.want)
	}
}

func TestSortFunction(t *testing.T) {
	f := newFuncs()
	e := map[string]any{
		"items": []any{
			map[string]any{"sku": "a", "p": decimal.RequireFromString("9.90")},
			map[string]any{"sku": "b", "p": 4},
			map[string]any{"sku": "c", "p": decimal.RequireFromString("12")},
			map[string]any{"sku": "d", "p": decimal.RequireFromString("4.00")},
		},
		"ints": []int{3, 1, 2},
	}
	for _, c := range []struct{ src, want string }{
		{`map(sortBy(items, .p), .sku)`, `["b", "d", "a", "c"]`},
		{`map(sortBy(items, .p, "desc"), .sku)`, `["c", "a", "b", "d"]`},
		{`map(sortBy(items, .sku, "desc"), .sku)`, `["d", "c", "b", "a"]`},
		{`sort(ints)`, "[1, 2, 3]"},
		{`sort(ints, "desc")`, "[3, 2, 1]"},
		{`sort(["b", "ä", "a"])`, `["a", "b", "ä"]`},
		{`sort([])`, "[]"},
		{`sort([parseISO("2026-03-13T10:00:00Z"), parseISO("2026-03-13T09:00:00Z")])[0]`, "2026-03-13T09:00:00Z"},
		{`sort([1, "a"])`, `error: sort: cannot sort "a" and 1 together`},
		{`sort(ints, "up")`, `error: the order must be "asc" or "desc"`},
		{`sort(5)`, "error: sort: expected a list, got 5"},
		{`sum(items, .p)`, "29.9"},
		{`sum(items, .sku)`, `error: sum: value 1 of the list: "a" is not a decimal`},
		{`sum(ints)`, "6"},
		{`sum(items, .p) * 2`, "59.8"},
		{`max(dec("3"))`, "3"},
		{`min(4)`, "4"},
	} {
		check(t, f, c.src, e, c.want)
	}
}
