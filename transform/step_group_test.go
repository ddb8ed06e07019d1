package transform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/ferry-sync/ferry/formats"
	"github.com/ferry-sync/ferry/schemas"
)

// ---- helpers shared by the tests of explode, group, dedupe and sort ----

// shapeResult is what a pipeline run gave: the records reaching the
// outputs, rendered one per line with their positions, and the refused
// records with their errors.
type shapeResult struct {
	lines    []string
	records  []*formats.Record
	rejected []string
	stats    Stats
	err      error
}

// runShape runs yaml over input and collects the records that reach the
// first output (ferry preview's hook), so that tests see values and
// positions without going through a writer.
func runShape(t *testing.T, yaml, source string, input []byte, opt RunOptions) shapeResult {
	t.Helper()
	var res shapeResult
	opt.Output = func(i int, _ string, r *formats.Record) error {
		if i == 0 {
			res.records = append(res.records, r)
			res.lines = append(res.lines, r.Pos.String()+": "+recText(r))
		}
		return nil
	}
	if opt.Rejected == nil {
		opt.Rejected = func(r *formats.Record, err error) {
			res.rejected = append(res.rejected, err.Error())
		}
	}
	_, res.stats, res.err = runPipeline(t, yaml, source, input, opt)
	return res
}

// recText renders a record's fields compactly: Name=value, nested records
// in braces, lists in brackets, null as ∅.
func recText(r *formats.Record) string {
	var b strings.Builder
	for i, f := range r.Fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(f.Name)
		b.WriteByte('=')
		valueText(&b, f.Value)
	}
	return b.String()
}

func valueText(b *strings.Builder, v formats.Value) {
	switch v.Kind() {
	case formats.KindNull:
		b.WriteString("∅")
	case formats.KindRecord:
		b.WriteByte('{')
		b.WriteString(recText(v.Record()))
		b.WriteByte('}')
	case formats.KindList:
		b.WriteByte('[')
		for i, e := range v.List() {
			if i > 0 {
				b.WriteString(", ")
			}
			valueText(b, e)
		}
		b.WriteByte(']')
	default:
		b.WriteString(v.Text())
	}
}

