package transform

import (
	"testing"

	"github.com/expr-lang/expr/vm"
	"github.com/shopspring/decimal"
)

// benchExpr compiles src without static types (as records whose fields are
// known at run time only) and runs it b.N times on one VM. Bytes are those
// of the env's text values.
func benchExpr(b *testing.B, src string, env map[string]any, want string) {
	b.Helper()
	p, err := compile(newFuncs(), src, nil, untyped)
	if err != nil {
		b.Fatal(err)
	}
	var machine vm.VM
	v, err := machine.Run(p, env)
	if err != nil || render(v) != want {
		b.Fatalf("%s = %v, %v; want %s", src, v, err, want)
	}
	n := 0
	for _, v := range env {
		if s, ok := v.(string); ok {
			n += len(s)
		}
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := machine.Run(p, env); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecimalArithmetic: an order line, price × quantity rounded to
// cents.
func BenchmarkDecimalArithmetic(b *testing.B) {
	env := map[string]any{"price": "8.3193", "qty": decimal.NewFromInt(3)}
	benchExpr(b, `round(dec(price) * qty, 2)`, env, "24.96")
}

func BenchmarkDeDec(b *testing.B) {
	env := map[string]any{"VK1": "1234,5678"}
	benchExpr(b, `deDec(VK1)`, env, "1234.5678")
}

func BenchmarkParseDate(b *testing.B) {
	env := map[string]any{"d": "14.02.2026 09:12"}
	benchExpr(b, `parseDate(d, "TT.MM.JJJJ hh:mm")`, env, "2026-02-14T09:12:00+01:00")
}

func BenchmarkStripHTML(b *testing.B) {
	env := map[string]any{"html": `<p>Handbemalter Steingutbecher; 300&nbsp;ml, "Made in Westerwald", mikrowellengeeignet.</p><ul><li>sp&uuml;lmaschinenfest</li><li>mikrowellengeeignet</li></ul>`}
	benchExpr(b, `stripHTML(html)`, env, `"Handbemalter Steingutbecher; 300 ml, \"Made in Westerwald\", mikrowellengeeignet.\n- spülmaschinenfest\n- mikrowellengeeignet"`)
}

func BenchmarkSplitStreet(b *testing.B) {
	env := map[string]any{"a": "Apenrader Str. 16 / Whg. 3"}
	benchExpr(b, `houseNo(a)`, env, `"16"`)
}

// BenchmarkStringCompare: an untyped == that the patcher routes through
// the operator function, against the same comparison on typed fields.
func BenchmarkStringCompare(b *testing.B) {
	env := map[string]any{"z": "Rechnung"}
	benchExpr(b, `z == "Rechnung"`, env, "true")
}
