package transform

import (
	"fmt"
	"strings"
	"testing"
)

// kundenDoppelt is a customer export with repeated customer numbers, two
// shop customers without one, and a number that differs only by a
// leading zero.
const kundenDoppelt = "Kundennummer;Name;Ort\n" +
	"10000;Größler;Köln\n" +
	"10002;Bäckerei Schäfer;Bremen\n" +
	"10000;Größler;Köln-Ehrenfeld\n" +
	";Weiß;Berlin\n" +
	";Łucja Nowak;Wien\n" +
	"10002;Bäckerei Schäfer;Bremen-Nord\n" +
	"010000;Größler;Köln\n"

func TestDedupe(t *testing.T) {
	cases := []struct {
		name, step string
		want       []string
		dropped    int
	}{
		{"keep first", "{by: [Kundennummer]}", []string{
			"2:1: Kundennummer=10000 Name=Größler Ort=Köln",
			"3:1: Kundennummer=10002 Name=Bäckerei Schäfer Ort=Bremen",
			"5:1: Kundennummer= Name=Weiß Ort=Berlin",
			"6:1: Kundennummer= Name=Łucja Nowak Ort=Wien",
			"8:1: Kundennummer=010000 Name=Größler Ort=Köln",
		}, 2},
		{"keep last", "{by: [Kundennummer], keep: last}", []string{
			"4:1: Kundennummer=10000 Name=Größler Ort=Köln-Ehrenfeld",
			"7:1: Kundennummer=10002 Name=Bäckerei Schäfer Ort=Bremen-Nord",
			"5:1: Kundennummer= Name=Weiß Ort=Berlin",
			"6:1: Kundennummer= Name=Łucja Nowak Ort=Wien",
			"8:1: Kundennummer=010000 Name=Größler Ort=Köln",
		}, 2},
		{"two fields", "{by: [Name, Ort]}", []string{
			"2:1: Kundennummer=10000 Name=Größler Ort=Köln",
			"3:1: Kundennummer=10002 Name=Bäckerei Schäfer Ort=Bremen",
			"4:1: Kundennummer=10000 Name=Größler Ort=Köln-Ehrenfeld",
			"5:1: Kundennummer= Name=Weiß Ort=Berlin",
			"6:1: Kundennummer= Name=Łucja Nowak Ort=Wien",
			"7:1: Kundennummer=10002 Name=Bäckerei Schäfer Ort=Bremen-Nord",
		}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runShape(t, pipelineYAML("format: csv", "  - dedupe: "+c.step+"\n"), "kunden.csv", []byte(kundenDoppelt), RunOptions{})
			if res.err != nil {
				t.Fatal(res.err)
			}
			checkLines(t, res.lines, c.want)
			if res.stats.Dropped != c.dropped || res.stats.In != 7 || res.stats.Rejected != 0 {
				t.Errorf("stats %+v, want %d dropped", res.stats, c.dropped)
			}
		})
	}
}

// TestDedupeNestedKey dedupes Smartstore customers by a nested field; the
// guests without customer number are kept.
func TestDedupeNestedKey(t *testing.T) {
	in := `{"value": [
{"Id": 2187, "Customer": {"CustomerNumber": "10000"}},
{"Id": 2204, "Customer": {"CustomerNumber": null}},
{"Id": 2188, "Customer": {"CustomerNumber": "10000"}},
{"Id": 2205},
{"Id": 2206, "Customer": null}
]}`
	res := runShape(t, pipelineYAML("format: json", "  - dedupe: {by: [Customer.CustomerNumber]}\n  - map: {Id: Id}\n"), "c.json", []byte(in), RunOptions{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	checkLines(t, res.lines, []string{"2:1: Id=2187", "3:1: Id=2204", "6:1: Id=2206"})
	// A record without the field at all is refused, as map refuses it:
	// mostly that is a typo in the pipeline.
	checkLines(t, res.rejected, []string{`c.json:5:1: the input has no field "Customer.CustomerNumber" (it has: Id)`})
	if res.stats.Dropped != 1 {
		t.Errorf("stats %+v", res.stats)
	}
}

func TestDedupeErrors(t *testing.T) {
	cases := []struct{ name, step, want string }{
		{"keep first cap", "{by: [Kundennummer], max_keys: 2}",
			"kunden.csv:8:1: dedupe by Kundennummer remembers more than 2 different keys, its limit; raise max_keys"},
		{"keep last cap", "{by: [Kundennummer], keep: last, max_keys: 3}",
			"kunden.csv:6:1: dedupe by Kundennummer holds more than 3 records (one per key) until the end of the file, its limit; raise max_keys"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runShape(t, pipelineYAML("format: csv", "  - dedupe: "+c.step+"\n"), "kunden.csv", []byte(kundenDoppelt), RunOptions{})
			if res.err == nil || res.err.Error() != c.want {
				t.Errorf("err = %v\nwant  %s", res.err, c.want)
			}
		})
	}
	res := runShape(t, pipelineYAML("format: csv", "  - dedupe: {by: [Kundennr]}\n"), "kunden.csv", []byte(kundenDoppelt), RunOptions{})
	if res.err != nil || len(res.rejected) != 7 || res.rejected[0] != `kunden.csv:2:1: the input has no field "Kundennr" (it has: Kundennummer, Name, Ort)` {
		t.Errorf("err = %v, rejected %q", res.err, res.rejected)
	}
}

func BenchmarkDedupe(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("Kundennummer;Name;Ort\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&sb, "%d;Kunde %d;Köln\n", 10000+i%5000, i)
	}
	benchPipeline(b, pipelineYAML("format: csv", "  - dedupe: {by: [Kundennummer]}\n"), []byte(sb.String()))
}