// compileErr loads and compiles a pipeline and returns the error text
// ("" when it compiles).
func compileErr(t *testing.T, yaml string) string {
	t.Helper()
	dir := writeProject(t, map[string]string{"p.yaml": yaml})
	pc, err := LoadPipeline(filepath.Join(dir, "p.yaml"))
	if err != nil {
		return err.Error()
	}
	if _, err := Compile(pc, nil, testFunctions()); err != nil {
		return err.Error()
	}
	return ""
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkLines(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// pipelineYAML builds a small pipeline: the input format and the steps.
func pipelineYAML(input, steps string) string {
	return "name: t\ninput: {inbox: in, " + input + "}\non_error: reject\nsteps:\n" + steps +
		"outputs:\n  - {outbox: out, name: x.jsonl, format: jsonl}\n"
}

// ---- group ----

const auftraegeCSV = "format: csv, encoding: windows-1252"

func TestGroupConsecutiveSageOrders(t *testing.T) {
	in := readTestdata(t, "auftraege_b2b.csv")
	res := runShape(t, pipelineYAML(auftraegeCSV, `  - map: {Belegnummer: Belegnummer, Kundennummer: Kundennummer, Pos: Pos, Artikelnummer: Artikelnummer, Menge: Menge}
  - group: {by: [Belegnummer, Kundennummer], into: Positionen}
`), "auftraege_b2b.csv", in, RunOptions{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	checkLines(t, res.lines, []string{
		"2:1: Belegnummer=AU100117 Kundennummer=10002 Positionen=[" +
			"{Belegnummer=AU100117 Kundennummer=10002 Pos=1 Artikelnummer=000815 Menge=9}, " +
			"{Belegnummer=AU100117 Kundennummer=10002 Pos=2 Artikelnummer=1000000000123 Menge=7}, " +
			"{Belegnummer=AU100117 Kundennummer=10002 Pos=3 Artikelnummer=4711/D Menge=3}, " +
			"{Belegnummer=AU100117 Kundennummer=10002 Pos=4 Artikelnummer=VERSAND Menge=1}]",
		"6:1: Belegnummer=AU100118 Kundennummer=10004 Positionen=[" +
			"{Belegnummer=AU100118 Kundennummer=10004 Pos=1 Artikelnummer=004711 Menge=2}, " +
			"{Belegnummer=AU100118 Kundennummer=10004 Pos=2 Artikelnummer=4711/D Menge=2}, " +
			"{Belegnummer=AU100118 Kundennummer=10004 Pos=3 Artikelnummer=SET-0001 Menge=3}]",
		"9:1: Belegnummer=AU100119 Kundennummer=10003 Positionen=[" +
			"{Belegnummer=AU100119 Kundennummer=10003 Pos=1 Artikelnummer=000815 Menge=24}, " +
			"{Belegnummer=AU100119 Kundennummer=10003 Pos=2 Artikelnummer=00042 Menge=12}, " +
			"{Belegnummer=AU100119 Kundennummer=10003 Pos=3 Artikelnummer=000816 Menge=6}, " +
			"{Belegnummer=AU100119 Kundennummer=10003 Pos=4 Artikelnummer=VERSAND Menge=1}]",
	})
	// The key fields keep the positions of the group's first record.
	if f := res.records[1].Field("Kundennummer"); f == nil || f.Pos.String() != "6:21" {
		t.Errorf("Kundennummer position %v", f)
	}
	if res.stats.In != 11 || res.stats.Out != 3 {
		t.Errorf("stats %+v", res.stats)
	}
}

// groupLines is an order-line file whose AU100117 comes back after AU100118.
const groupLines = "Belegnummer;Pos;Artikelnummer\n" +
	"AU100117;1;000815\n" +
	"AU100118;1;004711\n" +
	"AU100117;2;00042\n" +
	"AU100119;1;000816\n" +
	"AU100118;2;4711/D\n"

func TestGroupModes(t *testing.T) {
	cases := []struct {
		name, step string
		want       []string
		rejected   []string
	}{
		{"consecutive refuses a repeated key", "{by: [Belegnummer], into: Positionen}",
			[]string{
				"2:1: Belegnummer=AU100117 Positionen=[{Belegnummer=AU100117 Pos=1 Artikelnummer=000815}]",
				"3:1: Belegnummer=AU100118 Positionen=[{Belegnummer=AU100118 Pos=1 Artikelnummer=004711}]",
				"5:1: Belegnummer=AU100119 Positionen=[{Belegnummer=AU100119 Pos=1 Artikelnummer=000816}]",
			},
			[]string{
				`a.csv:4:1: field "Belegnummer": "AU100117" came before, but not right before this record, and its group is already written: sort the input by Belegnummer, use mode: keyed, or set allow_repeat: true to start a new group`,
				`a.csv:6:1: field "Belegnummer": "AU100118" came before, but not right before this record, and its group is already written: sort the input by Belegnummer, use mode: keyed, or set allow_repeat: true to start a new group`,
			}},
		{"allow_repeat starts a new group", "{by: [Belegnummer], into: P, allow_repeat: true}",
			[]string{
				"2:1: Belegnummer=AU100117 P=[{Belegnummer=AU100117 Pos=1 Artikelnummer=000815}]",
				"3:1: Belegnummer=AU100118 P=[{Belegnummer=AU100118 Pos=1 Artikelnummer=004711}]",
				"4:1: Belegnummer=AU100117 P=[{Belegnummer=AU100117 Pos=2 Artikelnummer=00042}]",
				"5:1: Belegnummer=AU100119 P=[{Belegnummer=AU100119 Pos=1 Artikelnummer=000816}]",
				"6:1: Belegnummer=AU100118 P=[{Belegnummer=AU100118 Pos=2 Artikelnummer=4711/D}]",
			}, nil},
		{"keyed: order of first appearance", "{by: [Belegnummer], into: P, mode: keyed}",
			[]string{
				"2:1: Belegnummer=AU100117 P=[{Belegnummer=AU100117 Pos=1 Artikelnummer=000815}, {Belegnummer=AU100117 Pos=2 Artikelnummer=00042}]",
				"3:1: Belegnummer=AU100118 P=[{Belegnummer=AU100118 Pos=1 Artikelnummer=004711}, {Belegnummer=AU100118 Pos=2 Artikelnummer=4711/D}]",
				"5:1: Belegnummer=AU100119 P=[{Belegnummer=AU100119 Pos=1 Artikelnummer=000816}]",
			}, nil},
		{"two key fields", "{by: [Pos, Belegnummer], into: P, mode: keyed}",
			[]string{
				"2:1: Pos=1 Belegnummer=AU100117 P=[{Belegnummer=AU100117 Pos=1 Artikelnummer=000815}]",
				"3:1: Pos=1 Belegnummer=AU100118 P=[{Belegnummer=AU100118 Pos=1 Artikelnummer=004711}]",
				"4:1: Pos=2 Belegnummer=AU100117 P=[{Belegnummer=AU100117 Pos=2 Artikelnummer=00042}]",
				"5:1: Pos=1 Belegnummer=AU100119 P=[{Belegnummer=AU100119 Pos=1 Artikelnummer=000816}]",
				"6:1: Pos=2 Belegnummer=AU100118 P=[{Belegnummer=AU100118 Pos=2 Artikelnummer=4711/D}]",
			}, nil},
		{"one group for the file", "{by: [Pos], into: P, mode: keyed}",
			[]string{
				"2:1: Pos=1 P=[{Belegnummer=AU100117 Pos=1 Artikelnummer=000815}, {Belegnummer=AU100118 Pos=1 Artikelnummer=004711}, {Belegnummer=AU100119 Pos=1 Artikelnummer=000816}]",
				"4:1: Pos=2 P=[{Belegnummer=AU100117 Pos=2 Artikelnummer=00042}, {Belegnummer=AU100118 Pos=2 Artikelnummer=4711/D}]",
			}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runShape(t, pipelineYAML("format: csv", "  - group: "+c.step+"\n"), "a.csv", []byte(groupLines), RunOptions{})
			if res.err != nil {
				t.Fatal(res.err)
			}
			checkLines(t, res.lines, c.want)
			checkLines(t, res.rejected, c.rejected)
		})
	}
}

// TestGroupFailLists checks that under on_error: fail every repeated key
// is listed and nothing is written.
func TestGroupFailLists(t *testing.T) {
	y := strings.Replace(pipelineYAML("format: csv", "  - group: {by: [Belegnummer], into: P}\n"), "on_error: reject\n", "", 1)
	_, _, err := runPipeline(t, y, "a.csv", []byte(groupLines), RunOptions{})
	var fe *FileError
	if !errors.As(err, &fe) || len(fe.Errors) != 2 || !strings.HasPrefix(fe.Errors[1].Error(), `a.csv:6:1: field "Belegnummer": "AU100118" came before`) {
		t.Fatalf("err = %v", err)
	}
}

func TestGroupCaps(t *testing.T) {
	cases := []struct {
		name, step, want string
	}{
		{"keyed holds too many", "{by: [Belegnummer], into: P, mode: keyed, max_records: 3}",
			"a.csv:5:1: group by Belegnummer holds more than 3 records; sort the input by Belegnummer and use mode: consecutive, or raise max_records"},
		{"one consecutive group too big", "{by: [Typ], into: P, max_records: 2}",
			`a.csv:4:1: group by Typ: more than 2 records have Typ "A"; raise max_records`},
		{"too many keys to check repeats", "{by: [Belegnummer], into: P, max_keys: 2}",
			"a.csv:4:1: group by Belegnummer has seen more than 2 different keys, the most it remembers to find a key that comes again; raise max_keys, or set allow_repeat: true if the input is sorted"},
	}
	in := "Belegnummer;Typ\nAU1;A\nAU2;A\nAU3;A\nAU4;B\nAU5;B\n"
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runShape(t, pipelineYAML("format: csv", "  - group: "+c.step+"\n"), "a.csv", []byte(in), RunOptions{})
			if res.err == nil || res.err.Error() != c.want {
				t.Errorf("err = %v\nwant  %s", res.err, c.want)
			}
		})
	}
}

