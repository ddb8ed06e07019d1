package transform

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/formats"
)

// poisonReader is a formats.Recycler over a CSV reader that overwrites
// every record handed back at once: a record still in use anywhere in the
// pipeline would then show the poison in the output.
type poisonReader struct {
	formats.Reader
	recycled int
}

func (p *poisonReader) Recycle(recs []*formats.Record) {
	for _, r := range recs {
		for i := range r.Fields {
			r.Fields[i].Name = "POISON"
			r.Fields[i].Value = formats.String("POISON")
		}
		r.Fields = append(r.Fields, formats.Field{Name: "POISON"})
	}
	p.recycled += len(recs)
	if rc, ok := p.Reader.(formats.Recycler); ok {
		rc.Recycle(recs)
	}
}

// plainReader hides the Recycler of the reader it wraps.
type plainReader struct{ formats.Reader }

// TestRecycleOwnership runs pipelines on 1,000 records once with a reader
// that poisons recycled records and once with a reader that cannot
// recycle: the outputs must be the same, and records are recycled only
// when the first step copies its input (map, set, drop).
func TestRecycleOwnership(t *testing.T) {
	var in strings.Builder
	in.WriteString("Nr;Gruppe;Preis\n")
	for i := range 1000 {
		fmt.Fprintf(&in, "%05d;G%d;%d,50\n", i, i%7, 1000-i)
	}
	out := `
outputs:
  - outbox: out
    name: x.csv
    format: csv
    options: {delimiter: ";"}
`
	head := "name: p\ninput: {inbox: in, format: csv, options: {delimiter: \";\"}}\n"
	cases := []struct {
		name, steps string
		recycles    bool
	}{
		{"map then sort keeps map's records", `
steps:
  - map: {Sku: Nr, Gruppe: Gruppe, Price: 'replace(Preis, ",", ".")'}
  - sort: {by: [Gruppe, -Sku]}
`, true},
		{"map then group", `
steps:
  - map: {Sku: Nr, Gruppe: Gruppe}
  - group: {by: [Gruppe], into: Artikel, mode: keyed}
  - map: {Gruppe: Gruppe, Anzahl: len(Artikel)}
`, true},
		{"set then dedupe", `
steps:
  - set: {Gruppe: 'Gruppe + "!"'}
  - dedupe: {by: [Gruppe]}
`, true},
		{"drop then sort", `
steps:
  - drop: [Preis]
  - sort: {by: [Gruppe]}
`, true},
		{"filter passes the record itself on", `
steps:
  - filter: Gruppe != "G3"
  - sort: {by: [Gruppe]}
`, false},
		{"no steps: the records go to the output", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := mustCompile(t, map[string]string{"p.yaml": head + c.steps + out})
			run := func(recycling bool) (string, int) {
				csv, _ := formats.Builtin().Lookup("csv")
				rd, err := formats.NewTextReader(csv, strings.NewReader(in.String()), "in.csv", "utf-8", p.Config.Input.FormatOpts)
				if err != nil {
					t.Fatal(err)
				}
				pr := &poisonReader{Reader: rd}
				var r formats.Reader = plainReader{rd}
				if recycling {
					r = pr
				}
				sink := &memSink{}
				if _, err := p.Run(context.Background(), r, Source{Path: "in.csv"}, sink, RunOptions{}); err != nil {
					t.Fatal(err)
				}
				var b bytes.Buffer
				for _, n := range sink.names() {
					b.WriteString(n + "\n" + sink.files[n].String())
				}
				return b.String(), pr.recycled
			}
			want, _ := run(false)
			got, recycled := run(true)
			if got != want {
				t.Errorf("output with recycling differs:\n%.400s\nwant\n%.400s", got, want)
			}
			if strings.Contains(got, "POISON") {
				t.Errorf("a recycled record reached the output")
			}
			if c.recycles && recycled == 0 {
				t.Errorf("no record was recycled")
			}
			if !c.recycles && recycled != 0 {
				t.Errorf("%d records recycled, want none", recycled)
			}
		})
	}
}

