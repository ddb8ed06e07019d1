package transform

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/formats"
)

const lengthsInput = "Artikelnummer;Bezeichnung;Einheit;Hersteller\r\n" +
	"000815;Kaffeebecher „Heimathafen“ Steingut 0,3 l;Stk;Töpferei Brüggemann\r\n" +
	"004711;Edelstahl-Teekanne „Ostfriesentraum“ mit Siebeinsatz 1,2 l, doppelwandig;Stk;Nordkanne\r\n" +
	";Versandkosten Paket Deutschland;Pauschale;\r\n"

func lengthsPipeline(step string) string {
	return "name: x\ninput: {inbox: in, format: csv}\nsteps:\n  - lengths:\n      " + strings.ReplaceAll(step, "\n", "\n      ") +
		"\noutputs:\n  - {outbox: out, name: x.csv, format: csv, options: {line_ending: lf}}\n"
}

func TestLengths(t *testing.T) {
	for _, tc := range []struct {
		name     string
		step     string
		in       string // default lengthsInput
		errs     []string
		warnings []string
		out      string // the output file, when the run succeeds
	}{
		{name: "too long fails the record",
			step: "max: {Bezeichnung: 60, Artikelnummer: 30}",
			errs: []string{`a.csv:3:8: field "Bezeichnung": "Edelstahl-Teekanne „Ostfriesentraum“ mit Siebeinsatz 1,2 l, …" has 72 characters; at most 60 are allowed`}},
		{name: "target named",
			step: "max: {Bezeichnung: 60, Einheit: 3}\ntarget: Sage",
			errs: []string{
				`a.csv:3:8: field "Bezeichnung": "Edelstahl-Teekanne „Ostfriesentraum“ mit Siebeinsatz 1,2 l, …" has 72 characters; Sage allows at most 60`,
				`a.csv:4:34: field "Einheit": "Pauschale" has 9 characters; Sage allows at most 3`,
			}},
		{name: "characters, not bytes",
			// "Töpferei Brüggemann" is 19 characters in 21 bytes.
			step: "max: {Hersteller: 19}",
			out:  strings.ReplaceAll(lengthsInput, "\r\n", "\n")},
		{name: "exactly one too many",
			step: "max: {Hersteller: 18}",
			errs: []string{`a.csv:2:58: field "Hersteller": "Töpferei Brüggemann" has 19 characters; at most 18 are allowed`}},
		{name: "several problems in one record",
			step: "max: {Bezeichnung: 20, Hersteller: 5}\nmin: {Artikelnummer: 1}\ntarget: Sage",
			errs: []string{
				`a.csv:2:8: field "Bezeichnung": "Kaffeebecher „Heimathafen“ Steingut 0,3 l" has 41 characters; Sage allows at most 20; field "Hersteller": "Töpferei Brüggemann" has 19 characters; Sage allows at most 5`,
				`a.csv:3:8: field "Bezeichnung": "Edelstahl-Teekanne „Ostfriesentraum“ mit Siebeinsatz 1,2 l, …" has 72 characters; Sage allows at most 20; field "Hersteller": "Nordkanne" has 9 characters; Sage allows at most 5`,
				`a.csv:4:1: field "Artikelnummer": the value is empty; Sage requires at least 1 character; field "Bezeichnung": "Versandkosten Paket Deutschland" has 31 characters; Sage allows at most 20`,
			}},
		{name: "min",
			step: "min: {Einheit: 4, Artikelnummer: 1}",
			errs: []string{
				`a.csv:2:54: field "Einheit": "Stk" has 3 characters; at least 4 characters are required`,
				`a.csv:3:85: field "Einheit": "Stk" has 3 characters; at least 4 characters are required`,
				`a.csv:4:1: field "Artikelnummer": the value is empty; at least 1 character is required`,
			}},
		{name: "min of a missing field",
			step: "min: {EAN: 8}",
			errs: []string{
				`a.csv:2:1: the field "EAN" is missing; at least 8 characters are required`,
				`a.csv:3:1: the field "EAN" is missing; at least 8 characters are required`,
				`a.csv:4:1: the field "EAN" is missing; at least 8 characters are required`,
			}},
		{name: "truncate cuts with a warning",
			step: "max: {Bezeichnung: 60, Hersteller: 8}\ntruncate: true",
			warnings: []string{
				`a.csv:2:58: field "Hersteller": cut from 19 to 8 characters; removed: " Brüggemann"`,
				`a.csv:3:8: field "Bezeichnung": cut from 72 to 60 characters; removed: "doppelwandig"`,
				`a.csv:3:89: field "Hersteller": cut from 9 to 8 characters; removed: "e"`,
			},
			out: "Artikelnummer;Bezeichnung;Einheit;Hersteller\n" +
				"000815;Kaffeebecher „Heimathafen“ Steingut 0,3 l;Stk;Töpferei\n" +
				"004711;Edelstahl-Teekanne „Ostfriesentraum“ mit Siebeinsatz 1,2 l, ;Stk;Nordkann\n" +
				";Versandkosten Paket Deutschland;Pauschale;\n"},
		{name: "truncate does not excuse min",
			step: "max: {Bezeichnung: 10}\nmin: {Artikelnummer: 1}\ntruncate: true",
			warnings: []string{
				`a.csv:2:8: field "Bezeichnung": cut from 41 to 10 characters; removed: "er „Heimathafen“ Steingut 0,3 l"`,
				`a.csv:3:8: field "Bezeichnung": cut from 72 to 10 characters; removed: "Teekanne „Ostfriesentraum“ mit Siebeinsatz 1,2 l, doppelwand…"`,
			},
			errs: []string{`a.csv:4:1: field "Artikelnummer": the value is empty; at least 1 character is required`}},
		{name: "a field with only a max that is missing is reported once per file",
			step: "max: {Bezeichnung: 80, Bezeichung2: 60, EAN: 13}",
			warnings: []string{
				`a.csv:2:1: steps[0] (lengths): the input has no field "Bezeichung2", so its length is not checked (it has: Artikelnummer, Bezeichnung, Einheit, Hersteller)`,
				`a.csv:2:1: steps[0] (lengths): the input has no field "EAN", so its length is not checked (it has: Artikelnummer, Bezeichnung, Einheit, Hersteller)`,
			},
			out: strings.ReplaceAll(lengthsInput, "\r\n", "\n")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			if in == "" {
				in = lengthsInput
			}
			var warnings []string
			sink, st, err := runPipeline(t, lengthsPipeline(tc.step), "a.csv", []byte(in), RunOptions{Warn: func(msg string) { warnings = append(warnings, msg) }})
			if tc.errs != nil {
				if got := errorLines(t, err); strings.Join(got, "\n") != strings.Join(tc.errs, "\n") {
					t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.errs, "\n"))
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if strings.Join(warnings, "\n") != strings.Join(tc.warnings, "\n") || st.Warnings != len(tc.warnings) {
				t.Errorf("warnings (%d):\n%s\nwant:\n%s", st.Warnings, strings.Join(warnings, "\n"), strings.Join(tc.warnings, "\n"))
			}
			if tc.out != "" {
				if got := sink.files["out/x.csv"]; got == nil || got.String() != tc.out {
					t.Errorf("output:\n%v\nwant:\n%s", got, tc.out)
				}
			}
		})
	}
}

