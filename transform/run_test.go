package transform

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/formats"
)

// memSink keeps written files in memory: outbox base name + "/" + rel.
type memSink struct{ files map[string]*bytes.Buffer }

func (m *memSink) Create(outbox, rel string) (io.Writer, error) {
	if m.files == nil {
		m.files = map[string]*bytes.Buffer{}
	}
	b := &bytes.Buffer{}
	m.files[path.Join(filepath.Base(outbox), rel)] = b
	return b, nil
}

func (m *memSink) names() []string {
	var ns []string
	for n := range m.files {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// runPipeline loads one pipeline from YAML and runs it on input.
func runPipeline(t *testing.T, yaml, source string, input []byte, opt RunOptions) (*memSink, Stats, error) {
	t.Helper()
	p := mustCompile(t, map[string]string{"p.yaml": yaml})
	pc := p.Config
	f, _ := formats.Builtin().Lookup(pc.Input.Format)
	rd, err := formats.NewTextReader(f, bytes.NewReader(input), source, pc.Input.Encoding, pc.Input.FormatOpts)
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	st, err := p.Run(context.Background(), rd, Source{Path: source}, sink, opt)
	return sink, st, err
}

func testFunctions() *Functions { return &Functions{} }

// mustCompile writes files (one of them p.yaml) into a temp folder, then
// loads and compiles p.yaml, failing the test on any error.
func mustCompile(tb testing.TB, files map[string]string) *Pipeline {
	tb.Helper()
	dir := tb.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	pc, err := LoadPipeline(filepath.Join(dir, "p.yaml"))
	if err != nil {
		tb.Fatalf("load: %v", err)
	}
	p, err := Compile(pc, nil, testFunctions())
	if err != nil {
		tb.Fatalf("compile: %v", err)
	}
	return p
}

const artikelPipeline = `name: artikel
input:
  inbox: in
  format: csv
  encoding: windows-1252
steps:
  - filter: Artikeltyp != "VARIANTE"
  - map:
      Sku: Artikelnummer
      Name: Bezeichnung
      "Name[en]": '""'
      Published: 'Shop_aktiv == "1" ? "true" : "false"'
      Gruppe: upper(Warengruppe)
  - set:
      Published: 'Published == "true"'
  - drop: [Gruppe]
outputs:
  - outbox: out/products
    name: "${input.stem}-products.csv"
    format: csv
    encoding: utf-8-bom
  - outbox: out/json
    name: "${Sku}.json"
    format: json
    when: Sku in ["000815", "00042"]
`

func TestRunMapFilterSetDrop(t *testing.T) {
	in, err := os.ReadFile("testdata/artikel.csv")
	if err != nil {
		t.Fatal(err)
	}
	sink, st, err := runPipeline(t, artikelPipeline, "artikel.csv", in, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	csv := sink.files["products/artikel-products.csv"]
	if csv == nil {
		t.Fatalf("files: %v", sink.names())
	}
	got := csv.String()
	if !strings.HasPrefix(got, "\ufeffSku;Name;Name[en];Published\r\n000815;Kaffeebecher „Heimathafen“ Steingut 0,3 l;;true\r\n") {
		t.Errorf("csv:\n%s", got)
	}
	if strings.Contains(got, "VARIANTE") || strings.Contains(got, "Gruppe") {
		t.Errorf("filter or drop did not apply:\n%s", got)
	}
	if st.In != 14 {
		t.Errorf("stats %+v", st)
	}
	if got := strings.Join(sink.names(), " "); got != "json/00042.json json/000815.json products/artikel-products.csv" {
		t.Errorf("files: %s", got)
	}
	if got := sink.files["json/00042.json"].String(); !strings.Contains(got, `"Published": true`) {
		t.Errorf("json/00042.json:\n%s", got)
	}
}

func TestRunErrorsNameFileLineField(t *testing.T) {
	const p = `name: x
input: {inbox: in, format: csv}
steps:
  - map:
      Sku: Artikelnummer
      Preis: 'VK1 + 1'
outputs:
  - {outbox: out, name: x.csv, format: csv}
`
	in := []byte("Artikelnummer;VK1\n000815;8\n000816;x\n")
	_, _, err := runPipeline(t, p, "a.csv", in, RunOptions{})
	if err == nil {
		t.Fatal("no error")
	}
	// Adding a number to text is an expression error, reported per record.
	if !strings.Contains(err.Error(), `a.csv:2:8: field "VK1": `) || !strings.Contains(err.Error(), `a.csv:3:8: field "VK1": `) {
		t.Errorf("err = %v", err)
	}

	const typo = `name: x
input: {inbox: in, format: csv}
steps:
  - map: {Sku: Artikelnumer}
outputs:
  - {outbox: out, name: x.csv, format: csv}
`
	_, _, err = runPipeline(t, typo, "a.csv", in, RunOptions{MaxErrors: 1})
	if err == nil || !strings.Contains(err.Error(), `a.csv:2:1: the input has no field "Artikelnumer" (it has: Artikelnummer, VK1)`) {
		t.Errorf("err = %v", err)
	}
}

func TestRunRejectAndSkip(t *testing.T) {
	const p = `name: x
input: {inbox: in, format: csv}
on_error: reject
steps:
  - map: {Sku: Artikelnummer, N: 'int(Menge) * 2'}
outputs:
  - {outbox: out, name: x.jsonl, format: jsonl}
`
	in := []byte("Artikelnummer;Menge\n000815;2\n000816;zwei\n00042;3\n")
	var rejected []string
	sink, st, err := runPipeline(t, p, "a.csv", in, RunOptions{Rejected: func(r *formats.Record, err error) {
		rejected = append(rejected, r.Text("Artikelnummer")+": "+err.Error())
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := sink.files["out/x.jsonl"].String(); got != "{\"Sku\":\"000815\",\"N\":4}\n{\"Sku\":\"00042\",\"N\":6}\n" {
		t.Errorf("output %q", got)
	}
	if st.Rejected != 1 || len(rejected) != 1 || !strings.HasPrefix(rejected[0], `000816: a.csv:3:8: field "Menge": `) {
		t.Errorf("rejected %v, stats %+v", rejected, st)
	}
}

func TestRunNoRecords(t *testing.T) {
	const p = `name: x
input: {inbox: in, format: csv}
outputs:
  - {outbox: out, name: x.csv, format: csv}
`
	sink, _, err := runPipeline(t, p, "only-header.csv", []byte("a;b\r\n"), RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "only-header.csv: no records in the file") {
		t.Errorf("err = %v", err)
	}
	if len(sink.files) != 0 {
		t.Errorf("files written: %v", sink.names())
	}
}

func TestTemplateSafety(t *testing.T) {
	c := newCompiler(testFunctions(), nil)
	for _, bad := range []string{"../x.csv", "/etc/x", "a/${Sku", "CON", `C:\x.csv`} {
		if _, err := compileTemplate(bad, c); err == nil {
			t.Errorf("template %q accepted", bad)
		}
	}
	tpl, err := compileTemplate("auftrag-${Nr}/${input.stem}.xml", c)
	if err != nil {
		t.Fatal(err)
	}
	base := newEvaluator(env{envInput: fileEnv{Name: "o.json", Stem: "o"}.value()})
	for nr, want := range map[string]string{
		"5012":      "auftrag-5012/o.xml",
		"../../etc": "auftrag-.._.._etc/o.xml",
		"CON":       "auftrag-_CON/o.xml",
		`a\b:c`:     "auftrag-a_b_c/o.xml",
		"x\x00y":    "auftrag-x_y/o.xml",
	} {
		r := formats.NewRecord(1)
		r.Add("Nr", formats.String(nr), formats.Pos{})
		got, err := tpl.fileName(r, base)
		if err != nil || got != want {
			t.Errorf("Nr=%q: %q, %v; want %q", nr, got, err, want)
		}
	}
	whole, _ := compileTemplate("${Nr}", c)
	r := formats.NewRecord(1)
	r.Add("Nr", formats.String("nul"), formats.Pos{})
	if got, err := whole.fileName(r, base); err != nil || got != "_nul" {
		t.Errorf("reserved name: %q, %v", got, err)
	}
	r.Fields[0].Value = formats.String("")
	if _, err := whole.fileName(r, base); err == nil {
		t.Error("an empty file name was accepted")
	}
}

// TestDeclaredFieldTypes: declared fields are type-checked at load and
// converted before expressions run.
func TestDeclaredFieldTypes(t *testing.T) {
	const p = `name: x
input: {inbox: in, format: json}
fields: {OrderTotal: decimal, Name: string, Paid: bool}
steps:
  - map:
      Total: fmtDec(OrderTotal * 1.19, 2)
      Kunde: upper(Name)
      Status: 'Paid ? "bezahlt" : "offen"'
outputs:
  - {outbox: out, name: x.jsonl, format: jsonl}
`
	in := []byte(`[{"OrderTotal": 44.7000, "Name": "Müller", "Paid": true}, {"OrderTotal": "10", "Name": "Weiß", "Paid": "false"}]`)
	sink, _, err := runPipeline(t, p, "o.json", in, RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := "{\"Total\":\"53.19\",\"Kunde\":\"MÜLLER\",\"Status\":\"bezahlt\"}\n{\"Total\":\"11.90\",\"Kunde\":\"WEIß\",\"Status\":\"offen\"}\n"
	if got := sink.files["out/x.jsonl"].String(); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}

	bad := []byte(`[{"OrderTotal": "44,70", "Name": "x", "Paid": true}]`)
	_, _, err = runPipeline(t, p, "o.json", bad, RunOptions{})
	if err == nil || !strings.Contains(err.Error(), `o.json:1:3: field "OrderTotal": "44,70" is not a decimal, as the pipeline declares for this field`) {
		t.Errorf("err = %v", err)
	}

	dir := writeProject(t, map[string]string{"p.yaml": strings.Replace(p, "upper(Name)", "Name * 2", 1)})
	pc, err := LoadPipeline(filepath.Join(dir, "p.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(pc, nil, testFunctions()); err == nil || !strings.Contains(err.Error(), "p.yaml:7:14: steps[0].map.Kunde:") {
		t.Errorf("a text field multiplied compiled: %v", err)
	}
}

// TestOutputCharsetErrors: a character the output encoding cannot hold is
// an error of that record (written on the writer goroutine, handled under
// on_error like any other).
func TestOutputCharsetErrors(t *testing.T) {
	const p = `name: x
input: {inbox: in, format: csv}
on_error: ON
outputs:
  - {outbox: out, name: x.csv, format: csv, encoding: windows-1252, options: {line_ending: lf}}
`
	var in strings.Builder
	in.WriteString("Kundennummer;Ort\n")
	for i := 0; i < 300; i++ {
		ort := "Köln"
		if i == 200 {
			ort = "Łódź"
		}
		in.WriteString(fmt.Sprintf("1%04d;%s\n", i, ort))
	}
	_, _, err := runPipeline(t, strings.Replace(p, "ON", "fail", 1), "k.csv", []byte(in.String()), RunOptions{})
	if err == nil || !strings.Contains(err.Error(), `k.csv:202:7: field "Ort": "Łódź" contains "Ł"`) {
		t.Errorf("fail: %v", err)
	}
	var rejected []string
	sink, st, err := runPipeline(t, strings.Replace(p, "ON", "reject", 1), "k.csv", []byte(in.String()), RunOptions{
		Rejected: func(r *formats.Record, err error) { rejected = append(rejected, r.Text("Kundennummer")) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Out != 299 || st.Rejected != 1 || strings.Join(rejected, ",") != "10200" {
		t.Errorf("stats %+v, rejected %v", st, rejected)
	}
	if got := strings.Count(sink.files["out/x.csv"].String(), "\n"); got != 300 {
		t.Errorf("%d lines written, want header + 299", got)
	}
}

// A filter that names a text field instead of a condition says what it got.
func TestFilterOnTextField(t *testing.T) {
	const p = `name: x
input: {inbox: in, format: csv}
steps:
  - filter: Aktiv
outputs:
  - {outbox: out, name: x.csv, format: csv}
`
	_, _, err := runPipeline(t, p, "a.csv", []byte("Aktiv\nja\n"), RunOptions{})
	if err == nil || !strings.Contains(err.Error(), `the condition gave the string "ja", not true or false`) {
		t.Errorf("err = %v", err)
	}
}

// A "}" inside a quoted string does not end a ${…} part of a file name.
func TestTemplateQuotedBrace(t *testing.T) {
	c := newCompiler(testFunctions(), nil)
	tpl, err := compileTemplate(`auftrag-${Nr + "}x"}.xml`, c)
	if err != nil {
		t.Fatal(err)
	}
	r := formats.NewRecord(1)
	r.Add("Nr", formats.String("5012"), formats.Pos{})
	if got, err := tpl.fileName(r, newEvaluator(env{})); err != nil || got != "auftrag-5012}x.xml" {
		t.Errorf("got %q, %v", got, err)
	}
}

// A variable the expression declares with let is not a field of the
// record: it must not be required from the input.
func TestRunLetIsNotAField(t *testing.T) {
	const p = `name: x
input: {inbox: in, format: csv}
steps:
  - map:
      Sku: Artikelnummer
      Brutto: 'let netto = deDec(VK1); fmtDec(netto * 1.19, 2)'
outputs:
  - {outbox: out, name: x.csv, format: csv}
`
	out, _, err := runPipeline(t, p, "a.csv", []byte("Artikelnummer;VK1\n000815;8,3193\n"), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if b := out.files["out/x.csv"]; b == nil || !strings.Contains(b.String(), "000815;9.90") {
		t.Errorf("files %v, want out/x.csv with 000815;9.90", out.names())
	}
}