// TestRecycleNotAfterError: a record whose first step failed goes to
// RunOptions.Rejected and is never recycled.
func TestRecycleNotAfterError(t *testing.T) {
	var in strings.Builder
	in.WriteString("Nr;Preis\n")
	for i := range 6000 {
		p := fmt.Sprintf("%d,5", i)
		if i%3 == 0 {
			p = "kaputt"
		}
		fmt.Fprintf(&in, "%d;%s\n", i, p)
	}
	p := mustCompile(t, map[string]string{"p.yaml": `name: p
input: {inbox: in, format: csv, options: {delimiter: ";"}}
on_error: reject
steps:
  - map: {Nr: Nr, Preis: 'fmtDec(deDec(Preis), 2)'}
outputs:
  - {outbox: out, name: x.csv, format: csv}
`})
	csv, _ := formats.Builtin().Lookup("csv")
	rd, err := formats.NewTextReader(csv, strings.NewReader(in.String()), "in.csv", "utf-8", p.Config.Input.FormatOpts)
	if err != nil {
		t.Fatal(err)
	}
	pr := &poisonReader{Reader: rd}
	var rejected []*formats.Record
	st, err := p.Run(context.Background(), pr, Source{Path: "in.csv"}, &memSink{}, RunOptions{
		Rejected: func(rec *formats.Record, _ error) { rejected = append(rejected, rec) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Rejected != 2000 || len(rejected) != 2000 {
		t.Fatalf("rejected %d (%d records), want 2000", st.Rejected, len(rejected))
	}
	if pr.recycled == 0 {
		t.Error("no good record was recycled")
	}
	for _, r := range rejected {
		if r.Text("Preis") != "kaputt" || r.Index("POISON") >= 0 {
			t.Fatalf("a rejected record was recycled: %v", r.Fields)
		}
	}
}

// TestRecycleOutputs: the records of a last map step (the pipeline's, or
// the single output's own last step) are reused once written; every output still gets exactly its own values, and records
// handed to a preview (RunOptions.Output, which keeps them) are never
// reused.
func TestRecycleOutputs(t *testing.T) {
	var in, want strings.Builder
	in.WriteString("Nr;Preis\n")
	want.WriteString("Sku;Price\r\n")
	for i := range 5000 {
		fmt.Fprintf(&in, "%d;%d,5\n", i, i)
		fmt.Fprintf(&want, "%d;%d.5\r\n", i, i)
	}
	head := "name: p\ninput: {inbox: in, format: csv, options: {delimiter: \";\"}}\nsteps:\n  - map: {Sku: Nr, Price: 'replace(Preis, \",\", \".\")'}\noutputs:\n"
	one := "  - {outbox: out, name: x.csv, format: csv, options: {delimiter: \";\"}}\n"
	two := one + "  - {outbox: out2, name: y.csv, format: csv, options: {delimiter: \";\"}}\n"
	// an output with steps of its own: the pipeline's map's records are
	// not reused (output steps may hold records back or emit them twice),
	// the output's last map's records are
	withSteps := "  - outbox: out\n    name: x.csv\n    format: csv\n    options: {delimiter: \";\"}\n    steps:\n      - sort: {by: [Sku], numeric: [Sku]}\n      - map: {Sku: Sku, Price: Price}\n"
	// the output's map followed by steps that pass records on: its
	// records are reused, lengths' copies of cut ones too
	mapThenChecks := "  - outbox: out\n    name: x.csv\n    format: csv\n    options: {delimiter: \";\"}\n    steps:\n" +
		"      - map: {Sku: Sku, Price: 'Price + \"999\"'}\n      - lengths: {target: T, truncate: true, max: {Price: 5}}\n" +
		"      - filter: Sku != \"\"\n      - validate: {rules: [{check: 'Price != \"\"', field: Price, message: leer}]}\n"
	var cutB strings.Builder
	cutB.WriteString("Sku;Price\r\n")
	for i := range 5000 {
		fmt.Fprintf(&cutB, "%d;%.5s\r\n", i, fmt.Sprintf("%d.5999", i))
	}
	cut := cutB.String()
	for _, c := range []struct {
		name, outputs string
		files         []string
		want          string
	}{{"one output", one, []string{"out/x.csv"}, ""}, {"two outputs", two, []string{"out/x.csv", "out2/y.csv"}, ""},
		{"output with steps", withSteps, []string{"out/x.csv"}, ""}, {"output map, then checks", mapThenChecks, []string{"out/x.csv"}, cut}} {
		t.Run(c.name, func(t *testing.T) {
			sink, _, err := runPipeline(t, head+c.outputs, "in.csv", []byte(in.String()), RunOptions{})
			if err != nil {
				t.Fatal(err)
			}
			w := want.String()
			if c.want != "" {
				w = c.want
			}
			for _, f := range c.files {
				if got := sink.files[f].String(); got != w {
					t.Errorf("%s differs from the expected output (%d bytes, want %d)", f, len(got), len(w))
				}
			}
		})
	}
	t.Run("preview keeps its records", func(t *testing.T) {
		var kept []*formats.Record
		_, _, err := runPipeline(t, head+one, "in.csv", []byte(in.String()), RunOptions{
			Output: func(_ int, _ string, rec *formats.Record) error { kept = append(kept, rec); return nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(kept) != 5000 {
			t.Fatalf("%d records previewed, want 5000", len(kept))
		}
		for i, r := range kept {
			if r.Text("Sku") != fmt.Sprint(i) || r.Text("Price") != fmt.Sprintf("%d.5", i) {
				t.Fatalf("previewed record %d changed after the fact: %v", i, r.Fields)
			}
		}
	})
}
