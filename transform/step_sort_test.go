package transform

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// artikelPreise is an article list with German prices.
const artikelPreise = "Artikelnummer;Warengruppe;VK1\n" +
	"000815;Küche & Tisch;8,3193\n" +
	"00042;Lebensmittel;8,5000\n" +
	"004711;Küche & Tisch;33,5714\n" +
	"000816;Küche & Tisch;4,1597\n" +
	"4711/D;Ersatzteile;6,6807\n" +
	"SET-0001;Geschenke;29,9000\n" +
	"VERSAND;;4,1176\n" +
	"000818;Küche & Tisch;8,3193\n"

func TestSortStep(t *testing.T) {
	cases := []struct {
		name, step string
		want       []string
	}{
		{"group up, price down", "{by: [Warengruppe, -VK1], numeric: [VK1]}", []string{
			"8:1: Artikelnummer=VERSAND Warengruppe= VK1=4,1176",
			"6:1: Artikelnummer=4711/D Warengruppe=Ersatzteile VK1=6,6807",
			"7:1: Artikelnummer=SET-0001 Warengruppe=Geschenke VK1=29,9000",
			"4:1: Artikelnummer=004711 Warengruppe=Küche & Tisch VK1=33,5714",
			"2:1: Artikelnummer=000815 Warengruppe=Küche & Tisch VK1=8,3193", // equal prices keep their order
			"9:1: Artikelnummer=000818 Warengruppe=Küche & Tisch VK1=8,3193",
			"5:1: Artikelnummer=000816 Warengruppe=Küche & Tisch VK1=4,1597",
			"3:1: Artikelnummer=00042 Warengruppe=Lebensmittel VK1=8,5000",
		}},
		{"text is not a number", "{by: [Artikelnummer]}", []string{
			"3:1: Artikelnummer=00042 Warengruppe=Lebensmittel VK1=8,5000",
			"2:1: Artikelnummer=000815 Warengruppe=Küche & Tisch VK1=8,3193",
			"5:1: Artikelnummer=000816 Warengruppe=Küche & Tisch VK1=4,1597",
			"9:1: Artikelnummer=000818 Warengruppe=Küche & Tisch VK1=8,3193",
			"4:1: Artikelnummer=004711 Warengruppe=Küche & Tisch VK1=33,5714",
			"6:1: Artikelnummer=4711/D Warengruppe=Ersatzteile VK1=6,6807",
			"7:1: Artikelnummer=SET-0001 Warengruppe=Geschenke VK1=29,9000",
			"8:1: Artikelnummer=VERSAND Warengruppe= VK1=4,1176",
		}},
		{"descending text: empty last", "{by: [-Warengruppe, +Artikelnummer]}", []string{
			"3:1: Artikelnummer=00042 Warengruppe=Lebensmittel VK1=8,5000",
			"2:1: Artikelnummer=000815 Warengruppe=Küche & Tisch VK1=8,3193",
			"5:1: Artikelnummer=000816 Warengruppe=Küche & Tisch VK1=4,1597",
			"9:1: Artikelnummer=000818 Warengruppe=Küche & Tisch VK1=8,3193",
			"4:1: Artikelnummer=004711 Warengruppe=Küche & Tisch VK1=33,5714",
			"7:1: Artikelnummer=SET-0001 Warengruppe=Geschenke VK1=29,9000",
			"6:1: Artikelnummer=4711/D Warengruppe=Ersatzteile VK1=6,6807",
			"8:1: Artikelnummer=VERSAND Warengruppe= VK1=4,1176",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runShape(t, pipelineYAML("format: csv", "  - sort: "+c.step+"\n"), "artikel.csv", []byte(artikelPreise), RunOptions{})
			if res.err != nil {
				t.Fatal(res.err)
			}
			checkLines(t, res.lines, c.want)
		})
	}
}

