package transform

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/formats"
)

// outStagePipeline has pipeline steps that warn, fail and give out
// numbers, and an output whose steps warn, explode, fail and write, beside
// an output without steps: everything the output stage must keep in order.
const outStagePipeline = `name: p
input: {inbox: in, format: json}
on_error: ONERROR
tables:
  nummern: {file: lookups/nummern.csv, key: [Kunde]}
steps:
  - validate:
      rules:
        - {check: 'Kunde != "X"', field: Kunde, message: 'Kunde X ist gesperrt (${Id})'}
  - lengths: {max: {Name: 5}, truncate: true}
  - filter: {keep: 'Id % 17 != 0', warn: 'Bestellung ${Id} ohne Versand'}
  - assign: {table: nummern, key: Kunde, into: Nr, range: {from: 100, to: 199}}
outputs:
  - outbox: a
    name: a.csv
    format: csv
    once: Id
    steps:
      - lengths: {max: {Ort: 4}, truncate: true}
      - explode: {field: Pos, index_as: P}
      - validate:
          rules:
            - {check: 'Menge != 0', field: Menge, message: 'Menge 0 in Bestellung ${parent.Id}'}
      - map: {Id: parent.Id, Nr: parent.Nr, Name: parent.Name, Ort: parent.Ort, P: P, Sku: Sku, Menge: Menge}
  - {outbox: b, name: "b-${Id}.jsonl", format: jsonl}
`

// outStageInput builds n orders; every 7th has a quantity 0, every 11th
// the blocked customer X, every 5th a long name, every 3rd a long town.
func outStageInput(n int, truncated bool) string {
	var b strings.Builder
	b.WriteString("[")
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString(",\n")
		}
		kunde := fmt.Sprintf("K%d", i%13)
		if i%11 == 0 {
			kunde = "X"
		}
		name, ort := "Anna", "Köln"
		if i%5 == 0 {
			name = "Annabell"
		}
		if i%3 == 0 {
			ort = "Düsseldorf"
		}
		menge := 1 + i%4
		if i%7 == 0 {
			menge = 0
		}
		fmt.Fprintf(&b, `{"Id": %d, "Kunde": %q, "Name": %q, "Ort": %q, "Pos": [{"Sku": "A%d", "Menge": 2}, {"Sku": "B%d", "Menge": %d}]}`,
			i%40, kunde, name, ort, i, i, menge) // Id repeats: once
	}
	if !truncated {
		b.WriteString("]")
	}
	return b.String()
}

// TestOutputStageSameAsOneGoroutine runs pipelines with and without the
// output stage (outstage.go): the files, warnings, rejected records,
// errors and counts must be the same, in the same order.
func TestOutputStageSameAsOneGoroutine(t *testing.T) {
	type result struct{ files, warnings, rejected, err, stats string }
	run := func(t *testing.T, async bool, onError string, input string, maxErrors int) result {
		files := map[string]string{
			"p.yaml":              strings.Replace(outStagePipeline, "ONERROR", onError, 1),
			"lookups/nummern.csv": "Kunde;Nr\nK1;101\nK2;102\n",
		}
		p := mustCompile(t, files)
		if got := p.asyncOutputs(RunOptions{}); !got {
			t.Fatal("the pipeline does not use the output stage")
		}
		defer func(old bool) { oneGoroutine = old }(oneGoroutine)
		oneGoroutine = !async
		var warnings, rejected []string
		opt := RunOptions{MaxErrors: maxErrors, Warn: func(m string) { warnings = append(warnings, m) }}
		if onError != "fail" {
			opt.Rejected = func(r *formats.Record, err error) {
				rejected = append(rejected, fmt.Sprintf("%v: %v", r.Names(), err))
			}
		}
		sink, st, err := runOn(t, p, "orders.json", input, opt)
		var res result
		for _, n := range sink.names() {
			res.files += "== " + n + "\n" + sink.files[n].String()
		}
		res.warnings = strings.Join(warnings, "\n")
		res.rejected = strings.Join(rejected, "\n")
		res.err = fmt.Sprint(err)
		res.stats = fmt.Sprintf("%+v", st)
		return res
	}
	cases := []struct {
		name, onError string
		input         string
		maxErrors     int
	}{
		{"fail", "fail", outStageInput(300, false), 0},
		{"fail, stopped after 5 errors", "fail", outStageInput(300, false), 5},
		{"reject", "reject", outStageInput(300, false), 0},
		{"reject, broken file", "reject", outStageInput(300, true), 0},
		{"all good", "fail", strings.ReplaceAll(strings.ReplaceAll(outStageInput(200, false), `"Menge": 0`, `"Menge": 1`), `"X"`, `"K1"`), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			one := run(t, false, c.onError, c.input, c.maxErrors)
			two := run(t, true, c.onError, c.input, c.maxErrors)
			if one.err != "<nil>" {
				// a failed run's files are discarded by the caller, and
				// how much the writer got to before the stop is timing
				one.files, two.files = "", ""
			}
			if one != two {
				for _, d := range [][3]string{{"files", one.files, two.files}, {"warnings", one.warnings, two.warnings},
					{"rejected", one.rejected, two.rejected}, {"error", one.err, two.err}, {"stats", one.stats, two.stats}} {
					if d[1] != d[2] {
						t.Errorf("%s differ:\none goroutine:\n%.2000s\noutput stage:\n%.2000s", d[0], d[1], d[2])
					}
				}
			}
			// the test data has what it is for
			if c.name != "all good" && (one.warnings == "" || (one.rejected == "" && one.err == "<nil>")) {
				t.Errorf("no warnings or errors: %+v", one)
			}
			if c.name == "all good" && (one.err != "<nil>" || !strings.Contains(one.files, "lookups/nummern.csv")) {
				t.Errorf("the good file failed: %s", one.err)
			}
		})
	}
}

// A cancelled run with the output stage ends with the context's error and
// leaves no goroutine behind (the stage is waited for).
func TestOutputStageCancel(t *testing.T) {
	p := mustCompile(t, map[string]string{
		"p.yaml":              strings.Replace(outStagePipeline, "ONERROR", "reject", 1),
		"lookups/nummern.csv": "Kunde;Nr\nK1;101\n",
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ic := p.Config.Input
	f, _ := formats.Builtin().Lookup(ic.Format)
	rd, err := formats.NewTextReader(f, strings.NewReader(outStageInput(2000, false)), "o.json", ic.Encoding, ic.FormatOpts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(ctx, rd, Source{Path: "o.json"}, &memSink{}, RunOptions{Rejected: func(*formats.Record, error) {}}); err != context.Canceled {
		t.Errorf("err %v", err)
	}
}
