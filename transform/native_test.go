package transform

import (
	"fmt"
	"testing"

	"github.com/ferry-sync/ferry/formats"
)

// TestNativeSameAsVM evaluates expressions with their native shortcut and
// with the expression VM alone: values and errors must be the same, and
// the shapes the shortcut is meant for must not fall back to the VM.
func TestNativeSameAsVM(t *testing.T) {
	const doc = `[{"Id": 7, "OrderNumber": null, "Aktiv": "1", "S": "text", "B": true,
	  "A": {"b": {"c": "x", "d": 1.50, "n": null, "t": false}, "e": [1, 2], "Company": null, "City": "Köln", "e2": 1e2, "z": -0.0,
	        "Dup": "first", "Dup": "last"},
	  "item": {"Sku": "000815", "Qty": 2, "Product": {"Name": "Becher"}}}]`
	rec := readJSONRecords(t, doc)[0]
	cases := []struct {
		src    string
		native bool // the shortcut must give the answer itself
	}{
		{`A.b.c`, true}, {`A.City`, true}, {`item.Product.Name`, true}, {`A.b.n`, true}, {`A.b.t`, true},
		{`A.Company ?? ""`, true}, {`A.City ?? "-"`, true}, {`OrderNumber ?? "none"`, true}, {`S ?? "x"`, true},
		{`A.b.n ?? "leer"`, true}, {`A.Dup`, true},
		{`A.b.d`, true}, {`A.b`, false}, {`A.e`, false}, {`A.nope`, false}, {`A.nope ?? "x"`, false},
		{`S.x`, false}, {`A.b.c.d`, false}, {`Nope.x`, false}, {`item.Qty ?? "0"`, true}, {`Id ?? "0"`, true}, {`A.e2 ?? "0"`, false}, {`A.z`, false},
		{`fmtDE(A.b.d, 2)`, true}, {`fmtDE(item.Qty, 0)`, true}, {`fmtDE(Id, 4)`, true}, {`fmtDE(A.b.c, 2)`, false},
		{`fmtDE(A.e2, 2)`, false}, {`fmtDE(A.b.n, 2)`, false},
		{`Id == 7 ? "ja" : "nein"`, true}, {`Id != 8 ? A.City : "-"`, true}, {`A.City == "Köln" ? fmtDE(A.b.d, 1) : "x"`, true},
		{`item.Qty == 2 ? "zwei" : "nicht zwei"`, true}, {`Aktiv == 1 ? "a" : "b"`, false},
		{`Id == 8 ? "x" : trim(Nope)`, false},
		{`{Pos: Id, Name: A.City, Zahl: 3, X: nil, B: true, Leer: ""}`, true}, {`[Id, A.City, "x", 2]`, true},
		{`concat([Id], Id == 7 ? [A.City] : [])`, true}, {`concat([Id], Id == 8 ? [A.City] : [])`, true},
		{`{a: Id + 1, b: item.Qty - 1, c: A.b.d + 2}`, true}, {`{a: A.e2 + 1}`, false},
		{`Id == 7 && A.City == "Köln" ? "ja" : "nein"`, true}, {`Id == 8 || A.City != "Köln" ? "ja" : "nein"`, true},
		{`!(Id == 7) ? 1 : 2`, true}, {`Id == item.Qty ? "gleich" : A.City`, true}, {`S == A.City ? 1 : 0`, true},
		{`{a: A.b}`, false}, {`concat([Id], A.City)`, false}, {`Id == 7 ? {x: 1} : {y: Nope}`, false},
		{`Id == S ? 1 : 0`, false}, {`concat([1], [2])`, true},
		{`A ?? item`, true}, {`OrderNumber ?? A`, true}, {`OrderNumber ?? Id`, true}, {`OrderNumber ?? Nope`, false}, {`Nope ?? A`, false},
		{`replace(S, "t", "T")`, true}, {`Aktiv == "1" ? "true" : "false"`, true}, {`B ?? "x"`, true},
	}
	c := newCompiler(testFunctions(), nil)
	ev := newEvaluator(env{})
	for _, tc := range cases {
		p, err := c.compile(tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if p.native == nil {
			t.Errorf("%s: no native shortcut", tc.src)
			continue
		}
		src, ok := checkNativeAsVM(t, p, rec, ev, tc.native)
		if ok && len(p.fields) == 1 && src != rec.Field(p.fields[0]) {
			t.Errorf("%s: the shortcut names %v as its field, want %s (its position is the value's)", tc.src, src, p.fields[0])
		}
	}
}

// checkNativeAsVM runs p's native shortcut and p on the VM alone on rec:
// the shortcut must answer (ok) exactly when native says, and with the
// VM's value. src is the field the shortcut names.
func checkNativeAsVM(t *testing.T, p *program, rec *formats.Record, ev *evaluator, native bool) (src *formats.Field, ok bool) {
	t.Helper()
	nv, src, ok := p.native(rec)
	if ok != native {
		t.Errorf("%s: native answered %v, want %v", p.src, ok, native)
	}
	vm := *p
	vm.native = nil
	x, verr := vm.eval(rec, ev)
	var want formats.Value
	if verr == nil {
		want, verr = fromExpr(x)
	}
	if ok && (verr != nil || !nv.Equal(want) || nv.Kind() != want.Kind()) {
		t.Errorf("%s: native %v (%v), VM %v (%v)", p.src, nv, nv.Kind(), want, verr)
	}
	return src, ok
}

// TestCanonicalNumber: a number the shortcuts pass on unchanged is one the
// VM would give back with the same text; the others go through the VM.
func TestCanonicalNumber(t *testing.T) {
	for _, s := range []string{"0", "7", "-3", "12.3400", "0.05", "-0.5", "1234567890123456789012345", "100", "0.0"} {
		if !canonicalNumber(s) {
			t.Errorf("%s: not canonical", s)
		}
	}
	for _, s := range []string{"", "-", "007", "+1", ".5", "5.", "1e5", "1E5", "-0", "-0.00", "0x10", "1.2.3", " 1", "1,5", "١"} {
		if canonicalNumber(s) {
			t.Errorf("%q: canonical", s)
		}
	}
	for _, s := range []string{"0", "7", "-3", "12.3400", "0.05", "-0.5", "1234567890123456789012345", "100", "0.0",
		"007", "1e5", "-0", "-0.00", ".5", "+1"} {
		v, err := fromExpr(toExpr(formats.Number(s)))
		if err != nil {
			t.Fatal(err)
		}
		if same := v.Text() == s && v.Kind() == formats.KindNumber; same != canonicalNumber(s) {
			t.Errorf("%s: the VM gives back %s (%v), canonicalNumber says %v", s, v.Text(), v.Kind(), canonicalNumber(s))
		}
	}
}

// TestVMRoundTrip: vmRoundTrip gives what the VM gives back for a value
// passed through it, nested records (sorted keys, a repeated key's last
// value) and lists included; fields keep their positions.
func TestVMRoundTrip(t *testing.T) {
	const doc = `[{"A": {"z": 1, "b": {"y": "x", "d": 1.50, "n": null, "t": false, "e": -0.0, "f": 1e2},
	  "l": [1, "a", {"k": 2, "c": 3}, [true]], "Dup": "first", "Dup": "last", "s": "007"}}]`
	rec := readJSONRecords(t, doc)[0]
	v, _ := rec.Get("A")
	got, ok := vmRoundTrip(v)
	want, err := fromExpr(toExpr(v))
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	if !got.Equal(want) {
		t.Errorf("vmRoundTrip %v, VM %v", got, want)
	}
	// the values are the VM's; the positions are the fields' own
	a := rec.Field("A").Value.Record()
	if f := got.Record().Field("z"); f == nil || f.Pos != a.Field("z").Pos || f.Pos.IsZero() {
		t.Errorf("z lost its position: %+v", f)
	}
}

// TestNativeNotForDeclaredTypes: a declared field reaches the VM as its
// type (a decimal is written back as a number), so no shortcut may pass
// its text on.
func TestNativeNotForDeclaredTypes(t *testing.T) {
	c := newCompiler(testFunctions(), map[string]string{"Total": "decimal"})
	for _, src := range []string{`Total ?? "0"`, `Total ?? Total`} {
		p, err := c.compile(src)
		if err != nil {
			t.Fatal(err)
		}
		if p.native != nil {
			t.Errorf("%s: a native shortcut for a declared decimal", src)
		}
	}
}

// lookup("table", Key).Column and vars.name in native shortcuts give what
// the VM gives: the row's text, null for a column the table lacks; a
// missing row, a key that is not text, or a var that is not text go to
// the VM.
func TestNativeLookupAndVars(t *testing.T) {
	rows := map[string]map[string]any{"000815": {"Sku": "000815", "Bezeichnung": "Becher"}}
	fns := &Functions{Lookup: func(table string, keys ...string) (any, bool, error) {
		if table != "artikel" {
			return nil, false, fmt.Errorf("there is no lookup table %q", table)
		}
		r, ok := rows[keys[0]]
		return r, ok, nil
	}}
	c := newCompiler(fns, nil)
	c.vars = map[string]any{"versand": "VERSAND", "zahl": 5}
	rec := formats.NewRecord(3)
	rec.Add("Sku", formats.String("000815"), formats.Pos{})
	rec.Add("Fremd", formats.String("999"), formats.Pos{})
	rec.Add("Nr", formats.Number("815"), formats.Pos{})
	ev := newEvaluator(env{envVars: c.vars})
	for _, tc := range []struct {
		src    string
		native bool
	}{
		{`lookup("artikel", Sku).Bezeichnung`, true}, {`lookup("artikel", Sku).Gewicht`, true},
		{`{Sku: vars.versand, Text: lookup("artikel", Sku).Bezeichnung}`, true},
		{`lookup("artikel", Fremd).Bezeichnung`, false}, {`lookup("artikel", Nr).Bezeichnung`, false},
		{`lookup("nichts", Sku).Bezeichnung`, false}, {`lookup("artikel", vars.versand).Bezeichnung`, false},
		{`vars.versand == "VERSAND" ? lookup("artikel", Sku).Bezeichnung : ""`, true}, {`vars.zahl`, false}, {`vars.fehlt`, false},
	} {
		p, err := c.compile(tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if p.native == nil {
			if tc.native {
				t.Errorf("%s: no native shortcut", tc.src)
			}
			continue
		}
		checkNativeAsVM(t, p, rec, ev, tc.native)
	}
}

// A condition (filter keep:, output when:) that gives something other than
// true or false is reported in the same words whether a native shortcut or
// the VM computed it.
func TestConditionNotBoolSameWords(t *testing.T) {
	c := newCompiler(testFunctions(), nil)
	c.vars = map[string]any{"t": "true"}
	rec := formats.NewRecord(1)
	rec.Add("Id", formats.Number("7"), formats.Pos{})
	ev := newEvaluator(env{envVars: c.vars})
	for _, src := range []string{`vars.t`, `nil`, `1`, `Id + 1`, `{a: 1}`, `[true]`, `Id == 7 ? "ja" : "nein"`} {
		p, err := c.compile(src)
		if err != nil {
			t.Fatal(err)
		}
		if p.native == nil {
			t.Fatalf("%s: no native shortcut", src)
		}
		_, nerr := p.holds(&RunState{ev: ev}, rec)
		vm := *p
		vm.native = nil
		_, verr := vm.holds(&RunState{ev: ev}, rec)
		if nerr == nil || verr == nil || nerr.Error() != verr.Error() {
			t.Errorf("%s:\nnative %v\nVM     %v", src, nerr, verr)
		}
	}
}
