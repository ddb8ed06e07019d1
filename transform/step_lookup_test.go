package transform

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/formats"
)

// lookupDir lays out a configuration folder: the tables of
// testdata/lookup under lookups/, plus files (name → content).
func lookupDir(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	ents, err := os.ReadDir(filepath.Join("testdata", "lookup"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "lookups"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("testdata", "lookup", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "lookups", e.Name()), b)
	}
	for name, content := range files {
		writeFile(t, filepath.Join(dir, filepath.FromSlash(name)), []byte(content))
	}
	return dir
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// compileFile loads and compiles one pipeline file on its own.
func compileFile(t testing.TB, path string) (*Pipeline, error) {
	t.Helper()
	pc, err := LoadPipeline(path)
	if err != nil {
		return nil, err
	}
	return Compile(pc, nil, testFunctions())
}

// runOn runs a compiled pipeline on input (read with the pipeline's input
// settings).
func runOn(t testing.TB, p *Pipeline, source, input string, opt RunOptions) (*memSink, Stats, error) {
	t.Helper()
	ic := p.Config.Input
	f, _ := formats.Builtin().Lookup(ic.Format)
	rd, err := formats.NewTextReader(f, strings.NewReader(input), source, ic.Encoding, ic.FormatOpts)
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	st, err := p.Run(context.Background(), rd, Source{Path: source}, sink, opt)
	return sink, st, err
}

// lookupPipeline is a pipeline with three declared tables; STEPS is
// replaced by the steps under test.
const lookupPipeline = `name: orders
input: {inbox: in, format: csv}
tables:
  zahlungsarten: {file: lookups/zahlungsarten.csv, key: [Zahlungsmethode]}
  kunden: {file: lookups/kunden.csv}
  versand:
    file: lookups/versandkosten.csv
    key: [Land, Versandart]
steps:
STEPS
outputs:
  - {outbox: out, name: x.jsonl, format: jsonl}
`

const ordersCSV = "Id;CustomerId;PaymentMethodSystemName;Land;Versandart;Sku\n" +
	"5012;2187;Payments.PayPal;DE;DHL Paket;000815\n" +
	"5013;2203;Payments.Invoice;AT;DHL Paket;00042\n"

func lookupYAML(steps string) string { return strings.Replace(lookupPipeline, "STEPS", steps, 1) }

func TestLookupStep(t *testing.T) {
	cases := []struct {
		name, steps, input, want string
	}{
		{"named table, fields mapped",
			`  - lookup:
      table: zahlungsarten
      keys: {Zahlungsmethode: PaymentMethodSystemName}
      fields: {Zahlungsart: Zahlungsart, Ziel: Zahlungsziel_Tage}
  - map: {Id: Id, Zahlungsart: Zahlungsart, Ziel: Ziel}`, ordersCSV,
			`{"Id":"5012","Zahlungsart":"PP","Ziel":"0"}` + "\n" + `{"Id":"5013","Zahlungsart":"RE","Ziel":"14"}` + "\n"},
		{"fields default to every non-key column",
			`  - lookup: {table: kunden, keys: {CustomerId: CustomerId}}
  - drop: [PaymentMethodSystemName, Land, Versandart, Sku]`, ordersCSV,
			`{"Id":"5012","CustomerId":"2187","Kundennummer":"10000","Preisgruppe":"1"}` + "\n" +
				`{"Id":"5013","CustomerId":"2203","Kundennummer":"10002","Preisgruppe":"2"}` + "\n"},
		{"table given as a file, Windows-1252",
			`  - lookup:
      table: lookups/laender.csv
      encoding: windows-1252
      keys: {ISO: Land}
      fields: {Land: Landkuerzel, Landname: Bezeichnung}
  - map: {Id: Id, Land: Land, Landname: Landname}`, ordersCSV,
			`{"Id":"5012","Land":"D","Landname":"Deutschland"}` + "\n" + `{"Id":"5013","Land":"A","Landname":"Österreich"}` + "\n"},
		{"key of two columns",
			`  - lookup:
      table: versand
      keys: {Land: Land, Versandart: Versandart}
      fields: {Versandkosten: Preis}
  - map: {Id: Id, Versandkosten: Versandkosten}`, ordersCSV,
			`{"Id":"5012","Versandkosten":"4,90"}` + "\n" + `{"Id":"5013","Versandkosten":"9,90"}` + "\n"},
		{"key columns in another order than declared",
			`  - lookup:
      table: versand
      keys: {Versandart: Versandart, Land: Land}
      fields: {Versandkosten: Preis}
  - map: {Id: Id, Versandkosten: Versandkosten}`, ordersCSV,
			`{"Id":"5012","Versandkosten":"4,90"}` + "\n" + `{"Id":"5013","Versandkosten":"9,90"}` + "\n"},
		{"keys are trimmed; ignore_case",
			`  - lookup:
      table: zahlungsarten
      ignore_case: true
      keys: {Zahlungsmethode: PaymentMethodSystemName}
      fields: {Zahlungsart: Zahlungsart}
  - map: {Id: Id, Zahlungsart: Zahlungsart}`,
			"Id;PaymentMethodSystemName\n1; payments.paypal \n2;PAYMENTS.INVOICE\n",
			`{"Id":"1","Zahlungsart":"PP"}` + "\n" + `{"Id":"2","Zahlungsart":"RE"}` + "\n"},
		{"key from an expression",
			`  - lookup:
      table: lookups/laender.csv
      keys: {ISO: 'upper(trim(Land))'}
      fields: {Landkuerzel: Landkuerzel}
  - map: {Id: Id, Landkuerzel: Landkuerzel}`,
			"Id;Land\n1;ch\n",
			`{"Id":"1","Landkuerzel":"CH"}` + "\n"},
		{"leading zeros are part of the key",
			`  - lookup:
      table: lookups/artikel.csv
      keys: {Artikelnummer: Sku}
      fields: {Steuercode: Steuercode}
      missing: default
  - map: {Sku: Sku, Steuercode: Steuercode}`,
			"Sku\n00042\n42\n0042\n",
			`{"Sku":"00042","Steuercode":"2"}` + "\n" + `{"Sku":"42","Steuercode":""}` + "\n" + `{"Sku":"0042","Steuercode":""}` + "\n"},
		{"existing field is overwritten in place",
			`  - lookup:
      table: lookups/laender.csv
      keys: {ISO: Land}
      fields: {Land: Landkuerzel}`,
			"Land;Ort\nAT;Wien\n",
			`{"Land":"A","Ort":"Wien"}` + "\n"},
		{"missing: default",
			`  - lookup:
      table: zahlungsarten
      keys: {Zahlungsmethode: PaymentMethodSystemName}
      fields: {Zahlungsart: Zahlungsart, Ziel: Zahlungsziel_Tage, Hinweis: Zahlungsart}
      default: {Zahlungsart: RE, Ziel: 14}
  - map: {Id: Id, Zahlungsart: Zahlungsart, Ziel: Ziel, Hinweis: Hinweis}`,
			"Id;PaymentMethodSystemName\n1;Payments.Bitcoin\n2;Payments.PayPal\n3;\n",
			`{"Id":"1","Zahlungsart":"RE","Ziel":14,"Hinweis":""}` + "\n" +
				`{"Id":"2","Zahlungsart":"PP","Ziel":"0","Hinweis":"PP"}` + "\n" +
				`{"Id":"3","Zahlungsart":"RE","Ziel":14,"Hinweis":""}` + "\n"},
		{"missing: drop",
			`  - lookup:
      table: kunden
      keys: {CustomerId: CustomerId}
      fields: {Kundennummer: Kundennummer}
      missing: drop
  - map: {Id: Id, Kundennummer: Kundennummer}`,
			"Id;CustomerId\n1;2187\n2;9999\n3;2211\n",
			`{"Id":"1","Kundennummer":"10000"}` + "\n" + `{"Id":"3","Kundennummer":"10003"}` + "\n"},
		{"fields under a YAML anchor keep their order",
			`  - lookup: {table: kunden, keys: {CustomerId: CustomerId}, fields: &f {Kdnr: Kundennummer, Gruppe: Preisgruppe}}`,
			"Id;CustomerId\n1;2187\n",
			`{"Id":"1","CustomerId":"2187","Kdnr":"10000","Gruppe":"1"}` + "\n"},
		{"two steps share one table file",
			`  - lookup: {table: lookups/laender.csv, keys: {ISO: Land}, fields: {Kz: Landkuerzel}}
  - lookup: {table: lookups/laender.csv, keys: {Landkuerzel: Kz}, fields: {Zurueck: ISO}}
  - map: {Land: Land, Kz: Kz, Zurueck: Zurueck}`,
			"Land\nCH\n",
			`{"Land":"CH","Kz":"CH","Zurueck":"CH"}` + "\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := lookupDir(t, map[string]string{"p.yaml": lookupYAML(c.steps)})
			p, err := compileFile(t, filepath.Join(dir, "p.yaml"))
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			sink, _, err := runOn(t, p, "orders.csv", c.input, RunOptions{})
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if got := sink.files["out/x.jsonl"].String(); got != c.want {
				t.Errorf("output\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

// TestLookupMissingKey checks the record error of a key that is not in
// the table: the key field's position, its name, the value, the table.
func TestLookupMissingKey(t *testing.T) {
	const steps = `  - lookup:
      table: kunden
      keys: {CustomerId: CustomerId}
      fields: {Kundennummer: Kundennummer}
  - lookup:
      table: versand
      keys: {Land: Land, Versandart: Versandart}
      fields: {Versandkosten: Preis}
  - lookup: {table: lookups/artikel.csv, keys: {Artikelnummer: 'trim(Sku)'}, fields: {Steuercode: Steuercode}}`
	dir := lookupDir(t, map[string]string{"p.yaml": lookupYAML(steps)})
	p, err := compileFile(t, filepath.Join(dir, "p.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	in := "Id;CustomerId;Land;Versandart;Sku\n" +
		"5012;2187;DE;DHL Paket;000815\n" +
		"5013;9999;DE;DHL Paket;000815\n" +
		"5014;2187;AT;DHL Express;000815\n" +
		"5015;2187;DE;DHL Paket;000817\n" +
		"5016;;DE;DHL Paket;000815\n"
	_, st, err := runOn(t, p, "orders.csv", in, RunOptions{})
	if err == nil {
		t.Fatal("no error")
	}
	want := []string{
		`orders.csv:3:6: field "CustomerId": "9999" is not in lookup table "kunden" (lookups/kunden.csv)`,
		`orders.csv:4:11: no row with Land "AT" and Versandart "DHL Express" in lookup table "versand" (lookups/versandkosten.csv)`,
		`orders.csv:5:24: field "Sku": "000817" is not in lookup table lookups/artikel.csv`,
		`orders.csv:6:6: field "CustomerId": the value is empty, so it cannot be found in lookup table "kunden" (lookups/kunden.csv)`,
	}
	if got := err.Error(); got != strings.Join(want, "\n") {
		t.Errorf("error\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
	if st.Rejected != 4 {
		t.Errorf("stats %+v", st)
	}

	// Under on_error reject the records are refused, the others go on.
	var rejected []string
	sink, _, err := runOn(t, p, "orders.csv", in, RunOptions{OnError: "reject", Rejected: func(r *formats.Record, err error) {
		rejected = append(rejected, r.Text("Id"))
		if de := formats.AsDataError(err); de == nil || !de.RecordOnly {
			t.Errorf("not a record error: %#v", err)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rejected, " "); got != "5013 5014 5015 5016" {
		t.Errorf("rejected %s", got)
	}
	if got := sink.files["out/x.jsonl"].String(); !strings.HasPrefix(got, `{"Id":"5012"`) || strings.Count(got, "\n") != 1 {
		t.Errorf("output %s", got)
	}
}

// TestLookupJSONPosition checks the error of a missing key read from a
// nested JSON value: it is reported at the value's line.
func TestLookupJSONPosition(t *testing.T) {
	const pl = `name: orders
input: {inbox: in, format: json}
steps:
  - lookup:
      table: lookups/artikel.csv
      keys: {Artikelnummer: Sku}
      fields: {Bezeichnung: Bezeichnung}
outputs:
  - {outbox: out, name: x.jsonl, format: jsonl}
`
	dir := lookupDir(t, map[string]string{"p.yaml": pl})
	p, err := compileFile(t, filepath.Join(dir, "p.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	in := "[\n  {\"OrderNumber\": \"5017\",\n   \"Sku\": \"000815\"},\n  {\"OrderNumber\": \"5018\",\n   \"Sku\": \"000817\"}\n]\n"
	_, _, err = runOn(t, p, "orders.json", in, RunOptions{})
	if err == nil || err.Error() != `orders.json:5:4: field "Sku": "000817" is not in lookup table lookups/artikel.csv` {
		t.Errorf("err = %v", err)
	}
}

func TestLookupKeyErrors(t *testing.T) {
	dir := lookupDir(t, map[string]string{"p.yaml": lookupYAML(`  - lookup: {table: kunden, keys: {CustomerId: CustomerId}}`)})
	p, err := compileFile(t, filepath.Join(dir, "p.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = runOn(t, p, "o.csv", "Id;Kunde\n1;2187\n", RunOptions{})
	if err == nil || !strings.Contains(err.Error(), `o.csv:2:1: the input has no field "CustomerId" (it has: Id, Kunde)`) {
		t.Errorf("err = %v", err)
	}
}

// TestLookupConfigErrors checks every configuration mistake: positioned
// in the pipeline file, with the table file and line where it helps.
func TestLookupConfigErrors(t *testing.T) {
	const head = "name: x\ninput: {inbox: in, format: csv}\n"
	const tail = "outputs:\n  - {outbox: out, name: x.csv, format: csv}\n"
	cases := []struct {
		name, yaml string
		files      map[string]string
		want       []string
	}{
		{"declared file missing",
			head + "tables:\n  kunden: {file: lookups/kundn.csv}\n" + tail, nil,
			[]string{`p.yaml:4:12: tables.kunden.file: lookups/kundn.csv: file not found (looked for `}},
		{"step file missing",
			head + "steps:\n  - lookup: {table: lookups/kundn.csv, keys: {CustomerId: CustomerId}}\n" + tail, nil,
			[]string{`p.yaml:4:14: steps[0].lookup.table: lookups/kundn.csv: file not found (looked for `}},
		{"declared key column missing",
			head + "tables:\n  kunden:\n    file: lookups/kunden.csv\n    key: [Kundenid]\n" + tail, nil,
			[]string{`p.yaml:6:5: tables.kunden.key: lookups/kunden.csv has no column "Kundenid" (it has: CustomerId, Kundennummer, Preisgruppe)`}},
		{"step key column missing",
			head + "steps:\n  - lookup:\n      table: lookups/kunden.csv\n      keys: {CustomerID: Id}\n" + tail, nil,
			[]string{`p.yaml:6:14: steps[0].lookup.keys.CustomerID: lookups/kunden.csv has no column "CustomerID" (it has: CustomerId, Kundennummer, Preisgruppe)`}},
		{"step field column missing",
			head + "steps:\n  - lookup:\n      table: lookups/kunden.csv\n      keys: {CustomerId: Id}\n      fields:\n        Kdnr: Kundenummer\n" + tail, nil,
			[]string{`p.yaml:8:9: steps[0].lookup.fields.Kdnr: lookups/kunden.csv has no column "Kundenummer" (it has: CustomerId, Kundennummer, Preisgruppe)`}},
		{"duplicate key names both lines",
			head + "tables:\n  kunden: {file: lookups/kunden-doppelt.csv}\n" + tail, nil,
			[]string{`p.yaml:4:12: tables.kunden.file: duplicate key "2187": lookups/kunden-doppelt.csv:2 and lookups/kunden-doppelt.csv:4`}},
		{"duplicate key of a step's key columns",
			head + "steps:\n  - lookup:\n      table: lookups/kunden.csv\n      keys: {Preisgruppe: Gruppe}\n" + tail, nil,
			[]string{`p.yaml:6:7: steps[0].lookup.keys: duplicate key "1": lookups/kunden.csv:2 and lookups/kunden.csv:3`,
				`p.yaml:6:7: steps[0].lookup.keys: duplicate key "2": lookups/kunden.csv:4 and lookups/kunden.csv:5`}},
		{"duplicate key of two columns",
			head + "tables:\n  v:\n    file: lookups/v.csv\n    key: [Land, Versandart]\n" + tail,
			map[string]string{"lookups/v.csv": "Land;Versandart;Preis\nDE;Paket;4,90\nAT;Paket;9,90\nDE;Paket;5,90\n"},
			[]string{`p.yaml:6:5: tables.v.key: duplicate key Land "DE", Versandart "Paket": lookups/v.csv:2 and lookups/v.csv:4`}},
		{"duplicate key under ignore_case",
			head + "tables:\n  z:\n    file: lookups/z.csv\n    ignore_case: true\n" + tail,
			map[string]string{"lookups/z.csv": "Code;Text\nPP;PayPal\npp;PayPal klein\n"},
			[]string{`p.yaml:5:5: tables.z.file: duplicate key "pp": lookups/z.csv:2 and lookups/z.csv:3`}},
		{"outside the configuration folder",
			head + "tables:\n  kunden: {file: ../kunden.csv}\n" + tail, nil,
			[]string{`p.yaml:4:12: tables.kunden.file: "../kunden.csv" is outside the configuration folder; a lookup table must be inside it, or be written as an absolute path`}},
		{"step table outside the configuration folder",
			head + "steps:\n  - lookup: {table: lookups/../../kunden.csv, keys: {CustomerId: Id}}\n" + tail, nil,
			[]string{`p.yaml:4:14: steps[0].lookup.table: "lookups/../../kunden.csv" is outside the configuration folder`}},
		{"unknown table name",
			head + "tables:\n  kunden: {file: lookups/kunden.csv}\nsteps:\n  - lookup: {table: kundn, keys: {CustomerId: Id}}\n" + tail, nil,
			[]string{`p.yaml:6:14: steps[0].lookup.table: there is no lookup table "kundn" (declared: kunden); name a table from tables: or a file such as lookups/kundn.csv`}},
		{"table settings belong to the declaration",
			head + "tables:\n  kunden: {file: lookups/kunden.csv}\nsteps:\n  - lookup:\n      table: kunden\n      encoding: utf-8\n      keys: {CustomerId: Id}\n" + tail, nil,
			[]string{`p.yaml:8:7: steps[0].lookup.encoding: encoding belongs to the declaration of table "kunden" under tables:`}},
		{"default without missing: default",
			head + "steps:\n  - lookup:\n      table: lookups/kunden.csv\n      keys: {CustomerId: Id}\n      missing: error\n      default: {Kundennummer: \"0\"}\n" + tail, nil,
			[]string{`p.yaml:8:7: steps[0].lookup.default: default values are used only with missing: default (this step has missing: error)`}},
		{"default for a field the step does not set",
			head + "steps:\n  - lookup:\n      table: lookups/kunden.csv\n      keys: {CustomerId: Id}\n      fields: {Kdnr: Kundennummer}\n      default: {Kundennummer: \"0\"}\n" + tail, nil,
			[]string{`p.yaml:8:17: steps[0].lookup.default.Kundennummer: "Kundennummer" is not one of the fields this lookup sets (Kdnr)`}},
		{"bad key expression",
			head + "steps:\n  - lookup:\n      table: lookups/kunden.csv\n      keys: {CustomerId: 'Id +'}\n" + tail, nil,
			[]string{`p.yaml:6:26: steps[0].lookup.keys.CustomerId: unexpected token EOF`}},
		{"too many rows",
			head + "tables:\n  kunden: {file: lookups/kunden.csv, max_rows: 3}\n" + tail, nil,
			[]string{`p.yaml:4:12: tables.kunden.file: lookups/kunden.csv has more than 3 rows; a lookup table is held in memory whole – if the file is right, raise the table's max_rows`}},
		{"no data rows",
			head + "tables:\n  leer: {file: lookups/leer.csv}\n" + tail,
			map[string]string{"lookups/leer.csv": "Code;Text\r\n"},
			[]string{`p.yaml:4:10: tables.leer.file: lookups/leer.csv has no data rows; a lookup table needs at least one`}},
		{"bad table content",
			head + "tables:\n  z: {file: lookups/z.csv}\n" + tail,
			map[string]string{"lookups/z.csv": "Code;Text\nPP;PayPal\nRE;Rechnung;zu viel\n"},
			[]string{`p.yaml:4:7: tables.z.file: lookups/z.csv:3: 3 fields, the header has 2`}},
		{"unknown extension",
			head + "tables:\n  z: {file: lookups/z.dat}\n" + tail, nil,
			[]string{`p.yaml:4:7: tables.z.file: cannot tell the format of "lookups/z.dat" from its extension; add format: csv or format: xlsx`}},
		{"unknown table option",
			head + "tables:\n  z: {file: lookups/kunden.csv, options: {delimter: \";\"}}\n" + tail, nil,
			[]string{`p.yaml:4:33: tables.z.options: csv has no option "delimter"`}},
		{"schema: key is a list",
			head + "tables:\n  z: {file: lookups/kunden.csv, key: CustomerId}\n" + tail, nil,
			[]string{`p.yaml:4:33: tables.z.key: got string, want array`}},
		{"schema: unknown missing mode",
			head + "steps:\n  - lookup: {table: lookups/kunden.csv, keys: {CustomerId: Id}, missing: skip}\n" + tail, nil,
			[]string{`steps[0].lookup.missing: value must be one of 'error', 'default', 'drop'`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			files := map[string]string{"p.yaml": c.yaml}
			for k, v := range c.files {
				files[k] = v
			}
			dir := lookupDir(t, files)
			_, err := compileFile(t, filepath.Join(dir, "p.yaml"))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\ndoes not contain\n%s", err, w)
				}
			}
		})
	}
}

// TestLookupXLSXTable reads a table from a workbook (numeric cells come as
// the text Excel shows); duplicate keys are reported by cell.
func TestLookupXLSXTable(t *testing.T) {
	xlsx := func(rows [][]string) string {
		var b bytes.Buffer
		w, err := formats.NewXLSXWriter(&b, formats.XLSXOptions{SheetName: "Preise", NumberColumns: []string{"Preis"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows[1:] {
			r := formats.NewRecord(len(row))
			for i, v := range row {
				val := formats.String(v)
				if rows[0][i] == "Preis" {
					val = formats.Number(v)
				}
				r.Add(rows[0][i], val, formats.Pos{})
			}
			if err := w.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	const pl = `name: x
input: {inbox: in, format: csv}
tables:
  preise: {file: lookups/preise.xlsx, key: [Artikelnummer, Preisgruppe]}
steps:
  - lookup:
      table: preise
      keys: {Artikelnummer: Sku, Preisgruppe: Gruppe}
      fields: {Preis: Preis}
outputs:
  - {outbox: out, name: x.jsonl, format: jsonl}
`
	good := xlsx([][]string{{"Artikelnummer", "Preisgruppe", "Preis"}, {"000815", "1", "8.3193"}, {"000815", "2", "7.5"}, {"00042", "1", "8.50"}})
	dir := lookupDir(t, map[string]string{"p.yaml": pl, "lookups/preise.xlsx": good})
	p, err := compileFile(t, filepath.Join(dir, "p.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sink, _, err := runOn(t, p, "o.csv", "Sku;Gruppe\n000815;2\n00042;1\n", RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sink.files["out/x.jsonl"].String(), `{"Sku":"000815","Gruppe":"2","Preis":"7.5"}`+"\n"+`{"Sku":"00042","Gruppe":"1","Preis":"8.5"}`+"\n"; got != want {
		t.Errorf("output\n%s\nwant\n%s", got, want)
	}

	dup := xlsx([][]string{{"Artikelnummer", "Preisgruppe", "Preis"}, {"000815", "1", "8.3193"}, {"00042", "1", "8.50"}, {"000815", "1", "7.5"}})
	dir = lookupDir(t, map[string]string{"p.yaml": pl, "lookups/preise.xlsx": dup})
	_, err = compileFile(t, filepath.Join(dir, "p.yaml"))
	if err == nil || !strings.Contains(err.Error(), `p.yaml:4:39: tables.preise.key: duplicate key Artikelnummer "000815", Preisgruppe "1": lookups/preise.xlsx:Preise!A2 and lookups/preise.xlsx:Preise!A4`) {
		t.Errorf("err = %v", err)
	}
}