// TestGroupNestedKey groups Smartstore orders by a nested field.
func TestGroupNestedKey(t *testing.T) {
	res := runShape(t, pipelineYAML("format: json", `  - map: {Id: Id, Customer: Customer, OrderTotal: OrderTotal}
  - group: {by: [Customer.CustomerNumber], into: Orders, mode: keyed}
  - map: {Kunde: Customer.CustomerNumber, Anzahl: len(Orders), Ids: 'map(Orders, .Id)'}
`), "orders.json", readTestdata(t, "orders.json"), RunOptions{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	// 2203 Weiß has no CustomerNumber yet (null): his order has the empty key.
	checkLines(t, res.lines, []string{
		"4:5: Kunde=10000 Anzahl=1 Ids=[5012]",
		"210:5: Kunde=10002 Anzahl=1 Ids=[5013]",
		"416:5: Kunde=10004 Anzahl=1 Ids=[5014]",
		"652:5: Kunde=10003 Anzahl=1 Ids=[5015]",
		"863:5: Kunde=∅ Anzahl=1 Ids=[5016]",
	})
}

func TestGroupRecordErrors(t *testing.T) {
	orders := readTestdata(t, "orders.json")
	cases := []struct {
		name, input, steps, source string
		data                       []byte
		want                       []string
	}{
		{"missing key field", "format: csv", "  - group: {by: [Belegnumer], into: P}\n", "a.csv", []byte(groupLines),
			[]string{`a.csv:2:1: the input has no field "Belegnumer" (it has: Belegnummer, Pos, Artikelnummer)`}},
		{"key is a record", "format: json", "  - group: {by: [Customer], into: P}\n", "orders.json", orders,
			[]string{`orders.json:64:7: field "Customer": holds a nested record, which cannot be a key: name a single value inside it (like Customer.Id)`}},
		{"path through text", "format: json", "  - group: {by: [OrderGuid.Id], into: P}\n", "orders.json", orders,
			[]string{`orders.json:7:7: field "OrderGuid" holds text, not a nested record, so "OrderGuid.Id" cannot be read`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := runShape(t, pipelineYAML(c.input, c.steps), c.source, c.data, RunOptions{})
			if res.err != nil {
				t.Fatal(res.err)
			}
			if len(res.rejected) == 0 {
				t.Fatal("nothing rejected")
			}
			checkLines(t, res.rejected[:1], c.want)
		})
	}
}

// TestGroupFlushRejectsOneGroup checks that a group refused by a later step
// under on_error: reject does not take the other groups with it.
func TestGroupFlushRejectsOneGroup(t *testing.T) {
	y := pipelineYAML("format: csv", `  - group: {by: [Belegnummer], into: P, mode: keyed}
  - map: {Belegnummer: Belegnummer, Erste: 'int(P[0].Pos) * 2'}
`)
	in := strings.Replace(groupLines, "AU100118;1;", "AU100118;x;", 1)
	res := runShape(t, y, "a.csv", []byte(in), RunOptions{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	checkLines(t, res.lines, []string{"2:1: Belegnummer=AU100117 Erste=2", "5:1: Belegnummer=AU100119 Erste=2"})
	if len(res.rejected) != 1 || !strings.HasPrefix(res.rejected[0], "a.csv:3:1: ") || res.stats.Rejected != 1 {
		t.Errorf("rejected %q, stats %+v", res.rejected, res.stats)
	}
}

func TestShapeConfigErrors(t *testing.T) {
	cases := []struct{ name, steps, want string }{
		{"group into is a key", "  - group: {by: [Belegnummer], into: Belegnummer}\n",
			`p.yaml:5:32: steps[0].group.into: into "Belegnummer" is also a key field (or the start of one) in by; choose another name for the list`},
		{"group allow_repeat with keyed", "  - group: {by: [A], into: P, mode: keyed, allow_repeat: true}\n",
			`p.yaml:5:44: steps[0].group.allow_repeat: allow_repeat is for mode: consecutive; mode: keyed always puts equal keys into one group`},
		{"group max_keys with keyed", "  - group: {by: [A], into: P, mode: keyed, max_keys: 5}\n",
			`p.yaml:5:44: steps[0].group.max_keys: max_keys is for mode: consecutive; under mode: keyed, max_records is the cap`},
		{"group key twice", "  - group:\n      by: [A, B, A]\n      into: P\n",
			`p.yaml:6:18: steps[0].group.by[2]: "A" is listed twice`},
		{"group bad path", "  - group: {by: [Customer..Id], into: P}\n",
			`p.yaml:5:18: steps[0].group.by[0]: "Customer..Id" is not a field name or dotted path (like Customer.Id)`},
		{"group unknown option", "  - group: {by: [A], into: P, mdoe: keyed}\n",
			`p.yaml:5:31: steps[0].group: additional properties 'mdoe' not allowed`},
		{"group mode", "  - group: {by: [A], into: P, mode: sorted}\n",
			`p.yaml:5:31: steps[0].group.mode: value must be one of 'consecutive', 'keyed'`},
		{"group by a string", "  - group: {by: A, into: P}\n",
			`p.yaml:5:13: steps[0].group.by: got string, want array`},
		{"dedupe keep", "  - dedupe: {by: [A], keep: newest}\n",
			`p.yaml:5:23: steps[0].dedupe.keep: value must be one of 'first', 'last'`},
		{"dedupe no by", "  - dedupe: {by: []}\n",
			`p.yaml:5:14: steps[0].dedupe.by: minItems: got 0, want 1`},
		{"sort numeric not in by", "  - sort:\n      by: [Warengruppe, -VK1]\n      numeric: [VK1, VK2]\n",
			`p.yaml:7:22: steps[0].sort.numeric[1]: "VK2" is not one of the fields in by (Warengruppe, VK1)`},
		{"sort twice", "  - sort: {by: [VK1, -VK1]}\n",
			`p.yaml:5:22: steps[0].sort.by[1]: "VK1" is listed twice`},
		{"sort empty name", "  - sort: {by: [\"-\"]}\n",
			`p.yaml:5:17: steps[0].sort.by[0]: a field name is empty`},
		{"sort max_records", "  - sort: {by: [A], max_records: 0}\n",
			`p.yaml:5:21: steps[0].sort.max_records: minimum: got 0, want 1`},
		{"explode keep_empty without as", "  - explode: {field: OrderItems, keep_empty: true}\n",
			`p.yaml:5:34: steps[0].explode.keep_empty: keep_empty needs as: the record of an empty list has no element fields, only as (null) next to the parent's fields`},
		{"explode same names", "  - explode: {field: OrderItems, as: item, index_as: item}\n",
			`p.yaml:5:44: steps[0].explode.index_as: index_as and as are both "item"; give them different names`},
		{"explode index_as parent", "  - explode: {field: OrderItems, index_as: parent}\n",
			`p.yaml:5:34: steps[0].explode.index_as: without as, the parent's fields go into "parent"; choose another name for index_as`},
		{"explode bad path", "  - explode: {field: .OrderItems}\n",
			`p.yaml:5:15: steps[0].explode.field: ".OrderItems" is not a field name or dotted path (like Customer.Id)`},
		{"explode old option", "  - explode: {field: OrderItems, keep_parent: true}\n",
			`p.yaml:5:34: steps[0].explode: additional properties 'keep_parent' not allowed`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := compileErr(t, pipelineYAML("format: csv", c.steps))
			if got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

// TestShapeSchemaInSync checks that the schema allows exactly the options
// the steps decode.
func TestShapeSchemaInSync(t *testing.T) {
	b, err := schemas.FS.ReadFile(schemas.Pipeline)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Defs struct {
			Step struct {
				Properties map[string]struct {
					Properties map[string]json.RawMessage `json:"properties"`
				} `json:"properties"`
			} `json:"step"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for kind, cfg := range map[string]any{"explode": explodeConfig{}, "group": groupConfig{}, "dedupe": dedupeConfig{}, "sort": sortConfig{}} {
		var inSchema, inCode []string
		for k := range doc.Defs.Step.Properties[kind].Properties {
			inSchema = append(inSchema, k)
		}
		rt := reflect.TypeOf(cfg)
		for i := 0; i < rt.NumField(); i++ {
			inCode = append(inCode, rt.Field(i).Tag.Get("yaml"))
		}
		slices.Sort(inSchema)
		slices.Sort(inCode)
		if !slices.Equal(inSchema, inCode) {
			t.Errorf("%s: schema has %v, code decodes %v", kind, inSchema, inCode)
		}
		if _, ok := stepKinds[kind]; !ok {
			t.Errorf("%s is not in stepKinds", kind)
		}
	}
}

// benchPipeline runs a compiled pipeline over in b.N times; the records
// go to a hook that drops them, so that the steps are measured, not a
// writer.
func benchPipeline(b *testing.B, yaml string, in []byte) {
	b.Helper()
	p := mustCompile(b, map[string]string{"p.yaml": yaml})
	pc := p.Config
	f, _ := formats.Builtin().Lookup(pc.Input.Format)
	opt := RunOptions{Output: func(int, string, *formats.Record) error { return nil }}
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		rd, err := formats.NewTextReader(f, bytes.NewReader(in), "bench", pc.Input.Encoding, pc.Input.FormatOpts)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Run(context.Background(), rd, Source{Path: "bench.csv"}, &memSink{}, opt); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGroupConsecutive(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("Belegnummer;Pos;Artikelnummer;Menge\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&sb, "AU%06d;%d;000815;%d\n", i/4, i%4+1, i%7)
	}
	benchPipeline(b, pipelineYAML("format: csv", "  - group: {by: [Belegnummer], into: P}\n"), []byte(sb.String()))
}

func BenchmarkGroupKeyed(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("Belegnummer;Pos;Artikelnummer;Menge\n")
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&sb, "AU%06d;%d;000815;%d\n", i%2500, i/2500+1, i%7)
	}
	benchPipeline(b, pipelineYAML("format: csv", "  - group: {by: [Belegnummer], into: P, mode: keyed}\n"), []byte(sb.String()))
}
