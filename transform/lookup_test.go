package transform

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ferry-sync/ferry/formats"
	"github.com/ferry-sync/ferry/schemas"
)

const kundenPipeline = `name: kunden
input: {inbox: in, format: csv}
tables:
  kunden: {file: lookups/kunden.csv}
steps:
  - lookup: {table: kunden, keys: {CustomerId: CustomerId}, fields: {Kundennummer: Kundennummer}}
outputs:
  - {outbox: out, name: x.csv, format: csv, options: {line_ending: lf}}
`

// TestProjectTables checks tables declared in ferry.yaml: every pipeline
// sees them, a pipeline's own table of the same name wins.
func TestProjectTables(t *testing.T) {
	dir := lookupDir(t, map[string]string{
		"ferry.yaml": `version: 1
tables:
  laender: {file: lookups/laender.csv, encoding: windows-1252, key: [ISO]}
  zahlungsarten: {file: lookups/zahlungsarten.csv}
`,
		"pipelines/a.yaml": `name: a
input: {inbox: in, format: csv}
tables:
  zahlungsarten: {file: lookups/zahlungsarten-b2b.csv}
steps:
  - lookup: {table: laender, keys: {ISO: Land}, fields: {Land: Landkuerzel}}
  - lookup: {table: zahlungsarten, keys: {Zahlungsmethode: Zahlung}, fields: {Zahlung: Zahlungsart}}
outputs:
  - {outbox: out, name: x.csv, format: csv, options: {line_ending: lf}}
`,
		"pipelines/b.yaml": `name: b
input: {inbox: in, format: csv}
steps:
  - lookup: {table: zahlungsarten, keys: {Zahlungsmethode: Zahlung}, fields: {Zahlung: Zahlungsart}}
outputs:
  - {outbox: out, name: x.csv, format: csv, options: {line_ending: lf}}
`,
		"lookups/zahlungsarten-b2b.csv": "Zahlungsmethode;Zahlungsart\nPayments.Invoice;RE30\n",
	})
	proj, err := LoadProject(filepath.Join(dir, "ferry.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"a": "Land;Zahlung\nA;RE30\n",
		"b": "Land;Zahlung\nAT;RE\n",
	}
	for _, pc := range proj.Pipelines {
		p, err := Compile(pc, proj, testFunctions())
		if err != nil {
			t.Fatal(err)
		}
		sink, _, err := runOn(t, p, "o.csv", "Land;Zahlung\nAT;Payments.Invoice\n", RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := sink.files["out/x.csv"].String(); got != want[pc.Name] {
			t.Errorf("pipeline %s:\n%s\nwant\n%s", pc.Name, got, want[pc.Name])
		}
	}
	// Both pipelines share the project's table: it was read once.
	if proj.tables.byName["laender"] == nil || len(proj.tables.byName["zahlungsarten"].views) != 2 {
		t.Errorf("project tables %+v", proj.tables.byName)
	}
}

func TestProjectTableErrors(t *testing.T) {
	dir := lookupDir(t, map[string]string{
		"ferry.yaml": "version: 1\ntables:\n  laender: {file: lookups/laendr.csv}\n  z: {file: /nowhere/z.csv}\n",
		"pipelines/a.yaml": `name: a
input: {inbox: in, format: csv}
steps:
  - lookup: {table: laender, keys: {ISO: Land}}
outputs:
  - {outbox: out, name: x.csv, format: csv}
`,
	})
	proj, err := LoadProject(filepath.Join(dir, "ferry.yaml"))
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range []string{
		"ferry.yaml:3:13: tables.laender.file: lookups/laendr.csv: file not found (looked for " + filepath.Join(dir, "lookups", "laendr.csv") + ")",
		"ferry.yaml:4:7: tables.z.file: /nowhere/z.csv: file not found (looked for " + filepath.FromSlash("/nowhere/z.csv"),
	} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error\n%v\ndoes not contain\n%s", err, w)
		}
	}
	_, err = Compile(proj.Pipelines[0], proj, testFunctions())
	if err == nil || err.Error() != `pipelines/a.yaml:4:14: steps[0].lookup.table: lookup table "laender" could not be loaded (see the error for ferry.yaml)` {
		t.Errorf("compile: %v", err)
	}
}

