package transform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/formats"
	"github.com/ferry-sync/ferry/schemas"
)

// runWithFiles is runPipeline with more files next to p.yaml (schema
// files …); files["p.yaml"] is the pipeline.
func runWithFiles(t *testing.T, files map[string]string, source string, input []byte, opt RunOptions) (*memSink, Stats, error) {
	t.Helper()
	p := compileFiles(t, files)
	if p == nil {
		t.Fatal("the pipeline does not compile")
	}
	f, _ := formats.Builtin().Lookup(p.Config.Input.Format)
	rd, err := formats.NewTextReader(f, bytes.NewReader(input), source, p.Config.Input.Encoding, p.Config.Input.FormatOpts)
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	st, err := p.Run(context.Background(), rd, Source{Path: source}, sink, opt)
	return sink, st, err
}

// compileFiles loads and compiles p.yaml of files; it fails the test on a
// load error and returns nil (after t.Error) on a compile error.
func compileFiles(t *testing.T, files map[string]string) *Pipeline {
	t.Helper()
	p, err := compileFilesErr(t, files)
	if err != nil {
		t.Errorf("compile: %v", err)
		return nil
	}
	return p
}

func compileFilesErr(t *testing.T, files map[string]string) (*Pipeline, error) {
	t.Helper()
	dir := writeProject(t, files)
	pc, err := LoadPipeline(filepath.Join(dir, "p.yaml"))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return Compile(pc, nil, testFunctions())
}

// errorLines returns the record errors of a failed run, one string each.
func errorLines(t *testing.T, err error) []string {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("want a *FileError, got %v", err)
	}
	var lines []string
	for _, e := range fe.Errors {
		lines = append(lines, e.Error())
	}
	return lines
}

