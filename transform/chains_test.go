package transform

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/ferry-sync/ferry/formats"
)

// TestFastFormSameAsPlain evaluates expressions in their fast form
// (member chains flattened, chains.go) and in their ordinary form on
// records of every shape a chain can meet: values and errors must be the
// same, and the expressions meant for it must have a fast form that
// answers itself (no fallback) on the first record.
func TestFastFormSameAsPlain(t *testing.T) {
	const doc = `[
	{"Id": 7, "S": "text", "Menge": 2,
	 "A": {"b": {"c": "x", "d": 1.50, "n": null, "t": false, "l": [1, 2]}, "Dup": "first", "Dup": "last", "City": "Köln"},
	 "parent": {"Preise_brutto": "0", "Anzahl": 3, "E-Mail": "a@b.de"},
	 "z": {"Netto": 12.3400, "Brutto": 14.68, "Pos": 3, "Sku": "000815", "Artikel": {"EAN": "4000"}}},
	{"Id": 8, "S": "text", "Menge": 1, "A": null, "parent": "text", "z": {"Netto": "abc", "Artikel": null}},
	{"Id": 9, "S": "text", "Menge": 1, "A": {"b": null}, "parent": {"Preise_brutto": "1"}, "z": [1, 2]},
	{"Id": 10, "S": "text", "Menge": 1, "A": {"b": {"c": 5}}, "parent": {}, "z": {"Pos": 1}}
	]`
	recs := readJSONRecords(t, doc)
	if len(recs) != 4 {
		t.Fatalf("read %d records", len(recs))
	}
	cases := []string{
		`A.b.c + "!"`, `A.b.d * 2`, `len(A.b.l)`, `A.Dup + A.City`, `A.b.n ?? "leer"`, `A.nope == nil`,
		`A.b.c.d`, `A.b?.c ?? "-"`, `upper(A.b.c)`,
		`parent.Preise_brutto == "0" ? fmtDE(z.Netto, 4) : fmtDE(z.Brutto, 2)`,
		`parent["E-Mail"] + " " + S`, `z.Pos == parent.Anzahl && z.Netto != 0`,
		`z.Artikel?.EAN ?? ""`, `{Pos: z.Pos, Sku: z.Sku, Menge: Menge}`,
		`parent.Anzahl + Menge`, `len(parent) + z.Pos`, `sum([z.Netto, z.Brutto], #)`,
		`map([1, 2], # + z.Pos)`, `Id + z.Pos`,
	}
	c := newCompiler(testFunctions(), nil)
	ev := newEvaluator(env{envVars: map[string]any{"x": "1"}})
	for _, src := range cases {
		p, err := c.compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if p.fast == nil {
			t.Errorf("%s: no fast form", src)
			continue
		}
		for i, rec := range recs {
			fx, ok, ferr := p.fast.run(rec, ev)
			if i == 0 && !ok && !strings.Contains(src, "A.b.c.d") {
				t.Errorf("%s: the fast form fell back on the first record", src)
			}
			gx, gerr := p.evalPlain(rec, ev)
			got, want := showResult(p.eval(rec, ev)), showResult(gx, gerr)
			if got != want {
				t.Errorf("%s, record %d: eval gives %s, the ordinary form %s", src, i+1, got, want)
			}
			if ok && showResult(fx, ferr) != want {
				t.Errorf("%s, record %d: fast form gives %s, the ordinary form %s", src, i+1, showResult(fx, ferr), want)
			}
		}
	}
	// vars and input: the same in a pipeline that declares field types
	// (its environment is strict; the chains' names are declared too).
	typed := newCompiler(testFunctions(), map[string]string{"T": "decimal", "S": "string"})
	base := env{envVars: map[string]any{"n": decimal.RequireFromString("1.5"), "s": "x", "m": map[string]any{"k": "v"}},
		envInput: map[string]any{"stem": "orders"}}
	tev := newEvaluator(base)
	trec := formats.NewRecord(2)
	trec.Add("T", formats.String("2.25"), formats.Pos{})
	trec.Add("S", formats.String("s"), formats.Pos{})
	for _, src := range []string{`T * vars.n`, `vars.n > T`, `S + vars.s + input.stem`, `vars.m.k + S`, `vars.m.nope == nil`,
		`vars.s.x`, `vars.nope.x`, `T + vars.s`} {
		p, err := typed.compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if p.fast == nil {
			t.Errorf("%s: no fast form", src)
			continue
		}
		fx, ok, ferr := p.fast.run(trec, tev)
		gx, gerr := p.evalPlain(trec, tev)
		if want := showResult(gx, gerr); ok && showResult(fx, ferr) != want {
			t.Errorf("%s: fast form gives %s, the ordinary form %s", src, showResult(fx, ferr), want)
		}
		if !ok && !strings.Contains(src, ".x") {
			t.Errorf("%s: the fast form fell back", src)
		}
	}
	// Not flattened: roots that are no record field, optional or
	// computed steps, a typed field.
	for _, src := range []string{`A?.b ?? 1`, `A[S]`, `T.String()`, `$env["A"].b`, `let p = parent; p.Preise_brutto`,
		`let vars = {"x": "L"}; vars.x`, `let input = {"stem": "L"}; input.stem`, `map([{"a": 1}], let vars = #; vars.a)`,
		`"parent" in $env && parent.Ort == "K"`, `len($env) > 0 && A.b.c == "x"`, `lookupOr("t", nil, S).x`} {
		cc := c
		if strings.HasPrefix(src, "T") {
			cc = typed
		}
		p, err := cc.compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if p.fast != nil {
			t.Errorf("%s: has a fast form (chains %v)", src, p.fast.chains)
		}
	}
}

// readJSONRecords reads the records of a JSON document.
func readJSONRecords(t *testing.T, doc string) []*formats.Record {
	t.Helper()
	json, _ := formats.Builtin().Lookup("json")
	rd, err := json.NewReader(strings.NewReader(doc), "t.json", formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var recs []*formats.Record
	for {
		r, err := rd.Read()
		if err == io.EOF {
			return recs
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
}

// showResult renders an expression result for comparing (fmt prints
// maps in key order).
func showResult(x any, err error) string {
	if err != nil {
		return "error: " + exprMessage(err)
	}
	if v, ok := x.(formats.Value); ok { // a native shortcut's answer
		x = toExpr(v)
	}
	return fmt.Sprintf("%T %v", x, x)
}

// $env as a whole reads every name (the record's fields and the base):
// such an expression gets all of them, not only the names it spells out.
func TestEnvAsAWholeIsDynamic(t *testing.T) {
	c := newCompiler(testFunctions(), nil)
	for src, dynamic := range map[string]bool{
		`"parent" in $env && parent.Ort == "K"`: true, `keys($env)`: true, `$env[S]`: true,
		`$env.parent.Ort`: false, `$env["E-Mail"] + S`: false, `parent.Ort`: false,
	} {
		p, err := c.compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if p.allEnv != dynamic {
			t.Errorf("%s: allEnv %v, want %v", src, p.allEnv, dynamic)
		}
	}
	rec := formats.NewRecord(2)
	rec.Add("parent", formats.Nested(formats.NewRecord(0)), formats.Pos{})
	rec.Add("S", formats.String("x"), formats.Pos{})
	p, _ := c.compile(`"parent" in $env && "S" in $env`)
	x, err := p.eval(rec, newEvaluator(env{}))
	if err != nil || x != true {
		t.Errorf(`"parent" in $env: %v %v`, x, err)
	}
}