// TestSortUnicode checks code point order: upper case before lower case,
// umlauts after z, no locale.
func TestSortUnicode(t *testing.T) {
	in := "Name;X\nZucker;\napfel;\nÄpfel;\n00042;\n42;\n;\nÉclair;\nzwieback;\n"
	res := runShape(t, pipelineYAML("format: csv", "  - sort: {by: [Name]}\n  - map: {Name: Name}\n"), "a.csv", []byte(in), RunOptions{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	checkLines(t, res.lines, []string{
		"7:1: Name=", "5:1: Name=00042", "6:1: Name=42", "2:1: Name=Zucker", "3:1: Name=apfel",
		"9:1: Name=zwieback", "4:1: Name=Äpfel", "8:1: Name=Éclair",
	})
}

func TestSortNumeric(t *testing.T) {
	in := "Nr;Betrag\n1;1.234,56\n2;999,5\n3;1234.57\n4;-0,5\n5;\n6;0\n7;-0.0\n8;1e3\n9;12,5\n10; 12.50 \n"
	res := runShape(t, pipelineYAML("format: csv", "  - sort: {by: [Betrag], numeric: [Betrag]}\n  - map: {Nr: Nr}\n"), "a.csv", []byte(in), RunOptions{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	checkLines(t, res.lines, []string{
		"6:1: Nr=5", "5:1: Nr=4", "7:1: Nr=6", "8:1: Nr=7", "10:1: Nr=9", "11:1: Nr=10",
		"3:1: Nr=2", "9:1: Nr=8", "2:1: Nr=1", "4:1: Nr=3",
	})
	res = runShape(t, pipelineYAML("format: csv", "  - sort: {by: [-Betrag], numeric: [Betrag]}\n  - map: {Nr: Nr}\n"), "a.csv", []byte(in), RunOptions{})
	checkLines(t, res.lines, []string{
		"4:1: Nr=3", "2:1: Nr=1", "9:1: Nr=8", "3:1: Nr=2", "10:1: Nr=9", "11:1: Nr=10",
		"7:1: Nr=6", "8:1: Nr=7", "5:1: Nr=4", "6:1: Nr=5",
	})
}

// TestSortNestedJSON sorts Smartstore orders by their total, a JSON number.
func TestSortNestedJSON(t *testing.T) {
	res := runShape(t, pipelineYAML("format: json", "  - sort: {by: [-OrderTotal, Customer.LastName], numeric: [OrderTotal]}\n  - map: {Id: Id}\n"),
		"orders.json", readTestdata(t, "orders.json"), RunOptions{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	checkLines(t, res.lines, []string{"210:5: Id=5013", "652:5: Id=5015", "416:5: Id=5014", "4:5: Id=5012", "863:5: Id=5016"})
}

func TestSortErrors(t *testing.T) {
	in := "Artikelnummer;VK1\n000815;8,3193\n00042;8,5x\n004711;33,5714\n000816;1.23,4\n"
	res := runShape(t, pipelineYAML("format: csv", "  - sort: {by: [-VK1], numeric: [VK1]}\n"), "artikel.csv", []byte(in), RunOptions{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	checkLines(t, res.lines, []string{"4:1: Artikelnummer=004711 VK1=33,5714", "2:1: Artikelnummer=000815 VK1=8,3193"})
	checkLines(t, res.rejected, []string{
		`artikel.csv:3:7: field "VK1": "8,5x" is not a number (sort compares VK1 as a number, like 1234,56 or 1234.56)`,
		`artikel.csv:5:8: field "VK1": "1.23,4" is not a number (sort compares VK1 as a number, like 1234,56 or 1234.56)`,
	})

	res = runShape(t, pipelineYAML("format: csv", "  - sort: {by: [VK1], max_records: 2}\n"), "artikel.csv", []byte(in), RunOptions{})
	const want = "artikel.csv:4:1: sort by VK1 holds at most 2 records, and the file has more; raise max_records (the records are held in memory)"
	if res.err == nil || res.err.Error() != want {
		t.Errorf("err = %v\nwant  %s", res.err, want)
	}
}

func TestParseDecKey(t *testing.T) {
	good := map[string]decKey{
		"0":            {},
		"-0,00":        {},
		"000":          {},
		"1234.56":      {ip: "1234", fp: "56"},
		"1234,56":      {ip: "1234", fp: "56"},
		"1.234,56":     {ip: "1234", fp: "56"},
		"1.234.567,8":  {ip: "1234567", fp: "8"},
		"-0,50":        {neg: true, fp: "5"},
		"+7":           {ip: "7"},
		".5":           {fp: "5"},
		",5":           {fp: "5"},
		"5.":           {ip: "5"},
		"0012.3400":    {ip: "12", fp: "34"},
		"1.5e3":        {ip: "1500"},
		"1.5E-3":       {fp: "0015"},
		"-12e+1":       {neg: true, ip: "120"},
		"123.456e-2":   {ip: "1", fp: "23456"},
		"  8,3193 ":    {ip: "8", fp: "3193"},
		"5e0":          {ip: "5"},
		"0.000e5":      {},
		"1.0000000000": {ip: "1"},
	}
	for s, want := range good {
		got, ok := parseDecKey(s)
		if !ok || got != want {
			t.Errorf("parseDecKey(%q) = %+v, %v; want %+v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "-", "+", ".", ",", "1,2,3", "12,5x", "1.23,4", "1234.567,8", ".234,5", "1e", "1e1001", "1,5e3",
		"1 000", "--1", "0x10", "NaN", "Inf", "1_000", "١٢", "1e+-2", "e5", "12.5.1"} {
		if got, ok := parseDecKey(s); ok {
			t.Errorf("parseDecKey(%q) = %+v, want not a number", s, got)
		}
	}
}

// TestDecKeyOrderMatchesDecimal compares the order of decKey with
// shopspring/decimal's exact comparison on random numbers of many scales.
func TestDecKeyOrderMatchesDecimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	num := func() string {
		var b strings.Builder
		if rng.IntN(3) == 0 {
			b.WriteByte('-')
		}
		for range rng.IntN(4) {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		if b.Len() == 0 || b.String() == "-" || rng.IntN(2) == 0 {
			b.WriteByte('.')
			for range rng.IntN(4) + 1 {
				b.WriteByte(byte('0' + rng.IntN(10)))
			}
		}
		if rng.IntN(5) == 0 {
			fmt.Fprintf(&b, "e%d", rng.IntN(9)-4)
		}
		return b.String()
	}
	for range 20000 {
		a, b := num(), num()
		ka, oka := parseDecKey(a)
		kb, okb := parseDecKey(b)
		da, erra := decimal.NewFromString(a)
		db, errb := decimal.NewFromString(b)
		if !oka || !okb || erra != nil || errb != nil {
			t.Fatalf("%q (%v %v) %q (%v %v)", a, oka, erra, b, okb, errb)
		}
		if got, want := ka.compare(kb), da.Cmp(db); got != want {
			t.Fatalf("compare(%q, %q) = %d, decimal says %d", a, b, got, want)
		}
	}
}

func BenchmarkSort(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("Artikelnummer;Warengruppe;VK1\n")
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&sb, "%06d;Gruppe %d;%d,%04d\n", i, rng.IntN(20), rng.IntN(100), rng.IntN(10000))
	}
	benchPipeline(b, pipelineYAML("format: csv", "  - sort: {by: [Warengruppe, -VK1], numeric: [VK1]}\n"), []byte(sb.String()))
}

// FuzzDecKey checks that parseDecKey never panics, that what it reads is
// in canonical form, and that it orders like shopspring/decimal wherever
// both read the text (decimal does not read German commas).
func FuzzDecKey(f *testing.F) {
	for _, s := range []string{"0", "1234.56", "1.234,56", "-0,5", "1.5e3", "1E-3", ".5", "5.", "+7", "0012.3400", "12,5x", "1e1001"} {
		f.Add(s, "8,3193")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ka, oka := parseDecKey(a)
		kb, okb := parseDecKey(b)
		canonical := func(s string, k decKey, ok bool) {
			if ok && (strings.HasPrefix(k.ip, "0") || strings.HasSuffix(k.fp, "0") || (k.neg && k.ip == "" && k.fp == "")) {
				t.Fatalf("%q: not canonical: %+v", s, k)
			}
		}
		canonical(a, ka, oka)
		canonical(b, kb, okb)
		if !oka || !okb || ka.compare(kb) != -kb.compare(ka) {
			if oka && okb {
				t.Fatalf("compare not antisymmetric: %q %q", a, b)
			}
			return
		}
		if strings.ContainsAny(a+b, ", \t\n\v\f\r") {
			return
		}
		da, erra := decimal.NewFromString(a)
		db, errb := decimal.NewFromString(b)
		if erra != nil || errb != nil {
			return
		}
		if got, want := ka.compare(kb), da.Cmp(db); got != want {
			t.Fatalf("compare(%q, %q) = %d, decimal says %d", a, b, got, want)
		}
	})
}
