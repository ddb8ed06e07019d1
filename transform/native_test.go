package transform

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/formats"
)

// TestNativeSameAsVM evaluates expressions with their native shortcut and
// with the expression VM alone: values and errors must be the same, and
// the shapes the shortcut is meant for must not fall back to the VM.
func TestNativeSameAsVM(t *testing.T) {
	const doc = `[{"Id": 7, "OrderNumber": null, "Aktiv": "1", "S": "text", "B": true,
	  "A": {"b": {"c": "x", "d": 1.50, "n": null, "t": false}, "e": [1, 2], "Company": null, "City": "Köln",
	        "Dup": "first", "Dup": "last"},
	  "item": {"Sku": "000815", "Qty": 2, "Product": {"Name": "Becher"}}}]`
	json, _ := formats.Builtin().Lookup("json")
	rd, err := json.NewReader(strings.NewReader(doc), "t.json", formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := rd.Read()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		src    string
		native bool // the shortcut must give the answer itself
	}{
		{`A.b.c`, true}, {`A.City`, true}, {`item.Product.Name`, true}, {`A.b.n`, true}, {`A.b.t`, true},
		{`A.Company ?? ""`, true}, {`A.City ?? "-"`, true}, {`OrderNumber ?? "none"`, true}, {`S ?? "x"`, true},
		{`A.b.n ?? "leer"`, true}, {`A.Dup`, true},
		{`A.b.d`, false}, {`A.b`, false}, {`A.e`, false}, {`A.nope`, false}, {`A.nope ?? "x"`, false},
		{`S.x`, false}, {`A.b.c.d`, false}, {`Nope.x`, false}, {`item.Qty ?? "0"`, false}, {`Id ?? "0"`, false},
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
		nv, src, ok := p.native(rec)
		if ok && len(p.fields) == 1 && src != rec.Field(p.fields[0]) {
			t.Errorf("%s: the shortcut names %v as its field, want %s (its position is the value's)", tc.src, src, p.fields[0])
		}
		if ok != tc.native {
			t.Errorf("%s: native answered %v, want %v", tc.src, ok, tc.native)
		}
		vm := *p
		vm.native = nil
		x, verr := vm.eval(rec, ev)
		var want formats.Value
		if verr == nil {
			want, verr = fromExpr(x)
		}
		if ok && (verr != nil || !nv.Equal(want) || nv.Kind() != want.Kind()) {
			t.Errorf("%s: native %v (%v), VM %v (%v)", tc.src, nv, nv.Kind(), want, fmt.Sprint(verr))
		}
	}
}