// TestLengthsJSON: numbers and true/false are never cut; nested values are
// not counted; a cut does not change the incoming record.
func TestLengthsJSON(t *testing.T) {
	const in = `[
  {"Sku": "000815", "Name": "Kaffeebecher", "Price": 9.9000, "Tags": ["a", "b"]},
  {"Sku": "004711", "Name": "Edelstahl-Teekanne", "Price": 29.90, "Tags": []}
]`
	const p = `name: x
input: {inbox: in, format: json}
steps:
  - lengths: {max: {Name: 12, Price: 5, Tags: 1}, truncate: true, target: Sage}
outputs:
  - {outbox: out, name: x.jsonl, format: jsonl}
`
	var warnings []string
	_, _, err := runPipeline(t, p, "a.json", []byte(in), RunOptions{Warn: func(msg string) { warnings = append(warnings, msg) }})
	want := `a.json:2:45: field "Price": 9.9000 has 6 characters; Sage allows at most 5 (numbers and true/false are never cut)`
	if got := errorLines(t, err); len(got) != 1 || got[0] != want {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	if strings.Join(warnings, "\n") != `a.json:3:21: field "Name": cut from 18 to 12 characters; removed: "ekanne"` {
		t.Errorf("warnings: %q", warnings)
	}

	// Apply directly: the incoming record keeps its value. (Price and Tags
	// are missing here: two more warnings.)
	pl, err := compileFilesErr(t, map[string]string{"p.yaml": p})
	if err != nil {
		t.Fatal(err)
	}
	r := formats.NewRecord(1)
	r.Add("Name", formats.String("Edelstahl-Teekanne"), formats.Pos{Line: 1})
	var out *formats.Record
	st := &RunState{File: "a.json", ev: newEvaluator(env{}), state: map[int]any{}}
	if err := pl.steps[0].Apply(context.Background(), st, r, func(x *formats.Record) error { out = x; return nil }); err != nil {
		t.Fatal(err)
	}
	if r.Text("Name") != "Edelstahl-Teekanne" || out.Text("Name") != "Edelstahl-Te" || st.Stats.Warnings != 3 {
		t.Errorf("in %q, out %q, warnings %d", r.Text("Name"), out.Text("Name"), st.Stats.Warnings)
	}
}

func TestLengthsConfigErrors(t *testing.T) {
	for _, tc := range []struct{ step, want string }{
		{"- lengths: {truncate: true}", `p.yaml:4:5: steps[0].lengths: give max: {Field: length, …} and/or min: {Field: length, …}`},
		{"- lengths: {max: {Bezeichnung: 60}, min: {Bezeichnung: 61}}", `p.yaml:4:45: steps[0].lengths.min.Bezeichnung: min 61 is more than max 60`},
		{"- lengths: {max: {Bezeichnung: 0}}", `p.yaml:4:21: steps[0].lengths.max.Bezeichnung: minimum: got 0, want 1`},
		{"- lengths: {max: {Bezeichnung: \"60\"}}", `p.yaml:4:21: steps[0].lengths.max.Bezeichnung: got string, want integer`},
		{"- lengths: {max: {Bezeichnung: 60}, cut: true}", `p.yaml:4:39: steps[0].lengths: additional properties 'cut' not allowed`},
	} {
		p := "name: x\ninput: {inbox: in, format: csv}\nsteps:\n  " + tc.step +
			"\noutputs:\n  - {outbox: out, name: x.csv, format: csv}\nfields: {Artikelnummer: string, Bezeichnung: string}\n"
		dir := writeProject(t, map[string]string{"p.yaml": p})
		pc, err := LoadPipeline(filepath.Join(dir, "p.yaml"))
		if err == nil {
			_, err = Compile(pc, nil, testFunctions())
		}
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", tc.step, err, tc.want)
		}
	}
}

