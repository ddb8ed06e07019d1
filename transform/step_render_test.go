package transform

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/formats"
)

const renderPipeline = `name: mail
input: {inbox: in, format: json}
steps:
STEPS
outputs:
  - {outbox: out, name: out.jsonl, format: jsonl}
`

func renderFiles(steps string, files map[string]string) map[string]string {
	m := map[string]string{"p.yaml": strings.Replace(renderPipeline, "STEPS", steps, 1)}
	for k, v := range files {
		m[k] = v
	}
	return m
}

const renderOrders = `[{"OrderNumber": "5014", "OrderTotal": 1234.5, "CreatedOnUtc": "2026-11-27T22:30:00Z",
  "Customer": {"Name": "Jörg <Müller> & Söhne", "Email": "j@example.com"},
  "Items": [{"Sku": "000815", "Qty": 2}, {"Sku": "00042", "Qty": 1}]}]`

func TestRenderText(t *testing.T) {
	// The project's vars, for .vars.
	dir := writeProject(t, map[string]string{
		"ferry.yaml": "version: 1\nvars:\n  iban: DE02 1203 0000 0000 2020 51\n",
		"pipelines/p.yaml": strings.Replace(renderPipeline, "STEPS",
			"  - render: {template: templates/mail.txt, into: Text}", 1),
		"templates/mail.txt": "Bestellung {{.OrderNumber}} vom {{formatDate (parseISO .CreatedOnUtc) \"TT.MM.JJJJ\"}} für {{.Customer.Name}}\n" +
			"Betrag: {{fmtDE .OrderTotal 2 true}} EUR ({{fmtDec .OrderTotal 2}})\n" +
			"IBAN: {{.vars.iban}}, Datei {{.input.name}}\n" +
			"{{range .Items}}- {{.Sku}} x {{.Qty}}\n{{end}}",
	})
	proj, err := LoadProject(filepath.Join(dir, "ferry.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(proj.Pipelines[0], proj, testFunctions())
	if err != nil {
		t.Fatal(err)
	}
	var got *formats.Record
	_, err = p.Run(context.Background(), jsonReader(t, renderOrders), Source{Path: "orders.json"}, &memSink{},
		RunOptions{Output: func(_ int, _ string, rec *formats.Record) error { got = rec; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	want := "Bestellung 5014 vom 27.11.2026 für Jörg <Müller> & Söhne\n" + // 22:30 UTC is 23:30 in Berlin
		"Betrag: 1.234,50 EUR (1234.50)\n" +
		"IBAN: DE02 1203 0000 0000 2020 51, Datei orders.json\n" +
		"- 000815 x 2\n- 00042 x 1\n"
	if got == nil || got.Text("Text") != want {
		t.Fatalf("Text = %q\nwant   %q", got.Text("Text"), want)
	}
	if got.Text("OrderNumber") != "5014" {
		t.Errorf("the other fields must stay: %v", got.Names())
	}
}

func TestRenderHTMLEscapes(t *testing.T) {
	files := renderFiles("  - render: {template: t/mail.html, into: HTML, html: true}\n  - render: {template: t/plain.txt, into: Plain}",
		map[string]string{
			"t/mail.html": `<p>Hallo {{.Customer.Name}},</p><a href="https://shop.example.de/order?id={{.OrderNumber}}&x={{.Customer.Name}}">Bestellung</a>`,
			"t/plain.txt": `Hallo {{.Customer.Name}}`,
		})
	sink, _, err := runWithFiles(t, files, "orders.json", []byte(renderOrders), RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := sink.files["out/out.jsonl"].String()
	for _, want := range []string{
		`<p>Hallo Jörg &lt;Müller&gt; &amp; Söhne,</p>`,
		`id=5014&x=J%c3%b6rg%20%3cM%c3%bcller%3e%20%26%20S%c3%b6hne`,
		`"Plain":"Hallo Jörg <Müller> & Söhne"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, `Hallo Jörg <Müller> & Söhne,</p>`) {
		t.Errorf("html: true did not escape the name")
	}
}

func TestRenderRecordErrors(t *testing.T) {
	for _, c := range []struct {
		name, tmpl, want string
	}{
		{"missing field", "Betrag {{.Total}}", `orders.json:1:2: field "Text": template t.txt:1:9: at <.Total>: the record has no field "Total"`},
		{"bad decimal", "{{fmtDE .Customer.Name 2}}", `field "Text": template t.txt:1:2: fmtDE: "Jörg <Müller> & Söhne" is not a decimal`},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := renderFiles("  - render: {template: t.txt, into: Text}", map[string]string{"t.txt": c.tmpl})
			_, _, err := runWithFiles(t, files, "orders.json", []byte(renderOrders), RunOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v\nwant it to contain %s", err, c.want)
			}
			if !formats.RecordOnly(err.(*FileError).Errors[0]) {
				t.Errorf("not a record error: %v", err)
			}
		})
	}
}

func TestRenderConfigErrors(t *testing.T) {
	for _, c := range []struct {
		name, step string
		files      map[string]string
		want       string
	}{
		{"syntax error", "{template: templates/z.html, into: HTML, html: true}",
			map[string]string{"templates/z.html": "<p>\n{{if .A}}\nx\n"},
			`steps[0].render.template: templates/z.html:4: unexpected EOF`},
		{"unknown function", "{template: z.txt, into: Text}",
			map[string]string{"z.txt": "a\nb {{fmtEuro .X}}"},
			`z.txt:2: function "fmtEuro" not defined`},
		{"escaper refuses", "{template: z.html, into: HTML, html: true}",
			map[string]string{"z.html": "<p>\n<a href=\"{{.A}}"},
			`steps[0].render.template: z.html: ends in a non-text context`},
		{"missing file", "{template: nix.txt, into: Text}", nil, `the template nix.txt does not exist`},
		{"leaves folder", "{template: ../geheim.txt, into: Text}", nil, `"../geheim.txt" leaves the configuration folder`},
		{"no into", "{template: z.txt}", map[string]string{"z.txt": "x"}, `missing property 'into'`},
		{"unknown option", "{template: z.txt, into: Text, htm: true}", map[string]string{"z.txt": "x"}, `htm`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeProject(t, renderFiles("  - render: "+c.step, c.files))
			pc, err := LoadPipeline(filepath.Join(dir, "p.yaml"))
			if err == nil {
				_, err = Compile(pc, nil, testFunctions())
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v\nwant it to contain %s", err, c.want)
			}
			if !strings.Contains(err.Error(), "p.yaml:") {
				t.Errorf("the error does not name the pipeline file: %v", err)
			}
		})
	}
}

func jsonReader(t *testing.T, s string) formats.Reader {
	t.Helper()
	f, _ := formats.Builtin().Lookup("json")
	rd, err := formats.NewTextReader(f, strings.NewReader(s), "orders.json", "utf-8", formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rd
}