// TestValidateSageOrderSchema checks a Sage order import file (one row
// per position, sage.md §4.3) against a realistic schema file.
func TestValidateSageOrderSchema(t *testing.T) {
	files := map[string]string{
		"p.yaml": `name: sage-auftrag
input: {inbox: in, format: csv, encoding: windows-1252}
steps:
  - validate:
      schema: schemas/sage-auftrag.schema.json
outputs:
  - {outbox: out, name: "${input.stem}.csv", format: csv, encoding: windows-1252}
`,
		"schemas/sage-auftrag.schema.json": string(readTestdata(t, "validate/sage-auftrag.schema.json")),
	}
	in := readTestdata(t, "validate/sage-auftrag.csv")

	sink, st, err := runWithFiles(t, files, "sage-auftrag.csv", in, RunOptions{})
	want := []string{
		`sage-auftrag.csv:4:6: field "Bestelldatum": "2026-03-13" does not match the pattern ^(0[1-9]|[12][0-9]|3[01])\.(0[1-9]|1[0-2])\.20[0-9]{2}$; ` +
			`field "Bezeichnung": "Heidehonig aus der Lüneburger Heide 500 g – Sommertracht, ka…" has 75 characters, at most 60 are allowed; ` +
			`field "Steuersatz": "7" is not one of: "0,00", "7,00", "19,00"`,
		`sage-auftrag.csv:5:178: field "Zahlungsart": "Barzahlung" is not one of: Rechnung, Vorkasse, PayPal, Lastschrift, Kreditkarte, Nachnahme; ` +
			`field "Artikelnummer": the value is empty, at least 1 character is required`,
	}
	if got := errorLines(t, err); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if st.In != 4 || st.Rejected != 2 {
		t.Errorf("files %v, stats %+v", sink.names(), st)
	}

	// Under on_error reject the good rows go through unchanged, each bad
	// row is refused with one error.
	var rejected []string
	sink, st, err = runWithFiles(t, files, "sage-auftrag.csv", in, RunOptions{OnError: "reject", Rejected: func(r *formats.Record, err error) {
		rejected = append(rejected, r.Text("Shop_Bestellnummer")+"/"+r.Text("Pos"))
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rejected, " "); got != "5013/1 5013/2" {
		t.Errorf("rejected %s", got)
	}
	out := sink.files["out/sage-auftrag.csv"]
	if out == nil || st.Out != 2 {
		t.Fatalf("files %v, stats %+v", sink.names(), st)
	}
	lines := strings.SplitAfter(string(in), "\r\n")
	if got, want := out.String(), strings.Join(lines[:3], ""); got != want {
		t.Errorf("output is not the good rows unchanged:\n%q\nwant\n%q", got, want)
	}
}

// TestValidateUnknownSku is bad/orders-unknown-sku.json: the unknown
// article number of the second order item is reported at its line, with
// the path of the field.
func TestValidateUnknownSku(t *testing.T) {
	const p = `name: orders
input: {inbox: in, format: json}
steps:
  - validate:
      schema:
        type: object
        required: [Id, OrderItems]
        properties:
          OrderItems:
            type: array
            minItems: 1
            items:
              type: object
              required: [Sku, Quantity]
              properties:
                Sku: {enum: ["000815", "000816", "00042", "004711", "4711/D", "TS-100-BL-M", "VERSAND"]}
                Quantity: {type: integer, minimum: 1}
outputs:
  - {outbox: out, name: x.json, format: json}
`
	_, _, err := runPipeline(t, p, "orders-unknown-sku.json", readTestdata(t, "validate/orders-unknown-sku.json"), RunOptions{})
	want := `orders-unknown-sku.json:157:11: field "OrderItems[1].Sku": "000817" is not one of: 000815, 000816, 00042, 004711, 4711/D, TS-100-BL-M, VERSAND`
	if got := errorLines(t, err); len(got) != 1 || got[0] != want {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}

// TestValidateMessages covers the plain-words message of each schema
// keyword, with the position of the field.
func TestValidateMessages(t *testing.T) {
	const csvIn = "Artikelnummer;Bezeichnung;VK1;Einheit;Aktion_von\r\n000815;Kaffeebecher „Heimathafen“ Steingut 0,3 l;8,3193;Stk;01.03.2026\r\n"
	const jsonIn = `[
  {"Id": 5012, "OrderTotal": 44.7000, "Paid": true, "Note": null,
   "Customer": {"Email": "j.groessler(at)example.de", "Tags": ["b2c", "b2c"]},
   "OrderItems": [{"Sku": "000815", "Quantity": 2.5}, {"Sku": "TS-100-BL-M", "Quantity": 0}]}
]`
	for _, tc := range []struct {
		name   string
		format string // csv (default) or json
		schema string // the inline schema, indented by 8 spaces
		want   string
	}{
		{name: "required", schema: "required: [Artikelnummer, Steuersatz]",
			want: `a.csv:2:1: the field "Steuersatz" is missing`},
		{name: "required nested", format: "json", schema: "properties: {OrderItems: {items: {required: [Sku, Menge]}}}",
			want: `a.json:4:19: the field "OrderItems[0].Menge" is missing; the field "OrderItems[1].Menge" is missing`},
		{name: "maxLength", schema: "properties: {Bezeichnung: {maxLength: 30}}",
			want: `a.csv:2:8: field "Bezeichnung": "Kaffeebecher „Heimathafen“ Steingut 0,3 l" has 41 characters, at most 30 are allowed`},
		{name: "minLength", schema: "properties: {Einheit: {minLength: 4}}",
			want: `a.csv:2:61: field "Einheit": "Stk" has 3 characters, at least 4 are required`},
		{name: "pattern", schema: `properties: {VK1: {pattern: '^[0-9]+(\.[0-9]+)?$'}}`,
			want: `a.csv:2:54: field "VK1": "8,3193" does not match the pattern ^[0-9]+(\.[0-9]+)?$`},
		{name: "enum", schema: "properties: {Einheit: {enum: [Stück, Set, Glas]}}",
			want: `a.csv:2:61: field "Einheit": "Stk" is not one of: Stück, Set, Glas`},
		{name: "const", schema: "properties: {Einheit: {const: Stück}}",
			want: `a.csv:2:61: field "Einheit": "Stk" must be Stück`},
		{name: "type of CSV text", schema: "properties: {VK1: {type: number}}",
			want: `a.csv:2:54: field "VK1": "8,3193" is text, expected a number`},
		{name: "format date", schema: "properties: {Aktion_von: {format: date}}",
			want: `a.csv:2:65: field "Aktion_von": "01.03.2026" is not a valid date (YYYY-MM-DD)`},
		{name: "additional field", schema: "properties: {Artikelnummer: {}, Bezeichnung: {}, VK1: {}}\n        additionalProperties: false",
			want: `a.csv:2:61: field "Einheit": this field is not allowed here (the schema does not list it); field "Aktion_von": this field is not allowed here (the schema does not list it)`},
		{name: "anyOf", schema: `properties: {VK1: {anyOf: [{const: ""}, {pattern: '^[0-9]+$'}]}}`,
			want: `a.csv:2:54: field "VK1": "8,3193" must be "", or "8,3193" does not match the pattern ^[0-9]+$`},
		{name: "maximum and multipleOf", format: "json", schema: "properties: {OrderTotal: {maximum: 40, multipleOf: 0.01}, Id: {exclusiveMaximum: 5012}}",
			want: `a.json:2:4: field "Id": 5012 must be less than 5012; field "OrderTotal": 44.7000 is more than 40, the largest value allowed`},
		{name: "minimum and integer", format: "json", schema: "properties: {OrderItems: {items: {properties: {Quantity: {type: integer, minimum: 1}}}}}",
			want: `a.json:4:37: field "OrderItems[0].Quantity": 2.5 is a number with decimals, expected a whole number; field "OrderItems[1].Quantity": 0 is less than 1, the smallest value allowed`},
		{name: "exclusiveMinimum and multipleOf decimals", format: "json", schema: "properties: {OrderTotal: {exclusiveMinimum: 50, multipleOf: 0.25}}",
			want: `a.json:2:16: field "OrderTotal": 44.7000 is not a multiple of 0.25; field "OrderTotal": 44.7000 must be more than 50`},
		{name: "type of null and bool", format: "json", schema: "properties: {Note: {type: string}, Paid: {type: [string, number]}}",
			want: `a.json:2:39: field "Paid": true is true or false, expected a number or text; field "Note": the value is empty (null), expected text`},
		{name: "nested format, uniqueItems, maxItems", format: "json", schema: "properties: {Customer: {properties: {Email: {format: email}, Tags: {uniqueItems: true, maxItems: 1}}}}",
			want: `a.json:3:17: field "Customer.Email": "j.groessler(at)example.de" is not a valid e-mail address; field "Customer.Tags": entries [0] and [1] of the list are the same; every entry must be different; field "Customer.Tags": the list has 2 entries, at most 1 is allowed`},
		{name: "minItems", format: "json", schema: "properties: {OrderItems: {minItems: 3}}",
			want: `a.json:4:4: field "OrderItems": the list has 2 entries, at least 3 are required`},
		{name: "dependentRequired", schema: "dependentRequired: {Aktion_von: [Aktion_bis]}",
			want: `a.csv:2:1: the field "Aktion_bis" is missing (it is required when "Aktion_von" is given)`},
		{name: "not", schema: "properties: {Einheit: {not: {const: Stk}}}",
			want: `a.csv:2:61: field "Einheit": "Stk" is not allowed here`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			format, src, in := "csv", "a.csv", csvIn
			if tc.format == "json" {
				format, src, in = "json", "a.json", jsonIn
			}
			p := "name: x\ninput: {inbox: in, format: " + format + "}\nsteps:\n  - validate:\n      schema:\n        " + tc.schema +
				"\noutputs:\n  - {outbox: out, name: x.json, format: json}\n"
			_, _, err := runPipeline(t, p, src, []byte(in), RunOptions{})
			got := errorLines(t, err)
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), tc.want)
			}
		})
	}
}