func TestCutRunesAtCharacterBoundaries(t *testing.T) {
	for _, tc := range []struct {
		in   string
		max  int
		want string
	}{
		{"Küche & Tisch", 2, "Kü"},
		{"Küche", 5, "Küche"},
		{"Küche", 9, "Küche"},
		{"„Heimathafen“", 1, "„"},
		{"", 3, ""},
	} {
		if got := cutRunes(tc.in, tc.max); got != tc.want {
			t.Errorf("cutRunes(%q, %d) = %q", tc.in, tc.max, got)
		}
	}
}

// benchStep runs the first step of the pipeline in files over the records
// of in (read once); b.N counts passes over the whole file.
func benchStep(b *testing.B, files map[string]string, in []byte, _ int) {
	p := mustCompile(b, files)
	pc := p.Config
	f, _ := formats.Builtin().Lookup(pc.Input.Format)
	rd, err := formats.NewTextReader(f, bytes.NewReader(in), "a", pc.Input.Encoding, pc.Input.FormatOpts)
	if err != nil {
		b.Fatal(err)
	}
	var recs []*formats.Record
	for {
		r, err := rd.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		recs = append(recs, r)
	}
	st := &RunState{File: "a", ev: newEvaluator(env{}), state: map[int]any{}}
	emit := func(*formats.Record) error { return nil }
	step := p.steps[0]
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range recs {
			_ = step.Apply(context.Background(), st, r, emit)
		}
	}
}

func BenchmarkLengths(b *testing.B) {
	in, err := os.ReadFile("testdata/artikel.csv")
	if err != nil {
		b.Fatal(err)
	}
	benchStep(b, map[string]string{
		"p.yaml": "name: x\ninput: {inbox: in, format: csv, encoding: windows-1252}\nsteps:\n" +
			"  - lengths: {max: {Artikelnummer: 30, Bezeichnung: 255, Bezeichnung2: 60, Warengruppe: 30, Einheit: 20, EAN: 40, Hersteller: 60}}\n" +
			"outputs:\n  - {outbox: out, name: x.csv, format: csv}\n",
	}, in, 0)
}