// setTable rewrites a table file and gives it the modification time mt.
func setTable(t *testing.T, path, content string, mt time.Time) {
	t.Helper()
	writeFile(t, path, []byte(content))
	if err := os.Chtimes(path, mt, mt); err != nil {
		t.Fatal(err)
	}
}

// TestLookupReload checks that a run reads a changed table again, that a
// broken new version fails the run and keeps the old one, and that the
// table works again once it is fixed.
func TestLookupReload(t *testing.T) {
	dir := lookupDir(t, map[string]string{"p.yaml": kundenPipeline})
	table := filepath.Join(dir, "lookups", "kunden.csv")
	p, err := compileFile(t, filepath.Join(dir, "p.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	run := func() (string, error) {
		sink, _, err := runOn(t, p, "o.csv", "CustomerId\n2187\n", RunOptions{})
		if err != nil {
			return "", err
		}
		return strings.TrimPrefix(sink.files["out/x.csv"].String(), "CustomerId;Kundennummer\n"), nil
	}
	step := func(name, want string) {
		t.Helper()
		got, err := run()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	step("as loaded", "2187;10000\n")

	base := time.Now().Add(-time.Hour).Truncate(time.Second)
	setTable(t, table, "CustomerId;Kundennummer\n2187;20000\n2190;20001\n", base)
	step("changed size", "2187;20000\n")

	setTable(t, table, "CustomerId;Kundennummer\n2187;30000\n2190;30001\n", base.Add(time.Second))
	step("same size, new time", "2187;30000\n")

	setTable(t, table, "CustomerId;Kundennummer\n2187;40000\n2187;40001\n", base.Add(2*time.Second))
	for range 2 { // the same broken version fails every run
		_, err = run()
		want := `lookup table "kunden" (lookups/kunden.csv) changed and the new version cannot be used: duplicate key "2187": lookups/kunden.csv:2 and lookups/kunden.csv:3 – fix the table; files that need it fail until then`
		if err == nil || err.Error() != want {
			t.Fatalf("broken table: %v\nwant %s", err, want)
		}
	}
	// The old version stays loaded (lookup() goes on with it).
	if row, ok, err := p.fns.Lookup("kunden", "2187"); err != nil || !ok || row.(map[string]any)["Kundennummer"] != "30000" {
		t.Errorf("kept version: %v %v %v", row, ok, err)
	}

	setTable(t, table, "CustomerId;Kundennummer\n2187;50000\n2190;50001\n", base.Add(3*time.Second))
	step("fixed", "2187;50000\n")

	if err := os.Remove(table); err != nil {
		t.Fatal(err)
	}
	if _, err := run(); err == nil || !strings.Contains(err.Error(), `lookup table "kunden" (lookups/kunden.csv) changed and the new version cannot be used: lookups/kunden.csv: file not found`) {
		t.Errorf("removed table: %v", err)
	}
}

// TestLookupConcurrentRuns runs a pipeline on many files at once while
// its table is replaced again and again: every run must see one version
// of the table from its first record to its last (run with -race).
func TestLookupConcurrentRuns(t *testing.T) {
	dir := lookupDir(t, map[string]string{"p.yaml": kundenPipeline})
	table := filepath.Join(dir, "lookups", "kunden.csv")
	versions := []string{
		"CustomerId;Kundennummer\n2187;1\n2190;1\n",
		"CustomerId;Kundennummer\n2187;22\n2190;22\n",
	}
	writeFile(t, table, []byte(versions[0]))
	p, err := compileFile(t, filepath.Join(dir, "p.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	in.WriteString("CustomerId\n")
	for i := range 500 {
		in.WriteString([]string{"2187\n", "2190\n"}[i%2])
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 40 {
			tmp := table + ".tmp"
			if err := os.WriteFile(tmp, []byte(versions[i%2]), 0o644); err != nil {
				t.Error(err)
				return
			}
			_ = os.Rename(tmp, table) // may be refused on Windows while a run reads the file: then the next one
		}
	})
	for range 8 {
		wg.Go(func() {
			for range 10 {
				sink, _, err := runOn(t, p, "o.csv", in.String(), RunOptions{})
				if err != nil {
					t.Error(err)
					return
				}
				lines := strings.Split(strings.TrimSpace(sink.files["out/x.csv"].String()), "\n")[1:]
				for _, l := range lines {
					if l[5:] != lines[0][5:] {
						t.Errorf("one run saw two versions: %q and %q", lines[0], l)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

// TestLookupFunction checks the engine side of lookup() and lookupOr():
// each pipeline gets its own Lookup over its own and the project's tables.
func TestLookupFunction(t *testing.T) {
	dir := lookupDir(t, map[string]string{
		"p.yaml":                 lookupYAML("  - filter: 'true'"),
		"q.yaml":                 strings.Replace(lookupYAML("  - filter: 'true'"), "file: lookups/kunden.csv", "file: lookups/kunden-b2b.csv", 1),
		"lookups/kunden-b2b.csv": "CustomerId;Kundennummer\n2187;70000\n",
	})
	clock := func() time.Time { return time.Date(2026, 3, 18, 0, 0, 0, 0, time.UTC) }
	var outerCalls []string
	fns := &Functions{Now: clock, Lookup: func(table string, keys ...string) (any, bool, error) {
		outerCalls = append(outerCalls, table)
		return "outer", true, nil
	}}
	compile := func(name string) *Pipeline {
		pc, err := LoadPipeline(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		p, err := Compile(pc, nil, fns)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p, q := compile("p.yaml"), compile("q.yaml")
	if p.fns == fns || p.fns.Now == nil || !p.fns.Now().Equal(clock()) {
		t.Fatalf("the pipeline's Functions must be a copy with the same settings")
	}

	row, ok, err := p.fns.Lookup("zahlungsarten", "Payments.PayPal")
	if err != nil || !ok || !reflect.DeepEqual(row, map[string]any{"Zahlungsmethode": "Payments.PayPal", "Zahlungsart": "PP", "Zahlungsziel_Tage": "0"}) {
		t.Errorf("lookup: %v %v %v", row, ok, err)
	}
	if row, ok, err := p.fns.Lookup("versand", " DE ", "DHL Express"); err != nil || !ok || row.(map[string]any)["Preis"] != "12,90" {
		t.Errorf("two keys: %v %v %v", row, ok, err)
	}
	if row, ok, err := p.fns.Lookup("zahlungsarten", "Payments.Bitcoin"); err != nil || ok || row != nil {
		t.Errorf("missing key: %v %v %v", row, ok, err)
	}
	if _, _, err := p.fns.Lookup("versand", "DE"); err == nil || err.Error() != `lookup table "versand" (lookups/versandkosten.csv) has 2 key column(s) (Land, Versandart), but 1 key(s) were given` {
		t.Errorf("key count: %v", err)
	}
	// Two pipelines, one table name, two files.
	a, _, _ := p.fns.Lookup("kunden", "2187")
	b, _, _ := q.fns.Lookup("kunden", "2187")
	if a.(map[string]any)["Kundennummer"] != "10000" || b.(map[string]any)["Kundennummer"] != "70000" {
		t.Errorf("pipelines share a table: %v %v", a, b)
	}
	// Names that are no table of the pipeline go to the caller's Lookup.
	if v, ok, err := p.fns.Lookup("other", "x"); v != "outer" || !ok || err != nil || len(outerCalls) != 1 {
		t.Errorf("outer lookup: %v %v %v %v", v, ok, err, outerCalls)
	}
	fns.Lookup = nil
	r := compile("p.yaml")
	if _, _, err := r.fns.Lookup("other", "x"); err == nil || err.Error() != `there is no lookup table "other" (tables: kunden, versand, zahlungsarten)` {
		t.Errorf("unknown table: %v", err)
	}
	// A pipeline without tables keeps the caller's Functions.
	pc, err := LoadPipeline(filepath.Join(dir, "p.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	pc.Tables = nil
	s, err := Compile(pc, nil, fns)
	if err != nil || s.fns != fns {
		t.Errorf("no tables: %v, own Functions %v", err, s.fns != fns)
	}
}

// TestLookupExpression runs lookup() and lookupOr() in expressions.
func TestLookupExpression(t *testing.T) {
	dir := lookupDir(t, map[string]string{"p.yaml": lookupYAML(`  - set:
      Zahlungsart: lookup("zahlungsarten", PaymentMethodSystemName).Zahlungsart
      Kundennummer: 'lookupOr("kunden", {"Kundennummer": "NEU"}, CustomerId).Kundennummer'
      Fehler: 'lookupOr("versand", "-", "DE", "Brieftaube")'
  - map: {Id: Id, Zahlungsart: Zahlungsart, Kundennummer: Kundennummer, Fehler: Fehler}`)})
	p, err := compileFile(t, filepath.Join(dir, "p.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sink, _, err := runOn(t, p, "o.csv", "Id;CustomerId;PaymentMethodSystemName\n1;2187;Payments.PayPal\n2;4711;Payments.Invoice\n", RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sink.files["out/x.jsonl"].String(), `{"Id":"1","Zahlungsart":"PP","Kundennummer":"10000","Fehler":"-"}`+"\n"+`{"Id":"2","Zahlungsart":"RE","Kundennummer":"NEU","Fehler":"-"}`+"\n"; got != want {
		t.Errorf("output\n%s\nwant\n%s", got, want)
	}
}

// TestTableSchemasInSync: ferry.yaml and pipeline files declare tables
// the same way.
func TestTableSchemasInSync(t *testing.T) {
	load := func(name string) map[string]any {
		b, err := schemas.FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m["$defs"].(map[string]any)
	}
	p, q := load(schemas.Pipeline), load(schemas.Project)
	if !reflect.DeepEqual(p["table"], q["table"]) {
		t.Error(`$defs.table differs between the pipeline and the project schema`)
	}
	pt, qt := p["tables"].(map[string]any), q["tables"].(map[string]any)
	for _, k := range []string{"type", "propertyNames", "additionalProperties"} {
		if !reflect.DeepEqual(pt[k], qt[k]) {
			t.Errorf("$defs.tables.%s differs", k)
		}
	}
	// Every option of TableConfig is in the schema, and nothing else.
	var names []string
	rt := reflect.TypeFor[TableConfig]()
	for i := 0; i < rt.NumField(); i++ {
		names = append(names, strings.Split(rt.Field(i).Tag.Get("yaml"), ",")[0])
	}
	props := p["table"].(map[string]any)["properties"].(map[string]any)
	if len(props) != len(names) {
		t.Errorf("schema has %d table properties, TableConfig %d", len(props), len(names))
	}
	for _, n := range names {
		if props[n] == nil {
			t.Errorf("TableConfig field %q is not in the schema", n)
		}
	}
	// And every field of the step.
	step := p["step"].(map[string]any)["properties"].(map[string]any)["lookup"].(map[string]any)["properties"].(map[string]any)
	rt = reflect.TypeFor[lookupConfig]()
	if rt.NumField() != len(step) {
		t.Errorf("schema has %d lookup properties, lookupConfig %d", len(step), rt.NumField())
	}
	for i := 0; i < rt.NumField(); i++ {
		if n := rt.Field(i).Tag.Get("yaml"); step[n] == nil {
			t.Errorf("lookup field %q is not in the schema", n)
		}
	}
}

func TestLookupRowCap(t *testing.T) {
	var b strings.Builder
	b.WriteString("Nr;Text\n")
	for i := range 1001 {
		fmt.Fprintf(&b, "%05d;Zeile %d\n", i, i)
	}
	pl := strings.Replace(kundenPipeline, "kunden: {file: lookups/kunden.csv}", "kunden: {file: lookups/gross.csv, max_rows: 1000}", 1)
	dir := lookupDir(t, map[string]string{"p.yaml": pl, "lookups/gross.csv": b.String()})
	_, err := compileFile(t, filepath.Join(dir, "p.yaml"))
	if err == nil || !strings.Contains(err.Error(), "p.yaml:4:12: tables.kunden.file: lookups/gross.csv has more than 1000 rows; a lookup table is held in memory whole – if the file is right, raise the table's max_rows") {
		t.Errorf("err = %v", err)
	}
}

// BenchmarkLookupStep measures one lookup on a table of 100 000 rows.
func BenchmarkLookupStep(b *testing.B) {
	var tb strings.Builder
	tb.WriteString("CustomerId;Kundennummer;Preisgruppe\n")
	for i := range 100_000 {
		fmt.Fprintf(&tb, "%d;%d;%d\n", 2000+i, 10000+i, i%3)
	}
	dir := lookupDir(b, map[string]string{"p.yaml": kundenPipeline, "lookups/kunden.csv": tb.String()})
	p, err := compileFile(b, filepath.Join(dir, "p.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	st := &RunState{File: "o.csv", ev: newEvaluator(env{}), state: map[int]any{}}
	if errs := p.tables.begin(st); errs != nil {
		b.Fatal(errs)
	}
	recs := make([]*formats.Record, 1000)
	for i := range recs {
		r := formats.NewRecord(4)
		r.Add("OrderId", formats.String(fmt.Sprint(5000+i)), formats.Pos{Line: i + 2, Col: 1})
		r.Add("CustomerId", formats.String(fmt.Sprint(2000+i*97)), formats.Pos{Line: i + 2, Col: 6})
		r.Add("Land", formats.String("DE"), formats.Pos{Line: i + 2, Col: 12})
		recs[i] = r
	}
	step := p.steps[0]
	emit := func(*formats.Record) error { return nil }
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(int64(len("5012;2187;DE\n")))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := step.Apply(ctx, st, recs[i%len(recs)], emit); err != nil {
			b.Fatal(err)
		}
	}
}

// TestProjectTableUse checks which project tables a pipeline's runs
// depend on: the ones its steps name or its file mentions (for lookup()),
// not the others: a broken table of another pipeline does not stop it.
func TestProjectTableUse(t *testing.T) {
	const pl = `name: NAME
description: DESC
input: {inbox: in, format: csv}
steps:
  - lookup: {table: laender, keys: {ISO: Land}, fields: {Land: Landkuerzel}}
outputs:
  - {outbox: out, name: x.csv, format: csv, options: {line_ending: lf}}
`
	dir := lookupDir(t, map[string]string{
		"ferry.yaml":       "version: 1\ntables:\n  kunden: {file: lookups/kunden.csv}\n  laender: {file: lookups/laender.csv}\n",
		"pipelines/a.yaml": strings.NewReplacer("NAME", "a", "DESC", "Länder only").Replace(pl),
		"pipelines/b.yaml": strings.NewReplacer("NAME", "b", "DESC", `Kundennummer via lookup("kunden", CustomerId)`).Replace(pl),
	})
	proj, err := LoadProject(filepath.Join(dir, "ferry.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ps := map[string]*Pipeline{}
	for _, pc := range proj.Pipelines {
		if ps[pc.Name], err = Compile(pc, proj, testFunctions()); err != nil {
			t.Fatal(err)
		}
	}
	setTable(t, filepath.Join(dir, "lookups", "kunden.csv"), "CustomerId;Kundennummer\n1;1\n1;2\n", time.Now().Add(time.Hour))
	if _, _, err := runOn(t, ps["a"], "o.csv", "Land\nDE\n", RunOptions{}); err != nil {
		t.Errorf("a: %v", err)
	}
	if _, _, err := runOn(t, ps["b"], "o.csv", "Land\nDE\n", RunOptions{}); err == nil || !strings.Contains(err.Error(), `lookup table "kunden" (lookups/kunden.csv) changed`) {
		t.Errorf("b: %v", err)
	}
}

// lookup() gives the same map for a row while it stays in the row cache,
// the row's own for each row, and a row whose slot another row took is
// made afresh with the same content.
func TestLookupRowMaps(t *testing.T) {
	d := &tableData{cols: []string{"K", "V"}, rowMaps: new(rowCache)}
	for i := 0; i < rowMapSlots+3; i++ {
		d.cells = append(d.cells, formats.String(fmt.Sprint("k", i)), formats.String(fmt.Sprint("v", i)))
		d.pos = append(d.pos, formats.Pos{Line: i + 2})
	}
	a, b := d.rowMap(1), d.rowMap(2)
	if a["V"] != "v1" || b["V"] != "v2" || len(a) != 2 {
		t.Fatalf("rows %v %v", a, b)
	}
	if again := d.rowMap(1); fmt.Sprintf("%p", again) != fmt.Sprintf("%p", a) {
		t.Error("row 1 was made again while cached")
	}
	other := d.rowMap(1 + rowMapSlots) // same slot
	if other["V"] != fmt.Sprint("v", 1+rowMapSlots) {
		t.Errorf("row %d: %v", 1+rowMapSlots, other)
	}
	if again := d.rowMap(1); again["K"] != "k1" || fmt.Sprintf("%p", again) == fmt.Sprintf("%p", a) {
		t.Errorf("row 1 after its slot was taken: %v", again)
	}
}