// TestValidateRules covers rules: message templates, the field the
// message is about, checks that cannot be computed.
func TestValidateRules(t *testing.T) {
	const in = "Shop_Bestellnummer;Pos;Artikelnummer;Menge;Einzelpreis;Rabatt_Prozent\n" +
		"5012;1;TS-100-BL-M;2;12,5630;\n" +
		"5012;2;000815;0;8,3193;\n" +
		"5013;1;00042;zwölf;6,5421;150\n"
	const p = `name: x
input: {inbox: in, format: csv}
on_error: reject
steps:
  - validate:
      rules:
        - check: 'Menge != "0"'
          message: 'order ${Shop_Bestellnummer}, position ${Pos}: the quantity is 0'
        - check: 'Rabatt_Prozent == "" || int(Rabatt_Prozent) <= 100'
          message: 'a discount of ${Rabatt_Prozent} % is more than 100 %'
          field: Rabatt_Prozent
        - check: 'int(Menge) < 1000'
          message: 'more than 999 pieces'
outputs:
  - {outbox: out, name: x.csv, format: csv}
`
	var rejected []string
	sink, st, err := runPipeline(t, p, "auftrag.csv", []byte(in), RunOptions{Rejected: func(_ *formats.Record, err error) {
		rejected = append(rejected, err.Error())
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`auftrag.csv:3:15: field "Menge": order 5012, position 2: the quantity is 0`,
		`auftrag.csv:4:28: field "Rabatt_Prozent": a discount of 150 % is more than 100 %; field "Menge": ` + exprErrorText(t, `int("zwölf")`),
	}
	if strings.Join(rejected, "\n") != strings.Join(want, "\n") {
		t.Errorf("rejected:\n%s\nwant:\n%s", strings.Join(rejected, "\n"), strings.Join(want, "\n"))
	}
	if st.Out != 1 || sink.files["out/x.csv"].String() != "Shop_Bestellnummer;Pos;Artikelnummer;Menge;Einzelpreis;Rabatt_Prozent\r\n5012;1;TS-100-BL-M;2;12,5630;\r\n" {
		t.Errorf("stats %+v, output %q", st, sink.files["out/x.csv"])
	}
}

// exprErrorText is the message of an expression error as fieldError shows it.
func exprErrorText(t *testing.T, src string) string {
	t.Helper()
	p, err := newCompiler(testFunctions(), nil).compile(src)
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.eval(&formats.Record{}, newEvaluator(env{}))
	if err == nil {
		t.Fatalf("%s gives no error", src)
	}
	return exprMessage(err)
}

func TestValidateRuleDetails(t *testing.T) {
	for _, tc := range []struct {
		name, rules, in, want string
	}{
		{"several fields: record position",
			"- check: 'Netto <= Brutto'\n          message: 'net ${Netto} is more than gross ${Brutto}'",
			"Netto;Brutto\n119;100\n",
			`a.csv:2:1: net 119 is more than gross 100`},
		{"not true or false",
			"- check: 'Netto'\n          message: 'x'",
			"Netto;Brutto\n119;100\n",
			`a.csv:2:1: field "Netto": the check Netto gave "119", not true or false`},
		{"missing field",
			"- check: 'Menge != \"0\"'\n          message: 'x'",
			"Netto;Brutto\n119;100\n",
			`a.csv:2:1: the input has no field "Menge" (it has: Netto, Brutto)`},
		{"template part that fails stays as written",
			"- check: 'Netto == \"1\"'\n          message: 'Netto ${Netto}, Menge ${Menge}, ${ \"}\" }'",
			"Netto;Brutto\n119;100\n",
			`a.csv:2:1: field "Netto": Netto 119, Menge ${Menge}, }`},
		{"field given but absent: record position",
			"- check: 'Netto == \"1\"'\n          message: 'no'\n          field: Steuer",
			"Netto;Brutto\n119;100\n",
			`a.csv:2:1: field "Steuer": no`},
		{"rule errors are left out when the schema refused the record", "- check: 'int(Netto) > 0'\n          message: 'x'",
			"Netto;Brutto\nabc;100\n",
			`a.csv:2:1: field "Netto": "abc" does not match the pattern ^[0-9]+$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			schema := ""
			if strings.HasPrefix(tc.name, "rule errors") {
				schema = "      schema: {properties: {Netto: {pattern: '^[0-9]+$'}}}\n"
			}
			p := "name: x\ninput: {inbox: in, format: csv}\nsteps:\n  - validate:\n" + schema + "      rules:\n        " + tc.rules +
				"\noutputs:\n  - {outbox: out, name: x.csv, format: csv}\n"
			_, _, err := runPipeline(t, p, "a.csv", []byte(tc.in), RunOptions{})
			got := errorLines(t, err)
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), tc.want)
			}
		})
	}
}

// TestValidateManyProblems: a record's message lists at most 10 problems;
// every problem stays available through Violations.
func TestValidateManyProblems(t *testing.T) {
	var head, row []string
	props := []string{}
	for _, c := range "ABCDEFGHIJKL" {
		head = append(head, string(c))
		row = append(row, "x")
		props = append(props, string(c)+": {maxLength: 0}")
	}
	p := "name: x\ninput: {inbox: in, format: csv}\nsteps:\n  - validate:\n      schema: {properties: {" + strings.Join(props, ", ") +
		"}}\noutputs:\n  - {outbox: out, name: x.csv, format: csv}\n"
	var rejected error
	_, _, err := runPipeline(t, p, "a.csv", []byte(strings.Join(head, ";")+"\n"+strings.Join(row, ";")+"\n"), RunOptions{OnError: "skip", Rejected: func(_ *formats.Record, err error) { rejected = err }})
	if err != nil {
		t.Fatal(err)
	}
	msg := rejected.Error()
	if !strings.HasPrefix(msg, `a.csv:2:1: field "A": "x" has 1 characters, at most 0 are allowed; field "B": `) ||
		!strings.HasSuffix(msg, `field "J": "x" has 1 characters, at most 0 are allowed; and 2 more problem(s)`) {
		t.Errorf("message: %s", msg)
	}
	var vs Violations
	if !errors.As(rejected, &vs) || len(vs) != 12 || vs[11].Error() != `a.csv:2:23: field "L": "x" has 1 characters, at most 0 are allowed` {
		t.Errorf("violations: %v", vs)
	}
	if de := formats.AsDataError(rejected); de == nil || !de.RecordOnly || de.Field != "A" {
		t.Errorf("not a record error about field A: %#v", de)
	}
}

// TestValidateSchemaFiles: YAML schema files, $ref between local files,
// schema as JSON text.
func TestValidateSchemaFiles(t *testing.T) {
	files := map[string]string{
		"p.yaml": `name: x
input: {inbox: in, format: csv}
steps:
  - validate:
      schema: schemas/artikel.yaml
  - validate:
      schema: '{"properties": {"VK1": {"$ref": "schemas/common.json#/$defs/decimal"}}}'
outputs:
  - {outbox: out, name: x.csv, format: csv}
`,
		"schemas/artikel.yaml": "type: object\nrequired: [Artikelnummer]\nproperties:\n  Artikelnummer: {$ref: 'common.json#/$defs/artnr'}\n  VK1: {$ref: 'common.json#/$defs/decimal'}\n",
		"schemas/common.json":  `{"$defs": {"artnr": {"type": "string", "maxLength": 30, "pattern": "^[0-9A-Z/-]+$"}, "decimal": {"type": "string", "pattern": "^[0-9]+(,[0-9]+)?$"}}}`,
	}
	in := "Artikelnummer;VK1\n000815;8,3193\nts-100;8.50\n"
	_, _, err := runWithFiles(t, files, "a.csv", []byte(in), RunOptions{})
	want := `a.csv:3:1: field "Artikelnummer": "ts-100" does not match the pattern ^[0-9A-Z/-]+$; field "VK1": "8.50" does not match the pattern ^[0-9]+(,[0-9]+)?$`
	if got := errorLines(t, err); len(got) != 1 || got[0] != want {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
	// the second step on its own: the JSON-text schema's $ref is relative
	// to the configuration folder.
	files["p.yaml"] = strings.Replace(files["p.yaml"], "  - validate:\n      schema: schemas/artikel.yaml\n", "", 1)
	_, _, err = runWithFiles(t, files, "a.csv", []byte(in), RunOptions{})
	want = `a.csv:3:8: field "VK1": "8.50" does not match the pattern ^[0-9]+(,[0-9]+)?$`
	if got := errorLines(t, err); len(got) != 1 || got[0] != want {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
	}
}

// TestValidateConfigErrors: mistakes in the step or its schema are
// reported when the pipeline is compiled, at their place.
func TestValidateConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		step  string // below "steps:", indented by 2
		files map[string]string
		want  string
	}{
		{"inline schema keyword", "- validate:\n    schema:\n      properties:\n        Bezeichnung: {maxLength: \"60\"}",
			nil, `p.yaml:7:25: steps[0].validate.schema.properties.Bezeichnung.maxLength: not a valid JSON Schema: got string, want integer`},
		{"inline schema pattern", "- validate:\n    schema:\n      properties:\n        VK1: {pattern: '^(?=[0-9])'}",
			nil, "p.yaml:7:17: steps[0].validate.schema.properties.VK1.pattern: not a valid JSON Schema: '^(?=[0-9])' is not valid regex: error parsing regexp: invalid or unsupported Perl syntax: `(?=`"},
		{"inline type name", "- validate:\n    schema: {type: objekt}",
			nil, `p.yaml:5:16: steps[0].validate.schema.type: not a valid JSON Schema: value must be one of 'array', 'boolean', 'integer', 'null', 'number', 'object', 'string'`},
		{"missing file", "- validate:\n    schema: schemas/auftrag.json",
			nil, `p.yaml:5:7: steps[0].validate.schema: cannot read the schema file "schemas/auftrag.json": ` + missingFileText(t)},
		{"bad keyword in a file", "- validate:\n    schema: schemas/a.json",
			map[string]string{"schemas/a.json": "{\n  \"properties\": {\n    \"Menge\": {\"minimum\": \"1\"}\n  }\n}\n"},
			`schemas/a.json:3:15: properties.Menge.minimum: not a valid JSON Schema: got string, want number (schema of p.yaml steps[0].validate)`},
		{"JSON syntax in a file", "- validate:\n    schema: schemas/a.json",
			map[string]string{"schemas/a.json": "{\n  \"type\": \"object\",\n}\n"},
			`schemas/a.json:3:1: not valid JSON: invalid character '}' looking for beginning of object key string (schema of p.yaml steps[0].validate)`},
		{"JSON file cut short", "- validate:\n    schema: schemas/a.json",
			map[string]string{"schemas/a.json": "{\n  \"type\": \"object\"\n"},
			`schemas/a.json:3:1: not valid JSON: the file ends too early (a missing } or ]?) (schema of p.yaml steps[0].validate)`},
		{"bad pattern in a YAML file", "- validate:\n    schema: schemas/a.yml",
			map[string]string{"schemas/a.yml": "properties:\n  PLZ:\n    pattern: '[0-9'\n"},
			"schemas/a.yml:3:5: properties.PLZ.pattern: not a valid JSON Schema: '[0-9' is not valid regex: error parsing regexp: missing closing ]: `[0-9` (schema of p.yaml steps[0].validate)"},
		{"$ref to a missing file", "- validate:\n    schema: schemas/a.json",
			map[string]string{"schemas/a.json": `{"$ref": "common.json"}`},
			`schemas/a.json:1:1: cannot load "schemas/common.json": ` + missingFileText(t) + ` (schema of p.yaml steps[0].validate)`},
		{"$ref to the web", "- validate:\n    schema: {$ref: 'https://example.com/auftrag.json'}",
			nil, `p.yaml:5:7: steps[0].validate.schema: cannot load https://example.com/auftrag.json: a schema may only refer to local files`},
		{"JSON text", "- validate:\n    schema: '{\"type\": \"object\",}'",
			nil, `p.yaml:5:7: steps[0].validate.schema: the schema is not valid JSON: invalid character '}' looking for beginning of object key string`},
		{"check", "- validate:\n    rules:\n      - {check: 'Menge >', message: x}",
			nil, "p.yaml:6:12: steps[0].validate.rules[0].check: unexpected token EOF (1:7)\n | Menge >\n | ......^"},
		{"message", "- validate:\n    rules:\n      - check: 'Menge > 0'\n        message: 'quantity ${Menge'",
			nil, `p.yaml:7:11: steps[0].validate.rules[0].message: "quantity ${Menge": "${" without a closing "}"`},
		{"nothing to check", "- validate: {}",
			nil, `p.yaml:4:5: steps[0].validate: minProperties: got 0, want 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"p.yaml": "name: x\ninput: {inbox: in, format: csv}\nsteps:\n  " +
				strings.ReplaceAll(tc.step, "\n", "\n  ") + "\noutputs:\n  - {outbox: out, name: x.csv, format: csv}\n"}
			for k, v := range tc.files {
				files[k] = v
			}
			dir := writeProject(t, files)
			pc, err := LoadPipeline(filepath.Join(dir, "p.yaml"))
			if err == nil {
				_, err = Compile(pc, nil, testFunctions())
			}
			if err == nil || err.Error() != tc.want {
				t.Errorf("got:\n%v\nwant:\n%s", err, tc.want)
			}
		})
	}
}

// missingFileText is the operating system's "no such file" message.
func missingFileText(t *testing.T) string {
	_, err := os.Open(filepath.Join(t.TempDir(), "missing"))
	return plainIOError(err).Error()
}

func TestLocate(t *testing.T) {
	item := formats.NewRecord(1)
	item.Add("Sku", formats.String("000817"), formats.Pos{Line: 9, Col: 5})
	item.Pos = formats.Pos{Line: 8, Col: 3}
	r := formats.NewRecord(2)
	r.Pos = formats.Pos{Line: 1, Col: 1}
	r.Add("Id", formats.Number("5017"), formats.Pos{Line: 2, Col: 3})
	r.Add("OrderItems", formats.List([]formats.Value{formats.String("x"), formats.Nested(item)}), formats.Pos{Line: 7, Col: 3})
	for _, tc := range []struct {
		loc   []string
		path  string
		pos   formats.Pos
		found bool
		order int
	}{
		{nil, "", r.Pos, true, 2},
		{[]string{"Id"}, "Id", formats.Pos{Line: 2, Col: 3}, true, 0},
		{[]string{"OrderItems", "1", "Sku"}, "OrderItems[1].Sku", formats.Pos{Line: 9, Col: 5}, true, 1},
		{[]string{"OrderItems", "1"}, "OrderItems[1]", formats.Pos{Line: 8, Col: 3}, true, 1},
		{[]string{"OrderItems", "0"}, "OrderItems[0]", formats.Pos{Line: 7, Col: 3}, true, 1},
		{[]string{"OrderItems", "2"}, "OrderItems", formats.Pos{Line: 7, Col: 3}, false, 1},
		{[]string{"OrderItems", "1", "Menge"}, "OrderItems[1]", formats.Pos{Line: 8, Col: 3}, false, 1},
		{[]string{"Id", "x"}, "Id", formats.Pos{Line: 2, Col: 3}, false, 0},
	} {
		l := locateInstance(r, tc.loc)
		if l.path != tc.path || l.pos != tc.pos || l.found != tc.found || l.order != tc.order {
			t.Errorf("%v: %+v", tc.loc, l)
		}
	}
}

func TestTextTemplate(t *testing.T) {
	c := newCompiler(testFunctions(), nil)
	r := formats.NewRecord(2)
	r.Add("Pos", formats.String("3"), formats.Pos{})
	r.Add("Name", formats.String("a}b"), formats.Pos{})
	ev := newEvaluator(env{})
	for src, want := range map[string]string{
		"plain":                           "plain",
		"position ${Pos}":                 "position 3",
		"${Pos}${Pos}":                    "33",
		`${Name + "}"} / ${ {"a": 1}.a }`: "a}b} / 1",
		`${upper('x}')}`:                  "X}",
		"${nope}!":                        "${nope}!",
	} {
		tpl, err := compileTextTemplate(src, c)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if got := tpl.render(r, ev); got != want {
			t.Errorf("%s: %q, want %q", src, got, want)
		}
	}
	for _, bad := range []string{"${", "x ${a", "${'}'"} {
		if _, err := compileTextTemplate(bad, c); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRatString(t *testing.T) {
	for _, tc := range []struct{ in, want string }{{"100", "100"}, {"0.01", "0.01"}, {"-2.5", "-2.5"}, {"1/3", "0.333333333333333333333333333333"}} {
		r, _ := new(big.Rat).SetString(tc.in)
		if got := ratString(r); got != tc.want {
			t.Errorf("%s: %s", tc.in, got)
		}
	}
}

func BenchmarkValidateSchema(b *testing.B) {
	schema, err := os.ReadFile("testdata/validate/sage-auftrag.schema.json")
	if err != nil {
		b.Fatal(err)
	}
	in, err := os.ReadFile("testdata/validate/sage-auftrag.csv")
	if err != nil {
		b.Fatal(err)
	}
	benchStep(b, map[string]string{
		"p.yaml": "name: x\ninput: {inbox: in, format: csv, encoding: windows-1252}\nsteps:\n  - validate:\n      schema: s.json\n" +
			"outputs:\n  - {outbox: out, name: x.csv, format: csv}\n",
		"s.json": string(schema),
	}, in, 2)
}

// TestValidateLengthsSchemaInSync: the pipeline schema describes exactly
// the options the validate and lengths steps decode.
func TestValidateLengthsSchemaInSync(t *testing.T) {
	b, err := fs.ReadFile(schemas.FS, schemas.Pipeline)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Defs struct {
			Step struct {
				Properties map[string]struct {
					Properties map[string]struct {
						Items struct {
							Properties map[string]any `json:"properties"`
						} `json:"items"`
					} `json:"properties"`
				} `json:"properties"`
			} `json:"step"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	steps := doc.Defs.Step.Properties
	for _, tc := range []struct {
		name  string
		props []string
		typ   any
	}{
		{"validate", keys(steps["validate"].Properties), validateConfig{}},
		{"validate.rules", keys(steps["validate"].Properties["rules"].Items.Properties), ruleConfig{}},
		{"lengths", keys(steps["lengths"].Properties), lengthsConfig{}},
	} {
		var tags []string
		rt := reflect.TypeOf(tc.typ)
		for i := 0; i < rt.NumField(); i++ {
			tags = append(tags, rt.Field(i).Tag.Get("yaml"))
		}
		sort.Strings(tags)
		if strings.Join(tags, " ") != strings.Join(tc.props, " ") {
			t.Errorf("%s: schema has %v, the step decodes %v", tc.name, tc.props, tags)
		}
	}
}

func keys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func TestCheckableNumber(t *testing.T) {
	for lit, want := range map[string]bool{
		"0": true, "-12": true, "55.6500": true, "1e5": true, "1.5E-400": true, "2e+400": true,
		"1e401": false, "1e-9999999": false, "": false, "-": false, "1.": false, ".5": false, "1e": false,
		"Inf": false, "NaN": false, "0x10": false, "1/3": false, "1,5": false, " 1": false, strings.Repeat("9", 1001): false,
	} {
		if got := checkableNumber(lit); got != want {
			t.Errorf("checkableNumber(%q) = %v", lit, got)
		}
	}
}

// TestValidateUncheckableNumbers: numbers the validator cannot take are
// refused with their position, never a panic or a long computation.
func TestValidateUncheckableNumbers(t *testing.T) {
	p, err := compileFilesErr(t, map[string]string{"p.yaml": "name: x\ninput: {inbox: in, format: json}\nsteps:\n" +
		"  - validate: {schema: {properties: {Total: {minimum: 0}, Items: {items: {properties: {Qty: {maximum: 10}}}}}}}\n" +
		"outputs:\n  - {outbox: out, name: x.json, format: json}\n"})
	if err != nil {
		t.Fatal(err)
	}
	item := formats.NewRecord(1)
	item.Add("Qty", formats.Number("Inf"), formats.Pos{Line: 4, Col: 9})
	r := formats.NewRecord(2)
	r.Pos = formats.Pos{Line: 1, Col: 1}
	r.Add("Total", formats.Number("1e9999999"), formats.Pos{Line: 2, Col: 3})
	r.Add("Items", formats.List([]formats.Value{formats.Nested(item)}), formats.Pos{Line: 3, Col: 3})
	st := &RunState{File: "a.json", ev: newEvaluator(env{}), state: map[int]any{}}
	err = p.steps[0].Apply(context.Background(), st, r, func(*formats.Record) error { t.Error("emitted"); return nil })
	want := `a.json:2:3: field "Total": "1e9999999" cannot be checked against the schema: it is not a plain number, or far too large or small; ` +
		`field "Items[0].Qty" (4:9): "Inf" cannot be checked against the schema: it is not a plain number, or far too large or small`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

// FuzzValidate runs JSON records through validate and lengths: whatever
// the input, the run ends with records or positioned errors, never a panic.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(`[{"Id": 5012, "OrderItems": [{"Sku": "000815", "Quantity": 2}], "Name": "Jürgen Größler"}]`))
	f.Add([]byte(`{"Id": 1e999, "Total": -0.5, "OrderItems": {"Sku": null}, "Tags": ["a", "a"]}`))
	f.Add(readTestdata(f, "validate/orders-unknown-sku.json"))
	const p = `name: x
input: {inbox: in, format: json}
steps:
  - validate:
      schema:
        type: object
        required: [Id]
        properties:
          Id: {type: integer, minimum: 1, multipleOf: 1}
          Total: {type: number, exclusiveMaximum: 1000, multipleOf: 0.01}
          Name: {type: string, maxLength: 10, pattern: '^[A-Za-zäöüÄÖÜß ]*$', format: email}
          Tags: {type: array, uniqueItems: true, maxItems: 3, items: {enum: [a, b, 1, null]}}
          OrderItems:
            anyOf:
              - {type: array, minItems: 1, items: {type: object, required: [Sku], properties: {Sku: {const: "000815"}, Quantity: {type: integer}}}}
              - {type: "null"}
        additionalProperties: {type: [string, number, boolean]}
      rules:
        - {check: 'Name == nil || len(Name) < 20', message: 'name ${Name} too long'}
  - lengths: {max: {Name: 5, Id: 2}, min: {Total: 2}, truncate: true}
outputs:
  - {outbox: out, name: x.jsonl, format: jsonl}
`
	pl := mustCompile(f, map[string]string{"p.yaml": p})
	fm, _ := formats.Builtin().Lookup("json")
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := fm.NewReader(bytes.NewReader(data), "f.json", formats.Options{})
		if err != nil {
			return
		}
		_, err = pl.Run(context.Background(), rd, Source{Path: "f.json"}, &memSink{}, RunOptions{OnError: "reject", Warn: func(string) {}})
		var fe *FileError
		if err != nil && !errors.As(err, &fe) {
			t.Fatalf("not a FileError: %v", err)
		}
	})
}

// An encodable rule names each field whose text the charset cannot hold,
// at that field, with the text and the character; fields that are
// missing, null, numbers or fine pass, and when: switches the rule off.
func TestValidateEncodable(t *testing.T) {
	const p = `name: x
input: {inbox: in, format: json}
on_error: reject
steps:
  - validate:
      rules:
        - check: Id != 3
          message: 'Bestellung ${Id} ist gesperrt'
        - encodable: windows-1252
          when: 'Id != 4'
          fields: [Kommentar, Adresse.Name, Adresse.Ort, Adresse.Land.Name, Fehlt, Nummer]
          message: 'Bestellung ${Id}: "${value}" enthält "${char}" (${field}), das Windows-1252 nicht darstellen kann'
outputs:
  - {outbox: out, name: x.jsonl, format: jsonl}
`
	const in = `[
{"Id": 1, "Kommentar": "Bitte klingeln – danke €", "Nummer": 5, "Adresse": {"Name": "Müller", "Ort": "Köln", "Land": {"Name": "Deutschland"}}},
{"Id": 2, "Kommentar": "Grüße 🙂", "Nummer": 6,
 "Adresse": {"Name": "Michałowski", "Ort": null, "Land": {"Name": "Polska"}}},
{"Id": 3, "Kommentar": null, "Adresse": {"Name": "Łucja", "Ort": "Gdańsk"}},
{"Id": 4, "Kommentar": "Żółw", "Adresse": null},
{"Id": 5, "Kommentar": "ok", "Adresse": null}
]`
	var rejected []string
	sink, _, err := runWithFiles(t, map[string]string{"p.yaml": p}, "orders.json", []byte(in), RunOptions{Rejected: func(_ *formats.Record, err error) {
		rejected = append(rejected, err.Error())
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`orders.json:3:11: field "Kommentar": Bestellung 2: "Grüße 🙂" enthält "🙂" (Kommentar), das Windows-1252 nicht darstellen kann; ` +
			`field "Adresse.Name" (4:14): Bestellung 2: "Michałowski" enthält "ł" (Adresse.Name), das Windows-1252 nicht darstellen kann`,
		`orders.json:5:2: field "Id": Bestellung 3 ist gesperrt; field "Adresse.Name": Bestellung 3: "Łucja" enthält "Ł" (Adresse.Name), das Windows-1252 nicht darstellen kann; ` +
			`field "Adresse.Ort": Bestellung 3: "Gdańsk" enthält "ń" (Adresse.Ort), das Windows-1252 nicht darstellen kann`,
	}
	if strings.Join(rejected, "\n") != strings.Join(want, "\n") {
		t.Errorf("rejected:\n%s\nwant:\n%s", strings.Join(rejected, "\n"), strings.Join(want, "\n"))
	}
	// record 4 is let through by when:
	if out := sink.files["out/x.jsonl"].String(); !strings.Contains(out, "danke") || !strings.Contains(out, "Żółw") || strings.Contains(out, "Grüße") {
		t.Errorf("output %q", out)
	}
	for _, c := range []struct{ rule, want string }{
		{`{encodable: windows-1252, fields: [A], message: m, check: "true"}`, "either check or encodable"},
		{`{encodable: klingon, fields: [A], message: m}`, "klingon"},
		{`{encodable: windows-1252, message: m}`, "fields"},
		{`{encodable: windows-1252, fields: [A], when: "1 +", message: m}`, "when"},
		{`{message: m}`, "check (an expression that must be true) or encodable"},
	} {
		y := "name: x\ninput: {inbox: in, format: json}\nsteps:\n  - validate:\n      rules:\n        - " + c.rule + "\noutputs:\n  - {outbox: out, name: x.csv, format: csv}\n"
		if got := compileErr(t, y); !strings.Contains(got, c.want) {
			t.Errorf("%s: error %q, want it to mention %q", c.rule, got, c.want)
		}
	}
}

// In a pipeline that declares field types (a strict expression
// environment) an encodable rule's message may still compute with value,
// char and field.
func TestValidateEncodableDeclaredTypes(t *testing.T) {
	const p = `name: x
input: {inbox: in, format: json}
fields: {Id: int}
steps:
  - validate:
      rules:
        - encodable: windows-1252
          fields: [Name]
          message: '${Id}: ${upper(value)} / ${char} / ${lower(field)}'
outputs:
  - {outbox: out, name: x.jsonl, format: jsonl}
`
	_, _, err := runWithFiles(t, map[string]string{"p.yaml": p}, "o.json", []byte(`[{"Id": 7, "Name": "Łucja"}]`), RunOptions{})
	if err == nil || !strings.Contains(err.Error(), `7: ŁUCJA / Ł / name`) {
		t.Errorf("err %v", err)
	}
}
